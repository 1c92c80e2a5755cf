//! The workspace's own settings in the console: brand and dashboard domains, email sender
//! and SMTP, email templates, members, API keys, the outbox and the full activity log.

use crate::extract::Origin;
use crate::state::AppState;
use crate::web::console::organization::{ActivityView, activity_view};
use crate::web::console::{ACCOUNT, chrome, member, signed_in_member};
use crate::web::page::{Chrome, PageResult, Visitor, not_found};
use crate::web::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use clientele_app::mail::outbox::OutboxEmail;
use clientele_app::mail::settings::EmailSettingsView;
use clientele_app::workspace::activity::ActivityFilter;
use clientele_app::workspace::brand::DomainClaim;
use clientele_domain::{
    Action, EmailKind, Language, MemberRole, OutboxId, Principal, Resource, Timestamp, authorize,
};
use serde::Deserialize;
use uuid::Uuid;

#[derive(Template, WebTemplate)]
#[template(path = "console/workspace.html")]
struct WorkspacePage {
    chrome: Chrome,
    body: WorkspaceBody,
}

enum WorkspaceBody {
    Brand(BrandView),
    Email(EmailView),
    Templates(TemplatesView),
    Members(MembersView),
    ApiKeys(Vec<ApiKeyLine>),
    Outbox(OutboxView),
    OutboxMessage(OutboxMessageView),
    Activity(ActivityFilters, ActivityView),
    Security(SecurityView),
}

/// The member's own second factor, and the workspace's requirement.
struct SecurityView {
    enabled: bool,
    pending: bool,
    recovery_codes_left: i64,
    required: bool,
    /// Owners and admins set whether every member must have one.
    may_require: bool,
}

struct BrandView {
    product_name: String,
    logo_image_id: String,
    logo_url: Option<String>,
    primary_color: String,
    accent_color: String,
    support_email: String,
    console_url: String,
    /// Only the owner changes where console links point; others see it read-only.
    console_url_locked: bool,
    dashboard_domains: String,
    domains: Vec<DomainClaim>,
}

struct EmailView {
    sender_name: String,
    sender_address: String,
    reply_to: String,
    smtp_host: String,
    smtp_port: String,
    smtp_username: String,
    password_set: bool,
    tls: Vec<(&'static str, &'static str, bool)>,
}

struct TemplatesView {
    rows: Vec<TemplateLine>,
    editing: Option<TemplateEditor>,
}

struct TemplateLine {
    kind: &'static str,
    kind_label: &'static str,
    language: &'static str,
    language_label: &'static str,
    customized: bool,
    updated_at: String,
}

struct TemplateEditor {
    kind: &'static str,
    language: &'static str,
    title: String,
    subject: String,
    html: String,
    text: String,
    customized: bool,
}

