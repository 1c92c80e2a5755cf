//! The robustness proofs at ten times the test suite's numbers, and what durability costs:
//! `cargo bench -p clientele --bench robustness`.
//!
//! 1. The crash harness (`clientele_testkit::crash`) on each backend: 50 clients x 200 writes
//!    per kill, 50 kills (CLIENTELE_BENCH_CRASH_WRITES / _KILLS). Prints writes sent,
//!    acknowledged and lost per kill; exits non-zero on any violation.
//! 2. The races (`clientele_testkit::races`) at ten times the suite's numbers, on each backend:
//!    1,000 redemptions of one invitation and of one reset link, 1,000 updates with one ETag,
//!    500 creates with one Idempotency-Key, 100 ownership transfers, 2,000 wrong passwords.
//! 3. SQLite's synchronous modes: the same writes (create an organization over HTTP, one at a
//!    time, then 50 at once) with `synchronous = FULL` and `NORMAL`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clientele_store::{PoolSettings, SqliteSync};
use clientele_testkit::crash::{CrashSettings, run};
use clientele_testkit::races::{self, Outcome};
use clientele_testkit::{Backend, Options, TestApp};
use reqwest::Method;
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn from_env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut failed = false;
    runtime.block_on(async {
        failed |= crash().await;
        failed |= races().await;
        synchronous_modes().await;
    });
    if failed {
        std::process::exit(1);
    }
}

async fn crash() -> bool {
    let settings = CrashSettings {
        clients: 50,
        writes_per_client: from_env("CLIENTELE_BENCH_CRASH_WRITES", 200),
        iterations: from_env("CLIENTELE_BENCH_CRASH_KILLS", 50),
    };
    println!("crash harness: {settings:?}");
    println!(
        "{:<9} {:>6} {:>6} {:>6} {:>6} {:>11}",
        "backend", "kill", "sent", "acked", "lost", "killed at"
    );
    let mut failed = false;
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        let started = Instant::now();
        let report = run(
            Path::new(env!("CARGO_BIN_EXE_clientele")),
            backend,
            settings,
        )
        .await;
        let (mut sent, mut acknowledged, mut lost) = (0, 0, 0);
        for (kill, iteration) in report.iterations.iter().enumerate() {
            println!(
                "{name:<9} {kill:>6} {:>6} {:>6} {:>6} {:>9} ms",
                iteration.sent,
                iteration.acknowledged,
                iteration.lost,
                iteration.killed_after.as_millis()
            );
            sent += iteration.sent;
            acknowledged += iteration.acknowledged;
            lost += iteration.lost;
            for refusal in &iteration.refused {
                println!("  refused: {refusal}");
            }
            failed |= !iteration.refused.is_empty();
        }
        println!(
            "{name:<9} total: {} kills, {sent} writes sent, {acknowledged} acknowledged, {lost} lost, {} violations, {:.0} s",
            report.iterations.len(),
            report.violations.len(),
            started.elapsed().as_secs_f64()
        );
        for violation in &report.violations {
            println!("  violation: {violation}");
        }
        failed |= lost > 0 || !report.violations.is_empty();
    }
    failed
}

