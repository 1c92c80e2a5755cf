-- Client organizations and their users, and sessions for either kind of account.
-- Later migrations add the organizations' settings and the users' profiles and agent access.

CREATE TABLE organizations (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX organizations_workspace_id_idx ON organizations (workspace_id);

CREATE TABLE client_users (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    organization_id BLOB NOT NULL REFERENCES organizations (id),
    -- The login: normalised (trimmed, lowercased), unique within the workspace.
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Absent while the user is invited and has not set a password.
    password_hash TEXT,
    -- The section flags as a bit set (see clientele_domain::Permission).
    permissions INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    created_at INTEGER NOT NULL,
    UNIQUE (workspace_id, email)
) STRICT;
CREATE INDEX client_users_organization_id_idx ON client_users (organization_id);

-- A session now belongs to a member or to a client user. SQLite cannot relax a NOT NULL
-- column in place, so the table is rebuilt with its rows.
CREATE TABLE sessions_next (
    id BLOB PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    member_id BLOB REFERENCES members (id) ON DELETE CASCADE,
    client_user_id BLOB REFERENCES client_users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    CHECK ((member_id IS NULL) <> (client_user_id IS NULL))
) STRICT;
INSERT INTO sessions_next (id, token_hash, workspace_id, member_id, created_at, last_seen_at, expires_at)
    SELECT id, token_hash, workspace_id, member_id, created_at, last_seen_at, expires_at FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_next RENAME TO sessions;
CREATE INDEX sessions_member_id_idx ON sessions (member_id);
CREATE INDEX sessions_client_user_id_idx ON sessions (client_user_id);
