use crate::process::clientele;
use std::path::Path;

async fn migrate_in(dir: &Path, env: Option<&str>, flag: Option<&str>) {
    let mut command = clientele(dir);
    command.args(["--config", "clientele.toml", "migrate"]);
    if let Some(env) = env {
        command.env("CLIENTELE_DATA_DIR", env);
    }
    if let Some(flag) = flag {
        command.args(["--data-dir", flag]);
    }
    let output = command.output().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn flags_beat_the_environment_which_beats_the_settings_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clientele.toml"),
        "data_dir = \"from-file\"\n",
    )
    .unwrap();
    let database_in = |sub: &str| dir.path().join(sub).join("clientele.db").is_file();

    migrate_in(dir.path(), None, None).await;
    assert!(database_in("from-file"));

    migrate_in(dir.path(), Some("from-env"), None).await;
    assert!(database_in("from-env"));

    migrate_in(dir.path(), Some("from-env-2"), Some("from-flag")).await;
    assert!(database_in("from-flag"));
    assert!(!database_in("from-env-2"));
}

#[tokio::test]
async fn an_unknown_setting_in_the_file_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("clientele.toml"),
        "lisen = \"127.0.0.1:9000\"\n",
    )
    .unwrap();
    let output = clientele(dir.path())
        .args(["--config", "clientele.toml", "migrate"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("clientele.toml") && stderr.contains("lisen"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("clientele-data").exists(),
        "nothing is created on bad settings"
    );
}

#[tokio::test]
async fn a_missing_settings_file_is_an_error_not_a_silent_default() {
    let dir = tempfile::tempdir().unwrap();
    let output = clientele(dir.path())
        .args(["--config", "missing.toml", "migrate"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.toml"));
}
