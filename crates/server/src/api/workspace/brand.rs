//! The workspace's brand and its dashboard domains.

use crate::extract::{ApiJson, ApiPath, Caller, Origin};
use crate::problem::{Problem, ProblemResponse};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use clientele_app::workspace::brand::{Brand, BrandInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// How clients see the agency: on the dashboard and in every email.
#[derive(Serialize, ToSchema)]
pub struct BrandResponse {
    pub product_name: String,
    pub logo_image_id: Option<String>,
    pub primary_color: String,
    pub accent_color: String,
    pub support_email: Option<String>,
    /// Where the agency console is served; links for agency accounts start here.
    pub console_url: Option<String>,
    /// Hostnames claimed for the client dashboard, the primary one first.
    pub dashboard_domains: Vec<String>,
    /// Each claimed hostname, whether it is verified, and the DNS TXT record that verifies it.
    /// Only a verified hostname serves the dashboard; client links start at the first one.
    pub domains: Vec<DomainResponse>,
}

/// A hostname claimed for the client dashboard.
#[derive(Serialize, ToSchema)]
pub struct DomainResponse {
    pub hostname: String,
    pub verified: bool,
    /// Create a TXT record with this name...
    #[schema(example = "_clientele-challenge.app.acme-ai.com")]
    pub txt_name: String,
    /// ...and this value, then ask for verification.
    pub txt_value: String,
}

impl From<Brand> for BrandResponse {
    fn from(brand: Brand) -> Self {
        Self {
            product_name: brand.product_name,
            logo_image_id: brand.logo_image_id,
            primary_color: brand.primary_color,
            accent_color: brand.accent_color,
            support_email: brand.support_email,
            console_url: brand.console_url,
            dashboard_domains: brand.dashboard_domains,
            domains: brand
                .domains
                .into_iter()
                .map(|d| DomainResponse {
                    hostname: d.hostname,
                    verified: d.verified,
                    txt_name: d.txt_name,
                    txt_value: d.txt_value,
                })
                .collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BrandRequest {
    /// 1 to 80 characters, e.g. "Acme AI".
    pub product_name: String,
    /// An uploaded image's id.
    pub logo_image_id: Option<String>,
    /// `#rrggbb`.
    #[schema(example = "#4f46e5")]
    pub primary_color: String,
    #[schema(example = "#0ea5e9")]
    pub accent_color: String,
    pub support_email: Option<String>,
    #[schema(example = "https://console.acme-ai.com")]
    pub console_url: Option<String>,
    /// Bare hostnames (not IP addresses, not the deployment's own host); the first is the
    /// primary one. Each takes effect once verified by its DNS TXT record.
    #[serde(default)]
    #[schema(example = json!(["app.acme-ai.com"]))]
    pub dashboard_domains: Vec<String>,
}

/// The workspace's brand and dashboard domains (agency accounts).
#[utoipa::path(get, path = "/api/v1/workspace/brand", tag = "workspace", operation_id = "getBrand",
    security(("session" = []), ("api_key" = [])),
    responses((status = 200, body = BrandResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn get_brand(
    State(state): State<AppState>,
    Caller(caller): Caller,
) -> Result<Json<BrandResponse>, Problem> {
    Ok(Json(state.app.brand(&caller.actor).await?.into()))
}

/// Replaces the brand and dashboard domains (owner and admins).
#[utoipa::path(put, path = "/api/v1/workspace/brand", tag = "workspace", operation_id = "putBrand",
    security(("session" = []), ("api_key" = [])), request_body = BrandRequest,
    responses((status = 200, body = BrandResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 422, body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn put_brand(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiJson(request): ApiJson<BrandRequest>,
) -> Result<Json<BrandResponse>, Problem> {
    let input = BrandInput {
        product_name: request.product_name,
        logo_image_id: request.logo_image_id,
        primary_color: request.primary_color,
        accent_color: request.accent_color,
        support_email: request.support_email,
        console_url: request.console_url,
        dashboard_domains: request.dashboard_domains,
    };
    let brand = state
        .app
        .update_brand(&caller.actor, input, &origin)
        .await?;
    Ok(Json(brand.into()))
}

/// Verifies a claimed dashboard domain by its DNS TXT record (owner and admins): once it
/// carries the workspace's value, the dashboard answers on the hostname.
#[utoipa::path(post, path = "/api/v1/workspace/brand/domains/{hostname}/verify", tag = "workspace", operation_id = "verifyDashboardDomain",
    security(("session" = []), ("api_key" = [])),
    params(("hostname" = String, Path, description = "A hostname the workspace claims")),
    responses((status = 200, body = BrandResponse),
        (status = 403, body = ProblemResponse, content_type = "application/problem+json"),
        (status = 404, description = "The workspace claims no such hostname", body = ProblemResponse, content_type = "application/problem+json"),
        (status = 409, description = "The TXT record is not there yet, or another workspace verified the hostname first", body = ProblemResponse, content_type = "application/problem+json")))]
pub async fn verify_domain(
    State(state): State<AppState>,
    Caller(caller): Caller,
    Origin(origin): Origin,
    ApiPath(hostname): ApiPath<String>,
) -> Result<Json<BrandResponse>, Problem> {
    let brand = state
        .app
        .verify_dashboard_domain(&caller.actor, &hostname, &origin)
        .await?;
    Ok(Json(brand.into()))
}
