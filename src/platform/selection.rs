//! DOM selection ↔ code points of the source text: the one place where DOM
//! Range offsets (UTF-16 units) meet the app's positions.
//!
//! Every block's text element carries `data-offset`, the code point where
//! its text starts in the source. A boundary's position is that offset plus
//! the code points of the text between the element's start and the boundary.

use wasm_bindgen::JsCast;
use web_sys::{Element, Node, Range};

use crate::core::text;

const TEXT_SELECTOR: &str = "[data-offset]";

/// The current selection inside `root` as a code point range, or `None`
/// when nothing (or only a caret) is selected there.
pub fn selected_range(root: &Element) -> Option<(usize, usize)> {
    let sel = web_sys::window()?.get_selection().ok()??;
    if sel.is_collapsed() || sel.range_count() == 0 {
        return None;
    }
    let range = sel.get_range_at(0).ok()?;
    let ancestor = range.common_ancestor_container().ok()?;
    if !root.contains(Some(&ancestor)) {
        return None;
    }
    let start = boundary_to_cp(
        root,
        &range.start_container().ok()?,
        range.start_offset().ok()?,
    )?;
    let end = boundary_to_cp(root, &range.end_container().ok()?, range.end_offset().ok()?)?;
    (start < end).then_some((start, end))
}

/// Replaces the selection with the code point range `start..end` (used to
/// show a selection after it was snapped to whole words).
pub fn select_range(root: &Element, start: usize, end: usize) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let (sn, so) = cp_to_boundary(root, start)?;
    let (en, eo) = cp_to_boundary(root, end)?;
    let range = document.create_range().ok()?;
    range.set_start(&sn, so).ok()?;
    range.set_end(&en, eo).ok()?;
    let sel = web_sys::window()?.get_selection().ok()??;
    sel.remove_all_ranges().ok()?;
    sel.add_range(&range).ok()
}

pub fn clear_selection() {
    if let Some(Ok(Some(sel))) = web_sys::window().map(|w| w.get_selection()) {
        let _ = sel.remove_all_ranges();
    }
}

fn offset_of(el: &Element) -> Option<usize> {
    el.get_attribute("data-offset")?.parse().ok()
}

fn boundary_to_cp(root: &Element, node: &Node, offset: u32) -> Option<usize> {
    let element = if node.node_type() == Node::ELEMENT_NODE {
        node.clone().dyn_into::<Element>().ok()
    } else {
        node.parent_element()
    };
    if let Some(holder) = element.and_then(|e| e.closest(TEXT_SELECTOR).ok().flatten()) {
        let range = Range::new().ok()?;
        range.set_start(&holder, 0).ok()?;
        range.set_end(node, offset).ok()?;
        let before: String = range.to_string().into();
        return Some(offset_of(&holder)? + text::char_len(&before));
    }
    // Between blocks: the start of the first block after the point, or the
    // end of the last block.
    let holders = root.query_selector_all(TEXT_SELECTOR).ok()?;
    let mut last_end = 0;
    for i in 0..holders.length() {
        let holder: Element = holders.item(i)?.dyn_into().ok()?;
        let range = Range::new().ok()?;
        range.select_node_contents(&holder).ok()?;
        if range.compare_point(node, offset).ok()? < 0 {
            return offset_of(&holder);
        }
        last_end = offset_of(&holder)? + text::char_len(&holder.text_content().unwrap_or_default());
    }
    Some(last_end)
}

fn cp_to_boundary(root: &Element, cp: usize) -> Option<(Node, u32)> {
    let holders = root.query_selector_all(TEXT_SELECTOR).ok()?;
    let mut chosen = None;
    for i in 0..holders.length() {
        let holder: Element = holders.item(i)?.dyn_into().ok()?;
        if offset_of(&holder)? <= cp {
            chosen = Some(holder);
        } else {
            break;
        }
    }
    let holder = chosen?;
    let mut remaining = cp - offset_of(&holder)?;
    let document = web_sys::window()?.document()?;
    // NodeFilter.SHOW_TEXT
    let walker = document
        .create_tree_walker_with_what_to_show(&holder, 0x4)
        .ok()?;
    let mut last = None;
    while let Some(node) = walker.next_node().ok()? {
        let content = node.text_content().unwrap_or_default();
        let len = text::char_len(&content);
        if remaining <= len {
            return Some((node, text::cp_to_utf16(&content, remaining) as u32));
        }
        remaining -= len;
        last = Some((node, content));
    }
    last.map(|(node, content)| (node, text::cp_to_utf16(&content, usize::MAX) as u32))
}

/// Viewport rectangle (left, top, right, bottom) of the current selection.
pub fn selection_rect() -> Option<(f64, f64, f64, f64)> {
    let sel = web_sys::window()?.get_selection().ok()??;
    if sel.range_count() == 0 {
        return None;
    }
    let r = sel.get_range_at(0).ok()?.get_bounding_client_rect();
    Some((r.left(), r.top(), r.right(), r.bottom()))
}
