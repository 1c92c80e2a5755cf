//! Attacks from inside a tenant, written as the attacker would try them: each stops at the
//! step that was closed.

use clientele_app::outbound::Destinations;
use clientele_domain::{MemberRole, Permission, Timestamp};
use clientele_store::PoolSettings;
use clientele_store::mail::settings::{self, EmailSettingsRow};
use clientele_testkit::{Backend, Credentials, Options, SmtpSink, TestApp, on_both_backends};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::AsyncWriteExt;

async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

const EMAIL_SETTINGS: &str = "/api/v1/workspace/email-settings";
const TEST_EMAIL: &str = "/api/v1/workspace/email-settings/test";

fn smtp(host: &str, port: u16) -> Value {
    json!({ "sender_name": "Acme", "sender_address": "hello@acme.test", "smtp_host": host, "smtp_port": port, "smtp_tls": "none" })
}

/// A server on loopback that greets like `banner` and then says nothing more.
async fn impostor(banner: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = stream.write_all(banner.as_bytes()).await;
                tokio::time::sleep(Duration::from_secs(30)).await;
            });
        }
    });
    port
}

on_both_backends! {
    async fn an_admin_cannot_read_the_owners_reset_link_from_the_outbox(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let admin_key = app.api_key(&workspace, MemberRole::Admin).await;
        // The admin writes a template that puts the link everywhere, transformed.
        let (status, saved) = send(app.request(&admin, Method::PUT, "/api/v1/workspace/email-templates/password_reset/en").json(&json!({
            "subject": "Reset {{ link }}",
            "html": "<p>{{ link }} {{ link|upper }} {{ link|title }}</p>",
            "text": "{{ link }} {{ link|lower }}",
        }))).await;
        assert_eq!(status, 200, "{saved}");

        let (status, _) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/password-resets")
            .json(&json!({ "email": workspace.owner.email }))).await;
        assert_eq!(status, 202);
        app.queued(workspace.id, 1).await;
        for reader in [&admin, &admin_key] {
            let (status, list) = send(app.request(reader, Method::GET, "/api/v1/outbox")).await;
            assert_eq!(status, 200, "{list}");
            let id = list["messages"][0]["id"].as_str().unwrap().to_owned();
            let (status, message) = send(app.request(reader, Method::GET, &format!("/api/v1/outbox/{id}"))).await;
            assert_eq!(status, 200, "{message}");
            let everything = format!("{list}{message}").to_lowercase();
            assert!(!everything.contains("token="), "no form of the link is readable: {everything}");
            let token = app.received_token(workspace.id, id.parse::<uuid::Uuid>().unwrap().into()).await;
            assert!(!everything.contains(&token.to_lowercase()), "the token is nowhere in what the admin reads");
        }
        let (_, log) = send(app.request(&Credentials::Anonymous, Method::GET, "/api/v1/activity")).await;
        assert_eq!(log["status"], 401);
        let owner = app.sign_in(&workspace.owner).await;
        let (_, log) = send(app.request(&owner, Method::GET, "/api/v1/activity?action=outbox.message_read")).await;
        let readers: Vec<&str> = log["entries"].as_array().unwrap().iter().map(|e| e["actor"]["kind"].as_str().unwrap()).collect();
        assert_eq!(readers, ["api_key", "member"], "each reading is logged with its reader: {log}");
    }

    async fn only_the_owner_points_console_links_elsewhere(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let admin_key = app.api_key(&workspace, MemberRole::Admin).await;
        let owner = app.sign_in(&workspace.owner).await;
        let brand = |console_url: &str| json!({
            "product_name": "Acme AI", "primary_color": "#4f46e5", "accent_color": "#0ea5e9",
            "console_url": console_url, "dashboard_domains": [],
        });
        for attacker in [&admin, &admin_key] {
            let (status, problem) = send(app.request(attacker, Method::PUT, "/api/v1/workspace/brand").json(&brand("https://evil.test"))).await;
            assert_eq!(status, 403, "{problem}");
        }
        let (status, saved) = send(app.request(&owner, Method::PUT, "/api/v1/workspace/brand").json(&brand("https://console.acme.test"))).await;
        assert_eq!(status, 200, "{saved}");
        // The rest of the brand stays theirs to change.
        let mut renamed = brand("https://console.acme.test");
        renamed["product_name"] = json!("Acme Agents");
        let (status, saved) = send(app.request(&admin, Method::PUT, "/api/v1/workspace/brand").json(&renamed)).await;
        assert_eq!(status, 200, "{saved}");

        let (status, _) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/password-resets")
            .json(&json!({ "email": workspace.owner.email }))).await;
        assert_eq!(status, 202);
        let id = app.queued(workspace.id, 1).await[0];
        let email = app.received(workspace.id, id).await;
        assert!(email.text.contains("https://console.acme.test/reset-password?token="), "{}", email.text);
    }

    async fn an_api_key_cannot_make_a_person_to_sign_in_as(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin_key = app.api_key(&workspace, MemberRole::Admin).await;
        let mia = app.member(&workspace, "mia", MemberRole::Member).await;
        let (status, problem) = send(app.request(&admin_key, Method::POST, "/api/v1/members").json(&json!({
            "name": "Mallory", "email": "mallory@evil.test", "role": "admin", "password": "correct horse battery staple 9",
        }))).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = send(app.request(&admin_key, Method::POST, "/api/v1/member-invitations").json(&json!({
            "email": "mallory@evil.test", "role": "admin",
        }))).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = send(app.request(&admin_key, Method::PATCH, &format!("/api/v1/members/{}", mia.id)).json(&json!({ "role": "admin" }))).await;
        assert_eq!(status, 403, "{problem}");
        let (status, problem) = send(app.request(&admin_key, Method::POST, "/api/v1/api-keys").json(&json!({ "name": "more", "role": "admin" }))).await;
        assert_eq!(status, 403, "{problem}");
        // A signed-in admin still can.
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let (status, created) = send(app.request(&admin, Method::POST, "/api/v1/members").json(&json!({
            "name": "Nora", "email": "nora@acme.test", "role": "member", "password": "correct horse battery staple 9",
        }))).await;
        assert_eq!(status, 201, "{created}");
    }

    async fn email_cannot_be_pointed_at_the_operators_network(backend: Backend) {
        let options = Options { outbound: Destinations::default(), ..Options::default() };
        let app = TestApp::spawn_with(backend, options).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        for host in ["127.0.0.1", "localhost", "10.0.0.7", "169.254.169.254", "::1", "::ffff:127.0.0.1", "0.0.0.0"] {
            let (status, problem) = send(app.request(&admin, Method::PUT, EMAIL_SETTINGS).json(&smtp(host, 22))).await;
            assert_eq!(status, 422, "{host}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "smtp_host", "{problem}");
            assert!(problem["errors"][0]["message"].as_str().unwrap().contains("outbound_allow"), "the operator's way out is named: {problem}");
        }
        // A name is judged by what it resolves to whenever a connection is made, so a setting
        // saved before (or a name that changes) cannot reach a private address either.
        let mut tx = app.db.begin().await.unwrap();
        settings::put_settings(&mut tx, &EmailSettingsRow {
            workspace_id: workspace.id, sender_name: "Acme".into(), sender_address: "hello@acme.test".into(),
            reply_to: None, smtp_host: Some("localhost".into()), smtp_port: Some(22), smtp_username: None,
            smtp_password: None, smtp_tls: "none".into(), updated_at: Timestamp::now(),
        }).await.unwrap();
        tx.commit().await.unwrap();
        let (status, problem) = send(app.request(&admin, Method::POST, TEST_EMAIL).json(&json!({ "to": "ops@acme.test" }))).await;
        assert_eq!(status, 502, "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains("outbound_allow"), "{problem}");
    }

    async fn a_test_email_reports_nothing_from_a_peer_that_does_not_speak_smtp(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        for banner in ["SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", "INFO {\"server_id\":\"NATS\",\"version\":\"2.10\"}\r\n", "5\0\0\0\n11.4.2-MariaDB\0"] {
            let port = impostor(banner).await;
            let (status, saved) = send(app.request(&admin, Method::PUT, EMAIL_SETTINGS).json(&smtp("127.0.0.1", port))).await;
            assert_eq!(status, 200, "{saved}");
            let (status, problem) = send(app.request(&admin, Method::POST, TEST_EMAIL).json(&json!({ "to": "ops@acme.test" }))).await;
            assert_eq!(status, 502, "{problem}");
            let detail = problem["detail"].as_str().unwrap();
            for word in ["OpenSSH", "SSH-2.0", "NATS", "server_id", "MariaDB", "11.4"] {
                assert!(!detail.contains(word), "the peer's own words come back: {detail}");
            }
        }
    }

    async fn the_smtp_password_never_follows_a_changed_server(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let admin = app.member(&workspace, "adam", MemberRole::Admin).await;
        let admin = app.sign_in(&admin).await;
        let (ours, theirs) = (SmtpSink::start().await, SmtpSink::start().await);
        let mut settings = smtp("127.0.0.1", ours.port());
        settings["smtp_username"] = json!("mailer");
        settings["smtp_password"] = json!("the-agency's-Secret-1");
        let (status, saved) = send(app.request(&owner, Method::PUT, EMAIL_SETTINGS).json(&settings)).await;
        assert_eq!(status, 200, "{saved}");

        let mut redirected = settings.clone();
        redirected.as_object_mut().unwrap().remove("smtp_password");
        redirected["smtp_port"] = json!(theirs.port());
        let (status, problem) = send(app.request(&admin, Method::PUT, EMAIL_SETTINGS).json(&redirected)).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "smtp_password", "{problem}");
        for (field, value) in [("smtp_host", json!("127.0.0.2")), ("smtp_tls", json!("starttls")), ("smtp_username", json!("other"))] {
            let mut changed = settings.clone();
            changed.as_object_mut().unwrap().remove("smtp_password");
            changed[field] = value;
            let (status, problem) = send(app.request(&admin, Method::PUT, EMAIL_SETTINGS).json(&changed)).await;
            assert_eq!(status, 422, "changing {field}: {problem}");
        }
        let (status, answer) = send(app.request(&admin, Method::POST, TEST_EMAIL).json(&json!({ "to": "ops@acme.test" }))).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(ours.logins(), [("mailer".to_owned(), "the-agency's-Secret-1".to_owned())]);

        redirected["smtp_password"] = json!("the-admin's-own-1");
        let (status, saved) = send(app.request(&admin, Method::PUT, EMAIL_SETTINGS).json(&redirected)).await;
        assert_eq!(status, 200, "{saved}");
        let (status, answer) = send(app.request(&admin, Method::POST, TEST_EMAIL).json(&json!({ "to": "ops@acme.test" }))).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(theirs.logins(), [("mailer".to_owned(), "the-admin's-own-1".to_owned())], "only the password given with the new server reaches it");
    }

    async fn a_nul_character_is_refused_at_the_edge_by_name(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (status, problem) = send(app.request(&owner, Method::PUT, "/api/v1/workspace/email-templates/invitation/en")
            .json(&json!({ "subject": "Hi", "html": "<p>\u{0}</p>", "text": "{{ link }}" }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "html", "{problem}");
        let (status, problem) = send(app.request(&owner, Method::POST, "/api/v1/organizations")
            .json(&json!({ "name": "North\u{0}wind" }))).await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "name", "{problem}");
        for path in ["/console/activity?action=%00", "/api/v1/activity?action=%00", "/api/v1/organizations?q=a%00b"] {
            let (status, problem) = send(app.request(&owner, Method::GET, path)).await;
            assert_eq!(status, 422, "{path}: {problem}");
            let field = problem["errors"][0]["field"].as_str().unwrap();
            assert!(path.contains(&format!("?{field}=")), "{path}: {problem}");
        }
    }

    async fn json_with_trailing_garbage_is_refused_and_changes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let (status, problem) = send(app.request(&owner, Method::POST, "/api/v1/organizations")
            .header("content-type", "application/json")
            .body(r#"{"name":"Northwind"} xx"#)).await;
        assert_eq!(status, 400, "{problem}");
        assert_eq!(problem["code"], "malformed_json", "{problem}");
        let (_, list) = send(app.request(&owner, Method::GET, "/api/v1/organizations")).await;
        assert_eq!(list["organizations"], json!([]), "{list}");
    }

    async fn a_stored_answer_is_replayed_only_to_the_credential_that_is_still_valid(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let create_key = |credentials: &Credentials| app.request(credentials, Method::POST, "/api/v1/api-keys")
            .header("idempotency-key", "make-a-key")
            .json(&json!({ "name": "CI", "role": "admin" }));
        let (status, created) = send(create_key(&owner)).await;
        assert_eq!(status, 201, "{created}");
        let (status, again) = send(create_key(&owner)).await;
        assert_eq!((status, &again), (StatusCode::CREATED, &created), "a retry gets the first answer");

        let (status, _) = send(app.request(&owner, Method::DELETE, "/api/v1/sessions/current")).await;
        assert_eq!(status, 204);
        let (status, after) = send(create_key(&owner)).await;
        assert_eq!(status, 401, "a signed-out session gets no stored answer: {after}");
        assert!(!after.to_string().contains(created["token"].as_str().unwrap()));

        let key = Credentials::ApiKey(created["token"].as_str().unwrap().to_owned());
        let org = |credentials: &Credentials| app.request(credentials, Method::POST, "/api/v1/organizations")
            .header("idempotency-key", "make-an-org").json(&json!({ "name": "Northwind" }));
        let (status, made) = send(org(&key)).await;
        assert_eq!(status, 201, "{made}");
        let owner = app.sign_in(&workspace.owner).await;
        let (status, _) = send(app.request(&owner, Method::DELETE, &format!("/api/v1/api-keys/{}", created["api_key"]["id"].as_str().unwrap()))).await;
        assert_eq!(status, 204);
        let (status, after) = send(org(&key)).await;
        assert_eq!(status, 401, "a revoked key gets no stored answer: {after}");

        let keys = "SELECT count(*) FROM idempotency_keys";
        let before = app.database.count(keys).await;
        for i in 0..5 {
            let forged = Credentials::ApiKey(format!("ck_forged{i}"));
            let (status, _) = send(app.request(&forged, Method::POST, "/api/v1/organizations")
                .header("idempotency-key", format!("k{i}")).json(&json!({ "name": "X" }))).await;
            assert_eq!(status, 401);
        }
        assert_eq!(app.database.count(keys).await, before, "unauthenticated requests write nothing");
    }

    async fn an_org_admin_cannot_take_over_inside_the_organization_or_undo_the_agencys_rules(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let owner = app.sign_in(&workspace.owner).await;
        let organization = app.organization(&workspace, "Northwind").await;
        let held = [Permission::OrgAdmin, Permission::Home, Permission::Conversations];
        let mallory = app.client_user(&workspace, organization, "mallory", &held).await;
        let boss = app.client_user(&workspace, organization, "boss", &Permission::ALL).await;
        let plain = app.client_user(&workspace, organization, "plain", &[Permission::Home]).await;
        let session = app.sign_in_client(&mallory).await;
        let security = format!("/api/v1/organizations/{organization}/security");
        for required in [true, false] {
            let (status, problem) = send(app.request(&session, Method::PUT, &security).json(&json!({ "require_two_factor": required }))).await;
            assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "the agency's rule: {problem}");
        }
        let user = |id: clientele_domain::ClientUserId| format!("/api/v1/client-users/{id}");
        for (target, body) in [
            (plain.id, json!({ "permissions": ["home", "analytics"] })),
            (mallory.id, json!({ "permissions": ["org_admin", "home", "conversations", "billing"] })),
            (boss.id, json!({ "email": "mallory+boss@evil.test" })),
            (boss.id, json!({ "password": "a brand new Passphrase 7" })),
            (plain.id, json!({ "password": "a brand new Passphrase 7" })),
        ] {
            let (status, problem) = send(app.request(&session, Method::PATCH, &user(target)).json(&body)).await;
            assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{body}: {problem}");
        }
        let (status, problem) = send(app.request(&session, Method::POST, &format!("/api/v1/organizations/{organization}/users"))
            .json(&json!({ "name": "Sock Puppet", "email": "sock@evil.test", "permissions": ["home", "billing"] }))).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{problem}");
        // Within what they hold, they manage their users as before.
        let (status, granted) = send(app.request(&session, Method::PATCH, &user(plain.id)).json(&json!({ "permissions": ["home", "conversations"] }))).await;
        assert_eq!(status, 200, "{granted}");
        let (status, renamed) = send(app.request(&session, Method::PATCH, &user(boss.id)).json(&json!({ "name": "The Boss", "email": boss.email }))).await;
        assert_eq!(status, 200, "sending the unchanged address is no change: {renamed}");

        // The agency may change an address, and the old address hears of it.
        let (status, moved) = send(app.request(&owner, Method::PATCH, &user(boss.id)).json(&json!({ "email": "boss@northwind.test" }))).await;
        assert_eq!(status, 200, "{moved}");
        let (_, outbox) = send(app.request(&owner, Method::GET, "/api/v1/outbox")).await;
        let notice = &outbox["messages"][0];
        assert_eq!((notice["kind"].as_str(), notice["recipient"].as_str()), (Some("account_changed"), Some(boss.email.as_str())), "{outbox}");
        let id: uuid::Uuid = notice["id"].as_str().unwrap().parse().unwrap();
        let received = app.received(workspace.id, id.into()).await;
        assert!(received.text.contains("boss@northwind.test"), "{}", received.text);
        let (status, _) = send(app.request(&owner, Method::PUT, &security).json(&json!({ "require_two_factor": true }))).await;
        assert_eq!(status, 200, "the agency sets the rule");
    }

    async fn a_silent_mail_server_in_one_workspace_does_not_delay_anothers_email(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let slow = app.workspace("slow").await;
        let slow_owner = app.sign_in(&slow.owner).await;
        // A server that accepts connections and never says a word.
        let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tarpit_port = tarpit.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((stream, _)) = tarpit.accept().await {
                held.push(stream);
            }
        });
        let (status, _) = send(app.request(&slow_owner, Method::PUT, EMAIL_SETTINGS).json(&smtp("127.0.0.1", tarpit_port))).await;
        assert_eq!(status, 200);
        for i in 0..8 {
            let member = app.member(&slow, &format!("m{i}"), MemberRole::Member).await;
            let (status, _) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/password-resets")
                .json(&json!({ "email": member.email }))).await;
            assert_eq!(status, 202);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;

        let fine = app.workspace("fine").await;
        let fine_owner = app.sign_in(&fine.owner).await;
        let sink = SmtpSink::start().await;
        let (status, _) = send(app.request(&fine_owner, Method::PUT, EMAIL_SETTINGS).json(&smtp("127.0.0.1", sink.port()))).await;
        assert_eq!(status, 200);
        let asked = std::time::Instant::now();
        let (status, _) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/password-resets")
            .json(&json!({ "email": fine.owner.email }))).await;
        assert_eq!(status, 202);
        sink.wait_for(1, Duration::from_secs(5)).await;
        let waited = asked.elapsed();
        assert!(waited < Duration::from_secs(5), "the other workspace's reset waited {waited:?}");
    }

    async fn a_member_address_neither_leaks_nor_is_reserved_across_workspaces(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let acme = app.workspace("acme").await;
        let rival = app.workspace("rival").await;
        let rival_owner = app.sign_in(&rival.owner).await;
        let ana = app.member(&acme, "ana", MemberRole::Member).await;
        let add = |password: &str| json!({ "name": "Ana Other", "email": ana.email, "role": "member", "password": password });

        // The rival cannot tell that the address has an account elsewhere: it simply adds it.
        let (status, added) = send(app.request(&rival_owner, Method::POST, "/api/v1/members").json(&add("rival's Passphrase 42"))).await;
        assert_eq!(status, 201, "{added}");
        let (status, problem) = send(app.request(&rival_owner, Method::POST, "/api/v1/members").json(&add("rival's Passphrase 43"))).await;
        assert_eq!(status, 409, "one account per address within a workspace: {problem}");
        assert!(!problem.to_string().contains("acme"), "{problem}");

        // Each password opens its own workspace's account.
        for (password, account) in [(clientele_testkit::PASSWORD, json!(ana.id)), ("rival's Passphrase 42", added["id"].clone())] {
            let (status, session) = send(app.client().post(app.url("/api/v1/sessions"))
                .json(&json!({ "email": ana.email, "password": password }))).await;
            assert_eq!(status, 201, "{session}");
            assert_eq!(session["member"]["id"], account, "{session}");
        }
        let (status, _) = send(app.client().post(app.url("/api/v1/sessions"))
            .json(&json!({ "email": ana.email, "password": "neither of them 77" }))).await;
        assert_eq!(status, 401);

        // A reset reaches each account, each in its own workspace.
        let (status, _) = send(app.request(&Credentials::Anonymous, Method::POST, "/api/v1/password-resets")
            .json(&json!({ "email": ana.email }))).await;
        assert_eq!(status, 202);
        app.queued_to(acme.id, &ana.email).await;
        app.queued_to(rival.id, &ana.email).await;
    }
}

