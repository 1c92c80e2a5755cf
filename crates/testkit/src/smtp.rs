//! A real SMTP server on 127.0.0.1 that keeps what it receives: the peer of the application's
//! outbox in tests. It speaks enough of RFC 5321 for a standard client (EHLO, MAIL, RCPT, DATA,
//! RSET, NOOP, QUIT), and can be stopped and started again on the same port to play a mail
//! server that goes down.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// One message as the server received it.
#[derive(Clone, Debug)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The message as sent after DATA: headers, a blank line, the body.
    pub data: String,
}

/// What the server was told: the messages, and the `AUTH PLAIN` logins as (user, password).
#[derive(Default)]
struct Mailbox {
    messages: Vec<ReceivedMail>,
    logins: Vec<(String, String)>,
}

/// The SMTP server; stops when dropped.
pub struct SmtpSink {
    port: u16,
    received: Arc<Mutex<Mailbox>>,
    server: Option<JoinHandle<()>>,
}

impl SmtpSink {
    /// Starts on a free port.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a port for SMTP");
        let port = listener.local_addr().expect("the SMTP port").port();
        let received = Arc::new(Mutex::new(Mailbox::default()));
        let server = Some(tokio::spawn(accept(listener, received.clone())));
        Self {
            port,
            received,
            server,
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops listening and drops every open connection, as a crashed server would.
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }

    /// Listens again on the same port, keeping what was received before.
    pub async fn restart(&mut self) {
        self.stop();
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(listener) => break listener,
                Err(error) if tries < 50 => {
                    tries += 1;
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(error) => panic!("cannot listen on the SMTP port again: {error}"),
            }
        };
        self.server = Some(tokio::spawn(accept(listener, self.received.clone())));
    }

    /// Every message received so far.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.received
            .lock()
            .expect("the mailbox lock")
            .messages
            .clone()
    }

    /// Every `AUTH PLAIN` login so far, as (user, password).
    pub fn logins(&self) -> Vec<(String, String)> {
        self.received
            .lock()
            .expect("the mailbox lock")
            .logins
            .clone()
    }

    /// Waits until at least `count` messages have arrived (panics after `within`).
    pub async fn wait_for(&self, count: usize, within: Duration) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!(
                    "expected {count} email(s) within {within:?}, received {}",
                    messages.len()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

impl ReceivedMail {
    /// A header's value (the first), unfolded, with RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or_default();
        let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
        unfolded.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| decode_words(value.trim()))
        })
    }

    pub fn subject(&self) -> String {
        self.header("subject").unwrap_or_default()
    }

    /// The decoded body of the part with `content_type` (`text/plain` or `text/html`).
    pub fn part(&self, content_type: &str) -> Option<String> {
        self.data
            .split("\r\n--")
            .filter_map(|part| {
                let (head, body) = part.split_once("\r\n\r\n")?;
                let head = head.to_ascii_lowercase();
                head.contains(&format!("content-type: {content_type}"))
                    .then(|| decode_body(&head, body))
            })
            .next()
    }

    /// The plain-text body.
    pub fn text(&self) -> String {
        self.part("text/plain")
            .expect("the message has a plain-text part")
    }

    /// The first link in the plain-text body that contains `needle`.
    pub fn link_containing(&self, needle: &str) -> String {
        self.text()
            .split_whitespace()
            .find(|word| word.starts_with("http") && word.contains(needle))
            .unwrap_or_else(|| panic!("no link with {needle} in:\n{}", self.text()))
            .to_owned()
    }
}

