//! Notices that tell a person their account changed: a new sign-in address (sent to the old
//! one), a password set by someone else, a second factor reset by the agency. Whoever made the
//! change, the person learns of it at an address the change did not touch.

use crate::App;
use crate::error::AppError;
use crate::identity::invitations::placeholders;
use crate::mail::outbox::enqueue;
use crate::mail::templates::{AccountChange, Placeholders, describe_change};
use crate::workspace::brand::Brand;
use clientele_domain::{EmailKind, Language, OutboxId, Timestamp, WorkspaceId};
use clientele_store::{Tx, workspace};

/// Who a notice is for, and where it goes.
pub(crate) struct Recipient<'a> {
    pub workspace_id: WorkspaceId,
    pub name: &'a str,
    /// The address the notice goes to: before the change, for a change of address.
    pub address: &'a str,
    /// The organization (a client user's) or the workspace (a member's).
    pub organization_name: &'a str,
    pub language: Language,
    /// Whether the person signs in to the client dashboard, not the console.
    pub is_client: bool,
    /// The workspace's slug, for a sign-in link off the dashboard's own domain.
    pub workspace_slug: &'a str,
    /// The workspace's brand, read before the transaction.
    pub brand: &'a Brand,
}

impl App {
    /// What a notice needs from outside the transaction: the brand and the workspace's slug.
    pub(crate) async fn notice_context(
        &self,
        workspace_id: WorkspaceId,
    ) -> Result<(Brand, String), AppError> {
        let slug = workspace::find(&self.db, workspace_id)
            .await?
            .ok_or(AppError::NotFound)?
            .slug;
        Ok((self.brand_of(workspace_id).await?, slug))
    }

    /// Queues the notice of `change` inside the caller's transaction; call
    /// [`App::enqueued`] with the id once it commits.
    pub(crate) async fn notify(
        &self,
        tx: &mut Tx,
        recipient: &Recipient<'_>,
        change: &AccountChange,
    ) -> Result<OutboxId, AppError> {
        let brand = recipient.brand;
        let public_url = &self.config.public_url;
        let sign_in = if !recipient.is_client {
            brand.console_url(public_url).join("/console/sign-in")
        } else if brand.primary_domain().is_none() {
            brand
                .dashboard_url(public_url)
                .join(&format!("/sign-in?workspace={}", recipient.workspace_slug))
        } else {
            brand.dashboard_url(public_url).join("/sign-in")
        };
        let values = Placeholders {
            change: describe_change(change, recipient.language),
            ..placeholders(
                brand,
                public_url,
                recipient.name,
                recipient.organization_name,
                sign_in,
                Timestamp::now(),
            )
        };
        let email = self
            .compose(
                tx,
                recipient.workspace_id,
                EmailKind::AccountChanged,
                recipient.language,
                &values,
            )
            .await?;
        enqueue(
            self,
            tx,
            recipient.workspace_id,
            "account_changed",
            recipient.address,
            &email,
        )
        .await
    }
}
