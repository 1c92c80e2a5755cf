//! Recording changes in the activity log, and reading the log back.

use crate::error::AppError;
use crate::secrets::SecretKey;
use crate::{App, RequestContext};
use clientele_domain::{
    Action, ActivityId, Actor, Permit, Principal, Resource, Timestamp, authorize,
};
use clientele_store::Tx;
use clientele_store::workspace::activity::{self, ActivityRow, ChainKey, NewActivity};
use serde::Serialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The changed fields of one change, as `{"field": {"before": .., "after": ..}}`. Secrets are
/// never put here.
#[derive(Default)]
pub struct Changes(Map<String, Value>);

impl Changes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `field` when its value changed.
    pub fn field(mut self, field: &str, before: impl Serialize, after: impl Serialize) -> Self {
        let (before, after) = (json!(before), json!(after));
        if before != after {
            self.0.insert(
                field.to_owned(),
                json!({ "before": before, "after": after }),
            );
        }
        self
    }

    /// Records a field of something that did not exist before.
    pub fn set(mut self, field: &str, after: impl Serialize) -> Self {
        self.0.insert(field.to_owned(), json!({ "after": after }));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn to_json(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

/// The key that chains the activity log, derived from the server's secret key: the database
/// never holds it.
pub fn chain_key(secret: &SecretKey) -> ChainKey {
    ChainKey::new(secret.derive("clientele activity chain"))
}

/// Who made a change, as the log names them.
pub(crate) struct Author<'a> {
    pub kind: &'static str,
    pub id: Option<Uuid>,
    pub label: &'a str,
    pub real: Option<clientele_domain::MemberId>,
}

impl<'a> Author<'a> {
    pub fn of(actor: &'a Actor) -> Self {
        let (kind, id) = match &actor.principal {
            Principal::Member { id, .. } => ("member", id.as_uuid()),
            Principal::ApiKey { id, .. } => ("api_key", id.as_uuid()),
            Principal::ClientUser { id, .. } => ("client_user", id.as_uuid()),
        };
        Self {
            kind,
            id: Some(id),
            label: &actor.label,
            real: actor.impersonated_by,
        }
    }

    /// Clientele itself, e.g. `clientele init`.
    pub fn system(label: &'a str) -> Self {
        Self {
            kind: "system",
            id: None,
            label,
            real: None,
        }
    }
}

/// What a change did to what.
pub(crate) struct Entry<'a> {
    /// The organization the change concerns, so that the organization's own log shows it.
    pub organization_id: Option<clientele_domain::OrganizationId>,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: Option<Uuid>,
    pub target_label: &'a str,
    pub changes: Changes,
}

/// Appends the entry for a change inside the change's own transaction.
pub(crate) async fn record(
    tx: &mut Tx,
    workspace_id: clientele_domain::WorkspaceId,
    author: &Author<'_>,
    context: &RequestContext,
    entry: Entry<'_>,
) -> Result<(), AppError> {
    let changes = entry.changes.to_json();
    let new = NewActivity {
        workspace_id,
        organization_id: entry.organization_id,
        actor_kind: author.kind,
        actor_id: author.id,
        actor_label: author.label,
        real_actor_id: author.real,
        action: entry.action,
        target_kind: entry.target_kind,
        target_id: entry.target_id,
        target_label: entry.target_label,
        changes: &changes,
        ip: context.ip.as_deref(),
        user_agent: context.user_agent.as_deref(),
        created_at: Timestamp::now(),
    };
    activity::append(tx, &new).await?;
    Ok(())
}

/// Appends the entry for an actor's permitted change and commits the change with it: the one
/// way a use case ends a write, so no change lands without its entry.
pub(crate) async fn commit(
    mut tx: Tx,
    permit: &Permit,
    actor: &Actor,
    context: &RequestContext,
    entry: Entry<'_>,
) -> Result<(), AppError> {
    record(
        &mut tx,
        permit.workspace_id(),
        &Author::of(actor),
        context,
        entry,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub use crate::cursor::DEFAULT_PAGE;

impl App {
    /// A page of the workspace's log, newest first (owner and admins).
    #[tracing::instrument(skip_all)]
    pub async fn list_activity(
        &self,
        actor: &Actor,
        filter: &ActivityFilter,
        before: Option<i64>,
        limit: Option<u64>,
    ) -> Result<Vec<ActivityEntry>, AppError> {
        let permit = authorize(
            actor,
            Action::ReadActivityLog,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let limit = crate::cursor::page_size(limit)?;
        let filter = activity::ActivityFilter {
            actor_id: filter.actor_id,
            action: filter.action.clone(),
            organization_id: filter.organization_id,
            target_id: filter.target_id,
            from: filter.from,
            to: filter.to,
        };
        let rows = activity::list(&self.db, permit.workspace_id(), &filter, before, limit).await?;
        Ok(rows.into_iter().map(ActivityEntry::from).collect())
    }
}

/// Which entries of the log to list; every field narrows the result.
#[derive(Clone, Debug, Default)]
pub struct ActivityFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub organization_id: Option<Uuid>,
    pub target_id: Option<Uuid>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

/// One entry of the activity log: who did what to what, with the changed fields.
#[derive(Clone, Debug)]
pub struct ActivityEntry {
    pub id: ActivityId,
    /// The entry's place in the workspace's chain.
    pub seq: i64,
    pub organization_id: Option<Uuid>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_label: String,
    /// The member really acting, when a member previews the dashboard as a client user.
    pub real_actor_id: Option<Uuid>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    pub target_label: String,
    /// The changed fields, as `{"field": {"before": .., "after": ..}}`.
    pub changes: Value,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: Timestamp,
}

impl From<ActivityRow> for ActivityEntry {
    fn from(row: ActivityRow) -> Self {
        Self {
            changes: serde_json::from_str(&row.changes).unwrap_or(Value::Null),
            id: row.id,
            seq: row.seq,
            organization_id: row.organization_id,
            actor_kind: row.actor_kind,
            actor_id: row.actor_id,
            actor_label: row.actor_label,
            real_actor_id: row.real_actor_id,
            action: row.action,
            target_kind: row.target_kind,
            target_id: row.target_id,
            target_label: row.target_label,
            ip: row.ip,
            user_agent: row.user_agent,
            created_at: row.created_at,
        }
    }
}
