-- Whether the public sees a product (its status and its cooperative's are both ACTIVE), kept on
-- the product so counts and listings read one indexed column instead of probing the cooperative
-- of every row. Triggers keep it in step on every path that writes either status (the API,
-- seeds, imports), in the writing transaction.
ALTER TABLE products ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE products SET listed = (status = 'ACTIVE' AND EXISTS (
    SELECT 1 FROM cooperatives c WHERE c.id = products.cooperative_id AND c.status = 'ACTIVE'));

CREATE FUNCTION products_set_listed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cooperative_status TEXT;
BEGIN
    -- FOR SHARE: a suspension being committed meanwhile is waited for and then seen.
    SELECT status INTO cooperative_status FROM cooperatives WHERE id = NEW.cooperative_id FOR SHARE;
    NEW.listed := NEW.status = 'ACTIVE' AND cooperative_status IS NOT DISTINCT FROM 'ACTIVE';
    RETURN NEW;
END $$;
CREATE TRIGGER products_listed BEFORE INSERT OR UPDATE OF status, cooperative_id ON products
    FOR EACH ROW EXECUTE FUNCTION products_set_listed();

CREATE FUNCTION cooperatives_relist() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE products SET listed = (status = 'ACTIVE' AND NEW.status = 'ACTIVE') WHERE cooperative_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER cooperatives_relist AFTER UPDATE OF status ON cooperatives
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION cooperatives_relist();

DROP INDEX products_status_cooperative_idx;
DROP INDEX products_status_price_idx;
DROP INDEX products_status_rating_idx;
CREATE INDEX products_listed_id_idx ON products (listed, id);
CREATE INDEX products_listed_price_idx ON products (listed, min_price_minor, id);
CREATE INDEX products_listed_rating_idx ON products (listed, rating_average_centi, id);
CREATE INDEX products_listed_category_idx ON products (listed, category_id);
CREATE INDEX products_listed_region_idx ON products (listed, origin_region_id);

-- A number every write to what the catalogue shows moves forward, in the writing transaction:
-- cached answers and counts are kept per version, so none outlives a change. Triggers rather
-- than calls in the code, so no write path (checkout's stock, a review's rating, a
-- cooperative's suspension, a seed) can forget it. The version is the sum of the shards: a
-- transaction bumps the shard its id picks, so concurrent checkouts do not all queue on one
-- row lock, and no transaction holds two shards (two could then wait on each other).
CREATE TABLE catalogue_version (
    shard INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO catalogue_version (shard, version) VALUES
    (0, 1), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0),
    (8, 0), (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0);

CREATE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chosen INTEGER := (txid_current() % 16)::INTEGER;
BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = chosen;
    RETURN NULL;
END $$;
CREATE TRIGGER products_bump AFTER INSERT OR UPDATE OR DELETE ON products
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER variants_bump AFTER INSERT OR UPDATE OR DELETE ON variants
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER product_media_bump AFTER INSERT OR UPDATE OR DELETE ON product_media
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER product_labels_bump AFTER INSERT OR UPDATE OR DELETE ON product_labels
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER categories_bump AFTER INSERT OR UPDATE OR DELETE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER product_reviews_bump AFTER INSERT OR UPDATE OR DELETE ON product_reviews
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
CREATE TRIGGER cooperatives_bump AFTER UPDATE ON cooperatives
    FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version();
