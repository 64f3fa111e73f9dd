//! Round trips through the NLP formats with random overlapping spans over
//! text with characters outside the BMP.

use std::collections::BTreeSet;
use std::rc::Rc;

use annotator::core::annotation::{Annotation, Target};
use annotator::core::article::Article;
use annotator::core::formats::bio::{self, ConllOptions, Scheme, Unit};
use annotator::core::formats::{brat, doccano, label_studio};
use annotator::core::store::Annotations;
use proptest::prelude::*;

const NOW: &str = "2026-11-30T09:00:00.000Z";

/// Text from a small alphabet: CJK, astral (𠮶 😀), combining marks,
/// punctuation that ends sentences, spaces and line breaks.
fn text() -> impl Strategy<Value = String> {
    let alphabet = prop::sample::select(vec![
        '张', '三', '北', '京', '𠮶', '😀', 'e', '\u{301}', '。', '！', '，', ' ', '\n',
    ]);
    prop::collection::vec(alphabet, 4..120)
        .prop_map(|c| format!("标题\n\n{}", c.into_iter().collect::<String>()))
}

/// Spans `(start, end, tags, note)` with distinct ranges (a format writes a
/// span with several tags as several entities, read back as one).
fn spans(length: usize) -> impl Strategy<Value = Vec<(usize, usize, Vec<String>, String)>> {
    let tag = prop::sample::select(vec!["人物", "地点", "机构 名", "事件"]);
    let one = (
        0..length,
        1..12usize,
        prop::collection::btree_set(tag, 1..3),
        "[注a-z,\"]{0,6}",
    )
        .prop_map(move |(s, len, tags, note)| {
            (
                s,
                (s + len).min(length),
                tags.into_iter().map(String::from).collect(),
                note,
            )
        });
    prop::collection::vec(one, 0..12).prop_map(|v| {
        let mut seen = BTreeSet::new();
        v.into_iter()
            .filter(|(s, e, _, _)| s < e && seen.insert((*s, *e)))
            .collect()
    })
}

/// Relations as (from, to, label) between the spans' indexes.
fn links() -> impl Strategy<Value = Vec<(usize, usize, &'static str)>> {
    let label = prop::sample::select(vec!["施事", "位于", "属 于"]);
    prop::collection::vec((0..12usize, 0..12usize, label), 0..6)
}

fn case() -> impl Strategy<Value = (Article, Annotations)> {
    text()
        .prop_flat_map(|t| {
            let article = Article::parse(&t);
            let length = article.char_len();
            (Just(article), spans(length), links())
        })
        .prop_map(|(article, spans, links)| {
            let count = spans.len();
            let mut all = Annotations::default();
            for (i, (start, end, tags, note)) in spans.into_iter().enumerate() {
                all.annotations.push(Rc::new(Annotation {
                    id: format!("{i:08}-0000-4000-8000-000000000000"),
                    created: NOW.into(),
                    modified: NOW.into(),
                    tags,
                    note,
                    target: Target::passage(&article, start, end),
                }));
            }
            let id = |i: usize| format!("{i:08}-0000-4000-8000-000000000000");
            let mut seen = BTreeSet::new();
            for (k, (from, to, label)) in links.into_iter().enumerate() {
                if from >= count || to >= count || from == to || !seen.insert((from, to, label)) {
                    continue;
                }
                all.annotations.push(Rc::new(Annotation {
                    id: format!("{k:08}-1111-4000-8000-000000000000"),
                    created: NOW.into(),
                    modified: NOW.into(),
                    tags: vec![label.into()],
                    note: String::new(),
                    target: Target::Relation {
                        from: id(from),
                        to: id(to),
                    },
                }));
            }
            all.normalize_order();
            all.ensure_used_tags();
            (article, all)
        })
}

/// An annotation as the formats must keep it: range, tags as a set, note.
type Kept = (Option<(usize, usize)>, BTreeSet<String>, String);

fn summary<'a>(annotations: impl Iterator<Item = &'a Annotation>) -> BTreeSet<Kept> {
    annotations
        .filter(|a| a.target.ends().is_none())
        .map(|a| {
            (
                a.target.range(),
                a.tags.iter().cloned().collect(),
                a.note.clone(),
            )
        })
        .collect()
}

/// A relation as (from's range, to's range, label).
type Link = ((usize, usize), (usize, usize), String);

fn links_of<'a>(annotations: impl Iterator<Item = &'a Annotation>) -> BTreeSet<Link> {
    let annotations: Vec<&Annotation> = annotations.collect();
    let range = |id: &str| {
        annotations
            .iter()
            .find(|a| a.id == id)
            .and_then(|a| a.target.range())
    };
    annotations
        .iter()
        .filter_map(|a| {
            let (from, to) = a.target.ends()?;
            Some((range(from)?, range(to)?, a.tags[0].clone()))
        })
        .collect()
}

