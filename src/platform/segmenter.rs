//! The page's side of the segmentation worker: starts it, sends texts, and
//! turns its replies into `SegmenterEvent`s. See `segmenter_worker` for the
//! protocol.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use super::timing;
use crate::core::article::Article;
use crate::core::segment::{Token, TokenKind, UserDict};

/// The worker's entry script (static/segmenter_loader.js), next to
/// index.html.
const WORKER_URL: &str = "./segmenter_loader.js";

pub enum SegmenterEvent {
    /// The dictionary is loaded (time spent in the worker, ms).
    Ready {
        init_ms: f64,
    },
    /// A slice of the answer: the words of the blocks up to `blocks_done`
    /// of `blocks_total` not sent before.
    Tokens {
        id: u32,
        tokens: Vec<Token>,
        segment_ms: f64,
        blocks_done: usize,
        blocks_total: usize,
    },
    Failed(String),
}

pub struct SegmenterClient {
    worker: Worker,
    receiver: Rc<RefCell<Receiver>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

/// Where the worker's events go: kept until the app connects, then handed on.
enum Receiver {
    Waiting(Vec<SegmenterEvent>),
    Connected(Rc<dyn Fn(SegmenterEvent)>),
}

impl Receiver {
    fn deliver(receiver: &RefCell<Receiver>, event: SegmenterEvent) {
        let connected = match &mut *receiver.borrow_mut() {
            Receiver::Waiting(kept) => {
                kept.push(event);
                return;
            }
            Receiver::Connected(on_event) => on_event.clone(),
        };
        // Called with the borrow released: the handler may dispatch and render.
        connected(event);
    }
}

thread_local! {
    /// The client `start` made before the app's first render, until the
    /// app takes it.
    static STARTED: RefCell<Option<Result<SegmenterClient, String>>> = const { RefCell::new(None) };
}

/// Takes the worker index.html started while the app's wasm was loading
/// (or starts one now), before the app renders, so the dictionary loads
/// while the article is being rendered.
pub fn start() {
    let client = SegmenterClient::adopt_early().unwrap_or_else(SegmenterClient::spawn);
    STARTED.with(|s| *s.borrow_mut() = Some(client));
}

/// The client `start` made, or a new one.
pub fn take_started() -> Result<SegmenterClient, String> {
    STARTED
        .with(|s| s.borrow_mut().take())
        .unwrap_or_else(SegmenterClient::spawn)
}

/// Where index.html leaves the worker it started: `{worker, early}`, with
/// the events the worker sent before the app took it.
const EARLY_WORKER: &str = "mozhuSegmenter";

impl SegmenterClient {
    /// Starts the worker; its events are kept until `connect`.
    fn spawn() -> Result<Self, String> {
        let worker = Worker::new(WORKER_URL).map_err(|e| super::describe(&e))?;
        Ok(Self::listen(worker))
    }

