//! The server's integration tests: the real application over HTTP, on SQLite and PostgreSQL.
// A test fails by panicking, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod account_links;
mod agents;
mod attacks;
mod auth;
mod browser;
mod client_users;
mod conversations;
mod dashboard_auth;
mod email;
mod faults;
mod health;
mod images;
mod matrix;
mod members;
mod openapi;
mod organizations;
mod pages;
mod problems;
mod races;
mod request_id;
mod retention;
mod runtime;
mod security;
mod seed;
mod setup;
mod shutdown;
mod teams;
mod two_factor;
mod webhooks;
