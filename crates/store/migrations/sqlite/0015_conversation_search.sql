-- Full-text search over messages and contacts: each backend's own index (here FTS5; tsvector
-- with GIN on PostgreSQL). Words are split at every character that is not a letter or digit,
-- the same way on both backends and in the query; no stemming, any language.
CREATE VIRTUAL TABLE conversation_messages_fts USING fts5(
    text, content = 'conversation_messages', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO conversation_messages_fts (conversation_messages_fts) VALUES ('rebuild');
CREATE TRIGGER conversation_messages_fts_insert AFTER INSERT ON conversation_messages BEGIN
    INSERT INTO conversation_messages_fts (rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER conversation_messages_fts_delete AFTER DELETE ON conversation_messages BEGIN
    INSERT INTO conversation_messages_fts (conversation_messages_fts, rowid, text)
    VALUES ('delete', old.rowid, old.text);
END;

CREATE VIRTUAL TABLE conversation_contacts_fts USING fts5(
    contact, tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO conversation_contacts_fts (rowid, contact)
SELECT rowid, coalesce(contact_name, '') || ' ' || coalesce(contact_email, '') || ' ' || coalesce(contact_phone, '')
FROM conversations;
CREATE TRIGGER conversation_contacts_fts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_contacts_fts (rowid, contact) VALUES (new.rowid,
        coalesce(new.contact_name, '') || ' ' || coalesce(new.contact_email, '') || ' ' || coalesce(new.contact_phone, ''));
END;
CREATE TRIGGER conversation_contacts_fts_update
AFTER UPDATE OF contact_name, contact_email, contact_phone ON conversations BEGIN
    DELETE FROM conversation_contacts_fts WHERE rowid = old.rowid;
    INSERT INTO conversation_contacts_fts (rowid, contact) VALUES (new.rowid,
        coalesce(new.contact_name, '') || ' ' || coalesce(new.contact_email, '') || ' ' || coalesce(new.contact_phone, ''));
END;
CREATE TRIGGER conversation_contacts_fts_delete AFTER DELETE ON conversations BEGIN
    DELETE FROM conversation_contacts_fts WHERE rowid = old.rowid;
END;