/// Spans read back from a BIO/BIOES column, by a decoder written from the
/// schemes' definitions: (first unit, last unit exclusive, label).
fn decode(tags: &[&str], sentence_starts: &[usize]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let (prefix, label) = tag.split_once('-').unwrap_or((tag, ""));
        let continues = matches!(prefix, "I" | "E")
            && !sentence_starts.contains(&i)
            && open.as_ref().is_some_and(|(_, l)| l == label);
        if !continues {
            if let Some((s, l)) = open.take() {
                out.push((s, i, l));
            }
            if prefix != "O" {
                open = Some((i, label.to_string()));
            }
        }
        if matches!(prefix, "E" | "S") {
            if let Some((s, l)) = open.take() {
                out.push((s, i + 1, l));
            }
        }
    }
    if let Some((s, l)) = open {
        out.push((s, tags.len(), l));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn doccano_round_trip((article, all) in case()) {
        let e = doccano::export(&article, &all);
        let back = doccano::parse(std::str::from_utf8(&e.content).unwrap(), &article.source, NOW).unwrap();
        prop_assert_eq!(summary(back.annotations.iter()), summary(all.all()));
        prop_assert_eq!(links_of(back.annotations.iter()), links_of(all.all()));
        prop_assert_eq!(back.document, Some(article.sha256()));
    }

    #[test]
    fn label_studio_round_trip((article, all) in case()) {
        let e = label_studio::export(&article, &all, NOW);
        let v = serde_json::from_slice(&e.content).unwrap();
        let back = label_studio::parse(&v, &article.source, NOW).unwrap();
        prop_assert_eq!(summary(back.annotations.iter()), summary(all.all()));
        prop_assert_eq!(links_of(back.annotations.iter()), links_of(all.all()));
    }

    #[test]
    fn brat_round_trip((article, all) in case()) {
        let e = brat::export(&article, &all, "doc");
        let back = brat::parse_zip(&e.content, &article.source, NOW).unwrap();
        // Types lose their spaces (reported); a span of line breaks only
        // cannot be written (reported).
        let only_breaks = |a: &Annotation| a.target.quote().is_some_and(|q| q.exact.chars().all(|c| c == '\n'));
        // Line breaks at either end are not part of a brat span (reported).
        let trim = |(s, e): (usize, usize)| {
            let chars: Vec<char> = article.slice(s, e).chars().collect();
            let lead = chars.iter().take_while(|c| **c == '\n').count();
            let tail = chars.iter().rev().take_while(|c| **c == '\n').count();
            (s + lead, e - tail)
        };
        let trimmed: Vec<_> = all.all().filter(|a| !only_breaks(a)).filter_map(|a| a.target.range().map(trim)).collect();
        // Two spans that differ only by line breaks at their ends are one in brat.
        prop_assume!(trimmed.iter().collect::<BTreeSet<_>>().len() == trimmed.len());
        let expected: BTreeSet<_> = summary(all.all().filter(|a| !only_breaks(a)))
            .into_iter()
            .map(|(r, tags, note)| (r.map(trim), tags.iter().map(|t| t.replace(' ', "_")).collect(), note))
            .collect();
        prop_assert_eq!(summary(back.annotations.iter()), expected);
        prop_assert!(back.left_out.is_empty(), "{:?}", back.left_out);
        let only_breaks_range = |r: (usize, usize)| article.slice(r.0, r.1).chars().all(|c| c == '\n');
        let expected_links: BTreeSet<_> = links_of(all.all())
            .into_iter()
            .filter(|(f, t, _)| !only_breaks_range(*f) && !only_breaks_range(*t))
            .map(|(f, t, l)| (trim(f), trim(t), l.replace(' ', "_")))
            .collect();
        prop_assert_eq!(links_of(back.annotations.iter()), expected_links);
        if all.all().any(only_breaks) {
            prop_assert!(e.left_out.iter().any(|l| l.contains("只含换行")));
        }
    }

    #[test]
    fn conll_column_decodes_to_the_chosen_spans((article, all) in case(), bioes in any::<bool>()) {
        let scheme = if bioes { Scheme::Bioes } else { Scheme::Bio };
        let options = ConllOptions { scheme, unit: Unit::Characters, tags: None };
        let e = bio::export(&article, &[], &all, &options);
        let text = String::from_utf8(e.content).unwrap();
        // Units and their tags, and where sentences start.
        let mut words = Vec::new();
        let mut tags = Vec::new();
        let mut starts = Vec::new();
        for line in text.lines() {
            if line.is_empty() {
                starts.push(tags.len());
                continue;
            }
            let (w, t) = line.rsplit_once(' ').unwrap();
            words.push(w.to_string());
            tags.push(t.to_string());
        }
        let units = bio::units(&article, &[], Unit::Characters);
        prop_assert_eq!(words.len(), units.len());
        for (w, &(s, e)) in words.iter().zip(&units) {
            prop_assert_eq!(w.as_str(), article.slice(s, e));
        }
        let found = decode(&tags.iter().map(String::as_str).collect::<Vec<_>>(), &starts);
        // Every decoded span lies inside one kept annotation with its label,
        // and every annotation either is covered or is reported.
        let tag_names: Vec<String> = all.tags.iter().map(|t| t.name.clone()).collect();
        let (mentions, _) = annotator::core::formats::mentions(&all);
        let (chosen, _) = bio::choose(&units, &mentions, &tag_names);
        for (first, last, label) in &found {
            prop_assert!(
                chosen.iter().any(|c| c.first <= *first && *last <= c.last && bio_label(&c.label) == *label),
                "{:?} not in {:?}", (first, last, label), chosen
            );
        }
        for c in &chosen {
            let covered: usize = found.iter().filter(|(f, l, _)| c.first <= *f && *l <= c.last).map(|(f, l, _)| l - f).sum();
            prop_assert_eq!(covered, c.last - c.first);
        }
        let kept: usize = chosen.len();
        let wanted: usize = mentions.iter().map(|m| m.annotation.tags.len()).sum();
        if kept < wanted {
            prop_assert!(e.left_out.iter().any(|l| l.contains("重叠") || l.contains("空白")), "{:?}", e.left_out);
        }
    }
}

fn bio_label(tag: &str) -> String {
    tag.split_whitespace().collect::<Vec<_>>().join("_")
}
