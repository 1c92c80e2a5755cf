//! Webhooks to an agent's runtime: what Clientele tells the runtime (the configuration
//! changed, the agent must stop or may resume, and later a human took a conversation over),
//! signed per the Standard Webhooks specification and delivered through the outbox. Each
//! agent's events are numbered, so a runtime without a public URL pulls the same events by
//! sequence number instead.

use crate::error::AppError;
use crate::outbox::{Flights, Lane, backoff};
use crate::runtime::RuntimeAgent;
use crate::runtime::configuration::configuration_in;
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clientele_domain::{Actor, AgentId, Timestamp, WebhookId, WorkspaceId};
use clientele_store::Tx;
use clientele_store::clients::agents::AgentRow;
use clientele_store::runtime::endpoints::{self, EndpointRow, NewEndpoint};
use clientele_store::runtime::webhooks::{self, AttemptRow, NewAttempt, NewWebhook, WebhookRow};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What every signing secret starts with, as the specification writes them.
pub const SECRET_PREFIX: &str = "whsec_";
/// How long a rotated-out secret still signs when the rotation names no overlap.
pub const DEFAULT_SECRET_OVERLAP: Duration = Duration::from_secs(24 * 60 * 60);
/// How much of a runtime's answer the delivery log keeps.
const EXCERPT_BYTES: usize = 1024;
/// The most events one pull returns.
pub const MOST_PULLED: u64 = 500;

/// The kinds of event Clientele sends a runtime.
pub const CONFIGURATION_CHANGED: &str = "configuration.changed";
pub const AGENT_STOPPED: &str = "agent.stopped";
pub const AGENT_RESUMED: &str = "agent.resumed";
pub const WEBHOOK_TEST: &str = "webhook.test";

/// An agent's webhook endpoint, as its agency's owner and admins see it.
#[derive(Clone, Debug)]
pub struct WebhookEndpoint {
    pub agent_id: AgentId,
    /// Where events are sent; none while the runtime pulls them.
    pub url: Option<String>,
    /// The current signing secret (`whsec_…`); none until the agent is connected.
    pub secret: Option<String>,
    /// Until when the secret it replaced still signs too.
    pub previous_secret_expires_at: Option<Timestamp>,
    /// The sequence number of the agent's latest event.
    pub last_sequence: i64,
}

/// One webhook event and its deliveries.
#[derive(Clone, Debug)]
pub struct WebhookEvent {
    pub id: WebhookId,
    pub sequence: i64,
    pub kind: String,
    /// `pending`, `delivered`, `failed`, or `unsent` (the agent had no URL; it can be pulled).
    pub status: String,
    pub payload: Value,
    pub created_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    /// Attempts to deliver it, newest first.
    pub attempts: Vec<WebhookAttempt>,
}

/// One attempt to deliver an event, and how the runtime answered.
#[derive(Clone, Debug)]
pub struct WebhookAttempt {
    pub attempted_at: Timestamp,
    pub url: String,
    /// The runtime's HTTP status; none when no answer came.
    pub status_code: Option<u16>,
    /// The start of the runtime's answer.
    pub response_excerpt: String,
    /// Why no answer came.
    pub error: Option<String>,
    pub latency_ms: i64,
}

impl From<AttemptRow> for WebhookAttempt {
    fn from(row: AttemptRow) -> Self {
        Self {
            attempted_at: row.attempted_at,
            url: row.url,
            status_code: row.status_code.and_then(|code| u16::try_from(code).ok()),
            response_excerpt: row.response_excerpt,
            error: row.error,
            latency_ms: row.latency_ms,
        }
    }
}

impl WebhookEvent {
    fn of(row: WebhookRow, attempts: Vec<WebhookAttempt>) -> Self {
        Self {
            id: row.id,
            sequence: row.sequence,
            payload: serde_json::from_str(&row.payload).unwrap_or(Value::Null),
            kind: row.kind,
            status: row.status,
            created_at: row.created_at,
            delivered_at: row.delivered_at.and_then(|at| Timestamp::try_from(at).ok()),
            attempts,
        }
    }
}

