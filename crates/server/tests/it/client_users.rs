//! Client users: adding them one at a time or from a CSV file, their permissions within the
//! organization's plan, agent access, listing and searching, disabling and deleting, org
//! admins looking after their own organization, and the access review.

use clientele_domain::{OrganizationId, Permission};
use clientele_testkit::{Backend, ClientAccount, Credentials, PASSWORD, TestApp, on_both_backends};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Every section a plan can have, in the order the API lists flags.
const ALL_SECTIONS: [&str; 9] = [
    "home",
    "conversations",
    "analytics",
    "knowledge_base",
    "channels",
    "prompt",
    "settings",
    "custom_tabs",
    "billing",
];

/// Sends a request; the status and the JSON body (`null` when there is none).
async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn users_path(organization: OrganizationId) -> String {
    format!("/api/v1/organizations/{organization}/users")
}

fn user_path(user: &Value) -> String {
    format!("/api/v1/client-users/{}", user["id"].as_str().unwrap())
}

/// Creates a user over HTTP and returns it; anything but 201 fails the test.
async fn create_user(
    app: &TestApp,
    caller: &Credentials,
    organization: OrganizationId,
    body: Value,
) -> Value {
    let (status, user) = send(
        app.request(caller, Method::POST, &users_path(organization))
            .json(&body),
    )
    .await;
    assert_eq!(status, 201, "creating {body}: {user}");
    user
}

/// The names of the users a list request returns, in order.
async fn listed(app: &TestApp, caller: &Credentials, path: &str) -> Vec<String> {
    let (status, page) = send(app.request(caller, Method::GET, path)).await;
    assert_eq!(status, 200, "{path}: {page}");
    page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect()
}

