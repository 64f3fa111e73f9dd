//! Word segmentation with jieba-rs, in code points of the source text.
//!
//! Tokens tile each block exactly (every code point of a block is in one
//! token, none is empty), so a word view can render tokens back to back and a
//! selection can be snapped to whole words. Runs of whitespace are one token
//! and punctuation marks are tokens of their own, marked by kind, so the view
//! and the keyword counts can leave them out deliberately.

use jieba_rs::Jieba;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TokenKind {
    Word,
    Punct,
    Space,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: TokenKind,
}

/// Words the person added to or split out of the dictionary.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserDict {
    /// Words to keep whole, e.g. 成渝地区双城经济圈.
    pub join: Vec<String>,
    /// Words to cut, written with `/` between the parts, e.g. 双城/经济圈.
    pub split: Vec<String>,
}

impl UserDict {
    /// Adds a word to keep whole (and forgets a split rule for it).
    pub fn add_join(&mut self, word: &str) {
        let word = word.trim();
        if word.is_empty() {
            return;
        }
        self.split.retain(|s| s.replace('/', "") != word);
        if !self.join.iter().any(|w| w == word) {
            self.join.push(word.to_string());
        }
    }

    /// Adds a split rule `part/part[/part…]` (and forgets a join of that word).
    pub fn add_split(&mut self, rule: &str) {
        let parts: Vec<&str> = rule
            .split('/')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        if parts.len() < 2 {
            return;
        }
        let rule = parts.join("/");
        let whole = parts.concat();
        self.join.retain(|w| *w != whole);
        if !self.split.contains(&rule) {
            self.split.push(rule);
        }
    }

    pub fn remove(&mut self, entry: &str) {
        self.join.retain(|w| w != entry);
        self.split.retain(|w| w != entry);
    }
}

pub struct Segmenter {
    jieba: Jieba,
    splits: Vec<(String, Vec<usize>)>,
}

impl Segmenter {
    /// Loads jieba's embedded dictionary (the slow part: ~100 ms natively).
    pub fn new() -> Self {
        Segmenter {
            jieba: Jieba::prepared(),
            splits: Vec::new(),
        }
    }

    /// Applies a user dictionary. Joined words go into jieba's dictionary with
    /// a frequency high enough to win; split rules cut matching tokens
    /// afterwards, because jieba cannot be told to never join two words.
    pub fn set_user_dict(&mut self, dict: &UserDict) {
        for word in &dict.join {
            let freq = self.jieba.suggest_freq(word);
            self.jieba.add_word(word, Some(freq), None);
        }
        self.splits = dict
            .split
            .iter()
            .map(|rule| {
                let mut cuts = Vec::new();
                let mut at = 0;
                for part in rule.split('/') {
                    at += part.chars().count();
                    cuts.push(at);
                }
                cuts.pop();
                (rule.replace('/', ""), cuts)
            })
            .collect();
    }

    /// Tokens of `text`, with offsets shifted by `base` code points.
    pub fn segment(&self, text: &str, base: usize) -> Vec<Token> {
        let mut out = Vec::with_capacity(text.len() / 4);
        for t in self.jieba.cut(text, true) {
            let (start, end) = (base + t.start, base + t.end);
            if let Some((_, cuts)) = self.splits.iter().find(|(w, _)| w == t.word) {
                let mut from = start;
                for &c in cuts {
                    push_split(&mut out, t.word, start, from, start + c);
                    from = start + c;
                }
                push_split(&mut out, t.word, start, from, end);
            } else {
                push_classified(&mut out, t.word, start, end);
            }
        }
        out
    }

    /// Tokens of the code point ranges `blocks` of `text` (the page's
    /// blocks, in document order).
    pub fn segment_blocks(&self, text: &str, blocks: &[(usize, usize)]) -> Vec<Token> {
        let mut all = Vec::new();
        self.segment_blocks_in_slices(text, blocks, usize::MAX, |slice, _| all.extend(slice));
        all
    }

