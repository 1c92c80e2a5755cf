//! Notices that tell a person their account changed: a new sign-in address (sent to the old
//! one), a password set by someone else, a second factor reset by the agency. Whoever made the
//! change, the person learns of it at an address the change did not touch.

use crate::App;
use crate::error::AppError;
use crate::identity::account_mail::Recipient;
use crate::mail::templates::{AccountChange, describe_change};
use crate::workspace::brand::Brand;
use clientele_domain::{EmailKind, OutboxId, Timestamp, WorkspaceId};
use clientele_store::{Tx, workspace};

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
    /// [`App::enqueued`] with the id once it commits. `workspace_slug` names the workspace on
    /// a sign-in link off the dashboard's own domain.
    pub(crate) async fn notify(
        &self,
        tx: &mut Tx,
        recipient: &Recipient<'_>,
        workspace_slug: &str,
        change: &AccountChange,
    ) -> Result<OutboxId, AppError> {
        let home = recipient.home(&self.config.public_url);
        let sign_in = if !recipient.is_client {
            home.join("/console/sign-in")
        } else if recipient.brand.primary_domain().is_none() {
            home.join(&format!("/sign-in?workspace={workspace_slug}"))
        } else {
            home.join("/sign-in")
        };
        let change = describe_change(change, recipient.language);
        let (kind, now) = (EmailKind::AccountChanged, Timestamp::now());
        self.queue_account_email(tx, recipient, kind, sign_in, now, change)
            .await
    }
}
