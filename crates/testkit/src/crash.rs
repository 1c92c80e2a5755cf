//! The crash harness: the real binary takes concurrent writes, is killed with SIGKILL at a
//! random moment, restarts, and is reconciled against what it acknowledged. Used by the test
//! suite (small numbers) and the bench harness (ten times more).
//!
//! Each client works on its own objects, one request at a time, so for every object the
//! harness knows the values it sent in order and which of them were acknowledged. After a
//! kill, an object's state must be the last acknowledged value or a later one that was sent
//! but never answered; an acknowledged create must exist; and the activity log must agree
//! with the data: every object has its `created` entry, every entry's object exists, and an
//! object's current name is the one its latest entry recorded.

use crate::db::TestDb;
use clientele_store::Backend;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::Notify;

const OWNER_EMAIL: &str = "owner@crash.test";
const OWNER_PASSWORD: &str = "crash harness Passphrase 7";

/// How much load, and how many kills.
#[derive(Clone, Copy, Debug)]
pub struct CrashSettings {
    pub clients: usize,
    pub writes_per_client: usize,
    pub iterations: usize,
}

/// What one kill cost.
#[derive(Debug)]
pub struct Iteration {
    pub sent: usize,
    pub acknowledged: usize,
    /// Acknowledged writes missing after the restart: must be 0.
    pub lost: usize,
    pub killed_after: Duration,
    /// Valid writes the node answered with an error before the kill: must be empty.
    pub refused: Vec<String>,
}

/// The outcome: each iteration's figures and every inconsistency found.
#[derive(Debug, Default)]
pub struct CrashReport {
    pub iterations: Vec<Iteration>,
    pub violations: Vec<String>,
}

/// One object's life as this harness drove it.
#[derive(Clone, Debug)]
struct Tracked {
    kind: Kind,
    /// The names sent, in order (the first by the create).
    names: Vec<String>,
    /// How many of `names` were acknowledged, counting in order.
    acknowledged: usize,
    /// The organization an agent was sent to, and whether that was acknowledged.
    assigned_to: Option<(String, bool)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Organization,
    Agent,
    ClientUser,
    Team,
}

impl Kind {
    fn path(self, id: &str) -> String {
        match self {
            Kind::Organization => format!("/api/v1/organizations/{id}"),
            Kind::Agent => format!("/api/v1/agents/{id}"),
            Kind::ClientUser => format!("/api/v1/client-users/{id}"),
            Kind::Team => format!("/api/v1/teams/{id}"),
        }
    }

    fn target(self) -> &'static str {
        match self {
            Kind::Organization => "organization",
            Kind::Agent => "agent",
            Kind::ClientUser => "client_user",
            Kind::Team => "team",
        }
    }
}

/// A `clientele` process over one data directory and database.
struct Node {
    binary: PathBuf,
    data_dir: PathBuf,
    database_url: Option<String>,
}

struct Running {
    child: Child,
    base_url: String,
}

impl Node {
    fn command(&self) -> Command {
        let mut command = Command::new(&self.binary);
        command
            .env("CLIENTELE_DATA_DIR", &self.data_dir)
            .kill_on_drop(true);
        command.env("CLIENTELE_LOG", "warn");
        if let Some(url) = &self.database_url {
            command.env("CLIENTELE_DATABASE_URL", url);
        }
        command
    }

    async fn init(&self) {
        let output = self
            .command()
            .args(["init", "--workspace", "Crash", "--owner-name", "Owner"])
            .args(["--owner-email", OWNER_EMAIL])
            .env("CLIENTELE_OWNER_PASSWORD", OWNER_PASSWORD)
            .output()
            .await
            .expect("clientele init runs");
        assert!(output.status.success(), "init: {output:?}");
    }

