//! Yew function components. Components render state and dispatch actions;
//! offsets and rules live in `crate::core`.

pub mod components;
pub mod highlight;
pub mod hooks;
pub mod library;
pub mod state;
pub mod sync;
pub mod transfer;

use crate::platform::{segmenter, timing};

/// The article shipped with the app, compiled in so it paints with the first
/// frame instead of waiting for a second request.
pub const SEED_ARTICLE: &str = include_str!("../../seeds/000_dd504da93b3e7f9a.txt");

/// Starts the segmentation worker, then mounts the app on `<body>` (the
/// worker compiles and loads its dictionary while the article renders).
pub fn start() {
    timing::mark("app-start");
    segmenter::start();
    yew::Renderer::<components::root::Root>::new().render();
}
