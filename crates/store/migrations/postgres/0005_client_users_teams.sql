-- Client users get a profile and agent access; teams group them for human handoff.

-- Emails and folded names compare byte by byte, so a prefix search is an index range scan
-- whatever the database's default collation.
ALTER TABLE client_users ALTER COLUMN email TYPE text COLLATE "C";
ALTER TABLE client_users ADD COLUMN name_key text COLLATE "C" NOT NULL DEFAULT '';
UPDATE client_users SET name_key = lower(name);
ALTER TABLE client_users ADD COLUMN image_id text REFERENCES images (id);
-- `all` of the organization's agents, or only those in client_user_agents.
ALTER TABLE client_users ADD COLUMN agent_access text NOT NULL DEFAULT 'all'
    CHECK (agent_access IN ('all', 'selected'));
ALTER TABLE client_users ADD COLUMN last_sign_in_at bigint;
ALTER TABLE client_users ADD COLUMN updated_at bigint NOT NULL DEFAULT 0;
UPDATE client_users SET updated_at = created_at;
DROP INDEX client_users_organization_id_idx;
-- An organization's users by name: the list's filter and order in one index.
CREATE INDEX client_users_organization_idx ON client_users (workspace_id, organization_id, name_key, id);

-- The chosen agents of users whose access is `selected`; an agent that leaves the
-- organization leaves every such list.
CREATE TABLE client_user_agents (
    client_user_id uuid NOT NULL REFERENCES client_users (id) ON DELETE CASCADE,
    agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    PRIMARY KEY (client_user_id, agent_id)
);
CREATE INDEX client_user_agents_agent_id_idx ON client_user_agents (agent_id);

CREATE TABLE teams (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    name text NOT NULL,
    name_key text NOT NULL,
    description text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE UNIQUE INDEX teams_organization_id_name_key_key ON teams (organization_id, name_key);

CREATE TABLE team_members (
    team_id uuid NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    client_user_id uuid NOT NULL REFERENCES client_users (id) ON DELETE CASCADE,
    role text NOT NULL CHECK (role IN ('member', 'lead')),
    added_at bigint NOT NULL,
    PRIMARY KEY (team_id, client_user_id)
);
CREATE INDEX team_members_client_user_id_idx ON team_members (client_user_id);
