//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use crate::extract::SESSION_COOKIE;
use crate::problem::{FieldError, ProblemResponse};
use utoipa::openapi::Required;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Clientele API",
        description = "Manage client organizations, their users, teams and agents. \
            Errors are RFC 9457 problem documents (`application/problem+json`).",
    ),
    components(schemas(ProblemResponse, FieldError)),
    modifiers(&Credentials),
    tags(
        (name = "health", description = "Liveness and readiness probes"),
        (name = "sessions", description = "Signing in and out, and who the caller is"),
        (name = "members", description = "The agency's accounts and their roles"),
        (name = "api keys", description = "Credentials for automation"),
        (name = "activity", description = "The append-only record of every change"),
        (name = "organizations", description = "Client organizations and their settings"),
        (name = "agents", description = "The agent pool and each agent's organization"),
        (name = "images", description = "Logos and avatars: upload once, reference by id"),
        (name = "client users", description = "An organization's people, their permissions and agent access"),
        (name = "teams", description = "Groups of an organization's users for human handoff"),
        (name = "workspace", description = "The agency's brand, dashboard domains, email settings, templates and outbox"),
        (name = "invitations", description = "Invitations, password resets and previews: single-use links"),
    ),
)]
pub struct ApiDoc;

/// The ways to authenticate: a session cookie (browsers; unsafe requests also need the
/// `x-csrf-token` header) or an API key as a bearer token on `/api/v1`, and an agent's runtime
/// key as a bearer token on `/runtime/v1`.
struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "runtime_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Documents the `Idempotency-Key` header on every authenticated POST (the middleware in
/// `idempotency.rs` honours it on all of them).
pub fn document_idempotency(openapi: &mut utoipa::openapi::OpenApi) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        // Runtime events are idempotent by their own ids instead.
        if path.starts_with("/runtime/") {
            continue;
        }
        let Some(operation) = item.post.as_mut() else {
            continue;
        };
        if operation.security.as_ref().is_none_or(|s| s.is_empty()) {
            continue;
        }
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(255))
            .pattern(Some("^[!-~]+$"));
        let parameter = ParameterBuilder::new()
            .name("Idempotency-Key")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "Retrying with the same key (and the same request) returns the first answer, \
                 marked `Idempotent-Replayed: true`, instead of changing anything twice. \
                 Keys are kept 24 hours.",
            ))
            .schema(Some(schema))
            .build();
        operation
            .parameters
            .get_or_insert_with(Vec::new)
            .push(parameter.into());
    }
}

/// Where the document is served, and where its human-readable reference lives.
pub const DOCUMENT_PATH: &str = "/api/v1/openapi.json";
pub const REFERENCE_PATH: &str = "/api/docs";
