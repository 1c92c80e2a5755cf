use crate::process::{Server, clientele};
use clientele_testkit::{Backend, TestDb};

#[tokio::test]
async fn serve_with_no_settings_creates_its_sqlite_database_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = clientele(dir.path());
    command.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(command).await;

    assert_eq!(server.get("/healthz").await.status(), 200);
    assert_eq!(server.get("/readyz").await.status(), 200);
    assert!(dir.path().join("clientele-data/clientele.db").is_file());

    let (status, stdout, stderr) = server.terminate().await;
    assert!(status.success(), "exit status {status}; stderr:\n{stderr}");
    assert!(
        stdout.contains("/api/docs"),
        "the banner shows where the API reference is:\n{stdout}"
    );
    assert!(stderr.contains("shutting down"), "{stderr}");
}

#[tokio::test]
async fn every_log_line_of_a_request_carries_its_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = clientele(dir.path());
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CLIENTELE_LOG_FORMAT", "json");
    let server = Server::start(command).await;
    let response = clientele_testkit::http_client()
        .get(format!("{}/no-such-page", server.base_url))
        .header("x-request-id", "req-cli-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    let (_, _, stderr) = server.terminate().await;
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Every line logged inside the request's span, however deeply nested, names the request.
    let request_span = |line: &serde_json::Value| {
        line["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|span| span["name"] == "request"))
            .cloned()
    };
    let of_request: Vec<_> = lines
        .iter()
        .filter_map(request_span)
        .filter(|span| span["path"] == "/no-such-page")
        .collect();
    assert!(
        !of_request.is_empty(),
        "no log line for the request:\n{stderr}"
    );
    for span in of_request {
        assert_eq!(span["request_id"], "req-cli-42", "{span}");
    }
}

#[tokio::test]
async fn serve_runs_on_postgres_when_given_its_url_and_never_prints_the_password() {
    let database = TestDb::new(Backend::Postgres).await;
    let url_with_password = database
        .url()
        .replacen("postgres@", "postgres:pw-s3cret-9@", 1);
    let dir = tempfile::tempdir().unwrap();
    let mut command = clientele(dir.path());
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("CLIENTELE_DATABASE_URL", &url_with_password)
        .env("CLIENTELE_LOG", "debug");
    let server = Server::start(command).await;
    assert_eq!(server.get("/readyz").await.status(), 200);
    assert!(!dir.path().join("clientele-data/clientele.db").exists());

    let (status, stdout, stderr) = server.terminate().await;
    assert!(status.success());
    assert!(stdout.contains("postgres://postgres:***@"), "{stdout}");
    assert!(!stdout.contains("pw-s3cret-9") && !stderr.contains("pw-s3cret-9"));
}
