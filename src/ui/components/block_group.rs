use std::rc::Rc;

use yew::prelude::*;
use yew::virtual_dom::Key;

use super::block_view::{BlockTokens, BlockView};
use crate::core::article::{Article, Block, BlockKind};
use crate::core::layout::Span;
use crate::core::segment::{Token, TokenKind};
use crate::ui::highlight::{DocumentMarks, Mark, MarkKind};

/// What a group shows, shared by every group of the article: the blocks
/// (each in an `Rc` with its key), the words and each block's range of
/// them, and the highlights of every block.
#[derive(Clone)]
pub struct ArticleParts {
    pub article: Rc<Article>,
    pub blocks: Rc<Vec<(Rc<Block>, Key)>>,
    pub tokens: Rc<Vec<Token>>,
    pub token_ranges: Rc<Vec<(usize, usize)>>,
    pub marks: Rc<DocumentMarks>,
}

/// A run of consecutive blocks (indices into the article's blocks) and the
/// article's parts. Equal when this group's own blocks would draw the same:
/// a change to one highlight makes one group differ, and the article view
/// compares a few hundred groups instead of rendering thousands of blocks.
#[derive(Clone)]
pub struct GroupParts {
    pub members: Rc<[usize]>,
    pub parts: ArticleParts,
}

impl PartialEq for GroupParts {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.parts, &other.parts);
        if !Rc::ptr_eq(&self.members, &other.members)
            || !Rc::ptr_eq(&a.article, &b.article)
            || !Rc::ptr_eq(&a.blocks, &b.blocks)
        {
            return false;
        }
        let same_marks = Rc::ptr_eq(&a.marks, &b.marks)
            || self.members.iter().all(|&i| {
                Rc::ptr_eq(&a.marks.passages[i], &b.marks.passages[i])
                    && Rc::ptr_eq(&a.marks.block_tags[i], &b.marks.block_tags[i])
            });
        fn words(p: &ArticleParts, i: usize) -> &[Token] {
            let (from, to) = p.token_ranges[i];
            &p.tokens[from..to]
        }
        let same_words = (Rc::ptr_eq(&a.tokens, &b.tokens)
            && Rc::ptr_eq(&a.token_ranges, &b.token_ranges))
            || self.members.iter().all(|&i| words(a, i) == words(b, i));
        same_marks && same_words
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
    let parts = &props.group.parts;
    let render = |i: usize| {
        let (b, key) = &parts.blocks[i];
        let (from, to) = parts.token_ranges[i];
        let keywords = keyword_spans(
            &parts.article,
            &parts.tokens[from..to],
            props.keyword.as_deref(),
        );
        let taggable = matches!(
            b.kind,
            BlockKind::Paragraph | BlockKind::Heading | BlockKind::Caption
        );
        let pending = props
            .pending
            .filter(|(start, end)| *start < b.end && *end > b.start);
        let mut marks = parts.marks.passages[i].clone();
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
                tokens={BlockTokens::new(parts.tokens.clone(), from, to)} word_view={props.word_view}
                marks={marks} block_tags={parts.marks.block_tags[i].clone()}
                selected={selected_here}
                on_tag_block={taggable.then(|| props.on_tag_block.clone())} />
        }
    };
    html! {
        <div class="block-group" data-group={props.index.to_string()} style={format!("contain-intrinsic-size: auto {}px", props.height_guess)}>
            { for props.group.members.iter().map(|&i| render(i)) }
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
