//! The console and the client dashboard in a real browser (headless Chromium over
//! WebDriver), against the running server: what agencies and their clients click through.
//! Each test saves screenshots of its key pages under `target/screenshots/`. They run on
//! SQLite: the storage they touch is covered on both backends by the API tests.

use clientele_domain::{Language, OrganizationId, Permission};
use clientele_server::web::i18n::Messages;
use clientele_testkit::{Backend, Browser, Credentials, PASSWORD, SmtpSink, TestApp, Workspace};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

async fn send(
    app: &TestApp,
    who: &Credentials,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = app.request(who, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Sends the workspace's email to a local SMTP server.
async fn use_smtp(app: &TestApp, owner: &Credentials, sink: &SmtpSink) {
    let settings = json!({
        "sender_name": "Acme AI",
        "sender_address": "hello@acme-ai.test",
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port(),
        "smtp_tls": "none",
    });
    send(
        app,
        owner,
        Method::PUT,
        "/api/v1/workspace/email-settings",
        Some(settings),
    )
    .await;
}

/// Creates an organization named `name` over the API and returns its id.
async fn create_organization(app: &TestApp, owner: &Credentials, name: &str) -> String {
    let created = send(
        app,
        owner,
        Method::POST,
        "/api/v1/organizations",
        Some(json!({ "name": name })),
    )
    .await;
    created["id"].as_str().unwrap().to_owned()
}

/// Adds an agent named `name` and assigns it to `organization`.
async fn assign_new_agent(app: &TestApp, owner: &Credentials, organization: &str, name: &str) {
    let agent = send(
        app,
        owner,
        Method::POST,
        "/api/v1/agents",
        Some(json!({ "name": name, "kind": "chat" })),
    )
    .await;
    let path = format!(
        "/api/v1/agents/{}/organization",
        agent["id"].as_str().unwrap()
    );
    send(
        app,
        owner,
        Method::PUT,
        &path,
        Some(json!({ "organization_id": organization })),
    )
    .await;
}

async fn sign_in_to_console(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.url("/console/sign-in")).await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/console").await;
}

async fn sign_in_to_dashboard(
    browser: &Browser,
    app: &TestApp,
    workspace: &Workspace,
    email: &str,
) {
    browser
        .goto(&app.url(&format!("/sign-in?workspace={}", workspace.slug)))
        .await;
    browser.fill("input[name=email]", email).await;
    browser.fill("input[name=password]", PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/").await;
}

async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in browser.all(css).await {
        texts.push(element.text().await.unwrap().trim().to_owned());
    }
    texts
}

#[tokio::test]
async fn owner_creates_a_client_drags_an_agent_onto_it_and_invites_a_user_with_two_permissions() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let sink = SmtpSink::start().await;
    let workspace = app.workspace("acme").await;
    let owner = app.sign_in(&workspace.owner).await;
    use_smtp(&app, &owner, &sink).await;
    let agent = send(
        &app,
        &owner,
        Method::POST,
        "/api/v1/agents",
        Some(json!({ "name": "Reception Bot", "kind": "chat" })),
    )
    .await;
    let agent_id = agent["id"].as_str().unwrap().to_owned();

    let browser = Browser::start().await;
    browser.goto(&app.url("/console/sign-in")).await;
    browser.screenshot("console-sign-in").await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;

    // A new client, from the Clients view.
    browser.click("[data-open=new-client]").await;
    browser.fill("#org-name", "Sunrise Dental").await;
    browser.click("#new-client button[type=submit]").await;
    browser.wait_for_text("h1", "Sunrise Dental").await;
    let organization_path = browser
        .client
        .current_url()
        .await
        .unwrap()
        .path()
        .to_owned();
    let organization_id = organization_path.rsplit('/').next().unwrap().to_owned();

    // Drag the agent from the pool onto the organization.
    browser.goto(&app.url("/console")).await;
    browser.find("[data-drop-org]").await;
    browser
        .run(
            r#"const agent = document.querySelector('li[data-agent-name="Reception Bot"]');
               const target = document.querySelector('[data-drop-org]');
               const data = new DataTransfer();
               const fire = (el, type) => el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: data }));
               fire(agent, 'dragstart'); fire(target, 'dragenter'); fire(target, 'dragover'); fire(target, 'drop'); fire(agent, 'dragend');"#,
            vec![],
        )
        .await;
    browser
        .wait_for_text(".org .agent-chip", "Reception Bot")
        .await;
    browser.screenshot("clients-view").await;
    let agent = send(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/agents/{agent_id}"),
        None,
    )
    .await;
    assert_eq!(
        agent["organization"]["id"],
        json!(organization_id),
        "{agent}"
    );

    // Add a user with exactly two permissions, invited by email.
    browser.goto(&app.url(&organization_path)).await;
    browser.click("[data-open=add-user]").await;
    browser.fill("#add-user input[name=name]", "Ana Ruiz").await;

    // A bad address is named next to its field, and what was typed stays.
    browser
        .fill("#add-user input[name=email]", "ana-at-sunrise")
        .await;
    browser.click("#add-user button[type=submit]").await;
    browser
        .find("#add-user input[name=email][aria-invalid=true]")
        .await;
    browser.wait_for_text("#add-user .field-error", "").await;
    let kept = browser
        .run(
            "return document.querySelector('#add-user input[name=name]').value",
            vec![],
        )
        .await;
    assert_eq!(kept, "Ana Ruiz");
    browser.screenshot("add-user-field-error").await;

    browser
        .fill("#add-user input[name=email]", "ana@sunrise.test")
        .await;
    browser
        .click("#add-user input[name=permissions][value=home]")
        .await;
    browser
        .click("#add-user input[name=permissions][value=conversations]")
        .await;
    browser
        .click("#add-user input[name=permissions][value=analytics]")
        .await;
    browser.screenshot("add-user-dialog").await;
    browser.click("#add-user button[type=submit]").await;
    browser.wait_for_text("tbody", "Ana Ruiz").await;
    browser.screenshot("organization-users").await;

    let users = send(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/organizations/{organization_id}/users"),
        None,
    )
    .await;
    let ana = &users["users"][0];
    assert_eq!(ana["email"], "ana@sunrise.test");
    assert_eq!(ana["permissions"], json!(["conversations", "analytics"]));
    assert_eq!(ana["invitation"]["status"], "pending", "{ana}");
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    assert_eq!(mail[0].to, ["ana@sunrise.test"]);
    assert!(
        mail[0]
            .link_containing("/invitation?token=")
            .starts_with(&app.url("/invitation"))
    );

    browser
        .goto(&app.url(&format!("{organization_path}/settings")))
        .await;
    browser.find("select[name=language]").await;
    browser.screenshot("org-info").await;
}

