//! Sending one email over SMTP with a workspace's settings, with bounded timeouts, and reporting
//! the server's answer either way.

use crate::secrets::SecretKey;
use crate::templates::Rendered;
use clientele_domain::TlsMode;
use clientele_store::email::EmailSettingsRow;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// What the SMTP server (or the attempt to reach it) said.
#[derive(Debug)]
pub(crate) struct Delivery {
    pub ok: bool,
    /// Retrying cannot help (a 5xx answer, a refused address, unusable settings).
    pub permanent: bool,
    pub response: String,
}

impl Delivery {
    fn failed(permanent: bool, response: impl Into<String>) -> Self {
        Self {
            ok: false,
            permanent,
            response: response.into(),
        }
    }
}

/// Sends `email` to `to` with the workspace's settings; never takes longer than about
/// `timeout` per network step.
pub(crate) async fn send(
    settings: &EmailSettingsRow,
    key: &SecretKey,
    to: &str,
    email: &Rendered,
    timeout: Duration,
) -> Delivery {
    let message = match build(settings, to, email) {
        Ok(message) => message,
        Err(reason) => return Delivery::failed(true, reason),
    };
    let transport = match transport(settings, key, timeout) {
        Ok(transport) => transport,
        Err(reason) => return Delivery::failed(true, reason),
    };
    // The transport's own timeout covers each command; this bounds the whole exchange too.
    match tokio::time::timeout(timeout * 4, transport.send(message)).await {
        Ok(Ok(response)) => Delivery {
            ok: true,
            permanent: false,
            response: format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            ),
        },
        Ok(Err(error)) => Delivery::failed(error.is_permanent(), describe(&error)),
        Err(_) => Delivery::failed(false, "the SMTP server did not answer in time"),
    }
}

fn build(settings: &EmailSettingsRow, to: &str, email: &Rendered) -> Result<Message, String> {
    let from_address = settings
        .sender_address
        .parse()
        .map_err(|_| "the sender address is not valid".to_owned())?;
    let from = Mailbox::new(Some(settings.sender_name.clone()), from_address);
    let to: Mailbox = to
        .parse()
        .map_err(|_| format!("the recipient address {to} is not valid"))?;
    let mut builder = Message::builder().from(from).to(to).subject(&email.subject);
    if let Some(reply_to) = &settings.reply_to {
        let reply_to = reply_to
            .parse()
            .map_err(|_| "the reply-to address is not valid".to_owned())?;
        builder = builder.reply_to(reply_to);
    }
    builder
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(email.text.clone()),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(email.html.clone()),
                ),
        )
        .map_err(|error| error.to_string())
}

fn transport(
    settings: &EmailSettingsRow,
    key: &SecretKey,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = settings
        .smtp_host
        .as_deref()
        .ok_or_else(|| "no SMTP server is set".to_owned())?;
    let tls: TlsMode = settings
        .smtp_tls
        .parse()
        .map_err(|_| "the TLS mode is not valid".to_owned())?;
    let builder = match tls {
        TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        TlsMode::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|error| describe(&error))?;
    let mut builder = builder.timeout(Some(timeout));
    if let Some(port) = settings.smtp_port.and_then(|p| u16::try_from(p).ok()) {
        builder = builder.port(port);
    }
    if let Some(username) = &settings.smtp_username {
        let password = match &settings.smtp_password {
            Some(sealed) => key
                .open(sealed)
                .and_then(|plain| String::from_utf8(plain).ok())
                .ok_or_else(|| {
                    "the SMTP password cannot be read with this server's secret key; enter it again"
                        .to_owned()
                })?,
            None => String::new(),
        };
        builder = builder.credentials(Credentials::new(username.clone(), password));
    }
    Ok(builder.build())
}

/// The error with its causes, which carry the server's words or the network's.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
