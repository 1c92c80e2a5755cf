//! The workspace's whitelabel brand and its client-dashboard domains. Clients see this brand,
//! never ours: without one, the workspace's own name stands in. A domain answers for the
//! workspace only once the workspace proves it controls it (see `domains`).

use crate::error::{AppError, Validation};
use crate::workspace::activity::{self, Changes, Entry};
use crate::{App, RequestContext, workspace::images};
use clientele_domain::{
    Action, Actor, BaseUrl, Email, HexColor, Hostname, ProductName, Resource, Timestamp,
    WorkspaceId, WorkspaceSlug, authorize,
};
use clientele_store::workspace;
use clientele_store::workspace::brand::{self, BrandRow, DomainRow, NewDomain};
use std::collections::HashSet;

/// The colours a workspace starts with.
pub const DEFAULT_PRIMARY: &str = "#4f46e5";
pub const DEFAULT_ACCENT: &str = "#0ea5e9";
/// The most dashboard hostnames one workspace may have.
pub const MAX_DOMAINS: usize = 10;

/// A workspace's brand as clients see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Brand {
    pub product_name: String,
    pub logo_image_id: Option<String>,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: Option<String>,
    pub console_url: Option<String>,
    /// The hostnames claimed for the client dashboard, the primary one first.
    pub dashboard_domains: Vec<String>,
    /// The same claims, each with whether it is verified and how to verify it.
    pub domains: Vec<DomainClaim>,
}

/// A hostname claimed for the client dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DomainClaim {
    pub hostname: String,
    /// Proven: the dashboard answers on it, and emailed links use it.
    pub verified: bool,
    /// The DNS TXT record that proves control: its name and its value.
    pub txt_name: String,
    pub txt_value: String,
}

impl DomainClaim {
    fn of(row: DomainRow) -> Self {
        Self {
            txt_name: format!("{TXT_PREFIX}.{}", row.hostname),
            txt_value: format!("{TXT_VALUE_PREFIX}{}", row.verification_token),
            verified: row.verified_at.is_some(),
            hostname: row.hostname,
        }
    }
}

/// Where the TXT record goes: this label under the hostname.
pub const TXT_PREFIX: &str = "_clientele-challenge";
/// What the TXT record says, before the workspace's token.
pub const TXT_VALUE_PREFIX: &str = "clientele-verification=";

/// A new brand, replacing the whole previous one.
#[derive(Debug, Default)]
pub struct BrandInput {
    pub product_name: String,
    pub logo_image_id: Option<String>,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: Option<String>,
    pub console_url: Option<String>,
    pub dashboard_domains: Vec<String>,
}

impl Brand {
    /// The first verified dashboard domain: the one emailed links use.
    pub fn primary_domain(&self) -> Option<&str> {
        self.domains
            .iter()
            .find(|d| d.verified)
            .map(|d| d.hostname.as_str())
    }

    /// Where links into the client dashboard start: its primary verified domain, else the
    /// console's URL, else the deployment's.
    pub fn dashboard_url(&self, public_url: &BaseUrl) -> BaseUrl {
        match self.primary_domain().map(Hostname::parse) {
            Some(Ok(host)) => BaseUrl::for_host(&host),
            _ => self.console_url(public_url),
        }
    }

    /// Where links into the agency console start.
    pub fn console_url(&self, public_url: &BaseUrl) -> BaseUrl {
        self.console_url
            .as_deref()
            .and_then(|url| BaseUrl::parse(url).ok())
            .unwrap_or_else(|| public_url.clone())
    }

    /// The logo's address, when the brand has one.
    pub fn logo_url(&self, public_url: &BaseUrl) -> Option<String> {
        self.logo_image_id
            .as_ref()
            .map(|id| self.console_url(public_url).join(&format!("/images/{id}")))
    }
}

impl App {
    /// The caller's workspace brand (any agency account).
    pub async fn brand(&self, actor: &Actor) -> Result<Brand, AppError> {
        let permit = authorize(
            actor,
            Action::ReadBrand,
            &Resource::Workspace(actor.workspace_id),
        )?;
        self.brand_of(permit.workspace_id()).await
    }