    async fn start(&self) -> Running {
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("clientele serve starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        let _ = tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut line)).await;
        let base_url = line
            .trim()
            .strip_prefix("Clientele is running at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        // The log goes beside the data, for reading when a run reports a violation.
        let log = self.data_dir.with_extension("log");
        let mut stderr = child.stderr.take().expect("stderr");
        tokio::spawn(async move {
            let mut lines = Vec::new();
            let _ = stderr.read_to_end(&mut lines).await;
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)?;
            std::io::Write::write_all(&mut file, &lines)
        });
        tokio::spawn(async move {
            let mut rest = Vec::new();
            let _ = stdout.read_to_end(&mut rest).await;
        });
        Running { child, base_url }
    }

    /// `clientele audit verify`: whether every chain verifies, and what it said.
    async fn audit(&self) -> Result<(), String> {
        let output = self
            .command()
            .args(["audit", "verify"])
            .output()
            .await
            .expect("clientele audit verify runs");
        match output.status.success() {
            true => Ok(()),
            false => Err(String::from_utf8_lossy(&output.stdout).into_owned()),
        }
    }
}

/// An API key's calls to one running node.
#[derive(Clone)]
struct Api {
    client: Client,
    base_url: String,
    key: String,
}

impl Api {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Option<(u16, Value)> {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(&self.key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.ok()?;
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        Some((status, body))
    }
}

/// Runs the harness against `binary` on `backend`.
pub async fn run(binary: &Path, backend: Backend, settings: CrashSettings) -> CrashReport {
    let database = TestDb::new(backend).await;
    let kept = tempfile::tempdir().expect("a data directory");
    let dir = kept.path().to_owned();
    let node = Node {
        binary: binary.to_owned(),
        data_dir: dir.join("data"),
        database_url: (backend == Backend::Postgres).then(|| database.url().to_owned()),
    };
    node.init().await;
    let mut running = node.start().await;
    let key = api_key(&running.base_url).await;
    let mut report = CrashReport::default();
    for iteration in 0..settings.iterations {
        // Each iteration's objects are checked after its kill; the audit and SQLite's
        // integrity check cover what earlier iterations left.
        let objects: Arc<Mutex<HashMap<String, Tracked>>> = Arc::default();
        let api = Api {
            client: crate::http_client(),
            base_url: running.base_url.clone(),
            key: key.clone(),
        };
        let since = latest_seq(&api).await;
        let figures = load_and_kill(&api, &mut running, &objects, iteration, settings).await;
        if let Err(report_text) = node.audit().await {
            report.violations.push(format!(
                "iteration {iteration}: the chain breaks: {report_text}"
            ));
        }
        let sqlite = node
            .database_url
            .is_none()
            .then(|| node.data_dir.join("clientele.db"));
        if let Some(path) = sqlite
            && let Err(problem) = integrity_check(&path).await
        {
            report
                .violations
                .push(format!("iteration {iteration}: {problem}"));
        }
        running = node.start().await;
        let api = Api {
            base_url: running.base_url.clone(),
            ..api
        };
        let tracked = objects.lock().expect("the tracker").clone();
        let lost = reconcile(&api, &tracked, since, &mut report.violations).await;
        report.iterations.push(Iteration { lost, ..figures });
    }
    let _ = running.child.kill().await;
    if !report.violations.is_empty() {
        let kept = kept.keep();
        report
            .violations
            .push(format!("the data and log are kept in {}", kept.display()));
    }
    report
}

/// Signs the owner in and creates an admin API key for the clients.
async fn api_key(base_url: &str) -> String {
    let client = crate::http_client();
    let signed_in = client
        .post(format!("{base_url}/api/v1/sessions"))
        .json(&json!({ "email": OWNER_EMAIL, "password": OWNER_PASSWORD }))
        .send()
        .await
        .expect("sign in");
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .expect("a cookie")
        .split(';')
        .next()
        .expect("the pair")
        .to_owned();
    let body: Value = signed_in.json().await.expect("a body");
    let created: Value = client
        .post(format!("{base_url}/api/v1/api-keys"))
        .header("cookie", cookie)
        .header("x-csrf-token", body["csrf_token"].as_str().expect("csrf"))
        .json(&json!({ "name": "crash harness", "role": "admin" }))
        .send()
        .await
        .expect("create a key")
        .json()
        .await
        .expect("the key");
    created["token"].as_str().expect("a token").to_owned()
}

/// Starts the clients, kills the node once a random number of writes were acknowledged, and
/// waits for the clients to notice.
async fn load_and_kill(
    api: &Api,
    running: &mut Running,
    objects: &Arc<Mutex<HashMap<String, Tracked>>>,
    iteration: usize,
    settings: CrashSettings,
) -> Iteration {
    let total = settings.clients * settings.writes_per_client;
    let kill_at = 1 + random_below(total.saturating_sub(1).max(1));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let sent = Arc::new(AtomicUsize::new(0));
    let reached = Arc::new(Notify::new());
    let refusals: Arc<Mutex<Vec<String>>> = Arc::default();
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for client in 0..settings.clients {
        let worker = Worker {
            api: api.clone(),
            objects: objects.clone(),
            acknowledged: acknowledged.clone(),
            sent: sent.clone(),
            reached: reached.clone(),
            kill_at,
            prefix: format!("i{iteration}c{client}"),
            refusals: refusals.clone(),
        };
        clients.spawn(worker.run(settings.writes_per_client));
    }
    tokio::select! {
        () = reached.notified() => {}
        () = async { while clients.join_next().await.is_some() {} } => {}
    }
    let killed_after = started.elapsed();
    let _ = running.child.start_kill();
    let _ = running.child.wait().await;
    while clients.join_next().await.is_some() {}
    let refused = refusals.lock().expect("the refusals").clone();
    Iteration {
        refused,
        sent: sent.load(Ordering::SeqCst),
        acknowledged: acknowledged.load(Ordering::SeqCst),
        lost: 0,
        killed_after,
    }
}

struct Worker {
    api: Api,
    objects: Arc<Mutex<HashMap<String, Tracked>>>,
    acknowledged: Arc<AtomicUsize>,
    sent: Arc<AtomicUsize>,
    reached: Arc<Notify>,
    kill_at: usize,
    prefix: String,
    refusals: Arc<Mutex<Vec<String>>>,
}

/// What a client asks for next.
enum Write {
    Create {
        kind: Kind,
        path: String,
        body: Value,
        name: String,
    },
    Rename {
        id: String,
        kind: Kind,
        name: String,
    },
    Assign {
        agent: String,
        organization: String,
    },
}

impl Worker {
    /// Sends `writes` writes in a fixed rotation, each about the client's latest objects, until
    /// done or the node is gone.
    async fn run(self, writes: usize) {
        let (mut organization, mut agent, mut user) =
            (None::<String>, None::<String>, None::<String>);
        for step in 0..writes {
            let name = format!("{} w{step}", self.prefix);
            let write = match (step % 7, &organization, &agent, &user) {
                (1, _, _, _) => create(
                    Kind::Agent,
                    "/api/v1/agents".into(),
                    json!({ "name": name, "kind": "chat" }),
                    name,
                ),
                (2, Some(org), Some(agent), _) => Write::Assign {
                    agent: agent.clone(),
                    organization: org.clone(),
                },
                (3, Some(org), _, _) => create(
                    Kind::ClientUser,
                    format!("/api/v1/organizations/{org}/users"),
                    json!({ "name": name, "email": format!("{}@crash.test", name.replace(' ', "-")) }),
                    name,
                ),
                (4, Some(org), _, _) => create(
                    Kind::Team,
                    format!("/api/v1/organizations/{org}/teams"),
                    json!({ "name": name }),
                    name,
                ),
                (5, Some(org), _, _) => Write::Rename {
                    id: org.clone(),
                    kind: Kind::Organization,
                    name,
                },
                (6, _, _, Some(user)) => Write::Rename {
                    id: user.clone(),
                    kind: Kind::ClientUser,
                    name,
                },
                _ => create(
                    Kind::Organization,
                    "/api/v1/organizations".into(),
                    json!({ "name": name }),
                    name,
                ),
            };
            let Some(created) = self.send(write).await else {
                return;
            };
            match created {
                Some((Kind::Organization, id)) => organization = Some(id),
                Some((Kind::Agent, id)) => agent = Some(id),
                Some((Kind::ClientUser, id)) => user = Some(id),
                _ => {}
            }
        }
    }

