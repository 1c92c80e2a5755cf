//! Email: a workspace's mail server settings, its templates, the outbox that queues and sends
//! each email, and the SMTP delivery of one message.

pub mod outbox;
pub mod settings;
mod smtp;
pub mod templates;
