//! How fast a runtime's messages land, next to the database's own insert rate:
//! `cargo bench -p clientele-server --bench ingestion`.
//!
//! Each backend gets a fresh database and one connected agent. Messages go through
//! `POST /runtime/v1/events` one request at a time, in batches of 1 and of 100
//! (CLIENTELE_BENCH_MESSAGES in all, 10,000 by default); the ceiling inserts the same rows
//! with the store's own statement, 100 per transaction, with no HTTP, parsing or checks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clientele_domain::{ConversationId, MessageId, MessageRole, Timestamp};
use clientele_store::conversations::messages::{self, NewMessage};
use clientele_store::conversations::{self, NewConversation};
use clientele_testkit::{Backend, Credentials, TestApp};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Instant;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let total: usize = std::env::var("CLIENTELE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    println!("{total} messages per run");
    println!(
        "{:<9} {:<34} {:>12} {:>9}",
        "backend", "path", "messages/s", "vs raw"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        runtime.block_on(async {
            let app = TestApp::spawn(backend).await;
            let workspace = app.workspace("bench").await;
            let organization = app.organization(&workspace, "Client").await;
            let (agent, _) = app
                .conversation(&workspace, organization, "warm-up", &["hi"])
                .await;
            let (key, _) = app.runtime_key(&workspace, agent).await;
            let label = format!("{backend:?}");

            let raw = raw_rate(&app, workspace.id, agent, total).await;
            println!(
                "{label:<9} {:<34} {raw:>12.0} {:>9}",
                "raw INSERT, 100 per transaction", "1.00"
            );
            for batch in [1, 100] {
                let runs = if batch == 1 { total / 5 } else { total };
                let rate = api_rate(&app, &key, batch, runs).await;
                let name = format!("POST /runtime/v1/events, batch {batch}");
                println!("{label:<9} {name:<34} {rate:>12.0} {:>9.2}", rate / raw);
            }
        });
    }
}

/// Messages per second through the runtime API in batches of `batch`.
async fn api_rate(app: &TestApp, key: &Credentials, batch: usize, total: usize) -> f64 {
    let conversation = format!("api-{batch}");
    let started = Instant::now();
    for first in (0..total).step_by(batch) {
        let events: Vec<Value> = (first..(first + batch).min(total))
            .map(|i| {
                json!({ "id": format!("{conversation}-{i}"), "type": "message", "conversation_id": conversation,
                        "role": if i % 2 == 0 { "contact" } else { "agent" }, "text": format!("Message number {i} of the benchmark"),
                        "occurred_at": "2026-03-01T10:00:00Z" })
            })
            .collect();
        let answer = app
            .request(key, Method::POST, "/runtime/v1/events")
            .json(&json!({ "events": events }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
        let answer: Value = answer.json().await.unwrap();
        assert_eq!(answer["refused"], 0);
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// Messages per second inserted with the store's statement alone.
async fn raw_rate(
    app: &TestApp,
    workspace_id: clientele_domain::WorkspaceId,
    agent: clientele_domain::AgentId,
    total: usize,
) -> f64 {
    let mut tx = app.db.begin().await.unwrap();
    let conversation = NewConversation {
        id: ConversationId::new(),
        workspace_id,
        agent_id: agent,
        organization_id: None,
        external_id: "raw",
        channel: "web",
        started_at: Timestamp::now(),
    };
    let conversation_id = conversations::ensure(&mut tx, &conversation).await.unwrap();
    tx.commit().await.unwrap();
    let texts: Vec<(String, String)> = (0..total)
        .map(|i| {
            (
                format!("raw-{i}"),
                format!("Message number {i} of the benchmark"),
            )
        })
        .collect();
    let started = Instant::now();
    for chunk in texts.chunks(100) {
        let mut tx = app.db.begin().await.unwrap();
        for (id, text) in chunk {
            let new = NewMessage {
                id: MessageId::new(),
                workspace_id,
                conversation_id,
                external_id: id,
                role: MessageRole::Contact,
                text,
                sent_at: Timestamp::now(),
            };
            messages::insert(&mut tx, &new).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}
