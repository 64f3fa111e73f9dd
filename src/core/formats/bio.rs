//! CoNLL-style column files: one token per line, then a space and its BIO or
//! BIOES tag, a blank line after each sentence. Tokens are the words as
//! segmented in the app (the user dictionary applies) or single characters.
//! A column holds one tag per token, so overlapping annotations cannot all
//! go in: the person picks the tags, earlier picks win, and every span left
//! out is reported.

use serde::{Deserialize, Serialize};

use super::{label_without_spaces, mentions, renamed_labels, short, Export, Mention};
use crate::core::article::Article;
use crate::core::segment::{Token, TokenKind};
use crate::core::store::Annotations;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scheme {
    /// B- begins a span, I- continues it, O is outside.
    #[default]
    Bio,
    /// As BIO, with E- ending a span and S- for a span of one token.
    Bioes,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    #[default]
    Words,
    Characters,
}

/// What goes into a CoNLL file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConllOptions {
    pub scheme: Scheme,
    pub unit: Unit,
    /// The tags written, in priority order: where spans overlap, the one
    /// whose tag comes first is kept. `None` is every tag, in the tag
    /// list's order.
    pub tags: Option<Vec<String>>,
}

/// Marks that end a sentence; closing quotes and brackets right after one
/// stay in its sentence.
const SENTENCE_ENDS: &[char] = &['。', '！', '？', '；', '!', '?', ';'];
const CLOSERS: &[char] = &[
    '”', '’', '」', '』', '）', ')', '》', '〉', '】', '〕', '"', '\'',
];

/// Sentences as code point ranges: split after 。！？； (and !?;) and at
/// every block end.
pub fn sentences(article: &Article) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for block in &article.blocks {
        let chars: Vec<char> = block.text.chars().collect();
        let mut from = 0;
        let mut i = 0;
        while i < chars.len() {
            if SENTENCE_ENDS.contains(&chars[i]) {
                i += 1;
                while i < chars.len()
                    && (SENTENCE_ENDS.contains(&chars[i]) || CLOSERS.contains(&chars[i]))
                {
                    i += 1;
                }
                out.push((block.start + from, block.start + i));
                from = i;
            } else {
                i += 1;
            }
        }
        if from < chars.len() {
            out.push((block.start + from, block.start + chars.len()));
        }
    }
    out
}

/// The units a file lists, as code point ranges in order: the words (no
/// whitespace) or every character that is not whitespace.
pub fn units(article: &Article, tokens: &[Token], unit: Unit) -> Vec<(usize, usize)> {
    match unit {
        Unit::Words => tokens
            .iter()
            .filter(|t| t.kind != TokenKind::Space)
            .map(|t| (t.start, t.end))
            .collect(),
        Unit::Characters => article
            .blocks
            .iter()
            .flat_map(|b| {
                b.text
                    .chars()
                    .enumerate()
                    .filter(|(_, c)| !c.is_whitespace())
                    .map(move |(i, _)| (b.start + i, b.start + i + 1))
            })
            .collect(),
    }
}

/// A span kept for a column: units `first..last` (exclusive) and its label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chosen {
    pub first: usize,
    pub last: usize,
    pub label: String,
}

/// The spans a one-tag-per-unit column can hold, and sentences on the rest.
/// Each span covers the units it touches (widened to whole units, counted);
/// candidates go in order of their tag's place in `tags`, then position,
/// longer first; one that shares a unit with a kept span is left out.
pub fn choose(
    units: &[(usize, usize)],
    found: &[Mention<'_>],
    tags: &[String],
) -> (Vec<Chosen>, Vec<String>) {
    struct Candidate<'a> {
        rank: usize,
        first: usize,
        last: usize,
        label: &'a str,
        quote: &'a str,
    }
    let mut candidates = Vec::new();
    let mut not_chosen: Vec<&str> = Vec::new();
    let (mut widened, mut no_unit) = (0, 0);
    for m in found {
        let first = units.partition_point(|u| u.1 <= m.start);
        let last = units.partition_point(|u| u.0 < m.end);
        let quote = m.annotation.target.quote().map_or("", |q| q.exact.as_str());
        for tag in &m.annotation.tags {
            let Some(rank) = tags.iter().position(|t| t == tag) else {
                not_chosen.push(tag);
                continue;
            };
            if first >= last {
                no_unit += 1;
                continue;
            }
            if units[first].0 < m.start || units[last - 1].1 > m.end {
                widened += 1;
            }
            candidates.push(Candidate {
                rank,
                first,
                last,
                label: tag,
                quote,
            });
        }
    }
    candidates.sort_by_key(|c| (c.rank, c.first, usize::MAX - c.last));
    let mut taken = vec![false; units.len()];
    let mut chosen = Vec::new();
    let mut overlapping = Vec::new();
    for c in candidates {
        if taken[c.first..c.last].iter().any(|t| *t) {
            overlapping.push(format!("「{}」（{}）", short(c.quote), c.label));
            continue;
        }
        taken[c.first..c.last].iter_mut().for_each(|t| *t = true);
        chosen.push(Chosen {
            first: c.first,
            last: c.last,
            label: c.label.to_string(),
        });
    }
    chosen.sort_by_key(|c| c.first);

    let mut report = Vec::new();
    if !overlapping.is_empty() {
        const EXAMPLES: usize = 5;
        let more = if overlapping.len() > EXAMPLES {
            "等"
        } else {
            ""
        };
        report.push(format!(
            "{} 个标注与先写入的标注重叠，一列只能放一个标签，未写入：{}{more}",
            overlapping.len(),
            overlapping[..overlapping.len().min(EXAMPLES)].join("、")
        ));
    }
    not_chosen.sort_unstable();
    let skipped = not_chosen.len();
    not_chosen.dedup();
    if skipped > 0 {
        report.push(format!(
            "{skipped} 处标签不在所选标签中，未写入：{}",
            not_chosen.join("、")
        ));
    }
    if widened > 0 {
        report.push(format!(
            "{widened} 个片段的边界在词中间，已扩到整词（可改为按字导出）"
        ));
    }
    if no_unit > 0 {
        report.push(format!("{no_unit} 个片段只含空白，没有可标的词"));
    }
    (chosen, report)
}

