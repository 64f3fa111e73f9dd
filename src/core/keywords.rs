//! Keywords of a segmented text, by frequency and by TextRank, computed from
//! the app's own tokens (so the person's dictionary counts) with stop words,
//! punctuation, numbers and single characters left out.
//!
//! jieba-rs has TF-IDF and TextRank built in, but they pull its IDF table and
//! part-of-speech model into the worker (5.4 MB gzip instead of ~2 MB), so
//! TextRank is done here over the tokens instead.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::article::Article;
use super::segment::{is_punct, Token, TokenKind};
use super::text::CodePointIndex;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Keywords {
    /// (word, occurrences)
    pub frequency: Vec<(String, f64)>,
    /// (word, TextRank score scaled so the top word is 1)
    pub textrank: Vec<(String, f64)>,
}

/// Words two positions apart or closer are linked in the TextRank graph.
const WINDOW: usize = 5;
const DAMPING: f64 = 0.85;
const ITERATIONS: usize = 20;

pub fn keywords(article: &Article, tokens: &[Token], top: usize) -> Keywords {
    // Content words per block, as ids into `words`.
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut words: Vec<&str> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut sequences: Vec<Vec<usize>> = Vec::new();
    let mut at = 0;
    for b in &article.blocks {
        let index = CodePointIndex::new(&b.text);
        let mut seq = Vec::new();
        while at < tokens.len() && tokens[at].start < b.end {
            let t = tokens[at];
            at += 1;
            if t.kind != TokenKind::Word || t.start < b.start {
                continue;
            }
            let w = index.slice(&b.text, t.start - b.start, t.end - b.start);
            if !is_content_word(w) {
                continue;
            }
            let id = *ids.entry(w).or_insert_with(|| {
                words.push(w);
                counts.push(0);
                words.len() - 1
            });
            counts[id] += 1;
            seq.push(id);
        }
        sequences.push(seq);
    }

    let mut frequency: Vec<(String, f64)> = words
        .iter()
        .zip(&counts)
        .map(|(w, &n)| (w.to_string(), n as f64))
        .collect();
    sort_desc(&mut frequency);
    frequency.truncate(top);

    // Undirected co-occurrence graph, then PageRank.
    let n = words.len();
    let mut edges: HashMap<(usize, usize), f64> = HashMap::new();
    for seq in &sequences {
        for (i, &a) in seq.iter().enumerate() {
            for &b in seq.iter().skip(i + 1).take(WINDOW - 1) {
                if a != b {
                    *edges.entry((a.min(b), a.max(b))).or_default() += 1.0;
                }
            }
        }
    }
    let mut adjacency: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for (&(a, b), &w) in &edges {
        adjacency[a].push((b, w));
        adjacency[b].push((a, w));
    }
    let out_weight: Vec<f64> = adjacency
        .iter()
        .map(|adj| adj.iter().map(|e| e.1).sum())
        .collect();
    let mut score = vec![1.0; n];
    for _ in 0..ITERATIONS {
        let mut next = vec![1.0 - DAMPING; n];
        for (v, adj) in adjacency.iter().enumerate() {
            for &(u, w) in adj {
                next[v] += DAMPING * w / out_weight[u] * score[u];
            }
        }
        score = next;
    }
    let max = score
        .iter()
        .cloned()
        .fold(f64::MIN, f64::max)
        .max(f64::MIN_POSITIVE);
    let mut textrank: Vec<(String, f64)> = words
        .iter()
        .zip(&score)
        .filter(|(_, &s)| s > 0.0)
        .map(|(w, &s)| (w.to_string(), s / max))
        .collect();
    sort_desc(&mut textrank);
    textrank.truncate(top);
    Keywords {
        frequency,
        textrank,
    }
}

fn sort_desc(v: &mut [(String, f64)]) {
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
}

/// Common function words that carry no topic.
const STOP_WORDS: &[&str] = &[
    "的", "了", "和", "是", "在", "我", "有", "就", "不", "人", "都", "一", "一个", "上", "也",
    "很", "到", "说", "要", "去", "你", "会", "着", "没有", "看", "好", "自己", "这", "那", "与",
    "及", "等", "为", "以", "对", "把", "将", "从", "中", "而", "并", "其", "之", "我们", "他们",
    "这个", "这些", "一些", "进行", "通过", "以及", "等等", "不断", "更加", "加快", "坚持", "推动",
    "推进", "加强", "全面", "深入", "持续", "努力", "积极", "实施", "提出",
];

pub fn is_content_word(w: &str) -> bool {
    w.chars().count() >= 2
        && !w.chars().any(|c| is_punct(c) || c.is_whitespace())
        && !w.chars().any(|c| c.is_ascii_digit())
        && !STOP_WORDS.contains(&w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::segment::Segmenter;

    #[test]
    fn keywords_of_the_seed_leave_out_stop_words_and_punctuation() {
        let article = Article::parse(include_str!("../../seeds/000_dd504da93b3e7f9a.txt"));
        let blocks: Vec<(usize, usize)> = article.blocks.iter().map(|b| (b.start, b.end)).collect();
        let tokens = Segmenter::new().segment_blocks(&article.source, &blocks);
        let k = keywords(&article, &tokens, 10);
        for list in [&k.frequency, &k.textrank] {
            assert_eq!(list.len(), 10);
            assert!(list.iter().all(|(w, _)| is_content_word(w)), "{list:?}");
        }
        assert!(
            k.frequency[..3].iter().any(|(w, _)| w == "重庆"),
            "{:?}",
            k.frequency
        );
        assert!(k.frequency.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(
            k.textrank.iter().any(|(w, _)| w == "重庆" || w == "发展"),
            "{:?}",
            k.textrank
        );
        assert!((k.textrank[0].1 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn empty_text_has_no_keywords() {
        let article = Article::parse("");
        assert_eq!(keywords(&article, &[], 5), Keywords::default());
    }

    #[test]
    fn stop_words_numbers_and_single_characters_are_not_keywords() {
        for w in ["的", "我们", "2023", "，", "重", "a b"] {
            assert!(!is_content_word(w), "{w}");
        }
        assert!(is_content_word("重庆"));
    }
}
