//! Statistics of one document's annotations: counts per tag and per
//! relation label, per heading section, density along the text, and the
//! words most often annotated with each tag (as segmented in the app).

use std::collections::HashMap;

use super::annotation::Target;
use super::article::{Article, BlockKind};
use super::formats::csv::table;
use super::segment::{Token, TokenKind};
use super::store::Annotations;

/// How many words per tag are listed.
pub const TOP_WORDS: usize = 5;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// The heading's text (the part before the first heading is named by
    /// the document's title).
    pub title: String,
    /// Index of its first block.
    pub first_block: usize,
    /// Annotations starting in it, per tag, in the tag list's order.
    pub counts: Vec<(String, usize)>,
    pub total: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statistics {
    /// Annotations per tag (relations not counted), in the tag list's order.
    pub tags: Vec<(String, usize)>,
    /// Relations per label.
    pub relations: Vec<(String, usize)>,
    pub sections: Vec<Section>,
    /// Annotations starting in each of `bins` equal stretches of the text.
    pub density: Vec<usize>,
    /// Per tag, its most frequent annotated words with their counts.
    pub top_words: Vec<(String, Vec<(String, usize)>)>,
}

/// The statistics of `all` on `article`, with the text cut into `bins`
/// stretches for the density strip; `tokens` are the app's words.
pub fn compute(article: &Article, all: &Annotations, tokens: &[Token], bins: usize) -> Statistics {
    let order: Vec<&str> = all.tags.iter().map(|t| t.name.as_str()).collect();
    let in_order = |counts: HashMap<&str, usize>| -> Vec<(String, usize)> {
        order
            .iter()
            .filter_map(|t| counts.get(t).map(|n| (t.to_string(), *n)))
            .filter(|(_, n)| *n > 0)
            .collect()
    };
    let mut tag_counts: HashMap<&str, usize> = HashMap::new();
    let mut relation_counts: HashMap<&str, usize> = HashMap::new();

    // Sections: a heading starts one; what comes before is the title's.
    let mut sections: Vec<(Section, HashMap<&str, usize>)> = vec![(
        Section {
            title: article.title().to_string(),
            first_block: 0,
            ..Section::default()
        },
        HashMap::new(),
    )];
    let mut section_of_block = Vec::with_capacity(article.blocks.len());
    for (i, b) in article.blocks.iter().enumerate() {
        if b.kind == BlockKind::Heading {
            sections.push((
                Section {
                    title: b.text.clone(),
                    first_block: i,
                    ..Section::default()
                },
                HashMap::new(),
            ));
        }
        section_of_block.push(sections.len() - 1);
    }
    let mut words: HashMap<&str, HashMap<&str, usize>> = HashMap::new();
    for a in all.annotations.iter() {
        if a.target.ends().is_some() {
            for t in &a.tags {
                *relation_counts.entry(t).or_default() += 1;
            }
            continue;
        }
        for t in &a.tags {
            *tag_counts.entry(t).or_default() += 1;
        }
        let Some((start, end)) = a.target.range() else {
            continue;
        };
        if let Some(block) = article.block_at(start) {
            let (section, counts) = &mut sections[section_of_block[block]];
            section.total += 1;
            for t in &a.tags {
                *counts.entry(t).or_default() += 1;
            }
        }
        // Words wholly inside a passage (a paragraph label is not a word's).
        if matches!(a.target, Target::Passage { .. }) {
            let first = tokens.partition_point(|w| w.start < start);
            for w in tokens[first..].iter().take_while(|w| w.end <= end) {
                if w.kind == TokenKind::Word {
                    let word = article.slice(w.start, w.end);
                    for t in &a.tags {
                        *words.entry(t).or_default().entry(word).or_default() += 1;
                    }
                }
            }
        }
    }
    let top_words = order
        .iter()
        .filter_map(|t| {
            let mut list: Vec<(String, usize)> = words
                .get(t)?
                .iter()
                .map(|(w, n)| (w.to_string(), *n))
                .collect();
            list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            list.truncate(TOP_WORDS);
            Some((t.to_string(), list))
        })
        .collect();
    Statistics {
        tags: in_order(tag_counts),
        relations: in_order(relation_counts),
        sections: sections
            .into_iter()
            .filter(|(s, _)| s.total > 0)
            .map(|(mut s, counts)| {
                s.counts = in_order(counts);
                s
            })
            .collect(),
        density: density(article, all, bins),
        top_words,
    }
}

