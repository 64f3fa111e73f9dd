//! What the article draws for each block: highlights of passage
//! annotations (coloured by their tags), block-level tags, keyword marks.

use std::collections::HashMap;
use std::rc::Rc;

use crate::core::annotation::{Annotation, Target};
use crate::core::article::Article;
use crate::core::layout::Span;
use crate::core::store::{diff_sorted, Annotations};

// Eq (not only PartialEq) lets `Rc<Vec<Mark>>` compare by pointer first:
// an unchanged block's marks are the same Rc, so its props compare in O(1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Keyword,
    /// The selection the open tag popup is about.
    Pending,
    Annotation {
        id: String,
        style: String,
        tags: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub span: Span,
    pub kind: MarkKind,
}

/// A tag chip: name and colour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    pub name: String,
    pub color: String,
}

/// An annotation on a whole block, as shown beside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockTag {
    pub id: String,
    pub chips: Vec<Chip>,
    pub note: String,
}

/// `#rrggbb` as `rgba(r, g, b, alpha)`.
pub fn tint(hex: &str, alpha: f32) -> String {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| {
        h.get(i..i + 2)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .unwrap_or(128)
    };
    format!("rgba({}, {}, {}, {alpha})", c(0), c(2), c(4))
}

pub fn chips(all: &Annotations, a: &Annotation) -> Vec<Chip> {
    a.tags
        .iter()
        .map(|name| Chip {
            name: name.clone(),
            color: all.tag(name).map_or("#868e96".into(), |t| t.color.clone()),
        })
        .collect()
}

/// Inline style of a highlight: the first tag's tint as background; each
/// further tag adds a band of its colour, so several tags stay visible.
fn highlight_style(chips: &[Chip]) -> String {
    match chips {
        [] => "--hl: rgba(134, 142, 150, 0.28); --hl-line: #868e96".into(),
        [one] => format!("--hl: {}; --hl-line: {}", tint(&one.color, 0.3), one.color),
        many => {
            let n = many.len() as f32;
            let stops: Vec<String> = many
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let (a, b) = (i as f32 / n * 100.0, (i + 1) as f32 / n * 100.0);
                    format!("{} {a:.0}% {b:.0}%", tint(&c.color, 0.34))
                })
                .collect();
            format!(
                "--hl: transparent; --hl-bands: linear-gradient(180deg, {}); --hl-line: {}",
                stops.join(", "),
                many[0].color
            )
        }
    }
}

/// What the article draws from the annotations, per block: computed once
/// per change of the annotations (one sort, each passage handed to the
/// blocks it touches), not once per block on every render.
#[derive(Debug, PartialEq)]
pub struct DocumentMarks {
    /// Per block, in `article.blocks` order: passage highlights, outermost
    /// first.
    pub passages: Vec<Rc<Vec<Mark>>>,
    /// Per block: annotations on the whole block.
    pub block_tags: Vec<Rc<Vec<BlockTag>>>,
}

pub fn document_marks(all: &Annotations, article: &Article) -> DocumentMarks {
    let blocks = &article.blocks;
    let mut passages: Vec<Vec<Mark>> = vec![Vec::new(); blocks.len()];
    let mut block_tags: Vec<Vec<BlockTag>> = vec![Vec::new(); blocks.len()];
    let index: HashMap<&str, usize> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    for a in all.in_document_order() {
        match &a.target {
            Target::Passage { start, end, .. } => {
                let mark = passage_mark(all, a, *start, *end);
                for i in blocks_touched(article, *start, *end) {
                    passages[i].push(mark.clone());
                }
            }
            Target::Block { block, .. } => {
                if let Some(&i) = index.get(block.as_str()) {
                    block_tags[i].push(block_tag(all, a));
                }
            }
            Target::Document | Target::Relation { .. } => {}
        }
    }
    DocumentMarks {
        passages: passages.into_iter().map(Rc::new).collect(),
        block_tags: block_tags.into_iter().map(Rc::new).collect(),
    }
}

impl DocumentMarks {
    /// The marks after the annotations changed from `before` to `after`:
    /// blocks no changed annotation touches keep their marks (the same
    /// `Rc`, so their views compare equal at once and are not rendered
    /// again), the others are computed anew, so one edit costs one block,
    /// not the document. A tag that appears, goes or changes colour
    /// redraws the blocks of the annotations that carry it.
    pub fn update(&self, before: &Annotations, after: &Annotations, article: &Article) -> Self {
        if self.passages.len() != article.blocks.len() {
            return document_marks(after, article);
        }
        let touched = changed_blocks(before, after, article);
        // Past a quarter of the blocks, one pass over everything is cheaper
        // than a scan of every annotation per block.
        if touched.len() * 4 > article.blocks.len() {
            return document_marks(after, article);
        }
        let mut next = DocumentMarks {
            passages: self.passages.clone(),
            block_tags: self.block_tags.clone(),
        };
        for i in touched {
            let (passages, block_tags) = block_marks(after, article, i);
            next.passages[i] = Rc::new(passages);
            next.block_tags[i] = Rc::new(block_tags);
        }
        next
    }
}

