//! `clientele`: serve the application, migrate its database, and operate a deployment.

mod audit;
mod backup;
mod config;
mod dev_runtime;
mod logging;

use clap::{Parser, Subcommand};
use clientele_app::identity::tokens::Token;
use clientele_app::outbound::Destinations;
use clientele_app::outbox::OutboxSettings;
use clientele_app::workspace::domains::DnsResolver;
use clientele_app::workspace::setup::NewWorkspaceInput;
use clientele_app::{App, RequestContext};
use clientele_domain::BaseUrl;
use clientele_server::{AppState, TrustedProxies};
use clientele_store::{Db, StoreError};
use config::{ConfigError, Overrides, Settings};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use thiserror::Error;

/// In-flight requests get this long to finish once shutdown begins.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Clientele: client management for agencies that resell AI agents under their own brand.
#[derive(Parser)]
#[command(name = "clientele", version)]
struct Cli {
    /// A TOML file of settings; flags and CLIENTELE_* variables take precedence over it.
    #[arg(long, global = true, env = "CLIENTELE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(CommonArgs),
    /// Create the first workspace and its owner. The password comes from
    /// CLIENTELE_OWNER_PASSWORD, or is asked for in the terminal.
    Init(InitArgs),
    /// Write a consistent snapshot of the SQLite database to FILE while the server runs.
    /// (PostgreSQL: use pg_dump.)
    Backup(BackupArgs),
    /// Replace the SQLite database with the backup FILE; stop the server first. The current
    /// database is kept beside it, renamed.
    Restore(BackupArgs),
    /// Check the activity log's hash chains.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Tools for development and evaluation.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
}

#[derive(Subcommand)]
enum DevCommand {
    /// Create a workspace full of realistic demonstration data: organizations, agents (four
    /// in five assigned), client users and a year of activity. Prints how to sign in. Data is
    /// written in batches: if it stops midway, what was written stays; seed a new slug.
    Seed(SeedArgs),
    /// Run the reference runtime for agents of a running server: a chat page per agent where
    /// you play the contact, canned answers, a handoff when you ask for a person, and the
    /// webhooks Clientele sends it (verified). Connects each agent with a new runtime key.
    Runtime(dev_runtime::RuntimeArgs),
}

#[derive(clap::Args)]
struct SeedArgs {
    /// The new workspace's slug; its owner is owner@SLUG.example.
    #[arg(long, value_name = "SLUG", default_value = "demo")]
    workspace: String,
    #[arg(long, value_name = "N", default_value_t = 50)]
    orgs: u32,
    #[arg(long, value_name = "N", default_value_t = 200)]
    agents: u32,
    #[arg(long, value_name = "N", default_value_t = 5)]
    users_per_org: u32,
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    activity: u64,
    /// Conversations over the past year, spread over the assigned agents.
    #[arg(long, value_name = "N", default_value_t = 2_000)]
    conversations: u64,
    #[arg(long, value_name = "N", default_value_t = 6)]
    messages_per: u32,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute every workspace's activity chain with the server's key; exits 1 if any entry
    /// does not verify, or (with --checkpoint) if history up to the checkpoint was rewritten.
    Verify(VerifyArgs),
    /// Write a signed checkpoint of every chain's head to FILE, to keep away from the database.
    Checkpoint(CheckpointArgs),
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// A checkpoint written by `clientele audit checkpoint`.
    #[arg(long, value_name = "FILE")]
    checkpoint: Option<PathBuf>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args)]
