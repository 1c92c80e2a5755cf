use axum::Router;
use axum::routing::get;
use clientele_testkit::{Backend, Options, TestApp, on_both_backends};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// A route that reports when it has started and finishes only when released.
fn held_route(started: mpsc::Sender<()>, release: Arc<Notify>) -> Router {
    Router::new().route(
        "/held",
        get(move || async move {
            let _ = started.send(()).await;
            release.notified().await;
            "finished"
        }),
    )
}

async fn connection_refused(app: &TestApp) -> bool {
    let deadline = Instant::now() + Duration::from_secs(2);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(app.address).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

on_both_backends! {
    async fn shutdown_lets_a_request_in_flight_finish_then_closes_the_database(backend: Backend) {
        let (started, mut has_started) = mpsc::channel(1);
        let release = Arc::new(Notify::new());
        let mut app = TestApp::spawn_with(backend, Options { extra: held_route(started, release.clone()), ..Options::default() }).await;
        let in_flight = tokio::spawn(app.client().get(app.url("/held")).send());
        has_started.recv().await.unwrap();

        app.begin_shutdown();
        assert!(connection_refused(&app).await, "new connections are still accepted after shutdown began");
        assert!(!app.db.is_closed(), "the database closed under a running request");

        release.notify_one();
        let response = in_flight.await.unwrap().unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "finished");
        app.stopped().await.unwrap();
        assert!(app.db.is_closed());
    }

    async fn shutdown_gives_up_on_a_stuck_request_after_the_grace_period(backend: Backend) {
        let (started, mut has_started) = mpsc::channel(1);
        let never_released = Arc::new(Notify::new());
        let mut app = TestApp::spawn_with(backend, Options { extra: held_route(started, never_released), grace: Duration::from_millis(300), ..Options::default() }).await;
        let in_flight = tokio::spawn(app.client().get(app.url("/held")).send());
        has_started.recv().await.unwrap();

        let began = Instant::now();
        app.stopped().await.unwrap();
        assert!(began.elapsed() < Duration::from_secs(3), "shutdown took {:?}", began.elapsed());
        let outcome = tokio::time::timeout(Duration::from_millis(200), in_flight).await;
        assert!(!matches!(outcome, Ok(Ok(Ok(_)))), "the abandoned request cannot have been answered");
        assert!(app.db.is_closed());
    }
}
