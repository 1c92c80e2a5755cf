//! The authorization matrix: every operation of the OpenAPI document, called by every kind of
//! caller, on its own workspace and on a foreign one, answers the status the table states.
//!
//! Rules the table encodes: no credentials is 401; a foreign or missing id is 404 for every
//! caller (existence never leaks); inside one's own workspace a missing right is 403.
//! An operation added to the router without a row here fails the test.
//!
//! Operations on one organization run on three targets: the client users' own organization,
//! another organization of the same workspace, and an organization of a foreign workspace.
//! `deleteOrganization` deletes a fresh organization instead of the client users' own, so for
//! them it is "another organization" (their own admins' 403 is tested in organizations.rs).

use clientele_domain::{MemberRole, OrganizationId, Permission};
use clientele_testkit::{Backend, Credentials, TestApp, Workspace, on_both_backends, png};
use reqwest::Method;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Callers in the order of the table's columns. The owner comes last because a successful
/// ownership transfer demotes them.
const CALLERS: [&str; 10] = [
    "anonymous",
    // An agent's runtime key works only on the runtime API: elsewhere it is no credential.
    "runtime key",
    "admin",
    "member",
    "admin key",
    "member key",
    "client user (home only)",
    "client user (every section but org admin)",
    "org admin",
    "owner",
];

/// Every caller of another tenant gets 404.
const NOT_FOUND: Option<&str> = Some("401 401 404 404 404 404 404 404 404 404");
/// On another organization of their own workspace, client users get 404 too.
const OTHER_ORG: Option<&str> = Some("401 401 200 200 200 200 404 404 404 200");
const OTHER_ORG_CREATED: Option<&str> = Some("401 401 201 201 201 201 404 404 404 201");
const OTHER_ORG_DELETED: Option<&str> = Some("401 401 204 204 204 204 404 404 404 204");
/// Previews are for signed-in members only: keys get 403 there too.
const OTHER_ORG_PREVIEW: Option<&str> = Some("401 401 201 201 403 403 404 404 404 201");

