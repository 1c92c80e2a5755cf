//! How a workspace sends its email: the sender, the SMTP server, and a test send that reports
//! the server's answer. The SMTP password is sealed at rest and never returned.

use crate::error::{AppError, Validation};
use crate::mail::templates::Rendered;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext, mail::smtp};
use clientele_domain::{
    Action, Actor, Email, Hostname, ProductName, Resource, Timestamp, TlsMode, WorkspaceId,
    authorize,
};
use clientele_store::mail::settings::{self, EmailSettingsRow};

/// A workspace's email settings as shown to its owner and admins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailSettingsView {
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_username: Option<String>,
    /// Whether a password is stored; the password itself never leaves the server.
    pub smtp_password_set: bool,
    pub smtp_tls: TlsMode,
}

/// New email settings. `smtp_password`: `None` keeps the stored one (refused when the server,
/// port, TLS mode or username changes), `Some("")` removes it.
#[derive(Debug, Default)]
pub struct EmailSettingsInput {
    pub sender_name: String,
    pub sender_address: String,
    pub reply_to: Option<String>,
    pub smtp_host: Option<String>,
    pub smtp_port: Option<u16>,
    pub smtp_username: Option<String>,
    pub smtp_password: Option<String>,
    pub smtp_tls: Option<String>,
}

impl From<EmailSettingsRow> for EmailSettingsView {
    fn from(row: EmailSettingsRow) -> Self {
        Self {
            sender_name: row.sender_name,
            sender_address: row.sender_address,
            reply_to: row.reply_to,
            smtp_host: row.smtp_host,
            smtp_port: row.smtp_port.and_then(|p| u16::try_from(p).ok()),
            smtp_username: row.smtp_username,
            smtp_password_set: row.smtp_password.is_some(),
            smtp_tls: row.smtp_tls.parse().unwrap_or(TlsMode::Starttls),
        }
    }
}

impl App {
    /// The workspace's email settings, or `None` before any are saved (owner and admins).
    pub async fn email_settings(
        &self,
        actor: &Actor,
    ) -> Result<Option<EmailSettingsView>, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let row = settings::find_settings(&self.db, permit.workspace_id()).await?;
        Ok(row.map(EmailSettingsView::from))
    }

    /// Replaces the workspace's email settings (owner and admins).
    #[tracing::instrument(skip_all)]
    pub async fn update_email_settings(
        &self,
        actor: &Actor,
        input: EmailSettingsInput,
        context: &RequestContext,
    ) -> Result<EmailSettingsView, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let workspace_id = permit.workspace_id();
        let mut row = validate(workspace_id, &input)?;
        if let Some(refusal) = row
            .smtp_host
            .as_deref()
            .and_then(|host| self.config.outbound.refusal_for_literal(host))
        {
            return Err(AppError::invalid("smtp_host", refusal));
        }
        let mut tx = self.db.begin().await?;
        let before = settings::find_settings_in(&mut tx, workspace_id).await?;
        row.smtp_password = match input.smtp_password.as_deref() {
            None => match before.as_ref() {
                // The sealed password goes only to the server it was given for: pointing the
                // settings elsewhere without it would hand it to that server at `AUTH`.
                Some(b) if b.smtp_password.is_some() && !same_server(b, &row) => {
                    return Err(AppError::invalid(
                        "smtp_password",
                        "enter the password again: the server, port, TLS mode or username changed",
                    ));
                }
                Some(b) => b.smtp_password.clone(),
                None => None,
            },
            Some("") => None,
            Some(password) => Some(self.config.secret_key.seal(password.as_bytes())?),
        };
        settings::put_settings(&mut tx, &row).await?;
        let view = EmailSettingsView::from(row.clone());
        let entry = Entry {
            organization_id: None,
            action: "workspace.email_settings_updated",
            target_kind: "workspace",
            target_id: Some(workspace_id.as_uuid()),
            target_label: &row.sender_name,
            changes: changes(before.map(EmailSettingsView::from).as_ref(), &view),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(view)
    }

    /// Sends a test email to `to` with the saved settings and returns the SMTP server's answer;
    /// a refusal or an unreachable server is an error carrying what went wrong.
    #[tracing::instrument(skip_all)]
    pub async fn send_test_email(&self, actor: &Actor, to: &str) -> Result<String, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let to = Email::parse(to).map_err(|e| AppError::invalid("to", e.to_string()))?;
        let settings = settings::find_settings(&self.db, permit.workspace_id())
            .await?
            .filter(|s| s.smtp_host.is_some())
            .ok_or(AppError::Conflict {
                field: "smtp_host",
                message: "save an SMTP server first",
            })?;
        let brand = self.brand_of(permit.workspace_id()).await?;
        let message = Rendered {
            subject: format!("{}: test email", brand.product_name),
            html: format!(
                "<p>This test email from {} reached you: the email settings work.</p>",
                escape(&brand.product_name)
            ),
            text: format!(
                "This test email from {} reached you: the email settings work.",
                brand.product_name
            ),
        };
        let delivery = smtp::send(
            &settings,
            &self.config.secret_key,
            &self.config.outbound,
            to.as_str(),
            &message,
            self.config.outbox.smtp_timeout,
        )
        .await;
        if delivery.ok {
            Ok(delivery.response)
        } else {
            Err(AppError::Upstream(delivery.response))
        }
    }
}

