-- Reads of founders' personal data in applications are logged like members': a read names
-- either a cooperative or an application. SQLite cannot relax a NOT NULL: the table is rebuilt.
CREATE TABLE personal_data_reads_new (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    cooperative_id BIGINT REFERENCES cooperatives (id),
    application_id BIGINT REFERENCES registration_applications (id),
    fields TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    read_at TIMESTAMP NOT NULL,
    CHECK ((cooperative_id IS NULL) <> (application_id IS NULL))
);
INSERT INTO personal_data_reads_new (id, account_id, cooperative_id, fields, member_count, read_at)
    SELECT id, account_id, cooperative_id, fields, member_count, read_at FROM personal_data_reads;
DROP TABLE personal_data_reads;
ALTER TABLE personal_data_reads_new RENAME TO personal_data_reads;
CREATE INDEX personal_data_reads_cooperative_idx ON personal_data_reads (cooperative_id);
CREATE INDEX personal_data_reads_application_idx ON personal_data_reads (application_id);
