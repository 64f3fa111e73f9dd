//! The browser edge: everything that touches web APIs, kept thin.

pub mod clock;
pub mod converter;
pub mod converter_worker;
pub mod couch;
pub mod documents;
pub mod dom;
pub mod files;
pub mod replica_store;
pub mod segmenter;
pub mod segmenter_worker;
pub mod selection;
pub mod storage;
pub mod timing;
pub mod viewport;

/// A JS exception in words (`name: message`), not `JsValue(...)`.
pub fn describe(e: &wasm_bindgen::JsValue) -> String {
    let field = |k: &str| {
        js_sys::Reflect::get(e, &k.into())
            .ok()
            .and_then(|v| v.as_string())
            .filter(|s| !s.is_empty())
    };
    match (field("name"), field("message")) {
        (Some(n), Some(m)) => format!("{n}: {m}"),
        (None, Some(m)) => m,
        (Some(n), None) => n,
        (None, None) => e.as_string().unwrap_or_else(|| "未知错误".into()),
    }
}
