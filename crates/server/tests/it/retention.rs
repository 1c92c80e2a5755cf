//! Retention and erasure: conversations past the workspace's retention period are deleted in
//! batches by a job that several nodes may run at once, and one contact's conversations are
//! erased on request; the activity log says how many went, never what they said.

use clientele_testkit::{Backend, Credentials, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

async fn call(
    app: &TestApp,
    caller: &Credentials,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.request(caller, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn days_ago(days: i64) -> String {
    (OffsetDateTime::now_utc() - time::Duration::days(days))
        .format(&Rfc3339)
        .unwrap()
}

/// A conversation of one message, `days` old, with the contact's email.
fn conversation(external_id: &str, days: i64, email: &str) -> Vec<Value> {
    vec![
        json!({ "id": format!("{external_id}-start"), "type": "conversation.started", "conversation_id": external_id,
                "channel": "web", "contact": { "name": "Ana Lima", "email": email, "phone": "+351 912 345 678" },
                "occurred_at": days_ago(days) }),
        json!({ "id": format!("{external_id}-1"), "type": "message", "conversation_id": external_id, "role": "contact",
                "text": format!("My private question in {external_id}"), "occurred_at": days_ago(days) }),
    ]
}

async fn report(app: &TestApp, runtime: &Credentials, events: Vec<Value>) -> Value {
    let (status, answer) = call(
        app,
        runtime,
        Method::POST,
        "/runtime/v1/events",
        Some(json!({ "events": events })),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

async fn external_ids(app: &TestApp, owner: &Credentials) -> Vec<String> {
    let (_, list) = call(
        app,
        owner,
        Method::GET,
        "/api/v1/conversations?limit=100",
        None,
    )
    .await;
    let mut ids: Vec<String> = list["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn connected(app: &TestApp, workspace: &clientele_testkit::Workspace) -> Credentials {
    let organization = app.organization(workspace, "Dental").await;
    let agent = app.agent(workspace, "Front Desk").await;
    app.app
        .assign_agent(
            &workspace.owner.actor(),
            agent,
            organization,
            false,
            &Default::default(),
        )
        .await
        .unwrap();
    app.runtime_key(workspace, agent).await.0
}

on_both_backends! {
    async fn conversations_past_the_retention_period_go_and_the_log_says_how_many(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let runtime = connected(&app, &workspace).await;
        let old = [conversation("old-1", 40, "a@x.test"), conversation("old-2", 31, "b@x.test")].concat();
        report(&app, &runtime, old.clone()).await;
        report(&app, &runtime, conversation("recent", 29, "c@x.test")).await;

        let (status, kept) = call(&app, &owner, Method::GET, "/api/v1/workspace/retention", None).await;
        assert_eq!(status, 200);
        assert!(kept["transcript_retention_days"].is_null(), "kept until erased by default");
        assert_eq!(app.app.expire_transcripts().await.unwrap(), 0);
        for bad in [json!(0), json!(3651), json!("30")] {
            let (status, problem) = call(&app, &owner, Method::PUT, "/api/v1/workspace/retention",
                Some(json!({ "transcript_retention_days": bad }))).await;
            assert_eq!(status, 422, "{bad}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "transcript_retention_days");
        }
        let (status, set) = call(&app, &owner, Method::PUT, "/api/v1/workspace/retention",
            Some(json!({ "transcript_retention_days": 30 }))).await;
        assert_eq!(status, 200);
        assert_eq!(set["transcript_retention_days"], 30);

        assert_eq!(app.app.expire_transcripts().await.unwrap(), 2);
        assert_eq!(external_ids(&app, &owner).await, ["recent"]);
        let (_, log) = call(&app, &owner, Method::GET, "/api/v1/activity?limit=2", None).await;
        let expired = &log["entries"][0];
        assert_eq!(expired["action"], "conversations.expired");
        assert_eq!(expired["actor"]["kind"], "system", "{expired}");
        assert_eq!(expired["changes"]["conversations_deleted"]["after"], 2, "{expired}");
        assert_eq!(log["entries"][1]["action"], "workspace.retention_changed");

        assert_eq!(app.app.expire_transcripts().await.unwrap(), 0, "nothing left to expire");
        let redelivered = report(&app, &runtime, old).await;
        assert_eq!(redelivered["duplicates"], 4, "{redelivered}");
        assert_eq!(external_ids(&app, &owner).await, ["recent"], "a redelivery does not bring them back");
    }

    async fn nodes_expiring_at_once_delete_each_conversation_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let runtime = connected(&app, &workspace).await;
        let events: Vec<Value> = (0..120).flat_map(|i| conversation(&format!("c{i}"), 60, "a@x.test")).collect();
        report(&app, &runtime, events).await;
        call(&app, &owner, Method::PUT, "/api/v1/workspace/retention", Some(json!({ "transcript_retention_days": 7 }))).await;

        let mut nodes = Vec::new();
        for _ in 0..3 {
            let node = clientele_app::App::new(app.db.clone(), (*app.app.config).clone()).await.unwrap();
            nodes.push(tokio::spawn(async move { node.expire_transcripts().await.unwrap() }));
        }
        let mut total = 0;
        for node in nodes {
            total += node.await.unwrap();
        }
        assert_eq!(total, 120, "each conversation counted by the node that deleted it");
        assert!(external_ids(&app, &owner).await.is_empty());
        let (_, log) = call(&app, &owner, Method::GET, "/api/v1/activity?action=conversations.expired&limit=50", None).await;
        let logged: i64 = log["entries"].as_array().unwrap().iter()
            .map(|e| e["changes"]["conversations_deleted"]["after"].as_i64().unwrap()).sum();
        assert_eq!(logged, 120, "the entries add up to what went");
    }

    async fn erasing_a_contact_removes_their_conversations_and_logs_no_detail(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let runtime = connected(&app, &workspace).await;
        let events = [
            conversation("ana-web", 2, "ana.lima@example.test"),
            conversation("ana-chat", 1, "Ana.Lima@Example.test"),
            conversation("bruno", 1, "bruno@example.test"),
        ].concat();
        report(&app, &runtime, events).await;

        for (body, field) in [(json!({}), "email"), (json!({ "email": "not an address" }), "email"),
                              (json!({ "email": "ana.lima@example.test", "organization_id": uuid::Uuid::now_v7() }), "organization_id")] {
            let (status, problem) = call(&app, &owner, Method::POST, "/api/v1/contacts/erasure", Some(body)).await;
            assert_eq!(status, 422, "{problem}");
            assert_eq!(problem["errors"][0]["field"], field);
        }
        assert_eq!(external_ids(&app, &owner).await.len(), 3, "a refused erasure erases nothing");

        let (status, erased) = call(&app, &owner, Method::POST, "/api/v1/contacts/erasure",
            Some(json!({ "email": "ANA.LIMA@example.test" }))).await;
        assert_eq!(status, 200, "{erased}");
        assert_eq!(erased["conversations_erased"], 2);
        assert_eq!(external_ids(&app, &owner).await, ["bruno"]);
        let (_, log) = call(&app, &owner, Method::GET, "/api/v1/activity?limit=1", None).await;
        let entry = &log["entries"][0];
        assert_eq!(entry["action"], "contact.erased");
        assert_eq!(entry["changes"]["conversations_erased"]["after"], 2);
        let text = entry.to_string().to_lowercase();
        assert!(!text.contains("ana") && !text.contains("private question"), "the log keeps no detail: {entry}");

        let (status, by_phone) = call(&app, &owner, Method::POST, "/api/v1/contacts/erasure",
            Some(json!({ "phone": "+351 912 345 678" }))).await;
        assert_eq!(status, 200);
        assert_eq!(by_phone["conversations_erased"], 1);
        assert!(external_ids(&app, &owner).await.is_empty());
    }
}
