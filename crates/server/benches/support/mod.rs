//! What the benches share: reading sizes from the environment, timing requests sent one at
//! a time, and printing percentiles.

use clientele_testkit::{Credentials, TestApp};
use reqwest::Method;
use std::time::{Duration, Instant};

/// A request to time: method, path, and an optional JSON body.
pub type Timed = (Method, String, Option<serde_json::Value>);

pub fn from_env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Sends the requests one after another; returns their sorted latencies.
pub async fn measure(
    app: &TestApp,
    caller: &Credentials,
    requests: impl Iterator<Item = Timed>,
) -> Vec<Duration> {
    let mut latencies = Vec::new();
    for (method, path, body) in requests {
        let mut request = app.request(caller, method, &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let sent = Instant::now();
        let response = request.send().await.unwrap();
        let status = response.status();
        response.bytes().await.unwrap();
        latencies.push(sent.elapsed());
        assert!(status.is_success(), "{path}: {status}");
    }
    latencies.sort();
    latencies
}

pub fn report(backend: &str, name: &str, latencies: Vec<Duration>) {
    let percentile =
        |p: usize| latencies[(latencies.len() * p / 100).min(latencies.len() - 1)].as_micros();
    println!(
        "{backend:<9} {name:<44} {:>9} {:>9}",
        percentile(50),
        percentile(99)
    );
}
