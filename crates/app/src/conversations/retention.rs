//! How long conversations are kept, and erasing one contact's. A workspace may keep
//! conversations for a number of days after their last message; a job on every node deletes
//! older ones in batches. A contact's conversations can be erased on request. Each deletion is
//! recorded in the activity log with how many conversations went, never what they said.

use crate::error::AppError;
use crate::workspace::activity::{self, Author, Changes, Entry};
use crate::{App, RequestContext};
use clientele_domain::{
    Action, Actor, Email, OrganizationId, Permit, Resource, Timestamp, WorkspaceId, authorize,
};
use clientele_store::clients::organizations;
use clientele_store::conversations::retention::{self, Contact};
use std::future::Future;
use std::time::Duration;

/// The longest retention period, in days (ten years).
pub const MOST_DAYS: i64 = 3650;
/// Conversations deleted per transaction.
const BATCH: u64 = 1000;
/// How often each node looks for expired conversations.
const INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Whose conversations to erase: an email, a phone number, or both; in one organization or
/// in all of the workspace's.
#[derive(Clone, Debug, Default)]
pub struct ErasureRequest {
    pub organization_id: Option<OrganizationId>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

impl App {
    /// How many days the workspace keeps conversations; none: until erased (owner and admins).
    pub async fn transcript_retention(&self, actor: &Actor) -> Result<Option<i64>, AppError> {
        let permit = retention_permit(actor)?;
        Ok(retention::days(&self.db, permit.workspace_id()).await?)
    }

    /// Sets how many days conversations are kept after their last message (1 to 3650), or
    /// keeps them until erased (`None`). Older ones go at the next pass of the job.
    #[tracing::instrument(skip_all)]
    pub async fn set_transcript_retention(
        &self,
        actor: &Actor,
        days: Option<i64>,
        context: &RequestContext,
    ) -> Result<Option<i64>, AppError> {
        let permit = retention_permit(actor)?;
        if days.is_some_and(|days| !(1..=MOST_DAYS).contains(&days)) {
            return Err(AppError::invalid(
                "transcript_retention_days",
                "must be between 1 and 3650, or null to keep conversations until erased",
            ));
        }
        let workspace_id = permit.workspace_id();
        let before = retention::days(&self.db, workspace_id).await?;
        if before == days {
            return Ok(days);
        }
        let mut tx = self.db.begin().await?;
        retention::set_days(&mut tx, workspace_id, days).await?;
        let entry = Entry {
            organization_id: None,
            action: "workspace.retention_changed",
            target_kind: "workspace",
            target_id: Some(workspace_id.as_uuid()),
            target_label: "Conversation retention",
            changes: Changes::new().field("transcript_retention_days", before, days),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(days)
    }

    /// Erases every conversation of one contact, found by email or phone (owner and admins);
    /// returns how many went. The log records the erasure and the count, not the contact.
    #[tracing::instrument(skip_all)]
    pub async fn erase_contact(
        &self,
        actor: &Actor,
        request: ErasureRequest,
        context: &RequestContext,
    ) -> Result<u64, AppError> {
        let permit = retention_permit(actor)?;
        let workspace_id = permit.workspace_id();
        let email = request
            .email
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| Email::parse(e).map_err(|error| AppError::invalid("email", error.to_string())))
            .transpose()?;
        let phone = request
            .phone
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty());
        if phone.is_some_and(|p| p.chars().count() > 50) {
            return Err(AppError::invalid("phone", "must be at most 50 characters"));
        }
        if email.is_none() && phone.is_none() {
            return Err(AppError::invalid(
                "email",
                "name the contact by email, phone, or both",
            ));
        }
        if let Some(id) = request.organization_id {
            organizations::find(&self.db, workspace_id, id)
                .await?
                .ok_or_else(|| AppError::invalid("organization_id", "no such organization"))?;
        }
        let contact = Contact {
            email: email.as_ref().map(Email::as_str),
            phone,
        };
        let mut tx = self.db.begin().await?;
        let erased =
            retention::erase_contact(&mut tx, workspace_id, request.organization_id, &contact)
                .await?;
        let matched_by = match (email.is_some(), phone.is_some()) {
            (true, true) => "email and phone",
            (true, false) => "email",
            _ => "phone",
        };
        let entry = Entry {
            organization_id: request.organization_id,
            action: "contact.erased",
            target_kind: "contact",
            target_id: None,
            target_label: "A contact",
            changes: Changes::new()
                .set("conversations_erased", erased)
                .set("matched_by", matched_by),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        Ok(erased)
    }

    /// Deletes every workspace's conversations past its retention period, a batch per
    /// transaction, each batch with its activity entry; returns how many went.
    pub async fn expire_transcripts(&self) -> Result<u64, AppError> {
        let now = Timestamp::now();
        let mut total = 0;
        for workspace in retention::limited(&self.db).await? {
            let days = u64::try_from(workspace.transcript_retention_days).unwrap_or(0);
            let before = Timestamp::try_from(
                now.unix_micros() - i64::try_from(days * 86_400_000_000).unwrap_or(i64::MAX),
            )
            .unwrap_or(now);
            total += self.expire_workspace(workspace.id, days, before).await?;
        }
        Ok(total)
    }

    async fn expire_workspace(
        &self,
        workspace_id: WorkspaceId,
        days: u64,
        before: Timestamp,
    ) -> Result<u64, AppError> {
        let mut total = 0;
        loop {
            let mut tx = self.db.begin().await?;
            let deleted = retention::expire_batch(&mut tx, workspace_id, before, BATCH).await?;
            if deleted == 0 {
                return Ok(total);
            }
            let entry = Entry {
                organization_id: None,
                action: "conversations.expired",
                target_kind: "workspace",
                target_id: Some(workspace_id.as_uuid()),
                target_label: "Conversation retention",
                changes: Changes::new()
                    .set("conversations_deleted", deleted)
                    .set("retention_days", days),
            };
            let author = Author::system("retention");
            activity::record(
                &mut tx,
                workspace_id,
                &author,
                &RequestContext::default(),
                entry,
            )
            .await?;
            tx.commit().await?;
            total += deleted;
            if deleted < BATCH {
                return Ok(total);
            }
        }
    }

    /// Runs this node's retention job until `shutdown` completes: a pass at start, then
    /// hourly. Nodes may overlap; a conversation is deleted once whoever gets to it.
    pub async fn run_retention(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            match self.expire_transcripts().await {
                Ok(0) => {}
                Ok(deleted) => tracing::info!(deleted, "expired conversations deleted"),
                Err(error) => tracing::warn!(error = %error, "the retention job failed"),
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(INTERVAL) => {}
            }
        }
    }
}

fn retention_permit(actor: &Actor) -> Result<Permit, AppError> {
    Ok(authorize(
        actor,
        Action::ManageDataRetention,
        &Resource::Workspace(actor.workspace_id),
    )?)
}
