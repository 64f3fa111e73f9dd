use yew::prelude::*;

use crate::core::article::{Block, BlockKind};

#[derive(Properties, PartialEq)]
pub struct BlockViewProps {
    pub block: Block,
}

/// One article block, carrying the DOM contract attributes
/// `data-block` (stable id) and `data-kind`.
#[component]
pub fn BlockView(props: &BlockViewProps) -> Html {
    let b = &props.block;
    let id = b.id.clone();
    let kind = b.kind.as_str();
    let text = b.text.clone();
    match b.kind {
        BlockKind::Title => {
            html! { <h1 class="block title" data-block={id} data-kind={kind}>{ text }</h1> }
        }
        BlockKind::Heading => {
            html! { <h2 class="block heading" data-block={id} data-kind={kind}>{ text }</h2> }
        }
        _ => {
            html! { <p class={classes!("block", kind)} data-block={id} data-kind={kind}>{ text }</p> }
        }
    }
}
