//! Two-factor sign-in: one's own authenticator app and recovery codes, the second step of a
//! sign-in, and whether a workspace or an organization requires a second factor.

use crate::api::identity::members::MemberResponse;
use crate::api::identity::sessions::{ClientUserResponse, created_session};
use crate::api::rfc3339;
use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use clientele_app::identity::auth::SecondFactorChallenge;
use clientele_app::identity::two_factor::SecondFactorAccount;
use clientele_domain::{ClientUserId, MemberId, OrganizationId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct TwoFactorStatusResponse {
    /// An authenticator app is confirmed: sign-ins ask for its code.
    pub enabled: bool,
    /// An app was set up but not yet confirmed with a code.
    pub pending: bool,
    pub recovery_codes_left: i64,
    /// The workspace (members) or organization (client users) requires a second factor.
    pub required: bool,
}

/// Whether the caller's second factor is on (signed-in people, not API keys).
#[utoipa::path(get, path = "/api/v1/me/two-factor", tag = "sessions", operation_id = "getTwoFactor",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = TwoFactorStatusResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn status(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<TwoFactorStatusResponse>, Problem> {
    let status = state.app.two_factor_status(&caller.actor).await?;
    Ok(Json(TwoFactorStatusResponse {
        enabled: status.enabled,
        pending: status.pending,
        recovery_codes_left: status.recovery_codes_left,
        required: status.required,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct EnrollmentResponse {
    /// The secret in base32, for typing into an authenticator app.
    pub secret: String,
    /// The same as an `otpauth://` link: phones open it in the app.
    pub otpauth_url: String,
}

/// Sets up an authenticator app: a new secret, off until a code from the app confirms it.
#[utoipa::path(post, path = "/api/v1/me/two-factor", tag = "sessions", operation_id = "beginTwoFactor",
    security(("session" = []), ("api_key" = [])),
    responses((status = 201, body = EnrollmentResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "A second factor is already on", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn begin(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<(StatusCode, Json<EnrollmentResponse>), Problem> {
    let enrollment = state.app.begin_two_factor(&caller.actor).await?;
    Ok((
        StatusCode::CREATED,
        Json(EnrollmentResponse {
            secret: enrollment.secret,
            otpauth_url: enrollment.otpauth_url,
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// The six digits the app shows now, or (to turn it off or sign in) a recovery code.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct RecoveryCodesResponse {
    /// Ten single-use codes for when the app is lost; shown this once.
    pub recovery_codes: Vec<String>,
}

/// Turns the second factor on with a code from the app; returns the recovery codes once.
#[utoipa::path(post, path = "/api/v1/me/two-factor/confirm", tag = "sessions", operation_id = "confirmTwoFactor",
    security(("session" = []), ("api_key" = [])), request_body = CodeRequest,
    responses((status = 200, body = RecoveryCodesResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "The code does not match", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn confirm(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodesResponse>, Problem> {
    let codes = state
        .app
        .confirm_two_factor(&caller.actor, &request.code, &origin)
        .await?;
    Ok(Json(RecoveryCodesResponse {
        recovery_codes: codes,
    }))
}

/// Turns the second factor off, with a current or recovery code; refused while required.
#[utoipa::path(post, path = "/api/v1/me/two-factor/disable", tag = "sessions", operation_id = "disableTwoFactor",
    security(("session" = []), ("api_key" = [])), request_body = CodeRequest,
    responses((status = 204, description = "Off"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, description = "No second factor is set up", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "The code does not match", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn disable(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .disable_two_factor(&caller.actor, &request.code, &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the caller's recovery codes with ten new ones, with a current or recovery code;
/// the old ones stop working.
#[utoipa::path(post, path = "/api/v1/me/two-factor/recovery-codes", tag = "sessions", operation_id = "regenerateRecoveryCodes",
    security(("session" = []), ("api_key" = [])), request_body = CodeRequest,
    responses((status = 200, body = RecoveryCodesResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, description = "No second factor is on", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "The code does not match", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn regenerate(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<CodeRequest>,
) -> Result<Json<RecoveryCodesResponse>, Problem> {
    let codes = state
        .app
        .regenerate_recovery_codes(&caller.actor, &request.code, &origin)
        .await?;
    Ok(Json(RecoveryCodesResponse {
        recovery_codes: codes,
    }))
}

/// Removes a member's second factor when they lost their app and recovery codes (owner and
/// admins, signed in; never the owner's): their sessions end and they are told by email.
#[utoipa::path(delete, path = "/api/v1/members/{id}/two-factor", tag = "members", operation_id = "resetMemberTwoFactor",
    security(("session" = [])),
    params(("id" = Uuid, Path, description = "The member")),
    responses((status = 204, description = "Reset: the next sign-in sets it up again where required"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "No second factor to reset", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn reset_member(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .reset_member_two_factor(&caller.actor, MemberId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a client user's second factor when they lost their app and recovery codes (the
/// agency, signed in): their sessions end and they are told by email.
#[utoipa::path(delete, path = "/api/v1/client-users/{id}/two-factor", tag = "client users", operation_id = "resetClientUserTwoFactor",
    security(("session" = [])),
    params(("id" = Uuid, Path, description = "The client user")),
    responses((status = 204, description = "Reset: the next sign-in sets it up again where required"),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "No second factor to reset", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn reset_client_user(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, Problem> {
    state
        .app
        .reset_client_user_two_factor(&caller.actor, ClientUserId::from(id), &origin)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The first step's answer when the account has a second factor: no session yet.
#[derive(Serialize, ToSchema)]
pub struct SecondFactorResponse {
    pub second_factor: ChallengeResponse,
}

#[derive(Serialize, ToSchema)]
pub struct ChallengeResponse {
    /// Send it with the code to `POST /api/v1/sessions/second-factor`.
    pub challenge: String,
    pub expires_at: String,
}

/// 202 with the challenge a right password earned.
pub(crate) fn second_factor_needed(challenge: SecondFactorChallenge) -> Response {
    let body = SecondFactorResponse {
        second_factor: ChallengeResponse {
            challenge: challenge.challenge.reveal().to_owned(),
            expires_at: rfc3339(challenge.expires_at),
        },
    };
    (StatusCode::ACCEPTED, Json(body)).into_response()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecondFactorRequest {
    pub challenge: String,
    /// The app's current code, or a recovery code.
    pub code: String,
}

#[derive(Serialize, ToSchema)]
pub struct SecondFactorSignInResponse {
    /// Set when an agency account signed in.
    pub member: Option<MemberResponse>,
    /// Set when a client user signed in.
    pub user: Option<ClientUserResponse>,
    pub csrf_token: String,
    pub expires_at: String,
}

/// Completes a sign-in with the second factor; sets the session cookie. Wrong codes are
/// throttled like wrong passwords.
#[utoipa::path(post, path = "/api/v1/sessions/second-factor", tag = "sessions", operation_id = "completeSecondFactor",
    request_body = SecondFactorRequest,
    responses((status = 201, description = "Signed in; the session cookie is set", body = SecondFactorSignInResponse),
        (status = 401, description = "The code is wrong", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 410, description = "The challenge expired or was used", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn complete(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SecondFactorRequest>,
) -> Result<impl IntoResponse, Problem> {
    let signed_in = state
        .app
        .complete_second_factor(&request.challenge, &request.code, &origin)
        .await?;
    let (member, user) = match signed_in.account {
        SecondFactorAccount::Member(member) => (Some(MemberResponse::from(member)), None),
        SecondFactorAccount::ClientUser(user) => (None, Some(ClientUserResponse::from(user))),
    };
    let body = SecondFactorSignInResponse {
        member,
        user,
        csrf_token: signed_in.csrf_token,
        expires_at: rfc3339(signed_in.expires_at),
    };
    Ok(created_session(
        &signed_in.token,
        &headers,
        body,
        signed_in.expires_at,
    ))
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityDocument {
    /// Every member (of a workspace) or user (of an organization) must sign in with a second
    /// factor; those without one are asked to set it up at their next request.
    pub require_two_factor: bool,
}

/// Whether the workspace requires a second factor of its members (agency accounts).
#[utoipa::path(get, path = "/api/v1/workspace/security", tag = "workspace", operation_id = "getWorkspaceSecurity",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = SecurityDocument),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_workspace(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<SecurityDocument>, Problem> {
    let required = state
        .app
        .workspace_two_factor_requirement(&caller.actor)
        .await?;
    Ok(Json(SecurityDocument {
        require_two_factor: required,
    }))
}

/// Requires a second factor of every member, or stops (owner and admins).
#[utoipa::path(put, path = "/api/v1/workspace/security", tag = "workspace", operation_id = "putWorkspaceSecurity",
    security(("session" = []), ("api_key" = [])), request_body = SecurityDocument,
    responses((status = 200, body = SecurityDocument),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put_workspace(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<SecurityDocument>,
) -> Result<Json<SecurityDocument>, Problem> {
    let required = state
        .app
        .set_workspace_two_factor_requirement(&caller.actor, request.require_two_factor, &origin)
        .await?;
    Ok(Json(SecurityDocument {
        require_two_factor: required,
    }))
}

/// Whether the organization requires a second factor of its users.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/security", tag = "organizations", operation_id = "getOrganizationSecurity",
    security(("session" = []), ("api_key" = [])),
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 200, body = SecurityDocument),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_organization(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SecurityDocument>, Problem> {
    let required = state
        .app
        .organization_two_factor_requirement(&caller.actor, OrganizationId::from(id))
        .await?;
    Ok(Json(SecurityDocument {
        require_two_factor: required,
    }))
}

/// Requires a second factor of every user of the organization, or stops (the agency, or the
/// organization's own admins).
#[utoipa::path(put, path = "/api/v1/organizations/{id}/security", tag = "organizations", operation_id = "putOrganizationSecurity",
    security(("session" = []), ("api_key" = [])), request_body = SecurityDocument,
    params(("id" = Uuid, Path, description = "The organization")),
    responses((status = 200, body = SecurityDocument),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put_organization(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(request): ApiJson<SecurityDocument>,
) -> Result<Json<SecurityDocument>, Problem> {
    let required = state
        .app
        .set_organization_two_factor_requirement(
            &caller.actor,
            OrganizationId::from(id),
            request.require_two_factor,
            &origin,
        )
        .await?;
    Ok(Json(SecurityDocument {
        require_two_factor: required,
    }))
}
