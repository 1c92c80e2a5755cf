//! Managing one organization in the console: its users, teams, Org Info, access review and
//! activity, one tab each.

use crate::state::AppState;
use crate::web::console::{chrome, member};
use crate::web::org::{self, SettingsView, TeamsView, UsersView, permission_label};
use crate::web::page::{Chrome, PageResult, Visitor, not_found};
use crate::web::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use clientele_app::clients::organizations::Organization;
use clientele_app::workspace::activity::{ActivityEntry, ActivityFilter};
use clientele_domain::{Action, OrganizationId, Resource, authorize};
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

const ACTIVITY_PER_PAGE: u64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "console/organization.html")]
struct OrganizationPage {
    chrome: Chrome,
    org_name: String,
    user_count: i64,
    agent_count: i64,
    tabs: Vec<(String, &'static str, bool)>,
    body: OrganizationBody,
}

enum OrganizationBody {
    Users(UsersView),
    Teams(TeamsView),
    Settings(SettingsView),
    Access(AccessView),
    Activity(ActivityView),
}

/// The access review as a table.
struct AccessView {
    org_id: String,
    generated_at: String,
    lines: Vec<AccessLine>,
}

struct AccessLine {
    name: String,
    email: String,
    permissions: Vec<String>,
    agents: String,
    last_sign_in: String,
    flags: Vec<&'static str>,
}

/// A page of the activity log.
pub struct ActivityView {
    pub entries: Vec<ActivityLine>,
    pub next_before: Option<i64>,
    /// The page's address up to where `before=` goes.
    pub base: String,
}

pub struct ActivityLine {
    pub at: String,
    pub actor: String,
    pub real_actor: Option<String>,
    pub action: String,
    pub target: String,
    pub changes: String,
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: String,
    cursor: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ActivityQuery {
    before: Option<i64>,
}

/// `GET /console/organizations/{id}`: the users tab.
pub async fn users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<UsersQuery>,
) -> PageResult {
    let (visitor, organization) = open(&state, &headers, &id).await?;
    let base = format!("/console/organizations/{}", organization.id);
    let view = org::users_view(
        &state,
        visitor.actor(),
        crate::web::i18n::Messages::new(clientele_domain::Language::En),
        &organization,
        query.q,
        query.cursor,
        base,
    )
    .await?;
    page(
        &state,
        &visitor,
        organization,
        "",
        OrganizationBody::Users(view),
    )
    .await
}

/// `GET /console/organizations/{id}/teams`
pub async fn teams(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let (visitor, organization) = open(&state, &headers, &id).await?;
    let view = org::teams_view(&state, visitor.actor(), &organization).await?;
    page(
        &state,
        &visitor,
        organization,
        "teams",
        OrganizationBody::Teams(view),
    )
    .await
}

/// `GET /console/organizations/{id}/settings`: Org Info.
pub async fn settings(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let (visitor, organization) = open(&state, &headers, &id).await?;
    let t = crate::web::i18n::Messages::new(clientele_domain::Language::En);
    let view = org::settings_view(t, visitor.actor(), &organization);
    page(
        &state,
        &visitor,
        organization,
        "settings",
        OrganizationBody::Settings(view),
    )
    .await
}

/// `GET /console/organizations/{id}/access`: the access review.
pub async fn access(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let (visitor, organization) = open(&state, &headers, &id).await?;
    let report = state
        .app
        .access_report(visitor.actor(), organization.id)
        .await?;
    let t = crate::web::i18n::Messages::new(clientele_domain::Language::En);
    let lines = report
        .lines
        .iter()
        .map(|line| {
            let user = &line.user.user;
            AccessLine {
                name: user.name.clone(),
                email: user.email.clone(),
                permissions: user
                    .permissions
                    .iter()
                    .map(|p| permission_label(t, p).to_owned())
                    .collect(),
                agents: match user.agent_access {
                    clientele_domain::AgentAccess::All => "All agents".to_owned(),
                    clientele_domain::AgentAccess::Selected => line
                        .agents
                        .iter()
                        .map(|(_, name)| name.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
                last_sign_in: user
                    .last_sign_in_at
                    .map_or_else(|| "Never".to_owned(), when),
                flags: line
                    .flags
                    .iter()
                    .map(|f| match f {
                        clientele_app::clients::access_report::AccessFlag::ExcessOrgAdmin => {
                            "More than two org admins"
                        }
                        clientele_app::clients::access_report::AccessFlag::NeverSignedIn => {
                            "Never signed in"
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let view = AccessView {
        org_id: organization.id.to_string(),
        generated_at: when(report.generated_at),
        lines,
    };
    page(
        &state,
        &visitor,
        organization,
        "access",
        OrganizationBody::Access(view),
    )
    .await
}

/// `GET /console/organizations/{id}/activity`: the organization's own log.
pub async fn activity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<ActivityQuery>,
) -> PageResult {
    let (visitor, organization) = open(&state, &headers, &id).await?;
    let filter = ActivityFilter {
        organization_id: Some(organization.id.as_uuid()),
        ..ActivityFilter::default()
    };
    let base = format!("/console/organizations/{}/activity?", organization.id);
    let view = activity_view(&state, &visitor, &filter, query.before, base).await?;
    page(
        &state,
        &visitor,
        organization,
        "activity",
        OrganizationBody::Activity(view),
    )
    .await
}

/// A page of the log that `filter` selects, newest first.
pub async fn activity_view(
    state: &AppState,
    visitor: &Visitor,
    filter: &ActivityFilter,
    before: Option<i64>,
    base: String,
) -> Result<ActivityView, crate::web::page::PageError> {
    let actor = visitor.actor();
    let rows = state
        .app
        .list_activity(actor, filter, before, Some(ACTIVITY_PER_PAGE))
        .await?;
    let members: HashMap<Uuid, String> = state
        .app
        .list_members(actor)
        .await?
        .into_iter()
        .map(|m| (m.id.as_uuid(), m.name))
        .collect();
    let next_before = if rows.len() as u64 == ACTIVITY_PER_PAGE {
        rows.last().map(|r| r.seq)
    } else {
        None
    };
    let entries = rows
        .into_iter()
        .map(|row| activity_line(row, &members))
        .collect();
    Ok(ActivityView {
        entries,
        next_before,
        base,
    })
}

fn activity_line(row: ActivityEntry, members: &HashMap<Uuid, String>) -> ActivityLine {
    let real_actor = row.real_actor_id.map(|id| {
        members
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "a former member".to_owned())
    });
    let changes = match &row.changes {
        serde_json::Value::Object(fields) if !fields.is_empty() => row.changes.to_string(),
        _ => String::new(),
    };
    ActivityLine {
        at: when(row.created_at),
        actor: row.actor_label,
        real_actor,
        action: row.action,
        target: row.target_label,
        changes,
    }
}

/// The member and the organization named in the path; a foreign or unknown id is 404.
async fn open(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> Result<(Visitor, Organization), crate::web::page::PageError> {
    let visitor = member(state, headers).await?;
    let id = Uuid::parse_str(id).map_err(|_| not_found())?;
    let organization = state
        .app
        .organization(visitor.actor(), OrganizationId::from(id))
        .await?;
    Ok((visitor, organization))
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    organization: Organization,
    tab: &str,
    body: OrganizationBody,
) -> PageResult {
    let base = format!("/console/organizations/{}", organization.id);
    let actor = visitor.actor();
    let may_read_log = authorize(
        actor,
        Action::ReadActivityLog,
        &Resource::Workspace(actor.workspace_id),
    )
    .is_ok();
    let mut tabs = vec![
        (base.clone(), "Users", tab.is_empty()),
        (format!("{base}/teams"), "Teams", tab == "teams"),
        (format!("{base}/settings"), "Org Info", tab == "settings"),
        (format!("{base}/access"), "Access review", tab == "access"),
    ];
    if may_read_log {
        tabs.push((format!("{base}/activity"), "Activity", tab == "activity"));
    }
    let page = OrganizationPage {
        chrome: chrome(state, visitor, organization.name.clone(), "/console").await?,
        org_name: organization.name,
        user_count: organization.user_count,
        agent_count: organization.agent_count,
        tabs,
        body,
    };
    Ok(page.into_response())
}
