//! The worst email templates an admin can write, saved and previewed on the real binary: each
//! is refused with a 422 naming its part, and the server's peak resident memory stays small.

use crate::process::{Server, clientele};
use clientele_testkit::PASSWORD;
use serde_json::{Value, json};

/// Far below the gigabytes the worst templates would take unbounded.
const PEAK_MEMORY_BOUND_KB: u64 = 200 * 1024;

/// The server's peak resident set so far, from the kernel.
fn peak_resident_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn worst_templates() -> Vec<(&'static str, String)> {
    let forty = "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'";
    let big = "y".repeat(90_000);
    vec![
        ("repetition", format!("{{% for c in {forty} %}}{{{{ 'x' * 100000000 }}}}{{% endfor %}}")),
        ("concatenation doubling", format!("{{% set s = link %}}{{% for c in {forty} %}}{{% set s = s ~ s %}}{{% endfor %}}{{{{ s }}}}")),
        ("recursive doubling", "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s }}{% endmacro %}{{ d(link, 40) }}".to_owned()),
        ("captured doubling", format!("{{% set s %}}{big}{{% endset %}}{{% for c in {forty} %}}{{{{ s }}}}{{% endfor %}}")),
        ("growing filters", "{{ link|replace('', 'xxxxxxxxxx')|replace('', 'xxxxxxxxxx')|replace('', 'xxxxxxxxxx')|replace('', 'xxxxxxxxxx') }}".to_owned()),
        ("nested loops", format!("{{% for a in {forty} %}}{{% for b in {forty} %}}{{% for c in {forty} %}}{big}{{% endfor %}}{{% endfor %}}{{% endfor %}}")),
    ]
}

#[tokio::test]
async fn the_worst_templates_are_refused_and_the_server_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let mut init = clientele(dir.path());
    init.args([
        "init",
        "--workspace",
        "Acme Agency",
        "--owner-name",
        "Ana",
        "--owner-email",
        "ana@acme.test",
    ])
    .env("CLIENTELE_OWNER_PASSWORD", PASSWORD);
    assert!(init.output().await.unwrap().status.success());
    let mut serve = clientele(dir.path());
    serve.args(["serve", "--listen", "127.0.0.1:0"]);
    let server = Server::start(serve).await;
    let pid = server.child.id().unwrap();
    let base = server.base_url.clone();
    let client = clientele_testkit::http_client();
    let signed_in = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({ "email": "ana@acme.test", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 201);
    let cookie = signed_in.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let csrf = signed_in.json::<Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let idle = peak_resident_kb(pid);

    let template = "/api/v1/workspace/email-templates/invitation/en";
    for (what, text) in worst_templates() {
        let body = json!({ "subject": "Hi", "html": "<p>{{ link }}</p>", "text": text });
        for path in [template.to_owned(), format!("{template}/preview")] {
            let method = if path.ends_with("preview") {
                reqwest::Method::POST
            } else {
                reqwest::Method::PUT
            };
            let response = client
                .request(method, format!("{base}{path}"))
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 422, "{what} at {path}");
            let problem: Value = response.json().await.unwrap();
            assert_eq!(problem["errors"][0]["field"], "text", "{what}: {problem}");
        }
    }

    assert_eq!(
        server.get("/healthz").await.status(),
        200,
        "the server still serves"
    );
    let peak = peak_resident_kb(pid);
    println!("peak resident memory: {idle} kB idle, {peak} kB after the worst templates");
    assert!(
        peak < PEAK_MEMORY_BOUND_KB,
        "peak resident memory {peak} kB"
    );
    let (status, _, stderr) = server.terminate().await;
    assert!(status.success(), "{stderr}");
}
