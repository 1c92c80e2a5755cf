//! The runtime_events table: every event id a runtime delivered for an agent, with a digest
//! of its content, so a repeated delivery changes nothing and a reused id is caught.

use crate::db::Tx;
use crate::error::StoreError;
use clientele_domain::{AgentId, Timestamp, WorkspaceId};
use sea_query::{Expr, ExprTrait, Iden, OnConflict, Query};

#[derive(Iden)]
enum RuntimeEvents {
    Table,
    AgentId,
    EventId,
    WorkspaceId,
    Kind,
    Digest,
    ReceivedAt,
}

/// An event about to be recorded.
#[derive(Debug)]
pub struct NewEvent<'a> {
    pub workspace_id: WorkspaceId,
    pub agent_id: AgentId,
    pub event_id: &'a str,
    pub kind: &'a str,
    pub digest: &'a [u8],
    pub received_at: Timestamp,
}

/// What recording an event found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The first delivery: apply it.
    New,
    /// Delivered before with the same content: nothing to do.
    Duplicate,
    /// Delivered before with other content under the same id.
    Conflict,
}

#[derive(sqlx::FromRow)]
struct Known {
    digest: Vec<u8>,
}

/// Records the event unless its id is known for the agent; says which it was.
pub async fn claim(tx: &mut Tx, new: &NewEvent<'_>) -> Result<Claim, StoreError> {
    let insert = Query::insert()
        .into_table(RuntimeEvents::Table)
        .columns([
            RuntimeEvents::AgentId,
            RuntimeEvents::EventId,
            RuntimeEvents::WorkspaceId,
            RuntimeEvents::Kind,
            RuntimeEvents::Digest,
            RuntimeEvents::ReceivedAt,
        ])
        .values_panic([
            new.agent_id.as_uuid().into(),
            new.event_id.into(),
            new.workspace_id.as_uuid().into(),
            new.kind.into(),
            new.digest.to_vec().into(),
            new.received_at.unix_micros().into(),
        ])
        .on_conflict(
            OnConflict::columns([RuntimeEvents::AgentId, RuntimeEvents::EventId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    if tx.execute(&insert).await? == 1 {
        return Ok(Claim::New);
    }
    let select = Query::select()
        .column(RuntimeEvents::Digest)
        .from(RuntimeEvents::Table)
        .and_where(Expr::col(RuntimeEvents::AgentId).eq(new.agent_id.as_uuid()))
        .and_where(Expr::col(RuntimeEvents::EventId).eq(new.event_id))
        .to_owned();
    let known: Option<Known> = tx.fetch_optional(&select).await?;
    Ok(if known.is_some_and(|k| k.digest == new.digest) {
        Claim::Duplicate
    } else {
        Claim::Conflict
    })
}
