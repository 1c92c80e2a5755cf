//! The workspace as a whole: its brand and dashboard domains, images, and the activity log.

pub mod activity;
pub mod brand;
pub mod images;
