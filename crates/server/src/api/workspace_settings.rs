//! The workspace's brand and dashboard domains, its email settings, and its email templates.

use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::mail::settings::{EmailSettingsInput, EmailSettingsView};
use clientele_app::mail::templates::editing::EmailTemplate;
use clientele_app::mail::templates::{PLACEHOLDERS, Rendered, TemplateSource};
use clientele_app::workspace::brand::{Brand, BrandInput};
use clientele_domain::{EmailKind, Language};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How clients see the agency: on the dashboard and in every email.
#[derive(Serialize, ToSchema)]
pub struct BrandResponse {
    pub product_name: String,
    pub logo_image_id: Option<String>,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: Option<String>,
    /// Where the agency console is served; links for agency accounts start here.
    pub console_url: Option<String>,
    /// Hostnames claimed for the client dashboard, the primary one first.
    pub dashboard_domains: Vec<String>,
    /// Each claimed hostname, whether it is verified, and the DNS TXT record that verifies it.
    /// Only a verified hostname serves the dashboard; client links start at the first one.
    pub domains: Vec<DomainResponse>,
}

/// A hostname claimed for the client dashboard.
#[derive(Serialize, ToSchema)]
pub struct DomainResponse {
    pub hostname: String,
    pub verified: bool,
    /// Create a TXT record with this name...
    #[schema(example = "_clientele-challenge.app.acme-ai.com")]
    pub txt_name: String,
    /// ...and this value, then ask for verification.
    pub txt_value: String,
}