impl App {
    /// The agent's webhook endpoint (owner and admins).
    pub async fn webhook_endpoint(
        &self,
        actor: &Actor,
        agent_id: AgentId,
    ) -> Result<WebhookEndpoint, AppError> {
        let (_, permit) = self.runtime_permit(actor, agent_id).await?;
        let row = endpoints::find(&self.db, permit.workspace_id(), agent_id).await?;
        Ok(self.endpoint_view(agent_id, row))
    }

    /// Sets where the agent's events are sent, or clears it so the runtime pulls them. The
    /// URL must be https, and may not point inside the operator's network unless allowed.
    #[tracing::instrument(skip_all)]
    pub async fn set_webhook_url(
        &self,
        actor: &Actor,
        agent_id: AgentId,
        url: Option<&str>,
        context: &RequestContext,
    ) -> Result<WebhookEndpoint, AppError> {
        let (agent, permit) = self.runtime_permit(actor, agent_id).await?;
        let url = url.map(|raw| self.checked_webhook_url(raw)).transpose()?;
        let mut tx = self.db.begin().await?;
        let before = self.connect(&mut tx, &agent).await?;
        endpoints::set_url(&mut tx, agent_id, url.as_deref(), Timestamp::now()).await?;
        let entry = Entry {
            organization_id: agent.organization_id(),
            action: "agent.webhook_set",
            target_kind: "agent",
            target_id: Some(agent_id.as_uuid()),
            target_label: &agent.name,
            changes: Changes::new().field("url", before.url.as_deref(), url.as_deref()),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.webhook_endpoint(actor, agent_id).await
    }

    /// Gives the agent a new signing secret; the one it replaces still signs alongside it for
    /// `overlap` (a day unless said otherwise), so the runtime can switch without a gap.
    #[tracing::instrument(skip_all)]
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        agent_id: AgentId,
        overlap: Option<Duration>,
        context: &RequestContext,
    ) -> Result<WebhookEndpoint, AppError> {
        let (agent, permit) = self.runtime_permit(actor, agent_id).await?;
        let overlap = overlap.unwrap_or(DEFAULT_SECRET_OVERLAP);
        if overlap > super::keys::MOST_OVERLAP {
            return Err(AppError::invalid(
                "overlap_seconds",
                "must be at most 604800 (7 days)",
            ));
        }
        let now = Timestamp::now();
        let until = now.after(overlap);
        let mut tx = self.db.begin().await?;
        if self.connect(&mut tx, &agent).await?.created {
            // A new endpoint's secret was never shown: nothing to overlap with.
            endpoints::rotate_secret(&mut tx, agent_id, &self.new_secret()?, now, now).await?;
        } else {
            endpoints::rotate_secret(&mut tx, agent_id, &self.new_secret()?, until, now).await?;
        }
        let entry = Entry {
            organization_id: agent.organization_id(),
            action: "agent.webhook_secret_rotated",
            target_kind: "agent",
            target_id: Some(agent_id.as_uuid()),
            target_label: &agent.name,
            changes: Changes::new().set("previous_secret_expires_at", until.unix_micros()),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.webhook_endpoint(actor, agent_id).await
    }

    /// Sends the agent's runtime a test event now and returns it with the runtime's answer.
    #[tracing::instrument(skip_all)]
    pub async fn send_test_webhook(
        &self,
        actor: &Actor,
        agent_id: AgentId,
        context: &RequestContext,
    ) -> Result<WebhookEvent, AppError> {
        let (agent, permit) = self.runtime_permit(actor, agent_id).await?;
        let workspace_id = permit.workspace_id();
        let endpoint = endpoints::find(&self.db, workspace_id, agent_id).await?;
        if endpoint.is_none_or(|e| e.url.is_none()) {
            return Err(AppError::invalid(
                "url",
                "set the agent's webhook URL before sending a test event",
            ));
        }
        let mut tx = self.db.begin().await?;
        let data = json!({ "agent_id": agent_id, "message": "A test event from Clientele." });
        let id = enqueue(&mut tx, workspace_id, agent_id, WEBHOOK_TEST, data)
            .await?
            .ok_or(AppError::NotFound)?;
        let entry = Entry {
            organization_id: agent.organization_id(),
            action: "agent.webhook_tested",
            target_kind: "agent",
            target_id: Some(agent_id.as_uuid()),
            target_label: &agent.name,
            changes: Changes::new(),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.deliver_webhook(id).await?;
        self.webhook_event(workspace_id, agent_id, id).await
    }

    /// The agent's latest events with their deliveries, newest first (owner and admins).
    pub async fn webhook_events(
        &self,
        actor: &Actor,
        agent_id: AgentId,
        limit: Option<u64>,
    ) -> Result<Vec<WebhookEvent>, AppError> {
        let (_, permit) = self.runtime_permit(actor, agent_id).await?;
        let limit = crate::cursor::page_size(limit)?;
        let rows = webhooks::recent(&self.db, permit.workspace_id(), agent_id, limit).await?;
        let ids: Vec<WebhookId> = rows.iter().map(|row| row.id).collect();
        let mut attempts: HashMap<WebhookId, Vec<WebhookAttempt>> = HashMap::new();
        for attempt in webhooks::attempts_of(&self.db, agent_id, &ids).await? {
            let id = attempt.webhook_id;
            attempts.entry(id).or_default().push(attempt.into());
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let tried = attempts.remove(&row.id).unwrap_or_default();
                WebhookEvent::of(row, tried)
            })
            .collect())
    }

