//! The runtime connection: an agent's runtime key (issued once, rotated with an overlap,
//! revoked at once) and the configuration document a runtime polls with its ETag.

use clientele_domain::MemberRole;
use clientele_testkit::{Backend, Credentials, TestApp, on_both_backends};
use reqwest::Method;
use serde_json::{Value, json};

const CONFIGURATION: &str = "/runtime/v1/configuration";

on_both_backends! {
    async fn a_runtime_reads_its_agents_configuration_and_polls_it_by_etag(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let issued = app.request(&owner, Method::POST, &format!("/api/v1/agents/{agent}/runtime-keys"))
            .json(&json!({})).send().await.unwrap();
        assert_eq!(issued.status(), 201);
        let issued: Value = issued.json().await.unwrap();
        let token = issued["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("rk_"));
        assert!(token.starts_with(issued["runtime_key"]["prefix"].as_str().unwrap()));
        let runtime = Credentials::RuntimeKey(token);

        let pooled = app.request(&runtime, Method::GET, CONFIGURATION).send().await.unwrap();
        assert_eq!(pooled.status(), 200);
        let first_tag = pooled.headers()["etag"].to_str().unwrap().to_owned();
        let pooled: Value = pooled.json().await.unwrap();
        assert_eq!(pooled["agent"]["name"], "Front Desk");
        assert!(pooled["organization"].is_null());
        assert_eq!(pooled["may_run"], false, "an agent in the pool serves nobody");

        let unchanged = app.request(&runtime, Method::GET, CONFIGURATION)
            .header("if-none-match", &first_tag).send().await.unwrap();
        assert_eq!(unchanged.status(), 304);
        assert_eq!(unchanged.headers()["etag"].to_str().unwrap(), first_tag);
        assert!(unchanged.bytes().await.unwrap().is_empty());

        let client = app.organization(&workspace, "Client").await;
        let assigned = app.request(&owner, Method::PUT, &format!("/api/v1/agents/{agent}/organization"))
            .json(&json!({ "organization_id": client })).send().await.unwrap();
        assert_eq!(assigned.status(), 200);
        let serving = app.request(&runtime, Method::GET, CONFIGURATION)
            .header("if-none-match", &first_tag).send().await.unwrap();
        assert_eq!(serving.status(), 200, "the document changed, so the old tag no longer matches");
        assert_ne!(serving.headers()["etag"].to_str().unwrap(), first_tag);
        let serving: Value = serving.json().await.unwrap();
        assert!(serving["organization"]["name"].as_str().unwrap().starts_with("Client"));
        assert_eq!(serving["organization"]["handoff_enabled"], false);
        assert_eq!(serving["may_run"], true);
    }

    async fn a_rotated_key_works_for_its_overlap_and_a_revoked_one_stops_at_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let keys = format!("/api/v1/agents/{agent}/runtime-keys");
        let issue = |overlap: u64| {
            let (app, owner, keys) = (&app, &owner, &keys);
            async move {
                let answer: Value = app.request(owner, Method::POST, keys)
                    .json(&json!({ "overlap_seconds": overlap })).send().await.unwrap().json().await.unwrap();
                (Credentials::RuntimeKey(answer["token"].as_str().unwrap().to_owned()), answer)
            }
        };
        let status = |credentials: Credentials| {
            let app = &app;
            async move { app.request(&credentials, Method::GET, CONFIGURATION).send().await.unwrap().status().as_u16() }
        };

        let (first, _) = issue(60).await;
        let (second, rotation) = issue(3600).await;
        assert!(rotation["previous_key_expires_at"].is_string());
        assert_eq!(status(first.clone()).await, 200, "the previous key works during the overlap");
        assert_eq!(status(second.clone()).await, 200);
        let listed: Value = app.request(&owner, Method::GET, &keys).send().await.unwrap().json().await.unwrap();
        let listed = listed["runtime_keys"].as_array().unwrap();
        assert_eq!(listed.len(), 2);
        assert!(listed[0]["expires_at"].is_null() && listed[1]["expires_at"].is_string());
        assert!(listed.iter().all(|k| k.get("token").is_none()), "a token is shown only once");

        let (third, _) = issue(0).await;
        assert_eq!(status(first).await, 401, "a key already rotating out stops at the next rotation");
        assert_eq!(status(second).await, 401, "no overlap ends the previous key at once");
        assert_eq!(status(third.clone()).await, 200);

        assert_eq!(app.request(&owner, Method::DELETE, &keys).send().await.unwrap().status(), 204);
        assert_eq!(status(third).await, 401);
        assert_eq!(app.request(&owner, Method::DELETE, &keys).send().await.unwrap().status(), 404, "nothing left to revoke");

        let log: Value = app.request(&owner, Method::GET, "/api/v1/activity?limit=4").send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["agent.runtime_keys_revoked", "agent.runtime_key_rotated", "agent.runtime_key_rotated", "agent.runtime_key_created"]);
    }

    async fn runtime_keys_and_agency_credentials_never_stand_in_for_each_other(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let (runtime, _) = app.runtime_key(&workspace, agent).await;
        let admin_key = app.api_key(&workspace, MemberRole::Admin).await;
        let owner = app.sign_in(&workspace.owner).await;

        for agency in [&admin_key, &owner] {
            let refused = app.request(agency, Method::GET, CONFIGURATION).send().await.unwrap();
            assert_eq!(refused.status(), 401);
            assert_eq!(refused.headers()["content-type"], "application/problem+json");
        }
        for path in ["/api/v1/me", "/api/v1/agents", &format!("/api/v1/agents/{agent}/runtime-keys")] {
            assert_eq!(app.request(&runtime, Method::GET, path).send().await.unwrap().status(), 401, "{path}");
        }
        let forged = Credentials::RuntimeKey("rk_forged".to_owned());
        assert_eq!(app.request(&forged, Method::GET, CONFIGURATION).send().await.unwrap().status(), 401);
    }

    async fn a_rotation_names_its_overlap_limit_and_foreign_agents_are_not_found(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let agent = app.agent(&workspace, "Front Desk").await;
        let keys = format!("/api/v1/agents/{agent}/runtime-keys");
        let too_long = app.request(&owner, Method::POST, &keys).json(&json!({ "overlap_seconds": 604801 })).send().await.unwrap();
        assert_eq!(too_long.status(), 422);
        let problem: Value = too_long.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "overlap_seconds");
        let listed: Value = app.request(&owner, Method::GET, &keys).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["runtime_keys"].as_array().unwrap().len(), 0, "nothing was issued");

        let other = app.workspace("globex").await;
        let other_owner = app.sign_in(&other.owner).await;
        for method in [Method::GET, Method::POST, Method::DELETE] {
            let answer = app.request(&other_owner, method.clone(), &keys).json(&json!({})).send().await.unwrap();
            assert_eq!(answer.status(), 404, "{method}");
        }
    }
}