#[tokio::test]
async fn an_invited_user_sets_a_password_from_the_email_and_sees_only_their_sections_in_the_organizations_language_and_layout()
 {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let sink = SmtpSink::start().await;
    let workspace = app.workspace("acme").await;
    let owner = app.sign_in(&workspace.owner).await;
    use_smtp(&app, &owner, &sink).await;
    let organization = create_organization(&app, &owner, "Clínica Sol").await;
    assign_new_agent(&app, &owner, &organization, "Recepción").await;
    let settings_path = format!("/api/v1/organizations/{organization}/settings");
    let mut settings = send(&app, &owner, Method::GET, &settings_path, None).await;
    settings["language"] = json!("es");
    settings["layout"] = json!("horizontal");
    send(&app, &owner, Method::PUT, &settings_path, Some(settings)).await;
    let user = send(&app, &owner, Method::POST, &format!("/api/v1/organizations/{organization}/users"),
        Some(json!({ "name": "Lucía Gómez", "email": "lucia@sol.test", "permissions": ["home", "conversations", "analytics"] }))).await;
    let user_id = user["id"].as_str().unwrap();
    send(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/client-users/{user_id}/invitation"),
        None,
    )
    .await;
    let mail = sink.wait_for(1, Duration::from_secs(10)).await;
    let link = mail[0].link_containing("/invitation?token=");

    let browser = Browser::start().await;
    browser.goto(&link).await;
    browser.screenshot("accept-invitation").await;
    browser
        .fill("input[name=password]", "a-long-and-unusual-passphrase")
        .await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/").await;
    browser.find(".topbar").await;

    let language = browser
        .run("return document.documentElement.lang", vec![])
        .await;
    assert_eq!(language, "es");
    let spanish = Messages::new(Language::Es);
    let mut expected: Vec<String> = [
        Permission::Home,
        Permission::Conversations,
        Permission::Analytics,
    ]
    .iter()
    .map(|p| clientele_server::web::org::permission_label(spanish, *p).to_owned())
    .collect();
    // Their three sections, then their own account's security.
    expected.push(spanish.get("nav.security").to_owned());
    assert_eq!(texts(&browser, ".topbar .nav a").await, expected);
    assert!(
        browser.all(".sidebar").await.is_empty(),
        "the horizontal layout has no sidebar"
    );
    browser.screenshot("dashboard-horizontal").await;
}

