//! The JSON API: one module per resource, each registering its routes with the OpenAPI router.

pub mod health;