    /// Sends one write and records it; `None` once the node no longer answers, otherwise the
    /// object a create made.
    async fn send(&self, write: Write) -> Option<Option<(Kind, String)>> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        let made = match write {
            Write::Create {
                kind,
                path,
                body,
                name,
            } => {
                let (status, body) = self.api.send(Method::POST, &path, Some(body)).await?;
                let Some(id) = body["id"]
                    .as_str()
                    .filter(|_| status == 201)
                    .map(str::to_owned)
                else {
                    self.refused(status, &path, &body);
                    return None;
                };
                self.track(&id, kind, |t| t.names.push(name.clone()), true, &name);
                Some((kind, id))
            }
            Write::Rename { id, kind, name } => {
                // Recorded as sent before the request: it may commit without an answer.
                self.track(&id, kind, |t| t.names.push(name.clone()), false, &name);
                let body = json!({ "name": name });
                let (status, answer) = self
                    .api
                    .send(Method::PATCH, &kind.path(&id), Some(body))
                    .await?;
                if status != 200 {
                    self.refused(status, &kind.path(&id), &answer);
                    return None;
                }
                self.track(&id, kind, |t| t.acknowledged = t.names.len(), false, &name);
                None
            }
            Write::Assign {
                agent,
                organization,
            } => {
                let sent_to = organization.clone();
                self.track(
                    &agent,
                    Kind::Agent,
                    |t| t.assigned_to = Some((sent_to.clone(), false)),
                    false,
                    "",
                );
                let body = json!({ "organization_id": organization });
                let path = format!("/api/v1/agents/{agent}/organization");
                let (status, answer) = self.api.send(Method::PUT, &path, Some(body)).await?;
                if status != 200 {
                    self.refused(status, &path, &answer);
                    return None;
                }
                self.track(
                    &agent,
                    Kind::Agent,
                    |t| t.assigned_to = Some((organization.clone(), true)),
                    false,
                    "",
                );
                None
            }
        };
        if self.acknowledged.fetch_add(1, Ordering::SeqCst) + 1 == self.kill_at {
            self.reached.notify_one();
        }
        Some(made)
    }

