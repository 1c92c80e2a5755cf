//! Latency of the client-user routes at scale, on each backend:
//! `cargo bench -p clientele-server --bench users`.
//!
//! Each backend gets a fresh database seeded like `clientele dev seed` with 1,000
//! organizations of 100 users each (override with CLIENTELE_BENCH_ORGS / _USERS_PER_ORG).
//! Requests are sent one at a time over HTTP by the owner's session; each import adds 1,000
//! users from one CSV file to a fresh organization (CLIENTELE_BENCH_IMPORTS files).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use clientele_app::seed::SeedPlan;
use clientele_testkit::{Backend, TestApp};
use reqwest::Method;
use serde_json::json;
use std::time::Instant;
use support::{from_env, measure, report};

const SAMPLES: usize = 1000;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let plan = SeedPlan {
        workspace_slug: "bench".to_owned(),
        organizations: from_env("CLIENTELE_BENCH_ORGS", 1000),
        agents: 0,
        users_per_organization: from_env("CLIENTELE_BENCH_USERS_PER_ORG", 100),
        activity: 0,
        conversations: 0,
        messages_per_conversation: 0,
    };
    let imports: usize = from_env("CLIENTELE_BENCH_IMPORTS", 20);
    println!(
        "{} organizations x {} users",
        plan.organizations, plan.users_per_organization
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
            let organizations = &seeded.organization_ids;

            let pages = (0..SAMPLES).map(|i| {
                let id = organizations[i * 7919 % organizations.len()];
                let path = format!("/api/v1/organizations/{id}/users?limit=50");
                (Method::GET, path, None)
            });
            report(
                &label,
                "GET /organizations/{id}/users?limit=50",
                measure(&app, &owner, pages).await,
            );

            // Seeded emails are user<n>@client.example: prefixes of 5 to 9 characters match
            // from tens of thousands of users down to one.
            let users = organizations.len() * plan.users_per_organization as usize;
            let searches = (0..SAMPLES).map(|i| {
                let n = i * 7919 % users.max(1);
                let prefix = format!("user{n}");
                let prefix = &prefix[..prefix.len().min(5 + i % 5)];
                let path = format!("/api/v1/client-users?email={prefix}&limit=50");
                (Method::GET, path, None)
            });
            report(
                &label,
                "GET /client-users?email=<prefix>&limit=50",
                measure(&app, &owner, searches).await,
            );

            let mut latencies = Vec::new();
            for file in 0..imports {
                let created = app
                    .request(&owner, Method::POST, "/api/v1/organizations")
                    .json(&json!({ "name": format!("Imported {file}") }))
                    .send()
                    .await
                    .unwrap();
                let organization: serde_json::Value = created.json().await.unwrap();
                let id = organization["id"].as_str().unwrap().to_owned();
                let mut csv = String::from("name,email,permissions\n");
                for row in 0..1000 {
                    csv.push_str(&format!(
                        "Imported Person {row},import{file}-{row}@client.example,home;analytics\n"
                    ));
                }
                let path = format!("/api/v1/organizations/{id}/users/import");
                let request = app
                    .request(&owner, Method::POST, &path)
                    .header("content-type", "text/csv")
                    .body(csv);
                let sent = Instant::now();
                let response = request.send().await.unwrap();
                let status = response.status();
                response.bytes().await.unwrap();
                latencies.push(sent.elapsed());
                assert!(status.is_success(), "{path}: {status}");
            }
            latencies.sort();
            report(
                &label,
                "POST /organizations/{id}/users/import (1,000)",
                latencies,
            );
        });
    }
}
