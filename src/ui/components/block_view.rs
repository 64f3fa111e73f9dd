use std::rc::Rc;

use yew::prelude::*;

use crate::core::article::{Block, BlockKind};
use crate::core::layout::{pieces, Span};
use crate::core::segment::{Token, TokenKind};
use crate::core::text::slice_chars;

#[derive(Properties, PartialEq)]
pub struct BlockViewProps {
    pub block: Block,
    /// All tokens of the document; this block's are `token_range`.
    pub tokens: Rc<Vec<Token>>,
    pub token_range: (usize, usize),
    pub word_view: bool,
    /// Spans to draw over this block's text.
    pub marks: Rc<Vec<Span>>,
}

/// One article block, carrying the DOM contract attributes `data-block`
/// (stable id) and `data-kind`, and `data-offset` (its first code point in
/// the source) for mapping selections.
#[component]
pub fn BlockView(props: &BlockViewProps) -> Html {
    let b = &props.block;
    let tokens = &props.tokens[props.token_range.0..props.token_range.1];
    let content = if !props.word_view && props.marks.is_empty() {
        html! { b.text.clone() }
    } else {
        let cut_by = if props.word_view { tokens } else { &[] };
        pieces(b.start, b.end, cut_by, &props.marks)
            .into_iter()
            .map(|p| {
                let text = slice_chars(&b.text, p.start - b.start, p.end - b.start).to_string();
                let mut node = match p.token.map(|i| &cut_by[i]) {
                    Some(t) => {
                        let class = match t.kind {
                            TokenKind::Word => "tok",
                            TokenKind::Punct => "tok punct",
                            TokenKind::Space => "tok space",
                        };
                        let word = slice_chars(&b.text, t.start - b.start, t.end - b.start).to_string();
                        html! { <span class={class} data-token={t.start.to_string()} title={word}>{ text }</span> }
                    }
                    None => html! { text },
                };
                for &i in p.spans.iter().rev() {
                    let key = props.marks[i].key.clone();
                    node = html! { <mark class={classes!("mark", key)}>{ node }</mark> };
                }
                node
            })
            .collect::<Html>()
    };
    let id = b.id.clone();
    let kind = b.kind.as_str();
    let offset = b.start.to_string();
    match b.kind {
        BlockKind::Title => {
            html! { <h1 class="block title" data-block={id} data-kind={kind} data-offset={offset}>{ content }</h1> }
        }
        BlockKind::Heading => {
            html! { <h2 class="block heading" data-block={id} data-kind={kind} data-offset={offset}>{ content }</h2> }
        }
        _ => {
            html! { <p class={classes!("block", kind)} data-block={id} data-kind={kind} data-offset={offset}>{ content }</p> }
        }
    }
}
