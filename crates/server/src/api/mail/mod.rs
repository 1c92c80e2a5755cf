//! Email: the workspace's mail server settings, its templates, and the outbox.

pub mod outbox;
pub mod settings;
pub mod templates;