    /// A workspace's brand, for what it sends and serves to its clients.
    pub async fn brand_of(&self, workspace_id: WorkspaceId) -> Result<Brand, AppError> {
        let (row, claims) = tokio::try_join!(
            brand::find(&self.db, workspace_id),
            brand::domains(&self.db, workspace_id)
        )?;
        let domains: Vec<DomainClaim> = claims.into_iter().map(DomainClaim::of).collect();
        let hostnames: Vec<String> = domains.iter().map(|d| d.hostname.clone()).collect();
        let brand = match row {
            Some(row) => Brand {
                product_name: row.product_name,
                logo_image_id: row.logo_image_id,
                primary_color: row.primary_color,
                accent_color: row.accent_color,
                support_email: row.support_email,
                console_url: row.console_url,
                dashboard_domains: hostnames,
                domains,
            },
            None => {
                let workspace = workspace::find(&self.db, workspace_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                Brand {
                    product_name: workspace.name,
                    logo_image_id: None,
                    primary_color: DEFAULT_PRIMARY.to_owned(),
                    accent_color: DEFAULT_ACCENT.to_owned(),
                    support_email: None,
                    console_url: None,
                    dashboard_domains: hostnames,
                    domains,
                }
            }
        };
        Ok(brand)
    }

    /// The workspace whose client dashboard is served at `host` (a `Host` header, port allowed).
    pub async fn workspace_for_host(&self, host: &str) -> Result<Option<WorkspaceId>, AppError> {
        let name = host.rsplit_once(':').map_or(host, |(name, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                name
            } else {
                host
            }
        });
        let Ok(hostname) = Hostname::parse(name) else {
            return Ok(None);
        };
        Ok(brand::workspace_for_host(&self.db, hostname.as_str()).await?)
    }

    /// The workspace with this slug, for callers that name it instead of using its domain.
    pub async fn workspace_by_slug(&self, slug: &str) -> Result<Option<WorkspaceId>, AppError> {
        let Ok(slug) = WorkspaceSlug::parse(slug) else {
            return Ok(None);
        };
        Ok(workspace::find_by_slug(&self.db, &slug)
            .await?
            .map(|w| w.id))
    }

    /// The slug of the workspace served at `host`, for signing in on a dashboard domain.
    pub async fn workspace_slug_for_host(&self, host: &str) -> Result<Option<String>, AppError> {
        let Some(id) = self.workspace_for_host(host).await? else {
            return Ok(None);
        };
        Ok(workspace::find(&self.db, id).await?.map(|w| w.slug))
    }