    /// The worker index.html started, with what it has said so far.
    fn adopt_early() -> Option<Result<Self, String>> {
        let window = web_sys::window()?;
        let early = Reflect::get(&window, &EARLY_WORKER.into()).ok()?;
        let worker: Worker = Reflect::get(&early, &"worker".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let said: js_sys::Array = Reflect::get(&early, &"early".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let _ = Reflect::delete_property(&window, &EARLY_WORKER.into());
        let client = Self::listen(worker);
        for event in said.iter() {
            let event = match event.dyn_ref::<web_sys::ErrorEvent>() {
                Some(error) => SegmenterEvent::Failed(error.message()),
                None => decode(&Reflect::get(&event, &"data".into()).unwrap_or_default()),
            };
            Receiver::deliver(&client.receiver, event);
        }
        Some(Ok(client))
    }

    /// Takes the worker's events from now on; they are kept until `connect`.
    fn listen(worker: Worker) -> Self {
        let receiver = Rc::new(RefCell::new(Receiver::Waiting(Vec::new())));
        let on_message = {
            let receiver = receiver.clone();
            Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
                Receiver::deliver(&receiver, decode(&e.data()));
            })
        };
        let on_error = {
            let receiver = receiver.clone();
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                Receiver::deliver(&receiver, SegmenterEvent::Failed(e.message()));
            })
        };
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        SegmenterClient {
            worker,
            receiver,
            _on_message: on_message,
            _on_error: on_error,
        }
    }

    /// Sends every event so far, and from now on, to `on_event`.
    pub fn connect(&self, on_event: impl Fn(SegmenterEvent) + 'static) {
        let on_event: Rc<dyn Fn(SegmenterEvent)> = Rc::new(on_event);
        let kept = std::mem::replace(
            &mut *self.receiver.borrow_mut(),
            Receiver::Connected(on_event.clone()),
        );
        if let Receiver::Waiting(kept) = kept {
            for event in kept {
                on_event(event);
            }
        }
    }

    /// Asks for the tokens of the article's blocks.
    pub fn request(&self, id: u32, article: &Article, dict: &UserDict) {
        let msg = js_sys::Object::new();
        let _ = Reflect::set(&msg, &"id".into(), &id.into());
        let _ = Reflect::set(&msg, &"text".into(), &article.source.as_str().into());
        let ranges: Vec<u32> = article
            .blocks
            .iter()
            .flat_map(|b| [b.start as u32, b.end as u32])
            .collect();
        let _ = Reflect::set(&msg, &"blocks".into(), &Uint32Array::from(&ranges[..]));
        let dict = serde_json::to_string(dict).unwrap_or_default();
        let _ = Reflect::set(&msg, &"dict".into(), &dict.into());
        if let Err(e) = self.worker.post_message(&msg) {
            web_sys::console::error_2(&"segmenter: postMessage failed".into(), &e);
        }
    }
}

impl Drop for SegmenterClient {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

fn decode(data: &JsValue) -> SegmenterEvent {
    let get = |k: &str| Reflect::get(data, &k.into()).unwrap_or(JsValue::UNDEFINED);
    match get("type").as_string().as_deref() {
        Some("ready") => {
            record_start_up(&get("marks"));
            SegmenterEvent::Ready {
                init_ms: get("initMs").as_f64().unwrap_or(0.0),
            }
        }
        Some("tokens") => {
            let flat: Uint32Array = get("tokens").unchecked_into();
            let raw = flat.to_vec();
            let tokens = raw
                .chunks_exact(3)
                .map(|c| Token {
                    start: c[0] as usize,
                    end: c[1] as usize,
                    kind: kind_from_code(c[2]),
                })
                .collect();
            SegmenterEvent::Tokens {
                id: get("id").as_f64().unwrap_or(0.0) as u32,
                tokens,
                segment_ms: get("segmentMs").as_f64().unwrap_or(0.0),
                blocks_done: get("blocksDone").as_f64().unwrap_or(0.0) as usize,
                blocks_total: get("blocksTotal").as_f64().unwrap_or(0.0) as usize,
            }
        }
        Some("error") => SegmenterEvent::Failed(get("message").as_string().unwrap_or_default()),
        _ => SegmenterEvent::Failed("unexpected message from the segmenter".into()),
    }
}

/// Puts the worker's start-up on the page's timeline as performance marks
/// (`segmenter-wasm-fetch-start`, `segmenter-wasm-fetched`,
/// `segmenter-main`, `segmenter-dictionary-loaded`), next to
/// `segmenter-ready-received`, for the benchmark's breakdown.
fn record_start_up(marks: &JsValue) {
    for (field, name) in [
        ("wasmFetchStart", "segmenter-wasm-fetch-start"),
        ("wasmFetchEnd", "segmenter-wasm-fetched"),
        ("mainStart", "segmenter-main"),
        ("dictionaryLoaded", "segmenter-dictionary-loaded"),
    ] {
        if let Some(at) = Reflect::get(marks, &field.into())
            .ok()
            .and_then(|v| v.as_f64())
        {
            timing::mark_at(name, at);
        }
    }
    timing::mark("segmenter-ready-received");
}

fn kind_from_code(code: u32) -> TokenKind {
    match code {
        1 => TokenKind::Punct,
        2 => TokenKind::Space,
        _ => TokenKind::Word,
    }
}
