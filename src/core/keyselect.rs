//! Selecting a passage from the keyboard, a word at a time, inside one block:
//! the same whole-word ranges a mouse selection snaps to, so the flow works
//! without a mouse.

use super::article::Article;
use super::segment::{Token, TokenKind};

/// One key press of the keyboard selection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WordStep {
    /// The end takes in the next word.
    ExtendEnd,
    /// The end gives back its last word (one word always stays selected).
    ShrinkEnd,
    /// The start takes in the previous word.
    ExtendStart,
    /// The start gives back its first word.
    ShrinkStart,
    /// The first word of the next block that has one.
    NextBlock,
    /// The first word of the previous block that has one.
    PreviousBlock,
}

/// The selectable units of block `i`, in order: its tokens other than
/// whitespace or, while the tokens are not known, its code points other
/// than whitespace.
fn units(article: &Article, tokens: &[Token], i: usize) -> Vec<(usize, usize)> {
    let b = &article.blocks[i];
    let from = tokens.partition_point(|t| t.end <= b.start);
    let to = tokens.partition_point(|t| t.start < b.end);
    if from < to {
        tokens[from..to]
            .iter()
            .filter(|t| t.kind != TokenKind::Space)
            .map(|t| (t.start.max(b.start), t.end.min(b.end)))
            .collect()
    } else {
        b.text
            .chars()
            .enumerate()
            .filter(|(_, c)| !c.is_whitespace())
            .map(|(k, _)| (b.start + k, b.start + k + 1))
            .collect()
    }
}

/// The first word of block `block`, if it has one.
pub fn first_word(article: &Article, tokens: &[Token], block: usize) -> Option<(usize, usize)> {
    units(article, tokens, block).first().copied()
}

/// The selection `range` after one `step`. A range that is not inside a
/// block is returned unchanged.
pub fn step(
    article: &Article,
    tokens: &[Token],
    range: (usize, usize),
    step: WordStep,
) -> (usize, usize) {
    let (start, end) = range;
    let Some(i) = article.block_at(start) else {
        return range;
    };
    match step {
        WordStep::NextBlock => {
            return (i + 1..article.blocks.len())
                .find_map(|j| first_word(article, tokens, j))
                .unwrap_or(range)
        }
        WordStep::PreviousBlock => {
            return (0..i)
                .rev()
                .find_map(|j| first_word(article, tokens, j))
                .unwrap_or(range)
        }
        _ => {}
    }
    let units = units(article, tokens, i);
    let Some(mut first) = units.iter().position(|&(_, e)| e > start) else {
        return range;
    };
    let mut last = units
        .iter()
        .rposition(|&(s, _)| s < end)
        .unwrap_or(first)
        .max(first);
    match step {
        WordStep::ExtendEnd => last = (last + 1).min(units.len() - 1),
        WordStep::ShrinkEnd => last = last.saturating_sub(1).max(first),
        WordStep::ExtendStart => first = first.saturating_sub(1),
        WordStep::ShrinkStart => first = (first + 1).min(last),
        WordStep::NextBlock | WordStep::PreviousBlock => unreachable!("handled above"),
    }
    (units[first].0, units[last].1)
}

#[cfg(test)]
mod tests {
    use super::WordStep::*;
    use super::*;
    use crate::core::segment::TokenKind::{Punct, Space, Word};

    fn t(start: usize, end: usize, kind: TokenKind) -> Token {
        Token { start, end, kind }
    }

    /// Title 标题 (0..2); paragraph 重庆发展，高质量 𠮶😀 (4..16, 8 code
    /// points of words, a comma and a space); paragraph 再见 (18..20).
    fn fixture() -> (Article, Vec<Token>) {
        let a = Article::parse("标题\n\n  重庆发展，高质量 𠮶😀\n\n  再见\n");
        let p = &a.blocks[1];
        let tokens = vec![
            t(0, 2, Word),
            t(p.start, p.start + 2, Word),
            t(p.start + 2, p.start + 4, Word),
            t(p.start + 4, p.start + 5, Punct),
            t(p.start + 5, p.start + 8, Word),
            t(p.start + 8, p.start + 9, Space),
            t(p.start + 9, p.start + 11, Word),
            t(a.blocks[2].start, a.blocks[2].end, Word),
        ];
        (a, tokens)
    }