async fn accept(listener: TcpListener, received: Arc<Mutex<Mailbox>>) {
    // Owned here, so aborting this task closes every connection too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(converse(stream, received.clone()));
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn converse(stream: TcpStream, received: Arc<Mutex<Mailbox>>) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut say = async |text: &str| write.write_all(text.as_bytes()).await.is_ok();
    if !say("220 sink.test ESMTP ready\r\n").await {
        return;
    }
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let reply = match verb.as_str() {
            "EHLO" => {
                "250-sink.test\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n".to_owned()
            }
            "AUTH" => {
                let login = command.split_whitespace().nth(2).and_then(plain_login);
                let mut mailbox = received.lock().expect("the mailbox lock");
                match login {
                    Some(login) => {
                        mailbox.logins.push(login);
                        "235 2.7.0 Authentication successful\r\n".to_owned()
                    }
                    None => "501 5.5.4 Send AUTH PLAIN with its response\r\n".to_owned(),
                }
            }
            "HELO" | "NOOP" => "250 OK\r\n".to_owned(),
            "RSET" => {
                (from, to) = (String::new(), Vec::new());
                "250 OK\r\n".to_owned()
            }
            "MAIL" => {
                from = address(&command);
                "250 2.1.0 OK\r\n".to_owned()
            }
            "RCPT" => {
                to.push(address(&command));
                "250 2.1.5 OK\r\n".to_owned()
            }
            "DATA" => {
                if !say("354 End data with <CR><LF>.<CR><LF>\r\n").await {
                    return;
                }
                let Some(data) = read_data(&mut lines).await else {
                    return;
                };
                let mut mailbox = received.lock().expect("the mailbox lock");
                mailbox.messages.push(ReceivedMail {
                    from: std::mem::take(&mut from),
                    to: std::mem::take(&mut to),
                    data,
                });
                format!("250 2.0.0 OK: queued as {}\r\n", mailbox.messages.len())
            }
            "QUIT" => {
                let _ = say("221 2.0.0 Bye\r\n").await;
                return;
            }
            _ => "502 5.5.2 Command not recognized\r\n".to_owned(),
        };
        if !say(&reply).await {
            return;
        }
    }
}

async fn read_data(lines: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<String> {
    let mut data = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let content = line.trim_end_matches(['\r', '\n']);
        if content == "." {
            return Some(data);
        }
        data.push_str(content.strip_prefix('.').unwrap_or(content));
        data.push_str("\r\n");
    }
}

/// The user and password of an `AUTH PLAIN` response: base64 of `authzid\0user\0password`.
fn plain_login(response: &str) -> Option<(String, String)> {
    let decoded = String::from_utf8(STANDARD.decode(response).ok()?).ok()?;
    let mut parts = decoded.split('\0').skip(1);
    Some((parts.next()?.to_owned(), parts.next()?.to_owned()))
}

fn address(command: &str) -> String {
    let start = command.find('<').map_or(0, |i| i + 1);
    let end = command.rfind('>').unwrap_or(command.len());
    command[start..end.max(start)].to_owned()
}

fn decode_body(head: &str, body: &str) -> String {
    let body = body.trim_end_matches("\r\n");
    if head.contains("content-transfer-encoding: base64") {
        let joined: String = body.split_whitespace().collect();
        let bytes = STANDARD.decode(joined).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    } else if head.contains("content-transfer-encoding: quoted-printable") {
        decode_quoted_printable(body)
    } else {
        body.to_owned()
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len() + 1
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes `=?utf-8?b?...?=` and `=?utf-8?q?...?=` words; other text passes through.
fn decode_words(value: &str) -> String {
    value
        .split_whitespace()
        .map(|word| {
            let Some(inner) = word.strip_prefix("=?").and_then(|w| w.strip_suffix("?=")) else {
                return word.to_owned();
            };
            let mut parts = inner.splitn(3, '?');
            let (_, encoding, text) = (parts.next(), parts.next(), parts.next());
            match (encoding.map(str::to_ascii_lowercase).as_deref(), text) {
                (Some("b"), Some(text)) => {
                    String::from_utf8_lossy(&STANDARD.decode(text).unwrap_or_default()).into_owned()
                }
                (Some("q"), Some(text)) => decode_quoted_printable(&text.replace('_', " ")),
                _ => word.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
