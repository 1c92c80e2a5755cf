-- Agency accounts, their sessions and API keys, sign-in throttling, and the activity log.

-- The head of each workspace's activity hash chain; appending an entry updates it in the same
-- transaction, which also serialises appends within a workspace.
ALTER TABLE workspaces ADD COLUMN activity_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE workspaces ADD COLUMN activity_head bytea;

CREATE TABLE members (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    email text NOT NULL UNIQUE,
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash text NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX members_workspace_id_idx ON members (workspace_id);
-- Exactly one owner per workspace, enforced by the database as well as by the policy.
CREATE UNIQUE INDEX members_one_owner_idx ON members (workspace_id) WHERE role = 'owner';

CREATE TABLE sessions (
    id uuid PRIMARY KEY NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    member_id uuid NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at bigint NOT NULL,
    last_seen_at bigint NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX sessions_member_id_idx ON sessions (member_id);

CREATE TABLE api_keys (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'member')),
    token_hash bytea NOT NULL UNIQUE,
    prefix text NOT NULL,
    created_at bigint NOT NULL,
    last_used_at bigint,
    revoked_at bigint
);
CREATE INDEX api_keys_workspace_id_idx ON api_keys (workspace_id);

-- Failed sign-ins per account (by email, known or not) and per client address.
CREATE TABLE sign_in_throttle (
    key text PRIMARY KEY NOT NULL,
    failures bigint NOT NULL,
    blocked_until bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE activity (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    seq bigint NOT NULL,
    organization_id uuid,
    actor_kind text NOT NULL,
    actor_id uuid,
    actor_label text NOT NULL,
    real_actor_id uuid,
    action text NOT NULL,
    target_kind text NOT NULL,
    target_id uuid,
    target_label text NOT NULL,
    changes text NOT NULL,
    ip text,
    user_agent text,
    created_at bigint NOT NULL,
    prev_hash bytea,
    hash bytea NOT NULL,
    UNIQUE (workspace_id, seq)
);
CREATE INDEX activity_workspace_id_created_at_idx ON activity (workspace_id, created_at);

CREATE FUNCTION activity_refuses_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'activity entries are append-only';
END
$$;
CREATE TRIGGER activity_refuses_update_or_delete BEFORE UPDATE OR DELETE ON activity
    FOR EACH ROW EXECUTE FUNCTION activity_refuses_change();
CREATE TRIGGER activity_refuses_truncate BEFORE TRUNCATE ON activity
    FOR EACH STATEMENT EXECUTE FUNCTION activity_refuses_change();
