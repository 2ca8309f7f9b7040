-- Reviews by buyers of a delivered product: one per buyer and product. The product keeps its
-- count, sum and average of published ratings, changed in the same transaction as a review,
-- so listings read and sort them without aggregating.
CREATE TABLE product_reviews (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    title TEXT,
    body TEXT NOT NULL,
    -- The first name shown with the review, taken when it is written.
    author_name TEXT NOT NULL,
    status TEXT NOT NULL,
    hidden_reason TEXT,
    hidden_by BIGINT REFERENCES accounts (id),
    hidden_at TIMESTAMP,
    reply_body TEXT,
    reply_by BIGINT REFERENCES accounts (id),
    reply_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (product_id, account_id)
);
CREATE INDEX product_reviews_product_idx ON product_reviews (product_id, status, id);

ALTER TABLE products ADD COLUMN rating_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN rating_sum BIGINT NOT NULL DEFAULT 0;
-- The average in hundredths (4.67 → 467), null without ratings: the listing's rating sort.
ALTER TABLE products ADD COLUMN rating_average_centi INTEGER;
CREATE INDEX products_status_rating_idx ON products (status, rating_average_centi, id);
