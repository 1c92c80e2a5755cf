-- Conversations an agent's runtime reports, their messages, the runtime's event ids (so a
-- repeated delivery changes nothing), and usage for billing.
--
-- A conversation belongs to the organization its agent served when it started: moving the
-- agent later does not carry its past conversations to the new organization.
CREATE TABLE conversations (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    agent_id uuid NOT NULL,
    organization_id uuid,
    -- The runtime's id of the conversation, unique per agent.
    external_id text NOT NULL,
    channel text NOT NULL,
    contact_name text,
    contact_email text,
    contact_phone text,
    status text NOT NULL CHECK (status IN ('ai', 'waiting', 'human', 'closed')),
    handoff_reason text,
    outcome text,
    rating bigint,
    started_at bigint NOT NULL,
    ended_at bigint,
    last_message_at bigint NOT NULL,
    last_message_text text NOT NULL DEFAULT '',
    message_count bigint NOT NULL DEFAULT 0,
    UNIQUE (agent_id, external_id)
);
CREATE INDEX conversations_organization_recent_idx
    ON conversations (workspace_id, organization_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_workspace_recent_idx
    ON conversations (workspace_id, last_message_at DESC, id DESC);

CREATE TABLE conversation_messages (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The runtime's id of the event that carried the message; the tiebreak between messages
    -- sent in the same microsecond, whatever order they arrived in.
    external_id text NOT NULL,
    role text NOT NULL CHECK (role IN ('contact', 'agent', 'human', 'system')),
    text text NOT NULL,
    sent_at bigint NOT NULL,
    UNIQUE (conversation_id, external_id)
);
CREATE INDEX conversation_messages_order_idx
    ON conversation_messages (conversation_id, sent_at, external_id);

CREATE TABLE runtime_events (
    agent_id uuid NOT NULL,
    event_id text NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    kind text NOT NULL,
    -- SHA-256 of the event as first received: the same id with other content is refused.
    digest bytea NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (agent_id, event_id)
);

CREATE TABLE usage_records (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    agent_id uuid NOT NULL,
    organization_id uuid,
    conversation_id uuid,
    event_id text NOT NULL,
    -- Credits in thousandths, so fractional usage adds up exactly.
    millicredits bigint NOT NULL,
    occurred_at bigint NOT NULL
);
CREATE INDEX usage_records_organization_idx ON usage_records (workspace_id, organization_id, occurred_at);