    /// Sends an event again from now, whatever became of it (owner and admins).
    #[tracing::instrument(skip_all)]
    pub async fn replay_webhook(
        &self,
        actor: &Actor,
        agent_id: AgentId,
        id: WebhookId,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let (agent, permit) = self.runtime_permit(actor, agent_id).await?;
        let workspace_id = permit.workspace_id();
        let event = webhooks::find(&self.db, workspace_id, agent_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let endpoint = endpoints::find(&self.db, workspace_id, agent_id).await?;
        if endpoint.is_none_or(|e| e.url.is_none()) {
            return Err(AppError::invalid(
                "url",
                "set the agent's webhook URL before replaying an event",
            ));
        }
        let mut tx = self.db.begin().await?;
        if !webhooks::replay(&mut tx, workspace_id, agent_id, id, Timestamp::now()).await? {
            return Err(AppError::Conflict {
                field: "id",
                message: "this event is being delivered right now; try again in a moment",
            });
        }
        let entry = Entry {
            organization_id: agent.organization_id(),
            action: "agent.webhook_replayed",
            target_kind: "agent",
            target_id: Some(agent_id.as_uuid()),
            target_label: &agent.name,
            changes: Changes::new()
                .set("event", id.as_uuid().to_string())
                .set("type", &event.kind),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.wake_outbox();
        Ok(())
    }

    /// The agent's events after sequence number `after`, oldest first, for a runtime that
    /// pulls instead of receiving webhooks.
    pub async fn pull_webhooks(
        &self,
        runtime: &RuntimeAgent,
        after: i64,
        limit: Option<u64>,
    ) -> Result<Vec<WebhookEvent>, AppError> {
        if after < 0 {
            return Err(AppError::invalid("after", "must be 0 or more"));
        }
        let limit = limit.unwrap_or(100);
        if !(1..=MOST_PULLED).contains(&limit) {
            return Err(AppError::invalid("limit", "must be between 1 and 500"));
        }
        let rows = webhooks::after(
            &self.db,
            runtime.workspace_id(),
            runtime.agent_id(),
            after,
            limit,
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| WebhookEvent::of(row, Vec::new()))
            .collect())
    }

    /// Makes sure the agent has an endpoint (a signing secret and an event sequence), as of
    /// the configuration it has now: a runtime that connects reads that first.
    pub(crate) async fn connect(
        &self,
        tx: &mut Tx,
        agent: &AgentRow,
    ) -> Result<Connected, AppError> {
        if let Some(row) = endpoints::find_in(tx, agent.workspace_id, agent.id).await? {
            return Ok(Connected {
                url: row.url,
                created: false,
            });
        }
        let configuration = configuration_in(tx, agent.workspace_id, agent.id)
            .await?
            .ok_or(AppError::NotFound)?;
        let new = NewEndpoint {
            agent_id: agent.id,
            workspace_id: agent.workspace_id,
            secret: &self.new_secret()?,
            announced_etag: &configuration.etag,
            announced_stop: configuration.document.stopped_because,
            now: Timestamp::now(),
        };
        let created = endpoints::create(tx, &new).await?;
        Ok(Connected { url: None, created })
    }

    /// Starts delivering the webhooks due now, as far as the caps allow.
    pub(crate) async fn start_due_webhooks(&self, flights: &mut Flights) -> Result<(), AppError> {
        let settings = &self.config.outbox;
        let room = flights.room(settings.concurrency);
        if room == 0 {
            return Ok(());
        }
        // One delivery per agent at a time, oldest first, so a runtime that answers gets an
        // agent's events in the order they happened.
        let busy = flights.busy_agents(1);
        let limit = u64::try_from(room).unwrap_or(u64::MAX);
        for due in webhooks::due(&self.db, Timestamp::now(), limit, &busy).await? {
            let lane = Lane::Webhooks(due.agent_id);
            if flights.count(lane) >= 1 {
                continue;
            }
            let app = self.clone();
            flights.start(lane, async move {
                if let Err(error) = app.deliver_webhook(due.id).await {
                    tracing::warn!(error = %error, "the outbox worker could not deliver a webhook");
                }
            });
        }
        Ok(())
    }

    /// Makes one attempt to deliver a due event, if no other node holds it, and records it.
    async fn deliver_webhook(&self, id: WebhookId) -> Result<(), AppError> {
        let settings = &self.config.outbox;
        let now = Timestamp::now();
        // Held long enough for the request to time out; if this node dies, another retries.
        let lease = now.after(settings.webhook_timeout * 3);
        let mut tx = self.db.begin().await?;
        let Some(event) = webhooks::claim(&mut tx, id, now, lease).await? else {
            return Ok(());
        };
        tx.commit().await?;
        let endpoint = endpoints::find(&self.db, event.workspace_id, event.agent_id).await?;
        let Some((endpoint, url)) = endpoint.and_then(|e| e.url.clone().map(|url| (e, url))) else {
            let mut tx = self.db.begin().await?;
            webhooks::settle(&mut tx, id, "unsent", now, now).await?;
            return Ok(tx.commit().await?);
        };
        let answer = self.post_webhook(&endpoint, &url, &event).await;
        let done = Timestamp::now();
        let (status, next) = if answer.delivered() {
            ("delivered", done)
        } else if event.attempts >= settings.max_attempts {
            ("failed", done)
        } else {
            ("pending", done.after(backoff(settings, event.attempts)))
        };
        tracing::info!(
            webhook_id = %id.as_uuid(),
            attempt = event.attempts,
            status,
            status_code = answer.status_code,
            "webhook delivery attempted"
        );
        let mut tx = self.db.begin().await?;
        let attempt = NewAttempt {
            webhook_id: id,
            agent_id: event.agent_id,
            attempted_at: now,
            url: &url,
            status_code: answer.status_code,
            response_excerpt: &answer.excerpt,
            error: answer.error.as_deref(),
            latency_ms: answer.latency_ms,
        };
        webhooks::insert_attempt(&mut tx, &attempt).await?;
        webhooks::settle(&mut tx, id, status, next, done).await?;
        Ok(tx.commit().await?)
    }

    /// Signs the event with the endpoint's secrets and posts it.
    async fn post_webhook(&self, endpoint: &EndpointRow, url: &str, event: &WebhookRow) -> Answer {
        let started = Instant::now();
        let answered = async {
            if let Some(refusal) = self.webhook_host_refusal(url) {
                return Err(refusal);
            }
            let signature = self.signature(endpoint, event)?;
            let response = self
                .http
                .post(url)
                .header("content-type", "application/json")
                .header("webhook-id", event.id.as_uuid().to_string())
                .header("webhook-timestamp", signature.timestamp.to_string())
                .header("webhook-signature", signature.value)
                .body(event.payload.clone())
                .send()
                .await
                .map_err(describe_http_error)?;
            let status = response.status().as_u16();
            Ok((status, excerpt(response).await))
        }
        .await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match answered {
            Ok((status, excerpt)) => Answer {
                status_code: Some(i64::from(status)),
                excerpt,
                error: None,
                latency_ms,
            },
            Err(error) => Answer {
                status_code: None,
                excerpt: String::new(),
                error: Some(error),
                latency_ms,
            },
        }
    }

    /// The `webhook-signature` header: one signature per secret that signs now.
    fn signature(&self, endpoint: &EndpointRow, event: &WebhookRow) -> Result<Signature, String> {
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let id = event.id.as_uuid().to_string();
        let now = Timestamp::now().unix_micros();
        let previous = endpoint.previous_secret.as_ref().filter(|_| {
            endpoint
                .previous_expires_at
                .is_some_and(|until| until > now)
        });
        let mut signatures = Vec::new();
        for sealed in std::iter::once(&endpoint.secret).chain(previous) {
            let secret = self
                .open_secret(sealed)
                .ok_or("the signing secret cannot be opened with this server's secret key")?;
            let signer = standardwebhooks::Webhook::new(&secret).map_err(|e| e.to_string())?;
            let signed = signer
                .sign(&id, timestamp, event.payload.as_bytes())
                .map_err(|e| e.to_string())?;
            signatures.push(signed);
        }
        Ok(Signature {
            timestamp,
            value: signatures.join(" "),
        })
    }

    /// Why a webhook URL's host is refused, when it is an address outside what the operator
    /// allows (names are checked when they are resolved).
    fn webhook_host_refusal(&self, url: &str) -> Option<String> {
        let parsed = url::Url::parse(url).ok()?;
        let host = match parsed.host()? {
            url::Host::Domain(name) => name.to_owned(),
            url::Host::Ipv4(address) => address.to_string(),
            url::Host::Ipv6(address) => address.to_string(),
        };
        self.config.outbound.refusal_for_literal(&host)
    }

    /// `raw` as a webhook URL, or why it cannot be one.
    fn checked_webhook_url(&self, raw: &str) -> Result<String, AppError> {
        let invalid = |message: &str| AppError::invalid("url", message);
        let raw = raw.trim();
        if raw.len() > 2048 {
            return Err(invalid("must be at most 2048 characters"));
        }
        let url = url::Url::parse(raw).map_err(|_| invalid("must be an absolute URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("must not carry a user name or password"));
        }
        if url.host().is_none() || url.fragment().is_some() {
            return Err(invalid("must name a host and have no #fragment"));
        }
        if let Some(refusal) = self.webhook_host_refusal(url.as_str()) {
            return Err(AppError::invalid("url", refusal));
        }
        match url.scheme() {
            "https" => Ok(url.to_string()),
            // Plain HTTP only inside a network the operator allows: a runtime on their own
            // machine or network, never across the internet.
            "http" if self.is_allowed_literal(&url) => Ok(url.to_string()),
            _ => Err(invalid(&format!(
                "must use https; plain http is accepted only for an address in a network the \
                 operator allows with {}",
                crate::outbound::SETTING
            ))),
        }
    }

    fn is_allowed_literal(&self, url: &url::Url) -> bool {
        let address = match url.host() {
            Some(url::Host::Ipv4(address)) => std::net::IpAddr::V4(address),
            Some(url::Host::Ipv6(address)) => std::net::IpAddr::V6(address),
            Some(url::Host::Domain(name)) if name.eq_ignore_ascii_case("localhost") => {
                std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
            }
            _ => return false,
        };
        self.config.outbound.allows(address) && !crate::outbound::is_public(address)
    }

    async fn webhook_event(
        &self,
        workspace_id: WorkspaceId,
        agent_id: AgentId,
        id: WebhookId,
    ) -> Result<WebhookEvent, AppError> {
        let row = webhooks::find(&self.db, workspace_id, agent_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let attempts = webhooks::attempts_of(&self.db, agent_id, &[id]).await?;
        Ok(WebhookEvent::of(
            row,
            attempts.into_iter().map(Into::into).collect(),
        ))
    }

    fn endpoint_view(&self, agent_id: AgentId, row: Option<EndpointRow>) -> WebhookEndpoint {
        let now = Timestamp::now().unix_micros();
        match row {
            Some(row) => WebhookEndpoint {
                agent_id,
                secret: self.open_secret(&row.secret),
                previous_secret_expires_at: row
                    .previous_expires_at
                    .filter(|until| *until > now)
                    .and_then(|until| Timestamp::try_from(until).ok()),
                url: row.url,
                last_sequence: row.last_sequence,
            },
            None => WebhookEndpoint {
                agent_id,
                url: None,
                secret: None,
                previous_secret_expires_at: None,
                last_sequence: 0,
            },
        }
    }

    /// A new signing secret, sealed with the server key.
    fn new_secret(&self) -> Result<Vec<u8>, AppError> {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes)
            .map_err(|e| AppError::internal(std::io::Error::other(e.to_string())))?;
        let secret = format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes));
        self.config.secret_key.seal(secret.as_bytes())
    }

