//! Throughput and latency of the HTTP server on each backend: `cargo bench -p clientele-server`.
//!
//! Each scenario serves the real application in-process on a fresh database and fires requests
//! from concurrent keep-alive clients on the same machine, so the figures include the client's
//! own cost; compare them with each other rather than with a dedicated load generator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clientele_domain::MemberRole;
use clientele_testkit::{Backend, Credentials, PASSWORD, TestApp};
use reqwest::Method;
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 32;
const REQUESTS: usize = 20_000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    println!(
        "{:<9} {:<28} {:>9} {:>9} {:>9}",
        "backend", "request", "req/s", "p50 µs", "p99 µs"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        runtime.block_on(async {
            let app = TestApp::spawn(backend).await;
            let workspace = app.workspace("bench").await;
            let session = app.sign_in(&workspace.owner).await;
            let api_key = app.api_key(&workspace, MemberRole::Admin).await;
            let scenarios = [
                ("GET /healthz (no auth)", "/healthz", Credentials::Anonymous),
                ("GET /readyz (no auth)", "/readyz", Credentials::Anonymous),
                ("GET /api/v1/me (session)", "/api/v1/me", session),
                ("GET /api/v1/me (API key)", "/api/v1/me", api_key),
            ];
            let label = format!("{backend:?}");
            for (name, route, credentials) in scenarios {
                let (rate, p50, p99) = load(&app, route, &credentials).await;
                println!("{label:<9} {name:<28} {rate:>9.0} {p50:>9} {p99:>9}");
            }
            let (p50, p99) = sign_in_latency(&app, &workspace.owner.email).await;
            println!(
                "{label:<9} {:<28} {:>9} {p50:>9} {p99:>9}",
                "POST /api/v1/sessions", "-"
            );
        });
    }
}

/// Sequential sign-ins: the latency a person sees, dominated by argon2id.
async fn sign_in_latency(app: &TestApp, email: &str) -> (u128, u128) {
    let mut latencies = Vec::new();
    for _ in 0..100 {
        let sent = Instant::now();
        let response = app
            .client()
            .post(app.url("/api/v1/sessions"))
            .json(&serde_json::json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        latencies.push(sent.elapsed());
    }
    latencies.sort();
    (latencies[50].as_micros(), latencies[98].as_micros())
}

/// Sends `REQUESTS` GETs from `CONCURRENCY` clients; returns requests/s and latency percentiles.
async fn load(app: &TestApp, route: &str, credentials: &Credentials) -> (f64, u128, u128) {
    for _ in 0..200 {
        app.request(credentials, Method::GET, route)
            .send()
            .await
            .unwrap();
    }
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let request = app.request(credentials, Method::GET, route);
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(REQUESTS / CONCURRENCY);
                for _ in 0..REQUESTS / CONCURRENCY {
                    let sent = Instant::now();
                    let response = request.try_clone().unwrap().send().await.unwrap();
                    assert!(response.status().is_success());
                    response.bytes().await.unwrap();
                    latencies.push(sent.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = Vec::with_capacity(REQUESTS);
    for worker in workers {
        latencies.extend(worker.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let percentile =
        |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)].as_micros();
    (
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(50),
        percentile(99),
    )
}