#[tokio::test]
async fn an_org_admin_manages_a_user_of_their_organization_and_cannot_reach_another_organization() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let owner = app.sign_in(&workspace.owner).await;
    let own_id = create_organization(&app, &owner, "Northwind Dental").await;
    let other_id = create_organization(&app, &owner, "Globex Legal").await;
    assign_new_agent(&app, &owner, &own_id, "Front desk").await;
    assign_new_agent(&app, &owner, &own_id, "After-hours line").await;
    let own = OrganizationId::from(Uuid::parse_str(&own_id).unwrap());
    let other = OrganizationId::from(Uuid::parse_str(&other_id).unwrap());
    let admin = app
        .client_user(
            &workspace,
            own,
            "olga",
            &[
                Permission::OrgAdmin,
                Permission::Home,
                Permission::Analytics,
            ],
        )
        .await;
    let pete = app
        .client_user(&workspace, own, "pete", &[Permission::Home])
        .await;
    let stranger = app
        .client_user(&workspace, other, "bea", &[Permission::Home])
        .await;

    let browser = Browser::start().await;
    sign_in_to_dashboard(&browser, &app, &workspace, &admin.email).await;
    browser.find(".sidebar").await;
    browser.screenshot("dashboard-vertical").await;

    browser.goto(&app.url("/users")).await;
    browser.wait_for_text("tbody", "pete").await;
    let page = browser.client.source().await.unwrap();
    assert!(
        !page.contains(&stranger.email),
        "another organization's user is listed"
    );

    browser
        .click(&format!(
            "tr[data-user=\"{}\"] [data-open=edit-user]",
            pete.email
        ))
        .await;
    browser
        .click("#edit-user input[name=permissions][value=analytics]")
        .await;
    browser.click("#edit-user button[type=submit]").await;
    browser
        .wait_for_text("tr[data-user] .chips", "Analytics")
        .await;
    browser.screenshot("dashboard-org-admin-users").await;
    let updated = send(
        &app,
        &owner,
        Method::GET,
        &format!("/api/v1/client-users/{}", pete.id),
        None,
    )
    .await;
    assert_eq!(
        updated["permissions"],
        json!(["home", "analytics"]),
        "{updated}"
    );

    // Another organization's pages and data stay out of reach.
    browser
        .goto(&app.url(&format!("/console/organizations/{other}")))
        .await;
    browser.wait_for_path("/console/sign-in").await;
    browser.goto(&app.url("/users")).await;
    let status = browser
        .run(
            &format!("return fetch('/api/v1/organizations/{other}/users').then(r => r.status)"),
            vec![],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND.as_u16());
}

#[tokio::test]
async fn log_in_as_shows_the_preview_banner_and_records_the_member_as_the_real_actor() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let owner = app.sign_in(&workspace.owner).await;
    let organization_id = create_organization(&app, &owner, "Initech Dental").await;
    assign_new_agent(&app, &owner, &organization_id, "Reception").await;
    let organization = OrganizationId::from(Uuid::parse_str(&organization_id).unwrap());
    let ana = app
        .client_user(
            &workspace,
            organization,
            "ana",
            &[Permission::Home, Permission::Conversations],
        )
        .await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser
        .goto(&app.url(&format!("/console/organizations/{organization}")))
        .await;
    browser
        .click(&format!(
            "tr[data-user=\"{}\"] button[data-then=open-url]",
            ana.email
        ))
        .await;
    browser.wait_for_path("/").await;
    browser.wait_for_text("#preview-banner", "ana").await;
    browser.screenshot("preview-banner").await;

    browser.click("#preview-banner button[type=submit]").await;
    browser.wait_for_path("/console/sign-in").await;

    let log = send(
        &app,
        &owner,
        Method::GET,
        "/api/v1/activity?action=client_user.preview_ended",
        None,
    )
    .await;
    let entry = &log["entries"][0];
    assert_eq!(entry["actor"]["id"], json!(ana.id.to_string()), "{entry}");
    assert_eq!(
        entry["real_actor_id"],
        json!(workspace.owner.id.to_string()),
        "{entry}"
    );
    let started = send(
        &app,
        &owner,
        Method::GET,
        "/api/v1/activity?action=client_user.preview_started",
        None,
    )
    .await;
    assert_eq!(
        started["entries"][0]["actor"]["id"],
        json!(workspace.owner.id.to_string())
    );
}

