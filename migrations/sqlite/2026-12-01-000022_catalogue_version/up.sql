-- Whether the public sees a product (its status and its cooperative's are both ACTIVE), kept on
-- the product so counts and listings read one indexed column instead of probing the cooperative
-- of every row. Triggers keep it in step on every path that writes either status (the API,
-- seeds, imports), in the writing transaction.
ALTER TABLE products ADD COLUMN listed BOOLEAN NOT NULL DEFAULT 0;
UPDATE products SET listed = (status = 'ACTIVE' AND EXISTS (
    SELECT 1 FROM cooperatives c WHERE c.id = products.cooperative_id AND c.status = 'ACTIVE'));

CREATE TRIGGER products_listed_on_insert AFTER INSERT ON products BEGIN
    UPDATE products SET listed = (NEW.status = 'ACTIVE' AND EXISTS (
        SELECT 1 FROM cooperatives c WHERE c.id = NEW.cooperative_id AND c.status = 'ACTIVE'))
    WHERE id = NEW.id;
END;
CREATE TRIGGER products_listed_on_update AFTER UPDATE OF status, cooperative_id ON products BEGIN
    UPDATE products SET listed = (NEW.status = 'ACTIVE' AND EXISTS (
        SELECT 1 FROM cooperatives c WHERE c.id = NEW.cooperative_id AND c.status = 'ACTIVE'))
    WHERE id = NEW.id;
END;
CREATE TRIGGER cooperatives_relist AFTER UPDATE OF status ON cooperatives
WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE products SET listed = (status = 'ACTIVE' AND NEW.status = 'ACTIVE') WHERE cooperative_id = NEW.id;
END;

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
-- cooperative's suspension, a seed) can forget it. The version is the sum of the shards;
-- PostgreSQL spreads concurrent writers over them so checkouts do not queue on one row.
CREATE TABLE catalogue_version (
    shard INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO catalogue_version (shard, version) VALUES
    (0, 1), (1, 0), (2, 0), (3, 0), (4, 0), (5, 0), (6, 0), (7, 0),
    (8, 0), (9, 0), (10, 0), (11, 0), (12, 0), (13, 0), (14, 0), (15, 0);
CREATE TRIGGER products_bump_insert AFTER INSERT ON products BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER products_bump_update AFTER UPDATE ON products BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER products_bump_delete AFTER DELETE ON products BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER variants_bump_insert AFTER INSERT ON variants BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER variants_bump_update AFTER UPDATE ON variants BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER variants_bump_delete AFTER DELETE ON variants BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_media_bump_insert AFTER INSERT ON product_media BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_media_bump_update AFTER UPDATE ON product_media BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_media_bump_delete AFTER DELETE ON product_media BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_labels_bump_insert AFTER INSERT ON product_labels BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_labels_bump_update AFTER UPDATE ON product_labels BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_labels_bump_delete AFTER DELETE ON product_labels BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER categories_bump_insert AFTER INSERT ON categories BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER categories_bump_update AFTER UPDATE ON categories BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER categories_bump_delete AFTER DELETE ON categories BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_reviews_bump_insert AFTER INSERT ON product_reviews BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_reviews_bump_update AFTER UPDATE ON product_reviews BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER product_reviews_bump_delete AFTER DELETE ON product_reviews BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
CREATE TRIGGER cooperatives_bump_update AFTER UPDATE ON cooperatives BEGIN
    UPDATE catalogue_version SET version = version + 1 WHERE shard = 0;
END;
