//! Database faults under load: PostgreSQL connections ended mid-request (a failover, an
//! administrator's `pg_terminate_backend`). Requests caught by it fail with 503 problem+json,
//! never 500; the service recovers on its own within 5 s; no acknowledged write is lost and
//! the activity chain still verifies.

use clientele_store::PoolSettings;
use clientele_testkit::{Backend, Options, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_postgres_connections_mid_load_costs_503s_only_and_loses_no_acknowledged_write() {
    let options = Options {
        pool: PoolSettings::default(),
        ..Options::default()
    };
    let app = Arc::new(TestApp::spawn_with(Backend::Postgres, options).await);
    let workspace = app.workspace("acme").await;
    let owner = Arc::new(app.sign_in(&workspace.owner).await);
    let running = Arc::new(AtomicBool::new(true));
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let failures = Arc::new(Mutex::new(Vec::<(StatusCode, Value)>::new()));

    let mut clients = tokio::task::JoinSet::new();
    for client in 0..20 {
        let (app, owner, running) = (app.clone(), owner.clone(), running.clone());
        let (acknowledged, failures) = (acknowledged.clone(), failures.clone());
        clients.spawn(async move {
            let mut i = 0;
            while running.load(Ordering::SeqCst) {
                i += 1;
                let name = format!("client {client} write {i}");
                let response = app
                    .request(&owner, Method::POST, "/api/v1/organizations")
                    .json(&json!({ "name": name }))
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let content_type = response
                    .headers()
                    .get("content-type")
                    .map(|v| v.to_str().unwrap().to_owned());
                let body: Value = response.json().await.unwrap_or(Value::Null);
                if status == StatusCode::CREATED {
                    acknowledged.lock().unwrap().push(name);
                } else {
                    assert_eq!(
                        content_type.as_deref(),
                        Some("application/problem+json"),
                        "{status}: {body}"
                    );
                    failures.lock().unwrap().push((status, body));
                }
            }
        });
    }
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        app.database.terminate_connections().await;
    }

    let ended = Instant::now();
    let mut recovered = None;
    while ended.elapsed() < Duration::from_secs(5) {
        let probe = app
            .request(&owner, Method::GET, "/api/v1/organizations?limit=1")
            .send()
            .await
            .unwrap();
        if probe.status() == 200 {
            recovered = Some(ended.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    running.store(false, Ordering::SeqCst);
    clients.join_all().await;
    assert!(
        recovered.is_some(),
        "the service did not recover within 5 s"
    );

    let failures = failures.lock().unwrap().clone();
    for (status, body) in failures.iter() {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(body["code"], "database_unavailable", "{body}");
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 50,
        "the load ran: {} writes",
        acknowledged.len()
    );
    let mut stored = std::collections::HashSet::new();
    let mut cursor = String::new();
    loop {
        let page: Value = app
            .request(
                &owner,
                Method::GET,
                &format!("/api/v1/organizations?limit=200{cursor}"),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for organization in page["organizations"].as_array().unwrap() {
            stored.insert(organization["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|name| !stored.contains(*name))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let chain = clientele_store::workspace::activity::verify(&app.db)
        .await
        .unwrap();
    assert!(chain.breaks.is_empty(), "{:?}", chain.breaks);
    println!(
        "{} writes acknowledged, {} answered 503, recovered in {:?}",
        acknowledged.len(),
        failures.len(),
        recovered.unwrap()
    );
}
