-- Counts (`totalCount`) depend on fewer things than what the catalogue shows: a checkout that
-- takes a jar of argan oil from 40 to 39 changes the product page, not how many products are in
-- stock. They are kept under their own version, which moves only when a count can change:
-- products added or removed, a product's visibility, status, cooperative, region, category or
-- price, its stock reaching or leaving zero, a label, a category's place in the tree, a
-- cooperative's sector. (A cooperative's status reaches counts through its products' `listed`.)
-- Sharded as `catalogue_version` is, for the same reason.
CREATE TABLE catalogue_count_version (
    shard INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO catalogue_count_version (shard, version) VALUES
    (0, 1), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0),
    (8, 0), (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0);

-- Both versions move once per transaction: readers see a transaction's writes all at once,
-- at its commit, so one step is enough. Per row, a bulk load that updates 300,000 products in
-- a few transactions left as many dead versions of one shard row, which no pruning could
-- reclaim while the transaction ran: 9.8 MB that every read of the version then scanned
-- (1 ms instead of 0.05). The flag is transaction-local and undone with a rolled-back
-- savepoint, with the bump it stands for.
CREATE FUNCTION bump_catalogue_count_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx TEXT := txid_current()::TEXT;
BEGIN
    IF current_setting('taawun.count_version_moved', true) IS DISTINCT FROM tx THEN
        UPDATE catalogue_count_version SET version = version + 1 WHERE shard = (txid_current() % 16)::INTEGER;
        PERFORM set_config('taawun.count_version_moved', tx, true);
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tx TEXT := txid_current()::TEXT;
BEGIN
    IF current_setting('taawun.catalogue_version_moved', true) IS DISTINCT FROM tx THEN
        UPDATE catalogue_version SET version = version + 1 WHERE shard = (txid_current() % 16)::INTEGER;
        PERFORM set_config('taawun.catalogue_version_moved', tx, true);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER products_count_bump AFTER INSERT OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_count_version();
-- Per row, with the test in WHEN: most product updates (stock, rating, text) change no count
-- and then run no function at all.
CREATE TRIGGER products_count_bump_update AFTER UPDATE ON products
    FOR EACH ROW WHEN (
        OLD.listed IS DISTINCT FROM NEW.listed
        OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.cooperative_id IS DISTINCT FROM NEW.cooperative_id
        OR OLD.origin_region_id IS DISTINCT FROM NEW.origin_region_id
        OR OLD.category_id IS DISTINCT FROM NEW.category_id
        OR OLD.min_price_minor IS DISTINCT FROM NEW.min_price_minor
        OR (OLD.total_stock > 0) IS DISTINCT FROM (NEW.total_stock > 0)
    ) EXECUTE FUNCTION bump_catalogue_count_version();
CREATE TRIGGER product_labels_count_bump AFTER INSERT OR DELETE ON product_labels
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_count_version();
CREATE TRIGGER product_labels_count_bump_update AFTER UPDATE ON product_labels
    FOR EACH ROW WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id OR OLD.label_type IS DISTINCT FROM NEW.label_type)
    EXECUTE FUNCTION bump_catalogue_count_version();
CREATE TRIGGER categories_count_bump AFTER INSERT OR DELETE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_count_version();
CREATE TRIGGER categories_count_bump_update AFTER UPDATE ON categories
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION bump_catalogue_count_version();
CREATE TRIGGER cooperatives_count_bump_update AFTER UPDATE ON cooperatives
    FOR EACH ROW WHEN (OLD.sector_id IS DISTINCT FROM NEW.sector_id)
    EXECUTE FUNCTION bump_catalogue_count_version();

-- What a recount reads, so that the first count after a change is quick too (300,000 products):
-- the region with the price, so a region's price-bounded listing and count read one index range;
-- the cooperative, for the sector filter's cooperatives; the stock, for "in stock".
DROP INDEX products_listed_region_idx;
CREATE INDEX products_listed_region_price_idx ON products (listed, origin_region_id, min_price_minor, id);
CREATE INDEX products_listed_cooperative_idx ON products (listed, cooperative_id);
CREATE INDEX products_listed_stock_idx ON products (listed, total_stock);
