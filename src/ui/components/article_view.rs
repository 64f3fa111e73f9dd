use std::rc::Rc;

use yew::prelude::*;

use super::block_view::BlockView;
use crate::core::article::BlockKind;
use crate::core::layout::Span;
use crate::core::segment::{Token, TokenKind};
use crate::core::snap::{clamp_to_block, snap_to_words};
use crate::core::text::slice_chars;
use crate::platform::selection;
use crate::ui::state::{Action, AppState};

#[derive(Properties, PartialEq)]
pub struct ArticleViewProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// The article as a readable page: body blocks in order, footer lines
/// gathered at the end in a muted `<footer>`. Selections made here are kept
/// inside one block and snapped to whole words (Alt keeps exact characters).
#[component]
pub fn ArticleView(props: &ArticleViewProps) -> Html {
    let state = &props.state;
    let root = use_node_ref();
    let empty = use_memo((), |_| Vec::<Token>::new());
    let tokens = state
        .tokens()
        .cloned()
        .unwrap_or_else(|| Rc::new((*empty).clone()));

    let on_select = {
        let root = root.clone();
        let state = state.clone();
        let on_action = props.on_action.clone();
        move |exact: bool| {
            let Some(el) = root.cast::<web_sys::Element>() else {
                return;
            };
            let range = selection::selected_range(&el)
                .and_then(|(s, e)| clamp_to_block(&state.article, s, e))
                .map(|(_, s, e)| match state.tokens() {
                    Some(tokens) if !exact => snap_to_words(tokens, s, e),
                    _ => (s, e),
                })
                .filter(|(s, e)| s < e);
            if let Some((s, e)) = range {
                selection::select_range(&el, s, e);
            }
            if range != state.selection {
                on_action.emit(Action::Select(range));
            }
        }
    };
    let onmouseup = {
        let on_select = on_select.clone();
        Callback::from(move |e: MouseEvent| on_select(e.alt_key()))
    };
    let onkeyup = Callback::from(move |e: KeyboardEvent| {
        if e.shift_key() && e.key().starts_with("Arrow") {
            on_select(e.alt_key());
        }
    });

    let render = |i: usize| {
        let b = &state.article.blocks[i];
        let from = tokens.partition_point(|t| t.end <= b.start);
        let to = tokens.partition_point(|t| t.start < b.end);
        let marks = keyword_marks(
            &state.article.source,
            &tokens[from..to],
            state.marked_word.as_deref(),
        );
        html! {
            <BlockView key={b.id.clone()} block={b.clone()} tokens={tokens.clone()}
                token_range={(from, to)} word_view={state.word_view} marks={Rc::new(marks)} />
        }
    };
    let blocks = &state.article.blocks;
    let body = (0..blocks.len())
        .filter(|&i| blocks[i].kind != BlockKind::Footer)
        .map(render);
    let footer = (0..blocks.len())
        .filter(|&i| blocks[i].kind == BlockKind::Footer)
        .map(render);
    html! {
        <article ref={root} class={classes!("article", state.word_view.then_some("word-view"))} lang="zh-CN"
            {onmouseup} {onkeyup} tabindex="-1">
            { for body }
            <footer class="article-footer">{ for footer }</footer>
        </article>
    }
}

/// Every word token equal to the marked keyword.
fn keyword_marks(source: &str, tokens: &[Token], word: Option<&str>) -> Vec<Span> {
    let Some(word) = word else { return Vec::new() };
    let len = word.chars().count();
    tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Word && t.end - t.start == len)
        .filter(|t| slice_chars(source, t.start, t.end) == word)
        .map(|t| Span {
            start: t.start,
            end: t.end,
            key: "keyword".into(),
        })
        .collect()
}
