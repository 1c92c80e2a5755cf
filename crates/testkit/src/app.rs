//! The real application, served on a random local port for one test.

use crate::db::TestDb;
use crate::dns::DnsServer;
use clientele_app::outbound::Destinations;
use clientele_app::outbox::OutboxSettings;
use clientele_app::secrets::SecretKey;
use clientele_app::workspace::activity;
use clientele_app::workspace::domains::DnsResolver;
use clientele_app::{App, Config};
use clientele_domain::BaseUrl;
use clientele_server::{AppState, TrustedProxies};
use clientele_store::{Backend, Db, PoolSettings};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server over a fresh database, and an HTTP client for it.
pub struct TestApp {
    pub address: SocketAddr,
    pub db: Db,
    /// The use cases, for arranging a test's situation without going through HTTP.
    pub app: App,
    /// The token that opens the setup page while no workspace exists.
    pub setup_token: String,
    pub database: TestDb,
    /// The DNS server that dashboard-domain verification asks.
    pub dns: DnsServer,
    client: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    outbox: JoinHandle<()>,
}

/// How a test's server is served, where it differs from `clientele serve`'s defaults.
pub struct Options {
    /// Routes that answer before the application; for tests of serving itself, such as a
    /// request still running when shutdown begins.
    pub extra: axum::Router,
    pub grace: Duration,
    pub trusted_proxies: TrustedProxies,
    /// One PostgreSQL connection (SQLite reader) by default: a transaction that waits for a
    /// second connection then fails its test at once, instead of starving the pool under load.
    pub pool: PoolSettings,
    /// Where outgoing connections may go: loopback by default, where the tests' SMTP servers
    /// listen; `Destinations::default()` is a deployment's default, public addresses only.
    pub outbound: Destinations,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            extra: axum::Router::new(),
            grace: Duration::from_secs(10),
            trusted_proxies: TrustedProxies::default(),
            pool: PoolSettings {
                max_connections: 1,
                ..PoolSettings::default()
            },
            outbound: Destinations::new(vec![
                "127.0.0.0/8".parse().expect("a network"),
                "::1/128".parse().expect("a network"),
            ]),
        }
    }
}

/// The configuration `clientele serve` would have, with a fresh key and an outbox that
/// retries within a test's patience.
fn config(address: SocketAddr, outbound: Destinations, dns: DnsResolver) -> Config {
    Config {
        secret_key: SecretKey::generate().expect("a secret key"),
        public_url: BaseUrl::parse(&format!("http://{address}")).expect("the server's URL"),
        outbox: OutboxSettings {
            poll_interval: Duration::from_millis(100),
            retry_base: Duration::from_millis(200),
            retry_cap: Duration::from_secs(1),
            max_attempts: 10,
            smtp_timeout: Duration::from_secs(3),
            ..OutboxSettings::default()
        },
        outbound,
        dns,
    }
}

