-- A member's email is unique within their workspace, not across the deployment: one person may
-- work for several agencies, and no workspace learns (or blocks) another's addresses.
ALTER TABLE members DROP CONSTRAINT members_email_key;
ALTER TABLE members ADD CONSTRAINT members_workspace_id_email_key UNIQUE (workspace_id, email);
CREATE INDEX members_email_idx ON members (email);
