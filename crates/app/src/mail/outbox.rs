//! Email in the outbox. An email is enqueued in the transaction of the change that causes it,
//! so it exists exactly when the change does; the outbox worker delivers it, retrying with
//! backoff until the server accepts or refuses it. One workspace's slow or silent mail server
//! holds up only its own email (its own lane).

use crate::error::AppError;
use crate::mail::templates::{Composed, Rendered};
use crate::outbox::{Flights, Lane, backoff};
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext, mail::smtp};
use clientele_domain::{Action, Actor, OutboxId, Resource, Timestamp, WorkspaceId, authorize};
use clientele_store::Tx;
use clientele_store::mail::outbox::{self, MessageRow, NewMessage};
use clientele_store::mail::settings;
use serde::{Deserialize, Serialize};

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
        self.wake_outbox();
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
    pub(crate) async fn start_due_emails(&self, flights: &mut Flights) -> Result<(), AppError> {
        let settings = &self.config.outbox;
        let room = flights.room(settings.concurrency);
        if room == 0 {
            return Ok(());
        }
        let busy = flights.busy_workspaces(settings.per_lane);
        let limit = u64::try_from(room).unwrap_or(u64::MAX);
        for email in outbox::due(&self.db, Timestamp::now(), limit, &busy).await? {
            let lane = Lane::Email(email.workspace_id);
            if flights.count(lane) >= settings.per_lane {
                continue;
            }
            let app = self.clone();
            flights.start(lane, async move {
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
