//! Pure core: no browser APIs. Everything here is tested with plain `cargo test`.

pub mod agreement;
pub mod anchor;
pub mod annotation;
pub mod arcs;
pub mod article;
pub mod document;
pub mod exchange;
pub mod formats;
pub mod keyselect;
pub mod keywords;
pub mod layout;
pub mod library;
pub mod persist;
pub mod prerender;
pub mod segment;
pub mod snap;
pub mod statistics;
pub mod store;
pub mod sync;
pub mod team;
pub mod text;
pub mod timestamp;
