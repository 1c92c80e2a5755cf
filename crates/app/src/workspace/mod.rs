//! The workspace as a whole: its first setup, brand, dashboard domains, images, and the
//! activity log every change is recorded in.

pub mod activity;
pub mod brand;
pub mod domains;
pub mod images;
pub mod setup;