    fn open_secret(&self, sealed: &[u8]) -> Option<String> {
        String::from_utf8(self.config.secret_key.open(sealed)?).ok()
    }
}

/// Whether the agent's endpoint existed, and its URL.
pub(crate) struct Connected {
    pub url: Option<String>,
    pub created: bool,
}

/// Tells the runtimes of the given agents about their configuration when the transaction
/// changed it: `configuration.changed` with the new ETag, and `agent.stopped` or
/// `agent.resumed` when whether the agent may run changed too. Agents that are not
/// connected are skipped. Wake the outbox after the commit.
pub(crate) async fn announce_configuration(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    agent_ids: &[AgentId],
) -> Result<(), AppError> {
    for &agent_id in agent_ids {
        let Some(endpoint) = endpoints::find_in(tx, workspace_id, agent_id).await? else {
            continue;
        };
        let Some(configuration) = configuration_in(tx, workspace_id, agent_id).await? else {
            continue;
        };
        if endpoint.announced_etag.as_deref() == Some(configuration.etag.as_str()) {
            continue;
        }
        let stop = configuration.document.stopped_because;
        let data = json!({ "agent_id": agent_id, "etag": configuration.etag });
        enqueue(tx, workspace_id, agent_id, CONFIGURATION_CHANGED, data).await?;
        match (endpoint.announced_stop.as_deref(), stop) {
            (None, Some(reason)) => {
                let data = json!({ "agent_id": agent_id, "reason": reason });
                enqueue(tx, workspace_id, agent_id, AGENT_STOPPED, data).await?;
            }
            (Some(_), None) => {
                let data = json!({ "agent_id": agent_id });
                enqueue(tx, workspace_id, agent_id, AGENT_RESUMED, data).await?;
            }
            _ => {}
        }
        endpoints::record_announcement(tx, agent_id, &configuration.etag, stop).await?;
    }
    Ok(())
}

