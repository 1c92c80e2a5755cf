//! The connection to agent runtimes: the agency's routes that manage an agent's runtime key,
//! and webhook endpoint, and the routes under `/runtime/v1` that a runtime calls with that key.

pub mod configuration;
pub mod events;
pub mod keys;
pub mod webhooks;
