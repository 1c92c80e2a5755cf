//! Email: each workspace's mail server settings and templates, and the outbox.

pub mod outbox;
pub mod settings;
pub mod templates;
