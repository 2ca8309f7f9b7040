-- Scoring and control: scoring models as versioned data (indicators, weights, bands, labels
-- and advice in one JSON definition), the runs and the score snapshots they leave (with the
-- breakdown that explains each score), and controls with their findings.

CREATE TABLE scoring_models (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    version INTEGER NOT NULL UNIQUE,
    -- DRAFT, PUBLISHED or RETIRED.
    status TEXT NOT NULL,
    -- The indicators, grade bands and risk parameters (src/scoring/model.rs, `Definition`).
    definition TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    published_at TIMESTAMP
);
-- One published model at a time.
CREATE UNIQUE INDEX scoring_models_one_published ON scoring_models (status) WHERE status = 'PUBLISHED';

CREATE TABLE scoring_model_events (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    model_id BIGINT NOT NULL REFERENCES scoring_models (id),
    -- CREATED, CHANGED, PUBLISHED, RETIRED or ROLLED_BACK.
    action TEXT NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX scoring_model_events_model_idx ON scoring_model_events (model_id, id);

CREATE TABLE scoring_runs (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    model_id BIGINT NOT NULL REFERENCES scoring_models (id),
    as_of DATE NOT NULL,
    -- ADMIN, COMMAND or SCHEDULE.
    origin TEXT NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id),
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    cooperatives INTEGER NOT NULL,
    duration_ms BIGINT NOT NULL
);
CREATE INDEX scoring_runs_as_of_idx ON scoring_runs (as_of, origin);
-- Instances sharing a database each wake for the daily run: the first one's run counts.
CREATE UNIQUE INDEX scoring_runs_one_scheduled_a_day ON scoring_runs (as_of) WHERE origin = 'SCHEDULE';

-- One snapshot per cooperative per run. Scores are in hundredths of a point (0–10000), shares
-- and risk factors in basis points; `breakdown` holds per indicator, in the model's order,
-- [raw value or null, points, weight, contribution] so a score is explained and reproduced
-- from the snapshot and its model version alone.
-- No foreign keys: only a run writes these rows, in the transaction that inserts the run,
-- for the cooperatives it has just read (never deleted: they change status); the two checks
-- per row cost 1.1 s of a 4.7 s national run on PostgreSQL (65,315 rows, BENCHMARKS.md).
CREATE TABLE cooperative_scores (
    run_id BIGINT NOT NULL,
    cooperative_id BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    sector_id BIGINT NOT NULL,
    total_cp INTEGER,
    grade TEXT,
    missing_bp INTEGER NOT NULL,
    likelihood_bp INTEGER NOT NULL,
    severity_bp INTEGER NOT NULL,
    risk_bp INTEGER NOT NULL,
    -- [[reason code, value], …], the reasons of the cooperative's rank in the control priorities.
    reasons TEXT NOT NULL,
    breakdown TEXT NOT NULL,
    PRIMARY KEY (run_id, cooperative_id)
);
CREATE INDEX cooperative_scores_history_idx ON cooperative_scores (cooperative_id, run_id);
CREATE INDEX cooperative_scores_risk_idx ON cooperative_scores (run_id, risk_bp, cooperative_id);
CREATE INDEX cooperative_scores_region_risk_idx ON cooperative_scores (run_id, region_id, risk_bp, cooperative_id);

CREATE TABLE controls (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    -- ROUTINE, AD_HOC or FOLLOW_UP.
    kind TEXT NOT NULL,
    -- PLANNED, ASSIGNED, COMPLETED or CANCELLED.
    status TEXT NOT NULL,
    -- What triggered an ad-hoc control (a complaint, an alert, a press report…).
    trigger_event TEXT,
    reason TEXT NOT NULL,
    planned_for DATE NOT NULL,
    assigned_to BIGINT REFERENCES accounts (id),
    -- The finding whose overdue corrective action this follow-up checks.
    follows_finding_id BIGINT,
    held_on DATE,
    -- NO_FINDINGS or FINDINGS, once completed.
    outcome TEXT,
    outcome_note TEXT,
    created_by BIGINT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX controls_cooperative_idx ON controls (cooperative_id, id);
CREATE INDEX controls_status_idx ON controls (status, planned_for);

CREATE TABLE control_events (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    control_id BIGINT NOT NULL REFERENCES controls (id),
    -- PLANNED, ASSIGNED, COMPLETED, CANCELLED or FOLLOW_UP_SCHEDULED.
    action TEXT NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id),
    reason TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX control_events_control_idx ON control_events (control_id, id);

CREATE TABLE control_findings (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    control_id BIGINT NOT NULL REFERENCES controls (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    category TEXT NOT NULL,
    -- LOW, MEDIUM, HIGH or CRITICAL.
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    corrective_action TEXT NOT NULL,
    deadline DATE NOT NULL,
    -- OPEN or RESOLVED.
    status TEXT NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by BIGINT REFERENCES accounts (id),
    resolution_note TEXT,
    follow_up_control_id BIGINT REFERENCES controls (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX control_findings_cooperative_idx ON control_findings (cooperative_id, status);
CREATE INDEX control_findings_due_idx ON control_findings (status, deadline);