/// Reads an element's text once a script has filled it.
async fn filled_text(browser: &Browser, css: &str) -> String {
    for _ in 0..100 {
        let text = browser
            .run(
                &format!("return document.querySelector({css:?})?.textContent || ''"),
                vec![],
            )
            .await;
        if let Some(text) = text.as_str().filter(|t| !t.is_empty()) {
            return text.to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{css} stayed empty");
}

#[tokio::test]
async fn a_member_sets_up_an_authenticator_app_and_signs_in_with_its_code() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser.goto(&app.url("/console/account")).await;
    browser
        .click(r#"form[data-api="POST /api/v1/me/two-factor"] button"#)
        .await;
    let secret = filled_text(&browser, "#s-secret").await;
    browser
        .fill("#s-code", &crate::two_factor::code(&secret, 0))
        .await;
    browser
        .click(r#"form[data-api="POST /api/v1/me/two-factor/confirm"] button"#)
        .await;
    let codes = filled_text(&browser, "#s-codes pre").await;
    assert_eq!(
        codes.lines().count(),
        10,
        "ten recovery codes, shown once: {codes}"
    );
    browser.screenshot("two-factor-recovery-codes").await;

    browser.goto(&app.url("/console/account")).await;
    browser
        .fill("#s-renew", codes.lines().next().unwrap())
        .await;
    browser
        .click(r#"form[data-api="POST /api/v1/me/two-factor/recovery-codes"] button"#)
        .await;
    let fresh = filled_text(&browser, "#s-new-codes pre").await;
    assert_eq!(fresh.lines().count(), 10, "ten new codes: {fresh}");
    assert!(
        !fresh.contains(codes.lines().nth(1).unwrap()),
        "the old codes are gone"
    );
    browser.screenshot("two-factor-new-recovery-codes").await;

    let second = Browser::start().await;
    second.goto(&app.url("/console/sign-in")).await;
    second
        .fill("input[name=email]", &workspace.owner.email)
        .await;
    second.fill("input[name=password]", PASSWORD).await;
    second.click("button[type=submit]").await;
    second.wait_for_text("#second-factor label", "Code").await;
    second.screenshot("two-factor-code").await;
    second
        .fill("#f-code", &crate::two_factor::code(&secret, 1))
        .await;
    second.click("#second-factor button[type=submit]").await;
    second.wait_for_path("/console").await;
}

#[tokio::test]
async fn the_owner_claims_a_dashboard_domain_and_proves_it_with_a_txt_record() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser.goto(&app.url("/console/workspace/brand")).await;
    browser.fill("#b-domains", "dash.acme-ai.test").await;
    browser
        .click(r#"form[data-api="PUT /api/v1/workspace/brand"] button[type=submit]"#)
        .await;
    browser.wait_for_text(".toast", "Brand saved").await;
    browser.goto(&app.url("/console/workspace/brand")).await;
    browser.wait_for_text(".domain-claim", "Not verified").await;
    let record = texts(&browser, ".domain-claim code").await;
    assert_eq!(record[0], "_clientele-challenge.dash.acme-ai.test");
    browser.screenshot("domain-pending").await;
    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    browser.goto(&app.url("/console/workspace/brand")).await;
    browser
        .run(
            "document.querySelector('.domain-claim').scrollIntoView()",
            vec![],
        )
        .await;
    browser.screenshot("domain-pending-phone").await;
    let overflow = browser
        .run(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "nothing is wider than a phone: {overflow}"
    );
    browser
        .client
        .set_window_size(1400, 1000)
        .await
        .expect("a desktop window");

    app.dns.add_txt(&record[0], &record[1]);
    browser.click(".domain-claim button").await;
    browser
        .wait_for_text(".domain-claim .badge", "Verified")
        .await;
    browser.screenshot("domain-verified").await;
}

#[tokio::test]
async fn an_admin_reads_a_queued_invitation_in_the_outbox_without_its_link() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let owner = app.sign_in(&workspace.owner).await;
    let organization = create_organization(&app, &owner, "Northwind Dental").await;
    let user = send(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/organizations/{organization}/users"),
        Some(json!({ "name": "Ada Lovelace", "email": "ada@northwind.test" })),
    )
    .await;
    let user_id = user["id"].as_str().unwrap();
    send(
        &app,
        &owner,
        Method::POST,
        &format!("/api/v1/client-users/{user_id}/invitation"),
        None,
    )
    .await;
    let admin = app
        .member(&workspace, "adam", clientele_domain::MemberRole::Admin)
        .await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &admin.email).await;
    browser.goto(&app.url("/console/workspace/outbox")).await;
    browser.wait_for_text("tbody", "ada@northwind.test").await;
    browser.click("tbody a").await;
    browser.wait_for_text(".card-body pre", "link hidden").await;
    let page = browser.client.source().await.unwrap();
    assert!(
        !page.contains("token="),
        "the invitation's link is the recipient's alone"
    );
    browser.screenshot("outbox-email").await;
    let log = send(
        &app,
        &owner,
        Method::GET,
        "/api/v1/activity?action=outbox.message_read",
        None,
    )
    .await;
    assert_eq!(log["entries"][0]["actor"]["id"], json!(admin.id), "{log}");
}

#[tokio::test]
async fn an_admin_resets_the_second_factor_a_member_lost_from_the_members_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let mia = app
        .member(&workspace, "mia", clientele_domain::MemberRole::Member)
        .await;
    let mia_session = app.sign_in(&mia).await;
    let enrollment = send(
        &app,
        &mia_session,
        Method::POST,
        "/api/v1/me/two-factor",
        None,
    )
    .await;
    let secret = enrollment["secret"].as_str().unwrap();
    send(
        &app,
        &mia_session,
        Method::POST,
        "/api/v1/me/two-factor/confirm",
        Some(json!({ "code": crate::two_factor::code(secret, 0) })),
    )
    .await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser.goto(&app.url("/console/workspace/members")).await;
    browser.wait_for_text("tbody", "2FA").await;
    browser.screenshot("members-two-factor").await;
    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    browser.goto(&app.url("/console/workspace/members")).await;
    browser.screenshot("members-two-factor-phone").await;
    browser
        .client
        .set_window_size(1400, 1000)
        .await
        .expect("a desktop window");
    browser.goto(&app.url("/console/workspace/members")).await;

    browser
        .click(&format!(
            r#"button[data-api="DELETE /api/v1/members/{}/two-factor"]"#,
            mia.id
        ))
        .await;
    browser.click("[data-confirm-ok]").await;
    browser
        .wait_for_text(".toast", "Two-factor sign-in reset")
        .await;
    let status = send(
        &app,
        &app.sign_in(&mia).await,
        Method::GET,
        "/api/v1/me/two-factor",
        None,
    )
    .await;
    assert_eq!(status["enabled"], false, "{status}");
}

#[tokio::test]
async fn a_client_user_sees_a_new_conversation_arrive_without_reloading_and_reads_its_transcript() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let dental = app.organization(&workspace, "Dental").await;
    let (agent, _) = app
        .conversation(
            &workspace,
            dental,
            "first",
            &["Can I book a cleaning?", "Tuesday at 9 is free."],
        )
        .await;
    let (runtime, _) = app.runtime_key(&workspace, agent).await;
    let user = app
        .client_user(
            &workspace,
            dental,
            "reader",
            &[Permission::Home, Permission::Conversations],
        )
        .await;

    let browser = Browser::start().await;
    sign_in_to_dashboard(&browser, &app, &workspace, &user.email).await;
    browser.goto(&app.url("/sections/conversations")).await;
    assert_eq!(
        texts(&browser, ".conversation-row strong").await,
        ["Dana Scott"]
    );

    let events = json!({ "events": [
        { "id": "n0", "type": "conversation.started", "conversation_id": "second", "channel": "whatsapp",
          "contact": { "name": "Omar Haddad", "phone": "+44 20 7946 0000" }, "occurred_at": "2026-03-02T08:00:00Z" },
        { "id": "n1", "type": "message", "conversation_id": "second", "role": "contact", "text": "My crown came loose, can someone call me?", "occurred_at": "2026-03-02T08:00:01Z" },
        { "id": "n2", "type": "handoff.requested", "conversation_id": "second", "reason": "asked for a person", "occurred_at": "2026-03-02T08:00:02Z" },
    ]});
    let answer = app
        .request(&runtime, Method::POST, "/runtime/v1/events")
        .json(&events)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    browser
        .wait_for_text(".conversation-list", "Omar Haddad")
        .await;
    let marker = browser
        .run(
            "return performance.getEntriesByType('navigation').length",
            vec![],
        )
        .await;
    assert_eq!(marker, json!(1), "the page was not reloaded");
    assert_eq!(
        texts(&browser, ".conversation-row strong").await,
        ["Omar Haddad", "Dana Scott"]
    );
    assert_eq!(
        texts(&browser, ".conversation-row .badge").await[0],
        "Waiting for a person"
    );
    browser.screenshot("conversations").await;

    browser.click(".conversation-row").await;
    browser.wait_for_text(".page-head h1", "Omar Haddad").await;
    assert_eq!(
        texts(&browser, ".message .bubble").await,
        ["My crown came loose, can someone call me?"]
    );
    assert!(
        texts(&browser, ".details dd")
            .await
            .contains(&"+44 20 7946 0000".to_owned())
    );
    browser.screenshot("transcript").await;
    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    browser.goto(&app.url("/sections/conversations")).await;
    browser.screenshot("conversations-phone").await;
    browser.click(".conversation-row").await;
    browser.wait_for_text(".page-head h1", "Omar Haddad").await;
    browser.screenshot("transcript-phone").await;
    let wide = browser
        .run(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await;
    assert!(
        wide.as_i64().unwrap() <= 0,
        "the transcript fits a phone: {wide}"
    );
    browser.goto(&app.url("/sections/conversations")).await;
    let overflow = browser
        .run(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "nothing is wider than a phone: {overflow}"
    );
}

#[tokio::test]
async fn the_agency_reads_every_clients_conversations_in_the_console() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let dental = app.organization(&workspace, "Dental").await;
    let bakery = app.organization(&workspace, "Bakery").await;
    app.conversation(&workspace, dental, "tooth", &["Can I book a cleaning?"])
        .await;
    app.conversation(
        &workspace,
        bakery,
        "bread",
        &["Is the sourdough vegan?", "Yes, it is."],
    )
    .await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser.goto(&app.url("/console/conversations")).await;
    assert_eq!(texts(&browser, ".conversation-row").await.len(), 2);
    browser.screenshot("console-conversations").await;
    browser
        .goto(&app.url(&format!("/console/conversations?organization={bakery}")))
        .await;
    assert_eq!(texts(&browser, ".conversation-row").await.len(), 1);
    browser.click(".conversation-row").await;
    browser.wait_for_text(".messages", "Yes, it is.").await;
    browser.screenshot("console-transcript").await;
}

