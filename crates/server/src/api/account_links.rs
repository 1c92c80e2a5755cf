//! Invitations, password resets and "Log in as": the routes that send single-use links and
//! the ones that redeem them. Links are built from the configured URLs, never from the request.

use crate::api::rfc3339;
use crate::api::sessions::created_session;
use crate::api::two_factor::second_factor_needed;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use clientele_app::identity::auth::SignInStep;
use clientele_app::identity::invitations::{
    Acceptance, Accepted, InvitationSent, MemberInvitation,
};
use clientele_domain::{AccountTokenId, ClientUserId, MemberRole, WorkspaceId};
use clientele_store::identity::sessions::SessionAccount;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TokenQuery {
    /// The token from the link.
    pub token: String,
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

/// The account a link signed in.
#[derive(Serialize, ToSchema)]
pub struct LinkSignInResponse {
    /// `member` (the agency console) or `client_user` (the client dashboard).
    pub account_kind: String,
    pub account_id: Uuid,
    pub workspace_id: Uuid,
    /// Send this in `x-csrf-token` with every request that changes something.
    pub csrf_token: String,
    pub expires_at: String,
}

fn signed_in(headers: &HeaderMap, accepted: Accepted) -> Response {
    let signed_in = match accepted.signed_in {
        SignInStep::SignedIn(signed_in) => signed_in,
        SignInStep::SecondFactor(challenge) => return second_factor_needed(challenge),
    };
    let (kind, id) = match signed_in.account {
        SessionAccount::Member(id) => ("member", id.as_uuid()),
        SessionAccount::ClientUser(id) => ("client_user", id.as_uuid()),
    };
    let body = LinkSignInResponse {
        account_kind: kind.to_owned(),
        account_id: id,
        workspace_id: accepted.workspace_id.as_uuid(),
        csrf_token: signed_in.csrf_token.clone(),
        expires_at: rfc3339(signed_in.expires_at),
    };
    created_session(&signed_in.token, headers, body, signed_in.expires_at).into_response()
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientResetRequest {
    /// Needed only off the workspace's dashboard domain: the workspace's slug.
    pub workspace: Option<String>,
    pub email: String,
}

/// Always the same answer, whether or not the address has an account.
#[derive(Serialize, ToSchema)]
pub struct ResetRequestedResponse {
    pub message: String,
}

fn reset_requested() -> (StatusCode, Json<ResetRequestedResponse>) {
    (
        StatusCode::ACCEPTED,
        Json(ResetRequestedResponse {
            message: "If the address has an account, a link to reset its password is on its way. It works once, for one hour.".to_owned(),
        }),
    )
}

/// Asks for a password-reset email for an agency account.
#[utoipa::path(post, path = "/api/v1/password-resets", tag = "invitations", operation_id = "requestPasswordReset",
    request_body = ResetRequest,
    responses((status = 202, body = ResetRequestedResponse),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn request_reset(
    State(state): State<AppState>,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<(StatusCode, Json<ResetRequestedResponse>), Problem> {
    state
        .app
        .request_member_password_reset(&request.email, &origin)
        .await?;
    Ok(reset_requested())
}

/// Asks for a password-reset email for a client user, in the workspace's brand. On a
/// dashboard domain the workspace is the one that domain belongs to.
#[utoipa::path(post, path = "/api/v1/dashboard/password-resets", tag = "invitations", operation_id = "requestClientPasswordReset",
    request_body = ClientResetRequest,
    responses((status = 202, body = ResetRequestedResponse),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn request_client_reset(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ClientResetRequest>,
) -> Result<(StatusCode, Json<ResetRequestedResponse>), Problem> {
    let workspace = dashboard_workspace(&state, &headers, request.workspace.as_deref()).await?;
    match workspace {
        Some(workspace_id) => {
            state
                .app
                .request_client_password_reset(workspace_id, &request.email, &origin)
                .await?
        }
        None if request.workspace.is_none() => {
            return Err(Problem::invalid_field(
                "workspace",
                "this address serves no client dashboard: name the workspace".to_owned(),
            ));
        }
        None => {}
    }
    Ok(reset_requested())
}

/// The workspace a dashboard request is for: the one its host serves, else the named one.
pub(crate) async fn dashboard_workspace(
    state: &AppState,
    headers: &HeaderMap,
    slug: Option<&str>,
) -> Result<Option<WorkspaceId>, Problem> {
    if let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok())
        && let Some(id) = state.app.workspace_for_host(host).await?
    {
        return Ok(Some(id));
    }
    match slug {
        Some(slug) => Ok(state.app.workspace_by_slug(slug).await?),
        None => Ok(None),
    }
}

/// Whose password a reset link resets.
#[derive(Serialize, ToSchema)]
pub struct ResetDetailsResponse {
    pub email: String,
    /// `member` or `client_user`.
    pub account_kind: String,
    pub language: String,
}

/// Checks a reset link without using it.
#[utoipa::path(get, path = "/api/v1/password-reset", tag = "invitations", operation_id = "getPasswordReset",
    params(TokenQuery),
    responses((status = 200, body = ResetDetailsResponse),
        (status = 400, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 410, description = "The link is unknown, used, replaced or expired", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_reset(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TokenQuery>,
) -> Result<Json<ResetDetailsResponse>, Problem> {
    let details = state.app.password_reset(&query.token).await?;
    Ok(Json(ResetDetailsResponse {
        email: details.email,
        account_kind: if details.is_member {
            "member"
        } else {
            "client_user"
        }
        .to_owned(),
        language: details.language.as_str().to_owned(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteResetRequest {
    pub token: String,
    pub password: String,
}

/// Sets a new password with a reset link: every other session of the account ends, and this
/// one is signed in.
#[utoipa::path(post, path = "/api/v1/password-reset/complete", tag = "invitations", operation_id = "completePasswordReset",
    request_body = CompleteResetRequest,
    responses((status = 201, description = "Password set and signed in", body = LinkSignInResponse),
        (status = 410, description = "The link is unknown, used, replaced or expired", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn complete_reset(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<CompleteResetRequest>,
) -> Result<impl IntoResponse, Problem> {
    let accepted = state
        .app
        .reset_password(&request.token, request.password, &origin)
        .await?;
    Ok(signed_in(&headers, accepted))
}

/// A preview ready to open.
#[derive(Serialize, ToSchema)]
pub struct PreviewResponse {
    /// Open this in the browser: it signs in to the client dashboard as the user, once.
    pub url: String,
    /// The link must be opened before this; the preview itself then lasts up to an hour.
    pub expires_at: String,
}

/// "Log in as": starts a preview of the client dashboard as this user (signed-in agency
/// members). The preview is logged, marked with the member, and ends within an hour.
#[utoipa::path(post, path = "/api/v1/client-users/{id}/preview", tag = "invitations", operation_id = "previewClientUser",
    security(("session" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 201, body = PreviewResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The user is disabled", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<PreviewResponse>), Problem> {
    let started = state
        .app
        .start_preview(&caller.actor, ClientUserId::from(id), &origin)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(PreviewResponse {
            url: started.url,
            expires_at: rfc3339(started.expires_at),
        }),
    ))
}
