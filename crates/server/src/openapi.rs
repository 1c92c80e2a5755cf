//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::problem::{FieldError, ProblemResponse};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clientele API",
        description = "Manage client organizations, their users, teams and agents. \
            Errors are RFC 9457 problem documents (`application/problem+json`).",
    ),
    components(schemas(ProblemResponse, FieldError)),
    tags((name = "health", description = "Liveness and readiness probes")),
)]
pub struct ApiDoc;

/// Where the document is served, and where its human-readable reference lives.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";
pub const REFERENCE_PATH: &str = "/api/docs";