fn passage_mark(all: &Annotations, a: &Annotation, start: usize, end: usize) -> Mark {
    let chips = chips(all, a);
    Mark {
        span: Span {
            start,
            end,
            key: a.id.clone(),
        },
        kind: MarkKind::Annotation {
            id: a.id.clone(),
            style: highlight_style(&chips),
            tags: chips
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        },
    }
}

fn block_tag(all: &Annotations, a: &Annotation) -> BlockTag {
    BlockTag {
        id: a.id.clone(),
        chips: chips(all, a),
        note: a.note.clone(),
    }
}

/// Indices of the blocks the range `start..end` overlaps (blocks are in
/// text order).
fn blocks_touched(article: &Article, start: usize, end: usize) -> impl Iterator<Item = usize> + '_ {
    let first = article.blocks.partition_point(|b| b.end <= start);
    (first..article.blocks.len()).take_while(move |&i| article.blocks[i].start < end)
}

/// Blocks whose marks differ between `before` and `after`: those an
/// annotation that is not the same shared value in both touches, as it was
/// or as it is, and those of annotations carrying a tag whose colour
/// changed.
fn changed_blocks(before: &Annotations, after: &Annotations, article: &Article) -> Vec<usize> {
    let mut touched = std::collections::BTreeSet::new();
    let mut mark = |a: &Annotation| match &a.target {
        Target::Passage { start, end, .. } => touched.extend(blocks_touched(article, *start, *end)),
        Target::Block { block, .. } => {
            touched.extend(article.blocks.iter().position(|b| b.id == *block));
        }
        Target::Document | Target::Relation { .. } => {}
    };
    // Chips take a tag's colour by its name: the tags whose colour is not
    // the same on both sides.
    let colour = |all: &Annotations, name: &str| all.tag(name).map(|t| t.color.clone());
    let recoloured: std::collections::HashSet<&str> = before
        .tags
        .iter()
        .chain(&after.tags)
        .map(|t| t.name.as_str())
        .filter(|name| colour(before, name) != colour(after, name))
        .collect();
    if !recoloured.is_empty() {
        for a in before.annotations.iter().chain(&after.annotations) {
            if a.tags.iter().any(|t| recoloured.contains(t.as_str())) {
                mark(a);
            }
        }
    }
    for (_, was, is) in diff_sorted(&before.annotations, &after.annotations) {
        was.iter().chain(&is).for_each(|a| mark(a));
    }
    touched.into_iter().collect()
}

