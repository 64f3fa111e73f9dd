use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use yew::prelude::*;
use yew::virtual_dom::Key;

use super::block_view::{BlockTokens, BlockView};
use crate::core::article::{Article, BlockKind};
use crate::core::layout::Span;
use crate::core::segment::{Token, TokenKind};
use crate::core::snap::{clamp_to_block, snap_to_words};
use crate::core::store::Annotations;
use crate::platform::{dom, selection};
use crate::ui::highlight::{document_marks, DocumentMarks, Mark, MarkKind};
use crate::ui::state::{Action, AppState, Popup, PopupTarget};

/// Documents with more blocks than this get the word view a slice at a
/// time: every word is an element, and a 1 MB text has some 300,000 of
/// them (6.3 s in one task here when drawn at once).
const WORD_VIEW_AT_ONCE: usize = 400;
/// Blocks given their words per turn of the event loop (about 40 ms here).
const WORD_VIEW_SLICE: usize = 40;

#[derive(Properties, PartialEq)]
pub struct ArticleViewProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// The annotations the marks were last computed from, for which article,
/// and the marks.
type MarksCache = (Rc<Annotations>, Rc<Article>, Rc<DocumentMarks>);

/// The article as a readable page: body blocks in order, footer lines
/// gathered at the end in a muted `<footer>`. A selection made here is kept
/// inside one block, snapped to whole words (Alt keeps exact characters) and
/// opens the tag popup; a click on a highlight selects its annotation.
#[component]
pub fn ArticleView(props: &ArticleViewProps) -> Html {
    let state = &props.state;
    let root = use_node_ref();
    let empty = use_memo((), |_| Rc::new(Vec::<Token>::new()));
    let tokens = state.tokens().cloned().unwrap_or_else(|| (*empty).clone());
    // Each block once in an Rc for its view (see `BlockViewProps::block`),
    // with its key made once: a render allocates no key and the keyed diff
    // compares keys by pointer.
    let shared_blocks = use_memo(state.article.clone(), |article| {
        article
            .blocks
            .iter()
            .map(|b| (Rc::new(b.clone()), Key::from(b.id.as_str())))
            .collect::<Vec<_>>()
    });
    // Highlights per block, updated when the annotations change (the store
    // hands out a shared pointer, compared in O(1)): only the blocks a change
    // touches are computed again, the rest keep their marks.
    let marks_cache = use_mut_ref(|| None::<MarksCache>);
    let annotation_marks = {
        let all = state.store.shared();
        let mut cache = marks_cache.borrow_mut();
        let marks = match cache.as_ref() {
            Some((before, article, marks)) if Rc::ptr_eq(article, &state.article) => {
                if Rc::ptr_eq(before, &all) {
                    marks.clone()
                } else {
                    Rc::new(marks.update(before, &all, article))
                }
            }
            _ => Rc::new(document_marks(&all, &state.article)),
        };
        *cache = Some((all, state.article.clone(), marks.clone()));
        marks
    };

    // Which blocks show their words: `count` blocks from block `origin`
    // on (wrapping). A large document starts from the screen and grows a
    // slice per turn, so the page never freezes and what is on screen
    // comes first.
    let block_count = state.article.blocks.len();
    let large = block_count > WORD_VIEW_AT_ONCE;
    let word_blocks = use_state(|| (0usize, if large { 0 } else { usize::MAX }));
    let slicing = use_mut_ref(|| 0u32);
    {
        let word_blocks = word_blocks.clone();
        let article = state.article.clone();
        use_effect_with(state.word_view, move |on| {
            *slicing.borrow_mut() += 1;
            let run = *slicing.borrow();
            if !large {
                return;
            }
            if !*on {
                word_blocks.set((0, 0));
                return;
            }
            let n = article.blocks.len();
            let origin = dom::first_visible_block()
                .and_then(|id| article.blocks.iter().position(|b| b.id == id))
                .unwrap_or(0);
            word_blocks.set((origin, WORD_VIEW_SLICE));
            wasm_bindgen_futures::spawn_local(async move {
                let mut done = WORD_VIEW_SLICE;
                while done < n {
                    TimeoutFuture::new(0).await;
                    if *slicing.borrow() != run {
                        return;
                    }
                    done = (done + WORD_VIEW_SLICE).min(n);
                    word_blocks.set((origin, done));
                }
            });
        });
    }
    let (origin, count) = *word_blocks;
    let shows_words = |i: usize| {
        state.word_view
            && (count >= block_count || (i + block_count - origin) % block_count < count)
    };
    let word_view_state = if !state.word_view {
        "off"
    } else if count >= block_count {
        "complete"
    } else {
        "partial"
    };

    {
        let selected = state.selected.clone();
        use_effect_with(state.flash, move |flash| {
            if let (true, Some(id)) = (*flash > 0, selected) {
                dom::scroll_to_and_flash(&id);
            }
        });
    }

    // Keep the passage selected from the keyboard in view as it moves.
    use_effect_with(state.key_selection, |range| {
        if range.is_some() {
            dom::scroll_into_view("data-pending", "");
        }
    });

    let on_select = {
        let root = root.clone();
        let state = state.clone();
        let on_action = props.on_action.clone();
        move |exact: bool| -> bool {
            let Some(el) = root.cast::<web_sys::Element>() else {
                return false;
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
            if let (Some((start, end)), Some((left, _, _, bottom))) =
                (range, selection::selection_rect())
            {
                on_action.emit(Action::OpenPopup(Popup {
                    target: PopupTarget::Passage { start, end },
                    x: left,
                    y: bottom,
                }));
            }
            range.is_some()
        }
    };
    let onmouseup = {
        let on_select = on_select.clone();
        let on_action = props.on_action.clone();
        let selected = state.selected.clone();
        Callback::from(move |e: MouseEvent| {
            if on_select(e.alt_key()) {
                return;
            }
            // A plain click: select the highlight under it; clicking again
            // steps outwards through overlapping highlights.
            let ids = dom::annotations_at(e.target());
            let next = match selected
                .as_ref()
                .and_then(|s| ids.iter().position(|i| i == s))
            {
                Some(i) => ids.get(i + 1).or(ids.first()).cloned(),
                None => ids.first().cloned(),
            };
            if next.is_some() || !ids.is_empty() {
                on_action.emit(Action::SelectAnnotation(next));
            }
        })
    };
    let onkeyup = Callback::from(move |e: KeyboardEvent| {
        if e.shift_key() && e.key().starts_with("Arrow") {
            on_select(e.alt_key());
        }
    });
    // Stable across renders (a new callback would make every block differ
    // from its last render and re-render).
    let on_tag_block = use_callback(
        props.on_action.clone(),
        |(block, e): (String, MouseEvent), on_action| {
            let (left, _, _, bottom) = e
                .target_dyn_into::<web_sys::Element>()
                .map(|el| dom::element_rect(&el))
                .unwrap_or_default();
            on_action.emit(Action::OpenPopup(Popup {
                target: PopupTarget::Block(block),
                x: left,
                y: bottom,
            }));
        },
    );

    // The passage about to be tagged: the popup's, else the keyboard selection.
    let pending = match state.popup.as_ref().map(|p| &p.target) {
        Some(PopupTarget::Passage { start, end }) => Some((*start, *end)),
        _ => state.key_selection,
    };
    // Each block's range of the tokens, found once per segmentation.
    let token_ranges = use_memo(
        (tokens.clone(), state.article.clone()),
        |(tokens, article)| {
            article
                .blocks
                .iter()
                .map(|b| {
                    let from = tokens.partition_point(|t| t.end <= b.start);
                    (
                        from,
                        from + tokens[from..].partition_point(|t| t.start < b.end),
                    )
                })
                .collect::<Vec<_>>()
        },
    );
    // The code point range the selected annotation covers: only the blocks
    // it touches are told it is selected (found here once, not by searching
    // every block's marks).
    let selected_range = state
        .selected
        .as_deref()
        .and_then(|id| state.store.state().slot(id))
        .filter(|(orphan, _)| !orphan)
        .and_then(|(_, a)| a.target.range());
    let render = |i: usize| {
        let (b, key) = &shared_blocks[i];
        let (from, to) = token_ranges[i];
        let keywords = keyword_spans(
            &state.article,
            &tokens[from..to],
            state.marked_word.as_deref(),
        );
        let taggable = matches!(
            b.kind,
            BlockKind::Paragraph | BlockKind::Heading | BlockKind::Caption
        );
        let pending = pending.filter(|(start, end)| *start < b.end && *end > b.start);
        let mut marks = annotation_marks.passages[i].clone();
        // Keyword and pending marks are few: only those blocks get a copy.
        if !keywords.is_empty() || pending.is_some() {
            let mut own = (*marks).clone();
            own.extend(keywords.into_iter().map(|span| Mark {
                span,
                kind: MarkKind::Keyword,
            }));
            if let Some((start, end)) = pending {
                own.push(Mark {
                    span: Span {
                        start,
                        end,
                        key: "pending".into(),
                    },
                    kind: MarkKind::Pending,
                });
            }
            marks = Rc::new(own);
        }
        // Only the blocks that draw the selected annotation are told, so
        // selecting re-renders those blocks, not the whole article.
        let block_tags = annotation_marks.block_tags[i].clone();
        let selected_here = selected_range
            .filter(|&(start, end)| start < b.end && end > b.start)
            .and_then(|_| state.selected.clone());
        html! {
            <BlockView key={key.clone()} block={b.clone()}
                tokens={BlockTokens::new(tokens.clone(), from, to)} word_view={shows_words(i)}
                marks={marks} {block_tags}
                selected={selected_here}
                on_tag_block={taggable.then(|| on_tag_block.clone())} />
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
            data-word-view={word_view_state} {onmouseup} {onkeyup} tabindex="-1">
            { for body }
            <footer class="article-footer">{ for footer }</footer>
        </article>
    }
}

/// Every word token equal to the marked keyword.
fn keyword_spans(article: &Article, tokens: &[Token], word: Option<&str>) -> Vec<Span> {
    let Some(word) = word else { return Vec::new() };
    let len = word.chars().count();
    tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Word && t.end - t.start == len)
        .filter(|t| article.slice(t.start, t.end) == word)
        .map(|t| Span {
            start: t.start,
            end: t.end,
            key: "keyword".into(),
        })
        .collect()
}
