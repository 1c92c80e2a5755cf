-- Two-factor sign-in: each account's TOTP secret (sealed with the server key) and unused
-- recovery codes (SHA-256 only), the short-lived challenges between password and code, and
-- whether a workspace (for its members) or an organization (for its users) requires it.
CREATE TABLE two_factor (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    member_id BLOB UNIQUE REFERENCES members (id) ON DELETE CASCADE,
    client_user_id BLOB UNIQUE REFERENCES client_users (id) ON DELETE CASCADE,
    secret BLOB NOT NULL,
    -- NULL until the first code confirms the authenticator app has the secret.
    confirmed_at INTEGER,
    -- The latest 30-second step a code was accepted for: no code is accepted twice.
    last_step INTEGER NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
    code_hash BLOB PRIMARY KEY NOT NULL,
    member_id BLOB REFERENCES members (id) ON DELETE CASCADE,
    client_user_id BLOB REFERENCES client_users (id) ON DELETE CASCADE
) STRICT;
CREATE INDEX recovery_codes_member_idx ON recovery_codes (member_id);
CREATE INDEX recovery_codes_client_user_idx ON recovery_codes (client_user_id);

CREATE TABLE sign_in_challenges (
    token_hash BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    member_id BLOB REFERENCES members (id) ON DELETE CASCADE,
    client_user_id BLOB REFERENCES client_users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL
) STRICT;

ALTER TABLE workspaces ADD COLUMN require_two_factor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN require_two_factor INTEGER NOT NULL DEFAULT 0;
