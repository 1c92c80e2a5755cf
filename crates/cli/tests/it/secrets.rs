//! Secret hygiene: every secret a deployment hands out or is given (passwords, session, CSRF,
//! invitation, reset, preview and API-key tokens, the SMTP password) is collected while the
//! real binary runs with the most verbose logging, and none may appear in what it logged or in
//! a plain dump of its database.

use crate::process::{Server, clientele};
use clientele_testkit::{Backend, PASSWORD, SmtpSink, TestDb};
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// A signed-in browser: the session cookie and its CSRF token.
struct Session {
    cookie: String,
    csrf: String,
}

/// What the run handed out, to be looked for afterwards.
#[derive(Default)]
struct Secrets(Vec<(&'static str, String)>);

impl Secrets {
    fn keep(&mut self, what: &'static str, secret: &str) {
        assert!(
            secret.len() >= 10,
            "{what} is too short to be a secret: {secret:?}"
        );
        self.0.push((what, secret.to_owned()));
    }

    fn keep_session(&mut self, what: &'static str, session: &Session) {
        let token = session.cookie.split_once('=').unwrap().1;
        self.keep(what, token);
        self.keep("a CSRF token", &session.csrf);
    }

    /// Fails naming every secret found in `haystack`.
    fn assert_absent(&self, place: &str, haystack: &str) {
        let found: Vec<_> = self
            .0
            .iter()
            .filter(|(_, s)| haystack.contains(s.as_str()))
            .map(|(what, _)| *what)
            .collect();
        assert!(found.is_empty(), "{place} contains {found:?}");
    }
}

struct Run {
    client: Client,
    base: String,
}

impl Run {
    fn call(&self, session: Option<&Session>, method: Method, path: &str) -> RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match session {
            Some(s) => request
                .header("cookie", &s.cookie)
                .header("x-csrf-token", &s.csrf),
            None => request,
        }
    }

    async fn json(&self, request: RequestBuilder, expected: u16) -> Value {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, expected, "{body}");
        body
    }

    /// Signs in through `path` with `body` and returns the new session.
    async fn sign_in(&self, path: &str, body: Value) -> Session {
        let response = self
            .call(None, Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "signing in at {path}");
        let session = session_of(&response);
        let body: Value = response.json().await.unwrap();
        Session {
            cookie: session,
            csrf: body["csrf_token"].as_str().unwrap().to_owned(),
        }
    }
}

/// The token in the link of the `nth` email (from 1) the sink received for `recipient`.
async fn emailed_token(sink: &SmtpSink, recipient: &str, nth: usize) -> String {
    for _ in 0..200 {
        let received: Vec<_> = sink
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|to| to == recipient))
            .collect();
        if let Some(mail) = received.get(nth - 1) {
            let link = mail.link_containing("token=");
            return link.split("token=").nth(1).unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no email {nth} to {recipient}");
}

