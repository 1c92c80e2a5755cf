use clientele_testkit::{Backend, TestApp, on_both_backends};
use std::time::{Duration, Instant};

on_both_backends! {
    async fn liveness_answers_200_while_the_process_is_up(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/healthz").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.json::<serde_json::Value>().await.unwrap()["status"], "ok");
    }

    async fn readiness_answers_200_when_the_database_answers(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/readyz").await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.json::<serde_json::Value>().await.unwrap()["status"], "ready");
    }
}

/// SQLite lives inside the process and cannot go away on its own; a PostgreSQL server can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_answers_503_while_postgres_is_unreachable_and_recovers_after() {
    let app = TestApp::spawn(Backend::Postgres).await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    app.database.cut_off().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], "database_unavailable");
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "liveness does not depend on the database"
    );

    app.database.restore().await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.get("/readyz").await.status() != 200 {
        assert!(
            Instant::now() < deadline,
            "readiness did not recover within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
