//! The workspace's activity log.

use crate::api::rfc3339;
use crate::extract::{ApiQuery, Caller};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::workspace::activity::{ActivityEntry, ActivityFilter};
use clientele_domain::Timestamp;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ActivityQuery {
    /// Only entries by this actor (member or API key id).
    pub actor: Option<Uuid>,
    /// Only this action, e.g. `member.added`.
    pub action: Option<String>,
    /// Only entries about this organization.
    pub organization: Option<Uuid>,
    /// Only entries about this target id.
    pub target: Option<Uuid>,
    /// Only entries at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Only entries before this time (RFC 3339).
    pub to: Option<String>,
    /// From the `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// Entries per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityEntryResponse {
    pub id: Uuid,
    /// The entry's position in the workspace's chain.
    pub seq: i64,
    pub organization_id: Option<Uuid>,
    pub actor: Party,
    /// The agency member really acting, during a preview.
    pub real_actor_id: Option<Uuid>,
    pub action: String,
    pub target: Party,
    /// The changed fields: `{"field": {"before": .., "after": ..}}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: String,
}

/// Who or what: a kind, an id when it has one, and a label for people.
#[derive(Serialize, ToSchema)]
pub struct Party {
    pub kind: String,
    pub id: Option<Uuid>,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ActivityPageResponse {
    pub entries: Vec<ActivityEntryResponse>,
    /// Pass as `cursor` for the next (older) page; absent on the last page.
    pub next_cursor: Option<i64>,
}

impl From<ActivityEntry> for ActivityEntryResponse {
    fn from(row: ActivityEntry) -> Self {
        Self {
            id: row.id.as_uuid(),
            seq: row.seq,
            organization_id: row.organization_id,
            actor: Party {
                kind: row.actor_kind,
                id: row.actor_id,
                label: row.actor_label,
            },
            real_actor_id: row.real_actor_id,
            action: row.action,
            target: Party {
                kind: row.target_kind,
                id: row.target_id,
                label: row.target_label,
            },
            changes: row.changes,
            ip: row.ip,
            user_agent: row.user_agent,
            created_at: rfc3339(row.created_at),
        }
    }
}

/// The workspace's activity, newest first (owner and admins).
#[utoipa::path(get, path = "/api/v1/activity", tag = "activity", operation_id = "listActivity",
    security(("session" = []), ("api_key" = [])), params(ActivityQuery),
    responses((status = 200, body = ActivityPageResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<ActivityQuery>,
) -> Result<Json<ActivityPageResponse>, Problem> {
    let filter = ActivityFilter {
        actor_id: query.actor,
        action: action_param(query.action)?,
        organization_id: query.organization,
        target_id: query.target,
        from: time_param("from", query.from.as_deref())?,
        to: time_param("to", query.to.as_deref())?,
    };
    let rows = state
        .app
        .list_activity(&caller.actor, &filter, query.cursor, query.limit)
        .await?;
    let full_page = rows.len() as u64
        == query
            .limit
            .unwrap_or(clientele_app::workspace::activity::DEFAULT_PAGE);
    let next_cursor = if full_page {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    Ok(Json(ActivityPageResponse {
        entries: rows.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Action names are dotted lowercase words (`member.added`); anything else matches nothing and
/// is refused rather than sent to the database.
fn action_param(value: Option<String>) -> Result<Option<String>, Problem> {
    let Some(action) = value else { return Ok(None) };
    let plain = |c: char| c.is_ascii_lowercase() || c == '_' || c == '.';
    if action.is_empty() || action.len() > 64 || !action.chars().all(plain) {
        return Err(Problem::invalid_query(
            "action: must be an action name such as member.added".to_owned(),
        ));
    }
    Ok(Some(action))
}

pub(crate) fn time_param(name: &str, value: Option<&str>) -> Result<Option<Timestamp>, Problem> {
    let Some(value) = value else { return Ok(None) };
    let invalid = || {
        Problem::invalid_query(format!(
            "{name}: must be an RFC 3339 time such as 2026-11-24T09:00:00Z"
        ))
    };
    let parsed = OffsetDateTime::parse(value, &Rfc3339).map_err(|_| invalid())?;
    let micros = i64::try_from(parsed.unix_timestamp_nanos() / 1_000).map_err(|_| invalid())?;
    Timestamp::try_from(micros).map(Some).map_err(|_| invalid())
}
