//! Serving with a bounded graceful shutdown.

use axum::Router;
use clientele_app::App;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long closing the database may wait for connections in use to come back.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves `routes` on `listener` until `shutdown` resolves; then stops accepting, lets in-flight
/// requests finish for at most `grace`, and closes the database pools.
pub async fn serve(
    listener: TcpListener,
    routes: Router,
    app: App,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> io::Result<()> {
    let (began, mut shutting_down) = watch::channel(false);
    let server = axum::serve(
        listener,
        routes.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        tracing::info!(
            grace_seconds = grace.as_secs(),
            "shutting down: no new connections, finishing requests in flight"
        );
        let _ = began.send(true);
    });
    let mut running = tokio::spawn(async move { server.await });
    let shutdown_began = async move {
        let _ = shutting_down.wait_for(|began| *began).await;
    };
    let result = tokio::select! {
        finished = &mut running => finished,
        () = shutdown_began => match tokio::time::timeout(grace, &mut running).await {
            Ok(finished) => finished,
            Err(_) => {
                tracing::warn!("requests still running after the grace period were abandoned");
                running.abort();
                Ok(Ok(()))
            }
        },
    };
    // A request abandoned above may still hold a connection; closing must not wait for it.
    if tokio::time::timeout(CLOSE_TIMEOUT, app.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still in use were abandoned");
    }
    tracing::info!("stopped");
    result.unwrap_or_else(|join| Err(io::Error::other(join)))
}
