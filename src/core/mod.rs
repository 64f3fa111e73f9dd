//! Pure core: no browser APIs. Everything here is tested with plain `cargo test`.

pub mod article;
pub mod text;
