//! The email outbox. An email is enqueued in the transaction of the change that causes it, so
//! it exists exactly when the change does; a worker on every node delivers due emails, each
//! claimed by one node at a time, retrying with backoff until the server accepts or refuses it.
//! Deliveries run side by side with a cap per workspace, so one workspace's slow or silent mail
//! server holds up only its own email.

use crate::error::AppError;
use crate::mail::templates::{Composed, Rendered};
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext, mail::smtp};
use clientele_domain::{Action, Actor, OutboxId, Resource, Timestamp, WorkspaceId, authorize};
use clientele_store::Tx;
use clientele_store::mail::outbox::{self, MessageRow, NewMessage};
use clientele_store::mail::settings;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use tokio::task::JoinSet;

/// How the worker paces itself.
#[derive(Clone, Debug)]
pub struct OutboxSettings {
    /// How often to look for due emails when nothing wakes the worker.
    pub poll_interval: Duration,
    /// The wait after the first failed attempt; it doubles with each further one.
    pub retry_base: Duration,
    /// The longest wait between attempts.
    pub retry_cap: Duration,
    /// Attempts before an email is marked failed.
    pub max_attempts: i64,
    /// Bounds each network step of an SMTP exchange (connecting and the greeting included).
    pub smtp_timeout: Duration,
    /// Deliveries this node runs at once.
    pub concurrency: usize,
    /// Deliveries of one workspace this node runs at once.
    pub per_workspace: usize,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            retry_base: Duration::from_secs(30),
            retry_cap: Duration::from_secs(60 * 60),
            max_attempts: 10,
            smtp_timeout: Duration::from_secs(10),
            concurrency: 16,
            per_workspace: 2,
        }
    }
}

/// The sealed part of a stored email: what is sent, and what the outbox shows (the same email
/// with its link hidden). The `subject` column holds the shown subject.
#[derive(Serialize, Deserialize)]
struct Body {
    subject: String,
    html: String,
    text: String,
    shown_html: String,
    shown_text: String,
}

/// A queued, sent or failed email, as its workspace's owner and admins see it in a list.
#[derive(Clone, Debug)]
pub struct OutboxEmail {
    pub id: OutboxId,
    /// `invitation`, `password_reset` or `account_changed`.
    pub kind: String,
    pub recipient: String,
    /// The subject with the link hidden.
    pub subject: String,
    /// `pending` (waiting or retrying), `sent` or `failed`.
    pub status: String,
    pub attempts: i64,
    /// The SMTP server's last answer, or why the last attempt failed.
    pub last_response: Option<String>,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
}

impl OutboxEmail {
    fn of(row: MessageRow) -> Self {
        Self {
            id: row.id,
            next_attempt_at: (row.status == "pending").then_some(row.next_attempt_at),
            sent_at: row.sent_at.and_then(|at| Timestamp::try_from(at).ok()),
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            status: row.status,
            attempts: row.attempts,
            last_response: row.last_response,
            created_at: row.created_at,
        }
    }
}

/// An email as its workspace's owner and admins read it: never with its link.
#[derive(Clone, Debug)]
pub struct OutboxMessage {
    pub email: OutboxEmail,
    /// The bodies with the link hidden; `None` when they cannot be opened with this server's
    /// key.
    pub html: Option<String>,
    pub text: Option<String>,
}

/// Enqueues `email` to `to` inside the caller's transaction.
pub(crate) async fn enqueue(
    app: &App,
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    kind: &str,
    to: &str,
    email: &Composed,
) -> Result<OutboxId, AppError> {
    let body = serde_json::to_vec(&Body {
        subject: email.sent.subject.clone(),
        html: email.sent.html.clone(),
        text: email.sent.text.clone(),
        shown_html: email.shown.html.clone(),
        shown_text: email.shown.text.clone(),
    })
    .map_err(AppError::internal)?;
    let id = OutboxId::new();
    let new = NewMessage {
        id,
        workspace_id,
        kind,
        recipient: to,
        subject: &email.shown.subject,
        body: &app.config.secret_key.seal(&body)?,
        created_at: Timestamp::now(),
    };
    outbox::insert(tx, &new).await?;
    Ok(id)
}

