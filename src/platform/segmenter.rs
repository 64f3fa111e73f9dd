//! The page's side of the segmentation worker: starts it, sends texts, and
//! turns its replies into `SegmenterEvent`s. See `segmenter_worker` for the
//! protocol.

use js_sys::{Reflect, Uint32Array};
use wasm_bindgen::prelude::*;
use web_sys::{MessageEvent, Worker};

use crate::core::segment::{Token, TokenKind, UserDict};

/// The worker's loader script, emitted by Trunk next to index.html.
const WORKER_URL: &str = "./segmenter_loader.js";

pub enum SegmenterEvent {
    /// The dictionary is loaded (time spent in the worker, ms).
    Ready {
        init_ms: f64,
    },
    Tokens {
        id: u32,
        tokens: Vec<Token>,
        segment_ms: f64,
    },
    Failed(String),
}

pub struct SegmenterClient {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::ErrorEvent)>,
}

impl SegmenterClient {
    pub fn spawn(on_event: impl Fn(SegmenterEvent) + 'static) -> Result<Self, String> {
        let worker = Worker::new(WORKER_URL).map_err(|e| format!("{e:?}"))?;
        let on_event = std::rc::Rc::new(on_event);
        let handler = on_event.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            handler(decode(&e.data()));
        });
        let on_error =
            Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
                on_event(SegmenterEvent::Failed(e.message()));
            });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(SegmenterClient {
            worker,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Asks for the tokens of `text` (the whole source; the worker splits it
    /// into the same blocks as the page).
    pub fn request(&self, id: u32, text: &str, dict: &UserDict) {
        let msg = js_sys::Object::new();
        let _ = Reflect::set(&msg, &"id".into(), &id.into());
        let _ = Reflect::set(&msg, &"text".into(), &text.into());
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
        Some("ready") => SegmenterEvent::Ready {
            init_ms: get("initMs").as_f64().unwrap_or(0.0),
        },
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
            }
        }
        Some("error") => SegmenterEvent::Failed(get("message").as_string().unwrap_or_default()),
        _ => SegmenterEvent::Failed("unexpected message from the segmenter".into()),
    }
}

fn kind_from_code(code: u32) -> TokenKind {
    match code {
        1 => TokenKind::Punct,
        2 => TokenKind::Space,
        _ => TokenKind::Word,
    }
}
