-- Outbound webhooks: who listens to which events, at which URL, signed with which secret.
-- An administrator's subscription without a cooperative hears every cooperative; a manager's
-- hears only theirs. `failing_since` is set at the first failure after a success; a
-- subscription failing for too long is disabled and its owner emailed.
CREATE TABLE webhook_subscriptions (
    id INTEGER PRIMARY KEY NOT NULL,
    owner_account_id BIGINT NOT NULL REFERENCES accounts (id),
    cooperative_id BIGINT,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    status TEXT NOT NULL,
    failing_since TIMESTAMP,
    disabled_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_subscriptions_owner_idx ON webhook_subscriptions (owner_account_id);
CREATE INDEX webhook_subscriptions_status_idx ON webhook_subscriptions (status);

-- One event to one subscription, and every attempt to deliver it.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY NOT NULL,
    subscription_id BIGINT NOT NULL REFERENCES webhook_subscriptions (id),
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error TEXT,
    next_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries (id),
    status_code INTEGER,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, id);
