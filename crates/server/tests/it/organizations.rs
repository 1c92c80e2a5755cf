//! Client organizations: creating, searching and paging, editing, settings with ETags, and
//! deleting, with the activity each change leaves and the errors bad input gets.

use clientele_domain::{MemberRole, Permission};
use clientele_testkit::{Backend, Credentials, TestApp, on_both_backends, png};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn create(app: &TestApp, caller: &Credentials, name: &str) -> Value {
    let response = app
        .request(caller, Method::POST, "/api/v1/organizations")
        .json(&json!({ "name": name }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "creating {name}");
    response.json().await.unwrap()
}

async fn get(app: &TestApp, caller: &Credentials, path: &str) -> (StatusCode, Value) {
    let response = app.request(caller, Method::GET, path).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The actions of the workspace's newest `n` activity entries, newest first.
async fn recent_actions(app: &TestApp, owner: &Credentials, n: usize) -> Vec<Value> {
    let (_, log) = get(app, owner, &format!("/api/v1/activity?limit={n}")).await;
    log["entries"].as_array().unwrap().clone()
}

on_both_backends! {
    async fn names_are_trimmed_and_unique_regardless_of_case(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let created = create(&app, &owner, "  Bright Dental  ").await;
        assert_eq!(created["name"], "Bright Dental");
        assert_eq!(created["user_count"], 0);
        assert_eq!(created["settings"]["language"], "en");
        assert_eq!(created["settings"]["enabled_sections"].as_array().unwrap().len(), 9);

        let twin = app.request(&owner, Method::POST, "/api/v1/organizations").json(&json!({ "name": "BRIGHT dental" })).send().await.unwrap();
        assert_eq!(twin.status(), 409);
        assert_eq!(twin.json::<Value>().await.unwrap()["errors"][0]["field"], "name");

        let other = app.workspace("globex").await;
        let other_owner = app.sign_in(&other.owner).await;
        create(&app, &other_owner, "Bright Dental").await;

        let entry = &recent_actions(&app, &owner, 1).await[0];
        assert_eq!(entry["action"], "organization.created");
        assert_eq!(entry["organization_id"], created["id"]);
    }

    async fn listing_searches_sorts_pages_and_counts_users_and_agents(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        for name in ["Delta Clinic", "alpha dental", "Charlie Dental", "Bravo_Dental", "Echo 100% Dental"] {
            create(&app, &owner, name).await;
        }
        let alpha = app.app.list_organizations(&workspace.owner.actor(), clientele_app::clients::organizations::OrganizationListRequest {
            search: Some("alpha".into()), sort: clientele_app::clients::organizations::OrganizationSort::NameAscending, cursor: None, limit: None,
        }).await.unwrap().organizations[0].id;
        app.client_user(&workspace, alpha, "ana", &[Permission::Home]).await;
        let agent = app.agent(&workspace, "Receptionist").await;
        app.app.assign_agent(&workspace.owner.actor(), agent, alpha, false, &Default::default()).await.unwrap();

        let (status, page) = get(&app, &owner, "/api/v1/organizations?q=DENTAL&limit=2").await;
        assert_eq!(status, 200);
        let names = |page: &Value| page["organizations"].as_array().unwrap().iter().map(|o| o["name"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
        assert_eq!(names(&page), ["alpha dental", "Bravo_Dental"]);
        assert_eq!(page["total"], 4);
        assert_eq!(page["organizations"][0]["user_count"], 1);
        assert_eq!(page["organizations"][0]["agent_count"], 1);
        let cursor = page["next_cursor"].as_str().unwrap();
        let (_, rest) = get(&app, &owner, &format!("/api/v1/organizations?q=dental&limit=2&cursor={cursor}")).await;
        assert_eq!(names(&rest), ["Charlie Dental", "Echo 100% Dental"]);
        assert!(rest["next_cursor"].is_null());

        let (_, literal) = get(&app, &owner, "/api/v1/organizations?q=100%25").await;
        assert_eq!(names(&literal), ["Echo 100% Dental"], "% is searched literally");
        let (_, underscore) = get(&app, &owner, "/api/v1/organizations?q=o_d").await;
        assert_eq!(names(&underscore), ["Bravo_Dental"], "_ is searched literally");

        let (_, newest) = get(&app, &owner, "/api/v1/organizations?sort=-created_at&limit=1").await;
        assert_eq!(names(&newest), ["Echo 100% Dental"]);
        let (_, descending) = get(&app, &owner, "/api/v1/organizations?sort=-name").await;
        assert_eq!(names(&descending)[0], "Echo 100% Dental");

        let (status, bad) = get(&app, &owner, "/api/v1/organizations?sort=size").await;
        assert_eq!(status, 400, "{bad}");
        let (status, bad) = get(&app, &owner, "/api/v1/organizations?cursor=forged").await;
        assert_eq!(status, 422);
        assert_eq!(bad["errors"][0]["field"], "cursor");
    }

    async fn renaming_and_changing_the_logo_are_recorded_field_by_field(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let created = create(&app, &owner, "Bright Dental").await;
        let path = format!("/api/v1/organizations/{}", created["id"].as_str().unwrap());
        let logo: Value = app.request(&owner, Method::POST, "/api/v1/images").header("content-type", "image/png").body(png(64, 64)).send().await.unwrap().json().await.unwrap();

        let response = app.request(&owner, Method::PATCH, &path).json(&json!({ "logo_image_id": logo["id"] })).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let updated: Value = response.json().await.unwrap();
        assert_eq!(updated["name"], "Bright Dental");
        assert_eq!(updated["logo_url"], logo["url"]);
        let entry = &recent_actions(&app, &owner, 1).await[0];
        assert_eq!(entry["action"], "organization.updated");
        assert_eq!(entry["changes"], json!({ "logo_image_id": { "before": null, "after": logo["id"] } }));

        let cleared: Value = app.request(&owner, Method::PATCH, &path).json(&json!({ "name": "Bright Smiles", "logo_image_id": null })).send().await.unwrap().json().await.unwrap();
        assert_eq!(cleared["name"], "Bright Smiles");
        assert!(cleared["logo_url"].is_null());

        let unknown = app.request(&owner, Method::PATCH, &path).json(&json!({ "logo_image_id": "f".repeat(64) })).send().await.unwrap();
        assert_eq!(unknown.status(), 422);
        assert_eq!(unknown.json::<Value>().await.unwrap()["errors"][0]["field"], "logo_image_id");
        let (_, after) = get(&app, &owner, &path).await;
        assert!(after["logo_url"].is_null(), "a refused change writes nothing");
    }

    async fn settings_update_atomically_with_etags_and_log_exactly_what_changed(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let created = create(&app, &owner, "Bright Dental").await;
        let path = format!("/api/v1/organizations/{}/settings", created["id"].as_str().unwrap());
        let read = app.request(&owner, Method::GET, &path).send().await.unwrap();
        let etag = read.headers()["etag"].to_str().unwrap().to_owned();
        let mut settings: Value = read.json().await.unwrap();
        settings["language"] = json!("de");
        settings["handoff"] = json!({ "enabled": true, "smart_handoff": true, "show_handoff_messages": false });

        let response = app.request(&owner, Method::PUT, &path).header("if-match", &etag).json(&settings).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let new_etag = response.headers()["etag"].to_str().unwrap().to_owned();
        assert_ne!(new_etag, etag);
        let entry = &recent_actions(&app, &owner, 1).await[0];
        assert_eq!(entry["action"], "organization.settings_changed");
        assert_eq!(entry["changes"], json!({
            "language": { "before": "en", "after": "de" },
            "handoff.enabled": { "before": false, "after": true },
            "handoff.smart_handoff": { "before": false, "after": true },
        }));

        settings["layout"] = json!("horizontal");
        let weak = app.request(&owner, Method::PUT, &path).header("if-match", format!("W/{new_etag}")).json(&settings).send().await.unwrap();
        assert_eq!(weak.status(), 412, "If-Match compares strongly");
        let stale = app.request(&owner, Method::PUT, &path).header("if-match", &etag).json(&settings).send().await.unwrap();
        assert_eq!(stale.status(), 412);
        assert_eq!(stale.json::<Value>().await.unwrap()["code"], "stale_document");
        let (_, current) = get(&app, &owner, &path).await;
        assert_eq!(current["layout"], "vertical", "a stale update changes nothing");
        assert_eq!(recent_actions(&app, &owner, 1).await[0]["action"], "organization.settings_changed");
        assert_eq!(recent_actions(&app, &owner, 2).await[1]["action"], "organization.created");
    }

    async fn contradictory_or_unknown_settings_are_refused_naming_the_field(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let created = create(&app, &owner, "Bright Dental").await;
        let path = format!("/api/v1/organizations/{}/settings", created["id"].as_str().unwrap());
        let (_, valid) = get(&app, &owner, &path).await;
        let with = |pointer: &str, value: Value| {
            let mut settings = valid.clone();
            *settings.pointer_mut(pointer).unwrap() = value;
            settings
        };
        let cases = [
            (with("/language", json!("xx")), 422, "language"),
            (with("/layout", json!("diagonal")), 422, "layout"),
            (with("/handoff/smart_handoff", json!(true)), 422, "handoff.smart_handoff"),
            (with("/handoff/show_handoff_messages", json!(true)), 422, "handoff.show_handoff_messages"),
            (with("/billing/state", json!("free")), 422, "billing.state"),
            (with("/enabled_sections", json!(["home", "org_admin"])), 422, "enabled_sections"),
            (with("/enabled_sections", json!(["home", "payroll"])), 422, "enabled_sections[1]"),
            (with("/canned_responses", json!("yes")), 422, "canned_responses"),
        ];
        for (body, status, field) in cases {
            let response = app.request(&owner, Method::PUT, &path).json(&body).send().await.unwrap();
            assert_eq!(response.status(), status, "{body}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (_, after) = get(&app, &owner, &path).await;
        assert_eq!(after, valid, "nothing was written");
    }

    async fn an_org_admin_edits_their_organization_but_not_its_plan(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let organization = app.organization(&workspace, "Bright").await;
        let neighbour = app.organization(&workspace, "Neighbour").await;
        let admin = app.client_user(&workspace, organization, "lead", &[Permission::OrgAdmin, Permission::Home]).await;
        let session = app.sign_in_client(&admin).await;
        let path = format!("/api/v1/organizations/{organization}/settings");
        let (status, mut settings) = get(&app, &session, &path).await;
        assert_eq!(status, 200);

        settings["canned_responses"] = json!(true);
        let allowed = app.request(&session, Method::PUT, &path).json(&settings).send().await.unwrap();
        assert_eq!(allowed.status(), 200);

        settings["enabled_sections"] = json!(["home"]);
        let plan = app.request(&session, Method::PUT, &path).json(&settings).send().await.unwrap();
        assert_eq!(plan.status(), 403);
        settings["enabled_sections"] = Value::Null;
        let (_, mut fresh) = get(&app, &session, &path).await;
        fresh["billing"]["state"] = json!("active");
        let billing = app.request(&session, Method::PUT, &path).json(&fresh).send().await.unwrap();
        assert_eq!(billing.status(), 403);

        let rename = app.request(&session, Method::PATCH, &format!("/api/v1/organizations/{organization}")).json(&json!({ "name": "Bright Smiles" })).send().await.unwrap();
        assert_eq!(rename.status(), 200);
        let delete = app.request(&session, Method::DELETE, &format!("/api/v1/organizations/{organization}?confirm=Bright%20Smiles")).send().await.unwrap();
        assert_eq!(delete.status(), 403, "only the agency deletes organizations");
        let (status, _) = get(&app, &session, &format!("/api/v1/organizations/{neighbour}")).await;
        assert_eq!(status, 404, "another organization does not exist for them");

        let agency = app.api_key(&workspace, MemberRole::Member).await;
        let (_, mut by_agency) = get(&app, &agency, &path).await;
        by_agency["enabled_sections"] = json!(["home", "analytics"]);
        let set_plan = app.request(&agency, Method::PUT, &path).json(&by_agency).send().await.unwrap();
        assert_eq!(set_plan.status(), 200, "every agency role sets plans");
        assert_eq!(set_plan.json::<Value>().await.unwrap()["enabled_sections"], json!(["home", "analytics"]));
    }

    async fn a_section_the_plan_drops_is_off_for_every_user_at_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = app.client_user(&workspace, organization, "ana", &[Permission::OrgAdmin, Permission::Home, Permission::Analytics]).await;
        let session = app.sign_in_client(&user).await;
        let path = format!("/api/v1/organizations/{organization}/settings");
        let (_, mut settings) = get(&app, &owner, &path).await;
        settings["enabled_sections"] = json!(["home", "conversations"]);
        assert_eq!(app.request(&owner, Method::PUT, &path).json(&settings).send().await.unwrap().status(), 200);
        let (_, me) = get(&app, &session, "/api/v1/me").await;
        assert_eq!(me["permissions"], json!(["org_admin", "home"]), "analytics left the plan; the role stays");
    }

    async fn deleting_needs_the_name_ends_sessions_frees_agents_and_keeps_the_log(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let created = create(&app, &owner, "Bright Dental").await;
        let id: clientele_domain::OrganizationId = serde_json::from_value(created["id"].clone()).unwrap();
        let user = app.client_user(&workspace, id, "ana", &[Permission::Home]).await;
        let session = app.sign_in_client(&user).await;
        let agent = app.agent(&workspace, "Receptionist").await;
        app.app.assign_agent(&workspace.owner.actor(), agent, id, false, &Default::default()).await.unwrap();

        let path = format!("/api/v1/organizations/{id}");
        for confirm in ["", "?confirm=bright%20dental", "?confirm=Bright"] {
            let refused = app.request(&owner, Method::DELETE, &format!("{path}{confirm}")).send().await.unwrap();
            assert_eq!(refused.status(), 422, "{confirm}");
            assert_eq!(refused.json::<Value>().await.unwrap()["errors"][0]["field"], "confirm");
        }
        assert_eq!(get(&app, &session, "/api/v1/me").await.0, 200, "refusals change nothing");

        let deleted = app.request(&owner, Method::DELETE, &format!("{path}?confirm=Bright%20Dental")).send().await.unwrap();
        assert_eq!(deleted.status(), 204);
        assert_eq!(get(&app, &owner, &path).await.0, 404);
        assert_eq!(get(&app, &session, "/api/v1/me").await.0, 401, "its users' sessions ended");
        let (_, pool) = get(&app, &owner, "/api/v1/agents?assigned=false").await;
        assert_eq!(pool["agents"][0]["id"], json!(agent), "its agent is back in the pool");
        let (_, log) = get(&app, &owner, &format!("/api/v1/activity?organization={id}")).await;
        let actions: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["organization.deleted", "agent.assigned", "organization.created"]);
    }

    async fn bad_organization_input_is_refused_naming_the_field(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let cases = [
            (json!({ "name": "   " }), "name"),
            (json!({ "name": "x".repeat(121) }), "name"),
            (json!({ "name": "Ok\u{0}" }), "name"),
            (json!({ "name": 5 }), "name"),
            (json!({ "name": "Ok", "logo_image_id": "../../etc/passwd" }), "logo_image_id"),
            (json!({ "name": "Ok", "plan": "gold" }), "plan"),
        ];
        for (body, field) in cases {
            let response = app.request(&owner, Method::POST, "/api/v1/organizations").json(&body).send().await.unwrap();
            assert_eq!(response.status(), 422, "{body}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (_, page) = get(&app, &owner, "/api/v1/organizations").await;
        assert_eq!(page["total"], 0, "nothing was created");
    }
}
