//! Crash safety: the real binary, killed with SIGKILL mid-load, loses no acknowledged write
//! and keeps every change with its activity entry (see `clientele_testkit::crash`).

use clientele_testkit::Backend;
use clientele_testkit::crash::{CrashSettings, run};
use std::path::Path;

const SETTINGS: CrashSettings = CrashSettings {
    clients: 50,
    writes_per_client: 20,
    iterations: 5,
};

async fn killed_mid_load_keeps_every_acknowledged_write(backend: Backend) {
    let report = run(
        Path::new(env!("CARGO_BIN_EXE_clientele")),
        backend,
        SETTINGS,
    )
    .await;
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    assert_eq!(report.iterations.len(), SETTINGS.iterations);
    for iteration in &report.iterations {
        assert!(iteration.refused.is_empty(), "{:#?}", iteration.refused);
        assert!(
            iteration.acknowledged > 0,
            "the kill came before any write: {iteration:?}"
        );
        assert_eq!(iteration.lost, 0, "{iteration:?}");
    }
}

#[tokio::test]
async fn sqlite_killed_mid_load_keeps_every_acknowledged_write() {
    killed_mid_load_keeps_every_acknowledged_write(Backend::Sqlite).await;
}

#[tokio::test]
async fn postgres_killed_mid_load_keeps_every_acknowledged_write() {
    killed_mid_load_keeps_every_acknowledged_write(Backend::Postgres).await;
}