/// Enqueues an event for the agent's runtime in the caller's transaction: `pending` when the
/// agent has a webhook URL, `unsent` (to be pulled) when it has none. Nothing is enqueued for
/// an agent that is not connected.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    workspace_id: WorkspaceId,
    agent_id: AgentId,
    kind: &str,
    data: Value,
) -> Result<Option<WebhookId>, AppError> {
    let Some(sequence) = endpoints::next_sequence(tx, agent_id).await? else {
        return Ok(None);
    };
    let has_url = endpoints::find_in(tx, workspace_id, agent_id)
        .await?
        .is_some_and(|endpoint| endpoint.url.is_some());
    let now = Timestamp::now();
    let payload = json!({ "type": kind, "timestamp": now, "data": data }).to_string();
    let id = WebhookId::new();
    let new = NewWebhook {
        id,
        workspace_id,
        agent_id,
        sequence,
        kind,
        payload: &payload,
        status: if has_url { "pending" } else { "unsent" },
        created_at: now,
    };
    webhooks::insert(tx, &new).await?;
    Ok(Some(id))
}

struct Signature {
    timestamp: i64,
    value: String,
}

/// How the runtime answered one attempt.
struct Answer {
    status_code: Option<i64>,
    excerpt: String,
    error: Option<String>,
    latency_ms: i64,
}

impl Answer {
    /// Any 2xx answer is a delivery, as the specification says.
    fn delivered(&self) -> bool {
        self.status_code
            .is_some_and(|code| (200..300).contains(&code))
    }
}

/// The start of the answer's body, cut at a character boundary.
async fn excerpt(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < EXCERPT_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(EXCERPT_BYTES);
    let text = String::from_utf8_lossy(&body);
    text.trim_end_matches('\u{FFFD}').to_owned()
}

/// What went wrong with a request, without the URL (the log shows it beside).
fn describe_http_error(error: reqwest::Error) -> String {
    let error = error.without_url();
    if error.is_timeout() {
        return "the runtime did not answer in time".into();
    }
    let mut message = error.to_string();
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        message = format!("{message}: {cause}");
        source = cause.source();
    }
    message
}
