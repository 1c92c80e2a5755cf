-- Organizations get their settings and a logo; the agency's agent pool; uploaded images.

-- Images are stored by the SHA-256 of their bytes (hex), so every app node can serve them and
-- one file uploaded twice is stored once.
CREATE TABLE images (
    id text PRIMARY KEY NOT NULL,
    content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    width bigint NOT NULL,
    height bigint NOT NULL,
    bytes bytea NOT NULL,
    created_at bigint NOT NULL
);

-- The name folded to lowercase: names are unique and searched regardless of case.
ALTER TABLE organizations ADD COLUMN name_key text NOT NULL DEFAULT '';
UPDATE organizations SET name_key = lower(name);
CREATE UNIQUE INDEX organizations_workspace_id_name_key_key ON organizations (workspace_id, name_key);
ALTER TABLE organizations ADD COLUMN logo_image_id text REFERENCES images (id);
ALTER TABLE organizations ADD COLUMN updated_at bigint NOT NULL DEFAULT 0;
UPDATE organizations SET updated_at = created_at;
ALTER TABLE organizations ADD COLUMN language text NOT NULL DEFAULT 'en';
ALTER TABLE organizations ADD COLUMN layout text NOT NULL DEFAULT 'vertical' CHECK (layout IN ('vertical', 'horizontal'));
ALTER TABLE organizations ADD COLUMN handoff_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE organizations ADD COLUMN smart_handoff boolean NOT NULL DEFAULT false;
ALTER TABLE organizations ADD COLUMN show_handoff_messages boolean NOT NULL DEFAULT false;
ALTER TABLE organizations ADD COLUMN canned_responses boolean NOT NULL DEFAULT false;
ALTER TABLE organizations ADD COLUMN client_billing_enabled boolean NOT NULL DEFAULT false;
ALTER TABLE organizations ADD COLUMN billing_state text NOT NULL DEFAULT 'none'
    CHECK (billing_state IN ('none', 'trialing', 'active', 'past_due', 'canceled'));
-- The plan's dashboard sections as a bit set (see clientele_domain::Permission); all nine by default.
ALTER TABLE organizations ADD COLUMN enabled_sections bigint NOT NULL DEFAULT 1022;
-- Bumped by every settings change; the settings document's ETag.
ALTER TABLE organizations ADD COLUMN settings_version bigint NOT NULL DEFAULT 1;

CREATE TABLE agents (
    id uuid PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    -- At most one organization at a time; absent while the agent is in the pool.
    organization_id uuid REFERENCES organizations (id),
    name text NOT NULL,
    name_key text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('chat', 'voice')),
    description text NOT NULL,
    avatar_image_id text REFERENCES images (id),
    -- The agent's id in the agency's agent runtime, for integrations to upsert by.
    external_ref text,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    UNIQUE (workspace_id, external_ref)
);
CREATE INDEX agents_workspace_id_name_key_idx ON agents (workspace_id, name_key);
CREATE INDEX agents_organization_id_idx ON agents (organization_id);
