ALTER TABLE orders DROP COLUMN lookup_key;
