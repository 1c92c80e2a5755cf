//! Settings: embedded defaults, then an optional TOML file, then `CLIENTELE_*` variables, then
//! flags. Clap merges flags over variables; this module lays the result over the file and the
//! defaults.

use clientele_app::secrets::SecretKey;
use clientele_domain::BaseUrl;
use clientele_server::TrustedProxies;
use clientele_store::{DatabaseUrl, PoolSettings, StoreError};
use ipnet::IpNet;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const DEFAULT_PORT: u16 = 8080;
pub const DEFAULT_DATA_DIR: &str = "clientele-data";
pub const SQLITE_FILE: &str = "clientele.db";
pub const SECRET_KEY_FILE: &str = "secret.key";

/// Values given as flags or environment variables; `None` where neither was given.
#[derive(Debug, Default)]
pub struct Overrides {
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log: Option<String>,
    pub log_format: Option<String>,
    pub max_connections: Option<u32>,
    pub public_url: Option<String>,
    pub secret_key: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub outbound_allow: Option<Vec<String>>,
    pub dns_resolver: Option<SocketAddr>,
}

/// The settings file; every key is optional and unknown keys are refused.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub listen: Option<SocketAddr>,
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub log: Option<String>,
    pub log_format: Option<String>,
    pub max_connections: Option<u32>,
    pub public_url: Option<String>,
    pub secret_key: Option<String>,
    pub trusted_proxies: Option<Vec<String>>,
    pub outbound_allow: Option<Vec<String>>,
    pub dns_resolver: Option<SocketAddr>,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Which log lines are written, and how.
#[derive(Clone, Debug)]
pub struct LogSettings {
    pub filter: String,
    pub format: LogFormat,
}

/// Everything a command needs, resolved.
#[derive(Debug)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub pool: PoolSettings,
    pub log: LogSettings,
    /// Where users reach this deployment; `None` means the address it listens on.
    pub public_url: Option<BaseUrl>,
    /// Where the secret key comes from.
    pub secret_key: SecretKeySource,
    /// The reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: Vec<IpNet>,
    /// Networks beyond the public internet that outgoing connections (SMTP) may reach.
    pub outbound_allow: Vec<IpNet>,
    /// The DNS server that dashboard-domain TXT records are read from; `None`: the system's.
    pub dns_resolver: Option<SocketAddr>,
}

/// The key that seals stored secrets: given (every node of a cluster must share it), or a file
/// in the data directory created on first start.
#[derive(Clone)]
pub enum SecretKeySource {
    Given(String),
    File(PathBuf),
}

impl std::fmt::Debug for SecretKeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Given(_) => f.write_str("Given(***)"),
            Self::File(path) => write!(f, "File({})", path.display()),
        }
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read the settings file {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the settings file {path} is not valid: {message}")]
    Parse { path: String, message: String },
    #[error("database_url is not usable")]
    DatabaseUrl(#[source] StoreError),
    #[error("log `{filter}` is not a valid filter (e.g. `info` or `info,sqlx=warn`)")]
    LogFilter { filter: String },
    #[error("log_format must be `text` or `json`, not `{0}`")]
    LogFormat(String),
    #[error("max_connections must be at least 1")]
    MaxConnections,
    #[error(
        "public_url `{0}` is not usable: give the scheme and host, e.g. https://clients.example.com"
    )]
    PublicUrl(String),
    #[error("trusted_proxies: {0}")]
    TrustedProxy(String),
    #[error("outbound_allow: {0}")]
    OutboundAllow(String),
    #[error(transparent)]
    SecretKey(#[from] clientele_app::secrets::SecretKeyError),
    #[error("cannot create the data directory {path}")]
    DataDir {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Settings {
    /// Lays flags and environment over the settings file (when given) over the defaults.
    pub fn resolve(overrides: &Overrides, file: Option<&Path>) -> Result<Self, ConfigError> {
        let file = match file {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        Self::merge(overrides, file)
    }

    fn merge(overrides: &Overrides, file: FileSettings) -> Result<Self, ConfigError> {
        let listen = overrides
            .listen
            .or(file.listen)
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], DEFAULT_PORT)));
        let data_dir = overrides
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database_url = match overrides.database_url.clone().or(file.database_url) {
            Some(raw) => DatabaseUrl::parse(&raw).map_err(ConfigError::DatabaseUrl)?,
            None => DatabaseUrl::sqlite_file(&data_dir.join(SQLITE_FILE)),
        };
        let format = match overrides.log_format.clone().or(file.log_format).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(ConfigError::LogFormat(other.to_owned())),
        };
        let mut pool = PoolSettings::default();
        if let Some(max) = overrides.max_connections.or(file.max_connections) {
            if max == 0 {
                return Err(ConfigError::MaxConnections);
            }
            pool.max_connections = max;
        }
        let filter = overrides
            .log
            .clone()
            .or(file.log)
            .unwrap_or_else(|| "info".to_owned());
        if tracing_subscriber::EnvFilter::try_new(&filter).is_err() {
            return Err(ConfigError::LogFilter { filter });
        }
        let public_url = match overrides.public_url.clone().or(file.public_url) {
            Some(raw) => Some(BaseUrl::parse(&raw).map_err(|_| ConfigError::PublicUrl(raw))?),
            None => None,
        };
        let secret_key = match overrides.secret_key.clone().or(file.secret_key) {
            Some(key) => SecretKeySource::Given(key),
            None => SecretKeySource::File(data_dir.join(SECRET_KEY_FILE)),
        };
        let trusted_proxies = networks(overrides.trusted_proxies.clone(), file.trusted_proxies)
            .map_err(ConfigError::TrustedProxy)?;
        let outbound_allow = networks(overrides.outbound_allow.clone(), file.outbound_allow)
            .map_err(ConfigError::OutboundAllow)?;
        Ok(Self {
            listen,
            data_dir,
            database_url,
            pool,
            log: LogSettings { filter, format },
            public_url,
            secret_key,
            trusted_proxies,
            outbound_allow,
            dns_resolver: overrides.dns_resolver.or(file.dns_resolver),
        })
    }
}