    /// Like `segment_blocks`, handing the tokens to `emit` a slice at a
    /// time: whole blocks of about `slice_chars` code points together, with
    /// the number of blocks done so far, so a long document's words can be
    /// used as they come. `emit` is called at least once; the slices in
    /// order are exactly `segment_blocks`.
    pub fn segment_blocks_in_slices(
        &self,
        text: &str,
        blocks: &[(usize, usize)],
        slice_chars: usize,
        mut emit: impl FnMut(Vec<Token>, usize),
    ) {
        let index = super::text::CodePointIndex::new(text);
        let mut slice = Vec::new();
        let mut chars = 0;
        for (i, &(s, e)) in blocks.iter().enumerate() {
            slice.extend(self.segment(index.slice(text, s, e), s));
            chars += e - s;
            if chars >= slice_chars || i + 1 == blocks.len() {
                emit(std::mem::take(&mut slice), i + 1);
                chars = 0;
            }
        }
        if blocks.is_empty() {
            emit(slice, 0);
        }
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

/// The words to show while a new segmentation arrives: the `arrived`
/// tokens (the first blocks, segmented anew), then those of `previous` (the
/// last complete segmentation, or nothing) after them. Both tile their
/// blocks, so the result does too.
pub fn splice_tokens(arrived: &[Token], previous: &[Token]) -> Vec<Token> {
    let boundary = arrived.last().map_or(0, |t| t.end);
    let rest = previous.partition_point(|t| t.start < boundary);
    let mut tokens = Vec::with_capacity(arrived.len() + previous.len() - rest);
    tokens.extend_from_slice(arrived);
    tokens.extend_from_slice(&previous[rest..]);
    tokens
}

fn push_split(out: &mut Vec<Token>, word: &str, word_start: usize, from: usize, to: usize) {
    if to > from {
        let part: String = word
            .chars()
            .skip(from - word_start)
            .take(to - from)
            .collect();
        push_classified(out, &part, from, to);
    }
}

/// jieba returns a run of whitespace as one word and may glue ASCII
/// punctuation to nothing else; classify each piece, splitting mixed pieces
/// so punctuation always stands alone.
fn push_classified(out: &mut Vec<Token>, word: &str, start: usize, end: usize) {
    if word.chars().all(char::is_whitespace) {
        out.push(Token {
            start,
            end,
            kind: TokenKind::Space,
        });
        return;
    }
    if !word.chars().any(is_punct) {
        out.push(Token {
            start,
            end,
            kind: TokenKind::Word,
        });
        return;
    }
    let mut run_start = start;
    let mut run_kind: Option<TokenKind> = None;
    for (i, c) in word.chars().enumerate() {
        let at = start + i;
        let kind = char_kind(c);
        // Each punctuation mark is its own token; letters and spaces form runs.
        if let Some(prev) = run_kind.filter(|&p| p != kind || kind == TokenKind::Punct) {
            out.push(Token {
                start: run_start,
                end: at,
                kind: prev,
            });
            run_start = at;
        }
        run_kind = Some(kind);
    }
    if let Some(kind) = run_kind {
        out.push(Token {
            start: run_start,
            end,
            kind,
        });
    }
}

fn char_kind(c: char) -> TokenKind {
    if c.is_whitespace() {
        TokenKind::Space
    } else if is_punct(c) {
        TokenKind::Punct
    } else {
        TokenKind::Word
    }
}

/// ASCII and CJK punctuation and symbols (、。，“”《》…—· and friends).
pub fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c, '\u{2010}'..='\u{205F}' | '\u{3000}'..='\u{303F}' | '\u{FE30}'..='\u{FE4F}' | '\u{FF00}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}' | '·')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn seg() -> &'static Segmenter {
        static S: OnceLock<Segmenter> = OnceLock::new();
        S.get_or_init(Segmenter::new)
    }

    fn words(text: &str, tokens: &[Token]) -> Vec<String> {
        tokens
            .iter()
            .map(|t| text.chars().skip(t.start).take(t.end - t.start).collect())
            .collect()
    }

    #[test]
    fn slices_are_whole_blocks_and_add_up_to_the_whole() {
        let text = "第一段：研究生命起源。\n\n第二段有😀表情。\n\n第三段𠀀字。";
        let blocks = [(0, 11), (13, 21), (23, 29)];
        let whole = seg().segment_blocks(text, &blocks);
        for slice_chars in [0, 1, 10, 20, usize::MAX] {
            let mut slices = Vec::new();
            seg().segment_blocks_in_slices(text, &blocks, slice_chars, |tokens, done| {
                slices.push((tokens, done))
            });
            let done: Vec<usize> = slices.iter().map(|(_, d)| *d).collect();
            assert_eq!(done.last(), Some(&3), "{slice_chars}");
            assert!(done.windows(2).all(|w| w[0] < w[1]), "{slice_chars}");
            // Each slice ends where its last block ends.
            for (tokens, done) in &slices {
                assert_eq!(tokens.last().map(|t| t.end), Some(blocks[done - 1].1));
            }
            let joined: Vec<Token> = slices.into_iter().flat_map(|(t, _)| t).collect();
            assert_eq!(joined, whole, "{slice_chars}");
        }
        let mut calls = 0;
        seg().segment_blocks_in_slices(text, &[], 10, |tokens, done| {
            assert!(tokens.is_empty() && done == 0);
            calls += 1;
        });
        assert_eq!(calls, 1);
    }

    #[test]
    fn arriving_words_replace_the_previous_ones_block_by_block() {
        let word = |start, end| Token {
            start,
            end,
            kind: TokenKind::Word,
        };
        let previous = [word(0, 2), word(2, 4), word(6, 9), word(11, 12)];
        let arrived = [word(0, 4), word(6, 7), word(7, 9)];
        assert_eq!(
            splice_tokens(&arrived, &previous),
            [word(0, 4), word(6, 7), word(7, 9), word(11, 12)]
        );
        assert_eq!(splice_tokens(&[], &previous), previous);
        assert_eq!(splice_tokens(&arrived, &[]), arrived);
    }

    #[test]
    fn tokens_tile_the_text_in_code_points() {
        let text = "重庆😀𠮶 发展，高质量。";
        let tokens = seg().segment(text, 0);
        let mut at = 0;
        for t in &tokens {
            assert_eq!(t.start, at);
            assert!(t.end > t.start);
            at = t.end;
        }
        assert_eq!(at, text.chars().count());
        assert_eq!(words(text, &tokens).concat(), text);
    }

    #[test]
    fn punctuation_and_space_are_their_own_kinds() {
        let text = "重庆，发展。 “好”";
        let tokens = seg().segment(text, 10);
        assert_eq!(tokens[0].start, 10);
        let kinds: Vec<_> = tokens.iter().map(|t| t.kind).collect();
        assert!(kinds.contains(&TokenKind::Punct));
        assert!(kinds.contains(&TokenKind::Space));
        for t in &tokens {
            if t.kind == TokenKind::Punct {
                assert_eq!(t.end - t.start, 1);
            }
        }
    }

    #[test]
    fn user_words_join_and_split() {
        let text = "推动成渝地区双城经济圈建设";
        let mut s = Segmenter::new();
        let before = words(text, &s.segment(text, 0));
        assert!(
            !before.contains(&"成渝地区双城经济圈".to_string()),
            "{before:?}"
        );
        let mut dict = UserDict::default();
        dict.add_join("成渝地区双城经济圈");
        s.set_user_dict(&dict);
        let after = words(text, &s.segment(text, 0));
        assert!(
            after.contains(&"成渝地区双城经济圈".to_string()),
            "{after:?}"
        );

        dict.add_split("成渝地区/双城经济圈");
        assert!(dict.join.is_empty());
        s.set_user_dict(&dict);
        let split = words(text, &s.segment(text, 0));
        assert!(
            split.contains(&"成渝地区".to_string()) && split.contains(&"双城经济圈".to_string()),
            "{split:?}"
        );
        assert_eq!(split.concat(), text);
    }
}
