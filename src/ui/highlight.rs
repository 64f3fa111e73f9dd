//! What the article draws for each block: highlights of passage
//! annotations (coloured by their tags), block-level tags, keyword marks.

use std::collections::HashMap;
use std::rc::Rc;

use crate::core::annotation::{Annotation, Target};
use crate::core::article::Article;
use crate::core::layout::Span;
use crate::core::store::Annotations;

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
                let chips = chips(all, a);
                let mark = Mark {
                    span: Span {
                        start: *start,
                        end: *end,
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
                };
                // Blocks are in text order: from the first that ends after
                // the passage starts, while they start before it ends.
                let first = blocks.partition_point(|b| b.end <= *start);
                for (i, b) in blocks.iter().enumerate().skip(first) {
                    if b.start >= *end {
                        break;
                    }
                    passages[i].push(mark.clone());
                }
            }
            Target::Block { block, .. } => {
                if let Some(&i) = index.get(block.as_str()) {
                    block_tags[i].push(BlockTag {
                        id: a.id.clone(),
                        chips: chips(all, a),
                        note: a.note.clone(),
                    });
                }
            }
            Target::Document => {}
        }
    }
    DocumentMarks {
        passages: passages.into_iter().map(Rc::new).collect(),
        block_tags: block_tags.into_iter().map(Rc::new).collect(),
    }
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

    #[test]
    fn tint_turns_hex_into_rgba() {
        assert_eq!(tint("#e8590c", 0.3), "rgba(232, 89, 12, 0.3)");
    }
}
