-- Reads of founders' personal data in applications are logged like members': a read names
-- either a cooperative or an application.
ALTER TABLE personal_data_reads ALTER COLUMN cooperative_id DROP NOT NULL;
ALTER TABLE personal_data_reads ADD COLUMN application_id BIGINT REFERENCES registration_applications (id);
ALTER TABLE personal_data_reads ADD CONSTRAINT personal_data_reads_subject
    CHECK ((cooperative_id IS NULL) <> (application_id IS NULL));
CREATE INDEX personal_data_reads_application_idx ON personal_data_reads (application_id);