/// The answer to a reset request does not wait for the email: with the outbox locked, a known
/// address is answered as promptly as an unknown one, and its email is queued afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_request_is_answered_before_any_email_is_queued() {
    // The outbox's worker and the reset's background work each wait on the lock holding a
    // connection of their own; the request is then answered on a third.
    let pool = PoolSettings {
        max_connections: 3,
        ..PoolSettings::default()
    };
    let app = TestApp::spawn_with(
        Backend::Postgres,
        Options {
            pool,
            ..Options::default()
        },
    )
    .await;
    let workspace = app.workspace("acme").await;
    let lock = app.database.lock_table("outbox").await;
    for email in ["nobody@acme.test", workspace.owner.email.as_str()] {
        let answered = tokio::time::timeout(
            Duration::from_secs(5),
            send(
                app.request(
                    &Credentials::Anonymous,
                    Method::POST,
                    "/api/v1/password-resets",
                )
                .json(&json!({ "email": email })),
            ),
        )
        .await;
        assert_eq!(
            answered.map(|(status, _)| status).ok(),
            Some(StatusCode::ACCEPTED),
            "{email} is answered while the outbox is locked"
        );
    }
    drop(lock);
    let id = app.queued_to(workspace.id, &workspace.owner.email).await;
    assert!(
        app.received(workspace.id, id)
            .await
            .text
            .contains("reset-password?token=")
    );
}
