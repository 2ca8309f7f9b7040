DELETE FROM personal_data_reads WHERE project_application_id IS NOT NULL;
CREATE TABLE personal_data_reads_old (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    cooperative_id BIGINT REFERENCES cooperatives (id),
    application_id BIGINT REFERENCES registration_applications (id),
    fields TEXT NOT NULL,
    member_count INTEGER NOT NULL,
    read_at TIMESTAMP NOT NULL,
    CHECK ((cooperative_id IS NULL) <> (application_id IS NULL))
);
INSERT INTO personal_data_reads_old (id, account_id, cooperative_id, application_id, fields, member_count, read_at)
    SELECT id, account_id, cooperative_id, application_id, fields, member_count, read_at FROM personal_data_reads;
DROP TABLE personal_data_reads;
ALTER TABLE personal_data_reads_old RENAME TO personal_data_reads;
CREATE INDEX personal_data_reads_cooperative_idx ON personal_data_reads (cooperative_id);
CREATE INDEX personal_data_reads_application_idx ON personal_data_reads (application_id);
ALTER TABLE registration_applications DROP COLUMN project_application_id;
DROP TABLE project_saved_searches;
DROP TABLE project_application_reviews;
DROP TABLE project_application_events;
DROP TABLE project_application_members;
DROP TABLE project_applications;
DROP TABLE project_call_reviewers;
DROP TABLE project_calls;
DROP TABLE project_idea_paths;
DROP TABLE project_idea_courses;
DROP TABLE project_ideas;
DROP TABLE funding_programmes;
DROP TABLE provinces;
