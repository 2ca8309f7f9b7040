-- The academy: courses whose content is edited as a draft and frozen into numbered versions
-- when published (learners keep the version they enrolled on), learning paths, enrolments, the
-- event log the completion engine reads, quiz attempts and certificates.

-- The region an office agent works for (NULL: the whole country).
-- No foreign key: SQLite cannot drop a column that has one (the down migration).
ALTER TABLE accounts ADD COLUMN region_id BIGINT;

CREATE TABLE academy_courses (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    -- Localised texts as JSON objects {"ar": …, "fr": …}.
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    sector_id BIGINT REFERENCES sectors (id),
    level TEXT NOT NULL,
    -- The languages the course is taught in, comma-separated locale codes.
    languages TEXT NOT NULL,
    hours INTEGER NOT NULL,
    status TEXT NOT NULL,
    -- The editable content (modules, activities, quizzes with their answers) as JSON.
    draft TEXT NOT NULL,
    published_version INTEGER,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX academy_courses_status_idx ON academy_courses (status, id);

CREATE TABLE academy_course_versions (
    id INTEGER PRIMARY KEY NOT NULL,
    course_id BIGINT NOT NULL REFERENCES academy_courses (id),
    version INTEGER NOT NULL,
    -- Everything a learner's progress and certificate depend on, frozen.
    content TEXT NOT NULL,
    published_by BIGINT NOT NULL REFERENCES accounts (id),
    published_at TIMESTAMP NOT NULL,
    UNIQUE (course_id, version)
);

-- Identities of modules and activities: they keep their id across versions, so events name
-- the same activity whatever version a learner is on.
CREATE TABLE academy_modules (
    id INTEGER PRIMARY KEY NOT NULL,
    course_id BIGINT NOT NULL REFERENCES academy_courses (id)
);
CREATE TABLE academy_activities (
    id INTEGER PRIMARY KEY NOT NULL,
    course_id BIGINT NOT NULL REFERENCES academy_courses (id)
);
CREATE INDEX academy_modules_course_idx ON academy_modules (course_id);
CREATE INDEX academy_activities_course_idx ON academy_activities (course_id);

CREATE TABLE academy_paths (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    sector_id BIGINT REFERENCES sectors (id),
    level TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE TABLE academy_path_courses (
    path_id BIGINT NOT NULL REFERENCES academy_paths (id),
    course_id BIGINT NOT NULL REFERENCES academy_courses (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (path_id, course_id)
);
CREATE INDEX academy_path_courses_course_idx ON academy_path_courses (course_id);

CREATE TABLE academy_enrollments (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    course_id BIGINT NOT NULL REFERENCES academy_courses (id),
    version_id BIGINT NOT NULL REFERENCES academy_course_versions (id),
    -- The cooperative the learner studies for: its managers and its region's agents see the progress.
    cooperative_id BIGINT REFERENCES cooperatives (id),
    enrolled_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    -- The course's state as the engine last computed it.
    completed_activities INTEGER NOT NULL,
    required_activities INTEGER NOT NULL,
    completed_at TIMESTAMP,
    UNIQUE (account_id, course_id)
);
CREATE INDEX academy_enrollments_cooperative_idx ON academy_enrollments (cooperative_id);

CREATE TABLE academy_path_enrollments (
    id INTEGER PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    path_id BIGINT NOT NULL REFERENCES academy_paths (id),
    cooperative_id BIGINT REFERENCES cooperatives (id),
    enrolled_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    UNIQUE (account_id, path_id)
);

-- xAPI-shaped statements, keyed by the id the client generated: a batch sent twice is
-- recorded once.
CREATE TABLE academy_events (
    id INTEGER PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    enrollment_id BIGINT NOT NULL REFERENCES academy_enrollments (id),
    activity_id BIGINT NOT NULL REFERENCES academy_activities (id),
    verb TEXT NOT NULL,
    -- Scaled score in basis points (0–10000).
    score_bp INTEGER,
    success BOOLEAN,
    completion BOOLEAN,
    duration_ms BIGINT,
    occurred_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX academy_events_enrollment_idx ON academy_events (enrollment_id, activity_id);

CREATE TABLE academy_activity_progress (
    enrollment_id BIGINT NOT NULL REFERENCES academy_enrollments (id),
    activity_id BIGINT NOT NULL REFERENCES academy_activities (id),
    status TEXT NOT NULL,
    score_bp INTEGER,
    attempts INTEGER NOT NULL,
    completed_at TIMESTAMP,
    PRIMARY KEY (enrollment_id, activity_id)
);

CREATE TABLE academy_quiz_attempts (
    id INTEGER PRIMARY KEY NOT NULL,
    -- Server-made for online attempts, the client's UUID for one answered offline.
    attempt_key TEXT NOT NULL UNIQUE,
    enrollment_id BIGINT NOT NULL REFERENCES academy_enrollments (id),
    activity_id BIGINT NOT NULL REFERENCES academy_activities (id),
    -- The question and choice order this attempt was served in.
    layout TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    answers TEXT,
    score_bp INTEGER,
    passed BOOLEAN,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX academy_quiz_attempts_enrollment_idx ON academy_quiz_attempts (enrollment_id, activity_id);

CREATE TABLE academy_certificates (
    id INTEGER PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    course_id BIGINT REFERENCES academy_courses (id),
    path_id BIGINT REFERENCES academy_paths (id),
    -- The claim as issued: it never changes, only the status does.
    holder_name TEXT NOT NULL,
    title TEXT NOT NULL,
    hours INTEGER NOT NULL,
    result_bp INTEGER,
    issued_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    revoked_reason TEXT,
    revoked_at TIMESTAMP,
    revoked_by BIGINT REFERENCES accounts (id),
    -- The signed Open Badges 3.0 credential.
    credential TEXT NOT NULL,
    UNIQUE (account_id, course_id),
    UNIQUE (account_id, path_id)
);
