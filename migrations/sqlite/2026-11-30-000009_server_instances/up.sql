-- Server instances that keep their own embedded search index, with a heartbeat: one
-- PostgreSQL database with several of them would have indexes drifting apart (an index
-- update is an outbox row that one instance claims), so a second one refuses to start.
CREATE TABLE server_instances (
    data_dir TEXT PRIMARY KEY NOT NULL,
    engine TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    heartbeat_at TIMESTAMP NOT NULL
);
