//! How a workspace speaks to its clients by email: its brand and dashboard domains, its email
//! settings and test send, its templates in every language, and the outbox that delivers
//! what it sends, including while the mail server is down or not set up yet.

use clientele_domain::{MemberRole, OrganizationId};
use clientele_testkit::{Backend, Credentials, SmtpSink, TestApp, on_both_backends};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

const SMTP_PASSWORD: &str = "s3cret-smtp-pass";

/// Sends a request; the status and the JSON body (`null` when there is none).
async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
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

/// The fields a problem names, in order.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// Email settings that send through the local SMTP server on `port`.
fn smtp_settings(port: u16) -> Value {
    json!({
        "sender_name": "Acme AI",
        "sender_address": "hello@acme-ai.test",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_tls": "none",
    })
}

/// Points the workspace's email at the local SMTP server on `port`, as its owner.
async fn use_smtp(app: &TestApp, owner: &Credentials, port: u16) {
    let (status, body) = send(
        app.request(owner, Method::PUT, "/api/v1/workspace/email-settings")
            .json(&smtp_settings(port)),
    )
    .await;
    assert_eq!(status, 200, "saving the email settings: {body}");
}

/// A brand called `product_name` served at `dashboard_domains`.
fn brand(product_name: &str, dashboard_domains: &[&str]) -> Value {
    json!({
        "product_name": product_name,
        "primary_color": "#4f46e5",
        "accent_color": "#0ea5e9",
        "dashboard_domains": dashboard_domains,
    })
}

/// Replaces the brand as `caller`; anything but 200 fails the test.
async fn set_brand(app: &TestApp, caller: &Credentials, brand: &Value) -> Value {
    let (status, body) = send(
        app.request(caller, Method::PUT, "/api/v1/workspace/brand")
            .json(brand),
    )
    .await;
    assert_eq!(status, 200, "saving the brand {brand}: {body}");
    body
}