    /// A write the node answered but did not make: a defect, since every write is valid.
    fn refused(&self, status: u16, path: &str, body: &Value) {
        let mut refusals = self.refusals.lock().expect("the refusals");
        refusals.push(format!("{path} answered {status}: {body}"));
    }

    fn track(
        &self,
        id: &str,
        kind: Kind,
        change: impl FnOnce(&mut Tracked),
        create: bool,
        name: &str,
    ) {
        let mut objects = self.objects.lock().expect("the tracker");
        let tracked = objects.entry(id.to_owned()).or_insert_with(|| Tracked {
            kind,
            names: Vec::new(),
            acknowledged: 0,
            assigned_to: None,
        });
        change(tracked);
        if create {
            tracked.acknowledged = tracked.names.len();
            debug_assert_eq!(tracked.names.last().map(String::as_str), Some(name));
        }
    }
}

fn create(kind: Kind, path: String, body: Value, name: String) -> Write {
    Write::Create {
        kind,
        path,
        body,
        name,
    }
}

/// Checks every tracked object and its activity; returns how many acknowledged writes are lost.
async fn reconcile(
    api: &Api,
    objects: &HashMap<String, Tracked>,
    since: i64,
    violations: &mut Vec<String>,
) -> usize {
    let entries = entries_after(api, since).await;
    let mut by_target: HashMap<String, Vec<&Value>> = HashMap::new();
    for entry in &entries {
        if let Some(id) = entry["target"]["id"].as_str() {
            by_target.entry(id.to_owned()).or_default().push(entry);
        }
    }
    let mut lost = 0;
    for (id, tracked) in objects {
        let Some((200, current)) = api.send(Method::GET, &tracked.kind.path(id), None).await else {
            lost += 1;
            violations.push(format!(
                "{:?} {id} was acknowledged but is gone",
                tracked.kind
            ));
            continue;
        };
        let name = current["name"].as_str().unwrap_or_default();
        let possible = &tracked.names[tracked.acknowledged.saturating_sub(1)..];
        if !possible.iter().any(|n| n == name) {
            lost += 1;
            violations.push(format!(
                "{id} is named {name:?}; acknowledged were {:?}",
                &tracked.names[..tracked.acknowledged]
            ));
        }
        let about = by_target.get(id).map(Vec::as_slice).unwrap_or_default();
        let created = format!("{}.created", tracked.kind.target());
        if !about.iter().any(|e| e["action"] == created.as_str()) {
            violations.push(format!("{id} has no {created} entry"));
        }
        // Entries come newest first: the latest that set a name names the object now.
        let recorded = about
            .iter()
            .find_map(|e| e["changes"]["name"]["after"].as_str())
            .or_else(|| {
                about
                    .iter()
                    .find(|e| e["action"] == created.as_str())
                    .and_then(|e| e["target"]["label"].as_str())
            });
        if recorded.is_some_and(|recorded| recorded != name) {
            violations.push(format!(
                "{id} is named {name:?} but its latest entry says {recorded:?}"
            ));
        }
        if let Some((organization, acknowledged)) = &tracked.assigned_to {
            let assigned = current["organization"]["id"].as_str() == Some(organization.as_str());
            let entry = about.iter().any(|e| e["action"] == "agent.assigned");
            if *acknowledged && !assigned {
                lost += 1;
                violations.push(format!("agent {id} lost its acknowledged assignment"));
            }
            if assigned != entry {
                violations.push(format!(
                    "agent {id}: assigned {assigned}, but an agent.assigned entry {entry}"
                ));
            }
        }
    }
    for entry in &entries {
        let (Some(kind), Some(id)) = (
            entry["target"]["kind"].as_str(),
            entry["target"]["id"].as_str(),
        ) else {
            continue;
        };
        let tracked_kind = [
            Kind::Organization,
            Kind::Agent,
            Kind::ClientUser,
            Kind::Team,
        ]
        .into_iter()
        .find(|k| k.target() == kind);
        if let Some(kind) = tracked_kind.filter(|_| !objects.contains_key(id)) {
            // Made by a write whose answer was lost: it must still exist, with its entry.
            if !matches!(
                api.send(Method::GET, &kind.path(id), None).await,
                Some((200, _))
            ) {
                violations.push(format!(
                    "entry {} names {kind:?} {id}, which does not exist",
                    entry["action"]
                ));
            }
        }
    }
    lost
}

/// The activity entries after `since`, newest first.
async fn entries_after(api: &Api, since: i64) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/api/v1/activity?limit=200{cursor}");
        let Some((200, page)) = api.send(Method::GET, &path, None).await else {
            return entries;
        };
        let page_entries = page["entries"].as_array().cloned().unwrap_or_default();
        let done = page_entries
            .iter()
            .any(|e| e["seq"].as_i64() <= Some(since));
        entries.extend(
            page_entries
                .into_iter()
                .filter(|e| e["seq"].as_i64() > Some(since)),
        );
        match page["next_cursor"].as_i64() {
            Some(next) if !done => cursor = format!("&cursor={next}"),
            _ => return entries,
        }
    }
}

/// The sequence number of the newest activity entry.
async fn latest_seq(api: &Api) -> i64 {
    match api
        .send(Method::GET, "/api/v1/activity?limit=1", None)
        .await
    {
        Some((200, page)) => page["entries"][0]["seq"].as_i64().unwrap_or_default(),
        _ => 0,
    }
}

/// SQLite's own check of the file a killed process left behind.
async fn integrity_check(path: &Path) -> Result<(), String> {
    use sqlx::Connection;
    let url = format!("sqlite://{}", path.display());
    let mut connection = sqlx::SqliteConnection::connect(&url)
        .await
        .map_err(|e| format!("the database does not open: {e}"))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .map_err(|e| format!("integrity_check fails: {e}"))?;
    let _ = connection.close().await;
    match verdict.as_str() {
        "ok" => Ok(()),
        other => Err(format!("integrity_check: {other}")),
    }
}

/// A number in `0..bound` that differs from run to run.
fn random_below(bound: usize) -> usize {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let value = u64::from_le_bytes(bytes[..8].try_into().unwrap_or_default());
    usize::try_from(value % bound.max(1) as u64).unwrap_or_default()
}