    /// Replaces the workspace's brand and dashboard domains (owner and admins).
    #[tracing::instrument(skip_all)]
    pub async fn update_brand(
        &self,
        actor: &Actor,
        input: BrandInput,
        context: &RequestContext,
    ) -> Result<Brand, AppError> {
        let permit = authorize(
            actor,
            Action::ManageWorkspaceSettings,
            &Resource::Workspace(actor.workspace_id),
        )?;
        let workspace_id = permit.workspace_id();
        let (row, domains) = validate(workspace_id, &input)?;
        self.refuse_taken_hosts(workspace_id, &domains).await?;
        let tokens = domains
            .iter()
            .map(|_| crate::identity::tokens::Token::generate("").map(|t| t.reveal().to_owned()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tx = self.db.begin().await?;
        if let Some(id) = &row.logo_image_id {
            images::require(&mut tx, "logo_image_id", id).await?;
        }
        let before = brand::find_in(&mut tx, workspace_id).await?;
        if before.as_ref().and_then(|b| b.console_url.as_ref()) != row.console_url.as_ref() {
            authorize(
                actor,
                Action::SetConsoleUrl,
                &Resource::Workspace(workspace_id),
            )?;
        }
        brand::put(&mut tx, &row).await?;
        let hostnames: Vec<&str> = domains.iter().map(Hostname::as_str).collect();
        let claims: Vec<NewDomain<'_>> = hostnames
            .iter()
            .zip(&tokens)
            .map(|(hostname, token)| NewDomain {
                hostname,
                verification_token: token,
            })
            .collect();
        brand::set_domains(&mut tx, workspace_id, &claims).await?;
        let entry = Entry {
            organization_id: None,
            action: "workspace.brand_updated",
            target_kind: "workspace",
            target_id: Some(workspace_id.as_uuid()),
            target_label: &row.product_name,
            changes: changes(before.as_ref(), &row).set("dashboard_domains", &hostnames),
        };
        activity::commit(tx, &permit, actor, context, entry).await?;
        self.brand_of(workspace_id).await
    }
}

fn validate(
    workspace_id: WorkspaceId,
    input: &BrandInput,
) -> Result<(BrandRow, Vec<Hostname>), AppError> {
    let mut check = Validation::default();
    let product_name = check.check("product_name", ProductName::parse(&input.product_name));
    let primary = check.check("primary_color", HexColor::parse(&input.primary_color));
    let accent = check.check("accent_color", HexColor::parse(&input.accent_color));
    let support_email = match input.support_email.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => check.check("support_email", Email::parse(raw)),
    };
    let console_url = match input.console_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => check.check("console_url", BaseUrl::parse(raw)),
    };
    if input.dashboard_domains.len() > MAX_DOMAINS {
        check.fail(
            "dashboard_domains",
            format!("at most {MAX_DOMAINS} hostnames"),
        );
    }
    let mut seen = HashSet::new();
    let mut domains = Vec::new();
    for (i, raw) in input.dashboard_domains.iter().enumerate() {
        let field = format!("dashboard_domains[{i}]");
        if raw
            .trim()
            .trim_end_matches('.')
            .parse::<std::net::IpAddr>()
            .is_ok()
            || raw
                .rsplit('.')
                .next()
                .is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit()))
        {
            check.fail(&field, "must be a domain name, not an IP address");
        } else if let Some(host) = check.check(&field, Hostname::parse(raw)) {
            if seen.insert(host.clone()) {
                domains.push(host);
            } else {
                check.fail(&field, "is listed twice");
            }
        }
    }
    check.finish()?;
    let (Some(product_name), Some(primary), Some(accent)) = (product_name, primary, accent) else {
        return Err(AppError::invalid("product_name", "is invalid"));
    };
    let row = BrandRow {
        workspace_id,
        product_name: product_name.as_str().to_owned(),
        logo_image_id: input.logo_image_id.clone().filter(|id| !id.is_empty()),
        primary_color: primary.as_str().to_owned(),
        accent_color: accent.as_str().to_owned(),
        support_email: support_email.map(|e| e.as_str().to_owned()),
        console_url: console_url.map(|u| u.as_str().to_owned()),
        updated_at: Timestamp::now(),
    };
    Ok((row, domains))
}

fn changes(before: Option<&BrandRow>, after: &BrandRow) -> Changes {
    let mut changes = Changes::new();
    let pairs: [(&str, Option<String>, Option<String>); 6] = [
        (
            "product_name",
            before.map(|b| b.product_name.clone()),
            Some(after.product_name.clone()),
        ),
        (
            "logo_image_id",
            before.and_then(|b| b.logo_image_id.clone()),
            after.logo_image_id.clone(),
        ),
        (
            "primary_color",
            before.map(|b| b.primary_color.clone()),
            Some(after.primary_color.clone()),
        ),
        (
            "accent_color",
            before.map(|b| b.accent_color.clone()),
            Some(after.accent_color.clone()),
        ),
        (
            "support_email",
            before.and_then(|b| b.support_email.clone()),
            after.support_email.clone(),
        ),
        (
            "console_url",
            before.and_then(|b| b.console_url.clone()),
            after.console_url.clone(),
        ),
    ];
    for (field, old, new) in pairs {
        if old != new {
            changes = changes.field(field, old, new);
        }
    }
    changes
}
