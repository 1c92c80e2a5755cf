-- Conversations an agent's runtime reports, their messages, the runtime's event ids (so a
-- repeated delivery changes nothing), and usage for billing.
--
-- A conversation belongs to the organization its agent served when it started: moving the
-- agent later does not carry its past conversations to the new organization.
CREATE TABLE conversations (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    agent_id BLOB NOT NULL,
    organization_id BLOB,
    -- The runtime's id of the conversation, unique per agent.
    external_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    contact_name TEXT,
    contact_email TEXT,
    contact_phone TEXT,
    status TEXT NOT NULL CHECK (status IN ('ai', 'waiting', 'human', 'closed')),
    handoff_reason TEXT,
    outcome TEXT,
    rating INTEGER,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    last_message_at INTEGER NOT NULL,
    last_message_text TEXT NOT NULL DEFAULT '',
    message_count INTEGER NOT NULL DEFAULT 0,
    UNIQUE (agent_id, external_id)
) STRICT;
CREATE INDEX conversations_organization_recent_idx
    ON conversations (workspace_id, organization_id, last_message_at DESC, id DESC);
CREATE INDEX conversations_workspace_recent_idx
    ON conversations (workspace_id, last_message_at DESC, id DESC);

CREATE TABLE conversation_messages (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    -- The runtime's id of the event that carried the message; the tiebreak between messages
    -- sent in the same microsecond, whatever order they arrived in.
    external_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('contact', 'agent', 'human', 'system')),
    text TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    UNIQUE (conversation_id, external_id)
) STRICT;
CREATE INDEX conversation_messages_order_idx
    ON conversation_messages (conversation_id, sent_at, external_id);

CREATE TABLE runtime_events (
    agent_id BLOB NOT NULL,
    event_id TEXT NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL,
    -- SHA-256 of the event as first received: the same id with other content is refused.
    digest BLOB NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (agent_id, event_id)
) STRICT;

CREATE TABLE usage_records (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    agent_id BLOB NOT NULL,
    organization_id BLOB,
    conversation_id BLOB,
    event_id TEXT NOT NULL,
    -- Credits in thousandths, so fractional usage adds up exactly.
    millicredits INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL
) STRICT;
CREATE INDEX usage_records_organization_idx ON usage_records (workspace_id, organization_id, occurred_at);
