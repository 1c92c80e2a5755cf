//! The agency's whitelabel brand and email delivery settings: validated values only.

use crate::named::named_enum;
use crate::text::{InvalidValue, trimmed};
use serde::Serialize;

/// The name clients see instead of ours, e.g. "Acme AI".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ProductName(String);

impl ProductName {
    pub const MAX_CHARS: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        trimmed(raw, 1, Self::MAX_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A colour as `#rrggbb`, stored lowercase.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct HexColor(String);

impl HexColor {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim();
        let digits = value.strip_prefix('#').unwrap_or("");
        if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(InvalidValue::Format("must be a hex colour like #1a73e8"));
        }
        Ok(Self(value.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A DNS hostname (no scheme, port or path), lowercase, e.g. `app.acme-ai.com`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Hostname(String);

impl Hostname {
    pub const MAX_CHARS: usize = 253;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let host = raw.trim().trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(InvalidValue::Empty);
        }
        if host.len() > Self::MAX_CHARS {
            return Err(InvalidValue::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let label_ok = |label: &str| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        if !host.contains('.') || !host.split('.').all(label_ok) {
            return Err(InvalidValue::Format(
                "must be a hostname like app.example.com (no scheme, port or path)",
            ));
        }
        Ok(Self(host))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a web address starts: `http(s)://host[:port]`, without a trailing slash. Links in
/// emails are built from it, never from a request's `Host` header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct BaseUrl(String);

impl BaseUrl {
    pub const MAX_CHARS: usize = 300;

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let value = raw.trim().trim_end_matches('/');
        if value.is_empty() {
            return Err(InvalidValue::Empty);
        }
        if value.len() > Self::MAX_CHARS {
            return Err(InvalidValue::TooLong {
                max: Self::MAX_CHARS,
            });
        }
        let invalid = InvalidValue::Format("must be a URL like https://console.example.com");
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"))
            .ok_or(invalid.clone())?;
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (host, port) = match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        let host_ok = host == "localhost"
            || Hostname::parse(host).is_ok()
            || host.parse::<std::net::Ipv4Addr>().is_ok();
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
        let path_ok = path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c));
        if !host_ok || !port_ok || !path_ok || host.chars().any(|c| c.is_ascii_uppercase()) {
            return Err(invalid);
        }
        Ok(Self(value.to_owned()))
    }

    /// The base URL for a dashboard hostname.
    pub fn for_host(host: &Hostname) -> Self {
        Self(format!("https://{}", host.as_str()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The host, without scheme, port or path (always lowercase, as parsed).
    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or(self.0.as_str(), |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or(rest);
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    }

    /// `path` (starting with `/`) under this base.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

named_enum! {
    /// How the connection to the SMTP server is secured.
    pub enum TlsMode {
        /// Plain connection upgraded with STARTTLS (port 587), required.
        Starttls => "starttls",
        /// TLS from the first byte (port 465).
        Tls => "tls",
        /// No encryption: only for a relay on the same host or network.
        None => "none",
    }
}

named_enum! {
    /// The emails Clientele sends, each with its own template.
    pub enum EmailKind {
        Invitation => "invitation",
        PasswordReset => "password_reset",
        /// A notice that someone's email, password or second factor changed.
        AccountChanged => "account_changed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_six_hex_digits_after_a_hash() {
        assert_eq!(HexColor::parse(" #1A73E8 ").unwrap().as_str(), "#1a73e8");
        for bad in ["1a73e8", "#1a73e", "#1a73e8f", "#ggg000", "red", ""] {
            assert!(HexColor::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_base_urls_host_has_no_scheme_port_or_path() {
        for (url, host) in [
            ("https://console.acme.test", "console.acme.test"),
            ("http://127.0.0.1:8080", "127.0.0.1"),
            ("https://acme.test:8443/console", "acme.test"),
        ] {
            assert_eq!(BaseUrl::parse(url).unwrap().host(), host);
        }
    }

    #[test]
    fn hostnames_are_bare_lowercase_dns_names() {
        assert_eq!(
            Hostname::parse("App.Acme-AI.com.").unwrap().as_str(),
            "app.acme-ai.com"
        );
        for bad in [
            "https://app.acme.com",
            "app.acme.com:8443",
            "app.acme.com/x",
            "localhost",
            "-a.acme.com",
            "a..b.com",
            "",
            "a b.com",
        ] {
            assert!(Hostname::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_urls_are_http_origins_with_an_optional_plain_path() {
        assert_eq!(
            BaseUrl::parse("https://console.acme.com/")
                .unwrap()
                .as_str(),
            "https://console.acme.com"
        );
        assert!(BaseUrl::parse("http://127.0.0.1:8080").is_ok());
        assert!(BaseUrl::parse("http://localhost:3000/app").is_ok());
        for bad in [
            "console.acme.com",
            "ftp://acme.com",
            "https://acme.com:0",
            "https://acme.com?x=1",
            "https://user@acme.com",
            "javascript:alert(1)",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
