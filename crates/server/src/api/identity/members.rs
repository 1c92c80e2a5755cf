//! Workspace members: the agency's accounts and their roles.

use crate::api::rfc3339;
use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use clientele_app::identity::members::Member;
use clientele_app::identity::members::NewMemberInput;
use clientele_domain::{MemberId, MemberRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An agency account (its password hash never leaves the server).
#[derive(Serialize, ToSchema)]
pub struct MemberResponse {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
    pub created_at: String,
}

impl From<Member> for MemberResponse {
    fn from(row: Member) -> Self {
        Self {
            id: row.id.as_uuid(),
            name: row.name,
            email: row.email,
            role: row.role.to_string(),
            created_at: rfc3339(row.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberListResponse {
    pub members: Vec<MemberResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    pub name: String,
    pub email: String,
    /// `admin` or `member`.
    #[schema(value_type = String)]
    pub role: MemberRole,
    /// At least 10 characters and not a common password.
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleRequest {
    /// `admin` or `member`.
    #[schema(value_type = String)]
    pub role: MemberRole,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferOwnershipRequest {
    /// The member who becomes the owner; the current owner becomes an admin.
    pub member_id: Uuid,
}

/// Lists the workspace's members.
#[utoipa::path(get, path = "/api/v1/members", tag = "members", operation_id = "listMembers",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = MemberListResponse),
        (status = 401, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<MemberListResponse>, Problem> {
    let members = state.app.list_members(&caller.actor).await?;
    Ok(Json(MemberListResponse {
        members: members.into_iter().map(MemberResponse::from).collect(),
    }))
}

/// Adds an agency account (owner and admins).
#[utoipa::path(post, path = "/api/v1/members", tag = "members", operation_id = "addMember",
    security(("session" = []), ("api_key" = [])), request_body = AddMemberRequest,
    responses((status = 201, body = MemberResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The email is taken", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn add(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<AddMemberRequest>,
) -> Result<(StatusCode, Json<MemberResponse>), Problem> {
    let input = NewMemberInput {
        name: request.name,
        email: request.email,
        role: request.role,
        password: request.password,
    };
    let member = state.app.add_member(&caller.actor, input, &origin).await?;
    Ok((StatusCode::CREATED, Json(member.into())))
}

/// Promotes or demotes a member (owner and admins; never the owner).
#[utoipa::path(patch, path = "/api/v1/members/{id}", tag = "members", operation_id = "changeMemberRole",
    security(("session" = []), ("api_key" = [])), request_body = ChangeRoleRequest,
    params(("id" = Uuid, Path, description = "The member")),
    responses((status = 200, body = MemberResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn change_role(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<ChangeRoleRequest>,
) -> Result<Json<MemberResponse>, Problem> {
    let member = state
        .app
        .change_member_role(&caller.actor, MemberId::from(id), request.role, &origin)
        .await?;
    Ok(Json(member.into()))
}

/// Removes a member; their sessions end at once (owner and admins; never the owner).
#[utoipa::path(delete, path = "/api/v1/members/{id}", tag = "members", operation_id = "removeMember",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The member")),
    responses((status = 204, description = "Removed"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn remove(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .remove_member(&caller.actor, MemberId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Makes another member the owner (the owner only).
#[utoipa::path(post, path = "/api/v1/workspace/owner", tag = "members", operation_id = "transferOwnership",
    security(("session" = [])), request_body = TransferOwnershipRequest,
    responses((status = 200, description = "The new owner", body = MemberResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn transfer_ownership(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<TransferOwnershipRequest>,
) -> Result<Json<MemberResponse>, Problem> {
    let owner = state
        .app
        .transfer_ownership(&caller.actor, MemberId::from(request.member_id), &origin)
        .await?;
    Ok(Json(owner.into()))
}
