//! What the reference runtime says to Clientele, over the public API only: the agency side to
//! connect agents (sign in, find each agent by name, issue its runtime key, point its webhook
//! here), then the runtime side with each agent's key (configuration, events, pulled events).

use crate::Error;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

/// The agency account that connects the agents, and where Clientele is.
#[derive(Clone, Debug)]
pub struct Agency {
    /// Clientele's address, e.g. `http://127.0.0.1:8080`.
    pub server: String,
    pub email: String,
    pub password: String,
}

/// One agent this runtime runs, as connected.
#[derive(Clone, Debug)]
pub struct Connection {
    pub agent_id: String,
    pub name: String,
    /// The agent's runtime key: the only credential used after setup.
    pub key: String,
    /// The webhook signing secret, when Clientele accepted this runtime's webhook URL; without
    /// it the runtime pulls its events.
    pub secret: Option<String>,
    /// Why webhooks were not set up, when they were not.
    pub webhook_refused: Option<String>,
}

/// An agency session: its cookie and CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

/// Connects each named agent: issues it a runtime key and, where Clientele accepts it, sets
/// its webhook to `webhook_base/webhooks/{agent id}`.
pub async fn connect(
    http: &Client,
    agency: &Agency,
    names: &[String],
    webhook_base: &str,
) -> Result<Vec<Connection>, Error> {
    let session = sign_in(http, agency).await?;
    let mut connections = Vec::new();
    for name in names {
        let agent = find_agent(http, agency, &session, name).await?;
        let agent_id = agent["id"].as_str().unwrap_or_default().to_owned();
        let issued = send(
            http,
            agency,
            &session,
            reqwest::Method::POST,
            &format!("/api/v1/agents/{agent_id}/runtime-keys"),
            json!({}),
        )
        .await?;
        let key = issued["token"].as_str().unwrap_or_default().to_owned();
        let url = format!("{webhook_base}/webhooks/{agent_id}");
        let hooked = send(
            http,
            agency,
            &session,
            reqwest::Method::PUT,
            &format!("/api/v1/agents/{agent_id}/webhook"),
            json!({ "url": url }),
        )
        .await;
        let (secret, webhook_refused) = match hooked {
            Ok(endpoint) => (endpoint["secret"].as_str().map(str::to_owned), None),
            Err(Error::Refused(reason)) => (None, Some(reason)),
            Err(other) => return Err(other),
        };
        connections.push(Connection {
            agent_id,
            name: agent["name"].as_str().unwrap_or(name).to_owned(),
            key,
            secret,
            webhook_refused,
        });
    }
    Ok(connections)
}

async fn sign_in(http: &Client, agency: &Agency) -> Result<Session, Error> {
    let response = http
        .post(format!("{}/api/v1/sessions", agency.server))
        .json(&json!({ "email": agency.email, "password": agency.password }))
        .send()
        .await?;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let body = answer(response).await?;
    if body.get("second_factor").is_some() {
        return Err(Error::Refused(
            "this account signs in with a second factor; use an account without one".into(),
        ));
    }
    Ok(Session {
        cookie,
        csrf: body["csrf_token"].as_str().unwrap_or_default().to_owned(),
    })
}

async fn find_agent(
    http: &Client,
    agency: &Agency,
    session: &Session,
    name: &str,
) -> Result<Value, Error> {
    let response = http
        .get(format!("{}/api/v1/agents", agency.server))
        .query(&[("q", name), ("limit", "200")])
        .header("cookie", &session.cookie)
        .send()
        .await?;
    let list = answer(response).await?;
    let agents = list["agents"].as_array().cloned().unwrap_or_default();
    agents
        .iter()
        .find(|agent| agent["name"].as_str() == Some(name))
        .or_else(|| agents.first().filter(|_| agents.len() == 1))
        .cloned()
        .ok_or_else(|| Error::Refused(format!("the workspace has no agent named \"{name}\"")))
}

async fn send(
    http: &Client,
    agency: &Agency,
    session: &Session,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> Result<Value, Error> {
    let response = http
        .request(method, format!("{}{path}", agency.server))
        .header("cookie", &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .json(&body)
        .send()
        .await?;
    answer(response).await
}

/// The runtime API, with one agent's key.
#[derive(Clone, Debug)]
pub struct RuntimeApi {
    http: Client,
    server: String,
    key: String,
}

impl RuntimeApi {
    pub fn new(http: Client, server: &str, key: &str) -> Self {
        Self {
            http,
            server: server.to_owned(),
            key: key.to_owned(),
        }
    }

    /// The agent's configuration document.
    pub async fn configuration(&self) -> Result<Value, Error> {
        let response = self
            .http
            .get(format!("{}/runtime/v1/configuration", self.server))
            .bearer_auth(&self.key)
            .send()
            .await?;
        answer(response).await
    }

    /// Reports events; an event Clientele refuses is an error naming why.
    pub async fn report(&self, events: Vec<Value>) -> Result<(), Error> {
        let response = self
            .http
            .post(format!("{}/runtime/v1/events", self.server))
            .bearer_auth(&self.key)
            .json(&json!({ "events": events }))
            .send()
            .await?;
        let answered = answer(response).await?;
        let refused: Vec<String> = answered["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|result| result["status"].as_u64().is_some_and(|s| s >= 400))
            .flat_map(|result| result["errors"].as_array().cloned().unwrap_or_default())
            .map(|error| format!("{}: {}", error["field"], error["message"]))
            .collect();
        if refused.is_empty() {
            Ok(())
        } else {
            Err(Error::Refused(refused.join("; ")))
        }
    }

    /// The agent's webhook events after sequence number `after`.
    pub async fn pull(&self, after: i64) -> Result<Value, Error> {
        let response = self
            .http
            .get(format!("{}/runtime/v1/webhook-events", self.server))
            .query(&[("after", after)])
            .bearer_auth(&self.key)
            .send()
            .await?;
        answer(response).await
    }
}

/// The body of a successful answer, or Clientele's problem detail as the error.
async fn answer(response: Response) -> Result<Value, Error> {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(body);
    }
    let detail = body["errors"][0]["message"]
        .as_str()
        .or(body["detail"].as_str())
        .or(body["title"].as_str())
        .unwrap_or("no detail")
        .to_owned();
    Err(match status {
        StatusCode::UNAUTHORIZED => Error::Refused(format!("not signed in: {detail}")),
        _ => Error::Refused(format!("Clientele answered {}: {detail}", status.as_u16())),
    })
}
