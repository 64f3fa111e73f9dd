//! The page's side of the conversion worker (`converter_worker`): started
//! on the first file or paste, then kept; each request is a promise
//! answered by the reply with its id.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MessageEvent, Worker};

use crate::core::document::Opened;

/// The worker's loader script, emitted by Trunk next to index.html.
const WORKER_URL: &str = "./converter_loader.js";

/// A request and the buffer it hands over.
type Outgoing = (Object, Option<JsValue>);

thread_local! {
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
    /// Requests made before the worker said it is ready (None once it has).
    static QUEUED: RefCell<Option<Vec<Outgoing>>> = const { RefCell::new(Some(Vec::new())) };
    /// Requests waiting for their reply: id -> the promise's resolve.
    static WAITING: RefCell<HashMap<u32, Function>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u32> = const { Cell::new(1) };
}

/// Answers every waiting request with `error` (the worker failed).
fn fail_all(error: &str) {
    let waiting: Vec<Function> = WAITING.with(|w| w.borrow_mut().drain().map(|(_, f)| f).collect());
    for resolve in waiting {
        let reply = Object::new();
        let _ = Reflect::set(&reply, &"error".into(), &error.into());
        let _ = resolve.call1(&JsValue::NULL, &reply);
    }
}

fn worker() -> Result<Worker, String> {
    if let Some(w) = WORKER.with(|w| w.borrow().clone()) {
        return Ok(w);
    }
    let worker = Worker::new(WORKER_URL).map_err(|e| super::describe(&e))?;
    QUEUED.with(|q| *q.borrow_mut() = Some(Vec::new()));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|e: MessageEvent| {
        let data = e.data();
        if Reflect::get(&data, &"ready".into())
            .ok()
            .and_then(|v| v.as_bool())
            == Some(true)
        {
            let queued = QUEUED.with(|q| q.borrow_mut().take()).unwrap_or_default();
            for (msg, transfer) in queued {
                if let Err(e) = post(&msg, transfer.as_ref()) {
                    fail_all(&e);
                }
            }
            return;
        }
        let id = Reflect::get(&data, &"id".into())
            .ok()
            .and_then(|v| v.as_f64())
            .map(|v| v as u32);
        if let Some(resolve) = id.and_then(|id| WAITING.with(|w| w.borrow_mut().remove(&id))) {
            let _ = resolve.call1(&JsValue::NULL, &data);
        }
    });
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(|e: web_sys::ErrorEvent| {
        // A failed worker is replaced on the next request.
        if let Some(w) = WORKER.with(|w| w.borrow_mut().take()) {
            w.terminate();
        }
        fail_all(&format!("转换文件的后台线程出错（{}）", e.message()));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    // The handlers live as long as the page.
    on_message.forget();
    on_error.forget();
    WORKER.with(|w| *w.borrow_mut() = Some(worker.clone()));
    Ok(worker)
}

fn post(msg: &Object, transfer: Option<&JsValue>) -> Result<(), String> {
    let worker = worker()?;
    match transfer {
        Some(buffer) => worker.post_message_with_transfer(msg, &js_sys::Array::of1(buffer)),
        None => worker.post_message(msg),
    }
    .map_err(|e| super::describe(&e))
}

async fn ask(msg: Object, transfer: Option<&JsValue>) -> Result<Opened, String> {
    worker()?;
    let id = NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    });
    let _ = Reflect::set(&msg, &"id".into(), &id.into());
    let reply = Promise::new(&mut |resolve, _reject| {
        WAITING.with(|w| w.borrow_mut().insert(id, resolve));
    });
    let waiting_for_ready = QUEUED.with(|q| match q.borrow_mut().as_mut() {
        Some(queue) => {
            queue.push((msg.clone(), transfer.cloned()));
            true
        }
        None => false,
    });
    if !waiting_for_ready {
        if let Err(e) = post(&msg, transfer) {
            WAITING.with(|w| w.borrow_mut().remove(&id));
            return Err(e);
        }
    }
    let data = JsFuture::from(reply)
        .await
        .map_err(|e| super::describe(&e))?;
    let field = |k: &str| {
        Reflect::get(&data, &k.into())
            .ok()
            .and_then(|v| v.as_string())
    };
    if let Some(error) = field("error") {
        return Err(error);
    }
    let json = field("ok").ok_or("转换结果缺失")?;
    serde_json::from_str(&json).map_err(|e| format!("转换结果无法读取（{e}）"))
}

/// A file's bytes as a document (see `core::document::open_file`).
pub async fn open_file(
    name: &str,
    bytes: Vec<u8>,
    encoding: Option<&str>,
) -> Result<Opened, String> {
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"kind".into(), &"file".into());
    let _ = Reflect::set(&msg, &"name".into(), &name.into());
    let buffer = Uint8Array::from(&bytes[..]).buffer();
    let _ = Reflect::set(&msg, &"bytes".into(), &buffer);
    if let Some(e) = encoding {
        let _ = Reflect::set(&msg, &"encoding".into(), &e.into());
    }
    ask(msg, Some(&buffer)).await
}

/// Pasted text (and the page's HTML, when the clipboard had it) as a document.
pub async fn open_paste(plain: &str, html: Option<&str>) -> Result<Opened, String> {
    let msg = Object::new();
    let _ = Reflect::set(&msg, &"kind".into(), &"paste".into());
    let _ = Reflect::set(&msg, &"plain".into(), &plain.into());
    if let Some(h) = html {
        let _ = Reflect::set(&msg, &"html".into(), &h.into());
    }
    ask(msg, None).await
}
