//! Small DOM effects the view needs beyond rendering.

use wasm_bindgen::JsCast;
use web_sys::{Element, ScrollBehavior, ScrollIntoViewOptions, ScrollLogicalPosition};

/// `[attr="value"]` with the value escaped by the browser's `CSS.escape`:
/// ids are validated as UUIDs wherever they enter, and escaped anyway so no
/// value can widen the selector (`"], [data-block], [x="`).
fn attribute_selector(attr: &str, value: &str) -> String {
    format!("[{attr}=\"{}\"]", web_sys::css::escape(value))
}

fn annotation_elements(id: &str) -> Vec<Element> {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return Vec::new();
    };
    let selector = attribute_selector("data-annotation", id);
    let Ok(list) = doc.query_selector_all(&selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

/// Scrolls the first element of annotation `id` into the middle of the view
/// and flashes every element of it.
pub fn scroll_to_and_flash(id: &str) {
    let elements = annotation_elements(id);
    if let Some(first) = elements.first() {
        let opts = ScrollIntoViewOptions::new();
        opts.set_behavior(ScrollBehavior::Smooth);
        opts.set_block(ScrollLogicalPosition::Center);
        first.scroll_into_view_with_scroll_into_view_options(&opts);
    }
    for el in &elements {
        let classes = el.class_list();
        let _ = classes.remove_1("flash");
        // Reading layout restarts the CSS animation.
        let _ = el.get_bounding_client_rect();
        let _ = classes.add_1("flash");
    }
}

/// Viewport rectangle (left, top, right, bottom) of an element.
pub fn element_rect(el: &Element) -> (f64, f64, f64, f64) {
    let r = el.get_bounding_client_rect();
    (r.left(), r.top(), r.right(), r.bottom())
}

/// Annotation ids of the highlights under an event target, innermost first.
pub fn annotations_at(target: Option<web_sys::EventTarget>) -> Vec<String> {
    let mut ids = Vec::new();
    let mut el = target.and_then(|t| t.dyn_into::<Element>().ok());
    while let Some(e) = el {
        if let Some(id) = e.get_attribute("data-annotation") {
            ids.push(id);
        }
        if e.has_attribute("data-block") {
            break;
        }
        el = e.parent_element();
    }
    ids
}

/// The first line box of the first element under `container` matching
/// `[attr="value"]`, relative to `container`'s top left; `None` when it is
/// not laid out (a part of the page the browser skips until near).
pub fn first_box_within(
    container: &Element,
    attr: &str,
    value: &str,
) -> Option<(f64, f64, f64, f64)> {
    let el = container
        .query_selector(&attribute_selector(attr, value))
        .ok()??;
    let r = el.get_client_rects().get(0)?;
    if r.width() == 0.0 && r.height() == 0.0 {
        return None;
    }
    let c = container.get_bounding_client_rect();
    Some((
        r.left() - c.left(),
        r.top() - c.top(),
        r.right() - c.left(),
        r.bottom() - c.top(),
    ))
}

/// The first element matching `[attr="value"]`.
fn first_matching(attr: &str, value: &str) -> Option<Element> {
    web_sys::window()?
        .document()?
        .query_selector(&attribute_selector(attr, value))
        .ok()?
}

/// Viewport rectangle of the first element matching `[attr="value"]`.
pub fn rect_of(attr: &str, value: &str) -> Option<(f64, f64, f64, f64)> {
    first_matching(attr, value).map(|el| element_rect(&el))
}

/// Scrolls so that the first element matching `[attr="value"]` is in the
/// middle of the view (clear of the sticky top bar).
pub fn scroll_to_center(attr: &str, value: &str) {
    if let Some(el) = first_matching(attr, value) {
        let opts = ScrollIntoViewOptions::new();
        opts.set_block(ScrollLogicalPosition::Center);
        el.scroll_into_view_with_scroll_into_view_options(&opts);
    }
}

/// Scrolls the first element matching `[attr="value"]` into view, as
/// little as needed.
pub fn scroll_into_view(attr: &str, value: &str) {
    if let Some(el) = first_matching(attr, value) {
        let opts = ScrollIntoViewOptions::new();
        opts.set_block(ScrollLogicalPosition::Nearest);
        el.scroll_into_view_with_scroll_into_view_options(&opts);
    }
}

/// The `data-block` id of the first block whose text shows below the top
/// bar, where a keyboard selection starts.
pub fn first_visible_block() -> Option<String> {
    let doc = web_sys::window()?.document()?;
    let below = doc
        .query_selector(".topbar")
        .ok()
        .flatten()
        .map_or(0.0, |bar| element_rect(&bar).3);
    let blocks = doc.query_selector_all("[data-block]").ok()?;
    let block = |i: u32| blocks.item(i)?.dyn_into::<Element>().ok();
    // Blocks are in page order, top to bottom: a binary search reads a
    // dozen positions, where a scan would lay out every block above.
    let (mut low, mut high) = (0, blocks.length());
    while low < high {
        let mid = low + (high - low) / 2;
        if block(mid).is_some_and(|el| element_rect(&el).3 > below) {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    block(low)?.get_attribute("data-block")
}

/// Removes the element with `id`, if there is one.
pub fn remove_by_id(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        el.remove();
    }
}

/// A key pressed while the tag popup is open but focus is outside it: its
/// field takes focus, so that a typed character lands there, and Enter,
/// Esc, Tab, Backspace and 1–9 (on an empty field) go to it to act as they
/// do there. The popup focuses its field in an effect, which a busy page
/// may run after the first keys. Returns whether the key went to the popup.
pub fn forward_key_to_popup(e: &web_sys::KeyboardEvent) -> bool {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let Some(field) = doc
        .query_selector("[data-popup=\"tag\"] .tag-input")
        .ok()
        .flatten()
        .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return false;
    };
    let focus_inside = doc
        .active_element()
        .and_then(|a| a.closest("[data-popup]").ok().flatten())
        .is_some();
    if focus_inside {
        return false;
    }
    let _ = field.focus();
    let key = e.key();
    let picks_tag =
        field.value().is_empty() && key.len() == 1 && ("1"..="9").contains(&key.as_str());
    if key.chars().count() == 1 && !picks_tag {
        return true;
    }
    e.prevent_default();
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(&key);
    init.set_shift_key(e.shift_key());
    init.set_bubbles(true);
    init.set_cancelable(true);
    if let Ok(forwarded) =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init)
    {
        // After this listener returns: dispatched from inside it, the key
        // would bubble back into the listener that is running.
        wasm_bindgen_futures::spawn_local(async move {
            let _ = field.dispatch_event(&forwarded);
        });
    }
    true
}
