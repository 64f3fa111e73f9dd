//! The body of the segmentation Web Worker (binary `segmenter`). jieba's
//! dictionary lives only here, so the page paints and stays responsive while
//! it loads.
//!
//! Protocol (plain JS objects, token ranges as a transferred Uint32Array):
//! - page → worker: requests may come at once; static/segmenter_loader.js
//!   keeps those that arrive before this code runs.
//! - worker → page, once: `{type: "ready", initMs, marks}` after the dictionary
//!   loads; `marks` places the worker's start-up on a shared clock (epoch ms):
//!   `wasmFetchStart`, `wasmFetchEnd` (this worker's wasm), `mainStart` (the
//!   wasm compiled and running), `dictionaryLoaded`.
//! - page → worker: `{id, text, dict, blocks}` where `dict` is the JSON of a
//!   `UserDict` and `blocks` a Uint32Array of the page's block ranges
//!   `[start, end]…` in code points (the page knows the document's structure).
//! - worker → page, per slice of blocks in document order: `{type: "tokens",
//!   id, tokens: Uint32Array [start, end, kind]…, blocksDone, blocksTotal,
//!   segmentMs, memoryBytes}`; the request is answered when `blocksDone ==
//!   blocksTotal` (`segmentMs`: time so far; `memoryBytes`: the worker's wasm
//!   memory). Or `{type: "error", id, message}`.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Object, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::timing;
use crate::core::segment::{Segmenter, Token, TokenKind, UserDict};

/// Code points of text per reply: a long document's first paragraphs get
/// their words after about 20 ms of work instead of after the whole text
/// (about 2 s at 1 MB). The seed article is one reply.
const SLICE_CHARS: usize = 20_000;

/// Where static/segmenter_loader.js keeps the messages that arrive before
/// this handler exists.
const PENDING: &str = "pending";

pub fn run() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let main_start = timing::epoch_now();
    let state = Rc::new(RefCell::new(SegmenterState {
        segmenter: Segmenter::new(),
        dict: UserDict::default(),
    }));
    let dictionary_loaded = timing::epoch_now();
    let (fetch_start, fetch_end) = timing::resource_fetch(".wasm")
        .map_or((JsValue::NULL, JsValue::NULL), |(s, e)| {
            (s.into(), e.into())
        });
    let marks = fields(&[
        ("wasmFetchStart", fetch_start),
        ("wasmFetchEnd", fetch_end),
        ("mainStart", main_start.into()),
        ("dictionaryLoaded", dictionary_loaded.into()),
    ]);
    post(
        &scope,
        &fields(&[
            ("type", "ready".into()),
            ("initMs", (dictionary_loaded - main_start).into()),
            ("marks", marks.into()),
        ]),
        None,
    );

    let reply_scope = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let data = e.data();
        let id = Reflect::get(&data, &"id".into()).unwrap_or(JsValue::NULL);
        let t0 = js_sys::Date::now();
        let reply = |tokens: Vec<Token>, blocks_done: usize, blocks_total: usize| {
            let mut buf = Vec::with_capacity(tokens.len() * 3);
            for t in &tokens {
                buf.extend([t.start as u32, t.end as u32, kind_code(t.kind)]);
            }
            let flat = Uint32Array::from(&buf[..]);
            let msg = fields(&[
                ("type", "tokens".into()),
                ("id", id.clone()),
                ("tokens", flat.clone().into()),
                ("blocksDone", blocks_done.into()),
                ("blocksTotal", blocks_total.into()),
                ("segmentMs", (js_sys::Date::now() - t0).into()),
                ("memoryBytes", memory_bytes().into()),
            ]);
            post(&reply_scope, &msg, Some(&flat.buffer()));
        };
        if let Err(message) = handle(&state, &data, reply) {
            post(
                &reply_scope,
                &fields(&[
                    ("type", "error".into()),
                    ("id", id),
                    ("message", message.into()),
                ]),
                None,
            );
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // Requests that came while the wasm and the dictionary loaded, kept by
    // static/segmenter_loader.js, are answered now, in order.
    let handler: &js_sys::Function = on_message.as_ref().unchecked_ref();
    if let Ok(pending) =
        Reflect::get(&scope, &PENDING.into()).and_then(|p| p.dyn_into::<js_sys::Array>())
    {
        let _ = Reflect::delete_property(&scope, &PENDING.into());
        for event in pending.iter() {
            let _ = handler.call1(&JsValue::NULL, &event);
        }
    }
    // The handler lives as long as the worker.
    on_message.forget();
}

struct SegmenterState {
    segmenter: Segmenter,
    dict: UserDict,
}

/// Answers one request, a slice of blocks at a time (see `SLICE_CHARS`):
/// `reply(tokens, blocks done, blocks in all)`.
fn handle(
    state: &RefCell<SegmenterState>,
    data: &JsValue,
    mut reply: impl FnMut(Vec<Token>, usize, usize),
) -> Result<(), String> {
    let text = Reflect::get(data, &"text".into())
        .ok()
        .and_then(|v| v.as_string())
        .ok_or("request without text")?;
    let dict: UserDict = Reflect::get(data, &"dict".into())
        .ok()
        .and_then(|v| v.as_string())
        .map(|json| serde_json::from_str(&json).map_err(|e| format!("bad user dictionary: {e}")))
        .transpose()?
        .unwrap_or_default();
    let mut st = state.borrow_mut();
    if st.dict != dict {
        // jieba cannot forget added words: start from a fresh dictionary when
        // a word was removed, otherwise add on top.
        if !dict.join.iter().all(|w| st.dict.join.contains(w))
            || dict.join.len() < st.dict.join.len()
        {
            st.segmenter = Segmenter::new();
        }
        st.segmenter.set_user_dict(&dict);
        st.dict = dict;
    }
    let flat: Vec<u32> = Reflect::get(data, &"blocks".into())
        .ok()
        .and_then(|v| v.dyn_into::<Uint32Array>().ok())
        .ok_or("request without blocks")?
        .to_vec();
    let blocks: Vec<(usize, usize)> = flat
        .chunks_exact(2)
        .map(|r| (r[0] as usize, r[1] as usize))
        .collect();
    let total = blocks.len();
    st.segmenter
        .segment_blocks_in_slices(&text, &blocks, SLICE_CHARS, |tokens, done| {
            reply(tokens, done, total)
        });
    Ok(())
}

/// Wire code of a token kind (see `platform::segmenter::kind_from_code`).
pub fn kind_code(kind: TokenKind) -> u32 {
    match kind {
        TokenKind::Word => 0,
        TokenKind::Punct => 1,
        TokenKind::Space => 2,
    }
}

/// Size of this worker's wasm linear memory (where the dictionary lives).
fn memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as f64
}

fn fields(pairs: &[(&str, JsValue)]) -> Object {
    let obj = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&obj, &(*k).into(), v);
    }
    obj
}

fn post(scope: &DedicatedWorkerGlobalScope, msg: &JsValue, transfer: Option<&js_sys::ArrayBuffer>) {
    let result = match transfer {
        Some(buf) => scope.post_message_with_transfer(msg, &js_sys::Array::of1(buf)),
        None => scope.post_message(msg),
    };
    if let Err(e) = result {
        web_sys::console::error_2(&"segmenter: postMessage failed".into(), &e);
    }
}
