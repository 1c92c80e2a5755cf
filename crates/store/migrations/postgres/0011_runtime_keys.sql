-- Each agent's runtime key: the credential the agent runtime uses on /runtime/v1, stored only
-- as SHA-256. Rotating keeps the previous key working until its expires_at (the overlap);
-- revoking ends a key at once. One live key per agent, plus at most the one being rotated out.
CREATE TABLE runtime_keys (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    token_hash bytea NOT NULL UNIQUE,
    prefix text NOT NULL,
    created_at bigint NOT NULL,
    -- Set when a newer key replaces this one: it works until then.
    expires_at bigint,
    revoked_at bigint,
    last_used_at bigint
);
CREATE INDEX runtime_keys_agent_id_idx ON runtime_keys (agent_id);
