-- Promotions: discount codes (a code the buyer types) and automatic promotions (no code).
-- value: basis points for PERCENTAGE (1500 = 15 %), minor units for FIXED_AMOUNT.
-- cooperative_id: the only cooperative whose goods it discounts (required when that
-- cooperative funds it); category_id and promotion_products narrow it further by scope.
CREATE TABLE promotions (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    code TEXT UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    value BIGINT NOT NULL,
    scope TEXT NOT NULL,
    cooperative_id BIGINT REFERENCES cooperatives (id),
    category_id BIGINT REFERENCES categories (id),
    min_subtotal_minor BIGINT,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP,
    usage_limit BIGINT,
    per_customer_limit BIGINT,
    used_count BIGINT NOT NULL DEFAULT 0,
    funded_by TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX promotions_automatic_idx ON promotions (active, starts_at) WHERE code IS NULL;
CREATE INDEX promotions_cooperative_idx ON promotions (cooperative_id, id);

CREATE TABLE promotion_products (
    promotion_id BIGINT NOT NULL REFERENCES promotions (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    PRIMARY KEY (promotion_id, product_id)
);

-- The codes a buyer entered on a cart, in the order entered.
CREATE TABLE cart_discount_codes (
    cart_id BIGINT NOT NULL REFERENCES carts (id),
    promotion_id BIGINT NOT NULL REFERENCES promotions (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (cart_id, promotion_id)
);

-- One row per promotion an order used; customer_key is "a:<account id>" or "e:<email>",
-- what the per-customer limit counts.
CREATE TABLE promotion_redemptions (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    promotion_id BIGINT NOT NULL REFERENCES promotions (id),
    order_id BIGINT NOT NULL REFERENCES orders (id),
    customer_key TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX promotion_redemptions_customer_idx ON promotion_redemptions (promotion_id, customer_key);
CREATE INDEX promotion_redemptions_order_idx ON promotion_redemptions (order_id);

-- What the buyer was given off. On a fulfilment, marketplace_discount_minor is the part of
-- discount_minor that the marketplace pays the cooperative back.
ALTER TABLE orders ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE fulfilments ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE fulfilments ADD COLUMN marketplace_discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE order_lines ADD COLUMN discount_minor BIGINT NOT NULL DEFAULT 0;