    fn quote(a: &Article, (s, e): (usize, usize)) -> String {
        a.source.chars().skip(s).take(e - s).collect()
    }

    #[test]
    fn the_first_word_of_a_block() {
        let (a, tokens) = fixture();
        assert_eq!(quote(&a, first_word(&a, &tokens, 1).unwrap()), "重庆");
    }

    #[test]
    fn the_end_moves_a_word_at_a_time_skipping_whitespace() {
        let (a, tokens) = fixture();
        let mut r = first_word(&a, &tokens, 1).unwrap();
        let mut seen = Vec::new();
        for _ in 0..6 {
            r = step(&a, &tokens, r, ExtendEnd);
            seen.push(quote(&a, r));
        }
        assert_eq!(
            seen,
            [
                "重庆发展",
                "重庆发展，",
                "重庆发展，高质量",
                "重庆发展，高质量 𠮶😀",
                "重庆发展，高质量 𠮶😀",
                "重庆发展，高质量 𠮶😀"
            ]
        );
        // Characters outside the BMP count once: the range ends at the block's end.
        assert_eq!(r.1, a.blocks[1].end);
        r = step(&a, &tokens, r, ShrinkEnd);
        assert_eq!(quote(&a, r), "重庆发展，高质量");
    }

    #[test]
    fn one_word_always_stays_selected() {
        let (a, tokens) = fixture();
        let r = first_word(&a, &tokens, 1).unwrap();
        assert_eq!(step(&a, &tokens, r, ShrinkEnd), r);
        assert_eq!(step(&a, &tokens, r, ShrinkStart), r);
        assert_eq!(
            step(&a, &tokens, r, ExtendStart),
            r,
            "no word before the first"
        );
    }

    #[test]
    fn the_start_moves_a_word_at_a_time() {
        let (a, tokens) = fixture();
        let mut r = first_word(&a, &tokens, 1).unwrap();
        for _ in 0..3 {
            r = step(&a, &tokens, r, ExtendEnd);
        }
        r = step(&a, &tokens, r, ShrinkStart);
        assert_eq!(quote(&a, r), "发展，高质量");
        r = step(&a, &tokens, r, ExtendStart);
        assert_eq!(quote(&a, r), "重庆发展，高质量");
    }

    #[test]
    fn blocks_are_changed_whole() {
        let (a, tokens) = fixture();
        let r = first_word(&a, &tokens, 1).unwrap();
        let next = step(&a, &tokens, r, NextBlock);
        assert_eq!(quote(&a, next), "再见");
        assert_eq!(
            step(&a, &tokens, next, NextBlock),
            next,
            "no block after the last"
        );
        assert_eq!(quote(&a, step(&a, &tokens, r, PreviousBlock)), "标题");
    }

    #[test]
    fn before_segmentation_units_are_characters() {
        let (a, _) = fixture();
        let mut r = first_word(&a, &[], 1).unwrap();
        assert_eq!(quote(&a, r), "重");
        for _ in 0..8 {
            r = step(&a, &[], r, ExtendEnd);
        }
        assert_eq!(
            quote(&a, r),
            "重庆发展，高质量 𠮶",
            "the space is not a unit"
        );
    }

    #[test]
    fn a_range_outside_every_block_is_left_alone() {
        let (a, tokens) = fixture();
        let gap = (a.blocks[0].end, a.blocks[0].end + 1);
        assert_eq!(step(&a, &tokens, gap, ExtendEnd), gap);
    }

    proptest::proptest! {
        /// Any sequence of key presses keeps a non-empty range inside one
        /// block, starting and ending on token boundaries.
        #[test]
        fn any_steps_keep_a_whole_word_range_in_one_block(
            steps in proptest::collection::vec(0usize..6, 0..40),
        ) {
            let (a, tokens) = fixture();
            let all = [ExtendEnd, ShrinkEnd, ExtendStart, ShrinkStart, NextBlock, PreviousBlock];
            let mut r = first_word(&a, &tokens, 0).unwrap();
            for k in steps {
                r = step(&a, &tokens, r, all[k]);
                let b = &a.blocks[a.block_at(r.0).unwrap()];
                proptest::prop_assert!(r.0 < r.1 && r.1 <= b.end);
                proptest::prop_assert!(tokens.iter().any(|t| t.start == r.0));
                proptest::prop_assert!(tokens.iter().any(|t| t.end == r.1));
            }
        }
    }
}
