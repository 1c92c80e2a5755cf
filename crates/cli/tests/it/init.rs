//! `clientele init` and `clientele audit verify`, run as an operator runs them.

use crate::process::{Server, clientele};
use clientele_testkit::{Backend, PASSWORD, TestDb};
use std::path::Path;
use std::process::Output;

async fn init(dir: &Path, email: &str, password: Option<&str>) -> Output {
    let mut command = clientele(dir);
    command.args([
        "init",
        "--workspace",
        "Acme Agency",
        "--owner-name",
        "Ana Silva",
        "--owner-email",
        email,
    ]);
    if let Some(password) = password {
        command.env("CLIENTELE_OWNER_PASSWORD", password);
    }
    command.output().await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn init_creates_an_owner_who_can_then_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let output = init(dir.path(), "ana@acme.test", Some(PASSWORD)).await;
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("ana@acme.test"));

    let mut command = clientele(dir.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(command).await;
    let response = clientele_testkit::http_client()
        .post(format!("{}/api/v1/sessions", server.base_url))
        .json(&serde_json::json!({ "email": "ana@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    server.terminate().await;

    let verify = clientele(dir.path())
        .args(["audit", "verify"])
        .output()
        .await
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify.stderr));
    assert!(
        text(&verify.stdout).contains("Every activity chain verifies"),
        "{}",
        text(&verify.stdout)
    );
}

#[tokio::test]
async fn init_again_for_the_same_email_fails_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        init(dir.path(), "ana@acme.test", Some(PASSWORD))
            .await
            .status
            .success()
    );
    let again = init(dir.path(), "ANA@acme.test", Some(PASSWORD)).await;
    assert_eq!(again.status.code(), Some(2));
    let stderr = text(&again.stderr);
    assert!(
        stderr.contains("owner-email")
            && stderr.contains("already exists")
            && stderr.contains("nothing was created"),
        "{stderr}"
    );
    let verify = clientele(dir.path())
        .args(["audit", "verify"])
        .output()
        .await
        .unwrap();
    assert!(
        text(&verify.stdout).contains("Checked 2 entries in 1 workspaces"),
        "{}",
        text(&verify.stdout)
    );
}

#[tokio::test]
async fn init_refuses_a_weak_password_and_never_takes_one_as_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let weak = init(dir.path(), "ana@acme.test", Some("password123")).await;
    assert_eq!(weak.status.code(), Some(2));
    assert!(
        text(&weak.stderr).contains("owner-password"),
        "{}",
        text(&weak.stderr)
    );

    let missing = init(dir.path(), "ana@acme.test", None).await;
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("CLIENTELE_OWNER_PASSWORD"));

    let flag = clientele(dir.path())
        .args([
            "init",
            "--workspace",
            "A",
            "--owner-name",
            "A",
            "--owner-email",
            "a@a.test",
            "--password",
            PASSWORD,
        ])
        .output()
        .await
        .unwrap();
    assert!(!flag.status.success());
}

#[tokio::test]
async fn serve_on_an_empty_database_says_how_to_create_the_first_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = clientele(dir.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(command).await;
    let (_, stdout, _) = server.terminate().await;
    assert!(stdout.contains("clientele init --workspace"), "{stdout}");
}

/// One byte of one entry changed behind the database's back (its guard lifted first, as only
/// someone with direct access could) is reported at that entry, on either backend.
async fn a_one_byte_change_to_an_entry_is_reported_at_that_entry(backend: Backend) {
    let database = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let mut command = clientele(dir.path());
    command
        .args([
            "init",
            "--workspace",
            "Acme Agency",
            "--owner-name",
            "Ana Silva",
        ])
        .args(["--owner-email", "ana@acme.test"])
        .env("CLIENTELE_OWNER_PASSWORD", PASSWORD)
        .env("CLIENTELE_DATABASE_URL", database.url());
    assert!(command.output().await.unwrap().status.success());
    let refused = database
        .execute("UPDATE activity SET target_label = 'x' WHERE seq = 2")
        .await;
    assert!(refused.is_err(), "the database refuses to edit an entry");

    let lift_guard = match backend {
        Backend::Sqlite => "DROP TRIGGER activity_refuses_update",
        Backend::Postgres => {
            "ALTER TABLE activity DISABLE TRIGGER activity_refuses_update_or_delete"
        }
    };
    database.execute(lift_guard).await.unwrap();
    // "Ana Silva" becomes "Ana Silvb": one byte.
    database
        .execute("UPDATE activity SET target_label = 'Ana Silvb' WHERE seq = 2 AND target_label = 'Ana Silva'")
        .await
        .unwrap();
    let verify = clientele(dir.path())
        .args(["audit", "verify"])
        .env("CLIENTELE_DATABASE_URL", database.url())
        .output()
        .await
        .unwrap();
    assert_eq!(verify.status.code(), Some(1), "{}", text(&verify.stdout));
    let report = text(&verify.stdout);
    assert!(
        report.contains("entry 2: the entry was altered after it was written"),
        "{report}"
    );
    assert!(
        !report.contains("entry 1:"),
        "only the altered entry is named: {report}"
    );
}

#[tokio::test]
async fn a_one_byte_change_to_an_entry_is_reported_at_that_entry_on_sqlite() {
    a_one_byte_change_to_an_entry_is_reported_at_that_entry(Backend::Sqlite).await;
}

#[tokio::test]
async fn a_one_byte_change_to_an_entry_is_reported_at_that_entry_on_postgres() {
    a_one_byte_change_to_an_entry_is_reported_at_that_entry(Backend::Postgres).await;
}