async fn get_brand(app: &TestApp, caller: &Credentials) -> Value {
    let (status, body) = send(app.request(caller, Method::GET, "/api/v1/workspace/brand")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Sets an organization's language, keeping the rest of its settings.
async fn set_language(
    app: &TestApp,
    owner: &Credentials,
    organization: OrganizationId,
    language: &str,
) {
    let path = format!("/api/v1/organizations/{organization}/settings");
    let (status, mut settings) = send(app.request(owner, Method::GET, &path)).await;
    assert_eq!(status, 200, "{settings}");
    settings["language"] = json!(language);
    let (status, body) = send(app.request(owner, Method::PUT, &path).json(&settings)).await;
    assert_eq!(status, 200, "setting the language: {body}");
}

/// Adds a user without a password (so `invited`) to `organization`.
async fn invited_user(
    app: &TestApp,
    owner: &Credentials,
    organization: OrganizationId,
    name: &str,
    email: &str,
) -> Value {
    let (status, user) = send(
        app.request(
            owner,
            Method::POST,
            &format!("/api/v1/organizations/{organization}/users"),
        )
        .json(&json!({ "name": name, "email": email })),
    )
    .await;
    assert_eq!(status, 201, "creating {email}: {user}");
    assert_eq!(user["status"], "invited");
    user
}

/// Sends (or resends) a user's invitation; anything but 201 fails the test.
async fn invite(app: &TestApp, caller: &Credentials, user: &Value) -> Value {
    let path = format!(
        "/api/v1/client-users/{}/invitation",
        user["id"].as_str().unwrap()
    );
    let (status, invitation) = send(app.request(caller, Method::POST, &path)).await;
    assert_eq!(status, 201, "inviting {}: {invitation}", user["email"]);
    invitation
}

/// One email of the outbox, with its bodies.
async fn outbox_message(app: &TestApp, owner: &Credentials, id: &str) -> Value {
    let (status, message) =
        send(app.request(owner, Method::GET, &format!("/api/v1/outbox/{id}"))).await;
    assert_eq!(status, 200, "{message}");
    message
}

/// Reads an outbox email until `done` holds for it (fails the test after ten seconds).
async fn wait_for_message(
    app: &TestApp,
    owner: &Credentials,
    id: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let message = outbox_message(app, owner, id).await;
        if done(&message) {
            return message;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the email was never {what}: {message}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The token a link carries.
fn token_of(link: &str) -> String {
    link.split_once("token=")
        .map(|(_, rest)| rest.split(['&', '"', '<', '\'']).next().unwrap_or_default())
        .filter(|token| !token.is_empty())
        .unwrap_or_else(|| panic!("no token in {link}"))
        .to_owned()
}

/// The `(kind, language)` of every template a list holds.
fn template_keys(list: &Value) -> Vec<(String, String)> {
    list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["language"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn customized(list: &Value) -> Vec<(String, String)> {
    list["templates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["customized"] == true)
        .map(|t| {
            (
                t["kind"].as_str().unwrap().to_owned(),
                t["language"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

const TEMPLATES: &str = "/api/v1/workspace/email-templates";

on_both_backends! {
    async fn a_workspace_shows_its_own_name_until_it_sets_a_brand_that_members_may_only_read(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let member = app.member(&workspace, "mia", MemberRole::Member).await;
        let member = app.sign_in(&member).await;

        let before = get_brand(&app, &owner).await;
        assert_eq!(before["product_name"], "Agency acme", "the workspace's name stands in: {before}");
        assert_eq!(before["primary_color"], "#4f46e5");
        assert_eq!(before["accent_color"], "#0ea5e9");
        assert!(before["support_email"].is_null());
        assert!(before["console_url"].is_null());
        assert_eq!(before["dashboard_domains"], json!([]));

        let saved = set_brand(&app, &owner, &json!({
            "product_name": "Acme AI",
            "primary_color": "#FF8800",
            "accent_color": "#0ea5e9",
            "support_email": "help@acme-ai.test",
            "console_url": "https://console.acme-ai.test",
            "dashboard_domains": ["Dash.Acme-AI.test", "portal.acme-ai.test"],
        })).await;
        assert_eq!(saved["product_name"], "Acme AI");
        assert_eq!(saved["primary_color"], "#ff8800", "colours are kept in lowercase");
        assert_eq!(saved["support_email"], "help@acme-ai.test");
        assert_eq!(saved["console_url"], "https://console.acme-ai.test");
        assert_eq!(saved["dashboard_domains"], json!(["dash.acme-ai.test", "portal.acme-ai.test"]), "the primary domain stays first");
        assert!(saved["logo_image_id"].is_null());
        assert_eq!(get_brand(&app, &owner).await, saved, "a later read shows what was saved");
        assert_eq!(get_brand(&app, &member).await, saved, "every agency account may read the brand");

        let (status, problem) = send(app.request(&member, Method::PUT, "/api/v1/workspace/brand")
            .json(&brand("Mine now", &[]))).await;
        assert_eq!(status, 403, "{problem}");
        assert_eq!(get_brand(&app, &owner).await, saved, "nothing changed");

        let reordered = set_brand(&app, &owner, &json!({
            "product_name": "Acme AI",
            "primary_color": "#ff8800",
            "accent_color": "#0ea5e9",
            "dashboard_domains": ["portal.acme-ai.test", "dash.acme-ai.test"],
        })).await;
        assert_eq!(reordered["dashboard_domains"], json!(["portal.acme-ai.test", "dash.acme-ai.test"]), "saving its own domains again is no conflict");
        assert!(reordered["support_email"].is_null(), "the brand is replaced as a whole");

        let log = entries(&app, &owner, "action=workspace.brand_updated").await;
        assert_eq!(log.len(), 2, "{log:?}");
        assert_eq!(log[1]["actor"]["id"], json!(workspace.owner.id));
        assert_eq!(log[1]["changes"]["product_name"]["after"], "Acme AI");
    }

    async fn an_invalid_brand_is_refused_field_by_field_and_changes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let saved = set_brand(&app, &owner, &brand("Acme AI", &["dash.acme-ai.test"])).await;

        let mut bad_colour = brand("Acme AI", &[]);
        bad_colour["primary_color"] = json!("red");
        let (status, problem) = send(app.request(&owner, Method::PUT, "/api/v1/workspace/brand").json(&bad_colour)).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(fields(&problem), ["primary_color"], "{problem}");
        assert_eq!(problem["status"], 422);
        assert!(problem["type"].is_string() && problem["title"].is_string(), "an RFC 9457 problem: {problem}");

        for hostname in ["https://dash.acme-ai.test", "dash.acme-ai.test:8443", "dash.acme-ai.test/path", "localhost"] {
            let (status, problem) = send(app.request(&owner, Method::PUT, "/api/v1/workspace/brand")
                .json(&brand("Acme AI", &[hostname]))).await;
            assert_eq!(status, 422, "{hostname}: {problem}");
            assert_eq!(fields(&problem), ["dashboard_domains[0]"], "{hostname}: {problem}");
        }
        let (status, problem) = send(app.request(&owner, Method::PUT, "/api/v1/workspace/brand")
            .json(&brand("Acme AI", &["dash.acme-ai.test", "DASH.acme-ai.test"]))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(fields(&problem), ["dashboard_domains[1]"], "a hostname listed twice: {problem}");

        let mut several = brand("", &["ok.acme-ai.test", "not a host"]);
        several["accent_color"] = json!("#12345");
        let (status, problem) = send(app.request(&owner, Method::PUT, "/api/v1/workspace/brand").json(&several)).await;
        assert_eq!(status, 422, "{problem}");
        let named = fields(&problem);
        for field in ["product_name", "accent_color", "dashboard_domains[1]"] {
            assert!(named.contains(&field), "{field} is named: {problem}");
        }

        assert_eq!(get_brand(&app, &owner).await, saved, "nothing changed");
        assert_eq!(entries(&app, &owner, "action=workspace.brand_updated").await.len(), 1);
    }

    async fn a_dashboard_hostname_answers_only_for_the_workspace_that_proves_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let acme = app.workspace("acme").await;
        let rival = app.workspace("rival").await;
        let acme_owner = app.sign_in(&acme.owner).await;
        let rival_owner = app.sign_in(&rival.owner).await;
        let claimed = set_brand(&app, &acme_owner, &brand("Acme AI", &["dash.acme-ai.test"])).await;
        assert_eq!(claimed["domains"][0]["verified"], false, "{claimed}");
        assert_eq!(claimed["domains"][0]["txt_name"], "_clientele-challenge.dash.acme-ai.test");
        let serves = |workspace: &'static str| {
            let app = &app;
            async move {
                let page = app.client().get(app.url("/sign-in")).header("host", "dash.acme-ai.test").send().await.unwrap();
                page.text().await.unwrap().contains(workspace)
            }
        };
        assert!(!serves("Acme AI").await, "a claim alone serves nothing");

        // A pending claim reserves nothing: the rival may claim it too, but not prove it.
        let theirs = set_brand(&app, &rival_owner, &brand("Rival AI", &["rival.example.com", "DASH.acme-ai.test"])).await;
        assert_eq!(theirs["dashboard_domains"], json!(["rival.example.com", "dash.acme-ai.test"]));
        let verify = "/api/v1/workspace/brand/domains/dash.acme-ai.test/verify";
        let (status, problem) = send(app.request(&rival_owner, Method::POST, verify)).await;
        assert_eq!(status, 409, "no TXT record of theirs: {problem}");
        app.dns.add_txt("_clientele-challenge.dash.acme-ai.test", claimed["domains"][0]["txt_value"].as_str().unwrap());
        let (status, problem) = send(app.request(&rival_owner, Method::POST, verify)).await;
        assert_eq!(status, 409, "the owner's record does not prove the rival's claim: {problem}");

        let (status, verified) = send(app.request(&acme_owner, Method::POST, verify)).await;
        assert_eq!(status, 200, "{verified}");
        assert_eq!(verified["domains"][0]["verified"], true);
        assert!(serves("Acme AI").await, "the proven domain serves its workspace");
        let log = entries(&app, &acme_owner, "action=workspace.domain_verified").await;
        assert_eq!(log.len(), 1, "{log:?}");

        let rival_claim = get_brand(&app, &rival_owner).await["domains"][1].clone();
        app.dns.add_txt("_clientele-challenge.dash.acme-ai.test", rival_claim["txt_value"].as_str().unwrap());
        let (status, problem) = send(app.request(&rival_owner, Method::POST, verify)).await;
        assert_eq!(status, 409, "verified by another workspace first: {problem}");
        assert!(serves("Acme AI").await);

        // Saving the brand again keeps what was proven.
        let again = set_brand(&app, &acme_owner, &brand("Acme Agents", &["portal.acme-ai.test", "dash.acme-ai.test"])).await;
        assert_eq!(again["domains"][1]["verified"], true, "{again}");
        assert_eq!(again["domains"][0]["verified"], false, "{again}");
    }

    async fn addresses_and_hosts_that_are_not_a_workspaces_to_claim_are_refused(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let acme = app.workspace("acme").await;
        let rival = app.workspace("rival").await;
        let acme_owner = app.sign_in(&acme.owner).await;
        let rival_owner = app.sign_in(&rival.owner).await;
        let mut console = brand("Acme AI", &[]);
        console["console_url"] = json!("https://console.acme-ai.test");
        set_brand(&app, &acme_owner, &console).await;
        let own_host = app.url("").trim_start_matches("http://").split(':').next().unwrap().to_owned();
        for hostname in ["127.0.0.1", "10.0.0.8", "192.168.1.20.", "console.acme-ai.test", own_host.as_str()] {
            let (status, problem) = send(app.request(&rival_owner, Method::PUT, "/api/v1/workspace/brand")
                .json(&brand("Rival AI", &[hostname]))).await;
            assert_eq!(status, 422, "{hostname}: {problem}");
            assert_eq!(fields(&problem), ["dashboard_domains[0]"], "{hostname}: {problem}");
        }
    }

    async fn the_smtp_password_is_kept_but_never_shown(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let member = app.member(&workspace, "mia", MemberRole::Member).await;
        let member = app.sign_in(&member).await;
        let path = "/api/v1/workspace/email-settings";

        let (status, unset) = send(app.request(&owner, Method::GET, path)).await;
        assert_eq!(status, 200, "{unset}");
        assert_eq!(unset["configured"], false);
        assert_eq!(unset["smtp_password_set"], false);

        let settings = json!({
            "sender_name": "Acme AI",
            "sender_address": "hello@acme-ai.test",
            "reply_to": "support@acme-ai.test",
            "smtp_host": "smtp.acme-ai.test",
            "smtp_port": 2525,
            "smtp_username": "mailer",
            "smtp_password": SMTP_PASSWORD,
            "smtp_tls": "starttls",
        });
        let response = app.request(&owner, Method::PUT, path).json(&settings).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(!text.contains(SMTP_PASSWORD), "the password is not echoed: {text}");
        let saved: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(saved["configured"], true);
        assert_eq!(saved["smtp_password_set"], true);
        assert_eq!(saved["smtp_username"], "mailer");
        assert_eq!(saved["smtp_port"], 2525);
        assert_eq!(saved["smtp_tls"], "starttls");
        assert!(saved.get("smtp_password").is_none(), "{saved}");

        let response = app.request(&owner, Method::GET, path).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        assert!(!text.contains(SMTP_PASSWORD), "the password is not shown: {text}");
        let read: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read, saved);

        let mut without_password = settings.clone();
        without_password.as_object_mut().unwrap().remove("smtp_password");
        without_password["sender_name"] = json!("Acme AI Support");
        let (status, kept) = send(app.request(&owner, Method::PUT, path).json(&without_password)).await;
        assert_eq!(status, 200, "{kept}");
        assert_eq!(kept["smtp_password_set"], true, "leaving the password out keeps it");
        assert_eq!(kept["sender_name"], "Acme AI Support");

        let mut invalid = without_password.clone();
        invalid["smtp_host"] = json!("https://smtp.acme-ai.test");
        invalid["sender_address"] = json!("not an address");
        let (status, problem) = send(app.request(&owner, Method::PUT, path).json(&invalid)).await;
        assert_eq!(status, 422, "{problem}");
        let named = fields(&problem);
        assert!(named.contains(&"smtp_host") && named.contains(&"sender_address"), "{problem}");
        let (_, unchanged) = send(app.request(&owner, Method::GET, path)).await;
        assert_eq!(unchanged, kept, "nothing changed");

        let (status, problem) = send(app.request(&member, Method::GET, path)).await;
        assert_eq!(status, 403, "members do not see the email settings: {problem}");

        let log = entries(&app, &owner, "action=workspace.email_settings_updated").await;
        assert_eq!(log.len(), 2);
        assert!(!Value::Array(log.clone()).to_string().contains(SMTP_PASSWORD), "the log never holds the password");
        assert_eq!(log[1]["changes"]["smtp_password_set"]["after"], "true", "{}", log[1]);

        let mut removed = without_password.clone();
        removed["smtp_password"] = json!("");
        let (status, cleared) = send(app.request(&owner, Method::PUT, path).json(&removed)).await;
        assert_eq!(status, 200, "{cleared}");
        assert_eq!(cleared["smtp_password_set"], false, "an empty password removes it");
    }

    async fn a_test_email_reaches_the_mail_server_and_reports_its_answer(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let member = app.member(&workspace, "mia", MemberRole::Member).await;
        let member = app.sign_in(&member).await;
        set_brand(&app, &owner, &brand("Acme AI", &[])).await;
        let test_path = "/api/v1/workspace/email-settings/test";

        let (status, problem) = send(app.request(&owner, Method::POST, test_path).json(&json!({ "to": "ops@acme-ai.test" }))).await;
        assert_eq!(status, 409, "nothing to send with yet: {problem}");

        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        let (status, answer) = send(app.request(&owner, Method::POST, test_path).json(&json!({ "to": "ops@acme-ai.test" }))).await;
        assert_eq!(status, 200, "{answer}");
        assert!(answer["response"].as_str().unwrap().starts_with("250"), "{answer}");

        let received = sink.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(received.len(), 1);
        let mail = &received[0];
        assert_eq!(mail.to, ["ops@acme-ai.test"]);
        assert_eq!(mail.from, "hello@acme-ai.test");
        let from = mail.header("from").unwrap();
        assert!(from.contains("Acme AI") && from.contains("hello@acme-ai.test"), "{from}");
        assert_eq!(mail.subject(), "Acme AI: test email");
        assert!(mail.text().contains("Acme AI"), "{}", mail.text());

        let (status, problem) = send(app.request(&owner, Method::POST, test_path).json(&json!({ "to": "not an address" }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(fields(&problem), ["to"]);
        let (status, _) = send(app.request(&member, Method::POST, test_path).json(&json!({ "to": "ops@acme-ai.test" }))).await;
        assert_eq!(status, 403);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.messages().len(), 1, "refused test sends send nothing");

        let (_, outbox) = send(app.request(&owner, Method::GET, "/api/v1/outbox")).await;
        assert_eq!(outbox["messages"], json!([]), "a test email does not go through the outbox");
    }

    async fn a_test_email_to_a_closed_port_fails_at_once_with_the_reason(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        // A port nothing listens on any more.
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        use_smtp(&app, &owner, port).await;

        let started = std::time::Instant::now();
        let (status, problem) = send(app.request(&owner, Method::POST, "/api/v1/workspace/email-settings/test")
            .json(&json!({ "to": "ops@acme-ai.test" }))).await;
        assert_eq!(status, 502, "{problem}");
        assert!(!problem["detail"].as_str().unwrap_or_default().trim().is_empty(), "the reason is given: {problem}");
        assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    }

    async fn a_mail_server_that_never_answers_fails_the_test_email_within_the_timeout(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        // Connections are accepted by the system but nothing ever greets them.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        use_smtp(&app, &owner, silent.local_addr().unwrap().port()).await;

        let started = std::time::Instant::now();
        let (status, problem) = send(app.request(&owner, Method::POST, "/api/v1/workspace/email-settings/test")
            .json(&json!({ "to": "ops@acme-ai.test" }))).await;
        assert_eq!(status, 502, "{problem}");
        assert!(!problem["detail"].as_str().unwrap_or_default().trim().is_empty(), "{problem}");
        // The test server's SMTP timeout is 3 s per step and 12 s for the whole exchange.
        assert!(started.elapsed() < Duration::from_secs(14), "took {:?}", started.elapsed());
        drop(silent);
    }

    async fn every_template_starts_built_in_in_five_languages(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let member = app.member(&workspace, "mia", MemberRole::Member).await;
        let member = app.sign_in(&member).await;

        let (status, list) = send(app.request(&owner, Method::GET, TEMPLATES)).await;
        assert_eq!(status, 200, "{list}");
        let mut keys = template_keys(&list);
        keys.sort();
        let mut expected = Vec::new();
        for kind in ["invitation", "password_reset", "account_changed"] {
            for language in ["de", "en", "es", "fr", "pt"] {
                expected.push((kind.to_owned(), language.to_owned()));
            }
        }
        expected.sort();
        assert_eq!(keys, expected);
        assert!(customized(&list).is_empty(), "{list}");
        for template in list["templates"].as_array().unwrap() {
            for part in ["subject", "html", "text"] {
                assert!(!template[part].as_str().unwrap().trim().is_empty(), "{template}");
            }
            assert!(template["text"].as_str().unwrap().contains("{{ link }}"), "{template}");
        }
        let placeholders: Vec<&str> = list["placeholders"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
        for placeholder in ["user_name", "organization_name", "product_name", "link", "expires_at"] {
            assert!(placeholders.contains(&placeholder), "{placeholder} in {placeholders:?}");
        }

        let (status, german) = send(app.request(&owner, Method::GET, &format!("{TEMPLATES}/invitation/de"))).await;
        assert_eq!(status, 200, "{german}");
        assert_eq!(german["subject"], "Einladung zu {{ product_name }}");
        assert_eq!(german["customized"], false);

        for path in ["/welcome/en", "/invitation/it", "/invitation/EN-us"] {
            let (status, _) = send(app.request(&owner, Method::GET, &format!("{TEMPLATES}{path}"))).await;
            assert_eq!(status, 404, "{path}");
        }
        let draft = json!({ "subject": "Hi", "html": "<p>{{ link }}</p>", "text": "{{ link }}" });
        let (status, _) = send(app.request(&owner, Method::PUT, &format!("{TEMPLATES}/invitation/it")).json(&draft)).await;
        assert_eq!(status, 404);
        let (status, _) = send(app.request(&owner, Method::PUT, &format!("{TEMPLATES}/welcome/en")).json(&draft)).await;
        assert_eq!(status, 404);
        let (status, _) = send(app.request(&owner, Method::POST, &format!("{TEMPLATES}/password_reset/zz/preview")).json(&json!({}))).await;
        assert_eq!(status, 404);
        let (status, _) = send(app.request(&owner, Method::DELETE, &format!("{TEMPLATES}/welcome/en"))).await;
        assert_eq!(status, 404);

        let (status, _) = send(app.request(&member, Method::GET, TEMPLATES)).await;
        assert_eq!(status, 403, "members do not manage templates");
        let (status, _) = send(app.request(&member, Method::PUT, &format!("{TEMPLATES}/invitation/en")).json(&draft)).await;
        assert_eq!(status, 403);
    }

    async fn a_template_with_a_syntax_error_or_an_unknown_placeholder_is_refused_and_not_saved(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let path = format!("{TEMPLATES}/invitation/es");
        let (_, built_in) = send(app.request(&owner, Method::GET, &path)).await;

        let (status, problem) = send(app.request(&owner, Method::PUT, &path).json(&json!({
            "subject": "Hola {{ user_name }}",
            "html": "<p>Hola</p>\n<p>{% if user_name %}abierto",
            "text": "Entra: {{ link }}",
        }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "html", "{problem}");
        let message = problem["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("line 2"), "the line is named: {message}");

        let (status, problem) = send(app.request(&owner, Method::PUT, &path).json(&json!({
            "subject": "Tu contraseña: {{ password }}",
            "html": "<p>{{ link }}</p>",
            "text": "{{ link }}",
        }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "subject", "{problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("password"), "{problem}");

        let (status, problem) = send(app.request(&owner, Method::PUT, &path).json(&json!({
            "subject": "   ",
            "html": "<p>{{ link }}</p>",
            "text": "{{ link }}",
        }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(fields(&problem), ["subject"], "{problem}");

        let (status, problem) = send(app.request(&owner, Method::PUT, &path).json(&json!({
            "subject": "Hola",
            "html": "<p>{{ link }}</p>",
        }))).await;
        assert_eq!(status, 422, "a missing part: {problem}");

        let (_, read) = send(app.request(&owner, Method::GET, &path)).await;
        assert_eq!(read, built_in, "nothing was saved");
        assert_eq!(read["customized"], false);
        let (_, list) = send(app.request(&owner, Method::GET, TEMPLATES)).await;
        assert!(customized(&list).is_empty(), "{list}");
        assert!(entries(&app, &owner, "action=workspace.email_template_saved").await.is_empty());
    }

    async fn a_template_preview_renders_in_the_workspace_brand_without_saving(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let mut northstar = brand("Northstar Portal", &[]);
        northstar["support_email"] = json!("care@northstar.test");
        set_brand(&app, &owner, &northstar).await;

        let (status, current) = send(app.request(&owner, Method::POST, &format!("{TEMPLATES}/invitation/en/preview")).json(&json!({}))).await;
        assert_eq!(status, 200, "{current}");
        assert_eq!(current["subject"], "You're invited to Northstar Portal");
        let text = current["text"].as_str().unwrap();
        assert!(text.contains("Northstar Portal"), "{text}");
        assert!(text.contains("care@northstar.test"), "the support address is the brand's: {text}");
        assert!(!text.contains("{{") && !text.contains("{%"), "every placeholder is filled: {text}");
        let html = current["html"].as_str().unwrap();
        assert!(html.contains("Northstar Portal"), "{html}");
        assert!(!html.contains("{{"), "{html}");

        let (status, french) = send(app.request(&owner, Method::POST, &format!("{TEMPLATES}/password_reset/fr/preview")).json(&json!({}))).await;
        assert_eq!(status, 200, "{french}");
        assert_eq!(french["subject"], "Réinitialisez votre mot de passe Northstar Portal");

        let draft = json!({
            "subject": "Draft for {{ user_name }} at {{ product_name }}",
            "html": "<p>Hello <b>{{ user_name }}</b></p>",
            "text": "Open {{ link }}",
        });
        let (status, rendered) = send(app.request(&owner, Method::POST, &format!("{TEMPLATES}/invitation/en/preview")).json(&draft)).await;
        assert_eq!(status, 200, "{rendered}");
        let user_name = "Ada Lovelace";
        assert_eq!(rendered["subject"], format!("Draft for {user_name} at Northstar Portal"));
        assert_eq!(rendered["html"], format!("<p>Hello <b>{user_name}</b></p>"));
        assert!(rendered["text"].as_str().unwrap().starts_with("Open http"), "{rendered}");

        let (status, problem) = send(app.request(&owner, Method::POST, &format!("{TEMPLATES}/invitation/en/preview")).json(&json!({
            "subject": "Hi {{ secret }}", "html": "<p>x</p>", "text": "x",
        }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "subject");
        let (status, problem) = send(app.request(&owner, Method::POST, &format!("{TEMPLATES}/invitation/en/preview")).json(&json!({
            "subject": "Only a subject",
        }))).await;
        assert_eq!(status, 422, "a draft comes whole: {problem}");

        let (_, list) = send(app.request(&owner, Method::GET, TEMPLATES)).await;
        assert!(customized(&list).is_empty(), "a preview saves nothing: {list}");
    }

    async fn a_customized_template_is_used_for_its_language_until_it_is_reset(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        set_brand(&app, &owner, &brand("Acme AI", &[])).await;
        let spanish = app.organization(&workspace, "Clínica Sol").await;
        set_language(&app, &owner, spanish, "es").await;
        let english = app.organization(&workspace, "Northwind").await;
        let ana = invited_user(&app, &owner, spanish, "Ana Ruiz", "ana@sol.test").await;
        let bob = invited_user(&app, &owner, english, "Bob Stone", "bob@northwind.test").await;

        let path = format!("{TEMPLATES}/invitation/es");
        let (status, saved) = send(app.request(&owner, Method::PUT, &path).json(&json!({
            "subject": "{{ user_name }}, te esperamos en {{ product_name }}",
            "html": "<p>Hola {{ user_name }}</p><p><a href=\"{{ link }}\">Entrar</a></p>",
            "text": "Hola {{ user_name }}, entra aquí: {{ link }}",
        }))).await;
        assert_eq!(status, 200, "{saved}");
        assert_eq!(saved["customized"], true);
        assert_eq!(saved["kind"], "invitation");
        assert_eq!(saved["language"], "es");
        let (_, read) = send(app.request(&owner, Method::GET, &path)).await;
        assert_eq!(read, saved);
        let (_, list) = send(app.request(&owner, Method::GET, TEMPLATES)).await;
        assert_eq!(customized(&list), [("invitation".to_owned(), "es".to_owned())]);

        invite(&app, &owner, &ana).await;
        let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(mail.to, ["ana@sol.test"]);
        assert_eq!(mail.subject(), "Ana Ruiz, te esperamos en Acme AI");
        let text = mail.text();
        assert!(text.starts_with("Hola Ana Ruiz, entra aqu"), "{text}");
        assert!(mail.link_containing("/invitation?token=").starts_with(&app.url("/invitation?token=")), "{text}");
        assert!(mail.part("text/html").unwrap().contains("Hola Ana Ruiz"));

        invite(&app, &owner, &bob).await;
        let mail = sink.wait_for(2, Duration::from_secs(10)).await.remove(1);
        assert_eq!(mail.to, ["bob@northwind.test"]);
        assert_eq!(mail.subject(), "You're invited to Acme AI", "other languages keep the built-in wording");

        let (status, reset) = send(app.request(&owner, Method::DELETE, &path)).await;
        assert_eq!(status, 200, "{reset}");
        assert_eq!(reset["customized"], false);
        assert_eq!(reset["subject"], "Te han invitado a {{ product_name }}");
        let (_, list) = send(app.request(&owner, Method::GET, TEMPLATES)).await;
        assert!(customized(&list).is_empty());

        invite(&app, &owner, &ana).await;
        let mail = sink.wait_for(3, Duration::from_secs(10)).await.remove(2);
        assert_eq!(mail.to, ["ana@sol.test"]);
        assert_eq!(mail.subject(), "Te han invitado a Acme AI", "the built-in Spanish wording is back");
        assert!(mail.text().contains("Ana Ruiz"), "{}", mail.text());

        let saved_log = entries(&app, &owner, "action=workspace.email_template_saved").await;
        assert_eq!(saved_log.len(), 1);
        assert_eq!(saved_log[0]["target"]["label"], "invitation (es)");
        assert_eq!(entries(&app, &owner, "action=workspace.email_template_reset").await.len(), 1);
        let (status, _) = send(app.request(&owner, Method::DELETE, &path)).await;
        assert_eq!(status, 200, "resetting a built-in template changes nothing");
        assert_eq!(entries(&app, &owner, "action=workspace.email_template_reset").await.len(), 1, "and logs nothing");
    }

    async fn an_invitation_goes_out_in_the_organizations_language(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        set_brand(&app, &owner, &brand("Acme AI", &[])).await;
        let organization = app.organization(&workspace, "Zahnarzt Berlin").await;
        set_language(&app, &owner, organization, "de").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;

        let invitation = invite(&app, &owner, &user).await;
        let mail = sink.wait_for(1, Duration::from_secs(10)).await.remove(0);
        assert_eq!(mail.subject(), "Einladung zu Acme AI");
        let text = mail.text();
        assert!(text.contains("Willkommen, Ada Lovelace"), "{text}");
        let token = token_of(&mail.link_containing("/invitation?token="));

        let (status, details) = send(app.request(&Credentials::Anonymous, Method::GET, &format!("/api/v1/invitation?token={token}"))).await;
        assert_eq!(status, 200, "{details}");
        assert_eq!(details["language"], "de");
        let message = outbox_message(&app, &owner, invitation["outbox_id"].as_str().unwrap()).await;
        assert_eq!(message["subject"], "Einladung zu Acme AI");
    }

    async fn an_email_waits_while_the_mail_server_is_down_and_goes_out_once_when_it_is_back(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let mut sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        sink.stop();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;

        let invitation = invite(&app, &owner, &user).await;
        let id = invitation["outbox_id"].as_str().unwrap().to_owned();
        let retrying = wait_for_message(&app, &owner, &id, "retried", |m| m["attempts"].as_i64().unwrap_or(0) >= 2).await;
        assert_eq!(retrying["status"], "pending", "a failed attempt is retried: {retrying}");
        assert!(!retrying["last_response"].as_str().unwrap_or_default().is_empty(), "why it failed is kept: {retrying}");
        assert!(retrying["next_attempt_at"].is_string(), "{retrying}");
        assert!(retrying["sent_at"].is_null(), "{retrying}");
        assert!(sink.messages().is_empty());

        sink.restart().await;
        let received = sink.wait_for(1, Duration::from_secs(15)).await;
        assert_eq!(received[0].to, ["ada@client.test"]);
        let sent = wait_for_message(&app, &owner, &id, "settled", |m| m["status"] != "pending").await;
        assert_eq!(sent["status"], "sent", "{sent}");
        assert!(sent["last_response"].as_str().unwrap().starts_with("250"), "the server's answer is kept: {sent}");
        assert!(sent["sent_at"].is_string(), "{sent}");
        assert!(sent["attempts"].as_i64().unwrap() >= 2, "{sent}");

        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(sink.messages().len(), 1, "delivered exactly once");
        let later = outbox_message(&app, &owner, &id).await;
        assert_eq!(later["status"], "sent");
        assert_eq!(later["attempts"], sent["attempts"], "nothing more was attempted");
        let (status, list) = send(app.request(&owner, Method::GET, "/api/v1/outbox?status=sent")).await;
        assert_eq!(status, 200, "{list}");
        let listed: Vec<&str> = list["messages"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
        assert_eq!(listed, [id.as_str()]);
        let (_, pending) = send(app.request(&owner, Method::GET, "/api/v1/outbox?status=pending")).await;
        assert_eq!(pending["messages"], json!([]));
    }

    async fn without_a_mail_server_the_invitation_waits_in_the_outbox_with_its_link_hidden(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let member = app.member(&workspace, "mia", MemberRole::Member).await;
        let member = app.sign_in(&member).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;

        let invitation = invite(&app, &owner, &user).await;
        let id = invitation["outbox_id"].as_str().unwrap().to_owned();
        let (status, list) = send(app.request(&owner, Method::GET, "/api/v1/outbox")).await;
        assert_eq!(status, 200, "{list}");
        let messages = list["messages"].as_array().unwrap();
        assert_eq!(messages.len(), 1, "{list}");
        assert_eq!(messages[0]["id"], id.as_str());
        assert_eq!(messages[0]["kind"], "invitation");
        assert_eq!(messages[0]["recipient"], "ada@client.test");
        assert_eq!(messages[0]["subject"], "You're invited to Agency acme");
        assert_eq!(messages[0]["status"], "pending");
        assert!(messages[0].get("text").is_none(), "the list leaves the bodies out: {list}");

        let message = outbox_message(&app, &owner, &id).await;
        assert_eq!(message["status"], "pending");
        let text = message["text"].as_str().unwrap();
        assert!(text.contains("Welcome, Ada Lovelace"), "the email reads as sent: {text}");
        assert!(text.contains(clientele_app::mail::templates::HIDDEN_LINK), "{text}");
        assert!(!message.to_string().contains("token="), "the link is for the recipient alone: {message}");
        let (_, log) = send(app.request(&owner, Method::GET, "/api/v1/activity?action=outbox.message_read")).await;
        assert_eq!(log["entries"][0]["target"]["id"], id.as_str(), "reading an email is logged: {log}");

        // Several of the worker's passes go by: with no server to send to, it is not attempted.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let waiting = outbox_message(&app, &owner, &id).await;
        assert_eq!(waiting["status"], "pending", "it keeps waiting: {waiting}");
        assert_eq!(waiting["attempts"], 0, "nothing to retry without a server: {waiting}");

        let (status, _) = send(app.request(&member, Method::GET, "/api/v1/outbox")).await;
        assert_eq!(status, 403, "members do not read the outbox");
        let (status, _) = send(app.request(&member, Method::GET, &format!("/api/v1/outbox/{id}"))).await;
        assert_eq!(status, 403);
        let other = app.workspace("other").await;
        let stranger = app.sign_in(&other.owner).await;
        let (status, _) = send(app.request(&stranger, Method::GET, &format!("/api/v1/outbox/{id}"))).await;
        assert_eq!(status, 404, "another workspace's email does not exist for them");

        let token = app.received_token(workspace.id, id.parse::<uuid::Uuid>().unwrap().into()).await;
        let (status, accepted) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/invitation/accept")
            .json(&json!({ "token": token, "password": "a long Passphrase 42!" }))).await;
        assert_eq!(status, 201, "the recipient's link works: {accepted}");
        assert_eq!(accepted["account_id"], user["id"]);
        let (_, read) = send(app.request(&owner, Method::GET, &format!("/api/v1/client-users/{}", user["id"].as_str().unwrap()))).await;
        assert_eq!(read["status"], "active");
    }

    async fn an_email_queued_before_a_mail_server_was_set_goes_out_once_one_is(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let user = invited_user(&app, &owner, organization, "Ada Lovelace", "ada@client.test").await;
        let invitation = invite(&app, &owner, &user).await;
        let id = invitation["outbox_id"].as_str().unwrap().to_owned();
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(outbox_message(&app, &owner, &id).await["status"], "pending");

        let sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        let received = sink.wait_for(1, Duration::from_secs(10)).await;
        assert_eq!(received[0].to, ["ada@client.test"]);
        assert_eq!(received[0].subject(), "You're invited to Agency acme");
        let sent = wait_for_message(&app, &owner, &id, "sent", |m| m["status"] != "pending").await;
        assert_eq!(sent["status"], "sent", "{sent}");
        assert_eq!(
            token_of(&received[0].link_containing("/invitation?token=")),
            app.received_token(workspace.id, id.parse::<uuid::Uuid>().unwrap().into()).await,
            "the email sent is the one that waited"
        );
    }

    async fn several_nodes_share_the_outbox_and_each_email_goes_out_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let mut sink = SmtpSink::start().await;
        use_smtp(&app, &owner, sink.port()).await;
        // Queue the emails while the server is down, so every node finds all of them due.
        sink.stop();
        for i in 0..24 {
            let user = invited_user(&app, &owner, organization, "Ada Lovelace", &format!("ada{i}@client.test")).await;
            invite(&app, &owner, &user).await;
        }
        // Two more nodes over the same database and key, racing the test server's own worker.
        let mut nodes = Vec::new();
        for _ in 0..2 {
            let node = clientele_app::App::new(app.db.clone(), (*app.app.config).clone()).await.unwrap();
            nodes.push(tokio::spawn(node.run_outbox(std::future::pending())));
        }
        sink.restart().await;
        let received = sink.wait_for(24, Duration::from_secs(20)).await;
        // Give any duplicate the time to arrive.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let received = sink.messages().len().max(received.len());
        for node in &nodes {
            node.abort();
        }
        assert_eq!(received, 24, "each email is sent by exactly one node");
        let mut recipients: Vec<String> = sink.messages().iter().flat_map(|m| m.to.clone()).collect();
        recipients.sort();
        recipients.dedup();
        assert_eq!(recipients.len(), 24, "every recipient got their email");
    }
}
