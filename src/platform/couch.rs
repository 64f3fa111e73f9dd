//! Talking to a CouchDB server with `fetch`: credentials included (the
//! `_session` cookie), JSON in and out. A request that fails without an
//! answer is told apart: a `no-cors` probe of the server that succeeds
//! means the server is there but does not allow this page (CORS); one
//! that fails too means it cannot be reached.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, RequestCredentials, RequestInit, RequestMode, Response};

use crate::core::sync::replicate::{Answer, Method};

/// Why no answer came.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoAnswer {
    Unreachable,
    Cors,
    /// Stopped on purpose (a long poll cut short by a local edit).
    Aborted,
}

fn method_name(m: Method) -> &'static str {
    match m {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
    }
}

/// `method url` with a JSON `body`; `server` is probed when no answer
/// comes. `signal` cuts the request short.
pub async fn send(
    server: &str,
    url: &str,
    method: Method,
    body: Option<&str>,
    signal: Option<&AbortSignal>,
) -> Result<Answer, NoAnswer> {
    let window = web_sys::window().ok_or(NoAnswer::Unreachable)?;
    let init = RequestInit::new();
    init.set_method(method_name(method));
    init.set_mode(RequestMode::Cors);
    init.set_credentials(RequestCredentials::Include);
    let headers = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&headers, &"Accept".into(), &"application/json".into());
    if let Some(b) = body {
        let _ = js_sys::Reflect::set(&headers, &"Content-Type".into(), &"application/json".into());
        init.set_body(&JsValue::from_str(b));
    }
    init.set_headers(&headers);
    if let Some(s) = signal {
        init.set_signal(Some(s));
    }
    let response = match JsFuture::from(window.fetch_with_str_and_init(url, &init)).await {
        Ok(r) => r,
        Err(e) => {
            let aborted = js_sys::Reflect::get(&e, &"name".into())
                .ok()
                .and_then(|n| n.as_string())
                .is_some_and(|n| n == "AbortError");
            return Err(if aborted {
                NoAnswer::Aborted
            } else {
                probe(server).await
            });
        }
    };
    let response: Response = response.unchecked_into();
    let status = response.status();
    let text = match response.text() {
        Ok(p) => JsFuture::from(p).await.ok().and_then(|t| t.as_string()),
        Err(_) => None,
    };
    match text {
        Some(body) => Ok(Answer { status, body }),
        // The connection dropped while the body came.
        None if signal.is_some_and(AbortSignal::aborted) => Err(NoAnswer::Aborted),
        None => Err(NoAnswer::Unreachable),
    }
}

/// Whether `server` answers at all, to anyone: an opaque `no-cors`
/// answer says it does (so CORS is what failed).
async fn probe(server: &str) -> NoAnswer {
    let Some(window) = web_sys::window() else {
        return NoAnswer::Unreachable;
    };
    let init = RequestInit::new();
    init.set_mode(RequestMode::NoCors);
    match JsFuture::from(window.fetch_with_str_and_init(&format!("{server}/"), &init)).await {
        Ok(_) => NoAnswer::Cors,
        Err(_) => NoAnswer::Unreachable,
    }
}
