-- Workspaces: one row per agency, the tenant of everything else.
-- Times are bigint microseconds since the Unix epoch (UTC); ids are UUIDv7.
CREATE TABLE workspaces (
    id uuid PRIMARY KEY NOT NULL,
    slug text NOT NULL UNIQUE,
    name text NOT NULL,
    created_at bigint NOT NULL
);
