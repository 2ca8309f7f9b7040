DROP INDEX products_listed_stock_idx;
DROP INDEX products_listed_cooperative_idx;
DROP INDEX products_listed_region_price_idx;
CREATE INDEX products_listed_region_idx ON products (listed, origin_region_id);
DROP TRIGGER cooperatives_count_bump_update ON cooperatives;
DROP TRIGGER categories_count_bump_update ON categories;
DROP TRIGGER categories_count_bump ON categories;
DROP TRIGGER product_labels_count_bump_update ON product_labels;
DROP TRIGGER product_labels_count_bump ON product_labels;
DROP TRIGGER products_count_bump_update ON products;
DROP TRIGGER products_count_bump ON products;
DROP FUNCTION bump_catalogue_count_version();
CREATE OR REPLACE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chosen INTEGER := (txid_current() % 16)::INTEGER;
BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = chosen;
    RETURN NULL;
END $$;
DROP TABLE catalogue_count_version;
