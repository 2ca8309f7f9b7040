ALTER TABLE products DROP COLUMN seo_json;
