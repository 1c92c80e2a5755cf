//! The usage_records table: credits an agent's runtime reports it consumed, for billing.

use crate::db::Tx;
use crate::error::StoreError;
use clientele_domain::{AgentId, ConversationId, OrganizationId, Timestamp, UsageId, WorkspaceId};
use sea_query::{Iden, Query};

#[derive(Iden)]
enum UsageRecords {
    Table,
    Id,
    WorkspaceId,
    AgentId,
    OrganizationId,
    ConversationId,
    EventId,
    Millicredits,
    OccurredAt,
}

/// Usage about to be recorded.
#[derive(Debug)]
pub struct NewUsage<'a> {
    pub id: UsageId,
    pub workspace_id: WorkspaceId,
    pub agent_id: AgentId,
    pub organization_id: Option<OrganizationId>,
    pub conversation_id: Option<ConversationId>,
    pub event_id: &'a str,
    pub millicredits: i64,
    pub occurred_at: Timestamp,
}

pub async fn insert(tx: &mut Tx, new: &NewUsage<'_>) -> Result<(), StoreError> {
    let statement = Query::insert()
        .into_table(UsageRecords::Table)
        .columns([
            UsageRecords::Id,
            UsageRecords::WorkspaceId,
            UsageRecords::AgentId,
            UsageRecords::OrganizationId,
            UsageRecords::ConversationId,
            UsageRecords::EventId,
            UsageRecords::Millicredits,
            UsageRecords::OccurredAt,
        ])
        .values_panic([
            new.id.as_uuid().into(),
            new.workspace_id.as_uuid().into(),
            new.agent_id.as_uuid().into(),
            new.organization_id.map(|id| id.as_uuid()).into(),
            new.conversation_id.map(|id| id.as_uuid()).into(),
            new.event_id.into(),
            new.millicredits.into(),
            new.occurred_at.unix_micros().into(),
        ])
        .to_owned();
    tx.execute(&statement).await?;
    Ok(())
}
