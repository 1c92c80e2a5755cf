-- Organizations get their settings and a logo; the agency's agent pool; uploaded images.

-- Images are stored by the SHA-256 of their bytes (hex), so every app node can serve them and
-- one file uploaded twice is stored once.
CREATE TABLE images (
    id TEXT PRIMARY KEY NOT NULL,
    content_type TEXT NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg', 'image/webp')),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- The name folded to lowercase: names are unique and searched regardless of case.
ALTER TABLE organizations ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE organizations SET name_key = lower(name);
CREATE UNIQUE INDEX organizations_workspace_id_name_key_key ON organizations (workspace_id, name_key);
ALTER TABLE organizations ADD COLUMN logo_image_id TEXT REFERENCES images (id);
ALTER TABLE organizations ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE organizations SET updated_at = created_at;
ALTER TABLE organizations ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE organizations ADD COLUMN layout TEXT NOT NULL DEFAULT 'vertical' CHECK (layout IN ('vertical', 'horizontal'));
ALTER TABLE organizations ADD COLUMN handoff_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN smart_handoff INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN show_handoff_messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN canned_responses INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN client_billing_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN billing_state TEXT NOT NULL DEFAULT 'none'
    CHECK (billing_state IN ('none', 'trialing', 'active', 'past_due', 'canceled'));
-- The plan's dashboard sections as a bit set (see clientele_domain::Permission); all nine by default.
ALTER TABLE organizations ADD COLUMN enabled_sections INTEGER NOT NULL DEFAULT 1022;
-- Bumped by every settings change; the settings document's ETag.
ALTER TABLE organizations ADD COLUMN settings_version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE agents (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    -- At most one organization at a time; absent while the agent is in the pool.
    organization_id BLOB REFERENCES organizations (id),
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('chat', 'voice')),
    description TEXT NOT NULL,
    avatar_image_id TEXT REFERENCES images (id),
    -- The agent's id in the agency's agent runtime, for integrations to upsert by.
    external_ref TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (workspace_id, external_ref)
) STRICT;
CREATE INDEX agents_workspace_id_name_key_idx ON agents (workspace_id, name_key);
CREATE INDEX agents_organization_id_idx ON agents (organization_id);
