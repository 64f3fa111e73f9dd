//! In-browser Chinese text annotator.
//!
//! `core` is pure Rust (no web-sys, no yew) and is tested natively;
//! `platform` is the thin browser edge; `ui` holds the Yew components.

pub mod core;
pub mod platform;
pub mod ui;
