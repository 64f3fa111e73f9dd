//! The body of the file-conversion Web Worker (binary `converter`):
//! decoding, Word, HTML and Markdown parsing live here, out of the page's
//! wasm (so the first paint does not wait for them) and off its thread (so
//! a large file never freezes the page). Started on the first file or paste.
//!
//! Protocol (plain JS objects):
//! - worker → page, once: `{ready: true}` when its handler is set (a message
//!   sent before would be lost).
//! - page → worker: `{id, kind: "file", name, bytes: ArrayBuffer, encoding?}`
//!   or `{id, kind: "paste", plain, html?}`.
//! - worker → page: `{id, ok: <JSON of core::document::Opened>}` or
//!   `{id, error: <message naming the file and the reason>}`.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::core::document;

pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        let get = |k: &str| Reflect::get(&data, &k.into()).unwrap_or(JsValue::UNDEFINED);
        let result = match get("kind").as_string().as_deref() {
            Some("file") => {
                let name = get("name").as_string().unwrap_or_default();
                let bytes = Uint8Array::new(&get("bytes")).to_vec();
                let encoding = get("encoding").as_string();
                document::open_file(&name, &bytes, encoding.as_deref())
            }
            Some("paste") => {
                let plain = get("plain").as_string().unwrap_or_default();
                document::open_paste(&plain, get("html").as_string().as_deref())
            }
            _ => Err("未知的请求".into()),
        };
        let reply = Object::new();
        let _ = Reflect::set(&reply, &"id".into(), &get("id"));
        let (key, value) =
            match result.and_then(|o| serde_json::to_string(&o).map_err(|e| e.to_string())) {
                Ok(json) => ("ok", json),
                Err(e) => ("error", e),
            };
        let _ = Reflect::set(&reply, &key.into(), &value.into());
        if let Err(e) = reply_scope.post_message(&reply) {
            web_sys::console::error_2(&"converter: postMessage failed".into(), &e);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    let ready = Object::new();
    let _ = Reflect::set(&ready, &"ready".into(), &true.into());
    let _ = scope.post_message(&ready);
}
