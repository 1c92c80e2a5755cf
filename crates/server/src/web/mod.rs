//! Server-rendered pages.

pub mod setup;
