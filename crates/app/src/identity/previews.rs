//! "Log in as": a workspace member opens the client dashboard as one of its users. The preview
//! is a session of its own, marked with the member as the real actor, ending within an hour;
//! it cannot change the user's password or email, and starting and ending it are logged.

use crate::clients::client_users::resource_of;
use crate::error::AppError;
use crate::identity::account_links::{self, Accepted};
use crate::identity::account_mail::link_url;
use crate::identity::auth::start_session;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::SessionAccount;
use clientele_domain::{
    Action, Actor, ClientUserId, ClientUserStatus, MemberId, Principal, Timestamp, authorize,
};
use clientele_store::clients::client_users;
use clientele_store::identity::account_tokens::{Purpose, Subject};
use std::time::Duration;

/// How long the hand-over link from the console to the dashboard works.
const HANDOVER_LIFETIME: Duration = Duration::from_secs(2 * 60);

/// A preview ready to open in the browser.
#[derive(Debug)]
pub struct PreviewStarted {
    /// Opens the dashboard (on the workspace's domain) as the user; works once, briefly.
    pub url: String,
    pub expires_at: Timestamp,
}

impl App {
    /// Starts a preview of the dashboard as a client user (signed-in workspace members).
    #[tracing::instrument(skip_all)]
    pub async fn start_preview(
        &self,
        actor: &Actor,
        id: ClientUserId,
        context: &RequestContext,
    ) -> Result<PreviewStarted, AppError> {
        let user = client_users::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(actor, Action::PreviewClientUser, &resource_of(&user))?;
        let Principal::Member { id: member, .. } = actor.principal else {
            return Err(AppError::Forbidden(
                "only a signed-in agency member can open a preview",
            ));
        };
        if user.status == ClientUserStatus::Disabled {
            return Err(AppError::Conflict {
                field: "status",
                message: "a disabled user cannot be previewed",
            });
        }
        let brand = self.brand_of(permit.workspace_id()).await?;
        let mut tx = self.db.begin().await?;
        let (link, _) = account_links::issue(
            &mut tx,
            permit.workspace_id(),
            Purpose::Preview,
            &Subject::ClientUser(id),
            Some(member),
            HANDOVER_LIFETIME,
        )
        .await?;
        let home = brand.dashboard_url(&self.config.public_url);
        let url = link_url(&home, "/preview", &link.token);
        let entry = Entry {
            organization_id: Some(user.organization_id),
            action: "client_user.preview_started",
            target_kind: "client_user",
            target_id: Some(id.as_uuid()),
            target_label: &user.name,
            changes: Changes::new(),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(PreviewStarted {
            url,
            expires_at: link.expires_at,
        })
    }

    /// Exchanges a preview hand-over link for a preview session on the dashboard's domain.
    #[tracing::instrument(skip_all)]
    pub async fn open_preview(&self, token: &str) -> Result<Accepted, AppError> {
        let row = account_links::find_open(&self.db, Purpose::Preview, token).await?;
        let (Some(Subject::ClientUser(id)), Some(member)) = (row.subject(), row.created_by) else {
            return Err(AppError::LinkUnusable(
                "This preview link is not valid. Start the preview again from the console.",
            ));
        };
        let mut tx = self.db.begin().await?;
        account_links::consume(&mut tx, &row).await?;
        let account = SessionAccount::ClientUser(id);
        let (token, expires_at) = start_session(
            &mut tx,
            row.workspace_id,
            account,
            Some(MemberId::from(member)),
        )
        .await?;
        tx.commit().await?;
        Ok(Accepted {
            signed_in: crate::identity::auth::SignInStep::SignedIn(
                crate::identity::auth::SignedIn {
                    csrf_token: token.csrf_token(),
                    token,
                    account,
                    expires_at,
                },
            ),
            workspace_id: row.workspace_id,
        })
    }
}
