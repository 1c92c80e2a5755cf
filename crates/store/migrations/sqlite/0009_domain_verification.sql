-- A dashboard domain takes effect only once its workspace proves control of it (a DNS TXT
-- record): each claim carries its challenge token, and only a verified hostname is unique, so
-- a pending claim reserves nothing. Domains claimed before this are unverified until checked.
CREATE TABLE dashboard_domains_verified (
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    hostname TEXT NOT NULL,
    position INTEGER NOT NULL,
    verification_token TEXT NOT NULL,
    verified_at INTEGER,
    PRIMARY KEY (workspace_id, hostname)
) STRICT;

INSERT INTO dashboard_domains_verified (workspace_id, hostname, position, verification_token)
SELECT workspace_id, hostname, position, lower(hex(randomblob(16))) FROM dashboard_domains;

DROP TABLE dashboard_domains;
ALTER TABLE dashboard_domains_verified RENAME TO dashboard_domains;

CREATE UNIQUE INDEX dashboard_domains_hostname_key ON dashboard_domains (hostname)
    WHERE verified_at IS NOT NULL;
