//! Email on each backend: `cargo bench -p clientele-server --bench email`.
//!
//! Times sending an invitation (link, template, sealed body and activity entry written in one
//! transaction) over HTTP, one request at a time; then how fast one node's outbox worker
//! delivers the queued emails to a local SMTP server once one is configured; then password
//! reset requests for addresses with and without an account, which must take the same time.
//! CLIENTELE_BENCH_EMAILS sets how many (default 500).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use clientele_domain::MemberRole;
use clientele_server::TrustedProxies;
use clientele_testkit::{Backend, Options, SmtpSink, TestApp};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};
use support::{from_env, measure, report};

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let emails: usize = from_env("CLIENTELE_BENCH_EMAILS", 500);
    println!(
        "{:<9} {:<44} {:>9} {:>9}",
        "backend", "request", "p50 µs", "p99 µs"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        runtime.block_on(async {
            let app = TestApp::spawn(backend).await;
            let workspace = app.workspace("bench").await;
            let owner = app.sign_in(&workspace.owner).await;
            let organization = app.organization(&workspace, "Northwind").await;
            let mut users = Vec::new();
            for i in 0..emails {
                let response = app
                    .request(
                        &owner,
                        Method::POST,
                        &format!("/api/v1/organizations/{organization}/users"),
                    )
                    .json(&json!({ "name": format!("User {i}"), "email": format!("user{i}@client.test") }))
                    .send()
                    .await
                    .unwrap();
                let user: serde_json::Value = response.json().await.unwrap();
                users.push(user["id"].as_str().unwrap().to_owned());
            }
            let label = format!("{backend:?}");
            let invitations = users.iter().map(|id| {
                let path = format!("/api/v1/client-users/{id}/invitation");
                (Method::POST, path, None)
            });
            report(
                &label,
                "send an invitation (queued)",
                measure(&app, &owner, invitations).await,
            );

            let sink = SmtpSink::start().await;
            let started = Instant::now();
            let settings = json!({
                "sender_name": "Acme AI", "sender_address": "hello@acme-ai.test",
                "smtp_host": "127.0.0.1", "smtp_port": sink.port(), "smtp_tls": "none",
            });
            let response = app
                .request(&owner, Method::PUT, "/api/v1/workspace/email-settings")
                .json(&settings)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            sink.wait_for(emails, Duration::from_secs(600)).await;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "{label:<9} delivered {emails} queued emails in {seconds:.2} s ({:.0} emails/s, one node)",
                emails as f64 / seconds
            );
            reset_requests(backend, &label, emails.min(200)).await;
        });
    }
}

/// Reset requests alternating between addresses with an account and without, each from its
/// own client address (behind a trusted proxy) so the throttle stays out of the way.
async fn reset_requests(backend: Backend, label: &str, count: usize) {
    let options = Options {
        trusted_proxies: TrustedProxies::new(vec![
            TrustedProxies::parse_network("127.0.0.1").unwrap(),
        ]),
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let workspace = app.workspace("resets").await;
    let mut known = Vec::new();
    for i in 0..count {
        known.push(
            app.member(&workspace, &format!("m{i}"), MemberRole::Member)
                .await
                .email,
        );
    }
    let (mut with, mut without) = (Vec::new(), Vec::new());
    for (i, email) in known.iter().enumerate() {
        for (address, latencies) in [
            (email.clone(), &mut with),
            (format!("nobody{i}@resets.test"), &mut without),
        ] {
            let sent = Instant::now();
            let response = app
                .client()
                .post(app.url("/api/v1/password-resets"))
                .header(
                    "x-forwarded-for",
                    format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
                )
                .json(&json!({ "email": address }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 202);
            latencies.push(sent.elapsed());
        }
    }
    with.sort();
    without.sort();
    report(label, "reset request, address with an account", with);
    report(label, "reset request, address without one", without);
}
