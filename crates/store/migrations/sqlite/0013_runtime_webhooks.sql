-- What Clientele tells an agent's runtime: the agent's webhook endpoint (URL and signing
-- secret, sealed with the server key), and every webhook event in the order it was enqueued,
-- with each delivery attempt. Events are enqueued in the transaction of the change that
-- causes them; runtimes without a public URL pull them by sequence number instead.
CREATE TABLE runtime_endpoints (
    agent_id BLOB PRIMARY KEY NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    url TEXT,
    secret BLOB NOT NULL,
    -- After a rotation the previous secret signs too, until previous_expires_at.
    previous_secret BLOB,
    previous_expires_at INTEGER,
    -- The sequence number of the agent's latest event; taking the next one locks the row, so
    -- an agent's events commit in sequence order and a puller never skips one.
    last_sequence INTEGER NOT NULL DEFAULT 0,
    -- The configuration the runtime was last told about, and why the agent was stopped then.
    announced_etag TEXT,
    announced_stop TEXT,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE runtime_webhooks (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    agent_id BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    sequence INTEGER NOT NULL,
    type TEXT NOT NULL,
    -- The body exactly as it is signed and sent.
    payload TEXT NOT NULL,
    -- unsent: the agent had no webhook URL; the runtime can still pull it.
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'unsent')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until INTEGER,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (agent_id, sequence)
) STRICT;
CREATE INDEX runtime_webhooks_due_idx ON runtime_webhooks (status, next_attempt_at);

CREATE TABLE runtime_webhook_attempts (
    id BLOB PRIMARY KEY NOT NULL,
    webhook_id BLOB NOT NULL REFERENCES runtime_webhooks (id) ON DELETE CASCADE,
    agent_id BLOB NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    attempted_at INTEGER NOT NULL,
    url TEXT NOT NULL,
    -- The runtime's HTTP status, or none when no answer came (then error says why).
    status_code INTEGER,
    response_excerpt TEXT NOT NULL,
    error TEXT,
    latency_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX runtime_webhook_attempts_agent_idx
    ON runtime_webhook_attempts (agent_id, attempted_at DESC);
CREATE INDEX runtime_webhook_attempts_webhook_idx ON runtime_webhook_attempts (webhook_id);