fn session_of(response: &reqwest::Response) -> String {
    response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

/// Runs every way a secret is made or given, at `trace` logging; returns the secrets and what
/// the server logged.
async fn exercise(dir: &Path, database_url: Option<&str>) -> (Secrets, String) {
    let mut secrets = Secrets::default();
    let with_database = |mut command: tokio::process::Command| {
        if let Some(url) = database_url {
            command.env("CLIENTELE_DATABASE_URL", url);
        }
        command
    };
    let owner_password = format!("{PASSWORD}-owner");
    secrets.keep("the owner's password", &owner_password);
    let mut init = with_database(clientele(dir));
    init.args([
        "init",
        "--workspace",
        "Acme Agency",
        "--owner-name",
        "Ana",
        "--owner-email",
        "ana@acme.test",
    ])
    .env("CLIENTELE_OWNER_PASSWORD", &owner_password);
    assert!(init.output().await.unwrap().status.success());

    let mut serve = with_database(clientele(dir));
    serve
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--outbound-allow", "127.0.0.1"])
        .env("CLIENTELE_LOG", "trace");
    let server = Server::start(serve).await;
    let run = Run {
        client: clientele_testkit::http_client_builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: server.base_url.clone(),
    };

    let owner = run
        .sign_in(
            "/api/v1/sessions",
            json!({ "email": "ana@acme.test", "password": owner_password }),
        )
        .await;
    secrets.keep_session("the owner's session", &owner);
    let me = run
        .json(run.call(Some(&owner), Method::GET, "/api/v1/me"), 200)
        .await;
    let slug = me["workspace"]["slug"].as_str().unwrap().to_owned();

    let smtp_password = "smtp-Pa55word-never-shown";
    secrets.keep("the SMTP password", smtp_password);
    let sink = SmtpSink::start().await;
    run.json(run.call(Some(&owner), Method::PUT, "/api/v1/workspace/email-settings").json(&json!({
        "sender_name": "Acme", "sender_address": "hello@acme.test", "smtp_host": "127.0.0.1", "smtp_port": sink.port(),
        "smtp_username": "mailer", "smtp_password": smtp_password, "smtp_tls": "none",
    })), 200).await;

    let key = run
        .json(
            run.call(Some(&owner), Method::POST, "/api/v1/api-keys")
                .header("idempotency-key", "key-for-zapier")
                .json(&json!({ "name": "Zapier", "role": "admin" })),
            201,
        )
        .await;
    secrets.keep("an API key", key["token"].as_str().unwrap());

    let organization = run
        .json(
            run.call(Some(&owner), Method::POST, "/api/v1/organizations")
                .json(&json!({ "name": "Northwind" })),
            201,
        )
        .await;
    let users = format!(
        "/api/v1/organizations/{}/users",
        organization["id"].as_str().unwrap()
    );
    let client_password = format!("{PASSWORD}-client");
    secrets.keep("a client user's password", &client_password);
    let carl = run.json(run.call(Some(&owner), Method::POST, &users)
        .json(&json!({ "name": "Carl", "email": "carl@northwind.test", "password": client_password })), 201).await;
    let carl_session = run.sign_in("/api/v1/dashboard/sessions", json!({ "workspace": slug, "email": "carl@northwind.test", "password": client_password })).await;
    secrets.keep_session("a client user's session", &carl_session);

    let ines = run
        .json(
            run.call(Some(&owner), Method::POST, &users)
                .json(&json!({ "name": "Ines", "email": "ines@northwind.test" })),
            201,
        )
        .await;
    run.json(
        run.call(
            Some(&owner),
            Method::POST,
            &format!(
                "/api/v1/client-users/{}/invitation",
                ines["id"].as_str().unwrap()
            ),
        ),
        201,
    )
    .await;
    let invitation = emailed_token(&sink, "ines@northwind.test", 1).await;
    secrets.keep("a client user's invitation", &invitation);
    let ines_password = format!("{PASSWORD}-ines");
    secrets.keep("an invited user's password", &ines_password);
    let ines_session = run
        .sign_in(
            "/api/v1/invitation/accept",
            json!({ "token": invitation, "password": ines_password }),
        )
        .await;
    secrets.keep_session("an invited user's session", &ines_session);

    run.json(
        run.call(Some(&owner), Method::POST, "/api/v1/member-invitations")
            .json(&json!({ "email": "mia@acme.test", "role": "member" })),
        201,
    )
    .await;
    let member_invitation = emailed_token(&sink, "mia@acme.test", 1).await;
    secrets.keep("a member invitation", &member_invitation);
    let mia_password = format!("{PASSWORD}-mia");
    secrets.keep("a new member's password", &mia_password);
    let mia = run
        .sign_in(
            "/api/v1/invitation/accept",
            json!({ "token": member_invitation, "name": "Mia", "password": mia_password }),
        )
        .await;
    secrets.keep_session("a new member's session", &mia);

    run.json(
        run.call(None, Method::POST, "/api/v1/password-resets")
            .json(&json!({ "email": "mia@acme.test" })),
        202,
    )
    .await;
    let reset = emailed_token(&sink, "mia@acme.test", 2).await;
    assert_ne!(reset, member_invitation);
    secrets.keep("a reset link", &reset);
    let reset_password = format!("{PASSWORD}-reset");
    secrets.keep("a reset password", &reset_password);
    let reset_session = run
        .sign_in(
            "/api/v1/password-reset/complete",
            json!({ "token": reset, "password": reset_password }),
        )
        .await;
    secrets.keep_session("a session from a reset", &reset_session);

    let preview = run
        .json(
            run.call(
                Some(&owner),
                Method::POST,
                &format!(
                    "/api/v1/client-users/{}/preview",
                    carl["id"].as_str().unwrap()
                ),
            ),
            201,
        )
        .await;
    let preview_token = preview["url"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    secrets.keep("a preview link", &preview_token);
    let opened = run
        .client
        .get(format!("{}/preview?token={preview_token}", run.base))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 303);
    let preview_cookie = session_of(&opened);
    secrets.keep(
        "a preview session",
        preview_cookie.split_once('=').unwrap().1,
    );

    let (status, stdout, stderr) = server.terminate().await;
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.lines().count() > 100,
        "trace logging was on:\n{stderr}"
    );
    (secrets, format!("{stdout}\n{stderr}"))
}

#[tokio::test]
async fn no_secret_reaches_the_logs_or_the_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let (secrets, logs) = exercise(dir.path(), None).await;
    secrets.assert_absent("the log", &logs);
    let data = dir.path().join("clientele-data");
    let mut dump = String::new();
    for file in std::fs::read_dir(&data).unwrap() {
        let path = file.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("clientele.db")
        {
            dump.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    assert!(
        dump.contains("carl@northwind.test"),
        "the files hold the data"
    );
    secrets.assert_absent("the database files", &dump);
}

#[tokio::test]
async fn no_secret_reaches_the_logs_or_a_postgres_dump() {
    let database = TestDb::new(Backend::Postgres).await;
    let dir = tempfile::tempdir().unwrap();
    let (secrets, logs) = exercise(dir.path(), Some(database.url())).await;
    secrets.assert_absent("the log", &logs);
    let dump = std::process::Command::new("pg_dump")
        .args(["--data-only", database.url()])
        .output()
        .expect("pg_dump runs");
    assert!(
        dump.status.success(),
        "{}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let dump = String::from_utf8_lossy(&dump.stdout);
    assert!(dump.contains("ana@acme.test"), "the dump holds the data");
    secrets.assert_absent("pg_dump", &dump);
}
