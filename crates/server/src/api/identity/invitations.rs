//! Invitations: sending (and resending) a client user's or a future member's invitation,
//! listing and withdrawing open ones, and checking and accepting a link.

use crate::api::identity::account_links::{LinkSignInResponse, TokenQuery, signed_in};
use crate::api::rfc3339;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use clientele_app::identity::invitations::{Acceptance, InvitationSent, MemberInvitation};
use clientele_domain::{AccountTokenId, ClientUserId, MemberRole};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// An invitation just sent, or waiting in the outbox when no SMTP server is set.
#[derive(Serialize, ToSchema)]
pub struct InvitationResponse {
    pub id: Uuid,
    pub email: String,
    pub expires_at: String,
    /// The email, in the outbox.
    pub outbox_id: Uuid,
    /// Whether an earlier link was voided by this one.
    pub replaced_previous: bool,
}

impl From<InvitationSent> for InvitationResponse {
    fn from(sent: InvitationSent) -> Self {
        Self {
            id: sent.id.as_uuid(),
            email: sent.email,
            expires_at: rfc3339(sent.expires_at),
            outbox_id: sent.outbox_id.as_uuid(),
            replaced_previous: sent.replaced,
        }
    }
}

/// Sends (or resends) a client user's invitation; a resend voids the previous link.
#[utoipa::path(post, path = "/api/v1/client-users/{id}/invitation", tag = "invitations", operation_id = "inviteClientUser",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 201, body = InvitationResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The user is disabled", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn invite_client_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<InvitationResponse>), Problem> {
    let sent = state
        .app
        .invite_client_user(&caller.actor, ClientUserId::from(id), &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(sent.into())))
}

/// An open invitation to join the workspace.
#[derive(Serialize, ToSchema)]
pub struct MemberInvitationResponse {
    pub id: Uuid,
    pub email: String,
    #[schema(value_type = String, example = "member")]
    pub role: MemberRole,
    pub created_at: String,
    pub expires_at: String,
}

impl From<MemberInvitation> for MemberInvitationResponse {
    fn from(i: MemberInvitation) -> Self {
        Self {
            id: i.id.as_uuid(),
            email: i.email,
            role: i.role,
            created_at: rfc3339(i.created_at),
            expires_at: rfc3339(i.expires_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberInvitationListResponse {
    pub invitations: Vec<MemberInvitationResponse>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteMemberRequest {
    pub email: String,
    /// `admin` or `member`.
    #[schema(value_type = String, example = "member")]
    pub role: MemberRole,
}

/// The workspace's open invitations (agency accounts).
#[utoipa::path(get, path = "/api/v1/member-invitations", tag = "invitations", operation_id = "listMemberInvitations",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = MemberInvitationListResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list_member_invitations(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<MemberInvitationListResponse>, Problem> {
    let invitations = state.app.member_invitations(&caller.actor).await?;
    Ok(Json(MemberInvitationListResponse {
        invitations: invitations.into_iter().map(Into::into).collect(),
    }))
}

/// Invites someone to join the workspace (owner and admins); resending voids the last link.
#[utoipa::path(post, path = "/api/v1/member-invitations", tag = "invitations", operation_id = "inviteMember",
    security(("session" = []), ("api_key" = [])), request_body = InviteMemberRequest,
    responses((status = 201, body = InvitationResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The address already has an account", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn invite_member(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<InviteMemberRequest>,
) -> Result<(StatusCode, Json<InvitationResponse>), Problem> {
    let sent = state
        .app
        .invite_member(&caller.actor, &request.email, request.role, &origin)
        .await?;
    Ok((StatusCode::CREATED, Json(sent.into())))
}

/// Withdraws an open invitation; its link stops working.
#[utoipa::path(delete, path = "/api/v1/member-invitations/{id}", tag = "invitations", operation_id = "revokeMemberInvitation",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The invitation")),
    responses((status = 204, description = "Withdrawn"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn revoke_member_invitation(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .revoke_member_invitation(&caller.actor, AccountTokenId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What an invitation link is for.
#[derive(Serialize, ToSchema)]
pub struct InvitationDetailsResponse {
    pub email: String,
    /// The invitee must choose a password.
    pub needs_password: bool,
    /// The invitee must give their name (an invitation to the agency's workspace).
    pub needs_name: bool,
    /// The language of the page that shows it.
    pub language: String,
}

/// Checks an invitation link without using it: 410 says whether it was used, replaced or
/// has expired.
#[utoipa::path(get, path = "/api/v1/invitation", tag = "invitations", operation_id = "getInvitation",
    params(TokenQuery),
    responses((status = 200, body = InvitationDetailsResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 410, description = "The link is unknown, used, replaced or expired", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_invitation(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> Result<Json<InvitationDetailsResponse>, Problem> {
    let details = state.app.invitation(&query.token).await?;
    Ok(Json(InvitationDetailsResponse {
        email: details.email,
        needs_password: details.needs_password,
        needs_name: details.needs_name,
        language: details.language.as_str().to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptInvitationRequest {
    pub token: String,
    /// Required for an invitation to the agency's workspace.
    pub name: Option<String>,
    /// Required when no password is set yet.
    pub password: Option<String>,
}

/// Accepts an invitation: sets the password when none was set, uses the link up and signs in
/// (sets the session cookie).
#[utoipa::path(post, path = "/api/v1/invitation/accept", tag = "invitations", operation_id = "acceptInvitation",
    request_body = AcceptInvitationRequest,
    responses((status = 201, description = "Signed in", body = LinkSignInResponse),
        (status = 409, description = "The address already has an account", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 410, description = "The link is unknown, used, replaced or expired", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<AcceptInvitationRequest>,
) -> Result<impl IntoResponse, Problem> {
    let acceptance = Acceptance {
        name: request.name,
        password: request.password,
    };
    let accepted = state
        .app
        .accept_invitation(&request.token, acceptance, &origin)
        .await?;
    Ok(signed_in(&headers, accepted))
}
