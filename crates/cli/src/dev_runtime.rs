//! `clientele dev runtime`: the reference runtime for the agents you name, connected through
//! a running server's public API with an owner's or admin's sign-in.

use crate::CliError;
use clientele_reference_runtime::{Agency, Runtime, connect, http_client};
use std::net::SocketAddr;

#[derive(clap::Args)]
pub struct RuntimeArgs {
    /// The running Clientele server.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:8080")]
    server: String,
    /// An owner or admin of the workspace whose agents to run (`dev seed` prints one).
    #[arg(long)]
    email: String,
    /// Their password.
    #[arg(long, env = "CLIENTELE_PASSWORD", hide_env_values = true)]
    password: String,
    /// An agent to run, by its name in the workspace; repeat for several.
    #[arg(long = "agent", value_name = "NAME", required = true)]
    agents: Vec<String>,
    /// Where the runtime serves its chat pages and receives Clientele's webhooks.
    #[arg(long, value_name = "ADDRESS", default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
}

/// Connects the agents (a new runtime key each, the webhook pointed here), then serves the
/// chat pages until Ctrl+C.
pub async fn run(args: RuntimeArgs) -> Result<(), CliError> {
    let shutdown = crate::shutdown_signal().map_err(CliError::Serve)?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|source| CliError::Listen {
            address: args.listen,
            source,
        })?;
    let here = format!("http://{}", listener.local_addr().map_err(CliError::Serve)?);
    let server = args.server.trim_end_matches('/').to_owned();
    let agency = Agency {
        server: server.clone(),
        email: args.email,
        password: args.password,
    };
    let http = http_client()?;
    let connections = connect(&http, &agency, &args.agents, &here).await?;
    for connection in &connections {
        println!(
            "{}: chat as a visitor at {here}/chat/{}",
            connection.name, connection.agent_id
        );
        match &connection.webhook_refused {
            None => println!(
                "  Clientele sends it signed webhooks at {here}/webhooks/{}",
                connection.agent_id
            ),
            Some(why) => println!(
                "  Webhooks refused ({why}); pulling events instead. To receive webhooks, start the \
                 server with CLIENTELE_OUTBOUND_ALLOW=127.0.0.0/8"
            ),
        }
    }
    println!("Events Clientele sent are listed at {here}/. Stop with Ctrl+C.");
    let runtime = Runtime::start(http, &server, connections).await?;
    axum::serve(listener, runtime.router())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(CliError::Serve)
}