impl From<Brand> for BrandResponse {
    fn from(brand: Brand) -> Self {
        Self {
            product_name: brand.product_name,
            logo_image_id: brand.logo_image_id,
            primary_color: brand.primary_color,
            accent_color: brand.accent_color,
            support_email: brand.support_email,
            console_url: brand.console_url,
            dashboard_domains: brand.dashboard_domains,
            domains: brand
                .domains
                .into_iter()
                .map(|d| DomainResponse {
                    hostname: d.hostname,
                    verified: d.verified,
                    txt_name: d.txt_name,
                    txt_value: d.txt_value,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandRequest {
    /// 1 to 80 characters, e.g. "Acme AI".
    pub product_name: String,
    /// An uploaded image's id.
    pub logo_image_id: Option<String>,
    /// `#rrggbb`.
    #[schema(example = "#4f46e5")]
    pub primary_color: String,
    #[schema(example = "#0ea5e9")]
    pub accent_color: String,
    pub support_email: Option<String>,
    #[schema(example = "https://console.acme-ai.com")]
    pub console_url: Option<String>,
    /// Bare hostnames (not IP addresses, not the deployment's own host); the first is the
    /// primary one. Each takes effect once verified by its DNS TXT record.
    #[serde(default)]
    #[schema(example = json!(["app.acme-ai.com"]))]
    pub dashboard_domains: Vec<String>,
}

/// The workspace's brand and dashboard domains (agency accounts).
#[utoipa::path(get, path = "/api/v1/workspace/brand", tag = "workspace", operation_id = "getBrand",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = BrandResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_brand(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<BrandResponse>, Problem> {
    Ok(Json(state.app.brand(&caller.actor).await?.into()))
}

/// Replaces the brand and dashboard domains (owner and admins).
#[utoipa::path(put, path = "/api/v1/workspace/brand", tag = "workspace", operation_id = "putBrand",
    security(("session" = []), ("api_key" = [])), request_body = BrandRequest,
    responses((status = 200, body = BrandResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put_brand(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<BrandRequest>,
) -> Result<Json<BrandResponse>, Problem> {
    let input = BrandInput {
        product_name: request.product_name,
        logo_image_id: request.logo_image_id,
        primary_color: request.primary_color,
        accent_color: request.accent_color,
        support_email: request.support_email,
        console_url: request.console_url,
        dashboard_domains: request.dashboard_domains,
    };
    let brand = state
        .app
        .update_brand(&caller.actor, input, &origin)
        .await?;
    Ok(Json(brand.into()))
}

/// Verifies a claimed dashboard domain by its DNS TXT record (owner and admins): once it
/// carries the workspace's value, the dashboard answers on the hostname.
#[utoipa::path(post, path = "/api/v1/workspace/brand/domains/{hostname}/verify", tag = "workspace", operation_id = "verifyDashboardDomain",
    security(("session" = []), ("api_key" = [])),
    params(("hostname" = String, Path, description = "A hostname the workspace claims")),
    responses((status = 200, body = BrandResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, description = "The workspace claims no such hostname", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The TXT record is not there yet, or another workspace verified the hostname first", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn verify_domain(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(hostname): ApiPath<String>,
) -> Result<Json<BrandResponse>, Problem> {
    let brand = state
        .app
        .verify_dashboard_domain(&caller.actor, &hostname, &origin)
        .await?;
    Ok(Json(brand.into()))
}

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

/// One email template of the workspace.
#[derive(Serialize, ToSchema)]
pub struct EmailTemplateResponse {
    /// `invitation` or `password_reset`.
    pub kind: String,
    /// `en`, `es`, `de`, `fr` or `pt`: chosen by the recipient's organization.
    pub language: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    /// Whether this is the workspace's own version rather than the built-in one.
    pub customized: bool,
}

impl From<EmailTemplate> for EmailTemplateResponse {
    fn from(t: EmailTemplate) -> Self {
        Self {
            kind: t.kind.as_str().to_owned(),
            language: t.language.as_str().to_owned(),
            subject: t.source.subject,
            html: t.source.html,
            text: t.source.text,
            customized: t.customized,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EmailTemplateListResponse {
    pub templates: Vec<EmailTemplateResponse>,
    /// The placeholders a template may use, as `{{ name }}`.
    pub placeholders: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailTemplateRequest {
    pub subject: String,
    pub html: String,
    pub text: String,
}

#[derive(Serialize, ToSchema)]
pub struct RenderedEmailResponse {
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl From<Rendered> for RenderedEmailResponse {
    fn from(r: Rendered) -> Self {
        Self {
            subject: r.subject,
            html: r.html,
            text: r.text,
        }
    }
}

/// Every email template in every language (owner and admins).
#[utoipa::path(get, path = "/api/v1/workspace/email-templates", tag = "workspace", operation_id = "listEmailTemplates",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = EmailTemplateListResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn list_templates(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<EmailTemplateListResponse>, Problem> {
    let templates = state.app.email_templates(&caller.actor).await?;
    Ok(Json(EmailTemplateListResponse {
        templates: templates.into_iter().map(Into::into).collect(),
        placeholders: PLACEHOLDERS.iter().map(|p| (*p).to_owned()).collect(),
    }))
}

fn template_key(kind: &str, language: &str) -> Result<(EmailKind, Language), Problem> {
    match (kind.parse(), language.parse()) {
        (Ok(kind), Ok(language)) => Ok((kind, language)),
        _ => Err(Problem::not_found()),
    }
}

/// One template: the workspace's own version or the built-in one.
#[utoipa::path(get, path = "/api/v1/workspace/email-templates/{kind}/{language}", tag = "workspace", operation_id = "getEmailTemplate",
    security(("session" = []), ("api_key" = [])),
    params(("kind" = String, Path, description = "`invitation` or `password_reset`"),
        ("language" = String, Path, description = "`en`, `es`, `de`, `fr` or `pt`")),
    responses((status = 200, body = EmailTemplateResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_template(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((kind, language)): ApiPath<(String, String)>,
) -> Result<Json<EmailTemplateResponse>, Problem> {
    let (kind, language) = template_key(&kind, &language)?;
    let template = state
        .app
        .email_template(&caller.actor, kind, language)
        .await?;
    Ok(Json(template.into()))
}

/// Saves the workspace's own version; syntax errors name the part and line.
#[utoipa::path(put, path = "/api/v1/workspace/email-templates/{kind}/{language}", tag = "workspace", operation_id = "putEmailTemplate",
    security(("session" = []), ("api_key" = [])), request_body = EmailTemplateRequest,
    params(("kind" = String, Path, description = "`invitation` or `password_reset`"),
        ("language" = String, Path, description = "`en`, `es`, `de`, `fr` or `pt`")),
    responses((status = 200, body = EmailTemplateResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, description = "A syntax error or an unknown placeholder, by part and line", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put_template(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath((kind, language)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<EmailTemplateRequest>,
) -> Result<Json<EmailTemplateResponse>, Problem> {
    let (kind, language) = template_key(&kind, &language)?;
    let source = TemplateSource {
        subject: request.subject,
        html: request.html,
        text: request.text,
    };
    let template = state
        .app
        .save_email_template(&caller.actor, kind, language, source, &origin)
        .await?;
    Ok(Json(template.into()))
}

/// Drops the workspace's own version; the built-in one applies again.
#[utoipa::path(delete, path = "/api/v1/workspace/email-templates/{kind}/{language}", tag = "workspace", operation_id = "resetEmailTemplate",
    security(("session" = []), ("api_key" = [])),
    params(("kind" = String, Path, description = "`invitation` or `password_reset`"),
        ("language" = String, Path, description = "`en`, `es`, `de`, `fr` or `pt`")),
    responses((status = 200, description = "The built-in template, now in force", body = EmailTemplateResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn reset_template(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath((kind, language)): ApiPath<(String, String)>,
) -> Result<Json<EmailTemplateResponse>, Problem> {
    let (kind, language) = template_key(&kind, &language)?;
    let template = state
        .app
        .reset_email_template(&caller.actor, kind, language, &origin)
        .await?;
    Ok(Json(template.into()))
}

/// Renders a template with example values in the workspace's brand: the given draft, or the
/// one in force when the body is `{}`.
#[utoipa::path(post, path = "/api/v1/workspace/email-templates/{kind}/{language}/preview", tag = "workspace", operation_id = "previewEmailTemplate",
    security(("session" = []), ("api_key" = [])), request_body = PreviewTemplateRequest,
    params(("kind" = String, Path, description = "`invitation` or `password_reset`"),
        ("language" = String, Path, description = "`en`, `es`, `de`, `fr` or `pt`")),
    responses((status = 200, body = RenderedEmailResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn preview_template(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiPath((kind, language)): ApiPath<(String, String)>,
    ApiJson(request): ApiJson<PreviewTemplateRequest>,
) -> Result<Json<RenderedEmailResponse>, Problem> {
    let (kind, language) = template_key(&kind, &language)?;
    let draft = match (request.subject, request.html, request.text) {
        (Some(subject), Some(html), Some(text)) => Some(TemplateSource {
            subject,
            html,
            text,
        }),
        (None, None, None) => None,
        _ => {
            return Err(Problem::invalid_field(
                "subject",
                "give subject, html and text together, or none of them".to_owned(),
            ));
        }
    };
    let rendered = state
        .app
        .preview_email_template(&caller.actor, kind, language, draft)
        .await?;
    Ok(Json(rendered.into()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewTemplateRequest {
    pub subject: Option<String>,
    pub html: Option<String>,
    pub text: Option<String>,
}