/// Tags for `count` units, given the kept spans (sorted, not overlapping)
/// and the first unit of each sentence after the first: a span that runs
/// over a sentence end becomes one span per sentence, since readers start
/// afresh at each blank line. Returns the tags and how many spans were cut.
pub fn encode(
    count: usize,
    chosen: &[Chosen],
    sentence_starts: &[usize],
    scheme: Scheme,
) -> (Vec<String>, usize) {
    let mut tags = vec!["O".to_string(); count];
    let mut cut = 0;
    for c in chosen {
        let label = label_without_spaces(&c.label);
        let mut from = c.first;
        let mut pieces = 0;
        while from < c.last {
            let next_start = sentence_starts[sentence_starts.partition_point(|&s| s <= from)..]
                .first()
                .copied()
                .unwrap_or(usize::MAX);
            let to = c.last.min(next_start);
            for (i, tag) in tags[from..to].iter_mut().enumerate() {
                let at = from + i;
                let prefix = match scheme {
                    Scheme::Bio if at == from => "B",
                    Scheme::Bio => "I",
                    Scheme::Bioes if to - from == 1 => "S",
                    Scheme::Bioes if at == from => "B",
                    Scheme::Bioes if at + 1 == to => "E",
                    Scheme::Bioes => "I",
                };
                *tag = format!("{prefix}-{label}");
            }
            pieces += 1;
            from = to;
        }
        if pieces > 1 {
            cut += 1;
        }
    }
    (tags, cut)
}

