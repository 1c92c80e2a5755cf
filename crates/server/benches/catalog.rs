//! Latency of the organization and agent routes, and of the console's Clients view, at scale,
//! on each backend:
//! `cargo bench -p clientele-server --bench catalog`.
//!
//! Each backend gets a fresh database seeded like `clientele dev seed` with 1,000
//! organizations, 5,000 agents, 5 users per organization and 1,000,000 activity entries
//! (override with CLIENTELE_BENCH_ORGS / _AGENTS / _ACTIVITY). Requests are sent one at a
//! time over HTTP by the owner's session, so the figures are what one person waits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use clientele_app::seed::SeedPlan;
use clientele_testkit::{Backend, TestApp};
use reqwest::Method;
use serde_json::json;
use std::time::Instant;
use support::{from_env, measure, report};

const SAMPLES: usize = 1000;
const SEARCHES: [&str; 8] = [
    "dental", "harbor", "law", "12", "spa 9", "bright", "clinic 4", "x",
];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let plan = SeedPlan {
        workspace_slug: "bench".to_owned(),
        organizations: from_env("CLIENTELE_BENCH_ORGS", 1000),
        agents: from_env("CLIENTELE_BENCH_AGENTS", 5000),
        users_per_organization: 5,
        activity: from_env("CLIENTELE_BENCH_ACTIVITY", 1_000_000),
        conversations: 0,
        messages_per_conversation: 0,
    };
    println!(
        "{} organizations, {} agents, {} activity entries",
        plan.organizations, plan.agents, plan.activity
    );
    println!(
        "{:<9} {:<44} {:>9} {:>9}",
        "backend", "request", "p50 µs", "p99 µs"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        runtime.block_on(async {
            let app = TestApp::spawn(backend).await;
            let seeding = Instant::now();
            let seeded = app.app.seed(&plan).await.unwrap();
            let label = format!("{backend:?}");
            println!(
                "{label:<9} seeded in {:.1} s",
                seeding.elapsed().as_secs_f64()
            );
            let owner = app
                .sign_in_with(&seeded.owner_email, &seeded.password)
                .await;

            let searches = (0..SAMPLES).map(|i| {
                let q = SEARCHES[i % SEARCHES.len()].replace(' ', "%20");
                (
                    Method::GET,
                    format!("/api/v1/organizations?q={q}&limit=50"),
                    None,
                )
            });
            report(
                &label,
                "GET /organizations?q=…&limit=50",
                measure(&app, &owner, searches).await,
            );

            let reads = (0..SAMPLES).map(|i| {
                let id = seeded.organization_ids[i * 7919 % seeded.organization_ids.len()];
                (Method::GET, format!("/api/v1/organizations/{id}"), None)
            });
            report(
                &label,
                "GET /organizations/{id} (with settings)",
                measure(&app, &owner, reads).await,
            );

            // The console's Clients view: a page of organizations with their agents, and the pool.
            let html = app
                .request(&owner, Method::GET, "/console")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let (css, js) = (
                clientele_server::web::assets::CSS.len(),
                clientele_server::web::assets::JS.len(),
            );
            println!(
                "{label:<9} Clients view weight: HTML {} B + CSS {css} B + JS {js} B = {} B",
                html.len(),
                html.len() + css + js
            );
            let views = (0..SAMPLES / 5).map(|_| (Method::GET, "/console".to_owned(), None));
            report(
                &label,
                "GET /console (Clients view)",
                measure(&app, &owner, views).await,
            );
            let searched = (0..SAMPLES / 5).map(|i| {
                let q = SEARCHES[i % SEARCHES.len()].replace(' ', "%20");
                (Method::GET, format!("/console?q={q}&aq=line"), None)
            });
            report(
                &label,
                "GET /console?q=…&aq=… (both searched)",
                measure(&app, &owner, searched).await,
            );

            // Every fifth seeded agent is in the pool: assign each of those once.
            let pool: Vec<_> = seeded
                .agent_ids
                .iter()
                .skip(4)
                .step_by(5)
                .copied()
                .collect();
            let assignments = pool.iter().enumerate().map(|(i, agent)| {
                let organization = seeded.organization_ids[i * 31 % seeded.organization_ids.len()];
                let body = json!({ "organization_id": organization });
                (
                    Method::PUT,
                    format!("/api/v1/agents/{agent}/organization"),
                    Some(body),
                )
            });
            report(
                &label,
                "PUT /agents/{id}/organization (assign)",
                measure(&app, &owner, assignments).await,
            );
        });
    }
}
