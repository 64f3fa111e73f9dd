//! localStorage, with every failure reported instead of swallowed.

use serde::{de::DeserializeOwned, Serialize};

fn local_storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .ok_or("no window")?
        .local_storage()
        .map_err(|_| "localStorage is blocked".to_string())?
        .ok_or_else(|| "localStorage is unavailable".to_string())
}

/// Reads and parses `key`. `Ok(None)` when nothing is stored; `Err` when
/// storage is unavailable or the stored text does not parse (the caller
/// decides what to tell the person; nothing is overwritten here).
pub fn load<T: DeserializeOwned>(key: &str) -> Result<Option<T>, String> {
    let raw = local_storage()?
        .get_item(key)
        .map_err(|_| format!("cannot read {key}"))?;
    raw.map(|s| serde_json::from_str(&s).map_err(|e| format!("{key} is damaged: {e}")))
        .transpose()
}

/// Stores `value` as JSON under `key`. A full quota comes back as `Err`.
pub fn save<T: Serialize>(key: &str, value: &T) -> Result<(), String> {
    let json = serde_json::to_string(value).map_err(|e| e.to_string())?;
    local_storage()?
        .set_item(key, &json)
        .map_err(|e| format!("could not save {key}: {}", js_error_name(&e)))
}

fn js_error_name(e: &wasm_bindgen::JsValue) -> String {
    js_sys::Reflect::get(e, &"name".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}