#[tokio::test]
async fn the_owner_issues_an_agents_runtime_key_sees_it_once_and_rotates_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let agent = app.agent(&workspace, "Front Desk").await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser.goto(&app.url("/console")).await;
    browser
        .click(&format!("a[href='/console/agents/{agent}']"))
        .await;
    browser
        .wait_for_text("#runtime-connection .badge", "Not connected")
        .await;
    browser
        .click("#runtime-connection form button[type=submit]")
        .await;
    browser.wait_for_text("#new-key", "shown only once").await;
    let token = texts(&browser, "#k-token").await.remove(0);
    assert!(token.starts_with("rk_"), "{token}");
    browser.screenshot("runtime-key-issued").await;
    let runtime = Credentials::RuntimeKey(token.clone());
    let configuration = app
        .request(&runtime, Method::GET, "/runtime/v1/configuration")
        .send()
        .await
        .unwrap();
    assert_eq!(
        configuration.status(),
        StatusCode::OK,
        "the key from the page works"
    );

    browser.click("#new-key a").await;
    browser
        .wait_for_text("#runtime-connection .badge", "Key issued")
        .await;
    let listed = texts(&browser, "#runtime-connection td code").await;
    assert_eq!(listed.len(), 1);
    assert!(
        !listed[0].contains(&token[8..]),
        "the page never shows the key again"
    );
    browser
        .click("#runtime-connection form button[type=submit]")
        .await;
    browser.wait_for_text("#new-key", "shown only once").await;
    browser.click("#new-key a").await;
    browser
        .wait_for_text("#runtime-connection", "Rotating out")
        .await;
    browser.screenshot("runtime-key-rotating").await;
    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    browser
        .goto(&app.url(&format!("/console/agents/{agent}")))
        .await;
    browser.screenshot("runtime-key-phone").await;
    let wide = browser
        .run(
            "return document.documentElement.scrollWidth - window.innerWidth",
            vec![],
        )
        .await;
    assert!(
        wide.as_i64().unwrap() <= 0,
        "the agent page fits a phone: {wide}"
    );
    let still = app
        .request(&runtime, Method::GET, "/runtime/v1/configuration")
        .send()
        .await
        .unwrap();
    assert_eq!(
        still.status(),
        StatusCode::OK,
        "the previous key works through the overlap"
    );
    browser
        .click("#runtime-connection button[data-api^='DELETE']")
        .await;
    browser.click("[data-confirm-ok]").await;
    browser
        .wait_for_text("#runtime-connection .badge", "Not connected")
        .await;
    let revoked = app
        .request(&runtime, Method::GET, "/runtime/v1/configuration")
        .send()
        .await
        .unwrap();
    assert_eq!(
        revoked.status(),
        StatusCode::UNAUTHORIZED,
        "revoked at once"
    );
}