/// The activity entries matching `query`, newest first.
async fn entries(app: &TestApp, caller: &Credentials, query: &str) -> Vec<Value> {
    let (status, page) = send(app.request(
        caller,
        Method::GET,
        &format!("/api/v1/activity?limit=200&{query}"),
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    page["entries"].as_array().unwrap().clone()
}

fn actions(entries: &[Value]) -> Vec<&str> {
    entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect()
}

/// The entries that are not sign-ins (which name the user as their target too).
fn without_sign_ins(entries: Vec<Value>) -> Vec<Value> {
    entries
        .into_iter()
        .filter(|e| e["action"] != "client_user.signed_in")
        .collect()
}

/// The fields a problem names, in order.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// Every section but `section`.
fn sections_without(section: &str) -> Vec<&'static str> {
    ALL_SECTIONS.into_iter().filter(|s| *s != section).collect()
}

/// Sets the organization's plan to `sections`, as the agency.
async fn set_plan(
    app: &TestApp,
    owner: &Credentials,
    organization: OrganizationId,
    sections: &[&str],
) {
    let path = format!("/api/v1/organizations/{organization}/settings");
    let (status, mut settings) = send(app.request(owner, Method::GET, &path)).await;
    assert_eq!(status, 200, "{settings}");
    settings["enabled_sections"] = json!(sections);
    let (status, body) = send(app.request(owner, Method::PUT, &path).json(&settings)).await;
    assert_eq!(status, 200, "setting the plan: {body}");
}

/// The sign-in details of a user the API returned.
fn account(user: &Value, workspace_slug: &str) -> ClientAccount {
    ClientAccount {
        id: serde_json::from_value(user["id"].clone()).unwrap(),
        email: user["email"].as_str().unwrap().to_owned(),
        organization_id: serde_json::from_value(user["organization_id"].clone()).unwrap(),
        workspace_slug: workspace_slug.to_owned(),
    }
}

async fn dashboard_sign_in(app: &TestApp, workspace: &str, email: &str) -> StatusCode {
    app.client()
        .post(app.url("/api/v1/dashboard/sessions"))
        .json(&json!({ "workspace": workspace, "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .status()
}

on_both_backends! {
    async fn an_owner_adds_an_invited_user_who_starts_with_home_only(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;

        let (status, user) = send(app.request(&owner, Method::POST, &users_path(organization))
            .json(&json!({ "name": "  Ana Lopez ", "email": "  Ana.Lopez@Example.TEST " }))).await;
        assert_eq!(status, 201, "{user}");
        assert_eq!(user["name"], "Ana Lopez");
        assert_eq!(user["email"], "ana.lopez@example.test");
        assert_eq!(user["organization_id"], json!(organization));
        assert_eq!(user["status"], "invited");
        assert_eq!(user["permissions"], json!(["home"]));
        assert_eq!(user["agent_access"], "all");
        assert_eq!(user["agent_ids"], json!([]));
        assert_eq!(user["teams"], json!([]));
        assert!(user["last_sign_in_at"].is_null());

        let (status, read) = send(app.request(&owner, Method::GET, &user_path(&user))).await;
        assert_eq!(status, 200);
        assert_eq!(read, user, "a later read shows what the create returned");
        let (_, page) = send(app.request(&owner, Method::GET, &users_path(organization))).await;
        let users = page["users"].as_array().unwrap();
        assert_eq!(users.len(), 1);
        assert_eq!(users[0]["id"], user["id"]);

        let log = entries(&app, &owner, &format!("organization={organization}&action=client_user.created")).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["target"]["id"], user["id"]);
        assert_eq!(log[0]["target"]["label"], "Ana Lopez");
        assert_eq!(log[0]["actor"]["id"], json!(workspace.owner.id));
        assert_eq!(log[0]["changes"]["email"]["after"], "ana.lopez@example.test");
        assert_eq!(log[0]["changes"]["status"]["after"], "invited");
        assert_eq!(log[0]["changes"]["permissions"]["after"], json!(["home"]));
    }

    async fn a_user_created_with_a_password_is_active_and_signs_in(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = create_user(&app, &owner, organization, json!({
            "name": "Bea Stone", "email": "bea@client.test", "password": PASSWORD, "permissions": ["home", "analytics"],
        })).await;
        assert_eq!(user["status"], "active");
        assert_eq!(user["permissions"], json!(["home", "analytics"]));

        assert_eq!(dashboard_sign_in(&app, "acme", "BEA@client.test").await, 201, "the login ignores case");
        let session = app.sign_in_client(&account(&user, &workspace.slug)).await;
        let (status, me) = send(app.request(&session, Method::GET, "/api/v1/me")).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(me["kind"], "client_user");
        assert_eq!(me["id"], user["id"]);
        assert_eq!(me["organization_id"], json!(organization));
        assert_eq!(me["permissions"], json!(["home", "analytics"]));
        let (_, read) = send(app.request(&owner, Method::GET, &user_path(&user))).await;
        assert!(read["last_sign_in_at"].is_string(), "{read}");
        assert!(!read.to_string().contains(PASSWORD));
    }

    async fn an_email_is_one_user_per_workspace_whatever_its_case_or_organization(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let first = app.organization(&workspace, "First").await;
        let second = app.organization(&workspace, "Second").await;
        create_user(&app, &owner, first, json!({ "name": "Sam", "email": "sam@client.test" })).await;

        for (organization, email) in [(first, "SAM@Client.test"), (second, "  sam@CLIENT.TEST ")] {
            let (status, problem) = send(app.request(&owner, Method::POST, &users_path(organization))
                .json(&json!({ "name": "Sam Again", "email": email }))).await;
            assert_eq!(status, 409, "{email}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "email", "{problem}");
        }
        assert_eq!(listed(&app, &owner, &users_path(first)).await, ["Sam"]);
        assert!(listed(&app, &owner, &users_path(second)).await.is_empty(), "nothing was written");
        assert_eq!(entries(&app, &owner, "action=client_user.created").await.len(), 1);

        let other = app.workspace("globex").await;
        let other_owner = app.sign_in(&other.owner).await;
        let theirs = app.organization(&other, "Theirs").await;
        create_user(&app, &other_owner, theirs, json!({ "name": "Sam", "email": "sam@client.test" })).await;
    }

    async fn unknown_flags_and_sections_outside_the_plan_are_refused_and_nothing_is_written(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;

        let (status, problem) = send(app.request(&owner, Method::POST, &users_path(organization))
            .json(&json!({ "name": "Ana", "email": "ana@client.test", "permissions": ["superuser"] }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "permissions[0]", "{problem}");

        set_plan(&app, &owner, organization, &sections_without("analytics")).await;
        let (status, problem) = send(app.request(&owner, Method::POST, &users_path(organization))
            .json(&json!({ "name": "Ana", "email": "ana@client.test", "permissions": ["home", "analytics"] }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(fields(&problem), ["permissions[1]"], "{problem}");

        assert!(listed(&app, &owner, &users_path(organization)).await.is_empty(), "nothing was written");
        assert!(entries(&app, &owner, "action=client_user.created").await.is_empty());
    }

    async fn presets_fill_the_flags_the_plan_allows_and_exclude_explicit_flags(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;

        let (status, presets) = send(app.request(&owner, Method::GET, "/api/v1/permission-presets")).await;
        assert_eq!(status, 200);
        let ids: Vec<&str> = presets.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap()).collect();
        assert_eq!(ids, ["org_admin", "support_agent", "analyst", "content_editor"]);

        set_plan(&app, &owner, organization, &sections_without("billing")).await;
        let support = create_user(&app, &owner, organization, json!({ "name": "Sue", "email": "sue@client.test", "preset": "support_agent" })).await;
        assert_eq!(support["permissions"], json!(["home", "conversations", "knowledge_base"]));
        let admin = create_user(&app, &owner, organization, json!({ "name": "Ada", "email": "ada@client.test", "preset": "org_admin" })).await;
        assert_eq!(admin["permissions"], json!([
            "org_admin", "home", "conversations", "analytics", "knowledge_base", "channels", "prompt", "settings", "custom_tabs",
        ]), "every section of the plan, and billing is not in it");

        let (status, problem) = send(app.request(&owner, Method::POST, &users_path(organization))
            .json(&json!({ "name": "Bo", "email": "bo@client.test", "permissions": ["home"], "preset": "analyst" }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "preset", "{problem}");
        let (status, problem) = send(app.request(&owner, Method::POST, &users_path(organization))
            .json(&json!({ "name": "Bo", "email": "bo@client.test", "preset": "boss" }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "preset", "{problem}");
        assert_eq!(listed(&app, &owner, &users_path(organization)).await, ["Ada", "Sue"]);
    }

    async fn chosen_agents_must_be_the_organizations_and_leave_the_user_with_the_agent(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let other = app.organization(&workspace, "Other").await;
        let front = app.agent(&workspace, "Front Desk").await;
        let night = app.agent(&workspace, "Night Chat").await;
        let pooled = app.agent(&workspace, "Pooled").await;
        let theirs = app.agent(&workspace, "Theirs").await;
        for agent in [front, night] {
            app.app.assign_agent(&workspace.owner.actor(), agent, organization, false, &Default::default()).await.unwrap();
        }
        app.app.assign_agent(&workspace.owner.actor(), theirs, other, false, &Default::default()).await.unwrap();

        let ana = create_user(&app, &owner, organization, json!({
            "name": "Ana", "email": "ana@client.test", "agent_access": "selected", "agent_ids": [front],
        })).await;
        assert_eq!(ana["agent_access"], "selected");
        assert_eq!(ana["agent_ids"], json!([front]));
        let bo = create_user(&app, &owner, organization, json!({
            "name": "Bo", "email": "bo@client.test", "agent_ids": [night],
        })).await;
        assert_eq!(bo["agent_access"], "selected", "naming agents chooses them");
        assert_eq!(bo["agent_ids"], json!([night]));

        for stranger in [pooled, theirs] {
            let (status, problem) = send(app.request(&owner, Method::POST, &users_path(organization)).json(&json!({
                "name": "Cy", "email": "cy@client.test", "agent_access": "selected", "agent_ids": [stranger],
            }))).await;
            assert_eq!(status, 422, "{problem}");
            assert_eq!(problem["errors"][0]["field"], "agent_ids[0]", "{problem}");
        }
        assert_eq!(listed(&app, &owner, &users_path(organization)).await, ["Ana", "Bo"], "nothing was written");

        let (status, _) = send(app.request(&owner, Method::DELETE, &format!("/api/v1/agents/{front}/organization"))).await;
        assert_eq!(status, 200);
        let (_, read) = send(app.request(&owner, Method::GET, &user_path(&ana))).await;
        assert_eq!(read["agent_ids"], json!([]), "an agent back in the pool is no longer chosen");
        assert_eq!(read["agent_access"], "selected");

        let (status, moved) = send(app.request(&owner, Method::PUT, &format!("/api/v1/agents/{night}/organization"))
            .json(&json!({ "organization_id": other, "move": true }))).await;
        assert_eq!(status, 200, "{moved}");
        let (_, read) = send(app.request(&owner, Method::GET, &user_path(&bo))).await;
        assert_eq!(read["agent_ids"], json!([]), "an agent moved to another organization is no longer chosen");
    }

    async fn an_organizations_users_are_filtered_and_paged_without_repeats(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let users = [
            json!({ "name": "Ana Lopez", "email": "ana@client.test", "password": PASSWORD, "permissions": ["home", "analytics"] }),
            json!({ "name": "Bo Chen", "email": "bo@client.test" }),
            json!({ "name": "Cy Ortiz", "email": "cy@lopez-family.test" }),
            json!({ "name": "Di Park", "email": "di@client.test", "permissions": ["home", "analytics"] }),
            json!({ "name": "Ed Stone", "email": "ed@client.test", "password": PASSWORD }),
        ];
        let mut created = Vec::new();
        for body in users {
            created.push(create_user(&app, &owner, organization, body).await);
        }
        let team = app.team(&workspace, organization, "Support").await;
        for member in [&created[1], &created[4]] {
            let path = format!("/api/v1/teams/{team}/members/{}", member["id"].as_str().unwrap());
            let (status, body) = send(app.request(&owner, Method::PUT, &path).json(&json!({}))).await;
            assert_eq!(status, 200, "{body}");
        }
        let base = users_path(organization);

        assert_eq!(listed(&app, &owner, &format!("{base}?q=LOPEZ")).await, ["Ana Lopez", "Cy Ortiz"], "name or email, any case");
        assert_eq!(listed(&app, &owner, &format!("{base}?permission=analytics")).await, ["Ana Lopez", "Di Park"]);
        assert_eq!(listed(&app, &owner, &format!("{base}?status=invited")).await, ["Bo Chen", "Cy Ortiz", "Di Park"]);
        assert_eq!(listed(&app, &owner, &format!("{base}?team_id={team}")).await, ["Bo Chen", "Ed Stone"]);

        let mut seen = Vec::new();
        let mut path = format!("{base}?limit=2");
        let mut pages = 0;
        loop {
            let (status, page) = send(app.request(&owner, Method::GET, &path)).await;
            assert_eq!(status, 200, "{page}");
            pages += 1;
            let users = page["users"].as_array().unwrap();
            assert!(users.len() <= 2);
            seen.extend(users.iter().map(|u| u["name"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("{base}?limit=2&cursor={cursor}"),
                None => break,
            }
            assert!(pages < 10, "the pages end");
        }
        assert_eq!(seen, ["Ana Lopez", "Bo Chen", "Cy Ortiz", "Di Park", "Ed Stone"], "every user once");
        assert_eq!(pages, 3);

        let (status, problem) = send(app.request(&owner, Method::GET, &format!("{base}?status=gone"))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "status", "{problem}");
    }

    async fn the_agency_finds_users_of_every_organization_by_email_prefix(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let first = app.organization(&workspace, "First").await;
        let second = app.organization(&workspace, "Second").await;
        create_user(&app, &owner, first, json!({ "name": "Sam B", "email": "sam.b@client.test" })).await;
        create_user(&app, &owner, first, json!({ "name": "Zoe", "email": "zoe@client.test" })).await;
        create_user(&app, &owner, second, json!({ "name": "Sam A", "email": "sam.a@client.test" })).await;
        create_user(&app, &owner, second, json!({ "name": "Asam", "email": "asam@client.test" })).await;

        let (status, page) = send(app.request(&owner, Method::GET, "/api/v1/client-users?email=SAM")).await;
        assert_eq!(status, 200, "{page}");
        let found: Vec<(&str, &str)> = page["users"].as_array().unwrap().iter()
            .map(|u| (u["email"].as_str().unwrap(), u["organization_id"].as_str().unwrap()))
            .collect();
        let (first_text, second_text) = (first.to_string(), second.to_string());
        assert_eq!(found, [("sam.a@client.test", second_text.as_str()), ("sam.b@client.test", first_text.as_str())]);

        let admin = app.client_user(&workspace, first, "lead", &[Permission::OrgAdmin, Permission::Home]).await;
        let session = app.sign_in_client(&admin).await;
        let (status, _) = send(app.request(&session, Method::GET, "/api/v1/client-users?email=sam")).await;
        assert_eq!(status, 403, "searching every organization is for the agency");
    }

    async fn disabling_ends_sessions_at_once_and_refuses_sign_in_until_enabled(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = app.client_user(&workspace, organization, "bea", &[Permission::Home]).await;
        let session = app.sign_in_client(&user).await;
        assert_eq!(send(app.request(&session, Method::GET, "/api/v1/me")).await.0, 200);
        let path = format!("/api/v1/client-users/{}", user.id);

        let (status, disabled) = send(app.request(&owner, Method::POST, &format!("{path}/disable"))).await;
        assert_eq!(status, 200, "{disabled}");
        assert_eq!(disabled["status"], "disabled");
        assert_eq!(send(app.request(&session, Method::GET, "/api/v1/me")).await.0, 401, "the session ended at once");
        assert_eq!(dashboard_sign_in(&app, "acme", &user.email).await, 401);
        let (_, read) = send(app.request(&owner, Method::GET, &path)).await;
        assert_eq!(read["status"], "disabled");

        let (status, enabled) = send(app.request(&owner, Method::POST, &format!("{path}/enable"))).await;
        assert_eq!(status, 200, "{enabled}");
        assert_eq!(enabled["status"], "active");
        let again = app.sign_in_client(&user).await;
        assert_eq!(send(app.request(&again, Method::GET, "/api/v1/me")).await.0, 200);

        let log = without_sign_ins(entries(&app, &owner, &format!("target={}", user.id)).await);
        assert_eq!(actions(&log), ["client_user.enabled", "client_user.disabled"]);
        assert_eq!(log[1]["changes"]["status"], json!({ "before": "active", "after": "disabled" }));
        assert_eq!(log[1]["changes"]["sessions_ended"]["after"], 1);
    }

    async fn a_deleted_user_is_signed_out_leaves_their_teams_and_stays_named_in_the_log(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = create_user(&app, &owner, organization, json!({ "name": "Ana Lopez", "email": "ana@client.test", "password": PASSWORD })).await;
        let session = app.sign_in_client(&account(&user, &workspace.slug)).await;
        let team = app.team(&workspace, organization, "Support").await;
        let id = user["id"].as_str().unwrap();
        let (status, body) = send(app.request(&owner, Method::PUT, &format!("/api/v1/teams/{team}/members/{id}")).json(&json!({}))).await;
        assert_eq!(status, 200, "{body}");

        let (status, _) = send(app.request(&owner, Method::DELETE, &user_path(&user))).await;
        assert_eq!(status, 204);
        assert_eq!(send(app.request(&session, Method::GET, "/api/v1/me")).await.0, 401, "their session ended");
        assert_eq!(send(app.request(&owner, Method::GET, &user_path(&user))).await.0, 404);
        assert!(listed(&app, &owner, &users_path(organization)).await.is_empty());
        let (_, team_now) = send(app.request(&owner, Method::GET, &format!("/api/v1/teams/{team}"))).await;
        assert_eq!(team_now["members"], json!([]), "{team_now}");
        assert_eq!(team_now["member_count"], 0);

        let log = without_sign_ins(entries(&app, &owner, &format!("target={id}")).await);
        assert_eq!(actions(&log), ["client_user.deleted", "client_user.created"]);
        for entry in &log {
            assert_eq!(entry["target"]["label"], "Ana Lopez", "the log keeps their name");
        }
        assert_eq!(log[0]["changes"]["email"]["before"], "ana@client.test");
        let added = entries(&app, &owner, &format!("organization={organization}&action=team.member_added")).await;
        assert_eq!(added[0]["changes"]["client_user"]["after"], "Ana Lopez");
    }

    async fn an_org_admin_manages_the_users_of_their_own_organization_only(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let neighbour = app.organization(&workspace, "Neighbour").await;
        let held = [Permission::OrgAdmin, Permission::Home, Permission::Conversations, Permission::Analytics];
        let admin = app.client_user(&workspace, organization, "lead", &held).await;
        let outsider = app.client_user(&workspace, neighbour, "outsider", &[Permission::Home]).await;
        let session = app.sign_in_client(&admin).await;

        let created = create_user(&app, &session, organization, json!({
            "name": "Cy Ortiz", "email": "cy@client.test", "permissions": ["home", "conversations"],
        })).await;
        assert_eq!(created["organization_id"], json!(organization));
        assert_eq!(created["permissions"], json!(["home", "conversations"]));
        let log = entries(&app, &owner, &format!("organization={organization}&action=client_user.created")).await;
        assert_eq!(log[0]["actor"]["id"], json!(admin.id), "the log names the org admin");

        set_plan(&app, &owner, organization, &sections_without("analytics")).await;
        let (status, problem) = send(app.request(&session, Method::POST, &users_path(organization))
            .json(&json!({ "name": "Di Park", "email": "di@client.test", "permissions": ["home", "analytics"] }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "permissions[1]", "{problem}");

        let foreign = format!("/api/v1/client-users/{}", outsider.id);
        assert_eq!(send(app.request(&session, Method::GET, &foreign)).await.0, 404);
        assert_eq!(send(app.request(&session, Method::PATCH, &foreign).json(&json!({ "name": "Taken Over" }))).await.0, 404);
        assert_eq!(send(app.request(&session, Method::DELETE, &foreign)).await.0, 404);
        assert_eq!(send(app.request(&session, Method::GET, &users_path(neighbour))).await.0, 404);
        let (status, _) = send(app.request(&session, Method::POST, &users_path(neighbour))
            .json(&json!({ "name": "Eve", "email": "eve@client.test" }))).await;
        assert_eq!(status, 404);

        let (status, untouched) = send(app.request(&owner, Method::GET, &foreign)).await;
        assert_eq!(status, 200);
        assert_eq!(untouched["name"], "outsider", "nothing changed");
        assert_eq!(listed(&app, &owner, &users_path(neighbour)).await, ["outsider"]);
    }

    async fn an_organization_always_keeps_an_org_admin_unless_the_agency_decides(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let lead = app.client_user(&workspace, organization, "lead", &[Permission::OrgAdmin, Permission::Home]).await;
        let session = app.sign_in_client(&lead).await;
        let path = format!("/api/v1/client-users/{}", lead.id);

        let (status, problem) = send(app.request(&session, Method::PATCH, &path).json(&json!({ "permissions": ["home"] }))).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "permissions", "{problem}");
        for (method, suffix) in [(Method::POST, "/disable"), (Method::DELETE, "")] {
            let (status, problem) = send(app.request(&session, method, &format!("{path}{suffix}"))).await;
            assert_eq!(status, 409, "{suffix}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "permissions", "{problem}");
        }
        let (status, me) = send(app.request(&session, Method::GET, "/api/v1/me")).await;
        assert_eq!(status, 200, "refusals change nothing, sessions included");
        assert_eq!(me["permissions"], json!(["org_admin", "home"]));

        let second = app.client_user(&workspace, organization, "second", &[Permission::OrgAdmin, Permission::Home]).await;
        let (status, demoted) = send(app.request(&session, Method::PATCH, &path).json(&json!({ "permissions": ["home"] }))).await;
        assert_eq!(status, 200, "with another org admin, stepping down works: {demoted}");
        assert_eq!(demoted["permissions"], json!(["home"]));

        let (status, last) = send(app.request(&owner, Method::PATCH, &format!("/api/v1/client-users/{}", second.id))
            .json(&json!({ "permissions": ["home"] }))).await;
        assert_eq!(status, 200, "the agency may demote the last org admin: {last}");
        assert_eq!(last["permissions"], json!(["home"]));
    }

    async fn a_section_the_plan_drops_is_taken_from_users_and_not_given_back(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = app.client_user(&workspace, organization, "ana", &[Permission::Home, Permission::Analytics]).await;
        let path = format!("/api/v1/client-users/{}", user.id);

        set_plan(&app, &owner, organization, &sections_without("analytics")).await;
        let (_, read) = send(app.request(&owner, Method::GET, &path)).await;
        assert_eq!(read["permissions"], json!(["home"]));
        let log = entries(&app, &owner, &format!("organization={organization}&action=organization.settings_changed")).await;
        assert_eq!(log[0]["changes"]["users_losing_sections"]["after"], 1, "{}", log[0]);

        set_plan(&app, &owner, organization, &ALL_SECTIONS).await;
        let (_, read) = send(app.request(&owner, Method::GET, &path)).await;
        assert_eq!(read["permissions"], json!(["home"]), "re-adding the section to the plan grants it to nobody");
    }

    async fn two_org_admins_demoting_each_other_at_once_leave_one_org_admin(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        for round in 0..5 {
            let ann = app.client_user(&workspace, organization, &format!("ann{round}"), &[Permission::OrgAdmin, Permission::Home]).await;
            let ben = app.client_user(&workspace, organization, &format!("ben{round}"), &[Permission::OrgAdmin, Permission::Home]).await;
            let (as_ann, as_ben) = (app.sign_in_client(&ann).await, app.sign_in_client(&ben).await);
            let demote = |caller: &Credentials, target: &ClientAccount| {
                app.request(caller, Method::PATCH, &format!("/api/v1/client-users/{}", target.id))
                    .json(&json!({ "permissions": ["home"] }))
                    .send()
            };
            let (first, second) = tokio::join!(demote(&as_ann, &ben), demote(&as_ben, &ann));
            let mut statuses = [first.unwrap().status().as_u16(), second.unwrap().status().as_u16()];
            statuses.sort_unstable();
            assert!(matches!(statuses, [200, 403] | [200, 409]), "round {round}: {statuses:?}");
            let (_, page) = send(app.request(&owner, Method::GET, &format!("{}?permission=org_admin", users_path(organization)))).await;
            assert_eq!(page["users"].as_array().unwrap().len(), 1, "round {round}: {page}");
            // The agency demotes the survivor so the next round starts from two admins again.
            let survivor = user_path(&page["users"][0]);
            let (status, _) = send(app.request(&owner, Method::PATCH, &survivor).json(&json!({ "permissions": ["home"] }))).await;
            assert_eq!(status, 200);
        }
    }

    async fn a_csv_import_adds_invited_users_with_their_teams_or_nothing_at_all(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let team = app.team(&workspace, organization, "Support").await;
        let path = format!("{}/import", users_path(organization));
        let import = |file: String| app.request(&owner, Method::POST, &path).header("content-type", "text/csv").body(file);

        let (status, imported) = send(import("name,email,permissions,teams\nAna,ana@x.test,home;analytics,Support\nBo,bo@x.test,,\n".to_owned())).await;
        assert_eq!(status, 201, "{imported}");
        assert_eq!(imported["created"], 2);
        let emails: Vec<&str> = imported["users"].as_array().unwrap().iter().map(|u| u["email"].as_str().unwrap()).collect();
        assert_eq!(emails, ["ana@x.test", "bo@x.test"]);
        let (_, ana) = send(app.request(&owner, Method::GET, &user_path(&imported["users"][0]))).await;
        assert_eq!(ana["name"], "Ana");
        assert_eq!(ana["permissions"], json!(["home", "analytics"]));
        assert_eq!(ana["teams"], json!([{ "id": team, "name": "Support", "role": "member" }]));
        let (_, bo) = send(app.request(&owner, Method::GET, &user_path(&imported["users"][1]))).await;
        assert_eq!(bo["permissions"], json!(["home"]));
        assert_eq!(bo["teams"], json!([]));
        let (_, page) = send(app.request(&owner, Method::GET, &users_path(organization))).await;
        for user in page["users"].as_array().unwrap() {
            assert_eq!(user["status"], "invited", "{user}");
        }

        let (status, problem) = send(import("name,email\nCy,cy@x.test\nDi,not-an-email\n".to_owned())).await;
        assert_eq!(status, 422, "{problem}");
        assert!(fields(&problem).contains(&"line 3: email"), "{problem}");

        let mut many = String::from("name,email\n");
        for i in 0..1001 {
            many.push_str(&format!("User {i},user{i}@x.test\n"));
        }
        let (status, problem) = send(import(many)).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "file", "{problem}");

        let (status, problem) = send(import("name,email\nEd,ed@x.test,extra\n".to_owned())).await;
        assert_eq!(status, 422, "a row with extra cells: {problem}");

        assert_eq!(listed(&app, &owner, &users_path(organization)).await, ["Ana", "Bo"], "refused files wrote nothing");
        assert_eq!(entries(&app, &owner, &format!("organization={organization}&action=client_user.created")).await.len(), 2);
    }

    async fn the_access_review_flags_a_third_org_admin_and_exports_spreadsheet_safe_csv(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        for (name, email) in [("Admin One", "one@x.test"), ("Admin Two", "two@x.test"), ("Admin Three", "three@x.test")] {
            create_user(&app, &owner, organization, json!({ "name": name, "email": email, "permissions": ["org_admin", "home"] })).await;
        }
        create_user(&app, &owner, organization, json!({ "name": "=SUM(A1:A9)", "email": "formula@x.test" })).await;
        let path = format!("/api/v1/organizations/{organization}/access-report");

        let (status, report) = send(app.request(&owner, Method::GET, &path)).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["organization_id"], json!(organization));
        assert_eq!(report["summary"]["users"], 4);
        assert_eq!(report["summary"]["org_admins"], 3);
        assert_eq!(report["summary"]["flagged"], 1);
        let lines = report["users"].as_array().unwrap();
        assert_eq!(lines.len(), 4, "one line per user");
        let flags_of = |email: &str| lines.iter().find(|l| l["email"] == email).unwrap()["flags"].clone();
        assert_eq!(flags_of("three@x.test"), json!(["excess_org_admin"]));
        for email in ["one@x.test", "two@x.test", "formula@x.test"] {
            assert_eq!(flags_of(email), json!([]), "{email}");
        }

        let response = app.request(&owner, Method::GET, &format!("{path}?format=csv")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let body = response.text().await.unwrap();
        assert!(body.lines().next().unwrap().starts_with("name,email,status"), "{body}");
        assert_eq!(body.lines().count(), 5, "a header and one line per user: {body}");
        assert!(body.lines().any(|l| l.starts_with("'=SUM(A1:A9),formula@x.test,")), "{body}");
        assert!(!body.lines().any(|l| l.starts_with('=')), "no cell starts a formula: {body}");

        let (status, problem) = send(app.request(&owner, Method::GET, &format!("{path}?format=xml"))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "format", "{problem}");
    }

    async fn an_update_changes_what_it_names_and_the_log_records_exactly_that(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let ana = create_user(&app, &owner, organization, json!({ "name": "Ana Lopez", "email": "ana@client.test" })).await;
        let bo = create_user(&app, &owner, organization, json!({ "name": "Bo Chen", "email": "bo@client.test" })).await;
        let change = json!({
            "name": "Ana Ruiz", "email": " ANA.RUIZ@client.test ", "permissions": ["home", "analytics"], "agent_access": "all",
        });

        let (status, updated) = send(app.request(&owner, Method::PATCH, &user_path(&ana)).json(&change)).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["name"], "Ana Ruiz");
        assert_eq!(updated["email"], "ana.ruiz@client.test");
        assert_eq!(updated["permissions"], json!(["home", "analytics"]));
        assert_eq!(updated["status"], "invited");
        assert_eq!(updated["agent_access"], "all");
        let (_, read) = send(app.request(&owner, Method::GET, &user_path(&ana))).await;
        assert_eq!(read, updated);

        let updates = |log: Vec<Value>| log.into_iter().filter(|e| e["action"] == "client_user.updated").collect::<Vec<_>>();
        let target = format!("target={}", ana["id"].as_str().unwrap());
        let log = updates(entries(&app, &owner, &target).await);
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["changes"], json!({
            "name": { "before": "Ana Lopez", "after": "Ana Ruiz" },
            "email": { "before": "ana@client.test", "after": "ana.ruiz@client.test" },
            "permissions": { "before": ["home"], "after": ["home", "analytics"] },
        }), "agent_access was given but did not change");

        let (status, _) = send(app.request(&owner, Method::PATCH, &user_path(&ana)).json(&change)).await;
        assert_eq!(status, 200);
        assert_eq!(updates(entries(&app, &owner, &target).await).len(), 1, "a change to nothing is not logged");

        let (status, problem) = send(app.request(&owner, Method::PATCH, &user_path(&bo)).json(&json!({ "email": "Ana.Ruiz@client.test" }))).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "email", "{problem}");
        let (_, bo_now) = send(app.request(&owner, Method::GET, &user_path(&bo))).await;
        assert_eq!(bo_now["email"], "bo@client.test");
    }
}