struct CheckpointArgs {
    /// Where to write the checkpoint (a new file).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args)]
struct InitArgs {
    /// The agency's name, e.g. "Acme Agency".
    #[arg(long, value_name = "NAME")]
    workspace: String,
    /// The workspace's address in URLs (default: made from the name).
    #[arg(long, value_name = "SLUG")]
    workspace_slug: Option<String>,
    #[arg(long, value_name = "NAME")]
    owner_name: String,
    #[arg(long, value_name = "EMAIL")]
    owner_email: String,
    #[command(flatten)]
    common: CommonArgs,
}

/// Settings every command takes.
#[derive(clap::Args)]
struct CommonArgs {
    /// sqlite://PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE; default: a SQLite file in the data directory.
    #[arg(long, env = "CLIENTELE_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
    /// Where Clientele keeps its files (default ./clientele-data).
    #[arg(long, env = "CLIENTELE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Log filter, e.g. `info` or `clientele=debug,sqlx=warn`.
    #[arg(long, env = "CLIENTELE_LOG", value_name = "FILTER")]
    log: Option<String>,
    /// Log line format: text or json.
    #[arg(long, env = "CLIENTELE_LOG_FORMAT", value_name = "FORMAT")]
    log_format: Option<String>,
    /// PostgreSQL connections, or SQLite reader connections, per process (default 10).
    #[arg(long, env = "CLIENTELE_MAX_CONNECTIONS", value_name = "N")]
    max_connections: Option<u32>,
    /// Where users reach this deployment, for links in emails (default: the listen address).
    #[arg(long, env = "CLIENTELE_PUBLIC_URL", value_name = "URL")]
    public_url: Option<String>,
    /// 32 bytes in base64 that seal stored secrets; every node of a cluster needs the same.
    /// Default: a key file created in the data directory on first start.
    #[arg(
        long,
        env = "CLIENTELE_SECRET_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    secret_key: Option<String>,
}

#[derive(clap::Args)]
struct BackupArgs {
    /// The backup file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "CLIENTELE_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// A reverse proxy (address or network, e.g. 127.0.0.1 or 10.0.0.0/8) whose
    /// X-Forwarded-For and X-Forwarded-Proto are believed; repeat or separate with commas.
    /// Default: none, so the connecting address is the client's.
    #[arg(
        long = "trusted-proxy",
        env = "CLIENTELE_TRUSTED_PROXIES",
        value_name = "NETWORK",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<String>,
    /// A network beyond the public internet that outgoing connections (the workspaces' SMTP
    /// servers) may reach, e.g. 127.0.0.1 for a local relay; repeat or separate with commas.
    /// Default: none, so loopback, private and link-local addresses are refused.
    #[arg(
        long = "outbound-allow",
        env = "CLIENTELE_OUTBOUND_ALLOW",
        value_name = "NETWORK",
        value_delimiter = ','
    )]
    outbound_allow: Vec<String>,
    /// The DNS server (IP:PORT) that dashboard-domain TXT records are read from.
    /// Default: the system's resolver (/etc/resolv.conf).
    #[arg(long, env = "CLIENTELE_DNS_RESOLVER", value_name = "ADDR")]
    dns_resolver: Option<SocketAddr>,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Error)]
