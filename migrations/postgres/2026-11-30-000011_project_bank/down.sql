DELETE FROM personal_data_reads WHERE project_application_id IS NOT NULL;
ALTER TABLE personal_data_reads DROP CONSTRAINT personal_data_reads_subject;
ALTER TABLE personal_data_reads DROP COLUMN project_application_id;
ALTER TABLE personal_data_reads ADD CONSTRAINT personal_data_reads_subject
    CHECK ((cooperative_id IS NULL) <> (application_id IS NULL));
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
