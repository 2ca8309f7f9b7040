ALTER TABLE order_lines DROP COLUMN discount_minor;
ALTER TABLE fulfilments DROP COLUMN marketplace_discount_minor;
ALTER TABLE fulfilments DROP COLUMN discount_minor;
ALTER TABLE orders DROP COLUMN discount_minor;
DROP TABLE promotion_redemptions;
DROP TABLE cart_discount_codes;
DROP TABLE promotion_products;
DROP TABLE promotions;