impl App {
    /// Wakes this node's worker after a transaction that enqueued email has committed, and
    /// notes in the log when the workspace has no SMTP server to send it with.
    pub(crate) async fn enqueued(&self, workspace_id: WorkspaceId, id: OutboxId) {
        self.outbox_wake.notify_one();
        let has_smtp = settings::find_settings(&self.db, workspace_id)
            .await
            .ok()
            .flatten()
            .is_some_and(|s| s.smtp_host.is_some());
        if !has_smtp {
            tracing::warn!(
                outbox_id = %id.as_uuid(),
                "no SMTP server is set for the workspace: the email waits in the outbox until one is"
            );
        }
    }

    /// Starts delivering the emails due now, as far as the caps allow.
    async fn start_due(&self, flights: &mut Flights) -> Result<(), AppError> {
        let settings = &self.config.outbox;
        let room = settings.concurrency.saturating_sub(flights.tasks.len());
        if room == 0 {
            return Ok(());
        }
        let busy = flights.busy(settings.per_workspace);
        let limit = u64::try_from(room).unwrap_or(u64::MAX);
        for email in outbox::due(&self.db, Timestamp::now(), limit, &busy).await? {
            if flights.count(email.workspace_id) >= settings.per_workspace {
                continue;
            }
            let app = self.clone();
            flights.start(email.workspace_id, async move {
                if let Err(error) = app.deliver(email.id).await {
                    tracing::warn!(error = %error, "the outbox worker could not deliver");
                }
            });
        }
        Ok(())
    }

