-- Whitelabel branding, client-dashboard domains, email settings and templates, the email
-- outbox, one-time account tokens (invitations, password resets, previews), and previews.

CREATE TABLE brands (
    workspace_id uuid PRIMARY KEY NOT NULL REFERENCES workspaces (id),
    product_name text NOT NULL,
    logo_image_id text REFERENCES images (id),
    primary_color text NOT NULL,
    accent_color text NOT NULL,
    support_email text,
    -- Where the agency console is served; links to it are built from this, never from a request.
    console_url text,
    updated_at bigint NOT NULL
);

-- Hostnames that serve a workspace's client dashboard; one workspace per hostname.
CREATE TABLE dashboard_domains (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    hostname text NOT NULL UNIQUE,
    position bigint NOT NULL,
    PRIMARY KEY (workspace_id, hostname)
);

CREATE TABLE email_settings (
    workspace_id uuid PRIMARY KEY NOT NULL REFERENCES workspaces (id),
    sender_name text NOT NULL,
    sender_address text NOT NULL,
    reply_to text,
    smtp_host text,
    smtp_port bigint,
    smtp_username text,
    -- Sealed with the server's secret key; never returned.
    smtp_password bytea,
    smtp_tls text NOT NULL CHECK (smtp_tls IN ('starttls', 'tls', 'none')),
    updated_at bigint NOT NULL
);

-- A workspace's own wording of an email in one language; the built-in one applies otherwise.
CREATE TABLE email_templates (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    kind text NOT NULL CHECK (kind IN ('invitation', 'password_reset')),
    language text NOT NULL,
    subject text NOT NULL,
    html text NOT NULL,
    text text NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (workspace_id, kind, language)
);

-- Emails enqueued with the change that causes them; a worker on any node delivers them.
CREATE TABLE outbox (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    -- The HTML and text bodies, sealed: they carry single-use links.
    body bytea NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts bigint NOT NULL,
    next_attempt_at bigint NOT NULL,
    -- A node that claims a message holds it until then; after that another may retry it.
    claimed_until bigint,
    last_response text,
    created_at bigint NOT NULL,
    sent_at bigint
);
CREATE INDEX outbox_due_idx ON outbox (status, next_attempt_at);
CREATE INDEX outbox_workspace_idx ON outbox (workspace_id, created_at);

-- Single-use links: invitations (of a client user, or of a future member by email and role),
-- password resets, and preview hand-overs. Only the token's hash is kept.
CREATE TABLE account_tokens (
    id uuid PRIMARY KEY NOT NULL,
    token_hash bytea NOT NULL UNIQUE,
    purpose text NOT NULL CHECK (purpose IN ('invitation', 'password_reset', 'preview')),
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    member_id uuid REFERENCES members (id) ON DELETE CASCADE,
    client_user_id uuid REFERENCES client_users (id) ON DELETE CASCADE,
    email text,
    role text CHECK (role IN ('admin', 'member')),
    created_by uuid REFERENCES members (id) ON DELETE CASCADE,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    used_at bigint,
    revoked_at bigint
);
CREATE INDEX account_tokens_client_user_idx ON account_tokens (client_user_id);
CREATE INDEX account_tokens_member_idx ON account_tokens (member_id);
CREATE INDEX account_tokens_workspace_email_idx ON account_tokens (workspace_id, email);

-- A preview session: a member acting as a client user.
ALTER TABLE sessions ADD COLUMN impersonator_id uuid REFERENCES members (id) ON DELETE CASCADE;
