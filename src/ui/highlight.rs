//! What the article draws for each block: highlights of passage
//! annotations (coloured by their tags), block-level tags, keyword marks.

use std::rc::Rc;

use crate::core::annotation::{Annotation, Target};
use crate::core::article::Block;
use crate::core::layout::Span;
use crate::core::store::Annotations;

#[derive(Clone, Debug, PartialEq)]
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

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub span: Span,
    pub kind: MarkKind,
}

/// A tag chip: name and colour.
#[derive(Clone, Debug, PartialEq)]
pub struct Chip {
    pub name: String,
    pub color: String,
}

/// An annotation on a whole block, as shown beside it.
#[derive(Clone, Debug, PartialEq)]
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

/// Highlights over `block`: passage annotations that touch it, outermost
/// first, then keyword marks.
pub fn block_marks(all: &Annotations, block: &Block, keyword_spans: &[Span]) -> Vec<Mark> {
    let mut marks: Vec<Mark> = all
        .in_document_order()
        .into_iter()
        .filter_map(|a| match &a.target {
            Target::Passage { start, end, .. } if *start < block.end && *end > block.start => {
                let chips = chips(all, a);
                Some(Mark {
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
                })
            }
            _ => None,
        })
        .collect();
    marks.extend(keyword_spans.iter().cloned().map(|span| Mark {
        span,
        kind: MarkKind::Keyword,
    }));
    marks
}

/// Annotations whose target is `block` as a whole.
pub fn block_tags(all: &Annotations, block: &Block) -> Rc<Vec<BlockTag>> {
    Rc::new(
        all.annotations
            .iter()
            .filter(|a| matches!(&a.target, Target::Block { block: id, .. } if *id == block.id))
            .map(|a| BlockTag {
                id: a.id.clone(),
                chips: chips(all, a),
                note: a.note.clone(),
            })
            .collect(),
    )
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
        let m1 = block_marks(s.state(), p1, &[]);
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
        assert!(block_marks(s.state(), p2, &[]).is_empty());
        let bt = block_tags(s.state(), p2);
        assert_eq!(bt.len(), 1);
        assert_eq!(bt[0].chips[0].name, "丙");
    }

    #[test]
    fn tint_turns_hex_into_rgba() {
        assert_eq!(tint("#e8590c", 0.3), "rgba(232, 89, 12, 0.3)");
    }
}