enum CliError {
    #[error("{}", describe_init_failure(.0))]
    Init(clientele_app::AppError),
    #[error(
        "set CLIENTELE_OWNER_PASSWORD or run `clientele init` in a terminal to type the password"
    )]
    NoPassword,
    #[error("the two passwords differ; nothing was created")]
    PasswordsDiffer,
    #[error("cannot read the password")]
    Prompt(#[source] std::io::Error),
    #[error(transparent)]
    Audit(#[from] audit::AuditError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot connect to the database at {url}")]
    Connect {
        url: String,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot listen on {address}")]
    Listen {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    App(clientele_app::AppError),
    #[error("the server stopped with an error")]
    Serve(#[source] std::io::Error),
    #[error(transparent)]
    Runtime(#[from] clientele_reference_runtime::Error),
    #[error("cannot lock {path}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the database {0} is in use by a running server; stop it first")]
    InUse(PathBuf),
    #[error(
        "backup and restore here are for the SQLite database; for PostgreSQL use pg_dump and pg_restore"
    )]
    PostgresBackup,
    #[error("{0} already exists; choose a new file")]
    BackupExists(PathBuf),
    #[error("{path} is not a usable backup")]
    NotABackup {
        path: PathBuf,
        #[source]
        source: StoreError,
    },
    #[error("cannot put the backup in place")]
    Restore(#[source] std::io::Error),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => {
            let settings = Settings::resolve(&serve_overrides(&args), cli.config.as_deref())?;
            logging::init(&settings.log);
            serve(settings).await
        }
        Command::Migrate(args) => {
            let settings = Settings::resolve(&overrides(None, &args), cli.config.as_deref())?;
            logging::init(&settings.log);
            let db = connect(&settings).await?;
            db.migrate().await?;
            db.close().await;
            println!("The database at {} is up to date.", settings.database_url);
            Ok(())
        }
        Command::Init(args) => {
            let settings =
                Settings::resolve(&overrides(None, &args.common), cli.config.as_deref())?;
            logging::init(&settings.log);
            init(settings, args).await
        }
        Command::Backup(args) => {
            let settings =
                Settings::resolve(&overrides(None, &args.common), cli.config.as_deref())?;
            logging::init(&settings.log);
            backup::backup(&settings, &args.file).await
        }
        Command::Restore(args) => {
            let settings =
                Settings::resolve(&overrides(None, &args.common), cli.config.as_deref())?;
            logging::init(&settings.log);
            backup::restore(&settings, &args.file).await?;
            verify(settings, None).await
        }
        Command::Audit {
            command: AuditCommand::Verify(args),
        } => {
            let settings =
                Settings::resolve(&overrides(None, &args.common), cli.config.as_deref())?;
            logging::init(&settings.log);
            verify(settings, args.checkpoint.as_deref()).await
        }
        Command::Audit {
            command: AuditCommand::Checkpoint(args),
        } => {
            let settings =
                Settings::resolve(&overrides(None, &args.common), cli.config.as_deref())?;
            logging::init(&settings.log);
            let db = audit::keyed(connect(&settings).await?, &settings)?;
            let written = audit::checkpoint(&db, &args.out).await;
            db.close().await;
            Ok(written?)
        }
        Command::Dev {
            command: DevCommand::Seed(args),
        } => {
            let settings =
                Settings::resolve(&overrides(None, &args.common), cli.config.as_deref())?;
            logging::init(&settings.log);
            seed(settings, args).await
        }
        Command::Dev {
            command: DevCommand::Runtime(args),
        } => dev_runtime::run(args).await,
    }
}

async fn seed(settings: Settings, args: SeedArgs) -> Result<(), CliError> {
    let db = connect(&settings).await?;
    db.migrate().await?;
    let app = app(&settings, db.clone(), None).await?;
    let plan = clientele_app::seed::SeedPlan {
        workspace_slug: args.workspace,
        organizations: args.orgs,
        agents: args.agents,
        users_per_organization: args.users_per_org,
        activity: args.activity,
        conversations: args.conversations,
        messages_per_conversation: args.messages_per,
    };
    let started = std::time::Instant::now();
    let seeded = app.seed(&plan).await;
    db.close().await;
    let report = seeded.map_err(CliError::App)?;
    println!(
        "Seeded workspace \"{}\" in {:.1} s: {} organizations, {} agents, {} client users, {} activity entries, {} conversations.",
        plan.workspace_slug,
        started.elapsed().as_secs_f64(),
        report.organization_ids.len(),
        report.agent_ids.len(),
        report.users,
        plan.activity,
        plan.conversations,
    );
    println!(
        "Sign in as {} with the password {} (client users user<N>@client.example share it).",
        report.owner_email, report.password
    );
    Ok(())
}

async fn init(settings: Settings, args: InitArgs) -> Result<(), CliError> {
    let password = owner_password()?;
    let db = connect(&settings).await?;
    db.migrate().await?;
    let app = app(&settings, db.clone(), None).await?;
    let input = NewWorkspaceInput {
        workspace_name: args.workspace,
        workspace_slug: args.workspace_slug,
        owner_name: args.owner_name,
        owner_email: args.owner_email,
        owner_password: password,
    };
    let created = app
        .create_workspace(input, "clientele init", &RequestContext::default())
        .await;
    db.close().await;
    let (workspace, owner) = created.map_err(CliError::Init)?;
    println!(
        "Created workspace \"{}\" ({}) with owner {}.",
        workspace.name, workspace.slug, owner.email
    );
    println!(
        "Start the server with `clientele serve` and sign in as {}.",
        owner.email
    );
    Ok(())
}

/// The owner's password: from CLIENTELE_OWNER_PASSWORD, or typed twice without echo. Never a
/// flag, which would leave it in shell history and the process list.
fn owner_password() -> Result<String, CliError> {
    if let Ok(password) = std::env::var("CLIENTELE_OWNER_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NoPassword);
    }
    let first = rpassword::prompt_password("Owner password (at least 10 characters): ")
        .map_err(CliError::Prompt)?;
    let second = rpassword::prompt_password("Repeat the password: ").map_err(CliError::Prompt)?;
    if first != second {
        return Err(CliError::PasswordsDiffer);
    }
    Ok(first)
}

async fn verify(settings: Settings, checkpoint: Option<&Path>) -> Result<(), CliError> {
    let db = audit::keyed(connect(&settings).await?, &settings)?;
    let verified = audit::verify(&db, checkpoint).await;
    db.close().await;
    Ok(verified?)
}

fn serve_overrides(args: &ServeArgs) -> Overrides {
    let networks = |given: &[String]| {
        let networks: Vec<String> = given
            .iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect();
        (!networks.is_empty()).then_some(networks)
    };
    Overrides {
        trusted_proxies: networks(&args.trusted_proxies),
        outbound_allow: networks(&args.outbound_allow),
        dns_resolver: args.dns_resolver,
        ..overrides(args.listen, &args.common)
    }
}

fn overrides(listen: Option<SocketAddr>, common: &CommonArgs) -> Overrides {
    // An empty variable (`CLIENTELE_DATABASE_URL=`) means "not set", as in most tools.
    let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    Overrides {
        listen,
        database_url: given(&common.database_url),
        data_dir: common
            .data_dir
            .clone()
            .filter(|dir| !dir.as_os_str().is_empty()),
        log: given(&common.log),
        log_format: given(&common.log_format),
        max_connections: common.max_connections,
        public_url: given(&common.public_url),
        secret_key: given(&common.secret_key),
        trusted_proxies: None,
        outbound_allow: None,
        dns_resolver: None,
    }
}

/// The use cases over `db`, configured from the settings; `listening` is the address served,
/// for links when no public URL is set.
async fn app(settings: &Settings, db: Db, listening: Option<SocketAddr>) -> Result<App, CliError> {
    let public_url = match &settings.public_url {
        Some(url) => url.clone(),
        None => BaseUrl::parse(&base_url(listening.unwrap_or(settings.listen)))
            .map_err(|_| ConfigError::PublicUrl(settings.listen.to_string()))?,
    };
    let config = clientele_app::Config {
        secret_key: settings.secret_key()?,
        public_url,
        outbox: OutboxSettings::default(),
        outbound: Destinations::new(settings.outbound_allow.clone()),
        dns: settings
            .dns_resolver
            .map_or_else(DnsResolver::system, DnsResolver::at),
    };
    App::new(db, config).await.map_err(CliError::App)
}

/// Opens the database, creating the data directory first when the database lives in it.
async fn connect(settings: &Settings) -> Result<Db, CliError> {
    if settings.database_in_data_dir() {
        settings.ensure_data_dir()?;
    }
    Db::connect(&settings.database_url, &settings.pool)
        .await
        .map_err(|source| CliError::Connect {
            url: settings.database_url.to_string(),
            source,
        })
}

async fn serve(settings: Settings) -> Result<(), CliError> {
    let shutdown = shutdown_signal().map_err(CliError::Serve)?;
    let db = connect(&settings).await?;
    let _lock = backup::lock_database(&settings)?;
    db.migrate().await?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|source| CliError::Listen {
            address: settings.listen,
            source,
        })?;
    let address = listener.local_addr().map_err(CliError::Serve)?;
    let app = app(&settings, db.clone(), Some(address)).await?;
    let set_up = app.is_set_up().await.map_err(CliError::App)?;
    print_welcome(address, &settings);
    let setup_token = match set_up {
        true => None,
        false => Some(
            Token::generate("")
                .map_err(CliError::App)?
                .reveal()
                .to_owned(),
        ),
    };
    print_sign_in_help(address, setup_token.as_deref());
    let (stop_outbox, outbox_stopped) = tokio::sync::oneshot::channel::<()>();
    let outbox = tokio::spawn(app.clone().run_outbox(async move {
        let _ = outbox_stopped.await;
    }));
    let (stop_retention, retention_stopped) = tokio::sync::oneshot::channel::<()>();
    let retention = tokio::spawn(app.clone().run_retention(async move {
        let _ = retention_stopped.await;
    }));
    let router = clientele_server::app(AppState {
        app: app.clone(),
        setup_token: setup_token.map(Into::into),
        trusted_proxies: TrustedProxies::new(settings.trusted_proxies.clone()),
    });
    let served = clientele_server::serve(listener, router, app, shutdown, SHUTDOWN_GRACE).await;
    let _ = stop_outbox.send(());
    let _ = stop_retention.send(());
    let _ = outbox.await;
    let _ = retention.await;
    served.map_err(CliError::Serve)
}

/// The URL of a listen address, as a browser on this machine would reach it.
fn base_url(address: SocketAddr) -> String {
    let host = if address.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        address.ip().to_string()
    };
    match address {
        SocketAddr::V6(_) if !address.ip().is_unspecified() => {
            format!("http://[{host}]:{}", address.port())
        }
        _ => format!("http://{host}:{}", address.port()),
    }
}

