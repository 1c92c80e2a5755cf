//! The reference runtime: a small agent runtime that speaks only Clientele's public contract.
//! A person plays the contact on its one-page chat; the agent answers from a canned script
//! (no model), asks for a person when the contact wants one, and applies what Clientele tells
//! it by signed webhook (verified) or, when Clientele may not call it, by pulling the same
//! events. It serves demos, the browser tests and load benchmarks.

pub mod clientele;
mod conversation;
mod pages;

use clientele::{Connection, RuntimeApi};
use conversation::Conversation;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub use clientele::{Agency, connect};

/// How often a runtime without webhooks pulls its events.
const PULL_INTERVAL: Duration = Duration::from_secs(2);
/// How many received events the index page lists.
const RECENT_EVENTS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Clientele could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("{0}")]
    Refused(String),
}

/// The running runtime: its agents and what it has been told.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    agents: Vec<Agent>,
    received: Mutex<VecDeque<Received>>,
}

/// One agent the runtime runs.
struct Agent {
    connection: Connection,
    api: RuntimeApi,
    state: Mutex<AgentState>,
    conversations: Mutex<HashMap<String, Conversation>>,
}

struct AgentState {
    name: String,
    /// Why the agent may not answer now, if it may not.
    stopped: Option<String>,
    /// The sequence number of the last event applied (pull mode).
    after: i64,
}

/// An event Clientele sent, as the index page lists it.
#[derive(Clone)]
struct Received {
    agent: String,
    kind: String,
    /// `verified`, `pulled`, or why it was refused.
    how: String,
}

/// A client that trusts the same roots as Clientele's own outgoing requests.
pub fn http_client() -> Result<reqwest::Client, Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?)
}

impl Runtime {
    /// A runtime for the connected agents; reads each one's configuration first.
    pub async fn start(
        http: reqwest::Client,
        server: &str,
        connections: Vec<Connection>,
    ) -> Result<Self, Error> {
        let mut agents = Vec::new();
        for connection in connections {
            let api = RuntimeApi::new(http.clone(), server, &connection.key);
            let configuration = api.configuration().await?;
            agents.push(Agent {
                state: Mutex::new(AgentState {
                    name: connection.name.clone(),
                    stopped: stopped_because(&configuration),
                    after: 0,
                }),
                connection,
                api,
                conversations: Mutex::new(HashMap::new()),
            });
        }
        let runtime = Self {
            inner: Arc::new(Inner {
                agents,
                received: Mutex::new(VecDeque::new()),
            }),
        };
        for (index, agent) in runtime.inner.agents.iter().enumerate() {
            if agent.connection.secret.is_none() {
                tokio::spawn(runtime.clone().pull_forever(index));
            }
        }
        Ok(runtime)
    }

    /// The runtime's pages and its webhook endpoint.
    pub fn router(&self) -> axum::Router {
        pages::router(self.clone())
    }

    fn agent(&self, id: &str) -> Option<&Agent> {
        self.inner
            .agents
            .iter()
            .find(|agent| agent.connection.agent_id == id)
    }

    /// Applies one event Clientele sent about `agent`.
    async fn apply(&self, agent: &Agent, payload: &Value, how: &str) {
        let kind = payload["type"].as_str().unwrap_or_default().to_owned();
        match kind.as_str() {
            "configuration.changed" => {
                if let Ok(configuration) = agent.api.configuration().await {
                    let mut state = lock(&agent.state);
                    state.name = configuration["agent"]["name"]
                        .as_str()
                        .unwrap_or(&state.name)
                        .to_owned();
                    state.stopped = stopped_because(&configuration);
                }
            }
            "agent.stopped" => {
                let reason = payload["data"]["reason"].as_str().unwrap_or("stopped");
                lock(&agent.state).stopped = Some(reason.to_owned());
            }
            "agent.resumed" => lock(&agent.state).stopped = None,
            _ => {}
        }
        self.note(agent, kind, how.to_owned());
    }

    fn note(&self, agent: &Agent, kind: String, how: String) {
        let mut received = lock(&self.inner.received);
        received.push_front(Received {
            agent: lock(&agent.state).name.clone(),
            kind,
            how,
        });
        received.truncate(RECENT_EVENTS);
    }

    /// Pulls the agent's events for as long as the runtime runs.
    async fn pull_forever(self, index: usize) {
        let Some(agent) = self.inner.agents.get(index) else {
            return;
        };
        loop {
            let after = lock(&agent.state).after;
            match agent.api.pull(after).await {
                Ok(pulled) => {
                    for event in pulled["events"].as_array().into_iter().flatten() {
                        self.apply(agent, &event["payload"], "pulled").await;
                    }
                    let next = pulled["next_after"].as_i64().unwrap_or(after);
                    lock(&agent.state).after = next;
                }
                Err(error) => tracing::warn!(%error, "pulling events failed"),
            }
            tokio::time::sleep(PULL_INTERVAL).await;
        }
    }
}

fn stopped_because(configuration: &Value) -> Option<String> {
    if configuration["may_run"].as_bool() == Some(true) {
        return None;
    }
    Some(
        configuration["stopped_because"]
            .as_str()
            .unwrap_or("the agent may not run")
            .to_owned(),
    )
}

/// Locks shared state; a panic elsewhere leaves it usable (it holds only display data).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
