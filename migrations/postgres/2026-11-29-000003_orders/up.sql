-- Carts, orders split per cooperative, payments, the cooperatives' ledger, and the outbox.
-- Keep in step with migrations/sqlite (a test compares the two trees).

ALTER TABLE cooperatives ADD COLUMN commission_rate_bps INTEGER;

CREATE TABLE shipping_rates (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    region_id BIGINT REFERENCES regions (id),
    rate_minor BIGINT NOT NULL,
    free_above_minor BIGINT
);
CREATE UNIQUE INDEX shipping_rates_cooperative_region_idx ON shipping_rates (cooperative_id, region_id);

CREATE TABLE carts (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    token TEXT NOT NULL UNIQUE,
    account_id BIGINT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP
);
CREATE INDEX carts_account_idx ON carts (account_id);

CREATE TABLE cart_lines (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    cart_id BIGINT NOT NULL REFERENCES carts (id),
    variant_id BIGINT NOT NULL REFERENCES variants (id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price_minor BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX cart_lines_cart_variant_idx ON cart_lines (cart_id, variant_id);

CREATE TABLE orders (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    number TEXT NOT NULL UNIQUE,
    idempotency_key TEXT NOT NULL UNIQUE,
    cart_id BIGINT NOT NULL REFERENCES carts (id),
    account_id BIGINT REFERENCES accounts (id),
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    locale TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    payment_status TEXT NOT NULL,
    payment_reference TEXT,
    payment_client_secret TEXT,
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    refunded_minor BIGINT NOT NULL DEFAULT 0,
    ship_full_name TEXT NOT NULL,
    ship_line1 TEXT NOT NULL,
    ship_line2 TEXT,
    ship_city TEXT NOT NULL,
    ship_region_id BIGINT NOT NULL REFERENCES regions (id),
    ship_postal_code TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_account_idx ON orders (account_id);
CREATE INDEX orders_email_idx ON orders (email);
CREATE INDEX orders_payment_reference_idx ON orders (payment_reference);

CREATE TABLE fulfilments (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    status TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    shipping_minor BIGINT NOT NULL,
    commission_rate_bps INTEGER NOT NULL,
    commission_minor BIGINT NOT NULL,
    net_minor BIGINT NOT NULL,
    refunded_minor BIGINT NOT NULL DEFAULT 0,
    cash_collected BOOLEAN NOT NULL DEFAULT FALSE,
    carrier TEXT,
    tracking_number TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX fulfilments_order_idx ON fulfilments (order_id);
CREATE INDEX fulfilments_cooperative_idx ON fulfilments (cooperative_id, status);

CREATE TABLE order_lines (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    fulfilment_id BIGINT NOT NULL REFERENCES fulfilments (id),
    variant_id BIGINT NOT NULL REFERENCES variants (id),
    product_id BIGINT NOT NULL REFERENCES products (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    product_name TEXT NOT NULL,
    sku TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    line_total_minor BIGINT NOT NULL
);
CREATE INDEX order_lines_order_idx ON order_lines (order_id);
CREATE INDEX order_lines_fulfilment_idx ON order_lines (fulfilment_id);

CREATE TABLE order_events (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    fulfilment_id BIGINT REFERENCES fulfilments (id),
    actor_account_id BIGINT REFERENCES accounts (id),
    actor TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    note TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX order_events_order_idx ON order_events (order_id);

CREATE TABLE ledger_entries (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    order_id BIGINT REFERENCES orders (id),
    fulfilment_id BIGINT REFERENCES fulfilments (id),
    kind TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    reference TEXT,
    recorded_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX ledger_entries_cooperative_idx ON ledger_entries (cooperative_id);

CREATE TABLE refunds (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    fulfilment_id BIGINT REFERENCES fulfilments (id),
    amount_minor BIGINT NOT NULL,
    provider_reference TEXT,
    status TEXT NOT NULL,
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refunds_order_idx ON refunds (order_id);

CREATE TABLE payment_events (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    provider TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    order_id BIGINT REFERENCES orders (id),
    received_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX payment_events_provider_event_idx ON payment_events (provider, event_id);

CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    done_at TIMESTAMP
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