#[tokio::test]
async fn the_owner_points_the_agents_webhook_at_the_runtime_and_reads_the_delivery_log() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let agent = app.agent(&workspace, "Front Desk").await;
    let sink = clientele_testkit::WebhookSink::start().await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser
        .goto(&app.url(&format!("/console/agents/{agent}")))
        .await;
    browser
        .wait_for_text("#runtime-webhook .badge", "Runtime pulls")
        .await;
    browser.fill("#w-url", "http://10.0.0.7/hook").await;
    browser
        .click("#runtime-webhook form button[type=submit]")
        .await;
    browser
        .wait_for_text("#runtime-webhook .field-error", "non-public address")
        .await;
    browser.fill("#w-url", "").await;
    browser.fill("#w-url", &sink.url).await;
    browser
        .click("#runtime-webhook form button[type=submit]")
        .await;
    browser
        .wait_for_text("#runtime-webhook .badge", "Sending")
        .await;
    browser
        .click("#runtime-webhook button[data-api$='/webhook/test']")
        .await;
    browser
        .wait_for_text("#runtime-webhook .deliveries", "HTTP 200")
        .await;
    browser
        .wait_for_text("#runtime-webhook .deliveries", "Delivered")
        .await;
    browser
        .wait_for_text("#runtime-webhook .deliveries", "answered 200")
        .await;
    assert_eq!(sink.received().len(), 1, "the runtime got the test event");
    browser.click("#runtime-webhook summary").await;
    let secret = texts(&browser, "#w-secret").await.remove(0);
    clientele_testkit::verify_with_official_library(&secret, &sink.received()[0]).unwrap();
    browser
        .run(
            "document.querySelector('.deliveries').scrollIntoView()",
            vec![],
        )
        .await;
    browser.screenshot("agent-webhook").await;

    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    browser
        .goto(&app.url(&format!("/console/agents/{agent}")))
        .await;
    browser.click("#runtime-webhook summary").await;
    browser
        .run(
            "document.querySelector('.deliveries').scrollIntoView()",
            vec![],
        )
        .await;
    browser.screenshot("agent-webhook-phone").await;
    let overflowing = browser
        .run(
            "return [...document.querySelectorAll('main, main *')].filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'visible' && !e.closest('.table-wrap')).map((e) => e.className || e.tagName)",
            vec![],
        )
        .await;
    assert_eq!(
        overflowing,
        serde_json::json!([]),
        "nothing but a table scrolls sideways"
    );
    let wide = browser
        .run(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await;
    assert!(
        wide.as_i64().unwrap() <= 0,
        "the agent page fits a phone: {wide}"
    );
}

