//! localStorage, with every failure reported instead of swallowed.

use gloo::events::EventListener;
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::JsCast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageError {
    /// The quota is used up (QuotaExceededError): nothing was written.
    Full,
    /// Storage is disabled or blocked (private mode, settings).
    Unavailable,
    Other(String),
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StorageError::Full => write!(f, "浏览器存储空间已满"),
            StorageError::Unavailable => write!(f, "浏览器存储不可用"),
            StorageError::Other(e) => write!(f, "存储出错：{e}"),
        }
    }
}

fn local_storage() -> Result<web_sys::Storage, StorageError> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or(StorageError::Unavailable)
}

fn classify(e: wasm_bindgen::JsValue) -> StorageError {
    let name = js_sys::Reflect::get(&e, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    match name.as_str() {
        "QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED" => StorageError::Full,
        "SecurityError" => StorageError::Unavailable,
        _ => StorageError::Other(format!("{e:?}")),
    }
}

pub fn get(key: &str) -> Result<Option<String>, StorageError> {
    local_storage()?.get_item(key).map_err(classify)
}

/// Writes `value` under `key`. On `Err` the previous value is untouched
/// (the Web Storage spec: a failed setItem changes nothing).
pub fn set(key: &str, value: &str) -> Result<(), StorageError> {
    local_storage()?.set_item(key, value).map_err(classify)
}

pub fn remove(key: &str) -> Result<(), StorageError> {
    local_storage()?.remove_item(key).map_err(classify)
}

/// Reads and parses `key`: `Ok(None)` when nothing is stored.
pub fn load<T: DeserializeOwned>(key: &str) -> Result<Option<T>, String> {
    get(key)
        .map_err(|e| e.to_string())?
        .map(|s| serde_json::from_str(&s).map_err(|e| format!("{key}: {e}")))
        .transpose()
}

/// Stores `value` as JSON under `key`.
pub fn save<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    let json = serde_json::to_string(value).map_err(|e| e.to_string())?;
    set(key, &json).map_err(|e| e.to_string())
}

/// Calls `on_change(old, new)` when another tab changes `key`.
pub fn watch(
    key: String,
    on_change: impl Fn(Option<String>, Option<String>) + 'static,
) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |e| {
        let Some(e) = e.dyn_ref::<web_sys::StorageEvent>() else {
            return;
        };
        if e.key().as_deref() == Some(key.as_str()) {
            on_change(e.old_value(), e.new_value());
        }
    }))
}
