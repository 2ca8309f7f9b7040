DROP TABLE return_lines;
DROP TABLE return_requests;
ALTER TABLE fulfilments DROP COLUMN delivered_at;
ALTER TABLE order_lines DROP COLUMN marketplace_discount_minor;