/// The CoNLL file for `article` with `tokens` (the app's segmentation).
pub fn export(
    article: &Article,
    tokens: &[Token],
    all: &Annotations,
    options: &ConllOptions,
) -> Export {
    let tags: Vec<String> = options
        .tags
        .clone()
        .unwrap_or_else(|| all.tags.iter().map(|t| t.name.clone()).collect());
    let (found, mut left_out) = mentions(all);
    let units = units(article, tokens, options.unit);
    let (chosen, report) = choose(&units, &found, &tags);
    left_out.extend(report);

    let sentences = sentences(article);
    // The first unit of each sentence, and where each sentence's units end.
    let mut bounds = Vec::with_capacity(sentences.len());
    for &(start, end) in &sentences {
        let first = units.partition_point(|u| u.0 < start);
        let last = units.partition_point(|u| u.0 < end);
        if first < last {
            bounds.push((first, last));
        }
    }
    let starts: Vec<usize> = bounds.iter().skip(1).map(|b| b.0).collect();
    let (column, cut) = encode(units.len(), &chosen, &starts, options.scheme);
    if cut > 0 {
        left_out.push(format!("{cut} 个片段跨越句末，在句末分成了几段"));
    }
    left_out.extend(renamed_labels(chosen.iter().map(|c| c.label.as_str())));
    left_out.extend(super::no_relations(all));

    let mut out = String::with_capacity(article.source.len() * 3);
    for (first, last) in bounds {
        for i in first..last {
            let (s, e) = units[i];
            let word: String = article
                .slice(s, e)
                .chars()
                .map(|c| if c.is_whitespace() { '_' } else { c })
                .collect();
            out.push_str(&word);
            out.push(' ');
            out.push_str(&column[i]);
            out.push('\n');
        }
        out.push('\n');
    }
    Export {
        content: out.into_bytes(),
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::formats::test_support::annotations;

    fn chosen(first: usize, last: usize, label: &str) -> Chosen {
        Chosen {
            first,
            last,
            label: label.into(),
        }
    }

    #[test]
    fn bio_by_hand() {
        // 张三 / 去 / 北京 / 天安门 / 。
        let spans = [chosen(0, 1, "人物"), chosen(2, 4, "地点")];
        let (tags, cut) = encode(5, &spans, &[], Scheme::Bio);
        assert_eq!(tags, ["B-人物", "O", "B-地点", "I-地点", "O"]);
        assert_eq!(cut, 0);
    }

    #[test]
    fn bioes_by_hand() {
        let spans = [
            chosen(0, 1, "人物"),
            chosen(2, 5, "地点"),
            chosen(5, 7, "机构 名"),
        ];
        let (tags, _) = encode(8, &spans, &[], Scheme::Bioes);
        assert_eq!(
            tags,
            [
                "S-人物",
                "O",
                "B-地点",
                "I-地点",
                "E-地点",
                "B-机构_名",
                "E-机构_名",
                "O"
            ]
        );
    }

    #[test]
    fn spans_over_a_sentence_end_are_cut_there() {
        let spans = [chosen(1, 4, "事件")];
        let (bio, cut) = encode(5, &spans, &[3], Scheme::Bio);
        assert_eq!(bio, ["O", "B-事件", "I-事件", "B-事件", "O"]);
        assert_eq!(cut, 1);
        let (bioes, _) = encode(5, &spans, &[3], Scheme::Bioes);
        assert_eq!(bioes, ["O", "B-事件", "E-事件", "S-事件", "O"]);
    }

    #[test]
    fn sentences_end_after_marks_and_closing_quotes() {
        let article = Article::parse("标题\n\n他说：“好！”然后走了。还有？！最后一句\n");
        let s: Vec<&str> = sentences(&article)
            .iter()
            .map(|&(a, b)| article.slice(a, b))
            .collect();
        assert_eq!(
            s,
            ["标题", "他说：“好！”", "然后走了。", "还有？！", "最后一句"]
        );
    }

    #[test]
    fn characters_skip_whitespace_and_count_astral_as_one() {
        let article = Article::parse("标题\n\n𠮶 😀字\n");
        let u = units(&article, &[], Unit::Characters);
        let text: Vec<&str> = u.iter().map(|&(a, b)| article.slice(a, b)).collect();
        assert_eq!(text, ["标", "题", "𠮶", "😀", "字"]);
    }

    #[test]
    fn overlaps_follow_the_tag_order_and_are_reported() {
        let article = Article::parse("标题\n\n张三去北京天安门。\n");
        // Characters: 标题 = 0..2, then 张(4) 三 去 北 京 天 安 门 。
        let all = annotations(
            &article,
            &[
                ("a", 7, 12, &["地点"], ""),
                ("b", 9, 12, &["建筑"], ""),
                ("c", 4, 6, &["人物", "主角"], ""),
            ],
        );
        let options = ConllOptions {
            scheme: Scheme::Bio,
            unit: Unit::Characters,
            tags: Some(vec!["建筑".into(), "地点".into(), "人物".into()]),
        };
        let e = export(&article, &[], &all, &options);
        let text = String::from_utf8(e.content).unwrap();
        assert_eq!(
            text,
            "标 O\n题 O\n\n张 B-人物\n三 I-人物\n去 O\n北 O\n京 O\n天 B-建筑\n安 I-建筑\n门 I-建筑\n。 O\n\n"
        );
        assert!(
            e.left_out
                .iter()
                .any(|l| l.contains("「北京天安门」（地点）")),
            "{:?}",
            e.left_out
        );
        assert!(
            e.left_out.iter().any(|l| l.contains("主角")),
            "{:?}",
            e.left_out
        );
    }

    #[test]
    fn words_are_widened_when_a_span_cuts_one() {
        let article = Article::parse("标题\n\n北京天安门\n");
        let tokens = [
            Token {
                start: 0,
                end: 2,
                kind: TokenKind::Word,
            },
            Token {
                start: 4,
                end: 6,
                kind: TokenKind::Word,
            },
            Token {
                start: 6,
                end: 9,
                kind: TokenKind::Word,
            },
        ];
        let all = annotations(&article, &[("a", 5, 7, &["地点"], "")]);
        let e = export(&article, &tokens, &all, &ConllOptions::default());
        assert_eq!(
            String::from_utf8(e.content).unwrap(),
            "标题 O\n\n北京 B-地点\n天安门 I-地点\n\n"
        );
        assert!(e.left_out.iter().any(|l| l.contains("扩到整词")));
    }
}
