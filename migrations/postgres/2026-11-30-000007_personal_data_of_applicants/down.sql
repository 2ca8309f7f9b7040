DELETE FROM personal_data_reads WHERE cooperative_id IS NULL;
DROP INDEX personal_data_reads_application_idx;
ALTER TABLE personal_data_reads DROP CONSTRAINT personal_data_reads_subject;
ALTER TABLE personal_data_reads DROP COLUMN application_id;
ALTER TABLE personal_data_reads ALTER COLUMN cooperative_id SET NOT NULL;
