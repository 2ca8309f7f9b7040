-- A secret per order, sent in its confirmation email: orderLookup needs it, so knowing a
-- buyer's email and walking order numbers finds nothing. Orders placed before have none.
ALTER TABLE orders ADD COLUMN lookup_key TEXT NOT NULL DEFAULT '';
