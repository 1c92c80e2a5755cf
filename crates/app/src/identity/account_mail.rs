//! Emails about an account, in the workspace's brand and the person's language: the single-use
//! links of invitations and password resets, and the notices of a change to the account. Each
//! is queued inside the transaction of the change it belongs to; call [`App::enqueued`] with
//! its id once that commits.

use crate::App;
use crate::error::AppError;
use crate::identity::account_links::{self, describe_expiry};
use crate::identity::tokens::Token;
use crate::mail::outbox::enqueue;
use crate::mail::templates::Placeholders;
use crate::workspace::brand::Brand;
use clientele_domain::{
    AccountTokenId, BaseUrl, EmailKind, Language, MemberId, OutboxId, Timestamp, WorkspaceId,
};
use clientele_store::Tx;
use clientele_store::clients::client_users::ClientUserRow;
use clientele_store::clients::organizations::OrganizationRow;
use clientele_store::identity::account_tokens::{Purpose, Subject};
use std::time::Duration;

/// Who an account email is for, and where it goes.
pub(crate) struct Recipient<'a> {
    pub workspace_id: WorkspaceId,
    pub name: &'a str,
    /// The address the email goes to: before the change, for a notice of a new address.
    pub address: &'a str,
    /// The organization (a client user's) or the workspace (a member's).
    pub organization_name: &'a str,
    pub language: Language,
    /// Whether the person signs in to the client dashboard, not the console: links lead there.
    pub is_client: bool,
    /// The workspace's brand, read before the transaction.
    pub brand: &'a Brand,
}

impl<'a> Recipient<'a> {
    /// A client user, at their address, in their organization's language.
    pub fn client_user(
        user: &'a ClientUserRow,
        organization: &'a OrganizationRow,
        brand: &'a Brand,
    ) -> Self {
        Self {
            workspace_id: user.workspace_id,
            name: &user.name,
            address: &user.email,
            organization_name: &organization.name,
            language: organization.language,
            is_client: true,
            brand,
        }
    }

    /// Where the person's pages are: the dashboard's address or the console's.
    pub fn home(&self, public_url: &BaseUrl) -> BaseUrl {
        if self.is_client {
            self.brand.dashboard_url(public_url)
        } else {
            self.brand.console_url(public_url)
        }
    }
}

/// A single-use link to send: what it is for, whose account it opens, and the page it leads to.
pub(crate) struct LinkEmail {
    pub purpose: Purpose,
    pub subject: Subject,
    /// The member who had it sent, if a member did.
    pub created_by: Option<MemberId>,
    pub lifetime: Duration,
    /// The path of the page that redeems it, on the recipient's home address.
    pub page: &'static str,
    pub kind: EmailKind,
}

/// A link just sent (or waiting in the outbox).
pub(crate) struct SentLink {
    pub id: AccountTokenId,
    pub expires_at: Timestamp,
    pub outbox_id: OutboxId,
    /// Whether an open link of the same purpose was voided.
    pub replaced: bool,
}

impl App {
    /// Issues a single-use link for `recipient` and queues the email that carries it.
    pub(crate) async fn send_link(
        &self,
        tx: &mut Tx,
        recipient: &Recipient<'_>,
        link: LinkEmail,
    ) -> Result<SentLink, AppError> {
        let (issued, replaced) = account_links::issue(
            tx,
            recipient.workspace_id,
            link.purpose,
            &link.subject,
            link.created_by,
            link.lifetime,
        )
        .await?;
        let url = link_url(
            &recipient.home(&self.config.public_url),
            link.page,
            &issued.token,
        );
        let outbox_id = self
            .queue_account_email(
                tx,
                recipient,
                link.kind,
                url,
                issued.expires_at,
                String::new(),
            )
            .await?;
        Ok(SentLink {
            id: issued.id,
            expires_at: issued.expires_at,
            outbox_id,
            replaced,
        })
    }

    /// Queues an account email of `kind` carrying `link` (working until `expires_at`) and, for
    /// a notice, the description of the change.
    pub(crate) async fn queue_account_email(
        &self,
        tx: &mut Tx,
        recipient: &Recipient<'_>,
        kind: EmailKind,
        link: String,
        expires_at: Timestamp,
        change: String,
    ) -> Result<OutboxId, AppError> {
        let brand = recipient.brand;
        let values = Placeholders {
            user_name: recipient.name.to_owned(),
            organization_name: recipient.organization_name.to_owned(),
            product_name: brand.product_name.clone(),
            link,
            expires_at: describe_expiry(expires_at),
            support_email: brand.support_email.clone(),
            primary_color: brand.primary_color.clone(),
            accent_color: brand.accent_color.clone(),
            logo_url: brand.logo_url(&self.config.public_url),
            change,
        };
        let workspace_id = recipient.workspace_id;
        let email = self
            .compose(tx, workspace_id, kind, recipient.language, &values)
            .await?;
        enqueue(
            self,
            tx,
            workspace_id,
            kind.as_str(),
            recipient.address,
            &email,
        )
        .await
    }
}

/// The address of the page at `path` on `home` that redeems `token`.
pub(crate) fn link_url(home: &BaseUrl, path: &str, token: &Token) -> String {
    home.join(&format!("{path}?token={}", token.reveal()))
}