/// The whole loop on one machine: a person chats on the reference runtime's page, and the
/// client user watching Conversations sees the conversation arrive and reads it.
#[tokio::test]
async fn a_visitor_chats_on_the_reference_runtime_and_the_client_user_watches_it_arrive() {
    use clientele_reference_runtime::{Agency, Runtime, connect, http_client};
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let dental = app.organization(&workspace, "Dental").await;
    let agent = app.agent(&workspace, "Front Desk").await;
    app.app
        .assign_agent(
            &workspace.owner.actor(),
            agent,
            dental,
            false,
            &Default::default(),
        )
        .await
        .unwrap();
    let user = app
        .client_user(
            &workspace,
            dental,
            "reader",
            &[Permission::Home, Permission::Conversations],
        )
        .await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let here = format!("http://{}", listener.local_addr().unwrap());
    let server = app.url("");
    let agency = Agency {
        server: server.clone(),
        email: workspace.owner.email.clone(),
        password: PASSWORD.to_owned(),
    };
    let http = http_client().unwrap();
    let connections = connect(&http, &agency, &["Front Desk".to_owned()], &here)
        .await
        .unwrap();
    assert!(
        connections[0].secret.is_some(),
        "Clientele accepted the runtime's webhook"
    );
    let runtime = Runtime::start(http, &server, connections).await.unwrap();
    let serving = tokio::spawn(async move {
        axum::serve(listener, runtime.router()).await.unwrap();
    });

    let client = Browser::start().await;
    sign_in_to_dashboard(&client, &app, &workspace, &user.email).await;
    client.goto(&app.url("/sections/conversations")).await;

    let visitor = Browser::start().await;
    visitor.goto(&format!("{here}/chat/{agent}")).await;
    visitor.fill("#name", "Ana Lima").await;
    visitor.fill("#text", "When are you open?").await;
    visitor.click("#say button").await;
    visitor.wait_for_text("#log", "Monday to Friday").await;
    visitor.fill("#text", "Can a person call me back?").await;
    visitor.click("#say button").await;
    visitor
        .wait_for_text("#status", "A person will answer")
        .await;
    visitor.screenshot("reference-runtime-chat").await;

    client.wait_for_text(".conversation-list", "Ana Lima").await;
    let loads = client
        .run(
            "return performance.getEntriesByType('navigation').length",
            vec![],
        )
        .await;
    assert_eq!(loads, json!(1), "the list updated without a reload");
    assert_eq!(
        texts(&client, ".conversation-row .badge").await[0],
        "Waiting for a person"
    );
    client.click(".conversation-row").await;
    client.wait_for_text(".page-head h1", "Ana Lima").await;
    let bubbles = texts(&client, ".message .bubble").await;
    assert_eq!(bubbles[1], "When are you open?");
    assert!(bubbles[2].contains("Monday to Friday"), "{bubbles:?}");
    assert_eq!(bubbles[3], "Can a person call me back?");
    client.screenshot("reference-runtime-transcript").await;

    visitor
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    visitor.goto(&format!("{here}/chat/{agent}")).await;
    visitor
        .wait_for_text("#log", "Can a person call me back?")
        .await;
    visitor.screenshot("reference-runtime-chat-phone").await;
    serving.abort();
}

