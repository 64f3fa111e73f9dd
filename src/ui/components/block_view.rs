use std::rc::Rc;

use yew::prelude::*;

use crate::core::article::{Block, BlockKind};
use crate::core::layout::{pieces, Span};
use crate::core::segment::{Token, TokenKind};
use crate::core::text::{self, CodePointIndex};
use crate::ui::highlight::{BlockTag, Mark, MarkKind};

#[derive(Properties, PartialEq)]
pub struct BlockViewProps {
    /// Shared with the article view, so a render copies no text and the
    /// props compare by pointer.
    pub block: Rc<Block>,
    /// The block's words, shared with the article view (see
    /// `ArticleView`'s `block_words`): compared by pointer.
    pub words: Rc<[Token]>,
    pub word_view: bool,
    /// Highlights and marks over this block's text.
    pub marks: Rc<Vec<Mark>>,
    /// Annotations on the whole block.
    pub block_tags: Rc<Vec<BlockTag>>,
    pub selected: Option<String>,
    /// Opens the tag popup for the whole block (paragraphs, headings, captions).
    pub on_tag_block: Option<Callback<(String, MouseEvent)>>,
}

/// One article block, carrying the DOM contract attributes `data-block`
/// (stable id) and `data-kind`, and `data-offset` (its first code point in
/// the source) for mapping selections. Highlights are `<mark
/// data-annotation>` elements, nested where annotations overlap.
#[component]
pub fn BlockView(props: &BlockViewProps) -> Html {
    let b = &props.block;
    let tokens = &props.words[..];
    // Line breaks of a hard-wrapped paragraph between Chinese characters.
    let breaks = if b.text.contains('\n') {
        text::joined_breaks(&b.text)
    } else {
        Vec::new()
    };
    let content = if !props.word_view && props.marks.is_empty() {
        with_breaks(&b.text, 0, &breaks)
    } else {
        let cut_by = if props.word_view { tokens } else { &[] };
        let spans: Vec<Span> = props.marks.iter().map(|m| m.span.clone()).collect();
        // One index per render of the block: slicing each piece then costs
        // its own length, not a walk from the start of the paragraph.
        let index = CodePointIndex::new(&b.text);
        let slice = |s: usize, e: usize| index.slice(&b.text, s - b.start, e - b.start).to_string();
        pieces(b.start, b.end, cut_by, &spans)
            .into_iter()
            .map(|p| {
                let text = with_breaks(&slice(p.start, p.end), p.start - b.start, &breaks);
                let mut node = match p.token.map(|i| &cut_by[i]) {
                    Some(t) => {
                        let class = match t.kind {
                            TokenKind::Word => "tok",
                            TokenKind::Punct => "tok punct",
                            TokenKind::Space => "tok space",
                        };
                        let word = slice(t.start, t.end);
                        html! { <span class={class} data-token={t.start.to_string()} title={word}>{ text }</span> }
                    }
                    None => html! { text },
                };
                for &i in p.spans.iter().rev() {
                    node = wrap(&props.marks[i], node, props.selected.as_deref());
                }
                node
            })
            .collect::<Html>()
    };
    let id = b.id.clone();
    let kind = b.kind.as_str();
    let offset = b.start.to_string();
    let first_tag = props.block_tags.iter().flat_map(|t| t.chips.first()).next();
    let bar = first_tag.map(|c| format!("--block-bar: {}", c.color));
    let element = match b.kind {
        BlockKind::Title => {
            html! { <h1 class="block title" data-block={id} data-kind={kind} data-offset={offset}>{ content }</h1> }
        }
        BlockKind::Heading => {
            html! { <h2 class="block heading" data-block={id} data-kind={kind} data-offset={offset}>{ content }</h2> }
        }
        _ => {
            html! { <p class={classes!("block", kind)} data-block={id} data-kind={kind} data-offset={offset}>{ content }</p> }
        }
    };
    let Some(on_tag_block) = props.on_tag_block.clone() else {
        return element;
    };
    let block_id = b.id.clone();
    let onclick = Callback::from(move |e: MouseEvent| on_tag_block.emit((block_id.clone(), e)));
    let tags = props.block_tags.iter().map(|t| {
        let selected = props.selected.as_deref() == Some(t.id.as_str());
        let chips = t.chips.iter().map(|c| {
            html! { <span class="chip" style={format!("--chip: {}", c.color)}>{ c.name.clone() }</span> }
        });
        html! {
            <span class={classes!("block-tag", selected.then_some("selected"))} data-annotation={t.id.clone()}
                title={t.note.clone()}>{ for chips }</span>
        }
    });
    html! {
        <div class={classes!("block-row", (!props.block_tags.is_empty()).then_some("tagged"))} style={bar}>
            <button type="button" class="tag-block" data-action="tag-block" title="给整段加标签 (T)"
                aria-label="给整段加标签" {onclick}>{ "#" }</button>
            { element }
            if !props.block_tags.is_empty() {
                <div class="block-tags">{ for tags }</div>
            }
        </div>
    }
}

/// `text` (starting at code point `from` of the block) with the joined
/// line breaks in it drawn hidden: still in the DOM, so selections count
/// them as the source does, but no space shows between Chinese characters.
fn with_breaks(text: &str, from: usize, breaks: &[(usize, usize)]) -> Html {
    let len = crate::core::text::char_len(text);
    let inside: Vec<(usize, usize)> = breaks
        .iter()
        .filter(|(s, e)| *e > from && *s < from + len)
        .map(|(s, e)| ((*s).max(from) - from, (*e).min(from + len) - from))
        .collect();
    if inside.is_empty() {
        return html! { text.to_string() };
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (s, e) in inside {
        if s > at {
            out.push(html! { text::slice_chars(text, at, s).to_string() });
        }
        out.push(html! { <span class="joined-break">{ text::slice_chars(text, s, e).to_string() }</span> });
        at = e;
    }
    if at < len {
        out.push(html! { text::slice_chars(text, at, len).to_string() });
    }
    out.into_iter().collect()
}

fn wrap(mark: &Mark, inner: Html, selected: Option<&str>) -> Html {
    match &mark.kind {
        MarkKind::Keyword => html! { <mark class="mark keyword">{ inner }</mark> },
        MarkKind::Pending => html! { <mark class="mark pending" data-pending="">{ inner }</mark> },
        MarkKind::Annotation { id, style, tags } => {
            let is_selected = selected == Some(id.as_str());
            html! {
                <mark class={classes!("hl", is_selected.then_some("selected"))} data-annotation={id.clone()}
                    style={style.clone()} title={tags.clone()}>{ inner }</mark>
            }
        }
    }
}