impl TestApp {
    /// Serves the application exactly as `clientele serve` builds it.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, Options::default()).await
    }

    /// Serves the application with non-default serving options.
    pub async fn spawn_with(backend: Backend, options: Options) -> Self {
        let database = TestDb::new(backend).await;
        let db = database.connect_with(options.pool).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let address = listener.local_addr().expect("the bound address");
        // The extra routes answer first; everything else reaches the full application.
        let dns = DnsServer::start().await;
        let resolver = DnsResolver::at(dns.address());
        let config = config(address, options.outbound.clone(), resolver);
        // The key the application chains the activity log with, so tests read it as it does.
        let db = db.with_chain_key(activity::chain_key(&config.secret_key));
        let app = App::new(db.clone(), config)
            .await
            .expect("the use cases start");
        let outbox = tokio::spawn(app.clone().run_outbox(std::future::pending()));
        let setup_token = clientele_app::identity::tokens::Token::generate("")
            .expect("a token")
            .reveal()
            .to_owned();
        let state = AppState {
            app: app.clone(),
            setup_token: Some(setup_token.clone().into()),
            trusted_proxies: options.trusted_proxies,
        };
        let service = options.extra.fallback_service(clientele_server::app(state));
        let (shutdown, signal) = oneshot::channel::<()>();
        let server = tokio::spawn(clientele_server::serve(
            listener,
            service,
            app.clone(),
            async move {
                let _ = signal.await;
            },
            options.grace,
        ));
        let client = crate::http_client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client");
        Self {
            address,
            db,
            app,
            dns,
            setup_token,
            database,
            client,
            shutdown: Some(shutdown),
            server: Some(server),
            outbox,
        }
    }

    /// The absolute URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("the server answers")
    }

    /// Signals shutdown, as SIGTERM does for the binary, without waiting for it to finish.
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Waits for the server to finish shutting down and returns what `serve` returned.
    pub async fn stopped(&mut self) -> std::io::Result<()> {
        self.begin_shutdown();
        match self.server.take() {
            Some(server) => server.await.expect("the server task does not panic"),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.begin_shutdown();
        self.outbox.abort();
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

impl TestApp {
    /// An email of `workspace_id`'s outbox as its recipient receives it, link included (the
    /// outbox itself shows it with the link hidden).
    pub async fn received(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        id: clientele_domain::OutboxId,
    ) -> clientele_app::mail::templates::Rendered {
        self.app
            .recipient_copy(workspace_id, id)
            .await
            .expect("the outbox answers")
            .expect("the email is in the outbox")
    }

    /// The token of the single-use link in an email, as its recipient reads it.
    pub async fn received_token(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        id: clientele_domain::OutboxId,
    ) -> String {
        let text = self.received(workspace_id, id).await.text;
        let start = text.find("token=").expect("a link with a token") + "token=".len();
        text[start..]
            .split_whitespace()
            .next()
            .expect("the token")
            .to_owned()
    }
}

impl TestApp {
    /// The ids of the workspace's queued emails, newest first, once there are at least
    /// `count` of them: some are queued in the background after their request was answered.
    pub async fn queued(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        count: usize,
    ) -> Vec<clientele_domain::OutboxId> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let rows = clientele_store::mail::outbox::list(&self.db, workspace_id, None, 200)
                .await
                .expect("the outbox answers");
            if rows.len() >= count {
                return rows.into_iter().map(|row| row.id).collect();
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "expected {count} queued emails, found {}",
                rows.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The newest email of the workspace to `recipient`, waiting for it to be queued.
    pub async fn queued_to(
        &self,
        workspace_id: clientele_domain::WorkspaceId,
        recipient: &str,
    ) -> clientele_domain::OutboxId {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let rows = clientele_store::mail::outbox::list(&self.db, workspace_id, None, 200)
                .await
                .expect("the outbox answers");
            if let Some(row) = rows.iter().find(|row| row.recipient == recipient) {
                return row.id;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "no email to {recipient} was queued"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Proves `credentials`' workspace controls `hostname`, which its brand claims: publishes
    /// the TXT record and asks for verification, as an agency would.
    pub async fn verify_domain(&self, credentials: &crate::Credentials, hostname: &str) {
        let brand: serde_json::Value = self
            .request(credentials, reqwest::Method::GET, "/api/v1/workspace/brand")
            .send()
            .await
            .expect("the brand answers")
            .json()
            .await
            .expect("a brand");
        let claim = brand["domains"]
            .as_array()
            .and_then(|d| d.iter().find(|d| d["hostname"] == hostname))
            .unwrap_or_else(|| panic!("{hostname} is not claimed: {brand}"))
            .clone();
        self.dns.add_txt(
            claim["txt_name"].as_str().expect("a TXT name"),
            claim["txt_value"].as_str().expect("a TXT value"),
        );
        let path = format!("/api/v1/workspace/brand/domains/{hostname}/verify");
        let response = self
            .request(credentials, reqwest::Method::POST, &path)
            .send()
            .await
            .expect("verification answers");
        assert_eq!(response.status(), 200, "verifying {hostname}");
    }
}