/// An agent of a new workspace "acme", serving an organization, with its runtime's credentials.
async fn connected_agent(
    app: &TestApp,
) -> (
    clientele_testkit::Workspace,
    clientele_domain::AgentId,
    Credentials,
) {
    let workspace = app.workspace("acme").await;
    let agent = app.agent(&workspace, "Front Desk").await;
    let client = app.organization(&workspace, "Client").await;
    app.app
        .assign_agent(
            &workspace.owner.actor(),
            agent,
            client,
            false,
            &Default::default(),
        )
        .await
        .unwrap();
    let (runtime, _) = app.runtime_key(&workspace, agent).await;
    (workspace, agent, runtime)
}

async fn report(app: &TestApp, runtime: &Credentials, events: Value) -> reqwest::Response {
    app.request(runtime, Method::POST, "/runtime/v1/events")
        .json(&json!({ "events": events }))
        .send()
        .await
        .unwrap()
}

fn message(id: &str, conversation: &str, role: &str, text: &str, at: &str) -> Value {
    json!({ "id": id, "type": "message", "conversation_id": conversation, "role": role, "text": text, "occurred_at": at })
}

on_both_backends! {
    async fn a_batch_lands_its_good_events_and_names_the_fields_of_the_bad_ones(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (workspace, agent, runtime) = connected_agent(&app).await;
        let batch = json!([
            { "id": "e1", "type": "conversation.started", "conversation_id": "c1", "channel": "web",
              "contact": { "name": "Dana Scott", "email": "dana@example.test" }, "occurred_at": "2026-03-01T10:00:00Z" },
            message("e2", "c1", "contact", "Do you open on Sundays?", "2026-03-01T10:00:05Z"),
            message("e3", "c1", "robot", "", "2026-03-01T10:00:06Z"),
            message("e4", "c1", "agent", "From 10 to 4.", "2999-01-01T00:00:00Z"),
            message("e5", "c1", "agent", "Yes, from 10 to 4.", "2026-03-01T10:00:07Z"),
            { "id": "e6", "type": "usage", "conversation_id": "c1", "credits": 1.25, "occurred_at": "2026-03-01T10:00:08Z" },
            { "id": "e7", "type": "teleport", "occurred_at": "2026-03-01T10:00:09Z" },
        ]);
        let answer = report(&app, &runtime, batch).await;
        assert_eq!(answer.status(), 200);
        let answer: Value = answer.json().await.unwrap();
        let statuses: Vec<u64> = answer["results"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
        assert_eq!(statuses, [201, 201, 422, 422, 201, 201, 422]);
        assert_eq!((answer["stored"].as_u64(), answer["refused"].as_u64()), (Some(4), Some(3)));
        let fields = |i: usize| -> Vec<String> {
            answer["results"][i]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
        };
        assert_eq!(fields(2), ["events[2].role", "events[2].text"]);
        assert_eq!(fields(3), ["events[3].occurred_at"]);
        assert_eq!(fields(6), ["events[6].type"]);

        let conversation = clientele_store::conversations::find_by_external_id(&app.db, workspace.id, agent, "c1").await.unwrap().expect("stored");
        assert_eq!(conversation.channel, "web");
        assert_eq!(conversation.contact_name.as_deref(), Some("Dana Scott"));
        assert_eq!(conversation.message_count, 2, "only the valid messages");
        assert_eq!(conversation.last_message_text, "Yes, from 10 to 4.");
        let messages = clientele_store::conversations::messages::of_conversation(&app.db, workspace.id, conversation.id, 100).await.unwrap();
        let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["Do you open on Sundays?", "Yes, from 10 to 4."]);
    }

    async fn repeated_and_reordered_deliveries_are_harmless(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (workspace, agent, runtime) = connected_agent(&app).await;
        // The reply arrives first, then the question, then the start: the order a retrying
        // runtime can produce.
        let late = json!([
            message("m2", "c9", "agent", "We open at 9.", "2026-03-01T09:00:02Z"),
            message("m1", "c9", "contact", "When do you open?", "2026-03-01T09:00:01Z"),
            message("m0", "c9", "contact", "Hi", "2026-03-01T09:00:01Z"),
        ]);
        assert_eq!(report(&app, &runtime, late.clone()).await.status(), 200);
        let start = json!([{ "id": "s", "type": "conversation.started", "conversation_id": "c9", "channel": "whatsapp", "occurred_at": "2026-03-01T09:00:00Z" }]);
        assert_eq!(report(&app, &runtime, start).await.status(), 200);

        let again: Value = report(&app, &runtime, late).await.json().await.unwrap();
        assert_eq!((again["stored"].as_u64(), again["duplicates"].as_u64()), (Some(0), Some(3)));
        let changed: Value = report(&app, &runtime, json!([message("m2", "c9", "agent", "We open at 8.", "2026-03-01T09:00:02Z")])).await.json().await.unwrap();
        assert_eq!(changed["results"][0]["status"], 409);
        assert_eq!(changed["results"][0]["errors"][0]["field"], "events[0].id");

        let twice = json!([
            message("t1", "c9", "contact", "Thanks!", "2026-03-01T09:00:03Z"),
            message("t1", "c9", "contact", "Thanks!", "2026-03-01T09:00:03Z"),
            message("t1", "c9", "contact", "Thanks a lot!", "2026-03-01T09:00:03Z"),
        ]);
        let within: Value = report(&app, &runtime, twice).await.json().await.unwrap();
        let statuses: Vec<u64> = within["results"].as_array().unwrap().iter().map(|r| r["status"].as_u64().unwrap()).collect();
        assert_eq!(statuses, [201, 200, 409], "repeats inside one batch are told apart too");

        let conversation = clientele_store::conversations::find_by_external_id(&app.db, workspace.id, agent, "c9").await.unwrap().unwrap();
        assert_eq!(conversation.channel, "whatsapp", "the start filled in what the messages could not know");
        assert_eq!(conversation.started_at.unix_micros(), 1_772_355_600_000_000, "the start moved back to its own time");
        assert_eq!(conversation.message_count, 4);
        assert_eq!(conversation.last_message_text, "Thanks!");
        let messages = clientele_store::conversations::messages::of_conversation(&app.db, workspace.id, conversation.id, 100).await.unwrap();
        let texts: Vec<&str> = messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["Hi", "When do you open?", "We open at 9.", "Thanks!"], "by time, ties by event id");
    }

    async fn a_batch_that_is_malformed_too_large_or_from_an_unassigned_agent_changes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (workspace, agent, runtime) = connected_agent(&app).await;
        let many: Vec<Value> = (0..501).map(|i| message(&format!("x{i}"), "big", "contact", "hi", "2026-03-01T09:00:00Z")).collect();
        let too_many = report(&app, &runtime, Value::Array(many)).await;
        assert_eq!(too_many.status(), 413);
        let problem: Value = too_many.json().await.unwrap();
        assert_eq!(problem["errors"][0]["field"], "events");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("500"));

        assert_eq!(report(&app, &runtime, json!([])).await.status(), 422);
        let not_a_list = app.request(&runtime, Method::POST, "/runtime/v1/events").json(&json!({ "events": "many" })).send().await.unwrap();
        assert_eq!(not_a_list.status(), 422);
        let not_utf8 = app.request(&runtime, Method::POST, "/runtime/v1/events")
            .header("content-type", "application/json").body(b"{\"events\": [\"\xff\"]}".to_vec()).send().await.unwrap();
        assert_eq!(not_utf8.status(), 400);
        let long = "x".repeat(16_001);
        let answer: Value = report(&app, &runtime, json!([message("long", "big", "contact", &long, "2026-03-01T09:00:00Z")])).await.json().await.unwrap();
        assert_eq!(answer["results"][0]["errors"][0]["field"], "events[0].text");

        let owner = app.sign_in(&workspace.owner).await;
        app.request(&owner, Method::DELETE, &format!("/api/v1/agents/{agent}/organization")).send().await.unwrap();
        let unassigned = report(&app, &runtime, json!([message("late", "big", "contact", "hi", "2026-03-01T09:00:00Z")])).await;
        assert_eq!(unassigned.status(), 409);
        assert_eq!(unassigned.json::<Value>().await.unwrap()["errors"][0]["field"], "agent");
        let stored = clientele_store::conversations::find_by_external_id(&app.db, workspace.id, agent, "big").await.unwrap();
        assert!(stored.is_none(), "no batch above stored anything");
    }
}