/// Each race on a fresh server (the password guesses would block the address for the rest).
/// Fails when the winners or what the data shows differ from the one right answer.
async fn races() -> bool {
    println!("\nraces at ten times the suite's numbers");
    println!(
        "{:<9} {:<44} {:>8} {:>6} {:>9}",
        "backend", "race", "winners", "made", "took ms"
    );
    let mut failed = false;
    for (name, backend) in [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)] {
        let outcome = races::redeem_one_invitation(&fresh(backend).await, "race", 1000).await;
        failed |= report(
            name,
            "1,000 redemptions of one invitation",
            &outcome,
            201,
            1,
            1,
        );
        let outcome = races::redeem_one_reset_link(&fresh(backend).await, "race", 1000).await;
        failed |= report(
            name,
            "1,000 redemptions of one reset link",
            &outcome,
            201,
            1,
            1,
        );
        let outcome = races::update_with_one_etag(&fresh(backend).await, "race", 1000).await;
        failed |= report(name, "1,000 updates with one ETag", &outcome, 200, 1, 1);
        let outcome = races::create_with_one_key(&fresh(backend).await, "race", 500).await;
        failed |= report(
            name,
            "500 creates with one Idempotency-Key",
            &outcome,
            201,
            500,
            1,
        );
        failed |= !outcome.identical;
        let outcome = races::transfer_ownership_at_once(&fresh(backend).await, "race", 100).await;
        failed |= report(name, "100 ownership transfers", &outcome, 200, 1, 1);
        let outcome = races::guess_passwords_at_once(&fresh(backend).await, "race", 2000).await;
        failed |= report(
            name,
            "2,000 wrong passwords (winners: checked)",
            &outcome,
            401,
            5,
            5,
        );
    }
    failed
}

async fn fresh(backend: Backend) -> Arc<TestApp> {
    let options = Options {
        pool: PoolSettings::default(),
        ..Options::default()
    };
    Arc::new(TestApp::spawn_with(backend, options).await)
}

/// Prints one race; true when it came out wrong.
fn report(
    backend: &str,
    race: &str,
    outcome: &Outcome,
    status: u16,
    winners: usize,
    made: usize,
) -> bool {
    println!(
        "{backend:<9} {race:<44} {:>8} {:>6} {:>9}",
        outcome.count(status),
        outcome.made,
        outcome.took.as_millis()
    );
    let wrong = outcome.count(status) != winners || outcome.made != made;
    if wrong {
        println!(
            "  expected {winners} winners and {made} made: {:?}",
            outcome.statuses
        );
    }
    wrong
}

async fn synchronous_modes() {
    const SEQUENTIAL: usize = 1000;
    const PARALLEL: usize = 2000;
    println!("\nSQLite synchronous mode: creating organizations over HTTP");
    println!(
        "{:<8} {:>10} {:>10} {:>16}",
        "mode", "p50 µs", "p99 µs", "50 clients /s"
    );
    for (name, sync) in [("FULL", SqliteSync::Full), ("NORMAL", SqliteSync::Normal)] {
        let options = Options {
            pool: PoolSettings {
                sqlite_sync: sync,
                ..PoolSettings::default()
            },
            ..Options::default()
        };
        let app = Arc::new(TestApp::spawn_with(Backend::Sqlite, options).await);
        let workspace = app.workspace("bench").await;
        let owner = Arc::new(app.sign_in(&workspace.owner).await);
        let mut latencies = Vec::with_capacity(SEQUENTIAL);
        for i in 0..SEQUENTIAL {
            let sent = Instant::now();
            let response = app
                .request(&owner, Method::POST, "/api/v1/organizations")
                .json(&json!({ "name": format!("seq {i}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 201);
            latencies.push(sent.elapsed());
        }
        latencies.sort();
        let started = Instant::now();
        let mut clients = tokio::task::JoinSet::new();
        for client in 0..50 {
            let (app, owner) = (app.clone(), owner.clone());
            clients.spawn(async move {
                for i in 0..PARALLEL / 50 {
                    let body = json!({ "name": format!("par {client} {i}") });
                    let response = app
                        .request(&owner, Method::POST, "/api/v1/organizations")
                        .json(&body)
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(response.status(), 201);
                }
            });
        }
        clients.join_all().await;
        let rate = PARALLEL as f64 / started.elapsed().as_secs_f64();
        let percentile = |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)];
        println!(
            "{name:<8} {:>10} {:>10} {rate:>16.0}",
            micros(percentile(50)),
            micros(percentile(99))
        );
    }
}

fn micros(duration: Duration) -> u128 {
    duration.as_micros()
}
