DELETE FROM personal_data_reads WHERE cooperative_id IS NULL;
CREATE TABLE personal_data_reads_old (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    fields TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    read_at TIMESTAMP NOT NULL
);
INSERT INTO personal_data_reads_old SELECT id, account_id, cooperative_id, fields, member_count, read_at FROM personal_data_reads;
DROP TABLE personal_data_reads;
ALTER TABLE personal_data_reads_old RENAME TO personal_data_reads;
CREATE INDEX personal_data_reads_cooperative_idx ON personal_data_reads (cooperative_id);
