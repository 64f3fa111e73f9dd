//! Agreement between two annotators on one document, per tag: span F1
//! (exact: same start, end and tag; overlapping: a span that overlaps one
//! of the other's with the tag) and Cohen's kappa over the words (jieba's
//! tokens, whitespace and punctuation left out), each word labelled by
//! whether the annotator's spans with the tag touch it. Disagreements are
//! the spans without an exact match on the other side.

use std::collections::HashMap;

use super::segment::{Token, TokenKind};
use super::store::Annotations;

/// A tagged span by one annotator (code points).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub tag: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct F1 {
    /// B's spans matched in A, over B's spans.
    pub precision: f64,
    /// A's spans matched in B, over A's spans.
    pub recall: f64,
    pub f1: f64,
}

fn f1(precision: f64, recall: f64) -> F1 {
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    F1 {
        precision,
        recall,
        f1,
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TagAgreement {
    pub tag: String,
    pub spans_a: usize,
    pub spans_b: usize,
    pub exact: F1,
    pub overlap: F1,
    /// `None` when chance agreement is total (both annotators gave every
    /// word the same label), where kappa is not defined.
    pub kappa: Option<f64>,
    /// Spans of A (`true`) or B (`false`) with no exact match.
    pub disagreements: Vec<(bool, Span)>,
}

/// Cohen's kappa of two label sequences of equal length.
pub fn cohen_kappa<T: PartialEq>(a: &[T], b: &[T]) -> Option<f64> {
    let n = a.len().min(b.len());
    if n == 0 {
        return None;
    }
    let labels: Vec<&T> = a.iter().chain(b).fold(Vec::new(), |mut seen, l| {
        if !seen.contains(&l) {
            seen.push(l);
        }
        seen
    });
    let observed = (0..n).filter(|&i| a[i] == b[i]).count() as f64 / n as f64;
    let chance: f64 = labels
        .iter()
        .map(|l| {
            let pa = a[..n].iter().filter(|x| x == l).count() as f64 / n as f64;
            let pb = b[..n].iter().filter(|x| x == l).count() as f64 / n as f64;
            pa * pb
        })
        .sum();
    (chance < 1.0).then(|| (observed - chance) / (1.0 - chance))
}

/// Per tag (in `tags`' order), how far annotators A and B agree.
pub fn agreement(tokens: &[Token], a: &[Span], b: &[Span], tags: &[String]) -> Vec<TagAgreement> {
    let words: Vec<&Token> = tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Word)
        .collect();
    let overlaps = |x: &Span, y: &Span| x.start < y.end && y.start < x.end;
    tags.iter()
        .map(|tag| {
            let of = |side: &[Span]| {
                side.iter()
                    .filter(|s| s.tag == *tag)
                    .cloned()
                    .collect::<Vec<_>>()
            };
            let (sa, sb) = (of(a), of(b));
            let ratio = |hit: usize, total: usize| {
                if total == 0 {
                    0.0
                } else {
                    hit as f64 / total as f64
                }
            };
            let exact_in = |x: &Span, other: &[Span]| {
                other.iter().any(|y| y.start == x.start && y.end == x.end)
            };
            let exact_a = sa.iter().filter(|x| exact_in(x, &sb)).count();
            let exact_b = sb.iter().filter(|x| exact_in(x, &sa)).count();
            let over_a = sa
                .iter()
                .filter(|x| sb.iter().any(|y| overlaps(x, y)))
                .count();
            let over_b = sb
                .iter()
                .filter(|x| sa.iter().any(|y| overlaps(x, y)))
                .count();
            let label = |side: &[Span]| -> Vec<bool> {
                words
                    .iter()
                    .map(|w| side.iter().any(|s| s.start < w.end && w.start < s.end))
                    .collect()
            };
            let disagreements = sa
                .iter()
                .filter(|x| !exact_in(x, &sb))
                .map(|x| (true, x.clone()))
                .chain(
                    sb.iter()
                        .filter(|x| !exact_in(x, &sa))
                        .map(|x| (false, x.clone())),
                )
                .collect();
            TagAgreement {
                tag: tag.clone(),
                spans_a: sa.len(),
                spans_b: sb.len(),
                exact: f1(ratio(exact_b, sb.len()), ratio(exact_a, sa.len())),
                overlap: f1(ratio(over_b, sb.len()), ratio(over_a, sa.len())),
                kappa: cohen_kappa(&label(&sa), &label(&sb)),
                disagreements,
            }
        })
        .collect()
}

/// The tagged spans (passages and whole paragraphs) annotator `name`
/// made, by `creators` (annotation id → creator), each with its
/// annotation's id (to jump to a disagreement).
pub fn annotator_spans(
    all: &Annotations,
    creators: &HashMap<String, String>,
    name: &str,
) -> Vec<(Span, String)> {
    all.annotations
        .iter()
        .filter(|a| creators.get(&a.id).map(String::as_str) == Some(name))
        .filter_map(|a| Some((a.target.range()?, a)))
        .flat_map(|((start, end), a)| {
            a.tags.iter().map(move |t| {
                (
                    Span {
                        start,
                        end,
                        tag: t.clone(),
                    },
                    a.id.clone(),
                )
            })
        })
        .collect()
}

/// Every word with, per tag, whether each annotator's spans touch it: the
/// labels kappa is computed on, as CSV (word, start, end, tag, a, b), for
/// checking it with another tool.
pub fn word_labels_csv(
    text: &str,
    tokens: &[Token],
    a: &[Span],
    b: &[Span],
    tags: &[String],
) -> Vec<u8> {
    let chars: Vec<char> = text.chars().collect();
    let touches = |side: &[Span], tag: &str, w: &Token| {
        side.iter()
            .any(|s| s.tag == tag && s.start < w.end && w.start < s.end)
    };
    let rows = tags.iter().flat_map(|tag| {
        tokens
            .iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|w| {
                let word: String = chars[w.start.min(chars.len())..w.end.min(chars.len())]
                    .iter()
                    .collect();
                vec![
                    word,
                    w.start.to_string(),
                    w.end.to_string(),
                    tag.clone(),
                    u8::from(touches(a, tag, w)).to_string(),
                    u8::from(touches(b, tag, w)).to_string(),
                ]
            })
            .collect::<Vec<_>>()
    });
    super::formats::csv::table(&["word", "start", "end", "tag", "a", "b"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn span(start: usize, end: usize, tag: &str) -> Span {
        Span {
            start,
            end,
            tag: tag.into(),
        }
    }

    fn words(n: usize) -> Vec<Token> {
        (0..n)
            .map(|i| Token {
                start: 2 * i,
                end: 2 * i + 2,
                kind: TokenKind::Word,
            })
            .collect()
    }

    #[test]
    fn kappa_matches_scikit_learn() {
        // sklearn.metrics.cohen_kappa_score (scikit-learn 1.9.1) on the
        // same labels: 0.4666666666666667, 0.0 and 0.375.
        let a = [1, 1, 0, 0, 1, 0, 1, 1];
        let b = [1, 0, 0, 0, 1, 1, 1, 1];
        assert!((cohen_kappa(&a, &b).unwrap() - 0.466_666_666_666_666_7).abs() < 1e-12);
        assert_eq!(cohen_kappa(&[1, 0], &[1, 1]), Some(0.0));
        assert_eq!(cohen_kappa(&[0, 0], &[0, 0]), None);
        let labels = ["人物", "O", "地点", "O", "人物"];
        let other = ["人物", "O", "O", "O", "地点"];
        assert!((cohen_kappa(&labels, &other).unwrap() - 0.375).abs() < 1e-12);
    }

    #[test]
    fn f1_exact_and_overlapping_with_disagreements() {
        let tokens = words(10);
        let a = [span(0, 4, "人物"), span(6, 8, "人物"), span(10, 12, "地点")];
        let b = [
            span(0, 4, "人物"),
            span(6, 10, "人物"),
            span(14, 16, "人物"),
        ];
        let r = agreement(&tokens, &a, &b, &["人物".into(), "地点".into()]);
        let person = &r[0];
        assert_eq!((person.spans_a, person.spans_b), (2, 3));
        assert!((person.exact.precision - 1.0 / 3.0).abs() < 1e-12);
        assert!((person.exact.recall - 0.5).abs() < 1e-12);
        assert!((person.exact.f1 - 0.4).abs() < 1e-12);
        assert!((person.overlap.recall - 1.0).abs() < 1e-12);
        assert!((person.overlap.precision - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(person.disagreements.len(), 3);
        // Words 0, 1 and 3 by both, 4 and 7 by B only: scikit-learn
        // gives 0.6 for these labels.
        assert!((person.kappa.unwrap() - 0.6).abs() < 1e-12);
        let place = &r[1];
        assert_eq!((place.exact.f1, place.spans_b), (0.0, 0));
    }

    #[test]
    fn spans_by_annotator_and_the_word_labels_behind_kappa() {
        use crate::core::sync::test_support::annotation;
        use std::rc::Rc;
        let mut all = Annotations::default();
        all.annotations.push(Rc::new(annotation(
            "a1",
            "2026-11-30T08:00:00.000Z",
            "人物",
        )));
        all.annotations.push(Rc::new(annotation(
            "b1",
            "2026-11-30T08:00:00.000Z",
            "地点",
        )));
        let creators: HashMap<String, String> = [("a1", "甲"), ("b1", "乙")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let a = annotator_spans(&all, &creators, "甲");
        assert_eq!(a, [(span(0, 2, "人物"), "a1".to_string())]);
        let b: Vec<Span> = annotator_spans(&all, &creators, "乙")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        let a: Vec<Span> = a.into_iter().map(|(s, _)| s).collect();
        let csv = word_labels_csv("张三李四王五", &words(3), &a, &b, &["人物".into()]);
        let csv = String::from_utf8(csv).unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            [
                "word,start,end,tag,a,b",
                "张三,0,2,人物,1,0",
                "李四,2,4,人物,0,0",
                "王五,4,6,人物,0,0"
            ]
        );
    }

    proptest! {
        #[test]
        fn kappa_is_symmetric_and_one_for_identical_labels(
            a in prop::collection::vec(0u8..3, 1..40),
            b in prop::collection::vec(0u8..3, 1..40),
        ) {
            let n = a.len().min(b.len());
            let (a, b) = (&a[..n], &b[..n]);
            match (cohen_kappa(a, b), cohen_kappa(b, a)) {
                (Some(x), Some(y)) => prop_assert!((x - y).abs() < 1e-12),
                (x, y) => prop_assert_eq!(x, y),
            }
            if let Some(k) = cohen_kappa(a, a) {
                prop_assert!((k - 1.0).abs() < 1e-12);
            }
            if let Some(k) = cohen_kappa(a, b) {
                prop_assert!(k <= 1.0 + 1e-12);
            }
        }
    }
}
