//! localStorage, with every failure reported instead of swallowed.

use gloo::events::EventListener;
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
        _ => StorageError::Other(super::describe(&e)),
    }
}

/// Every `(key, value)` whose key starts with `prefix`.
pub fn entries_with_prefix(prefix: &str) -> Result<Vec<(String, String)>, StorageError> {
    let s = local_storage()?;
    let n = s.length().map_err(classify)?;
    let keys: Vec<String> = (0..n)
        .filter_map(|i| s.key(i).ok().flatten())
        .filter(|k| k.starts_with(prefix))
        .collect();
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        if let Some(v) = s.get_item(&k).map_err(classify)? {
            out.push((k, v));
        }
    }
    Ok(out)
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

/// A change another tab made: the key (`None` when it cleared everything),
/// the value before and after.
pub struct Change {
    pub key: Option<String>,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Every key (values are not read).
pub fn keys() -> Result<Vec<String>, StorageError> {
    let s = local_storage()?;
    let n = s.length().map_err(classify)?;
    Ok((0..n).filter_map(|i| s.key(i).ok().flatten()).collect())
}

/// Calls `on_change` when another tab changes a key starting with one of
/// `prefixes` (or clears the storage).
pub fn watch(prefixes: Vec<String>, on_change: impl Fn(Change) + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |e| {
        let Some(e) = e.dyn_ref::<web_sys::StorageEvent>() else {
            return;
        };
        let key = e.key();
        if key
            .as_ref()
            .is_none_or(|k| prefixes.iter().any(|p| k.starts_with(p)))
        {
            on_change(Change {
                key,
                old: e.old_value(),
                new: e.new_value(),
            });
        }
    }))
}
