-- Foundation: regions, sectors, cooperatives as sellers, the catalogue, accounts.
-- Keep in step with migrations/postgres (a test compares the two trees).

CREATE TABLE regions (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name_ar TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_en TEXT,
    name_zgh TEXT
);

CREATE TABLE sectors (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name_ar TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_en TEXT,
    name_zgh TEXT
);

CREATE TABLE cooperatives (
    id INTEGER PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    registration_number TEXT NOT NULL UNIQUE,
    name_ar TEXT,
    name_fr TEXT,
    name_en TEXT,
    name_zgh TEXT,
    description_ar TEXT,
    description_fr TEXT,
    description_en TEXT,
    description_zgh TEXT,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    logo_url TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    is_women_cooperative BOOLEAN NOT NULL DEFAULT FALSE,
    is_youth_cooperative BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX cooperatives_region_idx ON cooperatives (region_id);
CREATE INDEX cooperatives_sector_idx ON cooperatives (sector_id);
CREATE INDEX cooperatives_status_idx ON cooperatives (status);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY NOT NULL,
    parent_id BIGINT REFERENCES categories (id),
    slug TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    name_ar TEXT,
    name_fr TEXT,
    name_en TEXT,
    name_zgh TEXT
);
CREATE INDEX categories_parent_idx ON categories (parent_id);
CREATE INDEX categories_path_idx ON categories (path);

CREATE TABLE products (
    id INTEGER PRIMARY KEY NOT NULL,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    category_id BIGINT REFERENCES categories (id),
    origin_region_id BIGINT REFERENCES regions (id),
    slug TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    name_ar TEXT,
    name_fr TEXT,
    name_en TEXT,
    name_zgh TEXT,
    description_ar TEXT,
    description_fr TEXT,
    description_en TEXT,
    description_zgh TEXT,
    min_price_minor BIGINT,
    total_stock BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX products_cooperative_idx ON products (cooperative_id);
CREATE INDEX products_category_idx ON products (category_id);
CREATE INDEX products_origin_region_idx ON products (origin_region_id);
CREATE INDEX products_status_price_idx ON products (status, min_price_minor);

CREATE TABLE variants (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    sku TEXT NOT NULL UNIQUE,
    options_json TEXT NOT NULL,
    price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
    compare_at_minor BIGINT,
    currency TEXT NOT NULL,
    stock BIGINT NOT NULL CHECK (stock >= 0),
    weight_grams INTEGER,
    position INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX variants_product_idx ON variants (product_id);

CREATE TABLE product_media (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    url TEXT NOT NULL,
    alt_ar TEXT,
    alt_fr TEXT,
    alt_en TEXT,
    alt_zgh TEXT,
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX product_media_product_idx ON product_media (product_id);

CREATE TABLE product_labels (
    id INTEGER PRIMARY KEY NOT NULL,
    product_id BIGINT NOT NULL REFERENCES products (id),
    label_type TEXT NOT NULL,
    official_name TEXT NOT NULL,
    certifying_body TEXT,
    certificate_number TEXT,
    valid_until DATE
);
CREATE INDEX product_labels_product_idx ON product_labels (product_id);
CREATE INDEX product_labels_type_idx ON product_labels (label_type);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    full_name TEXT NOT NULL,
    role TEXT NOT NULL,
    cooperative_id BIGINT REFERENCES cooperatives (id),
    locale TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX accounts_cooperative_idx ON accounts (cooperative_id);

CREATE TABLE access_tokens (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX access_tokens_account_idx ON access_tokens (account_id);
