//! How the workspace sends email, and a test email to check it.

use crate::extract::{ApiJson, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::mail::settings::{EmailSettingsInput, EmailSettingsView};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How the workspace sends email. The SMTP password is never returned.
#[derive(Serialize, ToSchema)]
pub struct EmailSettingsResponse {
    /// False until settings are saved; emails wait in the outbox until an SMTP host is set.
    pub configured: bool,
    pub sender_name: Option<String>,
    pub sender_address: Option<String>,
    pub reply_to: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_username: Option<String>,
    pub smtp_password_set: bool,
    /// `starttls`, `tls` or `none`.
    #[schema(example = "starttls")]
    pub smtp_tls: String,
}

impl From<Option<EmailSettingsView>> for EmailSettingsResponse {
    fn from(view: Option<EmailSettingsView>) -> Self {
        match view {
            Some(v) => Self {
                configured: true,
                sender_name: Some(v.sender_name),
                sender_address: Some(v.sender_address),
                reply_to: v.reply_to,
                smtp_host: v.smtp_host,
                smtp_port: v.smtp_port,
                smtp_username: v.smtp_username,
                smtp_password_set: v.smtp_password_set,
                smtp_tls: v.smtp_tls.as_str().to_owned(),
            },
            None => Self {
                configured: false,
                sender_name: None,
                sender_address: None,
                reply_to: None,
                smtp_host: None,
                smtp_port: None,
                smtp_username: None,
                smtp_password_set: false,
                smtp_tls: "starttls".to_owned(),
            },
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailSettingsRequest {
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: Option<String>,
    /// Without a host, emails stay in the outbox.
    pub smtp_host: Option<String>,
    /// Default: 587 for `starttls`, 465 for `tls`, 25 for `none`.
    pub smtp_port: Option<u16>,
    pub smtp_username: Option<String>,
    /// Omit to keep the stored password (refused when the host, port, TLS mode or username
    /// changes: give it again); `""` removes it. Sealed at rest, never returned.
    pub smtp_password: Option<String>,
    /// `starttls` (default), `tls`, or `none` for a local relay.
    pub smtp_tls: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestEmailRequest {
    /// Where to send the test email.
    pub to: String,
}

#[derive(Serialize, ToSchema)]
pub struct TestEmailResponse {
    /// The SMTP server's answer, e.g. `250 2.0.0 OK: queued`.
    pub response: String,
}

/// The workspace's email settings (owner and admins).
#[utoipa::path(get, path = "/api/v1/workspace/email-settings", tag = "workspace", operation_id = "getEmailSettings",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = EmailSettingsResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_email_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<EmailSettingsResponse>, Problem> {
    Ok(Json(state.app.email_settings(&caller.actor).await?.into()))
}

/// Replaces the workspace's email settings (owner and admins).
#[utoipa::path(put, path = "/api/v1/workspace/email-settings", tag = "workspace", operation_id = "putEmailSettings",
    security(("session" = []), ("api_key" = [])), request_body = EmailSettingsRequest,
    responses((status = 200, body = EmailSettingsResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put_email_settings(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<EmailSettingsRequest>,
) -> Result<Json<EmailSettingsResponse>, Problem> {
    let input = EmailSettingsInput {
        sender_name: request.sender_name,
        sender_address: request.sender_address,
        reply_to: request.reply_to,
        smtp_host: request.smtp_host,
        smtp_port: request.smtp_port,
        smtp_username: request.smtp_username,
        smtp_password: request.smtp_password,
        smtp_tls: request.smtp_tls,
    };
    let view = state
        .app
        .update_email_settings(&caller.actor, input, &origin)
        .await?;
    Ok(Json(Some(view).into()))
}

/// Sends a test email with the saved settings and reports the SMTP server's answer.
#[utoipa::path(post, path = "/api/v1/workspace/email-settings/test", tag = "workspace", operation_id = "sendTestEmail",
    security(("session" = []), ("api_key" = [])), request_body = TestEmailRequest,
    responses((status = 200, description = "The server accepted the message", body = TestEmailResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "No SMTP server is saved", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 502, description = "The server refused the message or could not be reached; `detail` says what happened", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn send_test_email(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiJson(request): ApiJson<TestEmailRequest>,
) -> Result<Json<TestEmailResponse>, Problem> {
    let response = state
        .app
        .send_test_email(&caller.actor, &request.to)
        .await?;
    Ok(Json(TestEmailResponse { response }))
}
