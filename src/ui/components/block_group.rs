use std::rc::Rc;

use yew::prelude::*;
use yew::virtual_dom::Key;

use super::block_view::BlockView;
use crate::core::article::{Article, Block, BlockKind};
use crate::core::layout::Span;
use crate::core::segment::{Token, TokenKind};
use crate::ui::highlight::{BlockTag, Mark, MarkKind};

/// One block as its group draws it: its index in the article, its words
/// and its highlights, each shared with the article view.
#[derive(Clone)]
pub struct Member {
    pub index: usize,
    pub words: Rc<[Token]>,
    pub marks: Rc<Vec<Mark>>,
    pub block_tags: Rc<Vec<BlockTag>>,
}

/// A run of consecutive blocks. Equal when each block would draw the same
/// (compared by pointer): a change to one highlight makes one group differ,
/// and the article view compares a few hundred groups instead of rendering
/// thousands of blocks. A group holds only its own blocks' parts, so a
/// group that is not drawn again keeps nothing of an older state alive.
#[derive(Clone)]
pub struct GroupParts {
    pub article: Rc<Article>,
    /// Every block of the article in an `Rc`, with its key.
    pub blocks: Rc<Vec<(Rc<Block>, Key)>>,
    pub members: Vec<Member>,
}

impl PartialEq for GroupParts {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.article, &other.article)
            && Rc::ptr_eq(&self.blocks, &other.blocks)
            && self.members.len() == other.members.len()
            && self.members.iter().zip(&other.members).all(|(a, b)| {
                a.index == b.index
                    && Rc::ptr_eq(&a.words, &b.words)
                    && Rc::ptr_eq(&a.marks, &b.marks)
                    && Rc::ptr_eq(&a.block_tags, &b.block_tags)
            })
    }
}

#[derive(Properties, PartialEq)]
pub struct BlockGroupProps {
    /// The group's number in the article, as `data-group`.
    pub index: usize,
    pub group: GroupParts,
    /// A guess at the group's height in pixels, for the browser's layout
    /// while the group is off screen and not drawn.
    pub height_guess: u32,
    pub word_view: bool,
    /// The passage about to be tagged, if it is in this group.
    pub pending: Option<(usize, usize)>,
    /// The selected annotation and its range, if it is in this group.
    pub selected: Option<(String, (usize, usize))>,
    /// The keyword marked in the text.
    pub keyword: Option<String>,
    pub on_tag_block: Callback<(String, MouseEvent)>,
}

/// A run of blocks in one element with `content-visibility: auto`, so the
/// browser neither lays out nor paints the groups far from the screen,
/// while their text stays in the page for find-in-page and for scrolling
/// to any highlight.
#[component]
pub fn BlockGroup(props: &BlockGroupProps) -> Html {
    let group = &props.group;
    let render = |m: &Member| {
        let (b, key) = &group.blocks[m.index];
        let keywords = keyword_spans(&group.article, &m.words, props.keyword.as_deref());
        let taggable = matches!(
            b.kind,
            BlockKind::Paragraph | BlockKind::Heading | BlockKind::Caption
        );
        let pending = props
            .pending
            .filter(|(start, end)| *start < b.end && *end > b.start);
        let mut marks = m.marks.clone();
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
        // selecting re-renders those blocks, not the whole group.
        let selected_here = props
            .selected
            .as_ref()
            .filter(|(_, (start, end))| *start < b.end && *end > b.start)
            .map(|(id, _)| id.clone());
        html! {
            <BlockView key={key.clone()} block={b.clone()}
                words={m.words.clone()} word_view={props.word_view}
                marks={marks} block_tags={m.block_tags.clone()}
                selected={selected_here}
                on_tag_block={taggable.then(|| props.on_tag_block.clone())} />
        }
    };
    html! {
        <div class="block-group" data-group={props.index.to_string()} style={format!("contain-intrinsic-size: auto {}px", props.height_guess)}>
            { for group.members.iter().map(render) }
        </div>
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