/// Annotations (relations not counted) starting in each of `bins` equal
/// stretches of the text.
pub fn density(article: &Article, all: &Annotations, bins: usize) -> Vec<usize> {
    let bins = bins.max(1);
    let length = article.char_len().max(1);
    let mut out = vec![0; bins];
    for a in all.annotations.iter() {
        if let Some((start, _)) = a.target.range() {
            out[(start * bins / length).min(bins - 1)] += 1;
        }
    }
    out
}

/// The statistics as one CSV table (RFC 4180, BOM): a row per figure,
/// with what it counts. `library` is every document's count per tag.
pub fn to_csv(s: &Statistics, library: &[(String, usize)]) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let row = |what: &str, scope: &str, name: &str, n: usize| {
        vec![
            what.to_string(),
            scope.to_string(),
            name.to_string(),
            n.to_string(),
        ]
    };
    for (t, n) in &s.tags {
        rows.push(row("标签", "本文档", t, *n));
    }
    for (t, n) in &s.relations {
        rows.push(row("关系", "本文档", t, *n));
    }
    for section in &s.sections {
        for (t, n) in &section.counts {
            rows.push(row("标签", &format!("章节：{}", section.title), t, *n));
        }
    }
    for (t, n) in library {
        rows.push(row("标签", "全文库", t, *n));
    }
    for (t, list) in &s.top_words {
        for (w, n) in list {
            rows.push(row("高频词", t, w, *n));
        }
    }
    table(&["统计", "范围", "名称", "数量"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::annotation::Annotation;
    use crate::core::formats::test_support::annotations;
    use std::rc::Rc;

    #[test]
    fn counts_sections_density_and_words() {
        let article =
            Article::parse("标题\n\n一、北京\n\n北京很大。北京人多。\n\n二、上海\n\n上海也大。\n");
        let blocks: Vec<(usize, usize)> = article.blocks.iter().map(|b| (b.start, b.end)).collect();
        // 北京 at the start of the first paragraph, twice; 上海 once.
        let p1 = blocks[2].0;
        let p2 = blocks[4].0;
        let w = |start, end| Token {
            start,
            end,
            kind: TokenKind::Word,
        };
        let tokens = [
            w(p1, p1 + 2),
            w(p1 + 2, p1 + 3),
            w(p1 + 5, p1 + 7),
            w(p2, p2 + 2),
        ];
        let mut all = annotations(
            &article,
            &[
                ("a", p1, p1 + 2, &["地点"], ""),
                ("b", p1 + 5, p1 + 7, &["地点"], ""),
                ("c", p2, p2 + 2, &["地点", "城市"], ""),
            ],
        );
        all.annotations.push(Rc::new(Annotation {
            id: "r".into(),
            created: String::new(),
            modified: String::new(),
            tags: vec!["相邻".into()],
            note: String::new(),
            target: Target::Relation {
                from: "a".into(),
                to: "c".into(),
            },
        }));
        all.ensure_used_tags();
        let s = compute(&article, &all, &tokens, 4);
        assert_eq!(s.tags, [("地点".to_string(), 3), ("城市".to_string(), 1)]);
        assert_eq!(s.relations, [("相邻".to_string(), 1)]);
        let titles: Vec<(&str, usize)> = s
            .sections
            .iter()
            .map(|x| (x.title.as_str(), x.total))
            .collect();
        assert_eq!(titles, [("一、北京", 2), ("二、上海", 1)]);
        assert_eq!(s.density.iter().sum::<usize>(), 3);
        assert_eq!(
            s.top_words[0],
            (
                "地点".to_string(),
                vec![("北京".to_string(), 2), ("上海".to_string(), 1)]
            )
        );
        let csv = String::from_utf8(to_csv(&s, &[("地点".into(), 7)])).unwrap();
        assert!(
            csv.starts_with("\u{feff}统计,范围,名称,数量\r\n标签,本文档,地点,3\r\n"),
            "{csv}"
        );
        assert!(csv.contains("标签,全文库,地点,7\r\n"));
        assert!(csv.contains("高频词,地点,北京,2\r\n"));
    }
}
