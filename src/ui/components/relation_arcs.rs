use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::events::EventListener;
use gloo::timers::callback::Timeout;
use web_sys::Element;
use yew::prelude::*;

use crate::core::arcs::{self, Arc};
use crate::platform::dom;
use crate::platform::viewport::Resized;

/// A relation as the arcs draw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationSpec {
    pub id: String,
    pub from: String,
    pub to: String,
    pub label: String,
    pub color: String,
}

#[derive(Properties, PartialEq)]
pub struct RelationArcsProps {
    /// Made once per change of the annotations.
    pub relations: Rc<Vec<RelationSpec>>,
    /// A relation being made: from, and the end picked so far.
    pub preview: Option<(String, String)>,
}

/// How long the page must stop scrolling before arcs are measured again:
/// parts of a long document are laid out only as they come near.
const SCROLL_SETTLE_MS: u32 = 150;

/// Relations drawn as arcs over the article (an SVG layer inside it): each
/// from the top of one highlight to the top of the other, with its label
/// and an arrowhead. Measured again when the article reflows (resize,
/// fonts, the word view) and after scrolling stops.
#[component]
pub fn RelationArcs(props: &RelationArcsProps) -> Html {
    let svg = use_node_ref();
    let drawn = use_state(Vec::<(RelationSpec, Arc)>::new);
    let preview_arc = use_state(|| None::<Arc>);
    // Bumped on reflow and scroll; the measuring effect depends on it.
    let reflows = use_state(|| 0u32);
    {
        let svg = svg.clone();
        let set = reflows.setter();
        use_effect_with((), move |_| {
            let count = Rc::new(Cell::new(0u32));
            let bump = {
                let count = count.clone();
                move || {
                    count.set(count.get() + 1);
                    set.set(count.get());
                }
            };
            let article = svg.cast::<Element>().and_then(|s| s.parent_element());
            let resized = article.and_then(|a| Resized::watch(&a, bump.clone()));
            let pending: Rc<RefCell<Option<Timeout>>> = Rc::default();
            let scrolled = web_sys::window().map(|w| {
                EventListener::new(&w, "scroll", move |_| {
                    let bump = bump.clone();
                    *pending.borrow_mut() = Some(Timeout::new(SCROLL_SETTLE_MS, bump));
                })
            });
            move || drop((resized, scrolled))
        });
    }
    {
        let svg = svg.clone();
        let drawn = drawn.clone();
        let preview_arc = preview_arc.clone();
        use_effect_with(
            (props.relations.clone(), props.preview.clone(), *reflows),
            move |(relations, preview, _)| {
                let relations = relations.clone();
                let preview = preview.clone();
                // After the highlights of this change are in the page.
                let measure = Timeout::new(0, move || {
                    let Some(article) = svg.cast::<Element>().and_then(|s| s.parent_element())
                    else {
                        return;
                    };
                    // The end being picked is brought on screen.
                    if let Some((_, to)) = &preview {
                        dom::scroll_into_view("data-annotation", to);
                    }
                    let place = |id: &str| dom::first_box_within(&article, "data-annotation", id);
                    let mut shown = Vec::new();
                    let mut ends = Vec::new();
                    for r in relations.iter() {
                        if let (Some(a), Some(b)) = (place(&r.from), place(&r.to)) {
                            shown.push(r.clone());
                            ends.push((a, b));
                        }
                    }
                    let laid = arcs::layout(&ends);
                    drawn.set(shown.into_iter().zip(laid).collect());
                    preview_arc.set(preview.and_then(|(from, to)| {
                        let ends = [(place(&from)?, place(&to)?)];
                        arcs::layout(&ends).pop()
                    }));
                });
                move || drop(measure)
            },
        );
    }
    let arcs = drawn.iter().map(|(r, arc)| {
        let (x, y) = arc.label_at();
        html! {
            <g key={r.id.clone()} data-relation={r.id.clone()} style={format!("--arc: {}", r.color)}>
                <path class="arc" d={arc.path()} />
                <polygon class="arrow" points={arc.arrow()} />
                <text class="arc-label" x={format!("{x:.1}")} y={format!("{y:.1}")}>{ r.label.clone() }</text>
            </g>
        }
    });
    html! {
        <svg ref={svg} class="relation-arcs" aria-hidden="true">
            { for arcs }
            if let Some(arc) = &*preview_arc {
                <g class="preview" data-relation-preview="">
                    <path class="arc" d={arc.path()} />
                    <polygon class="arrow" points={arc.arrow()} />
                </g>
            }
        </svg>
    }
}