fn print_welcome(address: SocketAddr, settings: &Settings) {
    let base = base_url(address);
    println!("Clientele is running at {base}/");
    println!("  API reference:  {base}/api/docs");
    println!("  OpenAPI:        {base}/api/v1/openapi.json");
    println!("  Database:       {}", settings.database_url);
    println!("  Data directory: {}", settings.data_dir.display());
    println!("Stop it with Ctrl+C.");
}

/// How to sign in, or, on an empty database, the two ways to create the first workspace: the
/// command line, or the setup page (which only the holder of this printed token can open).
fn print_sign_in_help(address: SocketAddr, setup_token: Option<&str>) {
    let Some(token) = setup_token else {
        let base = base_url(address);
        println!("Sign in to the agency console at {base}/console/sign-in");
        println!("  (or over the API: POST {base}/api/v1/sessions with your email and password).");
        return;
    };
    println!("No workspace exists yet. Create the first one and its owner, either here:");
    println!("  http://{address}/setup?token={token}");
    println!("or from the command line:");
    println!(
        "  clientele init --workspace \"Your Agency\" --owner-name \"Your Name\" --owner-email you@example.com"
    );
}

/// Starts listening for SIGINT (Ctrl+C) and SIGTERM at once, so a signal that arrives while
/// the server is still starting is not lost; the future resolves on either.
pub(crate) fn shutdown_signal()
-> std::io::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Says what was wrong with the input, field by field, and that nothing was created.
fn describe_init_failure(error: &clientele_app::AppError) -> String {
    use clientele_app::AppError;
    let reasons = match error {
        AppError::Invalid(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field.replace('_', "-"), e.message))
            .collect::<Vec<_>>()
            .join("; "),
        AppError::Conflict { field, message } => format!("{}: {message}", field.replace('_', "-")),
        other => other.to_string(),
    };
    format!("cannot create the workspace ({reasons}); nothing was created")
}

/// Prints the error and its causes; the exit code is 2 for bad configuration, 1 otherwise.
fn fail(error: &(dyn std::error::Error + 'static)) -> ExitCode {
    let mut message = format!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    eprintln!("{message}");
    let is_usage = error.downcast_ref::<CliError>().is_some_and(|e| {
        matches!(
            e,
            CliError::Config(_)
                | CliError::PostgresBackup
                | CliError::BackupExists(_)
                | CliError::InUse(_)
                | CliError::Init(_)
                | CliError::NoPassword
                | CliError::PasswordsDiffer
        )
    });
    if is_usage {
        ExitCode::from(2)
    } else {
        ExitCode::FAILURE
    }
}
