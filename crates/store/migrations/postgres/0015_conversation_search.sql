-- Full-text search over messages and contacts: each backend's own index (here tsvector with
-- GIN; FTS5 on SQLite). Words are split at every character that is not a letter or digit,
-- the same way on both backends and in the query ('simple': no stemming, any language).
ALTER TABLE conversation_messages ADD COLUMN search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', translate(text, '@./:-_+''', '        '))) STORED;
CREATE INDEX conversation_messages_search_idx ON conversation_messages USING GIN (search);

ALTER TABLE conversations ADD COLUMN contact_search tsvector
    GENERATED ALWAYS AS (to_tsvector('simple', translate(
        coalesce(contact_name, '') || ' ' || coalesce(contact_email, '') || ' ' || coalesce(contact_phone, ''),
        '@./:-_+''', '        '))) STORED;
CREATE INDEX conversations_contact_search_idx ON conversations USING GIN (contact_search);
