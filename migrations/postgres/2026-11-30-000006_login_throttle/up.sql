-- Failed logins per account (by email, known or not) and per client address, so password
-- guessing slows down whatever the number of requests it is spread over.
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);
