//! Selections snapped to whole words and kept inside one block.

use super::article::Article;
use super::segment::{Token, TokenKind};

/// Extends `start..end` (code points) so it neither starts nor ends inside a
/// word, then drops whitespace at either end. `tokens` must be sorted and
/// non-overlapping (as the segmenter returns them); positions not covered by
/// any token are left as they are.
pub fn snap_to_words(tokens: &[Token], start: usize, end: usize) -> (usize, usize) {
    if start >= end {
        return (start, start);
    }
    let containing = |pos: usize| {
        let i = tokens.partition_point(|t| t.end <= pos);
        tokens.get(i).filter(|t| t.start <= pos)
    };
    let mut s = containing(start).map_or(start, |t| t.start);
    let mut e = containing(end - 1).map_or(end, |t| t.end);
    // Trim whitespace tokens at the edges.
    while let Some(t) = containing(s).filter(|t| t.kind == TokenKind::Space && t.end <= e) {
        s = t.end;
    }
    while e > s {
        match containing(e - 1) {
            Some(t) if t.kind == TokenKind::Space && t.start >= s => e = t.start,
            _ => break,
        }
    }
    if s >= e {
        (start, start)
    } else {
        (s, e)
    }
}

/// Keeps a selection inside the block where it starts: a selection that
/// starts between blocks moves to the next block, one that runs past its
/// block is cut at the block's end. Returns the block index and the range, or
/// `None` when nothing of a block is selected.
pub fn clamp_to_block(
    article: &Article,
    start: usize,
    end: usize,
) -> Option<(usize, usize, usize)> {
    let i = article.blocks.partition_point(|b| b.end <= start);
    let b = article.blocks.get(i)?;
    let (s, e) = (start.max(b.start), end.min(b.end));
    (s < e).then_some((i, s, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::segment::TokenKind::{Punct, Space, Word};

    fn t(start: usize, end: usize, kind: TokenKind) -> Token {
        Token { start, end, kind }
    }

    // 重庆|发展|，|高质量|␠|𠮶😀   (code points 0..12)
    fn tokens() -> Vec<Token> {
        vec![
            t(0, 2, Word),
            t(2, 4, Word),
            t(4, 5, Punct),
            t(5, 8, Word),
            t(8, 9, Space),
            t(9, 11, Word),
        ]
    }

    #[test]
    fn inside_a_word_extends_to_the_whole_word() {
        assert_eq!(snap_to_words(&tokens(), 1, 2), (0, 2));
        assert_eq!(snap_to_words(&tokens(), 6, 7), (5, 8));
    }

    #[test]
    fn across_words_extends_both_ends() {
        assert_eq!(snap_to_words(&tokens(), 1, 6), (0, 8));
        assert_eq!(snap_to_words(&tokens(), 0, 4), (0, 4));
    }

    #[test]
    fn punctuation_is_kept_as_selected() {
        assert_eq!(snap_to_words(&tokens(), 4, 5), (4, 5));
        assert_eq!(snap_to_words(&tokens(), 3, 5), (2, 5));
    }

    #[test]
    fn whitespace_at_the_edges_is_dropped() {
        assert_eq!(snap_to_words(&tokens(), 8, 10), (9, 11));
        assert_eq!(snap_to_words(&tokens(), 6, 9), (5, 8));
        assert_eq!(snap_to_words(&tokens(), 8, 9), (8, 8));
    }

    #[test]
    fn empty_selection_stays_empty() {
        assert_eq!(snap_to_words(&tokens(), 3, 3), (3, 3));
        assert_eq!(snap_to_words(&tokens(), 5, 2), (5, 5));
    }

    #[test]
    fn characters_outside_the_bmp_count_once() {
        // Selecting only 😀 (code point 10) snaps to the word 𠮶😀.
        assert_eq!(snap_to_words(&tokens(), 10, 11), (9, 11));
    }

    #[test]
    fn positions_without_tokens_are_unchanged() {
        assert_eq!(snap_to_words(&[], 2, 5), (2, 5));
        assert_eq!(snap_to_words(&tokens(), 11, 14), (11, 14));
    }

    #[test]
    fn clamps_to_the_block_where_the_selection_starts() {
        let a = Article::parse("标题\n\n  第一段。\n\n  第二段。\n");
        let (p1, p2) = (&a.blocks[1], &a.blocks[2]);
        assert_eq!(
            clamp_to_block(&a, p1.start + 1, p2.start + 2),
            Some((1, p1.start + 1, p1.end))
        );
        // Starting in the blank line between blocks moves into the next block.
        assert_eq!(
            clamp_to_block(&a, p1.end + 1, p2.start + 2),
            Some((2, p2.start, p2.start + 2))
        );
        assert_eq!(clamp_to_block(&a, p2.end, p2.end + 3), None);
        assert_eq!(clamp_to_block(&a, p2.start, p2.start), None);
    }

    proptest::proptest! {
        #[test]
        fn snapped_ranges_start_and_end_on_token_boundaries(
            lens in proptest::collection::vec((1usize..5, 0u8..3), 1..30),
            a in 0usize..120,
            b in 0usize..120,
        ) {
            let mut toks = Vec::new();
            let mut at = 0;
            for (len, k) in lens {
                let kind = [Word, Punct, Space][k as usize];
                toks.push(t(at, at + len, kind));
                at += len;
            }
            let (a, b) = (a.min(b).min(at), a.max(b).min(at));
            let (s, e) = snap_to_words(&toks, a, b);
            if s < e {
                proptest::prop_assert!(toks.iter().any(|t| t.start == s));
                proptest::prop_assert!(toks.iter().any(|t| t.end == e));
                // Never loses a selected word character.
                for tk in toks.iter().filter(|tk| tk.kind != Space && tk.start < b && tk.end > a) {
                    proptest::prop_assert!(s <= tk.start && tk.end <= e);
                }
            }
        }
    }
}
