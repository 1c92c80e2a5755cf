-- A dashboard domain takes effect only once its workspace proves control of it (a DNS TXT
-- record): each claim carries its challenge token, and only a verified hostname is unique, so
-- a pending claim reserves nothing. Domains claimed before this are unverified until checked.
ALTER TABLE dashboard_domains DROP CONSTRAINT dashboard_domains_hostname_key;
ALTER TABLE dashboard_domains ADD COLUMN verification_token text;
UPDATE dashboard_domains SET verification_token = md5(random()::text || hostname);
ALTER TABLE dashboard_domains ALTER COLUMN verification_token SET NOT NULL;
ALTER TABLE dashboard_domains ADD COLUMN verified_at bigint;

CREATE UNIQUE INDEX dashboard_domains_hostname_key ON dashboard_domains (hostname)
    WHERE verified_at IS NOT NULL;
