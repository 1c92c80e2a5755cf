//! Full-text search over conversations, with each backend's own index: tsvector and GIN on
//! PostgreSQL, FTS5 on SQLite (see migration 0015). A conversation matches when every word
//! is a word of one of its messages, or of its contact's name, email and phone. Whole words:
//! a prefix query makes FTS5 merge every matching word's whole list before the first hit.
//!
//! Lists come newest first, so the fast way to a page of matches depends on how many there
//! are. Rare words: look them up in the index and sort the few conversations they are in.
//! Common words: walk the newest conversations and check each against the index, which stops
//! after a page. A capped count of the index's hits chooses; the thresholds were measured at
//! a million conversations (`cargo bench --bench conversations`): PostgreSQL checks a
//! conversation in microseconds, FTS5 in tens of them.

use crate::db::{Backend, Count, Db};
use crate::error::StoreError;
use clientele_domain::WorkspaceId;
use sea_query::{Cond, Expr, ExprTrait, Query, Value};
use uuid::Uuid;

/// How to find the matching conversations.
pub(crate) enum Search {
    /// Few matches (PostgreSQL): exactly these conversations.
    Ids(Vec<Uuid>),
    /// Fewer matches than a walk would check (SQLite): look them up in the index, and sort.
    Lookup(String),
    /// Many matches: check the newest conversations one by one.
    Walk(Backend, String),
}

impl Search {
    /// Prepares the search for `words` (letters and digits only, lowercase, so nothing in
    /// them is query syntax).
    pub(crate) async fn prepare(
        db: &Db,
        workspace_id: WorkspaceId,
        words: &[String],
    ) -> Result<Self, StoreError> {
        match db.backend() {
            Backend::Postgres => {
                let query = words.join(" & ");
                let ids = postgres_ids(db, workspace_id, &query).await?;
                Ok(match ids {
                    Some(ids) => Self::Ids(ids),
                    None => Self::Walk(Backend::Postgres, query),
                })
            }
            Backend::Sqlite => {
                let query = words
                    .iter()
                    .map(|word| format!("\"{word}\""))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                // The index spans workspaces: its count only estimates this one's.
                let hits = count(
                    db,
                    r#"SELECT count(*) AS "count" FROM (SELECT 1 FROM "conversation_messages_fts"
                       WHERE "conversation_messages_fts" MATCH ? LIMIT ?)"#,
                    vec![Value::from(query.clone()), Value::from(SQLITE_WALK)],
                )
                .await?;
                Ok(if hits < SQLITE_WALK {
                    Self::Lookup(query)
                } else {
                    Self::Walk(Backend::Sqlite, query)
                })
            }
        }
    }

    /// Whether the list may walk the workspace's newest-first index; a lookup must not, or
    /// SQLite walks the whole workspace to find a few rows.
    pub(crate) fn walks_recent(&self) -> bool {
        !matches!(self, Self::Lookup(_))
    }

    /// The condition on `conversations`.
    pub(crate) fn condition(&self) -> Cond {
        let query = |q: &str| Value::from(q.to_owned());
        match self {
            Self::Ids(ids) if ids.is_empty() => Cond::all().add(Expr::cust("1 = 0")),
            Self::Ids(ids) => Cond::all().add(Expr::col(("conversations", "id")).is_in(ids.clone())),
            Self::Lookup(q) => Cond::any()
                .add(Expr::cust_with_values(
                    r#""conversations"."id" IN (SELECT "conversation_id" FROM "conversation_messages"
                       WHERE "rowid" IN (SELECT "rowid" FROM "conversation_messages_fts"
                       WHERE "conversation_messages_fts" MATCH ?))"#,
                    [query(q)],
                ))
                .add(Expr::cust_with_values(
                    r#""conversations"."rowid" IN (SELECT "rowid" FROM "conversation_contacts_fts"
                       WHERE "conversation_contacts_fts" MATCH ?)"#,
                    [query(q)],
                )),
            // A scalar subquery, not EXISTS: PostgreSQL would hash every hit of an EXISTS
            // before returning the first row.
            Self::Walk(Backend::Postgres, q) => Cond::any()
                .add(Expr::cust_with_values(
                    r#"(SELECT count(*) FROM (SELECT 1 FROM "conversation_messages" AS "m"
                       WHERE "m"."conversation_id" = "conversations"."id"
                       AND "m"."search" @@ to_tsquery('simple', $1) LIMIT 1) AS "hit") > 0"#,
                    [query(q)],
                ))
                .add(Expr::cust_with_values(
                    r#""conversations"."contact_search" @@ to_tsquery('simple', $1)"#,
                    [query(q)],
                )),
            Self::Walk(Backend::Sqlite, q) => Cond::any()
                .add(Expr::cust_with_values(
                    r#"EXISTS (SELECT 1 FROM "conversation_messages" AS "m"
                       WHERE "m"."conversation_id" = "conversations"."id"
                       AND EXISTS (SELECT 1 FROM "conversation_messages_fts"
                       WHERE "conversation_messages_fts" MATCH ? AND "rowid" = "m"."rowid"))"#,
                    [query(q)],
                ))
                .add(Expr::cust_with_values(
                    r#"EXISTS (SELECT 1 FROM "conversation_contacts_fts"
                       WHERE "conversation_contacts_fts" MATCH ?
                       AND "rowid" = "conversations"."rowid")"#,
                    [query(q)],
                )),
        }
    }
}