/// A list of networks (or single addresses), from the flags or else the file.
fn networks(given: Option<Vec<String>>, file: Option<Vec<String>>) -> Result<Vec<IpNet>, String> {
    given
        .or(file)
        .unwrap_or_default()
        .iter()
        .map(|network| TrustedProxies::parse_network(network))
        .collect()
}

impl Settings {
    /// Whether the database is a SQLite file inside the data directory.
    pub fn database_in_data_dir(&self) -> bool {
        matches!(&self.database_url, DatabaseUrl::Sqlite(path) if path.starts_with(&self.data_dir))
    }

    /// The secret key, read or (in the data directory) created.
    pub fn secret_key(&self) -> Result<SecretKey, ConfigError> {
        Ok(match &self.secret_key {
            SecretKeySource::Given(text) => SecretKey::from_base64(text)?,
            SecretKeySource::File(path) => {
                self.ensure_data_dir()?;
                SecretKey::load_or_create(path)?
            }
        })
    }

    /// Creates the data directory, readable by this user only.
    pub fn ensure_data_dir(&self) -> Result<(), ConfigError> {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&self.data_dir)
            .map_err(|source| ConfigError::DataDir {
                path: self.data_dir.display().to_string(),
                source,
            })
    }
}

fn read_file(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.display().to_string(),
        source,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.display().to_string(),
        message: error.message().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(toml_text: &str) -> FileSettings {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn with_nothing_given_it_listens_on_8080_with_sqlite_in_the_data_dir() {
        let settings = Settings::merge(&Overrides::default(), FileSettings::default()).unwrap();
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(
            settings.database_url.to_string(),
            "sqlite://clientele-data/clientele.db"
        );
    }

    #[test]
    fn the_file_beats_the_defaults_and_flags_beat_the_file() {
        let from_file = file("listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/c\"\nlog = \"debug\"");
        let settings = Settings::merge(&Overrides::default(), from_file).unwrap();
        assert_eq!(settings.listen.port(), 9000);
        assert_eq!(settings.log.filter, "debug");
        assert_eq!(
            settings.database_url.to_string(),
            "sqlite:///srv/c/clientele.db"
        );

        let from_file = file("listen = \"127.0.0.1:9000\"\ndata_dir = \"/srv/c\"");
        let flags = Overrides {
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            data_dir: Some("/srv/d".into()),
            ..Overrides::default()
        };
        let settings = Settings::merge(&flags, from_file).unwrap();
        assert_eq!(settings.listen.port(), 9100);
        assert_eq!(settings.data_dir, PathBuf::from("/srv/d"));
    }

    #[test]
    fn a_database_url_wins_over_the_data_dir_default() {
        let flags = Overrides {
            database_url: Some("postgres://postgres@127.0.0.1:5432/test".into()),
            ..Overrides::default()
        };
        let settings = Settings::merge(&flags, FileSettings::default()).unwrap();
        assert_eq!(
            settings.database_url.to_string(),
            "postgres://postgres@127.0.0.1:5432/test"
        );
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<FileSettings>("lisen = \"127.0.0.1:1\"").is_err());
    }

    #[test]
    fn an_unknown_log_format_is_refused() {
        let flags = Overrides {
            log_format: Some("xml".into()),
            ..Overrides::default()
        };
        assert!(matches!(
            Settings::merge(&flags, FileSettings::default()),
            Err(ConfigError::LogFormat(_))
        ));
    }
}
