//! Effects the app needs (storage, settings), as hooks the way Yew's
//! function_todomvc example keeps them out of its components.

pub mod annotation_storage;
pub mod near_screen;
pub mod settings;
pub mod sync;
