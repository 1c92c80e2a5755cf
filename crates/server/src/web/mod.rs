//! Server-rendered pages.

pub mod home;
pub mod links;
pub mod setup;
