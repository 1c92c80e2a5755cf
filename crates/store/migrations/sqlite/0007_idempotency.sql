-- Answers to POST requests sent with an Idempotency-Key, replayed when the same credential
-- sends the same key again. `status` is NULL while the first request is still running.
CREATE TABLE idempotency_keys (
    -- SHA-256 of the caller's credential (session or API key): keys never cross callers.
    scope BLOB NOT NULL,
    idempotency_key TEXT NOT NULL,
    -- SHA-256 of the method, path and body the key was first used with.
    fingerprint BLOB NOT NULL,
    status INTEGER,
    content_type TEXT,
    location TEXT,
    -- Sealed with the server's secret key: an answer can carry a secret shown once (an API key).
    body BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
) STRICT;
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