#[tokio::test]
async fn the_owner_limits_how_long_conversations_are_kept_and_erases_a_contact() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let workspace = app.workspace("acme").await;
    let dental = app.organization(&workspace, "Dental").await;
    app.conversation(&workspace, dental, "first", &["Hello"])
        .await;

    let browser = Browser::start().await;
    sign_in_to_console(&browser, &app, &workspace.owner.email).await;
    browser.goto(&app.url("/console")).await;
    browser.click("a[href='/console/workspace/privacy']").await;
    browser
        .wait_for_text("#retention .badge", "Kept until erased")
        .await;
    browser
        .run("document.getElementById('r-days').value = '90'", vec![])
        .await;
    browser.click("#retention button[type=submit]").await;
    browser.wait_for_text("#retention .badge", "Limited").await;
    let owner = app.sign_in(&workspace.owner).await;
    let retention = send(
        &app,
        &owner,
        Method::GET,
        "/api/v1/workspace/retention",
        None,
    )
    .await;
    assert_eq!(retention["transcript_retention_days"], 90);

    browser.fill("#e-email", "dana@example.test").await;
    browser.click("#erasure button[type=submit]").await;
    browser.click("[data-confirm-ok]").await;
    browser
        .wait_for_text("#erased", "Conversations erased: 1")
        .await;
    browser.screenshot("privacy").await;
    browser
        .client
        .set_window_size(390, 844)
        .await
        .expect("a phone-sized window");
    browser.goto(&app.url("/console/workspace/privacy")).await;
    browser.screenshot("privacy-phone").await;
    let wide = browser
        .run(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
            vec![],
        )
        .await;
    assert!(wide.as_i64().unwrap() <= 0, "the page fits a phone: {wide}");
}
