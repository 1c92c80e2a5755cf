//! A workspace's email templates: the built-in ones, its own versions per kind and language,
//! previews, and composing an email for sending.

use crate::error::AppError;
use crate::mail::templates::{self, Composed, Placeholders, Rendered, TemplateSource};
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::{
    Action, Actor, EmailKind, Language, Resource, Timestamp, WorkspaceId, authorize,
};
use clientele_store::Tx;
use clientele_store::mail;
use clientele_store::mail::templates::TemplateRow;

/// One template of a workspace: its own version, or the built-in one.
#[derive(Clone, Debug)]
pub struct EmailTemplate {
    pub kind: EmailKind,
    pub language: Language,
    pub source: TemplateSource,
    /// Whether this is the workspace's own version.
    pub customized: bool,
    pub updated_at: Option<Timestamp>,
}

impl App {
    /// Every kind in every language, the workspace's own versions where it has them.
    pub async fn email_templates(&self, actor: &Actor) -> Result<Vec<EmailTemplate>, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let own = mail::templates::list(&self.db, permit.workspace_id()).await?;
        let mut all = Vec::new();
        for kind in EmailKind::ALL {
            for language in Language::ALL {
                let row = own
                    .iter()
                    .find(|r| r.kind == kind.as_str() && r.language == language.as_str());
                all.push(template_of(*kind, *language, row.cloned()));
            }
        }
        Ok(all)
    }

    /// One template, the workspace's own version or the built-in one.
    pub async fn email_template(
        &self,
        actor: &Actor,
        kind: EmailKind,
        language: Language,
    ) -> Result<EmailTemplate, AppError> {
        let mut all = self.email_templates(actor).await?;
        all.retain(|t| t.kind == kind && t.language == language);
        all.pop().ok_or(AppError::NotFound)
    }

    /// Saves the workspace's own version after checking its syntax and placeholders.
    #[tracing::instrument(skip_all)]
    pub async fn save_email_template(
        &self,
        actor: &Actor,
        kind: EmailKind,
        language: Language,
        source: TemplateSource,
        context: &RequestContext,
    ) -> Result<EmailTemplate, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        templates::check(&source)?;
        let row = TemplateRow {
            kind: kind.as_str().to_owned(),
            language: language.as_str().to_owned(),
            subject: source.subject,
            html: source.html,
            text: source.text,
            updated_at: Timestamp::now(),
        };
        let mut tx = self.db.begin().await?;
        mail::templates::put_template(&mut tx, permit.workspace_id(), &row).await?;
        let label = format!("{} ({})", kind.as_str(), language.as_str());
        let entry = Entry {
            organization_id: None,
            action: "workspace.email_template_saved",
            target_kind: "email_template",
            target_id: None,
            target_label: &label,
            changes: Changes::new().set("subject", &row.subject),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(template_of(kind, language, Some(row)))
    }

    /// Drops the workspace's own version, so the built-in one applies again.
    #[tracing::instrument(skip_all)]
    pub async fn reset_email_template(
        &self,
        actor: &Actor,
        kind: EmailKind,
        language: Language,
        context: &RequestContext,
    ) -> Result<EmailTemplate, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let mut tx = self.db.begin().await?;
        let removed = mail::templates::delete_template(
            &mut tx,
            permit.workspace_id(),
            kind.as_str(),
            language.as_str(),
        )
        .await?;
        if removed {
            let label = format!("{} ({})", kind.as_str(), language.as_str());
            let entry = Entry {
                organization_id: None,
                action: "workspace.email_template_reset",
                target_kind: "email_template",
                target_id: None,
                target_label: &label,
                changes: Changes::new(),
            };
            activity::commit(tx, &permit, actor, context, entry).await?;
        }
        Ok(template_of(kind, language, None))
    }

    /// Renders a template (the given source, or the current one) with example values and the
    /// workspace's brand, as the recipient would see it.
    pub async fn preview_email_template(
        &self,
        actor: &Actor,
        kind: EmailKind,
        language: Language,
        source: Option<TemplateSource>,
    ) -> Result<Rendered, AppError> {
        let current = self.email_template(actor, kind, language).await?;
        let source = match source {
            Some(source) => {
                templates::check(&source)?;
                source
            }
            None => current.source,
        };
        let brand = self.brand_of(actor.workspace_id).await?;
        let mut values = Placeholders::sample();
        values.product_name = brand.product_name.clone();
        values.primary_color = brand.primary_color.clone();
        values.accent_color = brand.accent_color.clone();
        values.support_email = brand.support_email.clone();
        values.logo_url = brand.logo_url(&self.config.public_url);
        templates::render(&source, &values)
    }

    /// The email of `kind` in `language` for sending: the workspace's version, else the
    /// built-in one. A stored version that no longer renders falls back to the built-in one.
    pub(crate) async fn compose(
        &self,
        tx: &mut Tx,
        workspace_id: WorkspaceId,
        kind: EmailKind,
        language: Language,
        values: &Placeholders,
    ) -> Result<Composed, AppError> {
        let own =
            mail::templates::find_template_in(tx, workspace_id, kind.as_str(), language.as_str())
                .await?;
        if let Some(row) = own {
            let source = TemplateSource {
                subject: row.subject,
                html: row.html,
                text: row.text,
            };
            match templates::compose(&source, values) {
                Ok(composed) => return Ok(composed),
                Err(error) => tracing::warn!(error = %error, "a saved template failed to render"),
            }
        }
        templates::compose(&templates::built_in(kind, language), values)
    }
}

fn template_of(kind: EmailKind, language: Language, row: Option<TemplateRow>) -> EmailTemplate {
    match row {
        Some(row) => EmailTemplate {
            kind,
            language,
            customized: true,
            updated_at: Some(row.updated_at),
            source: TemplateSource {
                subject: row.subject,
                html: row.html,
                text: row.text,
            },
        },
        None => EmailTemplate {
            kind,
            language,
            customized: false,
            updated_at: None,
            source: templates::built_in(kind, language),
        },
    }
}
