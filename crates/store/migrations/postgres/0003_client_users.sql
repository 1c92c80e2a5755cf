-- Client organizations and their users, and sessions for either kind of account.
-- Later migrations add the organizations' settings and the users' profiles and agent access.

CREATE TABLE organizations (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    name text NOT NULL,
    created_at bigint NOT NULL
);
CREATE INDEX organizations_workspace_id_idx ON organizations (workspace_id);

CREATE TABLE client_users (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    -- The login: normalised (trimmed, lowercased), unique within the workspace.
    email text NOT NULL,
    name text NOT NULL,
    -- Absent while the user is invited and has not set a password.
    password_hash text,
    -- The section flags as a bit set (see clientele_domain::Permission).
    permissions bigint NOT NULL,
    status text NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    created_at bigint NOT NULL,
    UNIQUE (workspace_id, email)
);
CREATE INDEX client_users_organization_id_idx ON client_users (organization_id);

-- A session now belongs to a member or to a client user.
ALTER TABLE sessions ALTER COLUMN member_id DROP NOT NULL;
ALTER TABLE sessions ADD COLUMN client_user_id uuid REFERENCES client_users (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD CONSTRAINT sessions_one_account CHECK ((member_id IS NULL) <> (client_user_id IS NULL));
CREATE INDEX sessions_client_user_id_idx ON sessions (client_user_id);
