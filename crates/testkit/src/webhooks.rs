//! A webhook receiver for tests: it records every request it gets and answers with the
//! status it is told to, and checks signatures with the official Standard Webhooks library.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct ReceivedWebhook {
    pub headers: HeaderMap,
    pub body: String,
}

impl ReceivedWebhook {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<ReceivedWebhook>,
    status: u16,
}

/// Listens on a loopback port until dropped.
pub struct WebhookSink {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
    server: tokio::task::JoinHandle<()>,
}

impl WebhookSink {
    /// A receiver that answers 200 with a short body.
    pub async fn start() -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            received: Vec::new(),
            status: 200,
        }));
        let router = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let address = listener.local_addr().expect("the receiver's address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self {
            url: format!("http://{address}/hook"),
            shared,
            server,
        }
    }

    /// Answers every later request with `status`.
    pub fn answer_with(&self, status: u16) {
        self.shared.lock().expect("the receiver's state").status = status;
    }

    pub fn received(&self) -> Vec<ReceivedWebhook> {
        self.shared
            .lock()
            .expect("the receiver's state")
            .received
            .clone()
    }

    /// Waits up to ten seconds for the `count`th request.
    pub async fn wait_for(&self, count: usize) -> Vec<ReceivedWebhook> {
        for _ in 0..200 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "the receiver got {} webhooks, not {count}",
            self.received().len()
        );
    }
}

impl Drop for WebhookSink {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(
    State(shared): State<Arc<Mutex<Shared>>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let mut shared = shared.lock().expect("the receiver's state");
    shared.received.push(ReceivedWebhook {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let status = StatusCode::from_u16(shared.status).expect("a status");
    (status, format!("answered {}", status.as_u16()))
}

/// The Python interpreter that has the official `standardwebhooks` package: the one in
/// `STANDARDWEBHOOKS_PYTHON`, or the virtual environment `.ci/run` makes.
fn python() -> PathBuf {
    if let Ok(path) = std::env::var("STANDARDWEBHOOKS_PYTHON") {
        return PathBuf::from(path);
    }
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = workspace.join("target/webhooks-venv/bin/python");
    assert!(
        path.exists(),
        "the official Standard Webhooks library is needed: run `python3 -m venv target/webhooks-venv \
         && target/webhooks-venv/bin/pip install standardwebhooks==1.3.0` (.ci/run does)"
    );
    path
}

/// Verifies `webhook` with `secret` using the official Python library; returns its error
/// message when it refuses.
pub fn verify_with_official_library(secret: &str, webhook: &ReceivedWebhook) -> Result<(), String> {
    let script = "import sys, json\n\
        from standardwebhooks.webhooks import Webhook\n\
        secret, headers, body = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]\n\
        try:\n    Webhook(secret).verify(body, headers)\n\
        except Exception as error:\n    print(error)\n    sys.exit(1)\n";
    let headers = serde_json::json!({
        "webhook-id": webhook.header("webhook-id"),
        "webhook-timestamp": webhook.header("webhook-timestamp"),
        "webhook-signature": webhook.header("webhook-signature"),
    });
    let output = std::process::Command::new(python())
        .args(["-c", script, secret, &headers.to_string(), &webhook.body])
        .output()
        .expect("the Python interpreter runs");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
