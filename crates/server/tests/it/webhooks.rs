//! Webhooks to an agent's runtime: signed per Standard Webhooks (checked by the official
//! library), enqueued with the change that causes them, retried after a failure, logged,
//! replayed, pulled by sequence number, and never sent inside the operator's network.

use clientele_app::outbound::Destinations;
use clientele_testkit::{
    Backend, Credentials, Options, TestApp, WebhookSink, on_both_backends,
    verify_with_official_library,
};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

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

/// Polls the agent's event log until `done` holds for it.
async fn events_until(
    app: &TestApp,
    owner: &Credentials,
    agent: impl std::fmt::Display,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    for _ in 0..100 {
        let (_, log) = call(
            app,
            owner,
            Method::GET,
            &format!("/api/v1/agents/{agent}/webhook/events"),
            None,
        )
        .await;
        let events = log["events"].as_array().unwrap().clone();
        if done(&events) {
            return events;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the event log never got there");
}

on_both_backends! {
    async fn a_test_event_is_signed_so_that_the_official_library_verifies_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let sink = WebhookSink::start().await;
        let hook = format!("/api/v1/agents/{agent}/webhook");

        let (status, before) = call(&app, &owner, Method::GET, &hook, None).await;
        assert_eq!(status, 200);
        assert!(before["secret"].is_null(), "an agent that is not connected has no secret yet");
        let (status, problem) = call(&app, &owner, Method::POST, &format!("{hook}/test"), None).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "url");

        let (status, endpoint) = call(&app, &owner, Method::PUT, &hook, Some(json!({ "url": sink.url }))).await;
        assert_eq!(status, 200, "{endpoint}");
        assert_eq!(endpoint["url"], sink.url.as_str());
        let secret = endpoint["secret"].as_str().unwrap().to_owned();
        assert!(secret.starts_with("whsec_"));

        let (status, event) = call(&app, &owner, Method::POST, &format!("{hook}/test"), None).await;
        assert_eq!(status, 200, "{event}");
        assert_eq!(event["type"], "webhook.test");
        assert_eq!(event["status"], "delivered");
        let attempt = &event["attempts"][0];
        assert_eq!(attempt["status_code"], 200);
        assert_eq!(attempt["response_excerpt"], "answered 200");
        assert!(attempt["latency_ms"].as_i64().unwrap() >= 0);

        let received = sink.received();
        assert_eq!(received.len(), 1);
        let webhook = &received[0];
        assert_eq!(webhook.header("webhook-id"), event["id"].as_str().unwrap());
        assert_eq!(webhook.json()["type"], "webhook.test");
        assert_eq!(webhook.json()["data"]["agent_id"], agent.to_string());
        verify_with_official_library(&secret, webhook).unwrap();
        let other_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        assert!(verify_with_official_library(other_secret, webhook).is_err(), "another secret does not verify");
        let mut tampered = webhook.clone();
        tampered.body = tampered.body.replace("webhook.test", "webhook.tost");
        assert!(verify_with_official_library(&secret, &tampered).is_err(), "a changed body does not verify");

        let (_, log) = call(&app, &owner, Method::GET, "/api/v1/activity?limit=2", None).await;
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["agent.webhook_tested", "agent.webhook_set"]);
    }

    async fn a_rotated_secret_signs_beside_the_new_one_until_its_overlap_ends(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let sink = WebhookSink::start().await;
        let hook = format!("/api/v1/agents/{agent}/webhook");
        let (_, endpoint) = call(&app, &owner, Method::PUT, &hook, Some(json!({ "url": sink.url }))).await;
        let old = endpoint["secret"].as_str().unwrap().to_owned();

        let (status, rotated) = call(&app, &owner, Method::POST, &format!("{hook}/secret"), Some(json!({ "overlap_seconds": 3600 }))).await;
        assert_eq!(status, 200, "{rotated}");
        let new = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(new, old);
        assert!(rotated["previous_secret_expires_at"].is_string());
        call(&app, &owner, Method::POST, &format!("{hook}/test"), None).await;
        let webhook = sink.wait_for(1).await.remove(0);
        assert_eq!(webhook.header("webhook-signature").split(' ').count(), 2);
        verify_with_official_library(&new, &webhook).unwrap();
        verify_with_official_library(&old, &webhook).unwrap();

        let (_, ended) = call(&app, &owner, Method::POST, &format!("{hook}/secret"), Some(json!({ "overlap_seconds": 0 }))).await;
        let newest = ended["secret"].as_str().unwrap().to_owned();
        assert!(ended["previous_secret_expires_at"].is_null());
        call(&app, &owner, Method::POST, &format!("{hook}/test"), None).await;
        let webhook = sink.wait_for(2).await.remove(1);
        verify_with_official_library(&newest, &webhook).unwrap();
        assert!(verify_with_official_library(&new, &webhook).is_err(), "a secret rotated out without overlap signs nothing");

        let (status, problem) = call(&app, &owner, Method::POST, &format!("{hook}/secret"), Some(json!({ "overlap_seconds": 604801 }))).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "overlap_seconds");
    }

    async fn a_configuration_change_reaches_the_runtime_and_a_failed_delivery_is_retried(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let client = app.organization(&workspace, "Client").await;
        let (runtime, _) = app.runtime_key(&workspace, agent).await;
        let sink = WebhookSink::start().await;
        sink.answer_with(503);
        call(&app, &owner, Method::PUT, &format!("/api/v1/agents/{agent}/webhook"), Some(json!({ "url": sink.url }))).await;

        let (status, _) = call(&app, &owner, Method::PUT, &format!("/api/v1/agents/{agent}/organization"), Some(json!({ "organization_id": client }))).await;
        assert_eq!(status, 200);
        let first = sink.wait_for(1).await;
        assert_eq!(first[0].json()["type"], "configuration.changed");
        let events = events_until(&app, &owner, agent, |events| {
            events.iter().any(|e| e["type"] == "agent.resumed")
                && events.iter().all(|e| e["attempts"].as_array().is_some_and(|a| !a.is_empty()))
        }).await;
        let changed = events.iter().find(|e| e["type"] == "configuration.changed").unwrap();
        assert_eq!(changed["status"], "pending", "a 503 is retried: {changed}");
        assert_eq!(changed["attempts"][0]["status_code"], 503);
        assert_eq!(changed["attempts"][0]["response_excerpt"], "answered 503");

        sink.answer_with(200);
        let events = events_until(&app, &owner, agent, |events| events.iter().all(|e| e["status"] == "delivered")).await;
        let changed = events.iter().find(|e| e["type"] == "configuration.changed").unwrap();
        assert!(changed["attempts"].as_array().unwrap().len() >= 2);
        assert_eq!(changed["attempts"][0]["status_code"], 200, "newest attempt first");
        let configuration = app.request(&runtime, Method::GET, "/runtime/v1/configuration").send().await.unwrap();
        let etag = configuration.headers()["etag"].to_str().unwrap().trim_matches('"').to_owned();
        assert_eq!(changed["payload"]["data"]["etag"], etag, "the event names the document's new ETag");

        // Renaming the organization changes the document; a setting the runtime does not
        // read (the layout) leaves it as it was, so nothing is announced.
        let count = sink.received().len();
        let (status, _) = call(&app, &owner, Method::PATCH, &format!("/api/v1/organizations/{client}"), Some(json!({ "name": "Client Renamed" }))).await;
        assert_eq!(status, 200);
        sink.wait_for(count + 1).await;
        let settings = format!("/api/v1/organizations/{client}/settings");
        let (_, mut document) = call(&app, &owner, Method::GET, &settings, None).await;
        document["layout"] = json!("horizontal");
        let (status, changed) = call(&app, &owner, Method::PUT, &settings, Some(document.clone())).await;
        assert_eq!(status, 200, "{changed}");
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.received().len(), count + 1, "an unchanged document is not announced");
        document["handoff"]["enabled"] = json!(true);
        call(&app, &owner, Method::PUT, &settings, Some(document)).await;
        sink.wait_for(count + 2).await;
        let count = count + 2;

        let (status, _) = call(&app, &owner, Method::DELETE, &format!("/api/v1/agents/{agent}/organization"), None).await;
        assert_eq!(status, 200);
        let received = sink.wait_for(count + 2).await;
        let stopped = received.iter().find(|w| w.json()["type"] == "agent.stopped").expect("agent.stopped");
        assert_eq!(stopped.json()["data"]["reason"], "the agent is not assigned to an organization");
    }

    async fn a_runtime_without_a_url_pulls_the_same_events_in_order(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let other = app.agent(&workspace, "Back Office").await;
        let (runtime, _) = app.runtime_key(&workspace, agent).await;
        let (other_runtime, _) = app.runtime_key(&workspace, other).await;
        for name in ["Front Desk 2", "Front Desk 3"] {
            let (status, _) = call(&app, &owner, Method::PATCH, &format!("/api/v1/agents/{agent}"), Some(json!({ "name": name }))).await;
            assert_eq!(status, 200);
        }

        let (status, pulled) = call(&app, &runtime, Method::GET, "/runtime/v1/webhook-events?after=0", None).await;
        assert_eq!(status, 200, "{pulled}");
        let events = pulled["events"].as_array().unwrap();
        let sequences: Vec<i64> = events.iter().map(|e| e["sequence"].as_i64().unwrap()).collect();
        assert_eq!(sequences, [1, 2]);
        assert!(events.iter().all(|e| e["payload"]["type"] == "configuration.changed"));
        assert_eq!(pulled["next_after"], 2);
        let (_, rest) = call(&app, &runtime, Method::GET, "/runtime/v1/webhook-events?after=2", None).await;
        assert_eq!(rest["events"], json!([]));
        assert_eq!(rest["next_after"], 2);
        let (_, limited) = call(&app, &runtime, Method::GET, "/runtime/v1/webhook-events?after=0&limit=1", None).await;
        assert_eq!(limited["next_after"], 1);

        let (_, others) = call(&app, &other_runtime, Method::GET, "/runtime/v1/webhook-events?after=0", None).await;
        assert_eq!(others["events"], json!([]), "another agent's runtime sees none of them");
        let (_, log) = call(&app, &owner, Method::GET, &format!("/api/v1/agents/{agent}/webhook/events"), None).await;
        assert!(log["events"].as_array().unwrap().iter().all(|e| e["status"] == "unsent"));

        let (status, problem) = call(&app, &runtime, Method::GET, "/runtime/v1/webhook-events?after=-1", None).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "after");
        let (status, problem) = call(&app, &runtime, Method::GET, "/runtime/v1/webhook-events?limit=501", None).await;
        assert_eq!(status, 422);
        assert_eq!(problem["errors"][0]["field"], "limit");
    }

    async fn a_replayed_event_is_sent_again_with_its_id_and_logged(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let sink = WebhookSink::start().await;
        let hook = format!("/api/v1/agents/{agent}/webhook");
        call(&app, &owner, Method::PUT, &hook, Some(json!({ "url": sink.url }))).await;
        let (_, event) = call(&app, &owner, Method::POST, &format!("{hook}/test"), None).await;
        let id = event["id"].as_str().unwrap();

        let (status, _) = call(&app, &owner, Method::POST, &format!("{hook}/events/{id}/replay"), None).await;
        assert_eq!(status, 202);
        let received = sink.wait_for(2).await;
        assert_eq!(received[1].header("webhook-id"), id);
        assert_eq!(received[1].body, received[0].body, "the same event, byte for byte");
        let (_, log) = call(&app, &owner, Method::GET, "/api/v1/activity?limit=1", None).await;
        assert_eq!(log["entries"][0]["action"], "agent.webhook_replayed");

        let missing = uuid::Uuid::now_v7();
        let (status, _) = call(&app, &owner, Method::POST, &format!("{hook}/events/{missing}/replay"), None).await;
        assert_eq!(status, 404);
        let foreign = app.workspace("rival").await;
        let foreign_owner = app.sign_in(&foreign.owner).await;
        let (status, _) = call(&app, &foreign_owner, Method::POST, &format!("{hook}/events/{id}/replay"), None).await;
        assert_eq!(status, 404);
    }
}

