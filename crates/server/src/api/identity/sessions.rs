//! Signing in and out of the agency console.

use crate::api::identity::members::MemberResponse;
use crate::api::identity::two_factor::{SecondFactorResponse, second_factor_needed};
use crate::api::rfc3339;
use crate::extract::{ApiJson, Caller, Origin, session_cookie_name};
use crate::problem::{Problem, ProblemResponse};
use crate::security::is_https;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Response};
use clientele_app::clients::client_users::ClientUser;
use clientele_app::identity::auth::SignInStep;
use clientele_app::identity::tokens::Token;
use clientele_domain::{Permission, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct SignInResponse {
    pub member: MemberResponse,
    /// Send this in `x-csrf-token` with every request that changes something.
    pub csrf_token: String,
    pub expires_at: String,
}

/// Signs in with email and password; sets the HttpOnly session cookie.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", operation_id = "signIn",
    request_body = SignInRequest,
    responses(
        (status = 201, description = "Signed in; the session cookie is set", body = SignInResponse),
        (status = 202, description = "The password is right and the account has a second factor: send its code with the challenge", body = SecondFactorResponse),
        (status = 401, description = "The email or password is incorrect", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = ProblemResponse, content_type = "application/problem+json"),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SignInRequest>,
) -> Result<Response, Problem> {
    let step = state
        .app
        .sign_in(&request.email, &request.password, &origin)
        .await?;
    let signed_in = match step {
        SignInStep::SignedIn(signed_in) => signed_in,
        SignInStep::SecondFactor(challenge) => return Ok(second_factor_needed(challenge)),
    };
    let body = SignInResponse {
        member: MemberResponse::from(signed_in.account),
        csrf_token: signed_in.csrf_token,
        expires_at: rfc3339(signed_in.expires_at),
    };
    Ok(created_session(&signed_in.token, &headers, body, signed_in.expires_at).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientSignInRequest {
    /// The agency's workspace (its slug); not needed on the workspace's dashboard domain.
    pub workspace: Option<String>,
    pub email: String,
    pub password: String,
}

/// A client user, as the dashboard knows them.
#[derive(Serialize, ToSchema)]
pub struct ClientUserResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub email: String,
    /// The sections the user may open, e.g. `home`, `org_admin`.
    #[schema(value_type = Vec<String>)]
    pub permissions: Vec<Permission>,
}

#[derive(Serialize, ToSchema)]
pub struct ClientSignInResponse {
    pub user: ClientUserResponse,
    /// Send this in `x-csrf-token` with every request that changes something.
    pub csrf_token: String,
    pub expires_at: String,
}

/// Signs a client user in to their agency's dashboard; sets the HttpOnly session cookie.
#[utoipa::path(post, path = "/api/v1/dashboard/sessions", tag = "sessions", operation_id = "signInClientUser",
    request_body = ClientSignInRequest,
    responses(
        (status = 201, description = "Signed in; the session cookie is set", body = ClientSignInResponse),
        (status = 202, description = "The password is right and the account has a second factor: send its code with the challenge", body = SecondFactorResponse),
        (status = 401, description = "The workspace, email or password is incorrect", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "Invalid input", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = ProblemResponse, content_type = "application/problem+json"),
    ))]
pub async fn sign_in_client_user(
    State(state): State<AppState>,
    Origin(origin): Origin,
    headers: HeaderMap,
    ApiJson(request): ApiJson<ClientSignInRequest>,
) -> Result<Response, Problem> {
    // The dashboard's own domain names its workspace; elsewhere the request must.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let from_host = match host {
        Some(host) => state.app.workspace_slug_for_host(host).await?,
        None => None,
    };
    let workspace = from_host.or(request.workspace).unwrap_or_default();
    let step = state
        .app
        .sign_in_client_user(&workspace, &request.email, &request.password, &origin)
        .await?;
    let signed_in = match step {
        SignInStep::SignedIn(signed_in) => signed_in,
        SignInStep::SecondFactor(challenge) => return Ok(second_factor_needed(challenge)),
    };
    let body = ClientSignInResponse {
        user: ClientUserResponse::from(signed_in.account),
        csrf_token: signed_in.csrf_token,
        expires_at: rfc3339(signed_in.expires_at),
    };
    Ok(created_session(&signed_in.token, &headers, body, signed_in.expires_at).into_response())
}

impl From<ClientUser> for ClientUserResponse {
    fn from(user: ClientUser) -> Self {
        Self {
            id: user.id.as_uuid(),
            organization_id: user.organization_id.as_uuid(),
            permissions: user.permissions.iter().collect(),
            name: user.name,
            email: user.email,
        }
    }
}

/// Signs out: the session ends and the cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/sessions/current", tag = "sessions", operation_id = "signOut",
    security(("session" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = ProblemResponse, content_type = "application/problem+json"),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    headers: HeaderMap,
) -> Result<impl IntoResponse, Problem> {
    state.app.sign_out(&caller, &origin).await?;
    let cleared = session_cookie_cleared(&headers);
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(header::SET_COOKIE, cleared)]),
    ))
}

/// The header value that removes the session cookie.
pub(crate) fn session_cookie_cleared(headers: &HeaderMap) -> HeaderValue {
    session_cookie("", 0, is_https(headers))
}

/// 201 with the cookie of a new session that ends at `expires_at`, and `body`.
pub(crate) fn created_session<B: Serialize>(
    token: &Token,
    headers: &HeaderMap,
    body: B,
    expires_at: Timestamp,
) -> impl IntoResponse + use<B> {
    let cookie = session_cookie_for(token, headers, expires_at);
    (
        StatusCode::CREATED,
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(body),
    )
}

/// The cookie of a new session that ends at `expires_at`.
pub(crate) fn session_cookie_for(
    token: &Token,
    headers: &HeaderMap,
    expires_at: Timestamp,
) -> HeaderValue {
    let max_age = (expires_at.unix_micros() - Timestamp::now().unix_micros()).max(0) / 1_000_000;
    session_cookie(
        token.reveal(),
        u64::try_from(max_age).unwrap_or_default(),
        is_https(headers),
    )
}

/// Over HTTPS (the public URL is https, or a trusted proxy says so) the cookie is `Secure` and
/// named with the `__Host-` prefix.
fn session_cookie(token: &str, max_age: u64, https: bool) -> HeaderValue {
    let secure = if https { "; Secure" } else { "" };
    let name = session_cookie_name(https);
    let cookie =
        format!("{name}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&cookie)
        .unwrap_or_else(|_| HeaderValue::from_static("sid=; Max-Age=0; Path=/"))
}