/// Index hits from which PostgreSQL walks instead of fetching the matching ids.
const POSTGRES_WALK: i64 = 2000;
/// Index hits from which SQLite walks instead of looking them up. Measured at a million
/// conversations: a lookup costs about 5 µs a hit, a walk about 500 µs a conversation checked,
/// so they break even near 150,000 hits (a word in about one conversation in fourteen).
const SQLITE_WALK: i64 = 150_000;

/// The ids of the workspace's conversations the words find in PostgreSQL's indexes, or none
/// when there are too many to fetch. Messages are capped before they are made distinct: a
/// DISTINCT would read every hit of a common word first.
async fn postgres_ids(
    db: &Db,
    workspace_id: WorkspaceId,
    query: &str,
) -> Result<Option<Vec<Uuid>>, StoreError> {
    let messages = Query::select()
        .expr_as(
            Expr::cust_with_values(
                r#"array_to_string(ARRAY(SELECT "conversation_id" FROM "conversation_messages"
                   WHERE "workspace_id" = $1 AND "search" @@ to_tsquery('simple', $2) LIMIT $3), ',')"#,
                [
                    Value::from(workspace_id.as_uuid()),
                    Value::from(query.to_owned()),
                    Value::from(POSTGRES_WALK),
                ],
            ),
            "ids",
        )
        .to_owned();
    // The contact index is not scoped by workspace: the list's own condition keeps this one.
    let contacts = Query::select()
        .expr_as(
            Expr::cust_with_values(
                r#"array_to_string(ARRAY(SELECT "id" FROM "conversations"
                   WHERE "contact_search" @@ to_tsquery('simple', $1) LIMIT $2), ',')"#,
                [Value::from(query.to_owned()), Value::from(POSTGRES_WALK)],
            ),
            "ids",
        )
        .to_owned();
    let mut ids = std::collections::BTreeSet::new();
    for statement in [messages, contacts] {
        let found: Option<Ids> = db.fetch_optional(&statement).await?;
        let found: Vec<Uuid> = found
            .map(|f| f.ids)
            .unwrap_or_default()
            .split(',')
            .filter_map(|id| Uuid::parse_str(id).ok())
            .collect();
        if i64::try_from(found.len()).unwrap_or(i64::MAX) >= POSTGRES_WALK {
            return Ok(None);
        }
        ids.extend(found);
    }
    Ok(Some(ids.into_iter().collect()))
}

/// Ids joined by commas: one column type that both backends' rows decode.
#[derive(sqlx::FromRow)]
struct Ids {
    ids: String,
}

async fn count(db: &Db, sql: &str, values: Vec<Value>) -> Result<i64, StoreError> {
    let statement = Query::select()
        .expr_as(Expr::cust_with_values(format!("({sql})"), values), "count")
        .to_owned();
    let row: Option<Count> = db.fetch_optional(&statement).await?;
    Ok(row.map_or(0, |row| row.count))
}
