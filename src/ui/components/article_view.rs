use std::rc::Rc;

use yew::prelude::*;
use yew::virtual_dom::Key;

use super::block_group::{BlockGroup, GroupParts, Member};
use super::relation_arcs::{RelationArcs, RelationSpec};
use crate::core::article::{Article, BlockKind};
use crate::core::segment::Token;
use crate::core::snap::{clamp_to_block, snap_to_words};
use crate::core::store::Annotations;
use crate::platform::{dom, selection};
use crate::ui::highlight::{document_marks, DocumentMarks};
use crate::ui::hooks::near_screen::use_near_groups;
use crate::ui::state::{Action, AppState, Popup, PopupTarget, RelationPopup};

/// Documents with more blocks than this show words only near the screen.
const WORD_VIEW_EVERYWHERE: usize = 400;

#[derive(Properties, PartialEq)]
pub struct ArticleViewProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// The annotations the marks were last computed from, for which article,
/// and the marks.
type MarksCache = (Rc<Annotations>, Rc<Article>, Rc<DocumentMarks>);
/// The words and article the per-block words were split from, and them.
type BlockWordsCache = (Rc<Vec<Token>>, Rc<Article>, Rc<Vec<Rc<[Token]>>>);

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

    // The article in groups of consecutive blocks (body, then footer), made
    // once per article.
    let groups = use_memo(state.article.clone(), |article| article_groups(article));
    // A large document shows its words only in the groups within a screen
    // of the viewport: every word is an element, and a 1 MB text has some
    // 300,000 of them.
    let block_count = state.article.blocks.len();
    let large = block_count > WORD_VIEW_EVERYWHERE;
    let near = use_near_groups(
        root.clone(),
        state.article.clone(),
        large && state.word_view,
    );
    let shows_words =
        |g: usize| state.word_view && (!large || near.as_ref().is_some_and(|n| n.contains(&g)));
    let word_view_state = match (state.word_view, large && near.is_none()) {
        (false, _) => "off",
        (true, false) => "complete",
        (true, true) => "partial",
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
        let linking = state.linking.clone();
        Callback::from(move |e: MouseEvent| {
            if on_select(e.alt_key()) {
                return;
            }
            let ids = dom::annotations_at(e.target());
            // Making a relation: a click on another highlight is its other end.
            if let Some(linking) = &linking {
                if let Some(to) = ids.iter().find(|id| **id != linking.from) {
                    on_action.emit(Action::OpenRelationPopup(RelationPopup {
                        from: linking.from.clone(),
                        to: to.clone(),
                        editing: None,
                        x: f64::from(e.client_x()),
                        y: f64::from(e.client_y()),
                    }));
                }
                return;
            }
            // A plain click: select the highlight under it; clicking again
            // steps outwards through overlapping highlights.
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
    // Each block's words in an `Rc` of their own, made once per segmentation
    // and kept from the last one where a block's words did not change: views
    // compare words by pointer, and none holds an old segmentation alive.
    let words_cache = use_mut_ref(|| None::<BlockWordsCache>);
    let block_words = {
        let mut cache = words_cache.borrow_mut();
        let words = match cache.as_ref() {
            Some((t, a, words)) if Rc::ptr_eq(t, &tokens) && Rc::ptr_eq(a, &state.article) => {
                words.clone()
            }
            previous => Rc::new(split_by_block(
                &tokens,
                &state.article,
                previous
                    .filter(|(_, a, _)| Rc::ptr_eq(a, &state.article))
                    .map(|(_, _, w)| w.as_slice()),
            )),
        };
        *cache = Some((tokens.clone(), state.article.clone(), words.clone()));
        words
    };
    // The code point range the selected annotation covers: only the groups
    // it touches are told it is selected.
    let selected = state
        .selected
        .as_deref()
        .and_then(|id| state.store.state().slot(id))
        .filter(|(orphan, _)| !orphan)
        .and_then(|(_, a)| a.target.range())
        .zip(state.selected.clone())
        .map(|(range, id)| (id, range));
    let render = |(g, group): (usize, &Group)| {
        let (start, end) = group.span;
        let within = |&(s, e): &(usize, usize)| s < end && e > start;
        html! {
            <BlockGroup key={group.key.clone()} index={g}
                group={GroupParts {
                    article: state.article.clone(),
                    blocks: shared_blocks.clone(),
                    members: group.members.iter().map(|&i| Member {
                        index: i,
                        words: block_words[i].clone(),
                        marks: annotation_marks.passages[i].clone(),
                        block_tags: annotation_marks.block_tags[i].clone(),
                    }).collect(),
                }}
                height_guess={group.height_guess}
                word_view={shows_words(g)}
                pending={pending.filter(within)}
                selected={selected.clone().filter(|(_, range)| within(range))}
                keyword={state.marked_word.clone()}
                on_tag_block={on_tag_block.clone()} />
        }
    };
    let body = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| !g.footer)
        .map(render);
    let footer = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.footer)
        .map(render);
    // Relations as the arcs draw them, made once per change.
    let relation_specs = use_memo(state.store.shared(), |all| {
        all.relations()
            .filter_map(|r| {
                let (from, to) = r.target.ends()?;
                let label = r.tags.first()?.clone();
                Some(RelationSpec {
                    id: r.id.clone(),
                    from: from.to_string(),
                    to: to.to_string(),
                    color: all
                        .tag(&label)
                        .map_or_else(|| "#495057".into(), |t| t.color.clone()),
                    label,
                })
            })
            .collect::<Vec<_>>()
    });
    let preview = state
        .linking
        .as_ref()
        .and_then(|l| Some((l.from.clone(), l.to.clone()?)));
    html! {
        <article ref={root} class={classes!("article", state.word_view.then_some("word-view"))} lang="zh-CN"
            data-word-view={word_view_state} {onmouseup} {onkeyup} tabindex="-1">
            { for body }
            <footer class="article-footer">{ for footer }</footer>
            <RelationArcs relations={relation_specs} preview={preview} />
        </article>
    }
}