fn validate(
    workspace_id: WorkspaceId,
    input: &EmailSettingsInput,
) -> Result<EmailSettingsRow, AppError> {
    let mut check = Validation::default();
    let sender_name = check.check("sender_name", ProductName::parse(&input.sender_name));
    let sender_address = check.check("sender_address", Email::parse(&input.sender_address));
    let reply_to = match input.reply_to.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => check.check("reply_to", Email::parse(raw)),
    };
    let smtp_host = match input.smtp_host.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("localhost") => Some("localhost".to_owned()),
        Some(raw) if raw.parse::<std::net::IpAddr>().is_ok() => Some(raw.to_owned()),
        Some(raw) => check
            .check("smtp_host", Hostname::parse(raw))
            .map(|h| h.as_str().to_owned()),
    };
    let tls = match input.smtp_tls.as_deref() {
        None => TlsMode::Starttls,
        Some(raw) => check
            .check("smtp_tls", raw.parse::<TlsMode>())
            .unwrap_or(TlsMode::Starttls),
    };
    if input.smtp_port == Some(0) {
        check.fail("smtp_port", "must be between 1 and 65535");
    }
    let username = input
        .smtp_username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    if username.is_some_and(|u| u.chars().count() > 254 || u.chars().any(char::is_control)) {
        check.fail("smtp_username", "must be at most 254 plain characters");
    }
    if input.smtp_password.as_ref().is_some_and(|p| p.len() > 1024) {
        check.fail("smtp_password", "must be at most 1024 bytes");
    }
    if smtp_host.is_none() && (username.is_some() || input.smtp_port.is_some()) {
        check.fail("smtp_host", "is required with a port or a username");
    }
    check.finish()?;
    let (Some(sender_name), Some(sender_address)) = (sender_name, sender_address) else {
        return Err(AppError::invalid("sender_name", "is invalid"));
    };
    let default_port = match tls {
        TlsMode::Starttls => 587,
        TlsMode::Tls => 465,
        TlsMode::None => 25,
    };
    Ok(EmailSettingsRow {
        workspace_id,
        sender_name: sender_name.as_str().to_owned(),
        sender_address: sender_address.as_str().to_owned(),
        reply_to: reply_to.map(|e| e.as_str().to_owned()),
        smtp_port: smtp_host
            .as_ref()
            .map(|_| i64::from(input.smtp_port.unwrap_or(default_port))),
        smtp_host,
        smtp_username: username.map(str::to_owned),
        smtp_password: None,
        smtp_tls: tls.as_str().to_owned(),
        updated_at: Timestamp::now(),
    })
}

/// Whether two settings reach the same server as the same user.
fn same_server(a: &EmailSettingsRow, b: &EmailSettingsRow) -> bool {
    a.smtp_host == b.smtp_host
        && a.smtp_port == b.smtp_port
        && a.smtp_tls == b.smtp_tls
        && a.smtp_username == b.smtp_username
}

/// Reads one field of the settings as text, for the log.
type Reader = fn(&EmailSettingsView) -> Option<String>;

fn changes(before: Option<&EmailSettingsView>, after: &EmailSettingsView) -> Changes {
    let text = |v: Option<&EmailSettingsView>, f: Reader| v.and_then(f);
    let fields: [(&str, Reader); 8] = [
        ("sender_name", |v| Some(v.sender_name.clone())),
        ("sender_address", |v| Some(v.sender_address.clone())),
        ("reply_to", |v| v.reply_to.clone()),
        ("smtp_host", |v| v.smtp_host.clone()),
        ("smtp_port", |v| v.smtp_port.map(|p| p.to_string())),
        ("smtp_username", |v| v.smtp_username.clone()),
        ("smtp_tls", |v| Some(v.smtp_tls.as_str().to_owned())),
        // The password itself is never logged; only whether one is set.
        ("smtp_password_set", |v| {
            Some(v.smtp_password_set.to_string())
        }),
    ];
    let mut changes = Changes::new();
    for (field, read) in fields {
        let (old, new) = (text(before, read), read(after));
        if old != new {
            changes = changes.field(field, old, new);
        }
    }
    changes
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
