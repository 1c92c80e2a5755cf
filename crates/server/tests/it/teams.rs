//! Teams of an organization's users: names unique per organization, members with roles, who
//! may manage them, and what deleting a team or its organization leaves behind.

use clientele_domain::{OrganizationId, Permission};
use clientele_testkit::{Backend, Credentials, TestApp, on_both_backends};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

/// Sends a request; the status and the JSON body (`null` when there is none).
async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn teams_path(organization: OrganizationId) -> String {
    format!("/api/v1/organizations/{organization}/teams")
}

fn team_path(team: &Value) -> String {
    format!("/api/v1/teams/{}", team["id"].as_str().unwrap())
}

/// Creates a team over HTTP and returns it; anything but 201 fails the test.
async fn create_team(
    app: &TestApp,
    caller: &Credentials,
    organization: OrganizationId,
    name: &str,
) -> Value {
    let (status, team) = send(
        app.request(caller, Method::POST, &teams_path(organization))
            .json(&json!({ "name": name })),
    )
    .await;
    assert_eq!(status, 201, "creating team {name}: {team}");
    team
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

on_both_backends! {
    async fn a_team_name_is_trimmed_and_unique_in_its_organization_whatever_its_case(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let other = app.organization(&workspace, "Other").await;

        let team = create_team(&app, &owner, organization, "  Support  ").await;
        assert_eq!(team["name"], "Support");
        assert_eq!(team["description"], "");
        assert_eq!(team["organization_id"], json!(organization));
        assert_eq!(team["member_count"], 0);
        assert_eq!(team["members"], json!([]));
        create_team(&app, &owner, organization, "Billing").await;

        let (status, list) = send(app.request(&owner, Method::GET, &teams_path(organization))).await;
        assert_eq!(status, 200, "{list}");
        let names: Vec<&str> = list["teams"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Billing", "Support"]);
        let (status, read) = send(app.request(&owner, Method::GET, &team_path(&team))).await;
        assert_eq!(status, 200);
        assert_eq!(read, team);

        let (status, problem) = send(app.request(&owner, Method::POST, &teams_path(organization)).json(&json!({ "name": "SUPPORT" }))).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
        let (status, problem) = send(app.request(&owner, Method::POST, &teams_path(organization)).json(&json!({ "name": "   " }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
        let (_, list) = send(app.request(&owner, Method::GET, &teams_path(organization))).await;
        assert_eq!(list["teams"].as_array().unwrap().len(), 2, "nothing was written");

        create_team(&app, &owner, other, "Support").await;
        let log = entries(&app, &owner, &format!("organization={organization}&action=team.created")).await;
        assert_eq!(log.len(), 2);
    }

    async fn renaming_and_describing_a_team_is_logged_field_by_field(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let team = create_team(&app, &owner, organization, "Support").await;
        create_team(&app, &owner, organization, "Billing").await;

        let (status, updated) = send(app.request(&owner, Method::PATCH, &team_path(&team))
            .json(&json!({ "name": " Tier 2 ", "description": "Escalations from the front desk" }))).await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(updated["name"], "Tier 2");
        assert_eq!(updated["description"], "Escalations from the front desk");
        let (_, read) = send(app.request(&owner, Method::GET, &team_path(&team))).await;
        assert_eq!(read["name"], "Tier 2");

        let log = entries(&app, &owner, &format!("organization={organization}&action=team.updated")).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["target"]["id"], team["id"]);
        assert_eq!(log[0]["target"]["label"], "Tier 2");
        assert_eq!(log[0]["changes"], json!({
            "name": { "before": "Support", "after": "Tier 2" },
            "description": { "before": "", "after": "Escalations from the front desk" },
        }));

        let (status, _) = send(app.request(&owner, Method::PATCH, &team_path(&team)).json(&json!({ "name": "Tier 2" }))).await;
        assert_eq!(status, 200);
        let log = entries(&app, &owner, &format!("organization={organization}&action=team.updated")).await;
        assert_eq!(log.len(), 1, "a change to nothing is not logged");

        let (status, problem) = send(app.request(&owner, Method::PATCH, &team_path(&team)).json(&json!({ "name": "billing" }))).await;
        assert_eq!(status, 409, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
        let (_, read) = send(app.request(&owner, Method::GET, &team_path(&team))).await;
        assert_eq!(read["name"], "Tier 2", "nothing changed");
    }

    async fn putting_a_member_again_changes_their_role_and_their_teams_show_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = app.client_user(&workspace, organization, "ana", &[Permission::Home]).await;
        let team = create_team(&app, &owner, organization, "Support").await;
        let member_path = format!("{}/members/{}", team_path(&team), user.id);

        let (status, as_lead) = send(app.request(&owner, Method::PUT, &member_path).json(&json!({ "role": "lead" }))).await;
        assert_eq!(status, 200, "{as_lead}");
        assert_eq!(as_lead["members"][0]["role"], "lead");
        assert_eq!(as_lead["members"][0]["client_user_id"], json!(user.id));
        assert_eq!(as_lead["members"][0]["email"], user.email);

        let (status, as_member) = send(app.request(&owner, Method::PUT, &member_path).json(&json!({ "role": "member" }))).await;
        assert_eq!(status, 200, "{as_member}");
        let (_, read) = send(app.request(&owner, Method::GET, &team_path(&team))).await;
        let members = read["members"].as_array().unwrap();
        assert_eq!(members.len(), 1, "one membership, whatever the role: {read}");
        assert_eq!(members[0]["role"], "member");
        assert_eq!(read["member_count"], 1);

        let (status, teams) = send(app.request(&owner, Method::GET, &format!("/api/v1/client-users/{}/teams", user.id))).await;
        assert_eq!(status, 200, "{teams}");
        assert_eq!(teams, json!([{ "id": team["id"], "name": "Support", "role": "member" }]));

        let log = entries(&app, &owner, &format!("organization={organization}&target={}", team["id"].as_str().unwrap())).await;
        let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["team.member_role_changed", "team.member_added", "team.created"]);
        assert_eq!(log[0]["changes"]["role"], json!({ "before": "lead", "after": "member" }));
    }

    async fn only_the_organizations_users_join_its_teams_and_only_with_known_roles(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let other = app.organization(&workspace, "Other").await;
        let ours = app.client_user(&workspace, organization, "ana", &[Permission::Home]).await;
        let theirs = app.client_user(&workspace, other, "bo", &[Permission::Home]).await;
        let team = create_team(&app, &owner, organization, "Support").await;

        let (status, problem) = send(app.request(&owner, Method::PUT, &format!("{}/members/{}", team_path(&team), theirs.id)).json(&json!({}))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "client_user_id", "{problem}");
        let (status, problem) = send(app.request(&owner, Method::PUT, &format!("{}/members/{}", team_path(&team), ours.id)).json(&json!({ "role": "captain" }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "role", "{problem}");

        let (_, read) = send(app.request(&owner, Method::GET, &team_path(&team))).await;
        assert_eq!(read["members"], json!([]), "nothing was written");
        assert!(entries(&app, &owner, "action=team.member_added").await.is_empty());
    }

    async fn removing_a_member_twice_finds_nothing_the_second_time(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = app.client_user(&workspace, organization, "ana", &[Permission::Home]).await;
        let team = create_team(&app, &owner, organization, "Support").await;
        let member_path = format!("{}/members/{}", team_path(&team), user.id);
        let (status, _) = send(app.request(&owner, Method::PUT, &member_path).json(&json!({}))).await;
        assert_eq!(status, 200);

        let (status, _) = send(app.request(&owner, Method::DELETE, &member_path)).await;
        assert_eq!(status, 204);
        let (_, read) = send(app.request(&owner, Method::GET, &team_path(&team))).await;
        assert_eq!(read["members"], json!([]));
        let (status, _) = send(app.request(&owner, Method::DELETE, &member_path)).await;
        assert_eq!(status, 404);

        let log = entries(&app, &owner, &format!("organization={organization}&action=team.member_removed")).await;
        assert_eq!(log.len(), 1, "only the removal that happened is logged");
        assert_eq!(log[0]["changes"]["client_user"]["before"], "ana");
    }

    async fn deleting_a_team_keeps_its_members_as_users_of_the_organization(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Bright").await;
        let user = app.client_user(&workspace, organization, "ana", &[Permission::Home]).await;
        let team = create_team(&app, &owner, organization, "Support").await;
        let (status, _) = send(app.request(&owner, Method::PUT, &format!("{}/members/{}", team_path(&team), user.id)).json(&json!({ "role": "lead" }))).await;
        assert_eq!(status, 200);

        let (status, _) = send(app.request(&owner, Method::DELETE, &team_path(&team))).await;
        assert_eq!(status, 204);
        assert_eq!(send(app.request(&owner, Method::GET, &team_path(&team))).await.0, 404);
        let (_, list) = send(app.request(&owner, Method::GET, &teams_path(organization))).await;
        assert_eq!(list["teams"], json!([]));

        let (status, read) = send(app.request(&owner, Method::GET, &format!("/api/v1/client-users/{}", user.id))).await;
        assert_eq!(status, 200, "the member is still a user");
        assert_eq!(read["teams"], json!([]));
        let (_, users) = send(app.request(&owner, Method::GET, &format!("/api/v1/organizations/{organization}/users"))).await;
        assert_eq!(users["users"].as_array().unwrap().len(), 1);

        let log = entries(&app, &owner, &format!("organization={organization}&action=team.deleted")).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["target"]["label"], "Support");
        assert_eq!(log[0]["changes"]["members_removed"]["after"], 1);
    }

    async fn an_org_admin_manages_their_own_organizations_teams_only(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let organization = app.organization(&workspace, "Bright").await;
        let neighbour = app.organization(&workspace, "Neighbour").await;
        let admin = app.client_user(&workspace, organization, "lead", &[Permission::OrgAdmin, Permission::Home]).await;
        let plain = app.client_user(&workspace, organization, "plain", &[Permission::Home, Permission::Conversations]).await;
        let teammate = app.client_user(&workspace, organization, "ana", &[Permission::Home]).await;
        let session = app.sign_in_client(&admin).await;

        let team = create_team(&app, &session, organization, "Support").await;
        let (status, body) = send(app.request(&session, Method::PUT, &format!("{}/members/{}", team_path(&team), teammate.id)).json(&json!({ "role": "lead" }))).await;
        assert_eq!(status, 200, "{body}");
        let (status, _) = send(app.request(&session, Method::GET, &teams_path(organization))).await;
        assert_eq!(status, 200);

        let theirs = app.team(&workspace, neighbour, "Theirs").await;
        let foreign = format!("/api/v1/teams/{theirs}");
        assert_eq!(send(app.request(&session, Method::GET, &foreign)).await.0, 404);
        assert_eq!(send(app.request(&session, Method::PATCH, &foreign).json(&json!({ "name": "Ours now" }))).await.0, 404);
        assert_eq!(send(app.request(&session, Method::DELETE, &foreign)).await.0, 404);
        assert_eq!(send(app.request(&session, Method::GET, &teams_path(neighbour))).await.0, 404);
        assert_eq!(send(app.request(&session, Method::POST, &teams_path(neighbour)).json(&json!({ "name": "Sneaky" }))).await.0, 404);

        let plain_session = app.sign_in_client(&plain).await;
        let (status, problem) = send(app.request(&plain_session, Method::POST, &teams_path(organization)).json(&json!({ "name": "Mine" }))).await;
        assert_eq!(status, 403, "{problem}");

        let owner = app.sign_in(&workspace.owner).await;
        let (_, still) = send(app.request(&owner, Method::GET, &foreign)).await;
        assert_eq!(still["name"], "Theirs", "nothing changed");
        let (_, list) = send(app.request(&owner, Method::GET, &teams_path(organization))).await;
        let names: Vec<&str> = list["teams"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Support"]);
    }

    async fn an_organization_with_teams_and_users_can_still_be_deleted(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (status, created) = send(app.request(&owner, Method::POST, "/api/v1/organizations").json(&json!({ "name": "Doomed Dental" }))).await;
        assert_eq!(status, 201, "{created}");
        let organization: OrganizationId = serde_json::from_value(created["id"].clone()).unwrap();
        let user = app.client_user(&workspace, organization, "ana", &[Permission::Home]).await;
        let team = create_team(&app, &owner, organization, "Support").await;
        create_team(&app, &owner, organization, "Billing").await;
        let (status, _) = send(app.request(&owner, Method::PUT, &format!("{}/members/{}", team_path(&team), user.id)).json(&json!({}))).await;
        assert_eq!(status, 200);

        let (status, problem) = send(app.request(&owner, Method::DELETE, &format!("/api/v1/organizations/{organization}?confirm=Doomed%20Dental"))).await;
        assert_eq!(status, 204, "{problem}");
        assert_eq!(send(app.request(&owner, Method::GET, &format!("/api/v1/organizations/{organization}"))).await.0, 404);
        assert_eq!(send(app.request(&owner, Method::GET, &team_path(&team))).await.0, 404, "its teams went with it");
        assert_eq!(send(app.request(&owner, Method::GET, &format!("/api/v1/client-users/{}", user.id))).await.0, 404, "its users went with it");
        let log = entries(&app, &owner, &format!("organization={organization}&action=organization.deleted")).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["changes"]["users_removed"]["after"], 1);
    }
}
