use std::rc::Rc;

use yew::prelude::*;

use crate::core::article::Article;
use crate::platform::dom;

#[derive(Properties, PartialEq)]
pub struct DensityStripProps {
    /// Annotations starting in each equal stretch of the text, top to bottom.
    pub density: Rc<Vec<usize>>,
    pub article: Rc<Article>,
}

/// Where the annotations are along the document: a strip beside the
/// scrollbar, darker where there are more; a click jumps there.
#[component]
pub fn DensityStrip(props: &DensityStripProps) -> Html {
    let strip = use_node_ref();
    let bins = props.density.len().max(1);
    let max = props.density.iter().copied().max().unwrap_or(0);
    let onclick = {
        let article = props.article.clone();
        let strip = strip.clone();
        Callback::from(move |e: MouseEvent| {
            // Not the event's current target: Yew listens at the root.
            let Some(strip) = strip.cast::<web_sys::Element>() else {
                return;
            };
            let (_, top, _, bottom) = dom::element_rect(&strip);
            let fraction =
                ((f64::from(e.client_y()) - top) / (bottom - top).max(1.0)).clamp(0.0, 1.0);
            // The start of the stretch clicked: its annotations are just below.
            let bin = ((fraction * bins as f64) as usize).min(bins - 1);
            let at = bin * article.char_len() / bins;
            let block = article
                .block_at(at)
                .or_else(|| article.blocks.iter().position(|b| b.start >= at))
                .and_then(|i| article.blocks.get(i));
            if let Some(b) = block {
                dom::scroll_to_center("data-block", &b.id);
            }
        })
    };
    let marks = props.density.iter().enumerate().filter(|(_, n)| **n > 0).map(|(i, n)| {
        let opacity = 0.25 + 0.75 * (*n as f64 / max as f64);
        html! {
            <rect x="0" y={format!("{:.3}", i as f64 * 100.0 / bins as f64)} width="10"
                height={format!("{:.3}", (100.0 / bins as f64).max(0.6))} opacity={format!("{opacity:.2}")} />
        }
    });
    if max == 0 {
        return html! {};
    }
    html! {
        <div ref={strip} class="density-strip" data-density="" title="标注在全文中的分布：点击跳到该处" {onclick}>
            <svg viewBox="0 0 10 100" preserveAspectRatio="none" role="img" aria-label="标注分布">{ for marks }</svg>
        </div>
    }
}
