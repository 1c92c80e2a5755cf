-- Two-factor sign-in: each account's TOTP secret (sealed with the server key) and unused
-- recovery codes (SHA-256 only), the short-lived challenges between password and code, and
-- whether a workspace (for its members) or an organization (for its users) requires it.
CREATE TABLE two_factor (
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    member_id uuid UNIQUE REFERENCES members (id) ON DELETE CASCADE,
    client_user_id uuid UNIQUE REFERENCES client_users (id) ON DELETE CASCADE,
    secret bytea NOT NULL,
    -- NULL until the first code confirms the authenticator app has the secret.
    confirmed_at bigint,
    -- The latest 30-second step a code was accepted for: no code is accepted twice.
    last_step bigint NOT NULL,
    created_at bigint NOT NULL
);

CREATE TABLE recovery_codes (
    code_hash bytea PRIMARY KEY NOT NULL,
    member_id uuid REFERENCES members (id) ON DELETE CASCADE,
    client_user_id uuid REFERENCES client_users (id) ON DELETE CASCADE
);
CREATE INDEX recovery_codes_member_idx ON recovery_codes (member_id);
CREATE INDEX recovery_codes_client_user_idx ON recovery_codes (client_user_id);

CREATE TABLE sign_in_challenges (
    token_hash bytea PRIMARY KEY NOT NULL,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    member_id uuid REFERENCES members (id) ON DELETE CASCADE,
    client_user_id uuid REFERENCES client_users (id) ON DELETE CASCADE,
    expires_at bigint NOT NULL
);

ALTER TABLE workspaces ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
ALTER TABLE organizations ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
