//! The browser-facing and network-facing defences: security headers on every route, session
//! cookies that only HTTPS can carry, forwarded addresses believed only from trusted proxies,
//! and a sign-in throttle that parallel guesses cannot outrun.

use clientele_server::TrustedProxies;
use clientele_store::PoolSettings;
use clientele_testkit::races::guess_passwords_at_once;
use clientele_testkit::{Backend, Credentials, Options, PASSWORD, TestApp, on_both_backends};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn behind_proxy(networks: &[&str]) -> Options {
    Options {
        trusted_proxies: TrustedProxies::new(
            networks
                .iter()
                .map(|n| TrustedProxies::parse_network(n).unwrap())
                .collect(),
        ),
        ..Options::default()
    }
}

/// Signs in with `email` from the client address `forwarded` claims to be.
async fn sign_in_from(app: &TestApp, email: &str, password: &str, forwarded: &str) -> StatusCode {
    app.client()
        .post(app.url("/api/v1/sessions"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

/// How many of each status `statuses` holds, e.g. `[(401, 5), (429, 195)]`.
fn tally(statuses: &[StatusCode]) -> Vec<(u16, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for status in statuses {
        *counts.entry(status.as_u16()).or_default() += 1;
    }
    counts.into_iter().collect()
}

/// Asserts the headers every response carries, and `no-store` when the request had
/// credentials unless the response is the same for every caller (`public`).
fn assert_protected(what: &str, response: &reqwest::Response, credentialed: bool) {
    let headers = response.headers();
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    assert!(
        header("referrer-policy").is_some(),
        "{what} lacks a Referrer-Policy"
    );
    let html = header("content-type").is_some_and(|ct| ct.starts_with("text/html"));
    if html {
        let csp = header("content-security-policy").unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'"),
            "{what}: CSP `{csp}`"
        );
        assert!(csp.contains("script-src 'self'"), "{what}: CSP `{csp}`");
    }
    if credentialed {
        let cache = header("cache-control").unwrap_or_default();
        assert!(
            cache == "no-store" || cache.starts_with("public"),
            "{what}: Cache-Control `{cache}`"
        );
    }
}

on_both_backends! {
    async fn behind_a_trusted_proxy_over_https_the_session_cookie_is_host_prefixed_and_secure(backend: Backend) {
        let app = TestApp::spawn_with(backend, behind_proxy(&["127.0.0.1"])).await;
        app.workspace("acme").await;
        let signed_in = app.client().post(app.url("/api/v1/sessions"))
            .header("x-forwarded-proto", "https")
            .json(&json!({ "email": "owner@acme.test", "password": PASSWORD }))
            .send().await.unwrap();
        assert_eq!(signed_in.status(), 201);
        assert!(signed_in.headers().contains_key("strict-transport-security"));
        let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("__Host-sid="), "{cookie}");
        for attribute in ["; Secure", "; HttpOnly", "; SameSite=Lax", "; Path=/"] {
            assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
        }
        assert!(!cookie.contains("Domain"), "a __Host- cookie names no domain");
        let token = cookie.split(';').next().unwrap().trim_start_matches("__Host-sid=").to_owned();

        let me = |cookie: String| {
            app.client().get(app.url("/api/v1/me")).header("x-forwarded-proto", "https").header("cookie", cookie).send()
        };
        assert_eq!(me(format!("__Host-sid={token}")).await.unwrap().status(), 200);
        assert_eq!(
            me(format!("sid={token}")).await.unwrap().status(), 401,
            "over HTTPS a cookie without the prefix could have been planted over plain HTTP"
        );
    }

    async fn an_untrusted_peer_cannot_claim_https_or_another_address(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.workspace("acme").await;
        let signed_in = app.client().post(app.url("/api/v1/sessions"))
            .header("x-forwarded-proto", "https")
            .header("x-forwarded-for", "198.51.100.7")
            .json(&json!({ "email": "owner@acme.test", "password": PASSWORD }))
            .send().await.unwrap();
        let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(cookie.starts_with("sid=") && !cookie.contains("Secure"), "{cookie}");
        assert!(!signed_in.headers().contains_key("strict-transport-security"));

        let session = Credentials::Session {
            cookie: cookie.split(';').next().unwrap().to_owned(),
            csrf_token: signed_in.json::<Value>().await.unwrap()["csrf_token"].as_str().unwrap().to_owned(),
        };
        let activity: Value = app.request(&session, Method::GET, "/api/v1/activity").send().await.unwrap().json().await.unwrap();
        assert_eq!(activity["entries"][0]["action"], "member.signed_in");
        assert_eq!(activity["entries"][0]["ip"], "127.0.0.1", "the activity log records the real peer");
    }

    async fn forged_forwarded_addresses_from_an_untrusted_peer_are_throttled_as_one_address(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.workspace("acme").await;
        let mut statuses = Vec::new();
        for i in 0..100 {
            let forged = format!("203.0.{}.{}", i / 250, i % 250 + 1);
            statuses.push(sign_in_from(&app, &format!("guess{i}@acme.test"), "not-the-password-1", &forged).await);
        }
        assert_eq!(tally(&statuses), [(401, 20), (429, 80)], "the address allowance is 20");

        let proxied = TestApp::spawn_with(backend, behind_proxy(&["127.0.0.1"])).await;
        proxied.workspace("acme").await;
        let mut statuses = Vec::new();
        for i in 0..30 {
            let client = format!("203.0.113.{}", i + 1);
            statuses.push(sign_in_from(&proxied, &format!("guess{i}@acme.test"), "not-the-password-1", &client).await);
        }
        assert_eq!(tally(&statuses), [(401, 30)], "behind a trusted proxy each client counts alone");
    }

    async fn parallel_wrong_passwords_run_no_more_verifications_than_the_throttle_allows(backend: Backend) {
        let options = Options { pool: PoolSettings::default(), ..Options::default() };
        let app = std::sync::Arc::new(TestApp::spawn_with(backend, options).await);
        let outcome = guess_passwords_at_once(&app, "acme", 200).await;
        assert_eq!((outcome.count(401), outcome.count(429)), (5, 195), "{outcome:?}");
        let right = app.client().post(app.url("/api/v1/sessions"))
            .json(&json!({ "email": "owner@acme.test", "password": PASSWORD }))
            .send().await.unwrap();
        assert_eq!(right.status(), 429, "the account stays blocked");
    }

    async fn every_route_answers_with_the_security_headers(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let workspace = app.workspace("acme").await;
        let organization = app.organization(&workspace, "Northwind").await;
        let owner = app.sign_in(&workspace.owner).await;
        let mut checked = 0;
        for (path, _) in clientele_server::web::pages() {
            let path = path.replace("{id}", &organization.to_string()).replace("{section}", "home");
            for (who, credentialed) in [(&Credentials::Anonymous, false), (&owner, true)] {
                let response = app.request(who, Method::GET, &path).send().await.unwrap();
                assert_protected(&format!("GET {path}"), &response, credentialed);
                checked += 1;
            }
        }
        let reference = app.request(&owner, Method::GET, "/api/docs/").send().await.unwrap();
        assert_protected("the API reference", &reference, true);

        let document = serde_json::to_value(clientele_server::openapi()).unwrap();
        let mut operations: Vec<(Method, String)> = Vec::new();
        for (path, methods) in document["paths"].as_object().unwrap() {
            // Ids that exist nowhere: every operation answers without changing anything.
            let path = path.split('/').map(|part| if part.starts_with('{') { "0190a8b4-0000-7000-8000-000000000000" } else { part })
                .collect::<Vec<_>>().join("/");
            for method in methods.as_object().unwrap().keys() {
                operations.push((Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(), path.clone()));
            }
        }
        // Signing out ends the owner's session, so it goes last.
        operations.sort_by_key(|(method, path)| *method == Method::DELETE && path.ends_with("/sessions/current"));
        for (method, path) in operations {
            for (who, credentialed) in [(&Credentials::Anonymous, false), (&owner, true)] {
                let response = app.request(who, method.clone(), &path).json(&json!({})).send().await.unwrap();
                assert!(response.status() != 500, "{method} {path}");
                assert_protected(&format!("{method} {path}"), &response, credentialed);
                checked += 1;
            }
        }
        assert!(checked > 150, "walked {checked} routes");
    }
}
