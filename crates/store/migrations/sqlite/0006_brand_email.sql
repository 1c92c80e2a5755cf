-- Whitelabel branding, client-dashboard domains, email settings and templates, the email
-- outbox, one-time account tokens (invitations, password resets, previews), and previews.

CREATE TABLE brands (
    workspace_id BLOB PRIMARY KEY NOT NULL REFERENCES workspaces (id),
    product_name TEXT NOT NULL,
    logo_image_id TEXT REFERENCES images (id),
    primary_color TEXT NOT NULL,
    accent_color TEXT NOT NULL,
    support_email TEXT,
    -- Where the agency console is served; links to it are built from this, never from a request.
    console_url TEXT,
    updated_at INTEGER NOT NULL
) STRICT;

-- Hostnames that serve a workspace's client dashboard; one workspace per hostname.
CREATE TABLE dashboard_domains (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    hostname TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, hostname)
) STRICT;

CREATE TABLE email_settings (
    workspace_id BLOB PRIMARY KEY NOT NULL REFERENCES workspaces (id),
    sender_name TEXT NOT NULL,
    sender_address TEXT NOT NULL,
    reply_to TEXT,
    smtp_host TEXT,
    smtp_port INTEGER,
    smtp_username TEXT,
    -- Sealed with the server's secret key; never returned.
    smtp_password BLOB,
    smtp_tls TEXT NOT NULL CHECK (smtp_tls IN ('starttls', 'tls', 'none')),
    updated_at INTEGER NOT NULL
) STRICT;

-- A workspace's own wording of an email in one language; the built-in one applies otherwise.
CREATE TABLE email_templates (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'password_reset')),
    language TEXT NOT NULL,
    subject TEXT NOT NULL,
    html TEXT NOT NULL,
    text TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, kind, language)
) STRICT;

-- Emails enqueued with the change that causes them; a worker on any node delivers them.
CREATE TABLE outbox (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- The HTML and text bodies, sealed: they carry single-use links.
    body BLOB NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    -- A node that claims a message holds it until then; after that another may retry it.
    claimed_until INTEGER,
    last_response TEXT,
    created_at INTEGER NOT NULL,
    sent_at INTEGER
) STRICT;
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_workspace_idx ON outbox (workspace_id, created_at);

-- Single-use links: invitations (of a client user, or of a future member by email and role),
-- password resets, and preview hand-overs. Only the token's hash is kept.
CREATE TABLE account_tokens (
    id BLOB PRIMARY KEY NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,
    purpose TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset', 'preview')),
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    member_id BLOB REFERENCES members (id) ON DELETE CASCADE,
    client_user_id BLOB REFERENCES client_users (id) ON DELETE CASCADE,
    email TEXT,
    role TEXT CHECK (role IN ('admin', 'member')),
    created_by BLOB REFERENCES members (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER,
    revoked_at INTEGER
) STRICT;
CREATE INDEX account_tokens_client_user_idx ON account_tokens (client_user_id);
CREATE INDEX account_tokens_member_idx ON account_tokens (member_id);
CREATE INDEX account_tokens_workspace_email_idx ON account_tokens (workspace_id, email);

-- A preview session: a member acting as a client user.
ALTER TABLE sessions ADD COLUMN impersonator_id BLOB REFERENCES members (id) ON DELETE CASCADE;
