//! Reading conversations at scale, next to the store's own query and the bare route:
//! `cargo bench -p clientele-server --bench conversations`.
//!
//! Each backend gets a fresh database seeded like `clientele dev seed` with one workspace of
//! CLIENTELE_BENCH_CONVERSATIONS conversations (1,000,000 by default) of 10 messages each,
//! over 200 agents of 50 organizations, plus one conversation of 200 messages. The server
//! runs with the deployment's default pool (10 connections). Each case is timed over HTTP
//! with the owner's session, by 1 client and by 64 at once; the ceilings are the store's
//! list query alone (no HTTP, session or policy) and `GET /healthz`. CLIENTELE_BENCH_BACKEND
//! (`sqlite` or `postgres`) runs one backend only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use clientele_app::seed::SeedPlan;
use clientele_domain::OrganizationId;
use clientele_store::PoolSettings;
use clientele_store::conversations::{self, ConversationFilter};
use clientele_testkit::{Backend, Credentials, Options, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::{Timed, from_env, measure, report};

/// Requests per case and client count.
const SAMPLES: usize = 640;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let plan = SeedPlan {
        workspace_slug: "bench".to_owned(),
        organizations: 50,
        agents: 200,
        users_per_organization: 1,
        activity: 0,
        conversations: from_env("CLIENTELE_BENCH_CONVERSATIONS", 1_000_000),
        messages_per_conversation: 10,
    };
    println!(
        "{} conversations of {} messages in one workspace",
        plan.conversations, plan.messages_per_conversation
    );
    println!(
        "{:<9} {:<52} {:>9} {:>9}",
        "backend", "case", "p50 µs", "p99 µs"
    );
    let only = std::env::var("CLIENTELE_BENCH_BACKEND").unwrap_or_default();
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if only.is_empty() || format!("{backend:?}").eq_ignore_ascii_case(&only) {
            runtime.block_on(run(backend, &plan));
        }
    }
}

async fn run(backend: Backend, plan: &SeedPlan) {
    let options = Options {
        pool: PoolSettings::default(),
        ..Options::default()
    };
    let app = TestApp::spawn_with(backend, options).await;
    let label = format!("{backend:?}");
    let seeding = Instant::now();
    let seeded = app.app.seed(plan).await.unwrap();
    println!(
        "{label:<9} seeded in {:.0} s",
        seeding.elapsed().as_secs_f64()
    );
    let owner = app
        .sign_in_with(&seeded.owner_email, &seeded.password)
        .await;
    let long = long_conversation(&app, &owner).await;
    let organization = seeded.organization_ids[7];
    let workspace_id = seeded.workspace_id;

    for clients in [1, 64] {
        let cases: [(&str, String); 4] = [
            ("GET /healthz (ceiling)", "/healthz".to_owned()),
            (
                "GET /conversations?limit=50",
                "/api/v1/conversations?limit=50".to_owned(),
            ),
            (
                "GET /conversations?organization_id=…&limit=50",
                format!("/api/v1/conversations?organization_id={organization}&limit=50"),
            ),
            (
                "GET /conversations/{id} (200 messages)",
                format!("/api/v1/conversations/{long}"),
            ),
        ];
        for (name, path) in cases {
            let requests: Vec<Timed> = (0..SAMPLES)
                .map(|_| (Method::GET, path.clone(), None))
                .collect();
            let latencies = concurrently(&app, &owner, requests, clients).await;
            report(&label, &format!("{name}, {clients} clients"), latencies);
        }
    }
    for (name, filter) in [
        ("store list query alone (ceiling)", None),
        (
            "store list query alone, one organization",
            Some(organization),
        ),
    ] {
        let latencies = raw_list(&app, workspace_id, filter).await;
        report(&label, &format!("{name}, 1 client"), latencies);
    }
    for (name, q) in [
        ("search a word in every conversation", "tuesday"),
        ("search a topic (1 in 40)", "implant"),
        ("search a word unique to one", "R123457"),
        ("search a contact's name", "priya"),
    ] {
        let requests: Vec<Timed> = (0..SAMPLES / 4)
            .map(|_| {
                let path = format!("/api/v1/conversations?q={q}&limit=50");
                (Method::GET, path, None)
            })
            .collect();
        let latencies = measure(&app, &owner, requests.into_iter()).await;
        report(&label, &format!("{name}, 1 client"), latencies);
    }
}

/// Sends the requests from `clients` tasks at once; returns their sorted latencies.
async fn concurrently(
    app: &TestApp,
    caller: &Credentials,
    requests: Vec<Timed>,
    clients: usize,
) -> Vec<Duration> {
    let requests = Arc::new(requests);
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (requests, next) = (requests.clone(), next.clone());
        let (client, caller, base) = (app.client().clone(), caller.clone(), app.url(""));
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((method, path, _)) = requests.get(i) else {
                    return latencies;
                };
                let request =
                    caller.attach(client.request(method.clone(), format!("{base}{path}")));
                let sent = Instant::now();
                let response = request.send().await.unwrap();
                let status = response.status();
                response.bytes().await.unwrap();
                latencies.push(sent.elapsed());
                assert!(status.is_success(), "{path}: {status}");
            }
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    latencies.sort();
    latencies
}

/// The store's list query for a page of 50, timed alone.
async fn raw_list(
    app: &TestApp,
    workspace_id: clientele_domain::WorkspaceId,
    organization_id: Option<OrganizationId>,
) -> Vec<Duration> {
    let mut latencies = Vec::new();
    for _ in 0..SAMPLES {
        let filter = ConversationFilter {
            organization_id,
            limit: 51,
            ..ConversationFilter::default()
        };
        let started = Instant::now();
        let rows = conversations::list(&app.db, workspace_id, &filter)
            .await
            .unwrap();
        latencies.push(started.elapsed());
        assert_eq!(rows.len(), 51);
    }
    latencies.sort();
    latencies
}

/// A conversation of 200 messages, reported through the runtime API; returns its id.
async fn long_conversation(app: &TestApp, owner: &Credentials) -> String {
    let agents: Value = app
        .request(owner, Method::GET, "/api/v1/agents?assigned=true&limit=1")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agent = agents["agents"][0]["id"].as_str().unwrap().to_owned();
    let issued: Value = app
        .request(
            owner,
            Method::POST,
            &format!("/api/v1/agents/{agent}/runtime-keys"),
        )
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = Credentials::RuntimeKey(issued["token"].as_str().unwrap().to_owned());
    for batch in 0..2 {
        let events: Vec<Value> = (batch * 100..batch * 100 + 100)
            .map(|i| {
                json!({ "id": format!("long-{i}"), "type": "message", "conversation_id": "long",
                        "role": if i % 2 == 0 { "contact" } else { "agent" },
                        "text": format!("Message {i} of a long conversation about a zirconia crown."),
                        "occurred_at": format!("2026-12-01T10:{:02}:{:02}Z", i / 60, i % 60) })
            })
            .collect();
        let answer = app
            .request(&key, Method::POST, "/runtime/v1/events")
            .json(&json!({ "events": events }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let list: Value = app
        .request(
            owner,
            Method::GET,
            "/api/v1/conversations?q=zirconia&limit=5",
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let long = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["external_id"] == "long")
        .expect("the long conversation");
    assert_eq!(long["message_count"], 200);
    long["id"].as_str().unwrap().to_owned()
}
