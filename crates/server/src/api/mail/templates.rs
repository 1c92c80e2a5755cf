//! The workspace's email templates: built-in and its own versions, and previews.

use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::mail::templates::editing::EmailTemplate;
use clientele_app::mail::templates::{PLACEHOLDERS, Rendered, TemplateSource};
use clientele_domain::{EmailKind, Language};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
