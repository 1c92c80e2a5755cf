//! `clientele audit`: the chains verify only with the server's key, and a signed checkpoint
//! kept away from the database tells whether history up to it still stands.

use crate::process::clientele;
use clientele_testkit::PASSWORD;
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn audit(dir: &Path, args: &[&str]) -> std::process::Output {
    clientele(dir)
        .arg("audit")
        .args(args)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_checkpoint_verifies_until_it_or_the_key_is_tampered_with() {
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
    let file = dir.path().join("checkpoint.json");
    let file_arg = file.to_str().unwrap();

    let written = audit(dir.path(), &["checkpoint", "--out", file_arg]).await;
    assert!(written.status.success(), "{}", text(&written.stderr));
    let verified = audit(dir.path(), &["verify", "--checkpoint", file_arg]).await;
    assert!(
        verified.status.success(),
        "{}{}",
        text(&verified.stdout),
        text(&verified.stderr)
    );
    assert!(
        text(&verified.stdout).contains("Checked 1 chain heads"),
        "{}",
        text(&verified.stdout)
    );

    let again = audit(dir.path(), &["checkpoint", "--out", file_arg]).await;
    assert!(
        !again.status.success(),
        "an existing checkpoint is never overwritten"
    );

    let original = std::fs::read_to_string(&file).unwrap();
    // One hex digit of the recorded head changed: a checkpoint made to fit a rewritten history.
    let at = original.find("\"head\": \"").unwrap() + "\"head\": \"".len();
    let digit = if &original[at..=at] == "0" { "1" } else { "0" };
    let edited = format!("{}{digit}{}", &original[..at], &original[at + 1..]);
    std::fs::write(&file, edited).unwrap();
    let refused = audit(dir.path(), &["verify", "--checkpoint", file_arg]).await;
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("was not signed with this server's key, or was edited"),
        "{}",
        text(&refused.stderr)
    );

    std::fs::write(&file, &original).unwrap();
    let other_key = clientele(dir.path())
        .args(["audit", "verify"])
        .env(
            "CLIENTELE_SECRET_KEY",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        )
        .output()
        .await
        .unwrap();
    assert!(
        !other_key.status.success(),
        "the chain verifies only with the key that wrote it"
    );
    assert!(
        text(&other_key.stdout).contains("written with another key"),
        "{}",
        text(&other_key.stdout)
    );
}