/// operationId; expected statuses on the caller's own workspace (and the client users' own
/// organization); on another organization of that workspace (`None` when the operation is not
/// about one organization); on a foreign workspace (`None` when it names no resource).
#[rustfmt::skip]
const MATRIX: &[(&str, &str, Option<&str>, Option<&str>)] = &[
    //                    anon rt admin member akey mkey client clientall orgadmin owner
    ("getHealth",         "200 200 200 200 200 200 200 200 200 200", None, None),
    ("getReadiness",      "200 200 200 200 200 200 200 200 200 200", None, None),
    ("signIn",            "201 201 201 201 201 201 201 201 201 201", None, None),
    ("signInClientUser",  "201 201 201 201 201 201 201 201 201 201", None, None),
    ("signOut",           "401 401 204 204 403 403 204 204 204 204", None, None),
    ("getMe",             "401 401 200 200 200 200 200 200 200 200", None, None),
    // A second factor belongs to a person: API keys have none. Confirming with a wrong code
    // is 422; turning off one that is not on is 404.
    ("getTwoFactor",      "401 401 200 200 403 403 200 200 200 200", None, None),
    ("beginTwoFactor",    "401 401 201 201 403 403 201 201 201 201", None, None),
    ("confirmTwoFactor",  "401 401 422 422 403 403 422 422 422 422", None, None),
    ("disableTwoFactor",  "401 401 404 404 403 403 404 404 404 404", None, None),
    ("regenerateRecoveryCodes", "401 401 404 404 403 403 404 404 404 404", None, None),
    // Resetting someone else's second factor takes a signed-in person of the agency; nobody
    // here has one to reset (409).
    ("resetMemberTwoFactor",     "401 401 409 403 403 403 403 403 403 409", None, NOT_FOUND),
    ("resetClientUserTwoFactor", "401 401 409 409 403 403 403 403 403 409", Some("401 401 409 409 403 403 404 404 404 409"), NOT_FOUND),
    // Anyone may try a challenge; a forged one has expired for everybody.
    ("completeSecondFactor", "410 410 410 410 410 410 410 410 410 410", None, None),
    ("getWorkspaceSecurity", "401 401 200 200 200 200 403 403 403 200", None, None),
    ("putWorkspaceSecurity", "401 401 200 403 200 403 403 403 403 200", None, None),
    ("getOrganizationSecurity", "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("putOrganizationSecurity", "401 401 200 200 200 200 403 403 403 200", OTHER_ORG, NOT_FOUND),
    ("listMembers",       "401 401 200 200 200 200 403 403 403 200", None, None),
    // People and their roles are managed by people: keys cannot add, invite or promote.
    ("addMember",         "401 401 201 403 403 403 403 403 403 201", None, None),
    ("changeMemberRole",  "401 401 200 403 403 403 403 403 403 200", None, NOT_FOUND),
    ("removeMember",      "401 401 204 403 204 403 403 403 403 204", None, NOT_FOUND),
    ("transferOwnership", "401 401 403 403 403 403 403 403 403 200", None, NOT_FOUND),
    ("listApiKeys",       "401 401 200 403 200 403 403 403 403 200", None, None),
    ("createApiKey",      "401 401 201 403 403 403 403 403 403 201", None, None),
    ("revokeApiKey",      "401 401 204 403 403 403 403 403 403 204", None, NOT_FOUND),
    ("listActivity",      "401 401 200 403 200 403 403 403 403 200", None, None),
    ("listOrganizations", "401 401 200 200 200 200 403 403 403 200", None, None),
    ("createOrganization","401 401 201 201 201 201 403 403 403 201", None, None),
    ("getOrganization",   "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("updateOrganization","401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("deleteOrganization","401 401 204 204 204 204 404 404 404 204", None, NOT_FOUND),
    ("getOrganizationSettings",    "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("updateOrganizationSettings", "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("listOrganizationAgents",     "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("listAgents",        "401 401 200 200 200 200 403 403 403 200", None, None),
    ("createAgent",       "401 401 201 201 201 201 403 403 403 201", None, None),
    ("upsertAgent",       "401 401 201 201 201 201 403 403 403 201", None, None),
    ("getAgent",          "401 401 200 200 200 200 403 403 403 200", None, NOT_FOUND),
    ("updateAgent",       "401 401 200 200 200 200 403 403 403 200", None, NOT_FOUND),
    ("deleteAgent",       "401 401 204 204 204 204 403 403 403 204", None, NOT_FOUND),
    ("assignAgent",       "401 401 200 200 200 200 403 403 403 200", None, NOT_FOUND),
    ("unassignAgent",     "401 401 200 200 200 200 403 403 403 200", None, NOT_FOUND),
    ("uploadImage",       "401 401 201 201 201 201 403 403 201 201", None, None),
    ("getImage",          "200 200 200 200 200 200 200 200 200 200", None, None),
    ("listClientUsers",   "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("createClientUser",  "401 401 201 201 201 201 403 403 201 201", OTHER_ORG_CREATED, NOT_FOUND),
    ("importClientUsers", "401 401 201 201 201 201 403 403 201 201", OTHER_ORG_CREATED, NOT_FOUND),
    ("getAccessReport",   "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("searchClientUsers", "401 401 200 200 200 200 403 403 403 200", None, None),
    ("getClientUser",     "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("updateClientUser",  "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("deleteClientUser",  "401 401 204 204 204 204 403 403 204 204", OTHER_ORG_DELETED, NOT_FOUND),
    ("disableClientUser", "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("enableClientUser",  "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("listClientUserTeams",   "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("listPermissionPresets", "401 401 200 200 200 200 200 200 200 200", None, None),
    ("listTeams",         "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("createTeam",        "401 401 201 201 201 201 403 403 201 201", OTHER_ORG_CREATED, NOT_FOUND),
    ("getTeam",           "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("updateTeam",        "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("deleteTeam",        "401 401 204 204 204 204 403 403 204 204", OTHER_ORG_DELETED, NOT_FOUND),
    ("putTeamMember",     "401 401 200 200 200 200 403 403 200 200", OTHER_ORG, NOT_FOUND),
    ("removeTeamMember",  "401 401 204 204 204 204 403 403 204 204", OTHER_ORG_DELETED, NOT_FOUND),
    ("getBrand",          "401 401 200 200 200 200 403 403 403 200", None, None),
    ("putBrand",          "401 401 200 403 200 403 403 403 403 200", None, None),
    // Nobody here claims the hostname: authorized callers learn it is not theirs (404).
    ("verifyDashboardDomain", "401 401 404 403 404 403 403 403 403 404", None, None),
    ("getEmailSettings",  "401 401 200 403 200 403 403 403 403 200", None, None),
    ("putEmailSettings",  "401 401 200 403 200 403 403 403 403 200", None, None),
    // Authorized callers reach the check that an SMTP server is saved (none is here).
    ("sendTestEmail",     "401 401 409 403 409 403 403 403 403 409", None, None),
    ("listEmailTemplates",   "401 401 200 403 200 403 403 403 403 200", None, None),
    ("getEmailTemplate",     "401 401 200 403 200 403 403 403 403 200", None, None),
    ("putEmailTemplate",     "401 401 200 403 200 403 403 403 403 200", None, None),
    ("resetEmailTemplate",   "401 401 200 403 200 403 403 403 403 200", None, None),
    ("previewEmailTemplate", "401 401 200 403 200 403 403 403 403 200", None, None),
    ("listOutbox",        "401 401 200 403 200 403 403 403 403 200", None, None),
    ("getOutboxMessage",  "401 401 200 403 200 403 403 403 403 200", None, NOT_FOUND),
    ("inviteClientUser",  "401 401 201 201 201 201 403 403 201 201", OTHER_ORG_CREATED, NOT_FOUND),
    ("listMemberInvitations",  "401 401 200 200 200 200 403 403 403 200", None, None),
    ("inviteMember",           "401 401 201 403 403 403 403 403 403 201", None, None),
    ("revokeMemberInvitation", "401 401 204 403 204 403 403 403 403 204", None, NOT_FOUND),
    // Redeeming a link needs only the link.
    ("getInvitation",     "200 200 200 200 200 200 200 200 200 200", None, None),
    ("acceptInvitation",  "201 201 201 201 201 201 201 201 201 201", None, None),
    ("requestPasswordReset",       "202 202 202 202 202 202 202 202 202 202", None, None),
    ("requestClientPasswordReset", "202 202 202 202 202 202 202 202 202 202", None, None),
    ("getPasswordReset",           "200 200 200 200 200 200 200 200 200 200", None, None),
    ("completePasswordReset",      "201 201 201 201 201 201 201 201 201 201", None, None),
    // A runtime key is the only credential of the runtime API, and works nowhere else.
    ("getRuntimeConfiguration", "401 200 401 401 401 401 401 401 401 401", None, None),
    ("reportRuntimeEvents", "401 200 401 401 401 401 401 401 401 401", None, None),
    ("listRuntimeKeys",   "401 401 200 403 200 403 403 403 403 200", None, NOT_FOUND),
    ("issueRuntimeKey",   "401 401 201 403 201 403 403 403 403 201", None, NOT_FOUND),
    ("revokeRuntimeKeys", "401 401 204 403 204 403 403 403 403 204", None, NOT_FOUND),
    ("getWebhook",        "401 401 200 403 200 403 403 403 403 200", None, NOT_FOUND),
    ("setWebhook",        "401 401 200 403 200 403 403 403 403 200", None, NOT_FOUND),
    ("rotateWebhookSecret", "401 401 200 403 200 403 403 403 403 200", None, NOT_FOUND),
    ("testWebhook",       "401 401 200 403 200 403 403 403 403 200", None, NOT_FOUND),
    ("listWebhookEvents", "401 401 200 403 200 403 403 403 403 200", None, NOT_FOUND),
    ("replayWebhookEvent", "401 401 202 403 202 403 403 403 403 202", None, NOT_FOUND),
    ("pullWebhookEvents", "401 200 401 401 401 401 401 401 401 401", None, None),
    // Conversations: the agency, and client users who hold the section.
    ("listConversations",  "401 401 200 200 200 200 403 200 200 200", OTHER_ORG, NOT_FOUND),
    ("getConversation",    "401 401 200 200 200 200 403 200 200 200", OTHER_ORG, NOT_FOUND),
    ("exportConversation", "401 401 200 200 200 200 403 200 200 200", OTHER_ORG, NOT_FOUND),
    // Retention and erasure destroy conversations: the owner and admins.
    ("getRetention",      "401 401 200 403 200 403 403 403 403 200", None, None),
    ("putRetention",      "401 401 200 403 200 403 403 403 403 200", None, None),
    ("eraseContact",      "401 401 200 403 200 403 403 403 403 200", None, None),
    ("previewClientUser", "401 401 201 201 403 403 403 403 403 201", OTHER_ORG_PREVIEW, NOT_FOUND),
];

static UNIQUE: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", UNIQUE.fetch_add(1, Ordering::Relaxed))
}

struct Fixture {
    own: Workspace,
    foreign: Workspace,
    /// The client users' organization, another of their workspace, and a foreign one.
    client: OrganizationId,
    other: OrganizationId,
    foreign_organization: OrganizationId,
    callers: Vec<Credentials>,
}

/// Where an operation acts: a workspace, and the organization it is about, if any.
struct Target<'a> {
    workspace: &'a Workspace,
    organization: OrganizationId,
}

async fn fixture(app: &TestApp) -> Fixture {
    let own = app.workspace(&unique("own-")).await;
    let foreign = app.workspace(&unique("foreign-")).await;
    let admin = app.member(&own, "admin", MemberRole::Admin).await;
    let member = app.member(&own, "member", MemberRole::Member).await;
    let client = app.organization(&own, "Client").await;
    let sections: Vec<Permission> = Permission::ALL
        .into_iter()
        .filter(|p| *p != Permission::OrgAdmin)
        .collect();
    let home_only = app
        .client_user(&own, client, "home", &[Permission::Home])
        .await;
    let every_section = app.client_user(&own, client, "all", &sections).await;
    let org_admin = app
        .client_user(&own, client, "orgadmin", &Permission::ALL)
        .await;
    let connected = app.agent(&own, "Connected").await;
    app.app
        .assign_agent(
            &own.owner.actor(),
            connected,
            client,
            false,
            &Default::default(),
        )
        .await
        .unwrap();
    let (runtime_key, _) = app.runtime_key(&own, connected).await;
    let callers = vec![
        Credentials::Anonymous,
        runtime_key,
        app.sign_in(&admin).await,
        app.sign_in(&member).await,
        app.api_key(&own, MemberRole::Admin).await,
        app.api_key(&own, MemberRole::Member).await,
        app.sign_in_client(&home_only).await,
        app.sign_in_client(&every_section).await,
        app.sign_in_client(&org_admin).await,
        app.sign_in(&own.owner).await,
    ];
    let other = app.organization(&own, "Other").await;
    let foreign_organization = app.organization(&foreign, "Foreign").await;
    Fixture {
        own,
        foreign,
        client,
        other,
        foreign_organization,
        callers,
    }
}

/// Calls `operation` as `caller`, on a fresh target in `target` where it needs one.
async fn call(app: &TestApp, operation: &str, caller: &Credentials, target: &Target<'_>) -> u16 {
    let organization = target.organization;
    let target = target.workspace;
    let mut raw_body = None;
    let (method, path, body) = match operation {
        "getHealth" => (Method::GET, "/healthz".to_owned(), None),
        "getReadiness" => (Method::GET, "/readyz".to_owned(), None),
        "signIn" => {
            let someone = app
                .member(target, &unique("signer"), MemberRole::Member)
                .await;
            let body = json!({ "email": someone.email, "password": clientele_testkit::PASSWORD });
            (Method::POST, "/api/v1/sessions".to_owned(), Some(body))
        }
        "signInClientUser" => {
            let organization = app.organization(target, "Signers").await;
            let someone = app
                .client_user(target, organization, &unique("client"), &[Permission::Home])
                .await;
            let body = json!({ "workspace": someone.workspace_slug, "email": someone.email, "password": clientele_testkit::PASSWORD });
            (
                Method::POST,
                "/api/v1/dashboard/sessions".to_owned(),
                Some(body),
            )
        }
        "signOut" => (Method::DELETE, "/api/v1/sessions/current".to_owned(), None),
        "getMe" => (Method::GET, "/api/v1/me".to_owned(), None),
        "getTwoFactor" => (Method::GET, "/api/v1/me/two-factor".to_owned(), None),
        "beginTwoFactor" => (Method::POST, "/api/v1/me/two-factor".to_owned(), None),
        "confirmTwoFactor" => (
            Method::POST,
            "/api/v1/me/two-factor/confirm".to_owned(),
            Some(json!({ "code": "000000" })),
        ),
        "disableTwoFactor" => (
            Method::POST,
            "/api/v1/me/two-factor/disable".to_owned(),
            Some(json!({ "code": "000000" })),
        ),
        "regenerateRecoveryCodes" => (
            Method::POST,
            "/api/v1/me/two-factor/recovery-codes".to_owned(),
            Some(json!({ "code": "000000" })),
        ),
        "resetMemberTwoFactor" => {
            let someone = app
                .member(target, &unique("target"), MemberRole::Member)
                .await;
            (
                Method::DELETE,
                format!("/api/v1/members/{}/two-factor", someone.id),
                None,
            )
        }
        "completeSecondFactor" => (
            Method::POST,
            "/api/v1/sessions/second-factor".to_owned(),
            Some(json!({ "challenge": "forged", "code": "000000" })),
        ),
        "getWorkspaceSecurity" => (Method::GET, "/api/v1/workspace/security".to_owned(), None),
        "putWorkspaceSecurity" => (
            Method::PUT,
            "/api/v1/workspace/security".to_owned(),
            Some(json!({ "require_two_factor": false })),
        ),
        "getOrganizationSecurity" => (
            Method::GET,
            format!("/api/v1/organizations/{organization}/security"),
            None,
        ),
        "putOrganizationSecurity" => (
            Method::PUT,
            format!("/api/v1/organizations/{organization}/security"),
            Some(json!({ "require_two_factor": false })),
        ),
        "listMembers" => (Method::GET, "/api/v1/members".to_owned(), None),
        "addMember" => {
            let email = format!("{}@example.test", unique("new"));
            let body = json!({ "name": "New Person", "email": email, "role": "member", "password": clientele_testkit::PASSWORD });
            (Method::POST, "/api/v1/members".to_owned(), Some(body))
        }
        "changeMemberRole" => {
            let someone = app
                .member(target, &unique("target"), MemberRole::Member)
                .await;
            (
                Method::PATCH,
                format!("/api/v1/members/{}", someone.id),
                Some(json!({ "role": "admin" })),
            )
        }
        "removeMember" => {
            let someone = app
                .member(target, &unique("target"), MemberRole::Member)
                .await;
            (
                Method::DELETE,
                format!("/api/v1/members/{}", someone.id),
                None,
            )
        }
        "transferOwnership" => {
            let someone = app.member(target, &unique("heir"), MemberRole::Admin).await;
            (
                Method::POST,
                "/api/v1/workspace/owner".to_owned(),
                Some(json!({ "member_id": someone.id })),
            )
        }
        "listApiKeys" => (Method::GET, "/api/v1/api-keys".to_owned(), None),
        "createApiKey" => (
            Method::POST,
            "/api/v1/api-keys".to_owned(),
            Some(json!({ "name": "CI", "role": "member" })),
        ),
        "revokeApiKey" => {
            let (key, _) = app
                .app
                .create_api_key(
                    &target.owner.actor(),
                    "doomed",
                    MemberRole::Member,
                    &Default::default(),
                )
                .await
                .unwrap();
            (Method::DELETE, format!("/api/v1/api-keys/{}", key.id), None)
        }
        "listActivity" => (Method::GET, "/api/v1/activity".to_owned(), None),
        "listOrganizations" => (Method::GET, "/api/v1/organizations".to_owned(), None),
        "createOrganization" => (
            Method::POST,
            "/api/v1/organizations".to_owned(),
            Some(json!({ "name": unique("Client ") })),
        ),
        "getOrganization" => (
            Method::GET,
            format!("/api/v1/organizations/{organization}"),
            None,
        ),
        "updateOrganization" => (
            Method::PATCH,
            format!("/api/v1/organizations/{organization}"),
            Some(json!({ "name": unique("Renamed ") })),
        ),
        "deleteOrganization" => {
            let name = unique("Doomed ");
            let doomed = app
                .app
                .create_organization(
                    &target.owner.actor(),
                    clientele_app::clients::organizations::NewOrganizationInput {
                        name: name.clone(),
                        logo_image_id: None,
                    },
                    &Default::default(),
                )
                .await
                .unwrap();
            (
                Method::DELETE,
                format!(
                    "/api/v1/organizations/{}?confirm={}",
                    doomed.id,
                    name.replace(' ', "%20")
                ),
                None,
            )
        }
        "getOrganizationSettings" => (
            Method::GET,
            format!("/api/v1/organizations/{organization}/settings"),
            None,
        ),
        "updateOrganizationSettings" => {
            let mut settings = default_settings();
            settings["layout"] = json!(
                if UNIQUE.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
                    "horizontal"
                } else {
                    "vertical"
                }
            );
            (
                Method::PUT,
                format!("/api/v1/organizations/{organization}/settings"),
                Some(settings),
            )
        }
        "listOrganizationAgents" => (
            Method::GET,
            format!("/api/v1/organizations/{organization}/agents"),
            None,
        ),
        "listAgents" => (Method::GET, "/api/v1/agents".to_owned(), None),
        "createAgent" => (
            Method::POST,
            "/api/v1/agents".to_owned(),
            Some(json!({ "name": "Receptionist", "kind": "voice" })),
        ),
        "upsertAgent" => (
            Method::PUT,
            format!("/api/v1/agents/by-external-ref/{}", unique("runtime-")),
            Some(json!({ "name": "Receptionist", "kind": "chat" })),
        ),
        "getAgent" | "updateAgent" | "deleteAgent" | "assignAgent" | "unassignAgent" => {
            let agent = app.agent(target, "Helper").await;
            if operation == "unassignAgent" {
                app.app
                    .assign_agent(
                        &target.owner.actor(),
                        agent,
                        organization,
                        false,
                        &Default::default(),
                    )
                    .await
                    .unwrap();
            }
            let path = format!("/api/v1/agents/{agent}");
            match operation {
                "getAgent" => (Method::GET, path, None),
                "updateAgent" => (
                    Method::PATCH,
                    path,
                    Some(json!({ "description": "Answers calls" })),
                ),
                "deleteAgent" => (Method::DELETE, path, None),
                "assignAgent" => (
                    Method::PUT,
                    format!("{path}/organization"),
                    Some(json!({ "organization_id": organization })),
                ),
                _ => (Method::DELETE, format!("{path}/organization"), None),
            }
        }
        "uploadImage" => {
            let size = u32::try_from(UNIQUE.fetch_add(1, Ordering::Relaxed) % 4000).unwrap() + 1;
            raw_body = Some(("image/png", png(size, 7)));
            (Method::POST, "/api/v1/images".to_owned(), None)
        }
        "listClientUsers" | "createClientUser" => {
            let path = format!("/api/v1/organizations/{organization}/users");
            match operation {
                "listClientUsers" => (Method::GET, path, None),
                _ => {
                    let email = format!("{}@client.test", unique("user"));
                    let body =
                        json!({ "name": "Dana Reyes", "email": email, "permissions": ["home"] });
                    (Method::POST, path, Some(body))
                }
            }
        }
        "importClientUsers" => {
            let file = format!(
                "name,email\nDana Reyes,{}@client.test\n",
                unique("imported")
            );
            raw_body = Some(("text/csv", file.into_bytes()));
            let path = format!("/api/v1/organizations/{organization}/users/import");
            (Method::POST, path, None)
        }
        "getAccessReport" => (
            Method::GET,
            format!("/api/v1/organizations/{organization}/access-report"),
            None,
        ),
        "searchClientUsers" => (
            Method::GET,
            "/api/v1/client-users?email=user".to_owned(),
            None,
        ),
        "getClientUser"
        | "updateClientUser"
        | "deleteClientUser"
        | "disableClientUser"
        | "enableClientUser"
        | "resetClientUserTwoFactor"
        | "listClientUserTeams" => {
            let user = app
                .client_user(
                    target,
                    organization,
                    &unique("subject"),
                    &[Permission::Home],
                )
                .await;
            let path = format!("/api/v1/client-users/{}", user.id);
            match operation {
                "getClientUser" => (Method::GET, path, None),
                "updateClientUser" => (
                    Method::PATCH,
                    path,
                    Some(json!({ "name": unique("Renamed ") })),
                ),
                "deleteClientUser" => (Method::DELETE, path, None),
                "disableClientUser" => (Method::POST, format!("{path}/disable"), None),
                "enableClientUser" => (Method::POST, format!("{path}/enable"), None),
                "resetClientUserTwoFactor" => (Method::DELETE, format!("{path}/two-factor"), None),
                _ => (Method::GET, format!("{path}/teams"), None),
            }
        }
        "listPermissionPresets" => (Method::GET, "/api/v1/permission-presets".to_owned(), None),
        "listTeams" => (
            Method::GET,
            format!("/api/v1/organizations/{organization}/teams"),
            None,
        ),
        "createTeam" => (
            Method::POST,
            format!("/api/v1/organizations/{organization}/teams"),
            Some(json!({ "name": unique("Support ") })),
        ),
        "getTeam" | "updateTeam" | "deleteTeam" | "putTeamMember" | "removeTeamMember" => {
            let team = app.team(target, organization, &unique("Team ")).await;
            let path = format!("/api/v1/teams/{team}");
            let user = app
                .client_user(
                    target,
                    organization,
                    &unique("teammate"),
                    &[Permission::Home],
                )
                .await;
            match operation {
                "getTeam" => (Method::GET, path, None),
                "updateTeam" => (
                    Method::PATCH,
                    path,
                    Some(json!({ "description": "Tier 2" })),
                ),
                "deleteTeam" => (Method::DELETE, path, None),
                "putTeamMember" => (
                    Method::PUT,
                    format!("{path}/members/{}", user.id),
                    Some(json!({ "role": "lead" })),
                ),
                _ => {
                    app.app
                        .put_team_member(
                            &target.owner.actor(),
                            team,
                            user.id,
                            None,
                            &Default::default(),
                        )
                        .await
                        .unwrap();
                    (Method::DELETE, format!("{path}/members/{}", user.id), None)
                }
            }
        }
        "getImage" => {
            let image = app
                .app
                .upload_image(&target.owner.actor(), &png(3, 3), None, &Default::default())
                .await
                .unwrap();
            (Method::GET, format!("/images/{}", image.id), None)
        }
        "getBrand" => (Method::GET, "/api/v1/workspace/brand".to_owned(), None),
        "putBrand" => (
            Method::PUT,
            "/api/v1/workspace/brand".to_owned(),
            Some(
                json!({ "product_name": unique("Acme AI "), "primary_color": "#112233", "accent_color": "#445566" }),
            ),
        ),
        "verifyDashboardDomain" => (
            Method::POST,
            "/api/v1/workspace/brand/domains/dash.example.test/verify".to_owned(),
            None,
        ),
        "getEmailSettings" => (
            Method::GET,
            "/api/v1/workspace/email-settings".to_owned(),
            None,
        ),
        "putEmailSettings" => (
            Method::PUT,
            "/api/v1/workspace/email-settings".to_owned(),
            Some(json!({ "sender_name": unique("Acme "), "sender_address": "hello@acme.test" })),
        ),
        "sendTestEmail" => (
            Method::POST,
            "/api/v1/workspace/email-settings/test".to_owned(),
            Some(json!({ "to": "someone@example.test" })),
        ),
        "listEmailTemplates" => (
            Method::GET,
            "/api/v1/workspace/email-templates".to_owned(),
            None,
        ),
        "getEmailTemplate" | "putEmailTemplate" | "resetEmailTemplate" | "previewEmailTemplate" => {
            let path = "/api/v1/workspace/email-templates/invitation/fr".to_owned();
            match operation {
                "getEmailTemplate" => (Method::GET, path, None),
                "putEmailTemplate" => (
                    Method::PUT,
                    path,
                    Some(
                        json!({ "subject": "Bienvenue sur {{ product_name }}", "html": "<p>{{ link }}</p>", "text": "{{ link }}" }),
                    ),
                ),
                "resetEmailTemplate" => (Method::DELETE, path, None),
                _ => (Method::POST, format!("{path}/preview"), Some(json!({}))),
            }
        }
        "listOutbox" => (Method::GET, "/api/v1/outbox".to_owned(), None),
        "getOutboxMessage" => {
            let sent = invite_someone(app, target).await;
            (
                Method::GET,
                format!("/api/v1/outbox/{}", sent.outbox_id),
                None,
            )
        }
        "inviteClientUser" | "previewClientUser" => {
            let user = app
                .client_user(
                    target,
                    organization,
                    &unique("invitee"),
                    &[Permission::Home],
                )
                .await;
            let action = if operation == "inviteClientUser" {
                "invitation"
            } else {
                "preview"
            };
            (
                Method::POST,
                format!("/api/v1/client-users/{}/{action}", user.id),
                None,
            )
        }
        "listMemberInvitations" => (Method::GET, "/api/v1/member-invitations".to_owned(), None),
        "inviteMember" => (
            Method::POST,
            "/api/v1/member-invitations".to_owned(),
            Some(
                json!({ "email": format!("{}@agency.test", unique("invitee")), "role": "member" }),
            ),
        ),
        "revokeMemberInvitation" => {
            let sent = invite_someone(app, target).await;
            (
                Method::DELETE,
                format!("/api/v1/member-invitations/{}", sent.id),
                None,
            )
        }
        "getInvitation" | "acceptInvitation" => {
            let sent = invite_someone(app, target).await;
            let token = emailed_token(app, target, sent.outbox_id).await;
            match operation {
                "getInvitation" => (
                    Method::GET,
                    format!("/api/v1/invitation?token={token}"),
                    None,
                ),
                _ => (
                    Method::POST,
                    "/api/v1/invitation/accept".to_owned(),
                    Some(
                        json!({ "token": token, "name": "New Colleague", "password": clientele_testkit::PASSWORD }),
                    ),
                ),
            }
        }
        "requestPasswordReset" => (
            Method::POST,
            "/api/v1/password-resets".to_owned(),
            Some(json!({ "email": format!("{}@agency.test", unique("forgetful")) })),
        ),
        "requestClientPasswordReset" => (
            Method::POST,
            "/api/v1/dashboard/password-resets".to_owned(),
            Some(
                json!({ "workspace": target.slug, "email": format!("{}@client.test", unique("forgetful")) }),
            ),
        ),
        "getPasswordReset" | "completePasswordReset" => {
            let someone = app
                .member(target, &unique("forgetful"), MemberRole::Member)
                .await;
            app.app
                .request_member_password_reset(&someone.email, &Default::default())
                .await
                .unwrap();
            let email = app.queued_to(target.id, &someone.email).await;
            let token = emailed_token(app, target, email).await;
            match operation {
                "getPasswordReset" => (
                    Method::GET,
                    format!("/api/v1/password-reset?token={token}"),
                    None,
                ),
                _ => (
                    Method::POST,
                    "/api/v1/password-reset/complete".to_owned(),
                    Some(json!({ "token": token, "password": "another Long passphrase 81" })),
                ),
            }
        }
        "getRuntimeConfiguration" => (Method::GET, "/runtime/v1/configuration".to_owned(), None),
        "listConversations" => (
            Method::GET,
            format!("/api/v1/conversations?organization_id={organization}"),
            None,
        ),
        "getConversation" | "exportConversation" => {
            let (_, id) = app
                .conversation(
                    target,
                    organization,
                    &unique("chat-"),
                    &["Hello", "Hi there"],
                )
                .await;
            let path = match operation {
                "getConversation" => format!("/api/v1/conversations/{id}"),
                _ => format!("/api/v1/conversations/{id}/export?format=text"),
            };
            (Method::GET, path, None)
        }
        "reportRuntimeEvents" => {
            let event = json!({ "id": unique("evt-"), "type": "message", "conversation_id": "c-1", "role": "contact", "text": "Hello", "occurred_at": "2026-01-01T10:00:00Z" });
            (
                Method::POST,
                "/runtime/v1/events".to_owned(),
                Some(json!({ "events": [event] })),
            )
        }
        "listRuntimeKeys" | "issueRuntimeKey" | "revokeRuntimeKeys" => {
            let agent = app.agent(target, "Runtime").await;
            app.runtime_key(target, agent).await;
            let path = format!("/api/v1/agents/{agent}/runtime-keys");
            match operation {
                "listRuntimeKeys" => (Method::GET, path, None),
                "issueRuntimeKey" => (Method::POST, path, Some(json!({ "overlap_seconds": 60 }))),
                _ => (Method::DELETE, path, None),
            }
        }
        "getWebhook"
        | "setWebhook"
        | "rotateWebhookSecret"
        | "testWebhook"
        | "listWebhookEvents"
        | "replayWebhookEvent" => {
            let agent = app.agent(target, "Hooked").await;
            let owner = target.owner.actor();
            // Nothing listens on the discard port: deliveries are attempted and fail.
            let url = Some("http://127.0.0.1:9/hook");
            app.app
                .set_webhook_url(&owner, agent, url, &Default::default())
                .await
                .unwrap();
            let path = format!("/api/v1/agents/{agent}/webhook");
            match operation {
                "getWebhook" => (Method::GET, path, None),
                "setWebhook" => (Method::PUT, path, Some(json!({ "url": null }))),
                "rotateWebhookSecret" => (Method::POST, format!("{path}/secret"), Some(json!({}))),
                "testWebhook" => (Method::POST, format!("{path}/test"), None),
                "listWebhookEvents" => (Method::GET, format!("{path}/events"), None),
                _ => {
                    let event = app
                        .app
                        .send_test_webhook(&owner, agent, &Default::default())
                        .await
                        .unwrap();
                    let replay = format!("{path}/events/{}/replay", event.id.as_uuid());
                    (Method::POST, replay, None)
                }
            }
        }
        "getRetention" => (Method::GET, "/api/v1/workspace/retention".to_owned(), None),
        "putRetention" => (
            Method::PUT,
            "/api/v1/workspace/retention".to_owned(),
            Some(json!({ "transcript_retention_days": null })),
        ),
        "eraseContact" => (
            Method::POST,
            "/api/v1/contacts/erasure".to_owned(),
            Some(json!({ "email": format!("{}@contact.test", unique("erased")) })),
        ),
        "pullWebhookEvents" => (
            Method::GET,
            "/runtime/v1/webhook-events?after=0".to_owned(),
            None,
        ),
        other => panic!("operation {other} has no way to be called in the matrix test; add it"),
    };
    let mut request = app.request(caller, method, &path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some((content_type, bytes)) = raw_body {
        request = request.header("content-type", content_type).body(bytes);
    }
    request.send().await.unwrap().status().as_u16()
}

/// Invites a new member to `workspace` as its owner; the email waits in the outbox.
async fn invite_someone(
    app: &TestApp,
    workspace: &Workspace,
) -> clientele_app::identity::invitations::InvitationSent {
    let email = format!("{}@agency.test", unique("invitee"));
    app.app
        .invite_member(
            &workspace.owner.actor(),
            &email,
            MemberRole::Member,
            &Default::default(),
        )
        .await
        .unwrap()
}

/// The token of the link in an email of `workspace`'s outbox, as its recipient reads it.
async fn emailed_token(
    app: &TestApp,
    workspace: &Workspace,
    id: clientele_domain::OutboxId,
) -> String {
    app.received_token(workspace.id, id).await
}

fn documented_operations() -> Vec<String> {
    let document = serde_json::to_value(clientele_server::openapi()).unwrap();
    let mut operations = Vec::new();
    for (_, item) in document["paths"].as_object().unwrap() {
        for (_, operation) in item.as_object().unwrap() {
            operations.push(operation["operationId"].as_str().unwrap().to_owned());
        }
    }
    operations
}

#[test]
fn every_documented_operation_has_a_row_in_the_matrix() {
    for operation in documented_operations() {
        assert!(
            MATRIX.iter().any(|(name, ..)| *name == operation),
            "operation {operation} is not in the authorization matrix"
        );
    }
    assert_eq!(
        MATRIX.len(),
        documented_operations().len(),
        "the matrix has rows for operations that no longer exist"
    );
}

on_both_backends! {
    async fn every_operation_answers_every_caller_as_the_matrix_says(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let mut failures = Vec::new();
        for (operation, own, other, foreign) in MATRIX {
            let fixture = fixture(&app).await;
            let in_own = |organization| Target { workspace: &fixture.own, organization };
            let foreign_target = Target { workspace: &fixture.foreign, organization: fixture.foreign_organization };
            let scopes = [(*own, in_own(fixture.client), "own")]
                .into_iter()
                .chain(other.map(|o| (o, in_own(fixture.other), "another organization of the own")))
                .chain(foreign.map(|f| (f, foreign_target, "foreign")));
            for (expected, target, scope) in scopes {
                for ((caller, credentials), want) in CALLERS.iter().zip(&fixture.callers).zip(expected.split(' ')) {
                    let got = call(&app, operation, credentials, &target).await;
                    if got.to_string() != want {
                        failures.push(format!("{operation} as {caller} on {scope} workspace: got {got}, want {want}"));
                    }
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

/// The settings document of a new organization.
fn default_settings() -> serde_json::Value {
    json!({
        "language": "en",
        "layout": "vertical",
        "handoff": { "enabled": false, "smart_handoff": false, "show_handoff_messages": false },
        "canned_responses": false,
        "billing": { "client_billing_enabled": false, "state": "none" },
        "enabled_sections": ["home", "conversations", "analytics", "knowledge_base", "channels", "prompt", "settings", "custom_tabs", "billing"],
    })
}
