//! `clientele backup` under load and `clientele restore`, as an operator runs them.

use crate::process::{Server, clientele};
use clientele_testkit::{Backend, PASSWORD, TestDb};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn init(dir: &Path) {
    let output = clientele(dir)
        .args([
            "init",
            "--workspace",
            "Acme",
            "--owner-name",
            "Ana",
            "--owner-email",
            "ana@acme.test",
        ])
        .env("CLIENTELE_OWNER_PASSWORD", PASSWORD)
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
}

/// The owner's cookie and CSRF token.
async fn sign_in(client: &reqwest::Client, base: &str) -> (String, String) {
    let response = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({ "email": "ana@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    (cookie, body["csrf_token"].as_str().unwrap().to_owned())
}

async fn organization_names(
    client: &reqwest::Client,
    base: &str,
    session: &(String, String),
) -> Vec<String> {
    let mut names = Vec::new();
    let mut cursor = String::new();
    loop {
        let page: Value = client
            .get(format!("{base}/api/v1/organizations?limit=200{cursor}"))
            .header("cookie", &session.0)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        names.extend(
            page["organizations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => return names,
        }
    }
}

#[tokio::test]
async fn a_backup_taken_under_load_restores_every_write_acknowledged_before_it() {
    let dir = tempfile::tempdir().unwrap();
    init(dir.path()).await;
    let mut serve = clientele(dir.path());
    serve.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(serve).await;
    let base = server.base_url.clone();
    let client = clientele_testkit::http_client();
    let session = Arc::new(sign_in(&client, &base).await);

    let writing = Arc::new(AtomicBool::new(true));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..8 {
        let (client, base, session) = (client.clone(), base.clone(), session.clone());
        let (writing, acknowledged) = (writing.clone(), acknowledged.clone());
        writers.spawn(async move {
            let mut i = 0;
            while writing.load(Ordering::SeqCst) {
                i += 1;
                let name = format!("writer {writer} organization {i}");
                let response = client
                    .post(format!("{base}/api/v1/organizations"))
                    .header("cookie", &session.0)
                    .header("x-csrf-token", &session.1)
                    .json(&json!({ "name": name }))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
                acknowledged.lock().unwrap().push(name);
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    let before_backup = acknowledged.lock().unwrap().clone();
    let backup_file = dir.path().join("snapshot.db");
    let backup = clientele(dir.path())
        .arg("backup")
        .arg(&backup_file)
        .output()
        .await
        .unwrap();
    assert!(backup.status.success(), "{}", text(&backup.stderr));
    assert!(
        text(&backup.stdout).contains("Backed up"),
        "{}",
        text(&backup.stdout)
    );
    let during_backup = acknowledged.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(300)).await;
    writing.store(false, Ordering::SeqCst);
    writers.join_all().await;
    let after_backup = acknowledged.lock().unwrap()[during_backup..].to_vec();
    assert!(!after_backup.is_empty(), "writes went on after the backup");

    let refused = clientele(dir.path())
        .arg("restore")
        .arg(&backup_file)
        .output()
        .await
        .unwrap();
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a restore under a running server is refused"
    );
    assert!(
        text(&refused.stderr).contains("stop it first"),
        "{}",
        text(&refused.stderr)
    );
    let (status, _, stderr) = server.terminate().await;
    assert!(status.success(), "{stderr}");

    let restore = clientele(dir.path())
        .arg("restore")
        .arg(&backup_file)
        .output()
        .await
        .unwrap();
    assert!(
        restore.status.success(),
        "{}{}",
        text(&restore.stdout),
        text(&restore.stderr)
    );
    assert!(
        text(&restore.stdout).contains("Every activity chain verifies"),
        "{}",
        text(&restore.stdout)
    );

    let mut serve = clientele(dir.path());
    serve.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(serve).await;
    let session = sign_in(&client, &server.base_url).await;
    let restored = organization_names(&client, &server.base_url, &session).await;
    let missing: Vec<_> = before_backup
        .iter()
        .filter(|name| !restored.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing after the restore: {missing:?}"
    );
    assert!(
        after_backup.iter().all(|name| !restored.contains(name)),
        "writes made after the snapshot are not in it"
    );
    server.terminate().await;
}

#[tokio::test]
async fn on_postgres_backup_points_to_pg_dump() {
    let database = TestDb::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let output = clientele(dir.path())
        .arg("backup")
        .arg(dir.path().join("snapshot.db"))
        .env("CLIENTELE_DATABASE_URL", database.url())
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("pg_dump"),
        "{}",
        text(&output.stderr)
    );
}
