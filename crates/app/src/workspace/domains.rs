//! Proving control of a client-dashboard domain. A workspace that merely names a hostname could
//! take the sign-in, password resets and branding of a host that is not theirs (another
//! tenant's, the deployment's own, an address on the operator's network). So a claimed
//! hostname answers for the workspace only after a DNS TXT record at
//! `_clientele-challenge.<hostname>` carries the workspace's token for it, read through the
//! resolver the operator configures.

use crate::error::AppError;
use crate::workspace::activity::{self, Changes, Entry};
use crate::workspace::brand::{Brand, DomainClaim};
use crate::{App, RequestContext};
use clientele_domain::BaseUrl;
use clientele_domain::{Action, Actor, Hostname, Resource, Timestamp, WorkspaceId, authorize};
use clientele_store::StoreError;
use clientele_store::workspace::brand::{self, HOSTNAME_CONSTRAINT};
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use std::net::SocketAddr;
use std::time::Duration;

/// Reads TXT records, through the system's resolver or one the operator names.
#[derive(Clone)]
pub struct DnsResolver(TokioResolver);

impl std::fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DnsResolver")
    }
}

impl DnsResolver {
    /// The resolver `/etc/resolv.conf` names; without one, no record is ever found (and the
    /// operator names a resolver instead).
    pub fn system() -> Self {
        let mut builder = TokioResolver::builder_tokio().unwrap_or_else(|_| {
            tracing::warn!("no system DNS resolver: set dns_resolver to verify dashboard domains");
            let none = ResolverConfig::from_parts(None, Vec::new(), NameServerConfigGroup::new());
            TokioResolver::builder_with_config(none, TokioConnectionProvider::default())
        });
        fresh(builder.options_mut());
        Self(builder.build())
    }

    /// The DNS server at `server` (UDP and TCP), e.g. an internal resolver.
    pub fn at(server: SocketAddr) -> Self {
        let servers = NameServerConfigGroup::from_ips_clear(&[server.ip()], server.port(), true);
        let config = ResolverConfig::from_parts(None, Vec::new(), servers);
        let mut builder =
            TokioResolver::builder_with_config(config, TokioConnectionProvider::default());
        fresh(builder.options_mut());
        Self(builder.build())
    }

    /// The TXT records at `name`; none when it has none or the lookup fails.
    async fn txt(&self, name: &str) -> Vec<String> {
        match self.0.txt_lookup(name).await {
            Ok(found) => found.iter().map(ToString::to_string).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// No answer is cached: a record just added is seen at the next attempt.
fn fresh(options: &mut hickory_resolver::config::ResolverOpts) {
    options.cache_size = 0;
    options.timeout = Duration::from_secs(3);
    options.attempts = 2;
}

impl App {
    /// Refuses hostnames that cannot be a workspace's: the deployment's own host and the hosts
    /// of other workspaces' consoles.
    pub(crate) async fn refuse_taken_hosts(
        &self,
        workspace_id: WorkspaceId,
        domains: &[Hostname],
    ) -> Result<(), AppError> {
        let mut taken = vec![self.config.public_url.host().to_owned()];
        taken.extend(
            brand::other_console_urls(&self.db, workspace_id)
                .await?
                .iter()
                .filter_map(|url| BaseUrl::parse(url).ok())
                .map(|url| url.host().to_owned()),
        );
        match domains
            .iter()
            .position(|d| taken.iter().any(|t| t == d.as_str()))
        {
            Some(i) => Err(AppError::invalid(
                &format!("dashboard_domains[{i}]"),
                "is this deployment's own address or another workspace's; choose a domain of yours",
            )),
            None => Ok(()),
        }
    }

    /// Checks the TXT record of a claimed hostname and, when it carries the workspace's token,
    /// makes the hostname the workspace's (owner and admins).
    #[tracing::instrument(skip_all)]
    pub async fn verify_dashboard_domain(
        &self,
        actor: &Actor,
        hostname: &str,
        context: &RequestContext,
    ) -> Result<Brand, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let workspace_id = permit.workspace_id();
        let brand = self.brand_of(workspace_id).await?;
        let claim = brand
            .domains
            .iter()
            .find(|d| d.hostname.eq_ignore_ascii_case(hostname))
            .cloned()
            .ok_or(AppError::NotFound)?;
        if claim.verified {
            return Ok(brand);
        }
        if !self
            .config
            .dns
            .txt(&claim.txt_name)
            .await
            .contains(&claim.txt_value)
        {
            return Err(AppError::Conflict {
                field: "hostname",
                message: "the TXT record was not found yet; add it and try again (DNS changes can take a while to appear)",
            });
        }
        self.mark_verified(actor, &permit, &claim, context).await?;
        self.brand_of(workspace_id).await
    }

    async fn mark_verified(
        &self,
        actor: &Actor,
        permit: &clientele_domain::Permit,
        claim: &DomainClaim,
        context: &RequestContext,
    ) -> Result<(), AppError> {
        let workspace_id = permit.workspace_id();
        let mut tx = self.db.begin().await?;
        let verified =
            brand::verify_domain(&mut tx, workspace_id, &claim.hostname, Timestamp::now())
                .await
                .map_err(|error| match error {
                    StoreError::Conflict { constraint } if constraint == HOSTNAME_CONSTRAINT => {
                        AppError::Conflict {
                            field: "hostname",
                            message: "another workspace has already verified this domain",
                        }
                    }
                    other => other.into(),
                })?;
        if !verified {
            return Err(AppError::NotFound);
        }
        let entry = Entry {
            organization_id: None,
            action: "workspace.domain_verified",
            target_kind: "workspace",
            target_id: Some(workspace_id.as_uuid()),
            target_label: &claim.hostname,
            changes: Changes::new().set("hostname", &claim.hostname),
        };
        activity::commit(tx, permit, actor, context, entry).await
    }
}
