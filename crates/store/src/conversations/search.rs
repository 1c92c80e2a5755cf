//! Full-text search over conversations, with each backend's own index: tsvector and GIN on
//! PostgreSQL, FTS5 on SQLite (see migration 0015). A conversation matches when every word
//! is a word of one of its messages, or of its contact's name, email and phone. Whole words:
//! a prefix query makes FTS5 merge every matching word's whole list before the first hit.
//!
//! Lists come newest first, so the fast way to find 50 matches depends on how many there
//! are: a rare word is looked up in the index and its few conversations sorted; a common one
//! is found by walking the newest conversations and checking each against the index, which
//! stops after a page. A capped count of the index's hits chooses.

use crate::db::{Backend, Count, Db};
use crate::error::StoreError;
use clientele_domain::WorkspaceId;
use sea_query::{Cond, Expr, Query, Value};

/// Hits in the index from which walking the newest conversations is the faster way.
const MANY: i64 = 2000;

/// How to look: the words' index query in each backend's syntax, and whether they are common.
pub(crate) struct Search {
    backend: Backend,
    query: String,
    common: bool,
}

impl Search {
    /// Prepares the search for `words` (letters and digits only, lowercase, so nothing in
    /// them is query syntax), counting the index's hits up to [`MANY`].
    pub(crate) async fn prepare(
        db: &Db,
        workspace_id: WorkspaceId,
        words: &[String],
    ) -> Result<Self, StoreError> {
        let backend = db.backend();
        let query = match backend {
            Backend::Postgres => join(words, str::to_owned, " & "),
            Backend::Sqlite => join(words, |w| format!("\"{w}\""), " AND "),
        };
        // The SQLite index spans workspaces: its count only estimates this one's.
        let hits = match backend {
            Backend::Postgres => Expr::cust_with_values(
                r#"(SELECT count(*) FROM (SELECT 1 FROM "conversation_messages"
                   WHERE "workspace_id" = $1 AND "search" @@ to_tsquery('simple', $2) LIMIT $3) AS "hits")"#,
                [
                    Value::from(workspace_id.as_uuid()),
                    Value::from(query.clone()),
                    Value::from(MANY),
                ],
            ),
            Backend::Sqlite => Expr::cust_with_values(
                r#"(SELECT count(*) FROM (SELECT 1 FROM "conversation_messages_fts"
                   WHERE "conversation_messages_fts" MATCH ? LIMIT ?))"#,
                [Value::from(query.clone()), Value::from(MANY)],
            ),
        };
        let count: Option<Count> = db
            .fetch_optional(&Query::select().expr_as(hits, "count").to_owned())
            .await?;
        Ok(Self {
            backend,
            query,
            common: count.is_some_and(|c| c.count >= MANY),
        })
    }

    /// The condition on `conversations`.
    pub(crate) fn condition(&self, workspace_id: WorkspaceId) -> Cond {
        let query = || Value::from(self.query.clone());
        let (messages, contact) = match (self.backend, self.common) {
            (Backend::Postgres, false) => (
                Expr::cust_with_values(
                    r#""conversations"."id" IN (SELECT "conversation_id" FROM "conversation_messages"
                       WHERE "workspace_id" = $1 AND "search" @@ to_tsquery('simple', $2))"#,
                    [Value::from(workspace_id.as_uuid()), query()],
                ),
                Expr::cust_with_values(
                    r#""conversations"."id" IN (SELECT "id" FROM "conversations"
                       WHERE "workspace_id" = $1 AND "contact_search" @@ to_tsquery('simple', $2))"#,
                    [Value::from(workspace_id.as_uuid()), query()],
                ),
            ),
            (Backend::Postgres, true) => (
                Expr::cust_with_values(
                    r#"EXISTS (SELECT 1 FROM "conversation_messages" AS "m"
                       WHERE "m"."conversation_id" = "conversations"."id"
                       AND "m"."search" @@ to_tsquery('simple', $1))"#,
                    [query()],
                ),
                Expr::cust_with_values(
                    r#""conversations"."contact_search" @@ to_tsquery('simple', $1)"#,
                    [query()],
                ),
            ),
            (Backend::Sqlite, false) => (
                Expr::cust_with_values(
                    r#""conversations"."id" IN (SELECT "conversation_id" FROM "conversation_messages"
                       WHERE "rowid" IN (SELECT "rowid" FROM "conversation_messages_fts"
                       WHERE "conversation_messages_fts" MATCH ?))"#,
                    [query()],
                ),
                Expr::cust_with_values(
                    r#""conversations"."rowid" IN (SELECT "rowid" FROM "conversation_contacts_fts"
                       WHERE "conversation_contacts_fts" MATCH ?)"#,
                    [query()],
                ),
            ),
            (Backend::Sqlite, true) => (
                Expr::cust_with_values(
                    r#"EXISTS (SELECT 1 FROM "conversation_messages" AS "m"
                       WHERE "m"."conversation_id" = "conversations"."id"
                       AND EXISTS (SELECT 1 FROM "conversation_messages_fts" AS "f"
                       WHERE "f"."conversation_messages_fts" MATCH ? AND "f"."rowid" = "m"."rowid"))"#,
                    [query()],
                ),
                Expr::cust_with_values(
                    r#"EXISTS (SELECT 1 FROM "conversation_contacts_fts" AS "f"
                       WHERE "f"."conversation_contacts_fts" MATCH ?
                       AND "f"."rowid" = "conversations"."rowid")"#,
                    [query()],
                ),
            ),
        };
        Cond::any().add(messages).add(contact)
    }
}

fn join(words: &[String], each: impl Fn(&str) -> String, separator: &str) -> String {
    words
        .iter()
        .map(|word| each(word))
        .collect::<Vec<_>>()
        .join(separator)
}
