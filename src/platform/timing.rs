//! Timing marks readable from outside (benchmarks, end-to-end tests) through
//! the standard User Timing API.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// Records `performance.mark(name)`; silently does nothing where there is no
/// `performance` (native tests, old browsers), since marks are diagnostics.
pub fn mark(name: &str) {
    if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
        let _ = perf.mark(name);
    }
}

/// The `performance` of this global scope, page or worker.
fn performance() -> Option<web_sys::Performance> {
    Reflect::get(&js_sys::global(), &"performance".into())
        .ok()?
        .dyn_into()
        .ok()
}

/// Now, in milliseconds since the epoch with the high-resolution clock, so
/// a worker's moments can be placed on the page's timeline.
pub fn epoch_now() -> f64 {
    performance().map_or_else(js_sys::Date::now, |p| p.time_origin() + p.now())
}

/// When this scope finished fetching the resource whose URL ends with
/// `suffix`, as `(fetch start, response end)` in epoch milliseconds.
pub fn resource_fetch(suffix: &str) -> Option<(f64, f64)> {
    let perf = performance()?;
    let origin = perf.time_origin();
    perf.get_entries_by_type("resource")
        .iter()
        .find_map(|entry| {
            let name = Reflect::get(&entry, &"name".into()).ok()?.as_string()?;
            if !name.ends_with(suffix) {
                return None;
            }
            let at = |field: &str| Reflect::get(&entry, &field.into()).ok()?.as_f64();
            Some((origin + at("startTime")?, origin + at("responseEnd")?))
        })
}

/// Records a mark named `name` at the epoch time `at` (a moment measured
/// in another scope, e.g. the segmenter worker) on the page's timeline.
pub fn mark_at(name: &str, at: f64) {
    let Some(perf) = web_sys::window().and_then(|w| w.performance()) else {
        return;
    };
    let options = Object::new();
    let _ = Reflect::set(
        &options,
        &"startTime".into(),
        &JsValue::from(at - perf.time_origin()),
    );
    let mark = Reflect::get(&perf, &"mark".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let Some(mark) = mark {
        let _ = mark.call2(&perf, &name.into(), &options);
    }
}
