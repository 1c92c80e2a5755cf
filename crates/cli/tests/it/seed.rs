//! `clientele dev seed`, run as a developer runs it.

use crate::process::clientele;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn seeding_prints_how_to_sign_in_and_leaves_a_verifiable_log() {
    let dir = tempfile::tempdir().unwrap();
    let seed = |slug: &'static str| {
        let mut command = clientele(dir.path());
        command.args([
            "dev",
            "seed",
            "--workspace",
            slug,
            "--orgs",
            "3",
            "--agents",
            "4",
        ]);
        command.args(["--users-per-org", "2", "--activity", "40"]);
        command
    };
    let output = seed("demo").output().await.unwrap();
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("3 organizations, 4 agents, 6 client users, 40 activity entries"),
        "{stdout}"
    );
    assert!(stdout.contains("owner@demo.example"), "{stdout}");

    let again = seed("demo").output().await.unwrap();
    assert!(
        !again.status.success(),
        "an existing workspace is never seeded into"
    );

    let verify = clientele(dir.path())
        .args(["audit", "verify"])
        .output()
        .await
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify.stdout));
}
