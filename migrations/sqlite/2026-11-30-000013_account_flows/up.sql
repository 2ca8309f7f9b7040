-- Email verification: when the account proved it reads its address. Staff and managers are
-- created by the office with their address, so they count as verified from the start.
ALTER TABLE accounts ADD COLUMN email_verified_at TIMESTAMP;
UPDATE accounts SET email_verified_at = created_at WHERE role <> 'CUSTOMER';

-- Single-use tokens sent by email (email verification, password reset); only their hash is
-- kept. `email` is the address the token was sent to: a verification counts for that address.
CREATE TABLE account_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_tokens_account_idx ON account_tokens (account_id, purpose, created_at);

-- A buyer's saved addresses, at most one of them the default (checkout starts from it).
CREATE TABLE saved_addresses (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    label TEXT,
    full_name TEXT NOT NULL,
    line1 TEXT NOT NULL,
    line2 TEXT,
    city TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    postal_code TEXT,
    phone TEXT,
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX saved_addresses_account_idx ON saved_addresses (account_id);
CREATE UNIQUE INDEX saved_addresses_one_default ON saved_addresses (account_id) WHERE is_default = 1;
