//! Sending one email over SMTP with a workspace's settings, to an allowed address, with bounded
//! timeouts, and reporting the server's answer either way.

use crate::mail::templates::Rendered;
use crate::outbound::Destinations;
use crate::secrets::SecretKey;
use clientele_domain::TlsMode;
use clientele_store::mail::settings::EmailSettingsRow;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
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

/// Sends `email` to `to` with the workspace's settings, to an allowed address only; never takes
/// longer than about `timeout` per network step.
pub(crate) async fn send(
    settings: &EmailSettingsRow,
    key: &SecretKey,
    destinations: &Destinations,
    to: &str,
    email: &Rendered,
    timeout: Duration,
) -> Delivery {
    let message = match build(settings, to, email) {
        Ok(message) => message,
        Err(reason) => return Delivery::failed(true, reason),
    };
    let transport = match transport(settings, key, destinations, timeout).await {
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
                plain(&response.message().collect::<Vec<_>>().join(" "))
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

/// A transport to the checked address of the workspace's server; TLS still verifies the name.
async fn transport(
    settings: &EmailSettingsRow,
    key: &SecretKey,
    destinations: &Destinations,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let host = settings
        .smtp_host
        .as_deref()
        .ok_or_else(|| "no SMTP server is set".to_owned())?;
    let tls_mode: TlsMode = settings
        .smtp_tls
        .parse()
        .map_err(|_| "the TLS mode is not valid".to_owned())?;
    let port = settings
        .smtp_port
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(match tls_mode {
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
            TlsMode::None => 25,
        });
    let address = tokio::time::timeout(timeout, destinations.resolve(host, port))
        .await
        .map_err(|_| format!("`{host}` could not be resolved in time"))??;
    let parameters = || {
        TlsParameters::new(host.to_owned()).map_err(|_| format!("`{host}` cannot be used for TLS"))
    };
    let tls = match tls_mode {
        TlsMode::Tls => Tls::Wrapper(parameters()?),
        TlsMode::Starttls => Tls::Required(parameters()?),
        TlsMode::None => Tls::None,
    };
    let mut builder =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(address.ip().to_string())
            .port(port)
            .tls(tls)
            .timeout(Some(timeout));
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

/// What went wrong, in words that carry only what an SMTP server says (its reply code and
/// text): a peer that does not speak SMTP gets a description, never its own words back.
fn describe(error: &lettre::transport::smtp::Error) -> String {
    if let Some(code) = error.status() {
        let said = std::error::Error::source(error)
            .map(ToString::to_string)
            .unwrap_or_default();
        return format!("{code} {}", plain(&said)).trim_end().to_owned();
    }
    let what = if error.is_timeout() {
        "the SMTP server did not answer in time"
    } else if error.is_tls() {
        "the TLS connection to the SMTP server failed (check the TLS mode and the certificate)"
    } else if error.is_response() {
        "the server did not answer as an SMTP server"
    } else {
        "could not connect to the SMTP server"
    };
    what.to_owned()
}

/// An SMTP reply's text kept printable and short.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(300)
        .collect()
}
