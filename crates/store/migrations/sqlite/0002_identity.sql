-- Agency accounts, their sessions and API keys, sign-in throttling, and the activity log.

-- The head of each workspace's activity hash chain; appending an entry updates it in the same
-- transaction, which also serialises appends within a workspace.
ALTER TABLE workspaces ADD COLUMN activity_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workspaces ADD COLUMN activity_head BLOB;

CREATE TABLE members (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX members_workspace_id_idx ON members (workspace_id);
-- Exactly one owner per workspace, enforced by the database as well as by the policy.
CREATE UNIQUE INDEX members_one_owner_idx ON members (workspace_id) WHERE role = 'owner';

CREATE TABLE sessions (
    id BLOB PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    member_id BLOB NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_member_id_idx ON sessions (member_id);

CREATE TABLE api_keys (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash BLOB NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER
) STRICT;
CREATE INDEX api_keys_workspace_id_idx ON api_keys (workspace_id);

-- Failed sign-ins per account (by email, known or not) and per client address.
CREATE TABLE sign_in_throttle (
    key TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE activity (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    seq INTEGER NOT NULL,
    organization_id BLOB,
    actor_kind TEXT NOT NULL,
    actor_id BLOB,
    actor_label TEXT NOT NULL,
    real_actor_id BLOB,
    action TEXT NOT NULL,
    target_kind TEXT NOT NULL,
    target_id BLOB,
    target_label TEXT NOT NULL,
    changes TEXT NOT NULL,
    ip TEXT,
    user_agent TEXT,
    created_at INTEGER NOT NULL,
    prev_hash BLOB,
    hash BLOB NOT NULL,
    UNIQUE (workspace_id, seq)
) STRICT;
CREATE INDEX activity_workspace_id_created_at_idx ON activity (workspace_id, created_at);

CREATE TRIGGER activity_refuses_update BEFORE UPDATE ON activity
BEGIN
    SELECT RAISE(ABORT, 'activity entries are append-only');
END;
CREATE TRIGGER activity_refuses_delete BEFORE DELETE ON activity
BEGIN
    SELECT RAISE(ABORT, 'activity entries are append-only');
END;
