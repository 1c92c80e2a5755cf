//! Client users: an organization's people, their permissions and agent access, bulk import,
//! and the access review.

use crate::api::workspace::images::url_of;
use crate::api::{nullable, rfc3339};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::request::MAX_BODY_BYTES;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clientele_app::clients::access_report::{AccessReport, to_csv};
use clientele_app::clients::client_users::{
    ClientUserListRequest, ClientUserPatch, ClientUserView, NewClientUserInput,
};
use clientele_app::clients::teams::Membership;
use clientele_domain::{
    AgentAccess, AgentId, ClientUserId, ClientUserStatus, OrganizationId, Permission, TeamId,
    TeamRole,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A client user of an organization.
#[derive(Serialize, ToSchema)]
pub struct ClientUserResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    /// The login, lowercase.
    pub email: String,
    /// `invited` (no password yet), `active` or `disabled`.
    #[schema(value_type = String, example = "active")]
    pub status: ClientUserStatus,
    /// The sections the user may open, and `org_admin` when they manage the organization.
    #[schema(value_type = Vec<String>, example = json!(["home", "analytics"]))]
    pub permissions: Vec<Permission>,
    /// `all` of the organization's agents, or the `selected` ones in `agent_ids`.
    #[schema(value_type = String, example = "all")]
    pub agent_access: AgentAccess,
    pub agent_ids: Vec<Uuid>,
    pub teams: Vec<UserTeamResponse>,
    pub image_id: Option<String>,
    pub image_url: Option<String>,
    pub last_sign_in_at: Option<String>,
    /// The latest invitation emailed to the user, if any.
    pub invitation: Option<InvitationStateResponse>,
    /// The user signs in with a second factor (`DELETE .../two-factor` resets a lost one).
    pub two_factor_enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Where a user's latest invitation stands.
#[derive(Serialize, ToSchema)]
pub struct InvitationStateResponse {
    /// `pending`, `accepted`, `expired` or `revoked` (replaced by a newer one or withdrawn).
    #[schema(example = "pending")]
    pub status: String,
    pub sent_at: String,
    pub expires_at: String,
}

/// A team a user is in, with their role in it.
#[derive(Serialize, ToSchema)]
pub struct UserTeamResponse {
    pub id: Uuid,
    pub name: String,
    /// `member` or `lead`.
    #[schema(value_type = String, example = "member")]
    pub role: TeamRole,
}

impl From<&Membership> for UserTeamResponse {
    fn from(row: &Membership) -> Self {
        Self {
            id: row.team_id.as_uuid(),
            name: row.team_name.clone(),
            role: row.role,
        }
    }
}

impl From<ClientUserView> for ClientUserResponse {
    fn from(view: ClientUserView) -> Self {
        let user = view.user;
        Self {
            id: user.id.as_uuid(),
            organization_id: user.organization_id.as_uuid(),
            permissions: user.permissions.iter().collect(),
            last_sign_in_at: user.last_sign_in_at.map(rfc3339),
            name: user.name,
            email: user.email,
            status: user.status,
            agent_access: user.agent_access,
            agent_ids: view.agent_ids.iter().map(AgentId::as_uuid).collect(),
            teams: view.teams.iter().map(Into::into).collect(),
            two_factor_enabled: view.two_factor,
            invitation: view.invitation.map(|i| InvitationStateResponse {
                status: i.status.to_owned(),
                sent_at: rfc3339(i.sent_at),
                expires_at: rfc3339(i.expires_at),
            }),
            image_url: user.image_id.as_deref().map(url_of),
            image_id: user.image_id,
            created_at: rfc3339(user.created_at),
            updated_at: rfc3339(user.updated_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ClientUserListResponse {
    pub users: Vec<ClientUserResponse>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only users whose name or email contains this text, ignoring case.
    pub q: Option<String>,
    /// Only users holding this flag.
    pub permission: Option<String>,
    /// Only users with this status: `invited`, `active` or `disabled`.
    pub status: Option<String>,
    /// Only members of this team.
    pub team_id: Option<Uuid>,
    /// From the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Users per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Only users whose email starts with this text, ignoring case.
    pub email: Option<String>,
    /// From the `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Users per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClientUserRequest {
    /// 1 to 120 characters.
    pub name: String,
    /// The login; unique in the workspace, whatever its case.
    pub email: String,
    /// Without one the user is `invited` and sets a password through their invitation.
    pub password: Option<String>,
    /// An uploaded image's id.
    pub image_id: Option<String>,
    /// Flags to grant; only sections the organization's plan has. Default: `["home"]`.
    pub permissions: Option<Vec<String>>,
    /// Instead of `permissions`: a preset (see `GET /api/v1/permission-presets`), limited to
    /// the organization's plan.
    pub preset: Option<String>,
    /// `all` (default) or `selected`.
    pub agent_access: Option<String>,
    /// With `selected`: agents assigned to the organization.
    pub agent_ids: Option<Vec<Uuid>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientUserRequest {
    pub name: Option<String>,
    pub email: Option<String>,
    /// Sets the password (an invited user becomes active) and ends the user's sessions.
    pub password: Option<String>,
    /// An uploaded image's id, or `null` to remove the image.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub image_id: Option<Option<String>>,
    pub permissions: Option<Vec<String>>,
    pub preset: Option<String>,
    pub agent_access: Option<String>,
    /// The chosen agents; implies `selected` when `agent_access` is not given.
    pub agent_ids: Option<Vec<Uuid>>,
}

/// What an import created.
#[derive(Serialize, ToSchema)]
pub struct ImportResponse {
    pub created: usize,
    pub users: Vec<ImportedUser>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportedUser {
    pub id: Uuid,
    pub email: String,
}

/// A named set of flags to start a user from.
#[derive(Serialize, ToSchema)]
pub struct PermissionPresetResponse {
    pub id: String,
    pub title: String,
    #[schema(value_type = Vec<String>)]
    pub permissions: Vec<Permission>,
}

fn agent_ids(ids: Option<Vec<Uuid>>) -> Option<Vec<AgentId>> {
    ids.map(|ids| ids.into_iter().map(AgentId::from).collect())
}

/// Lists an organization's users by name (agency accounts and the organization's admins).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/users", tag = "client users", operation_id = "listClientUsers",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization"), ListQuery),
    responses((status = 200, body = ClientUserListResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<ClientUserListResponse>, Problem> {
    let request = ClientUserListRequest {
        search: query.q,
        permission: query.permission,
        status: query.status,
        team_id: query.team_id.map(TeamId::from),
        cursor: query.cursor,
        limit: query.limit,
    };
    let page = state
        .app
        .list_client_users(&caller.actor, OrganizationId::from(id), request)
        .await?;
    Ok(Json(ClientUserListResponse {
        users: page.users.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Adds a user to an organization (agency accounts and the organization's admins).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/users", tag = "client users", operation_id = "createClientUser",
    security(("session" = []), ("api_key" = [])), request_body = CreateClientUserRequest,
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 201, body = ClientUserResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken in this workspace", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CreateClientUserRequest>,
) -> Result<(StatusCode, Json<ClientUserResponse>), Problem> {
    let input = NewClientUserInput {
        name: request.name,
        email: request.email,
        password: request.password,
        image_id: request.image_id,
        permissions: request.permissions,
        preset: request.preset,
        agent_access: request.agent_access,
        agent_ids: agent_ids(request.agent_ids),
    };
    let user = state
        .app
        .create_client_user(&caller.actor, OrganizationId::from(id), input, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// Adds up to 1,000 invited users from a CSV file with the columns `name`, `email`, and
/// optionally `permissions` and `teams` (several values separated by `;`). All or nothing:
/// when any row is wrong nothing is written, and each error names its line of the file as
/// `line N: column` (the header is line 1).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/users/import", tag = "client users", operation_id = "importClientUsers",
    security(("session" = []), ("api_key" = [])),
    request_body(content = String, description = "The CSV file", content_type = "text/csv"),
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 201, body = ImportResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 413, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "The file, or some of its rows, are invalid", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn import(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    body: Body,
) -> Result<(StatusCode, Json<ImportResponse>), Problem> {
    let file = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| Problem::too_large("file", "must be at most 2 MiB"))?;
    let imported = state
        .app
        .import_client_users(&caller.actor, OrganizationId::from(id), &file, &origin)
        .await?;
    let users: Vec<ImportedUser> = imported
        .users
        .into_iter()
        .map(|(id, email)| ImportedUser {
            id: id.as_uuid(),
            email,
        })
        .collect();
    Ok((
        StatusCode::CREATED,
        Json(ImportResponse {
            created: users.len(),
            users,
        }),
    ))
}

/// Searches the users of every organization by the start of their email (agency accounts).
#[utoipa::path(get, path = "/api/v1/client-users", tag = "client users", operation_id = "searchClientUsers",
    security(("session" = []), ("api_key" = [])), params(SearchQuery),
    responses((status = 200, body = ClientUserListResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<ClientUserListResponse>, Problem> {
    let page = state
        .app
        .search_client_users(&caller.actor, query.email, query.cursor, query.limit)
        .await?;
    Ok(Json(ClientUserListResponse {
        users: page.users.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Reads a user (agency accounts and the organization's admins).
#[utoipa::path(get, path = "/api/v1/client-users/{id}", tag = "client users", operation_id = "getClientUser",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 200, body = ClientUserResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ClientUserResponse>, Problem> {
    let user = state
        .app
        .client_user(&caller.actor, ClientUserId::from(id))
        .await?;
    Ok(Json(user.into()))
}

/// Changes a user's name, email, password, image, permissions or agent access (agency
/// accounts and the organization's admins; the last org admin cannot be demoted by one).
#[utoipa::path(patch, path = "/api/v1/client-users/{id}", tag = "client users", operation_id = "updateClientUser",
    security(("session" = []), ("api_key" = [])), request_body = UpdateClientUserRequest,
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 200, body = ClientUserResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken, or the last org admin would be demoted", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateClientUserRequest>,
) -> Result<Json<ClientUserResponse>, Problem> {
    let patch = ClientUserPatch {
        name: request.name,
        email: request.email,
        password: request.password,
        image_id: request.image_id,
        permissions: request.permissions,
        preset: request.preset,
        agent_access: request.agent_access,
        agent_ids: agent_ids(request.agent_ids),
    };
    let user = state
        .app
        .update_client_user(&caller.actor, ClientUserId::from(id), patch, &origin)
        .await?;
    Ok(Json(user.into()))
}

/// Deletes a user: their sessions end and they leave their teams; the activity log keeps
/// their name (agency accounts and the organization's admins).
#[utoipa::path(delete, path = "/api/v1/client-users/{id}", tag = "client users", operation_id = "deleteClientUser",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 204, description = "Deleted"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The organization's last org admin", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .delete_client_user(&caller.actor, ClientUserId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Disables a user and ends their sessions at once (agency accounts and the organization's
/// admins).
#[utoipa::path(post, path = "/api/v1/client-users/{id}/disable", tag = "client users", operation_id = "disableClientUser",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 200, body = ClientUserResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The organization's last org admin", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn disable(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ClientUserResponse>, Problem> {
    let user = state
        .app
        .set_client_user_enabled(&caller.actor, ClientUserId::from(id), false, &origin)
        .await?;
    Ok(Json(user.into()))
}

/// Enables a disabled user again: `active`, or `invited` when they never set a password.
#[utoipa::path(post, path = "/api/v1/client-users/{id}/enable", tag = "client users", operation_id = "enableClientUser",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 200, body = ClientUserResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn enable(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ClientUserResponse>, Problem> {
    let user = state
        .app
        .set_client_user_enabled(&caller.actor, ClientUserId::from(id), true, &origin)
        .await?;
    Ok(Json(user.into()))
}

/// Lists the teams a user is in, with their role in each.
#[utoipa::path(get, path = "/api/v1/client-users/{id}/teams", tag = "client users", operation_id = "listClientUserTeams",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 200, body = Vec<UserTeamResponse>),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn teams(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<UserTeamResponse>>, Problem> {
    let teams = state
        .app
        .client_user_teams(&caller.actor, ClientUserId::from(id))
        .await?;
    Ok(Json(teams.iter().map(Into::into).collect()))
}

/// Lists the permission presets a user's flags can be filled from.
#[utoipa::path(get, path = "/api/v1/permission-presets", tag = "client users", operation_id = "listPermissionPresets",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = Vec<PermissionPresetResponse>),
        (status = 401, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn presets(
    State(state): State<AppState>,
    Caller(_caller): Caller,
) -> Json<Vec<PermissionPresetResponse>> {
    Json(
        state
            .app
            .permission_presets()
            .into_iter()
            .map(|(preset, permissions)| PermissionPresetResponse {
                id: preset.as_str().to_owned(),
                title: preset.title().to_owned(),
                permissions: permissions.iter().collect(),
            })
            .collect(),
    )
}

/// An organization's access review.
#[derive(Serialize, ToSchema)]
pub struct AccessReportResponse {
    pub organization_id: Uuid,
    pub organization_name: String,
    pub generated_at: String,
    pub summary: AccessSummary,
    pub users: Vec<AccessReportLine>,
}

#[derive(Serialize, ToSchema)]
pub struct AccessSummary {
    pub users: usize,
    pub org_admins: usize,
    /// Users with at least one flag.
    pub flagged: usize,
}

/// One user of the review.
#[derive(Serialize, ToSchema)]
pub struct AccessReportLine {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    #[schema(value_type = String)]
    pub status: ClientUserStatus,
    #[schema(value_type = Vec<String>)]
    pub permissions: Vec<Permission>,
    #[schema(value_type = String)]
    pub agent_access: AgentAccess,
    /// The agents the user may use now.
    pub agents: Vec<NamedAgent>,
    pub teams: Vec<UserTeamResponse>,
    pub last_sign_in_at: Option<String>,
    /// `excess_org_admin` (an org admin beyond the first two) and `never_signed_in` (added
    /// over 30 days ago, never signed in).
    pub flags: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NamedAgent {
    pub id: Uuid,
    pub name: String,
}

impl From<AccessReport> for AccessReportResponse {
    fn from(report: AccessReport) -> Self {
        let users: Vec<AccessReportLine> = report
            .lines
            .into_iter()
            .map(|line| {
                let user = &line.user.user;
                AccessReportLine {
                    id: user.id.as_uuid(),
                    name: user.name.clone(),
                    email: user.email.clone(),
                    status: user.status,
                    permissions: user.permissions.iter().collect(),
                    agent_access: user.agent_access,
                    agents: line
                        .agents
                        .into_iter()
                        .map(|(id, name)| NamedAgent {
                            id: id.as_uuid(),
                            name,
                        })
                        .collect(),
                    teams: line.user.teams.iter().map(Into::into).collect(),
                    last_sign_in_at: user.last_sign_in_at.map(rfc3339),
                    flags: line.flags.iter().map(|f| f.as_str().to_owned()).collect(),
                }
            })
            .collect();
        Self {
            organization_id: report.organization.id.as_uuid(),
            organization_name: report.organization.name,
            generated_at: rfc3339(report.generated_at),
            summary: AccessSummary {
                users: users.len(),
                org_admins: users
                    .iter()
                    .filter(|u| u.permissions.contains(&Permission::OrgAdmin))
                    .count(),
                flagged: users.iter().filter(|u| !u.flags.is_empty()).count(),
            },
            users,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// `json` (default) or `csv`; `Accept: text/csv` also asks for CSV.
    pub format: Option<String>,
}

/// Every user of an organization with status, permissions, agents, teams and last sign-in,
/// flagged where least privilege slips; as JSON or CSV (agency accounts and the
/// organization's admins).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/access-report", tag = "client users", operation_id = "getAccessReport",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization"), ReportQuery),
    responses((status = 200, content(
            (AccessReportResponse = "application/json"),
            (String = "text/csv"))),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn access_report(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<ReportQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let csv = match query.format.as_deref() {
        Some("csv") => true,
        Some("json") => false,
        Some(_) => {
            return Err(clientele_app::AppError::invalid("format", "must be json or csv").into());
        }
        None => headers
            .get(header::ACCEPT)
            .and_then(|a| a.to_str().ok())
            .is_some_and(|a| a.contains("text/csv")),
    };
    let report = state
        .app
        .access_report(&caller.actor, OrganizationId::from(id))
        .await?;
    if !csv {
        return Ok(Json(AccessReportResponse::from(report)).into_response());
    }
    let body = to_csv(&report)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"access-report.csv\"",
            ),
        ],
        body,
    )
        .into_response())
}
