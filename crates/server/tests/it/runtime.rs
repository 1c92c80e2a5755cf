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