/// Blocks per group: small enough that the words of a group coming near the
/// screen are drawn within a frame, large enough that a 1 MB text (about
/// 6,500 blocks) is some 400 groups.
const GROUP_SIZE: usize = 16;
/// Roughly how many characters fit on a line of the article column, and
/// the height of a line and of a block's margin, in pixels: only a guess
/// for groups not yet drawn (the browser then remembers the real height).
const CHARS_PER_LINE: usize = 36;
const LINE_PX: usize = 34;
const BLOCK_MARGIN_PX: usize = 18;

/// A run of consecutive blocks drawn as one `BlockGroup`.
struct Group {
    members: Rc<[usize]>,
    key: Key,
    /// The code points the group's blocks cover.
    span: (usize, usize),
    height_guess: u32,
    footer: bool,
}

fn article_groups(article: &Article) -> Vec<Group> {
    let blocks = &article.blocks;
    let (body, footer): (Vec<usize>, Vec<usize>) =
        (0..blocks.len()).partition(|&i| blocks[i].kind != BlockKind::Footer);
    let groups = |indices: &[usize], footer: bool| {
        indices
            .chunks(GROUP_SIZE)
            .map(|members| {
                let height: usize = members
                    .iter()
                    .map(|&i| {
                        let chars = blocks[i].end - blocks[i].start;
                        chars.div_ceil(CHARS_PER_LINE).max(1) * LINE_PX + BLOCK_MARGIN_PX
                    })
                    .sum();
                let (first, last) = (&blocks[members[0]], &blocks[members[members.len() - 1]]);
                Group {
                    members: members.into(),
                    key: Key::from(format!("{}-{}", if footer { "f" } else { "b" }, first.id)),
                    span: (first.start, last.end),
                    height_guess: height as u32,
                    footer,
                }
            })
            .collect::<Vec<_>>()
    };
    let mut all = groups(&body, false);
    all.extend(groups(&footer, true));
    all
}

/// Each block's words (`tokens` tile the article in order), reusing the
/// `previous` split's `Rc` wherever a block's words are the same.
fn split_by_block(
    tokens: &[Token],
    article: &Article,
    previous: Option<&[Rc<[Token]>]>,
) -> Vec<Rc<[Token]>> {
    article
        .blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let from = tokens.partition_point(|t| t.end <= b.start);
            let to = from + tokens[from..].partition_point(|t| t.start < b.end);
            let words = &tokens[from..to];
            match previous.and_then(|p| p.get(i)) {
                Some(old) if old[..] == *words => old.clone(),
                _ => Rc::from(words),
            }
        })
        .collect()
}
