-- What Clientele tells an agent's runtime: the agent's webhook endpoint (URL and signing
-- secret, sealed with the server key), and every webhook event in the order it was enqueued,
-- with each delivery attempt. Events are enqueued in the transaction of the change that
-- causes them; runtimes without a public URL pull them by sequence number instead.
CREATE TABLE runtime_endpoints (
    agent_id uuid PRIMARY KEY NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    url text,
    secret bytea NOT NULL,
    -- After a rotation the previous secret signs too, until previous_expires_at.
    previous_secret bytea,
    previous_expires_at bigint,
    -- The sequence number of the agent's latest event; taking the next one locks the row, so
    -- an agent's events commit in sequence order and a puller never skips one.
    last_sequence bigint NOT NULL DEFAULT 0,
    -- The configuration the runtime was last told about, and why the agent was stopped then.
    announced_etag text,
    announced_stop text,
    updated_at bigint NOT NULL
);

CREATE TABLE runtime_webhooks (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    sequence bigint NOT NULL,
    type text NOT NULL,
    -- The body exactly as it is signed and sent.
    payload text NOT NULL,
    -- unsent: the agent had no webhook URL; the runtime can still pull it.
    status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'unsent')),
    attempts bigint NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    claimed_until bigint,
    created_at bigint NOT NULL,
    delivered_at bigint,
    UNIQUE (agent_id, sequence)
);
CREATE INDEX runtime_webhooks_due_idx ON runtime_webhooks (status, next_attempt_at);

CREATE TABLE runtime_webhook_attempts (
    id uuid PRIMARY KEY NOT NULL,
    webhook_id uuid NOT NULL REFERENCES runtime_webhooks (id) ON DELETE CASCADE,
    agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    attempted_at bigint NOT NULL,
    url text NOT NULL,
    -- The runtime's HTTP status, or none when no answer came (then error says why).
    status_code bigint,
    response_excerpt text NOT NULL,
    error text,
    latency_ms bigint NOT NULL
);
CREATE INDEX runtime_webhook_attempts_agent_idx
    ON runtime_webhook_attempts (agent_id, attempted_at DESC);
CREATE INDEX runtime_webhook_attempts_webhook_idx ON runtime_webhook_attempts (webhook_id);
