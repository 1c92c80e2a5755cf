//! The agent pool: creating and editing agents, upserting by external reference, and the rule
//! that an agent belongs to at most one organization, even under concurrent assignment.

use clientele_testkit::{Backend, TestApp, on_both_backends, png};
use reqwest::Method;
use serde_json::{Value, json};

on_both_backends! {
    async fn agents_are_created_searched_edited_and_deleted(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let avatar: Value = app.request(&owner, Method::POST, "/api/v1/images").header("content-type", "image/png").body(png(128, 128)).send().await.unwrap().json().await.unwrap();
        let created = app.request(&owner, Method::POST, "/api/v1/agents")
            .json(&json!({ "name": "Front Desk", "kind": "voice", "description": "Books visits.", "avatar_image_id": avatar["id"], "external_ref": "asst_01" }))
            .send().await.unwrap();
        assert_eq!(created.status(), 201);
        let agent: Value = created.json().await.unwrap();
        assert_eq!(agent["kind"], "voice");
        assert_eq!(agent["avatar_url"], avatar["url"]);
        assert!(agent["organization"].is_null(), "a new agent is in the pool");
        app.agent(&workspace, "Night Chat").await;

        let found: Value = app.request(&owner, Method::GET, "/api/v1/agents?q=DESK").send().await.unwrap().json().await.unwrap();
        assert_eq!(found["agents"].as_array().unwrap().len(), 1);
        assert_eq!(found["agents"][0]["id"], agent["id"]);

        let path = format!("/api/v1/agents/{}", agent["id"].as_str().unwrap());
        let renamed: Value = app.request(&owner, Method::PATCH, &path).json(&json!({ "name": "Reception", "avatar_image_id": null })).send().await.unwrap().json().await.unwrap();
        assert_eq!(renamed["name"], "Reception");
        assert_eq!(renamed["description"], "Books visits.");
        assert!(renamed["avatar_url"].is_null());

        assert_eq!(app.request(&owner, Method::DELETE, &path).send().await.unwrap().status(), 204);
        assert_eq!(app.request(&owner, Method::GET, &path).send().await.unwrap().status(), 404);
        let log: Value = app.request(&owner, Method::GET, "/api/v1/activity?limit=3").send().await.unwrap().json().await.unwrap();
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["agent.deleted", "agent.updated", "agent.created"]);
    }

    async fn an_integration_upserts_by_external_reference(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let key = app.api_key(&workspace, clientele_domain::MemberRole::Member).await;
        let path = "/api/v1/agents/by-external-ref/vapi:assistant-7";
        let first = app.request(&key, Method::PUT, path).json(&json!({ "name": "Sales", "kind": "voice" })).send().await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let second = app.request(&key, Method::PUT, path).json(&json!({ "name": "Sales EU", "kind": "voice" })).send().await.unwrap();
        assert_eq!(second.status(), 200);
        let second: Value = second.json().await.unwrap();
        assert_eq!(second["id"], first["id"], "the same agent");
        assert_eq!(second["name"], "Sales EU");

        let taken = app.request(&key, Method::POST, "/api/v1/agents").json(&json!({ "name": "Copy", "kind": "chat", "external_ref": "vapi:assistant-7" })).send().await.unwrap();
        assert_eq!(taken.status(), 409);
        assert_eq!(taken.json::<Value>().await.unwrap()["errors"][0]["field"], "external_ref");

        let other = app.workspace("globex").await;
        let other_key = app.api_key(&other, clientele_domain::MemberRole::Admin).await;
        let elsewhere = app.request(&other_key, Method::PUT, path).json(&json!({ "name": "Theirs", "kind": "chat" })).send().await.unwrap();
        assert_eq!(elsewhere.status(), 201, "references are unique per workspace only");

        let bad = app.request(&key, Method::PUT, "/api/v1/agents/by-external-ref/has%20space").json(&json!({ "name": "X", "kind": "chat" })).send().await.unwrap();
        assert_eq!(bad.status(), 422);
        assert_eq!(bad.json::<Value>().await.unwrap()["errors"][0]["field"], "external_ref");
    }

    async fn an_agent_is_in_one_organization_and_moves_only_when_asked(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let first = app.organization(&workspace, "First").await;
        let second = app.organization(&workspace, "Second").await;
        let agent = app.agent(&workspace, "Receptionist").await;
        let path = format!("/api/v1/agents/{agent}/organization");
        let assign = |organization, allow_move| app.request(&owner, Method::PUT, &path).json(&json!({ "organization_id": organization, "move": allow_move })).send();

        let assigned = assign(first, false).await.unwrap();
        assert_eq!(assigned.status(), 200);
        assert_eq!(assigned.json::<Value>().await.unwrap()["organization"]["id"], json!(first));
        assert_eq!(assign(first, false).await.unwrap().status(), 200, "assigning again changes nothing");

        let conflict = assign(second, false).await.unwrap();
        assert_eq!(conflict.status(), 409);
        assert_eq!(conflict.json::<Value>().await.unwrap()["errors"][0]["field"], "organization_id");

        let moved = assign(second, true).await.unwrap();
        assert_eq!(moved.status(), 200);
        let listed: Value = app.request(&owner, Method::GET, &format!("/api/v1/organizations/{second}/agents")).send().await.unwrap().json().await.unwrap();
        assert_eq!(listed["agents"][0]["id"], json!(agent));
        let left: Value = app.request(&owner, Method::GET, &format!("/api/v1/organizations/{first}/agents")).send().await.unwrap().json().await.unwrap();
        assert!(left["agents"].as_array().unwrap().is_empty());
        for organization in [first, second] {
            let log: Value = app.request(&owner, Method::GET, &format!("/api/v1/activity?organization={organization}&action=agent.moved")).send().await.unwrap().json().await.unwrap();
            assert_eq!(log["entries"].as_array().unwrap().len(), 1, "the move shows in both organizations' logs");
        }

        let unassigned = app.request(&owner, Method::DELETE, &path).send().await.unwrap();
        assert_eq!(unassigned.status(), 200);
        let pool: Value = app.request(&owner, Method::GET, "/api/v1/agents?assigned=false").send().await.unwrap().json().await.unwrap();
        assert_eq!(pool["agents"][0]["id"], json!(agent));
    }

    async fn assigning_across_workspaces_or_to_nowhere_is_refused(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let other = app.workspace("globex").await;
        let owner = app.sign_in(&workspace.owner).await;
        let own_agent = app.agent(&workspace, "Ours").await;
        let their_agent = app.agent(&other, "Theirs").await;
        let own_organization = app.organization(&workspace, "Client").await;
        let their_organization = app.organization(&other, "Client").await;

        let foreign_agent = app.request(&owner, Method::PUT, &format!("/api/v1/agents/{their_agent}/organization")).json(&json!({ "organization_id": own_organization })).send().await.unwrap();
        assert_eq!(foreign_agent.status(), 404, "another workspace's agent does not exist here");
        let foreign_organization = app.request(&owner, Method::PUT, &format!("/api/v1/agents/{own_agent}/organization")).json(&json!({ "organization_id": their_organization })).send().await.unwrap();
        assert_eq!(foreign_organization.status(), 422);
        assert_eq!(foreign_organization.json::<Value>().await.unwrap()["errors"][0]["field"], "organization_id");
        let agent: Value = app.request(&owner, Method::GET, &format!("/api/v1/agents/{own_agent}")).send().await.unwrap().json().await.unwrap();
        assert!(agent["organization"].is_null(), "nothing changed");
    }

    async fn bad_agent_input_is_refused_naming_the_field(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let cases = [
            (json!({ "name": "", "kind": "chat" }), "name"),
            (json!({ "name": "A", "kind": "email" }), "kind"),
            (json!({ "name": "A" }), ""),
            (json!({ "name": "A", "kind": "chat", "description": "x".repeat(2001) }), "description"),
            (json!({ "name": "A", "kind": "chat", "external_ref": "a/b" }), "external_ref"),
            (json!({ "name": "A", "kind": "chat", "avatar_image_id": "0".repeat(64) }), "avatar_image_id"),
        ];
        for (body, field) in cases {
            let response = app.request(&owner, Method::POST, "/api/v1/agents").json(&body).send().await.unwrap();
            assert_eq!(response.status(), 422, "{body}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let pool: Value = app.request(&owner, Method::GET, "/api/v1/agents").send().await.unwrap().json().await.unwrap();
        assert!(pool["agents"].as_array().unwrap().is_empty(), "nothing was created");
    }

    async fn of_fifty_concurrent_assignments_exactly_one_wins(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let key = app.api_key(&workspace, clientele_domain::MemberRole::Admin).await;
        let agent = app.agent(&workspace, "Contested").await;
        let mut organizations = Vec::new();
        for i in 0..50 {
            organizations.push(app.organization(&workspace, &format!("Client {i}")).await);
        }
        let path = format!("/api/v1/agents/{agent}/organization");
        let requests = organizations.iter().map(|organization| {
            app.request(&key, Method::PUT, &path).json(&json!({ "organization_id": organization })).send()
        });
        let statuses: Vec<u16> = futures_join_all(requests).await;
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 49, "{statuses:?}");

        let agent: Value = app.request(&key, Method::GET, &format!("/api/v1/agents/{agent}")).send().await.unwrap().json().await.unwrap();
        let holder = agent["organization"]["id"].clone();
        let mut holders = 0;
        for organization in &organizations {
            let listed: Value = app.request(&key, Method::GET, &format!("/api/v1/organizations/{organization}/agents")).send().await.unwrap().json().await.unwrap();
            holders += listed["agents"].as_array().unwrap().len();
            if !listed["agents"].as_array().unwrap().is_empty() {
                assert_eq!(json!(organization), holder);
            }
        }
        assert_eq!(holders, 1, "exactly one organization has the agent");
    }
}

/// Sends every request at once and collects the statuses.
async fn futures_join_all<F>(requests: impl Iterator<Item = F>) -> Vec<u16>
where
    F: std::future::Future<Output = reqwest::Result<reqwest::Response>> + Send + 'static,
{
    let handles: Vec<_> = requests.map(tokio::spawn).collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap().unwrap().status().as_u16());
    }
    statuses
}
