DROP TABLE control_findings;
DROP TABLE control_events;
DROP TABLE controls;
DROP TABLE cooperative_scores;
DROP TABLE scoring_runs;
DROP TABLE scoring_model_events;
DROP TABLE scoring_models;
