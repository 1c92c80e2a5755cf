//! Teams of an organization's users, and their members.

use crate::api::rfc3339;
use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clientele_app::clients::teams::{Membership, Team};
use clientele_app::clients::teams::{TeamInput, TeamView};
use clientele_domain::{ClientUserId, OrganizationId, TeamId, TeamRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A team, without its members.
#[derive(Serialize, ToSchema)]
pub struct TeamResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub description: String,
    pub member_count: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Team> for TeamResponse {
    fn from(row: Team) -> Self {
        Self {
            id: row.id.as_uuid(),
            organization_id: row.organization_id.as_uuid(),
            name: row.name,
            description: row.description,
            member_count: row.member_count,
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
        }
    }
}

/// A team with its members.
#[derive(Serialize, ToSchema)]
pub struct TeamDetailResponse {
    #[serde(flatten)]
    pub team: TeamResponse,
    pub members: Vec<TeamMemberResponse>,
}

#[derive(Serialize, ToSchema)]
pub struct TeamMemberResponse {
    pub client_user_id: Uuid,
    pub name: String,
    pub email: String,
    /// `member` or `lead`.
    #[schema(value_type = String, example = "member")]
    pub role: TeamRole,
    pub added_at: String,
}

impl From<Membership> for TeamMemberResponse {
    fn from(row: Membership) -> Self {
        Self {
            client_user_id: row.client_user_id.as_uuid(),
            name: row.user_name,
            email: row.user_email,
            role: row.role,
            added_at: rfc3339(row.added_at),
        }
    }
}

impl From<TeamView> for TeamDetailResponse {
    fn from(view: TeamView) -> Self {
        Self {
            team: view.team.into(),
            members: view.members.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TeamListResponse {
    pub teams: Vec<TeamResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTeamRequest {
    /// 1 to 80 characters, unique in the organization whatever its case.
    pub name: String,
    /// Up to 500 characters.
    pub description: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTeamRequest {
    pub name: Option<String>,
    pub description: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PutTeamMemberRequest {
    /// `member` (default) or `lead`.
    pub role: Option<String>,
}

/// Lists an organization's teams by name (agency accounts and the organization's admins).
#[utoipa::path(get, path = "/api/v1/organizations/{id}/teams", tag = "teams", operation_id = "listTeams",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 200, body = TeamListResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TeamListResponse>, Problem> {
    let teams = state
        .app
        .list_teams(&caller.actor, OrganizationId::from(id))
        .await?;
    Ok(Json(TeamListResponse {
        teams: teams.into_iter().map(Into::into).collect(),
    }))
}

/// Creates a team in an organization (agency accounts and the organization's admins).
#[utoipa::path(post, path = "/api/v1/organizations/{id}/teams", tag = "teams", operation_id = "createTeam",
    security(("session" = []), ("api_key" = [])), request_body = CreateTeamRequest,
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 201, body = TeamDetailResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The organization has a team of this name", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<CreateTeamRequest>,
) -> Result<(StatusCode, Json<TeamDetailResponse>), Problem> {
    let input = TeamInput {
        name: Some(request.name),
        description: request.description,
    };
    let team = state
        .app
        .create_team(&caller.actor, OrganizationId::from(id), input, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(team.into())))
}

/// Reads a team with its members.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "teams", operation_id = "getTeam",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The team")),
    responses((status = 200, body = TeamDetailResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TeamDetailResponse>, Problem> {
    let team = state.app.team(&caller.actor, TeamId::from(id)).await?;
    Ok(Json(team.into()))
}

/// Renames or describes a team.
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "teams", operation_id = "updateTeam",
    security(("session" = []), ("api_key" = [])), request_body = UpdateTeamRequest,
    params(("id" = Uuid, Path, description = "The team")),
    responses((status = 200, body = TeamDetailResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The organization has a team of this name", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<UpdateTeamRequest>,
) -> Result<Json<TeamDetailResponse>, Problem> {
    let input = TeamInput {
        name: request.name,
        description: request.description,
    };
    let team = state
        .app
        .update_team(&caller.actor, TeamId::from(id), input, &origin)
        .await?;
    Ok(Json(team.into()))
}

/// Deletes a team; its members stay users of the organization.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "teams", operation_id = "deleteTeam",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The team")),
    responses((status = 204, description = "Deleted"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn delete(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .delete_team(&caller.actor, TeamId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts a user of the team's organization in the team, or changes their role in it.
#[utoipa::path(put, path = "/api/v1/teams/{id}/members/{client_user_id}", tag = "teams", operation_id = "putTeamMember",
    security(("session" = []), ("api_key" = [])), request_body = PutTeamMemberRequest,
    params(("id" = Uuid, Path, description = "The team"),
        ("client_user_id" = Uuid, Path, description = "A user of the team's organization")),
    responses((status = 200, body = TeamDetailResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "Not a user of the team's organization, or an unknown role", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put_member(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(request): ApiJson<PutTeamMemberRequest>,
) -> Result<Json<TeamDetailResponse>, Problem> {
    let team = state
        .app
        .put_team_member(
            &caller.actor,
            TeamId::from(id),
            ClientUserId::from(user_id),
            request.role,
            &origin,
        )
        .await?;
    Ok(Json(team.into()))
}

/// Takes a user out of a team.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{client_user_id}", tag = "teams", operation_id = "removeTeamMember",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The team"),
        ("client_user_id" = Uuid, Path, description = "A member of the team")),
    responses((status = 204, description = "Removed"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn remove_member(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath((id, user_id)): ApiPath<(Uuid, Uuid)>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .remove_team_member(
            &caller.actor,
            TeamId::from(id),
            ClientUserId::from(user_id),
            &origin,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