    async fn deliver(&self, id: OutboxId) -> Result<bool, AppError> {
        let settings = &self.config.outbox;
        let now = Timestamp::now();
        // Held long enough for a slow server; if this node dies, another retries after it.
        let lease = now.after(settings.smtp_timeout * 6);
        let mut tx = self.db.begin().await?;
        let Some(message) = outbox::claim(&mut tx, id, now, lease).await? else {
            return Ok(false);
        };
        tx.commit().await?;
        let delivery = match (
            settings::find_settings(&self.db, message.workspace_id).await?,
            self.open_body(&message),
        ) {
            (Some(smtp), Some(body)) => {
                let email = Rendered {
                    subject: body.subject,
                    html: body.html,
                    text: body.text,
                };
                smtp::send(
                    &smtp,
                    &self.config.secret_key,
                    &self.config.outbound,
                    &message.recipient,
                    &email,
                    settings.smtp_timeout,
                )
                .await
            }
            (None, _) => smtp::Delivery {
                ok: false,
                permanent: false,
                response: "no SMTP server is set".into(),
            },
            (_, None) => smtp::Delivery {
                ok: false,
                permanent: true,
                response: "the body cannot be opened with this server's secret key".into(),
            },
        };
        let done = Timestamp::now();
        let (status, next) = if delivery.ok {
            ("sent", done)
        } else if delivery.permanent || message.attempts >= settings.max_attempts {
            ("failed", done)
        } else {
            ("pending", done.after(backoff(settings, message.attempts)))
        };
        tracing::info!(
            outbox_id = %id.as_uuid(),
            attempt = message.attempts,
            status,
            response = %delivery.response,
            "email delivery attempted"
        );
        let mut tx = self.db.begin().await?;
        outbox::settle(&mut tx, id, status, &delivery.response, next, done).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Runs this node's outbox worker until `shutdown` completes.
    pub async fn run_outbox(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut flights = Flights::default();
        loop {
            if let Err(error) = self.start_due(&mut flights).await {
                tracing::warn!(error = %error, "the outbox worker could not look for due email");
            }
            tokio::select! {
                () = &mut shutdown => break,
                Some(landed) = flights.tasks.join_next_with_id(), if !flights.tasks.is_empty() => {
                    flights.land(landed.map_or_else(|error| error.id(), |(id, ())| id));
                }
                () = self.outbox_wake.notified() => {}
                () = tokio::time::sleep(self.config.outbox.poll_interval) => {}
            }
        }
        // Deliveries under way finish (each is bounded by the SMTP timeouts) rather than being
        // sent again by another node once their lease runs out.
        let grace = self.config.outbox.smtp_timeout * 5;
        let _ = tokio::time::timeout(grace, flights.tasks.join_all()).await;
    }

    /// The workspace's emails, newest first (owner and admins).
    pub async fn list_outbox(
        &self,
        actor: &Actor,
        status: Option<&str>,
        limit: Option<u64>,
    ) -> Result<Vec<OutboxEmail>, AppError> {
        let permit = authorize(
            actor,
            Action::ReadOutbox,
            &Resource::Workspace(actor.workspace_id),
        )?;
        if let Some(status) = status
            && !["pending", "sent", "failed"].contains(&status)
        {
            return Err(AppError::invalid(
                "status",
                "must be one of pending, sent, failed",
            ));
        }
        let limit = crate::cursor::page_size(limit)?;
        let rows = outbox::list(&self.db, permit.workspace_id(), status, limit).await?;
        Ok(rows.into_iter().map(OutboxEmail::of).collect())
    }

    /// One email with its bodies, its link hidden (owner and admins). Reading it is logged.
    #[tracing::instrument(skip_all)]
    pub async fn outbox_message(
        &self,
        actor: &Actor,
        id: OutboxId,
        context: &RequestContext,
    ) -> Result<OutboxMessage, AppError> {
        // Another workspace's email is missing for everyone, whatever their role.
        let row = outbox::find(&self.db, actor.workspace_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let permit = authorize(
            actor,
            Action::ReadOutbox,
            &Resource::Workspace(row.workspace_id),
        )?;
        let tx = self.db.begin().await?;
        let entry = Entry {
            organization_id: None,
            action: "outbox.message_read",
            target_kind: "email",
            target_id: Some(row.id.as_uuid()),
            target_label: &row.subject,
            changes: Changes::new()
                .set("kind", &row.kind)
                .set("recipient", &row.recipient),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        let body = self.open_body(&row);
        Ok(OutboxMessage {
            html: body.as_ref().map(|b| b.shown_html.clone()),
            text: body.map(|b| b.shown_text),
            email: OutboxEmail::of(row),
        })
    }

    /// An email exactly as its recipient receives it, link included. No route reaches this:
    /// it serves the delivery worker's callers and the tests that play the recipient.
    pub async fn recipient_copy(
        &self,
        workspace_id: WorkspaceId,
        id: OutboxId,
    ) -> Result<Option<Rendered>, AppError> {
        let Some(row) = outbox::find(&self.db, workspace_id, id).await? else {
            return Ok(None);
        };
        Ok(self.open_body(&row).map(|body| Rendered {
            subject: body.subject,
            html: body.html,
            text: body.text,
        }))
    }

    fn open_body(&self, row: &MessageRow) -> Option<Body> {
        let plain = self.config.secret_key.open(&row.body)?;
        serde_json::from_slice(&plain).ok()
    }
}

/// The deliveries this node is running, by workspace.
#[derive(Default)]
struct Flights {
    tasks: JoinSet<()>,
    owners: HashMap<tokio::task::Id, WorkspaceId>,
    by_workspace: HashMap<WorkspaceId, usize>,
}

impl Flights {
    fn count(&self, workspace_id: WorkspaceId) -> usize {
        self.by_workspace.get(&workspace_id).copied().unwrap_or(0)
    }

    /// The workspaces with `cap` deliveries running.
    fn busy(&self, cap: usize) -> Vec<WorkspaceId> {
        self.by_workspace
            .iter()
            .filter(|(_, running)| **running >= cap)
            .map(|(id, _)| *id)
            .collect()
    }

    fn start(
        &mut self,
        workspace_id: WorkspaceId,
        delivery: impl Future<Output = ()> + Send + 'static,
    ) {
        *self.by_workspace.entry(workspace_id).or_default() += 1;
        let task = self.tasks.spawn(delivery);
        self.owners.insert(task.id(), workspace_id);
    }

    /// Frees the slot of a delivery that ended, however it ended.
    fn land(&mut self, task: tokio::task::Id) {
        let Some(workspace_id) = self.owners.remove(&task) else {
            return;
        };
        if let Some(running) = self.by_workspace.get_mut(&workspace_id) {
            *running = running.saturating_sub(1);
            if *running == 0 {
                self.by_workspace.remove(&workspace_id);
            }
        }
    }
}

/// The wait after `attempts` failed attempts: the base, doubling, up to the cap.
fn backoff(settings: &OutboxSettings, attempts: i64) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(20);
    settings
        .retry_base
        .saturating_mul(1 << doublings)
        .min(settings.retry_cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_up_to_the_cap() {
        let settings = OutboxSettings::default();
        assert_eq!(backoff(&settings, 1), Duration::from_secs(30));
        assert_eq!(backoff(&settings, 2), Duration::from_secs(60));
        assert_eq!(backoff(&settings, 4), Duration::from_secs(240));
        assert_eq!(backoff(&settings, 30), Duration::from_secs(3600));
    }
}