/// The marks of block `i` alone, in the order `document_marks` gives them.
fn block_marks(all: &Annotations, article: &Article, i: usize) -> (Vec<Mark>, Vec<BlockTag>) {
    let b = &article.blocks[i];
    let mut passages: Vec<(usize, usize, &Annotation)> = Vec::new();
    let mut block_tags = Vec::new();
    for a in &all.annotations {
        match &a.target {
            Target::Passage { start, end, .. } if *start < b.end && *end > b.start => {
                passages.push((*start, *end, a));
            }
            Target::Block { block, .. } if *block == b.id => block_tags.push(block_tag(all, a)),
            _ => {}
        }
    }
    // Document order, as `Annotations::in_document_order`: by start, longer
    // first, ties in id order (the list's order; the sort is stable).
    passages.sort_by_key(|&(start, end, _)| (start, usize::MAX - end));
    let marks = passages
        .into_iter()
        .map(|(start, end, a)| passage_mark(all, a, start, end))
        .collect();
    (marks, block_tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::article::Article;
    use crate::core::store::{Command, Store};

    fn add(store: &mut Store, article: &Article, id: &str, target: Target, tags: &[&str]) {
        let _ = article;
        store
            .apply(Command::Add(Annotation {
                id: id.into(),
                created: "t".into(),
                modified: "t".into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                note: String::new(),
                target,
            }))
            .unwrap();
    }

    #[test]
    fn passages_become_marks_of_the_blocks_they_touch() {
        let a = Article::parse("题\n\n  第一段正文。\n\n  第二段。\n");
        let (p1, p2) = (&a.blocks[1], &a.blocks[2]);
        let mut s = Store::default();
        add(
            &mut s,
            &a,
            "x",
            Target::passage(&a, p1.start, p1.start + 2),
            &["甲", "乙"],
        );
        add(&mut s, &a, "y", Target::block(&a, &p2.id).unwrap(), &["丙"]);
        let marks = document_marks(s.state(), &a);
        let m1 = &marks.passages[1];
        assert_eq!(m1.len(), 1);
        match &m1[0].kind {
            MarkKind::Annotation { id, style, tags } => {
                assert_eq!(id, "x");
                assert!(
                    style.contains("linear-gradient"),
                    "two tags give two bands: {style}"
                );
                assert_eq!(tags, "甲、乙");
            }
            other => panic!("{other:?}"),
        }
        assert!(marks.passages[2].is_empty());
        let bt = &marks.block_tags[2];
        assert_eq!(bt.len(), 1);
        assert_eq!(bt[0].chips[0].name, "丙");
    }

    proptest::proptest! {
        /// The same marks as looking at every annotation for every block.
        #[test]
        fn marks_per_block_are_every_passage_that_touches_the_block(
            spans in proptest::collection::vec((0usize..60, 1usize..30), 0..30)
        ) {
            let a = Article::parse("题\n\n  第一段正文，写得长一些。\n\n  第二段。\n\n  第三段也有几个字。\n");
            let len = a.source.chars().count();
            let mut s = Store::default();
            for (i, (start, n)) in spans.into_iter().enumerate() {
                let start = start.min(len - 1);
                add(&mut s, &a, &format!("id{i:02}"), Target::passage(&a, start, (start + n).min(len)), &["甲"]);
            }
            let marks = document_marks(s.state(), &a);
            for (i, b) in a.blocks.iter().enumerate() {
                let expected: Vec<String> = s
                    .state()
                    .in_document_order()
                    .into_iter()
                    .filter(|x| matches!(x.target.range(), Some((st, e)) if st < b.end && e > b.start))
                    .map(|x| x.id.clone())
                    .collect();
                let got: Vec<String> = marks.passages[i].iter().map(|m| m.span.key.clone()).collect();
                proptest::prop_assert_eq!(got, expected);
            }
        }
    }

    proptest::proptest! {
        /// Updating the marks after any step gives what computing them from
        /// scratch gives.
        #[test]
        fn updated_marks_are_the_marks_from_scratch(
            steps in proptest::collection::vec((0usize..5, 0usize..60, 1usize..30, 0usize..8), 1..25)
        ) {
            let a = Article::parse("题\n\n  第一段正文，写得长一些。\n\n  第二段。\n\n  第三段也有几个字。\n\n  第四段。\n");
            let len = a.source.chars().count();
            let mut s = Store::default();
            let mut marks = document_marks(s.state(), &a);
            for (n, (kind, start, width, pick)) in steps.into_iter().enumerate() {
                let before = s.shared();
                let start = start.min(len - 1);
                let _ = match kind {
                    0 | 1 => s.apply(Command::Add(Annotation {
                        id: format!("n{n:02}"),
                        created: "t".into(),
                        modified: "t".into(),
                        tags: vec![["甲", "乙"][pick % 2].into()],
                        note: String::new(),
                        target: if kind == 0 {
                            Target::passage(&a, start, (start + width).min(len))
                        } else {
                            Target::block(&a, &a.blocks[pick % a.blocks.len()].id).unwrap()
                        },
                    })),
                    2 => s.apply(Command::Edit { id: format!("n{:02}", pick * 3 % (n + 1)), tags: vec!["乙".into()], note: "改".into(), now: "u".into() }),
                    3 => s.apply(Command::Delete { id: format!("n{:02}", pick * 3 % (n + 1)) }),
                    _ => s.apply(Command::RecolorTag { name: "甲".into(), color: "#123456".into() }),
                };
                let next = marks.update(&before, s.state(), &a);
                let fresh = document_marks(s.state(), &a);
                proptest::prop_assert_eq!(&next, &fresh);
                marks = next;
            }
        }
    }

    #[test]
    fn an_edit_redraws_only_the_block_it_touches() {
        let a =
            Article::parse("题\n\n  第一段正文。\n\n  第二段。\n\n  三。\n\n  四。\n\n  五。\n");
        let p1 = &a.blocks[1];
        let mut s = Store::default();
        add(
            &mut s,
            &a,
            "x",
            Target::passage(&a, p1.start, p1.start + 2),
            &["甲"],
        );
        let p2 = &a.blocks[2];
        add(
            &mut s,
            &a,
            "y",
            Target::passage(&a, p2.start, p2.start + 2),
            &["甲"],
        );
        let marks = document_marks(s.state(), &a);
        let before = s.shared();
        add(
            &mut s,
            &a,
            "z",
            Target::passage(&a, p1.start + 1, p1.start + 3),
            &["甲"],
        );
        let next = marks.update(&before, s.state(), &a);
        assert_eq!(next, document_marks(s.state(), &a));
        assert!(!Rc::ptr_eq(&marks.passages[1], &next.passages[1]));
        for i in [0, 2, 3, 4, 5] {
            assert!(
                Rc::ptr_eq(&marks.passages[i], &next.passages[i]),
                "block {i}"
            );
            assert!(
                Rc::ptr_eq(&marks.block_tags[i], &next.block_tags[i]),
                "block {i}"
            );
        }
    }

    #[test]
    fn tint_turns_hex_into_rgba() {
        assert_eq!(tint("#e8590c", 0.3), "rgba(232, 89, 12, 0.3)");
    }
}