struct MembersView {
    members: Vec<MemberLine>,
    invitations: Vec<(String, String, &'static str, String)>,
    viewer_is_owner: bool,
    /// Whether the viewer may change roles and remove members.
    can_manage: bool,
}

struct MemberLine {
    id: String,
    name: String,
    email: String,
    role: &'static str,
    is_self: bool,
    /// Signs in with a second factor, which owners and admins can reset.
    two_factor: bool,
}

struct ApiKeyLine {
    id: String,
    name: String,
    role: &'static str,
    prefix: String,
    created_at: String,
    last_used_at: String,
    revoked: bool,
}

struct OutboxView {
    status: String,
    messages: Vec<OutboxLine>,
}

struct OutboxLine {
    id: String,
    created_at: String,
    recipient: String,
    subject: String,
    status: String,
    attempts: i64,
    last_response: String,
}

struct OutboxMessageView {
    line: OutboxLine,
    html: String,
    text: String,
}

#[derive(Deserialize, Default)]
pub struct ActivityFilters {
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<i64>,
}

async fn page(
    state: &AppState,
    visitor: &Visitor,
    title: &str,
    href: &str,
    body: WorkspaceBody,
) -> PageResult {
    let page = WorkspacePage {
        chrome: chrome(state, visitor, title, href).await?,
        body,
    };
    Ok(page.into_response())
}

fn when_or_dash(at: Option<Timestamp>) -> String {
    at.map_or_else(|| "—".to_owned(), when)
}

/// `GET /console/account`: the member's two-factor sign-in. A member whose workspace requires
/// one and who has none is sent here from every other page.
pub async fn security(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let visitor = signed_in_member(&state, &headers).await?;
    let actor = visitor.actor();
    let status = state.app.two_factor_status(actor).await?;
    let may_require = authorize(
        actor,
        Action::ManageWorkspaceSettings,
        &Resource::Workspace(actor.workspace_id),
    )
    .is_ok();
    let view = SecurityView {
        enabled: status.enabled,
        pending: status.pending,
        recovery_codes_left: status.recovery_codes_left,
        required: status.required,
        may_require,
    };
    page(
        &state,
        &visitor,
        "Account security",
        ACCOUNT,
        WorkspaceBody::Security(view),
    )
    .await
}

/// `GET /console/workspace/brand`
pub async fn brand(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let visitor = member(&state, &headers).await?;
    // Every account may read the brand; this page edits it.
    let actor = visitor.actor();
    authorize(
        actor,
        Action::ManageWorkspaceSettings,
        &Resource::Workspace(actor.workspace_id),
    )
    .map_err(clientele_app::AppError::from)?;
    let brand = state.app.brand(visitor.actor()).await?;
    let view = BrandView {
        logo_url: brand.logo_url(&state.app.config.public_url),
        logo_image_id: brand.logo_image_id.unwrap_or_default(),
        product_name: brand.product_name,
        primary_color: brand.primary_color,
        accent_color: brand.accent_color,
        support_email: brand.support_email.unwrap_or_default(),
        console_url: brand.console_url.unwrap_or_default(),
        console_url_locked: visitor.actor().agency_role()
            != Some(clientele_domain::MemberRole::Owner),
        dashboard_domains: brand.dashboard_domains.join("\n"),
        domains: brand.domains,
    };
    page(
        &state,
        &visitor,
        "Branding",
        "/console/workspace/brand",
        WorkspaceBody::Brand(view),
    )
    .await
}

/// `GET /console/workspace/email`
pub async fn email(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let settings = state.app.email_settings(visitor.actor()).await?;
    let current = settings
        .as_ref()
        .map_or("starttls", |s| s.smtp_tls.as_str());
    let tls = [
        ("starttls", "STARTTLS (port 587)"),
        ("tls", "TLS (port 465)"),
        ("none", "None (local relay only)"),
    ]
    .into_iter()
    .map(|(value, label)| (value, label, value == current))
    .collect();
    let s = settings.unwrap_or_else(|| EmailSettingsView {
        sender_name: String::new(),
        sender_address: String::new(),
        reply_to: None,
        smtp_host: None,
        smtp_port: None,
        smtp_username: None,
        smtp_password_set: false,
        smtp_tls: clientele_domain::TlsMode::Starttls,
    });
    let view = EmailView {
        sender_name: s.sender_name,
        sender_address: s.sender_address,
        reply_to: s.reply_to.unwrap_or_default(),
        smtp_host: s.smtp_host.unwrap_or_default(),
        smtp_port: s.smtp_port.map(|p| p.to_string()).unwrap_or_default(),
        smtp_username: s.smtp_username.unwrap_or_default(),
        password_set: s.smtp_password_set,
        tls,
    };
    page(
        &state,
        &visitor,
        "Email",
        "/console/workspace/email",
        WorkspaceBody::Email(view),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct TemplateQuery {
    kind: Option<String>,
    language: Option<String>,
}

/// `GET /console/workspace/templates`: every template, and the editor of the chosen one.
pub async fn templates(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TemplateQuery>,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let all = state.app.email_templates(visitor.actor()).await?;
    let kind: Option<EmailKind> = query.kind.as_deref().and_then(|k| k.parse().ok());
    let language: Option<Language> = query.language.as_deref().and_then(|l| l.parse().ok());
    let editing = all
        .iter()
        .find(|t| Some(t.kind) == kind && Some(t.language) == language)
        .map(|t| TemplateEditor {
            kind: t.kind.as_str(),
            language: t.language.as_str(),
            title: format!("{} · {}", kind_label(t.kind), language_label(t.language)),
            subject: t.source.subject.clone(),
            html: t.source.html.clone(),
            text: t.source.text.clone(),
            customized: t.customized,
        });
    let rows = all
        .iter()
        .map(|t| TemplateLine {
            kind: t.kind.as_str(),
            kind_label: kind_label(t.kind),
            language: t.language.as_str(),
            language_label: language_label(t.language),
            customized: t.customized,
            updated_at: t.updated_at.map_or_else(|| "Built in".to_owned(), when),
        })
        .collect();
    let view = TemplatesView { rows, editing };
    page(
        &state,
        &visitor,
        "Email templates",
        "/console/workspace/templates",
        WorkspaceBody::Templates(view),
    )
    .await
}

fn kind_label(kind: EmailKind) -> &'static str {
    match kind {
        EmailKind::Invitation => "Invitation",
        EmailKind::PasswordReset => "Password reset",
        EmailKind::AccountChanged => "Account change notice",
    }
}

fn language_label(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::Es => "Spanish",
        Language::De => "German",
        Language::Fr => "French",
        Language::Pt => "Portuguese",
    }
}

/// `GET /console/workspace/members`
pub async fn members(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let actor = visitor.actor();
    let (rows, invitations, with_two_factor) = tokio::try_join!(
        state.app.list_members(actor),
        state.app.member_invitations(actor),
        state.app.members_with_two_factor(actor),
    )?;
    let me = match actor.principal {
        Principal::Member { id, .. } => Some(id),
        _ => None,
    };
    let view = MembersView {
        viewer_is_owner: actor.agency_role() == Some(MemberRole::Owner),
        can_manage: authorize(
            actor,
            Action::RemoveMember,
            &Resource::Workspace(actor.workspace_id),
        )
        .is_ok(),
        members: rows
            .into_iter()
            .map(|m| MemberLine {
                is_self: Some(m.id) == me,
                two_factor: with_two_factor.contains(&m.id),
                id: m.id.to_string(),
                name: m.name,
                email: m.email,
                role: m.role.as_str(),
            })
            .collect(),
        invitations: invitations
            .into_iter()
            .map(|i| {
                (
                    i.id.to_string(),
                    i.email,
                    i.role.as_str(),
                    when(i.expires_at),
                )
            })
            .collect(),
    };
    page(
        &state,
        &visitor,
        "Members",
        "/console/workspace/members",
        WorkspaceBody::Members(view),
    )
    .await
}

/// `GET /console/workspace/api-keys`
pub async fn api_keys(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let keys = state
        .app
        .list_api_keys(visitor.actor())
        .await?
        .into_iter()
        .map(|k| ApiKeyLine {
            id: k.id.to_string(),
            name: k.name,
            role: k.role.as_str(),
            prefix: k.prefix,
            created_at: when(k.created_at),
            last_used_at: when_or_dash(k.last_used_at),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    page(
        &state,
        &visitor,
        "API keys",
        "/console/workspace/api-keys",
        WorkspaceBody::ApiKeys(keys),
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
}

fn outbox_line(email: &OutboxEmail) -> OutboxLine {
    OutboxLine {
        id: email.id.to_string(),
        created_at: when(email.created_at),
        recipient: email.recipient.clone(),
        subject: email.subject.clone(),
        status: email.status.clone(),
        attempts: email.attempts,
        last_response: email.last_response.clone().unwrap_or_default(),
    }
}

/// `GET /console/workspace/outbox`
pub async fn outbox(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<OutboxQuery>,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let status = Some(query.status.as_str()).filter(|s| !s.is_empty());
    let rows = state
        .app
        .list_outbox(visitor.actor(), status, Some(100))
        .await?;
    let view = OutboxView {
        status: query.status,
        messages: rows.iter().map(outbox_line).collect(),
    };
    page(
        &state,
        &visitor,
        "Outbox",
        "/console/workspace/outbox",
        WorkspaceBody::Outbox(view),
    )
    .await
}

/// `GET /console/workspace/outbox/{id}`: one email as it was (or will be) sent, its link hidden.
pub async fn outbox_message(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Origin(origin): Origin,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let id = Uuid::parse_str(&id).map_err(|_| not_found())?;
    let message = state
        .app
        .outbox_message(visitor.actor(), OutboxId::from(id), &origin)
        .await?;
    let view = OutboxMessageView {
        line: outbox_line(&message.email),
        html: message.html.unwrap_or_default(),
        text: message.text.unwrap_or_default(),
    };
    page(
        &state,
        &visitor,
        "Email",
        "/console/workspace/outbox",
        WorkspaceBody::OutboxMessage(view),
    )
    .await
}

/// `GET /console/activity`: the whole workspace's log, filtered.
pub async fn activity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filters): Query<ActivityFilters>,
) -> PageResult {
    let visitor = member(&state, &headers).await?;
    let filter = ActivityFilter {
        action: Some(filters.action.trim().to_owned()).filter(|a| !a.is_empty()),
        from: date_filter("from", &filters.from, 0)?,
        to: date_filter("to", &filters.to, 1)?,
        ..ActivityFilter::default()
    };
    let base = format!(
        "/console/activity?action={}&from={}&to={}&",
        crate::web::console::clients::urlencode(&filters.action),
        crate::web::console::clients::urlencode(&filters.from),
        crate::web::console::clients::urlencode(&filters.to),
    );
    let view = activity_view(&state, &visitor, &filter, filters.before, base).await?;
    page(
        &state,
        &visitor,
        "Activity",
        "/console/activity",
        WorkspaceBody::Activity(filters, view),
    )
    .await
}

/// The optional date filter `field`: empty is no filter, anything else must be a date.
fn date_filter(
    field: &str,
    date: &str,
    days: i64,
) -> Result<Option<Timestamp>, clientele_app::AppError> {
    if date.trim().is_empty() {
        return Ok(None);
    }
    day_start(date.trim(), days)
        .map(Some)
        .ok_or_else(|| clientele_app::AppError::invalid(field, "must be a date like 2026-11-24"))
}

/// The start of `date` (`YYYY-MM-DD`, UTC) plus `days`, if it is a date.
fn day_start(date: &str, days: i64) -> Option<Timestamp> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = time::Date::parse(date, &format).ok()?;
    let at = day.midnight().assume_utc() + time::Duration::days(days);
    let micros = i64::try_from(at.unix_timestamp_nanos() / 1_000).ok()?;
    Timestamp::try_from(micros).ok()
}
