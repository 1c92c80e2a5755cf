//! Runs the built binary in a directory of its own, with no `CLIENTELE_*` variable inherited.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// The binary as `cargo` built it, with a clean environment and `dir` as working directory.
pub fn clientele(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_clientele"));
    command.current_dir(dir).kill_on_drop(true);
    for (name, _) in std::env::vars() {
        if name.starts_with("CLIENTELE_") {
            command.env_remove(name);
        }
    }
    command
}

/// A running `clientele serve` and the base URL it printed. Its output is read as it comes,
/// so a chatty log never fills the pipe and stalls the server.
pub struct Server {
    pub child: Child,
    pub base_url: String,
    stdout: JoinHandle<String>,
    stderr: JoinHandle<String>,
}

fn drain(mut stream: impl AsyncRead + Unpin + Send + 'static) -> JoinHandle<String> {
    tokio::spawn(async move {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes).await;
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

impl Server {
    /// Starts `command` (a `serve` on port 0) and waits for it to print where it listens.
    pub async fn start(mut command: Command) -> Self {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        let read = tokio::time::timeout(Duration::from_secs(30), stdout.read_line(&mut line)).await;
        assert!(
            matches!(read, Ok(Ok(n)) if n > 0),
            "the server printed nothing: {read:?}"
        );
        let base_url = line
            .trim()
            .strip_prefix("Clientele is running at ")
            .unwrap_or_else(|| panic!("unexpected first line: {line}"))
            .trim_end_matches('/')
            .to_owned();
        let stderr = drain(child.stderr.take().unwrap());
        Self {
            child,
            base_url,
            stdout: drain(stdout),
            stderr,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        clientele_testkit::http_client()
            .get(format!("{}{path}", self.base_url))
            .send()
            .await
            .unwrap()
    }

    /// Sends SIGTERM and returns the exit status with everything printed on stdout and stderr.
    pub async fn terminate(mut self) -> (std::process::ExitStatus, String, String) {
        let pid = self.child.id().unwrap().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("the server exits within the grace period after SIGTERM")
            .unwrap();
        let stdout = self.stdout.await.unwrap();
        let stderr = self.stderr.await.unwrap();
        (status, stdout, stderr)
    }
}
