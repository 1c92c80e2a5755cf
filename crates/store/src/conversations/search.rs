//! Full-text search over conversations, with each backend's own index: tsvector and GIN on
//! PostgreSQL, FTS5 on SQLite (see migration 0015). A conversation matches when every word
//! starts a word of one of its messages, or of its contact's name, email and phone.

use crate::db::Backend;
use clientele_domain::WorkspaceId;
use sea_query::{Cond, Expr};

/// The condition on `conversations` for `words` (letters and digits only, lowercase, so
/// nothing in them is query syntax). Placeholders are each dialect's own: `$n` and `?`.
pub(crate) fn matching(backend: Backend, workspace_id: WorkspaceId, words: &[String]) -> Cond {
    match backend {
        Backend::Postgres => {
            let query = words
                .iter()
                .map(|word| format!("{word}:*"))
                .collect::<Vec<_>>()
                .join(" & ");
            Cond::any()
                .add(Expr::cust_with_values(
                    r#""conversations"."id" IN (SELECT "conversation_id" FROM "conversation_messages"
                       WHERE "workspace_id" = $1 AND "search" @@ to_tsquery('simple', $2))"#,
                    [
                        sea_query::Value::from(workspace_id.as_uuid()),
                        sea_query::Value::from(query.clone()),
                    ],
                ))
                .add(Expr::cust_with_values(
                    r#""conversations"."contact_search" @@ to_tsquery('simple', $1)"#,
                    [sea_query::Value::from(query)],
                ))
        }
        Backend::Sqlite => {
            let query = words
                .iter()
                .map(|word| format!("\"{word}\"*"))
                .collect::<Vec<_>>()
                .join(" AND ");
            Cond::any()
                .add(Expr::cust_with_values(
                    r#""conversations"."id" IN (SELECT "conversation_id" FROM "conversation_messages"
                       WHERE "rowid" IN (SELECT "rowid" FROM "conversation_messages_fts"
                       WHERE "conversation_messages_fts" MATCH ?))"#,
                    [sea_query::Value::from(query.clone())],
                ))
                .add(Expr::cust_with_values(
                    r#""conversations"."rowid" IN (SELECT "rowid" FROM "conversation_contacts_fts"
                       WHERE "conversation_contacts_fts" MATCH ?)"#,
                    [sea_query::Value::from(query)],
                ))
        }
    }
}
