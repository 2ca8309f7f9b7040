DROP INDEX products_status_rating_idx;
ALTER TABLE products DROP COLUMN rating_average_centi;
ALTER TABLE products DROP COLUMN rating_sum;
ALTER TABLE products DROP COLUMN rating_count;
DROP TABLE product_reviews;
