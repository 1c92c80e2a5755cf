-- no-transaction
-- A member's email is unique within their workspace, not across the deployment: one person may
-- work for several agencies, and no workspace learns (or blocks) another's addresses. SQLite
-- changes a column's constraint by rebuilding the table, with foreign keys off meanwhile so the
-- rows that refer to members are kept.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;
CREATE TABLE members_per_workspace (
    id BLOB PRIMARY KEY NOT NULL,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (workspace_id, email)
) STRICT;
INSERT INTO members_per_workspace (id, workspace_id, email, name, role, password_hash, created_at)
SELECT id, workspace_id, email, name, role, password_hash, created_at FROM members;
DROP TABLE members;
ALTER TABLE members_per_workspace RENAME TO members;
CREATE INDEX members_workspace_id_idx ON members (workspace_id);
CREATE UNIQUE INDEX members_one_owner_idx ON members (workspace_id) WHERE role = 'owner';
CREATE INDEX members_email_idx ON members (email);
COMMIT;
PRAGMA foreign_keys = ON;
