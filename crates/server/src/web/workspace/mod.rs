//! The page that creates the first workspace.

pub mod setup;
