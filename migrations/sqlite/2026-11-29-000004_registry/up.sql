-- The register of cooperatives (law 112-12 as amended by law 74-16): the register's part of
-- each cooperative, its status history, creation applications with founders and documents,
-- the member register, annual filings, and the log of reads of members' personal data.
-- Keep in step with migrations/postgres (a test compares the two trees).

CREATE TABLE register_entries (
    cooperative_id BIGINT PRIMARY KEY NOT NULL REFERENCES cooperatives (id),
    legal_form TEXT NOT NULL,
    province TEXT,
    registration_date DATE NOT NULL,
    registration_year INTEGER NOT NULL,
    dissolved_on DATE,
    name_folded TEXT NOT NULL,
    name_keys TEXT NOT NULL,
    status_changed_at TIMESTAMP NOT NULL
);
CREATE INDEX register_entries_registration_date_idx ON register_entries (registration_date);

-- Cooperatives already in the catalogue enter the register on the day they were created;
-- their name keys are computed by the application at start-up (name_keys = '').
INSERT INTO register_entries (cooperative_id, legal_form, registration_date, registration_year, name_folded, name_keys, status_changed_at)
SELECT id, 'COOPERATIVE', date(created_at), CAST(strftime('%Y', created_at) AS INTEGER), '', '', created_at FROM cooperatives;

-- Bumped in the transaction of every change the national figures count, so computed figures
-- can be cached per version.
CREATE TABLE registry_version (
    id INTEGER PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL
);
INSERT INTO registry_version (id, version) VALUES (1, 1);

CREATE TABLE cooperative_status_changes (
    id INTEGER PRIMARY KEY NOT NULL,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX cooperative_status_changes_cooperative_idx ON cooperative_status_changes (cooperative_id);

CREATE TABLE registration_sequences (
    region_id BIGINT NOT NULL REFERENCES regions (id),
    year INTEGER NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (region_id, year)
);

CREATE TABLE registration_applications (
    id INTEGER PRIMARY KEY NOT NULL,
    applicant_account_id BIGINT NOT NULL REFERENCES accounts (id),
    status TEXT NOT NULL,
    legal_form TEXT NOT NULL,
    name_ar TEXT,
    name_fr TEXT,
    name_folded TEXT NOT NULL,
    name_keys TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    province TEXT,
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    address TEXT,
    contact_email TEXT,
    share_value_minor BIGINT NOT NULL,
    registration_number TEXT UNIQUE,
    cooperative_id BIGINT REFERENCES cooperatives (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX registration_applications_applicant_idx ON registration_applications (applicant_account_id);
CREATE INDEX registration_applications_status_idx ON registration_applications (status);

CREATE TABLE registration_application_events (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES registration_applications (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_account_id BIGINT NOT NULL REFERENCES accounts (id),
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX registration_application_events_application_idx ON registration_application_events (application_id);

CREATE TABLE registration_founders (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES registration_applications (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    full_name TEXT NOT NULL,
    national_id TEXT,
    gender TEXT,
    birth_date DATE,
    phone TEXT,
    legal_registration_number TEXT,
    role TEXT NOT NULL,
    shares_subscribed BIGINT NOT NULL,
    paid_minor BIGINT NOT NULL
);
CREATE INDEX registration_founders_application_idx ON registration_founders (application_id);

CREATE TABLE members (
    id INTEGER PRIMARY KEY NOT NULL,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    kind TEXT NOT NULL,
    full_name TEXT NOT NULL,
    national_id TEXT,
    gender TEXT,
    birth_date DATE,
    phone TEXT,
    legal_registration_number TEXT,
    role TEXT NOT NULL,
    is_employee BOOLEAN NOT NULL DEFAULT FALSE,
    shares BIGINT NOT NULL DEFAULT 0,
    joined_on DATE NOT NULL,
    left_on DATE,
    created_at TIMESTAMP NOT NULL
);
-- The national figures read members per cooperative from this index alone.
CREATE INDEX members_figures_idx ON members (cooperative_id, joined_on, left_on, gender, birth_date, is_employee);

CREATE TABLE personal_data_reads (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    fields TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    read_at TIMESTAMP NOT NULL
);
CREATE INDEX personal_data_reads_cooperative_idx ON personal_data_reads (cooperative_id);

CREATE TABLE annual_filings (
    id INTEGER PRIMARY KEY NOT NULL,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    fiscal_year INTEGER NOT NULL,
    assembly_date DATE NOT NULL,
    filed_on DATE NOT NULL,
    turnover_minor BIGINT NOT NULL,
    result_minor BIGINT NOT NULL,
    equity_minor BIGINT NOT NULL,
    debts_minor BIGINT NOT NULL,
    members_at_year_end INTEGER NOT NULL,
    employees_at_year_end INTEGER NOT NULL,
    submitted_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX annual_filings_cooperative_year_idx ON annual_filings (cooperative_id, fiscal_year);
CREATE INDEX annual_filings_year_idx ON annual_filings (fiscal_year);

CREATE TABLE registry_documents (
    id INTEGER PRIMARY KEY NOT NULL,
    application_id BIGINT REFERENCES registration_applications (id),
    filing_id BIGINT REFERENCES annual_filings (id),
    document_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES accounts (id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX registry_documents_application_idx ON registry_documents (application_id);
CREATE INDEX registry_documents_filing_idx ON registry_documents (filing_id);