/// With the deployment's default (public addresses only), a webhook URL that points inside
/// the network is refused by name, and so is plain http.
#[tokio::test]
async fn webhook_urls_inside_the_network_or_without_tls_are_refused() {
    let options = Options {
        outbound: Destinations::default(),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options).await;
    let workspace = app.workspace("acme").await;
    let owner = app.sign_in(&workspace.owner).await;
    let agent = app.agent(&workspace, "Front Desk").await;
    let hook = format!("/api/v1/agents/{agent}/webhook");
    for (url, says) in [
        ("https://127.0.0.1/hook", "outbound_allow"),
        ("https://localhost:8443/hook", "outbound_allow"),
        ("https://169.254.169.254/latest/meta-data", "outbound_allow"),
        ("https://10.0.0.7/hook", "outbound_allow"),
        ("https://[::1]/hook", "outbound_allow"),
        ("http://runtime.example.com/hook", "https"),
        ("ftp://runtime.example.com/hook", "https"),
        ("https://user:secret@runtime.example.com/hook", "user name"),
        ("not a url", "absolute URL"),
    ] {
        let (status, problem) = call(
            &app,
            &owner,
            Method::PUT,
            &hook,
            Some(json!({ "url": url })),
        )
        .await;
        assert_eq!(status, 422, "{url}: {problem}");
        assert_eq!(problem["errors"][0]["field"], "url");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{url}: {message}");
        assert!(
            !problem.to_string().contains("secret@"),
            "the refusal does not echo credentials"
        );
    }
    let (status, endpoint) = call(
        &app,
        &owner,
        Method::PUT,
        &hook,
        Some(json!({ "url": "https://runtime.example.com/hook" })),
    )
    .await;
    assert_eq!(status, 200, "{endpoint}");
    let (status, cleared) = call(
        &app,
        &owner,
        Method::PUT,
        &hook,
        Some(json!({ "url": null })),
    )
    .await;
    assert_eq!(status, 200);
    assert!(cleared["url"].is_null());
}
