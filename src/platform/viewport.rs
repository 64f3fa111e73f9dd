//! Which elements are near the screen, from an `IntersectionObserver`: the
//! browser reports when an element crosses the margin, so nothing runs
//! while the page scrolls between crossings.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, IntersectionObserver, IntersectionObserverEntry, IntersectionObserverInit};

/// Watches the elements; stops when dropped.
pub struct NearScreen {
    observer: IntersectionObserver,
    _on_change: Closure<dyn FnMut(js_sys::Array)>,
}

impl NearScreen {
    /// Watches the elements under `root` that carry `attr` (a number),
    /// calling `on_change` with `(number, near)` for each that came within
    /// `margin` (CSS, e.g. one screen: "100% 0px") of the viewport or left
    /// it. The first call reports every element.
    pub fn watch(
        root: &Element,
        attr: &'static str,
        margin: &str,
        mut on_change: impl FnMut(Vec<(usize, bool)>) + 'static,
    ) -> Option<NearScreen> {
        let on_change = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
            let changes = entries
                .iter()
                .filter_map(|e| e.dyn_into::<IntersectionObserverEntry>().ok())
                .filter_map(|e| {
                    let n = e.target().get_attribute(attr)?.parse().ok()?;
                    Some((n, e.is_intersecting()))
                })
                .collect();
            on_change(changes);
        });
        let init = IntersectionObserverInit::new();
        init.set_root_margin(margin);
        let observer =
            IntersectionObserver::new_with_options(on_change.as_ref().unchecked_ref(), &init)
                .ok()?;
        let elements = root.query_selector_all(&format!("[{attr}]")).ok()?;
        for i in 0..elements.length() {
            if let Some(el) = elements.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                observer.observe(&el);
            }
        }
        Some(NearScreen {
            observer,
            _on_change: on_change,
        })
    }
}

impl Drop for NearScreen {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

/// Calls back when an element's size changes (reflow: resize, fonts, the
/// word view); stops when dropped.
pub struct Resized {
    observer: web_sys::ResizeObserver,
    _on_resize: Closure<dyn FnMut(js_sys::Array)>,
}

impl Resized {
    pub fn watch(el: &Element, mut on_resize: impl FnMut() + 'static) -> Option<Resized> {
        let on_resize = Closure::<dyn FnMut(js_sys::Array)>::new(move |_| on_resize());
        let observer = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()).ok()?;
        observer.observe(el);
        Some(Resized {
            observer,
            _on_resize: on_resize,
        })
    }
}

impl Drop for Resized {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
