//! The `clientele` binary, started as an operator would start it.
// A test fails by panicking, helpers included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod backup;
mod config;
mod crash;
mod init;
mod migrate;
mod process;
mod secrets;
mod seed;
mod serve;
mod templates;
