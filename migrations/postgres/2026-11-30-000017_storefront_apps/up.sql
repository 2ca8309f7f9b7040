-- Storefronts registered as apps: a public key sent as a header, carrying the app's own rate
-- limit, allowed browser origins and scopes. Only the key's hash is kept; after a rotation the
-- previous key keeps working until `previous_key_expires_at`.
CREATE TABLE storefront_apps (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    key_prefix TEXT NOT NULL,
    previous_key_hash TEXT,
    previous_key_expires_at TIMESTAMP,
    allowed_origins TEXT NOT NULL,
    scopes TEXT NOT NULL,
    rate_limit_per_minute INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX storefront_apps_previous_key_idx ON storefront_apps (previous_key_hash);
