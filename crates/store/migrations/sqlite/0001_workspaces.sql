-- Workspaces: one row per agency, the tenant of everything else.
-- Times are INTEGER microseconds since the Unix epoch (UTC); ids are UUIDv7 as 16-byte BLOBs.
CREATE TABLE workspaces (
    id BLOB PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
