//! Re-anchoring: finding where an annotation's quote is in a text that may
//! have changed since the annotation was made. In order: the stored
//! position if it still holds the exact quote; else the exact quote, ranked
//! by how well prefix and suffix match and how near the old position it is
//! (Hypothesis' weights: quote 50, prefix 20, suffix 20, position 2); else an
//! approximate match with a bounded number of errors. What cannot be placed
//! is an orphan: the caller keeps it.

use super::annotation::TextQuote;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// The stored position still holds the quote.
    Position,
    /// The exact quote was found elsewhere.
    Quote,
    /// An approximate match with this many edits.
    Fuzzy(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Anchor {
    pub start: usize,
    pub end: usize,
    pub method: Method,
}

/// Longest quote matched approximately as a whole; longer quotes are placed
/// by their first and last `EDGE` characters.
const FUZZY_WHOLE_MAX: usize = 256;
const EDGE: usize = 64;

/// Places `quote` in `source` (code points), using `hint` (the stored
/// position) to choose among candidates. `None` means an orphan.
pub fn anchor(source: &str, quote: &TextQuote, hint: Option<(usize, usize)>) -> Option<Anchor> {
    let text: Vec<char> = source.chars().collect();
    anchor_in(&text, quote, hint)
}

/// `anchor` over the text's code points, decoded once by the caller (an
/// import places thousands of quotes in the same text).
pub fn anchor_in(text: &[char], quote: &TextQuote, hint: Option<(usize, usize)>) -> Option<Anchor> {
    let exact: Vec<char> = quote.exact.chars().collect();
    if exact.is_empty() {
        return None;
    }
    if let Some((s, e)) = hint {
        if e <= text.len() && s < e && text[s..e] == exact[..] {
            return Some(Anchor {
                start: s,
                end: e,
                method: Method::Position,
            });
        }
    }
    let prefix: Vec<char> = quote.prefix.chars().collect();
    let suffix: Vec<char> = quote.suffix.chars().collect();
    let hint_start = hint.map(|h| h.0);
    let best = find_all(text, &exact)
        .into_iter()
        .map(|s| {
            (
                score(text, s, s + exact.len(), &prefix, &suffix, hint_start),
                s,
            )
        })
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    if let Some((_, s)) = best {
        return Some(Anchor {
            start: s,
            end: s + exact.len(),
            method: Method::Quote,
        });
    }
    fuzzy(text, &exact, hint_start)
}

fn find_all(text: &[char], needle: &[char]) -> Vec<usize> {
    if needle.len() > text.len() {
        return Vec::new();
    }
    (0..=text.len() - needle.len())
        .filter(|&i| text[i] == needle[0] && text[i..i + needle.len()] == *needle)
        .collect()
}

/// Fraction of `context` that agrees with the text next to a candidate,
/// compared from the candidate outwards.
fn context_match(text: &[char], context: &[char], before: bool, at: usize) -> f64 {
    if context.is_empty() {
        return 1.0;
    }
    let n = context.len();
    let same = if before {
        (0..n)
            .take_while(|&i| at > i && text[at - 1 - i] == context[n - 1 - i])
            .count()
    } else {
        (0..n)
            .take_while(|&i| at + i < text.len() && text[at + i] == context[i])
            .count()
    };
    same as f64 / n as f64
}

fn score(
    text: &[char],
    s: usize,
    e: usize,
    prefix: &[char],
    suffix: &[char],
    hint: Option<usize>,
) -> f64 {
    let closeness = hint.map_or(0.0, |h| {
        1.0 - (s.abs_diff(h) as f64 / text.len().max(1) as f64)
    });
    50.0 + 20.0 * context_match(text, prefix, true, s)
        + 20.0 * context_match(text, suffix, false, e)
        + 2.0 * closeness
}

/// The most edits an approximate match of `len` characters may have.
pub fn max_errors(len: usize) -> usize {
    (len / 4).clamp(1, 32)
}

/// Most Myers steps (text characters times 64-character blocks of the
/// pattern) one approximate search may take: a few milliseconds in wasm
/// here, so each quote's work is bounded however long the text, and an
/// import of thousands of quotes that occur nowhere never holds the page
/// (it runs in slices between which the page answers).
pub const MAX_FUZZY_STEPS: usize = 1_500_000;
/// Characters either side of the old position searched first: an edit
/// moves a passage by little, so a near match is both likely and cheap to
/// find (Hypothesis also prefers matches near the old position).
const NEAR: usize = 2_000;

fn fuzzy(text: &[char], exact: &[char], hint: Option<usize>) -> Option<Anchor> {
    let allowed = max_errors(exact.len());
    let placed = if exact.len() <= FUZZY_WHOLE_MAX {
        bounded_approx(text, exact, allowed, hint, MAX_FUZZY_STEPS).0?
    } else {
        // Long quotes: place both ends, accept if the span is about as long.
        let (head, tail) = (&exact[..EDGE], &exact[exact.len() - EDGE..]);
        let edge_allowed = max_errors(EDGE);
        let h = bounded_approx(text, head, edge_allowed, hint, MAX_FUZZY_STEPS).0?;
        // The tail can only end about a quote's length after the head.
        let slack = allowed + edge_allowed;
        let from = (h.0 + exact.len())
            .saturating_sub(EDGE + slack)
            .min(text.len());
        let to = (h.0 + exact.len() + slack).min(text.len());
        let t = best_approx(&text[from..to], tail, edge_allowed, None)
            .map(|(s, e, k)| (from + s, from + e, k))?;
        let len = t.1.saturating_sub(h.0);
        if t.0 < h.1 || len.abs_diff(exact.len()) > allowed {
            return None;
        }
        (h.0, t.1, h.2 + t.2)
    };
    let (s, e, errors) = placed;
    Some(Anchor {
        start: s,
        end: e,
        method: Method::Fuzzy(errors),
    })
}

/// `best_approx` with its work capped at `max_steps` Myers steps: first the
/// text near `hint` (a start position), then as much of the text around it
/// as the cap allows (all of it when the text is short enough). Returns the
/// match and the steps taken.
fn bounded_approx(
    text: &[char],
    pattern: &[char],
    k: usize,
    hint: Option<usize>,
    max_steps: usize,
) -> (Option<(usize, usize, usize)>, usize) {
    let blocks = pattern.len().div_ceil(64);
    let reach = max_steps / blocks;
    let centre = hint.unwrap_or(0).min(text.len());
    let near = around(text.len(), centre, (pattern.len() + 2 * NEAR).min(reach));
    let mut steps = near.len() * blocks;
    let shift = |r: &std::ops::Range<usize>, (s, e, k): (usize, usize, usize)| {
        (r.start + s, r.start + e, k)
    };
    let found = best_approx(&text[near.clone()], pattern, k, Some(centre - near.start));
    if found.is_some() || near.len() == text.len() {
        return (found.map(|f| shift(&near, f)), steps);
    }
    let wide = around(text.len(), centre, reach - near.len());
    steps += wide.len() * blocks;
    let found = best_approx(&text[wide.clone()], pattern, k, Some(centre - wide.start));
    (found.map(|f| shift(&wide, f)), steps)
}

/// The range of `width` characters (at most `len`) centred on `centre`,
/// moved inwards where it would pass either end.
fn around(len: usize, centre: usize, width: usize) -> std::ops::Range<usize> {
    if width >= len {
        return 0..len;
    }
    let start = centre.saturating_sub(width / 2).min(len - width);
    start..start + width
}

/// Myers' bit-parallel edit distance (1999), in 64-bit blocks as Hyyrö
/// and edlib do for patterns longer than a word: per text character, one
/// step per block of the pattern instead of one per pattern character, so a
/// 256-character quote costs 4 word operations per text character, not 256
/// cell updates. Yields, for each end position in the text, the fewest
/// edits with which the pattern matches ending there.
struct Myers {
    /// The pattern's distinct characters, found by `row`.
    chars: CharRows,
    /// Per distinct character, its bit mask per block (`blocks` words each).
    masks: Vec<u64>,
    blocks: usize,
    /// The bit of the pattern's last character in the last block.
    last_bit: u64,
    m: usize,
}

impl Myers {
    fn new(pattern: &[char]) -> Myers {
        let m = pattern.len();
        let blocks = m.div_ceil(64);
        let mut distinct = pattern.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let chars = CharRows::new(&distinct);
        let mut masks = vec![0; distinct.len() * blocks];
        for (i, &c) in pattern.iter().enumerate() {
            let row = chars.row(c).expect("every pattern character has a row");
            masks[row * blocks + i / 64] |= 1 << (i % 64);
        }
        Myers {
            chars,
            masks,
            blocks,
            last_bit: 1 << ((m - 1) % 64),
            m,
        }
    }

    /// Calls `at(end, edits)` for every end position (exclusive) in `text`.
    fn scan(&self, text: &[char], mut at: impl FnMut(usize, usize)) {
        let zeros = vec![0u64; self.blocks];
        let mut pv = vec![!0u64; self.blocks];
        let mut mv = vec![0u64; self.blocks];
        let mut score = self.m;
        for (j, c) in text.iter().enumerate() {
            let eqs = match self.chars.row(*c) {
                Some(row) => &self.masks[row * self.blocks..(row + 1) * self.blocks],
                None => &zeros[..],
            };
            // The top row is all zeros (a match may start anywhere).
            let mut h_in: i8 = 0;
            for b in 0..self.blocks {
                let high = if b + 1 == self.blocks {
                    self.last_bit
                } else {
                    1 << 63
                };
                let (p, mn) = (pv[b], mv[b]);
                // Branch-free: on text the bits are as good as random, and
                // mispredicted branches cost more than the arithmetic.
                let carry_down = u64::from(h_in < 0);
                let eq = eqs[b] | carry_down;
                let xv = eqs[b] | mn;
                let xh = ((eq & p).wrapping_add(p) ^ p) | eq;
                let mut ph = mn | !(xh | p);
                let mut mh = p & xh;
                let h_out = i8::from(ph & high != 0) - i8::from(mh & high != 0);
                ph = (ph << 1) | u64::from(h_in > 0);
                mh = (mh << 1) | carry_down;
                pv[b] = mh | !(xv | ph);
                mv[b] = ph & xv;
                h_in = h_out;
            }
            score = (score as isize + h_in as isize) as usize;
            at(j + 1, score);
        }
    }
}

/// A pattern's distinct characters to their rows, by open addressing with
/// a multiplicative hash: the lookup runs once per text character, and a
/// `HashMap`'s SipHash was half the search's time.
struct CharRows {
    keys: Vec<char>,
    /// Row per slot; `EMPTY` where no character is.
    rows: Vec<u32>,
    shift: u32,
}

const EMPTY: u32 = u32::MAX;

impl CharRows {
    fn new(distinct: &[char]) -> CharRows {
        let size = (distinct.len() * 2).next_power_of_two().max(2);
        let mut table = CharRows {
            keys: vec!['\0'; size],
            rows: vec![EMPTY; size],
            shift: 32 - size.trailing_zeros(),
        };
        for (row, &c) in distinct.iter().enumerate() {
            let mut i = table.slot(c);
            while table.rows[i] != EMPTY {
                i = (i + 1) & (size - 1);
            }
            table.keys[i] = c;
            table.rows[i] = row as u32;
        }
        table
    }

    fn slot(&self, c: char) -> usize {
        ((c as u32).wrapping_mul(0x9E37_79B1) >> self.shift) as usize
    }

    fn row(&self, c: char) -> Option<usize> {
        let mut i = self.slot(c);
        loop {
            match self.rows[i] {
                EMPTY => return None,
                row if self.keys[i] == c => return Some(row as usize),
                _ => i = (i + 1) & (self.rows.len() - 1),
            }
        }
    }
}

/// Approximate substring search: the end positions where `pattern` matches
/// with at most `k` edits (Myers, above), the best (fewest edits, then
/// nearest the hint) chosen; its start is found by matching back.
fn best_approx(
    text: &[char],
    pattern: &[char],
    k: usize,
    hint: Option<usize>,
) -> Option<(usize, usize, usize)> {
    let m = pattern.len();
    let mut best: Option<(usize, usize)> = None; // (errors, end)
    Myers::new(pattern).scan(text, |end, errors| {
        if errors <= k {
            let better = match best {
                None => true,
                Some((be, bend)) => {
                    errors < be
                        || (errors == be
                            && hint.is_some_and(|h| end.abs_diff(h + m) < bend.abs_diff(h + m)))
                }
            };
            if better {
                best = Some((errors, end));
            }
        }
    });
    let (errors, end) = best?;
    // Match backwards from `end` to find where the best alignment starts.
    let window_start = end.saturating_sub(m + k);
    let window = &text[window_start..end];
    let rev_text: Vec<char> = window.iter().rev().copied().collect();
    let rev_pat: Vec<char> = pattern.iter().rev().copied().collect();
    let mut col: Vec<usize> = (0..=m).collect();
    let mut start = end.saturating_sub(m);
    let mut best_back = usize::MAX;
    for (j, &c) in rev_text.iter().enumerate() {
        let mut diag = col[0];
        col[0] = j + 1;
        for i in 1..=m {
            let next = if rev_pat[i - 1] == c {
                diag
            } else {
                1 + diag.min(col[i]).min(col[i - 1])
            };
            diag = col[i];
            col[i] = next;
        }
        if col[m] <= best_back {
            best_back = col[m];
            start = end - (j + 1);
        }
    }
    Some((start, end, errors))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::annotation::quote_at;
    use crate::core::text::{char_len, slice_chars};
    use proptest::prelude::*;

    const TEXT: &str = "重庆是一座山城。成渝地区双城经济圈建设走深走实。重庆也是一座江城。";

    fn q(exact: &str, prefix: &str, suffix: &str) -> TextQuote {
        TextQuote {
            exact: exact.into(),
            prefix: prefix.into(),
            suffix: suffix.into(),
        }
    }

    #[test]
    fn the_stored_position_wins_when_it_still_holds() {
        let a = anchor(TEXT, &q("双城", "", ""), Some((12, 14))).unwrap();
        assert_eq!((a.start, a.end, a.method), (12, 14, Method::Position));
    }

    #[test]
    fn insertion_before_moves_the_anchor() {
        let quote = quote_at(TEXT, 12, 14);
        let edited = format!("新加的一句话。{TEXT}");
        let a = anchor(&edited, &quote, Some((12, 14))).unwrap();
        assert_eq!(a.method, Method::Quote);
        assert_eq!(slice_chars(&edited, a.start, a.end), "双城");
        assert_eq!(a.start, 12 + 7);
    }

    #[test]
    fn a_quote_that_occurs_twice_is_placed_by_its_context() {
        // "一座" occurs twice; the second has suffix 江城.
        let second = TEXT
            .rfind("一座")
            .map(|b| TEXT[..b].chars().count())
            .unwrap();
        let quote = quote_at(TEXT, second, second + 2);
        let edited = format!("前言。{TEXT}");
        let a = anchor(&edited, &quote, None).unwrap();
        assert_eq!(a.start, second + 3);
        assert_eq!(slice_chars(&edited, a.end, a.end + 2), "江城");
    }

    #[test]
    fn a_deletion_inside_the_quote_is_found_approximately() {
        let quote = quote_at(TEXT, 8, 23); // 成渝地区双城经济圈建设走深走实
        let edited = TEXT.replace("双城经济圈", "双城经圈");
        let a = anchor(&edited, &quote, Some((8, 23))).unwrap();
        assert_eq!(a.method, Method::Fuzzy(1));
        assert_eq!(
            slice_chars(&edited, a.start, a.end),
            "成渝地区双城经圈建设走深走实"
        );
    }

    #[test]
    fn a_quote_that_is_gone_is_an_orphan() {
        let quote = q("完全不同的一段话在这里", "", "");
        assert_eq!(anchor(TEXT, &quote, Some((0, 11))), None);
        assert_eq!(anchor(TEXT, &q("", "", ""), None), None);
    }

    #[test]
    fn characters_outside_the_bmp_are_single_positions() {
        let text = "😀𠮶重庆😀";
        let a = anchor(text, &q("重庆", "𠮶", "😀"), Some((0, 2))).unwrap();
        assert_eq!((a.start, a.end), (2, 4));
    }

    #[test]
    fn long_quotes_are_placed_by_their_ends() {
        let body: String = (0..400)
            .map(|i| char::from_u32(0x4e00 + (i * 7 % 300)).unwrap())
            .collect();
        let text = format!("开头{body}结尾");
        let quote = quote_at(&text, 2, 402);
        // Delete one character in the middle.
        let edited = format!(
            "开头{}{}结尾",
            body.chars().take(200).collect::<String>(),
            body.chars().skip(201).collect::<String>()
        );
        let a = anchor(&edited, &quote, Some((2, 402))).unwrap();
        assert!(matches!(a.method, Method::Fuzzy(_)));
        assert_eq!(a.start, 2);
        assert_eq!(a.end, 401);
    }

    /// The plain dynamic programme (Sellers): the reference Myers must equal.
    fn sellers(text: &[char], pattern: &[char]) -> Vec<usize> {
        let m = pattern.len();
        let mut col: Vec<usize> = (0..=m).collect();
        let mut out = Vec::new();
        for &c in text {
            let mut diag = col[0];
            col[0] = 0;
            for i in 1..=m {
                let next = if pattern[i - 1] == c {
                    diag
                } else {
                    1 + diag.min(col[i]).min(col[i - 1])
                };
                diag = col[i];
                col[i] = next;
            }
            out.push(col[m]);
        }
        out
    }

    /// Edit distance between two strings of code points.
    fn levenshtein(a: &[char], b: &[char]) -> usize {
        let mut col: Vec<usize> = (0..=b.len()).collect();
        for (i, &x) in a.iter().enumerate() {
            let mut diag = col[0];
            col[0] = i + 1;
            for j in 1..=b.len() {
                let next = if b[j - 1] == x {
                    diag
                } else {
                    1 + diag.min(col[j]).min(col[j - 1])
                };
                diag = col[j];
                col[j] = next;
            }
        }
        col[b.len()]
    }

    /// A text of `n` characters from a 40-character alphabet, from a seed.
    fn noise(n: usize, seed: u64) -> Vec<char> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                char::from_u32(0x4e00 + (x % 40) as u32).unwrap()
            })
            .collect()
    }

    #[test]
    fn an_approximate_match_far_from_the_old_position_is_still_found() {
        let mut text = noise(20_000, 7);
        let pattern: Vec<char> = "成渝地区双城经济圈建设走深走实".chars().collect();
        let mut edited = pattern.clone();
        edited.remove(5);
        text.splice(15_000..15_000, edited.iter().copied());
        let k = max_errors(pattern.len());
        let (found, steps) = bounded_approx(&text, &pattern, k, Some(100), MAX_FUZZY_STEPS);
        assert_eq!(found, Some((15_000, 15_000 + edited.len(), 1)));
        assert!(steps > (pattern.len() + 2 * NEAR), "the wide search ran");
    }

    #[test]
    fn a_text_longer_than_the_cap_is_searched_only_around_the_old_position() {
        let pattern: Vec<char> = "成渝地区双城经济圈建设走深走实".chars().collect();
        let mut text = noise(400_000, 3);
        text.splice(0..0, pattern.iter().copied());
        let k = max_errors(pattern.len());
        // Found from near the start; from the far end, past the cap, not.
        assert!(bounded_approx(&text, &pattern, k, Some(0), 100_000)
            .0
            .is_some());
        let (far, steps) = bounded_approx(&text, &pattern, k, Some(399_000), 100_000);
        assert_eq!(far, None);
        assert!(steps <= 100_000);
    }

    proptest! {
        #[test]
        fn myers_gives_the_edit_distance_of_the_plain_dynamic_programme(
            text in "[甲乙丙丁😀]{0,300}", pattern in "[甲乙丙丁😀]{1,200}",
        ) {
            let (t, p): (Vec<char>, Vec<char>) = (text.chars().collect(), pattern.chars().collect());
            let mut got = Vec::new();
            Myers::new(&p).scan(&t, |_, e| got.push(e));
            prop_assert_eq!(got, sellers(&t, &p));
        }

        #[test]
        fn the_bounded_search_finds_a_match_when_the_exhaustive_one_does(
            n in 0usize..9_000, seed in any::<u64>(), at in 0usize..9_000,
            len in 4usize..120, cut in 0usize..120, hint in 0usize..9_000,
        ) {
            let mut text = noise(n, seed);
            // A pattern that occurs with one character cut, most of the time.
            let pattern = noise(len, seed ^ 0x9e37);
            let mut edited = pattern.clone();
            edited.remove(cut % len);
            let at = at.min(text.len());
            if seed % 4 != 0 {
                text.splice(at..at, edited);
            }
            let k = max_errors(len);
            let exhaustive = best_approx(&text, &pattern, k, Some(hint));
            let (bounded, steps) = bounded_approx(&text, &pattern, k, Some(hint), MAX_FUZZY_STEPS);
            prop_assert_eq!(bounded.is_some(), exhaustive.is_some());
            prop_assert!(steps <= MAX_FUZZY_STEPS);
            if let Some((s, e, errors)) = bounded {
                prop_assert!(errors <= k);
                prop_assert_eq!(levenshtein(&text[s..e], &pattern), errors);
            }
        }

        #[test]
        fn the_bounded_search_never_exceeds_its_cap(
            n in 0usize..30_000, len in 1usize..300, hint in 0usize..30_000, cap in 1_000usize..40_000,
        ) {
            let text = noise(n, 11);
            let pattern = noise(len, 5);
            let (_, steps) = bounded_approx(&text, &pattern, max_errors(len), Some(hint), cap);
            prop_assert!(steps <= cap, "{} steps for a cap of {}", steps, cap);
        }

        #[test]
        fn a_quote_taken_from_a_text_anchors_back_to_the_same_text(
            text in "[甲乙丙丁戊己庚辛壬癸😀]{1,60}", a in 0usize..60, b in 0usize..60,
        ) {
            let n = char_len(&text);
            let (s, e) = (a.min(b).min(n - 1), (a.max(b) + 1).min(n));
            let quote = quote_at(&text, s, e);
            let anchored = anchor(&text, &quote, Some((s, e))).unwrap();
            prop_assert_eq!((anchored.start, anchored.end, anchored.method), (s, e, Method::Position));
            // Without the position, the exact quote is still found.
            let found = anchor(&text, &quote, None).unwrap();
            prop_assert_eq!(slice_chars(&text, found.start, found.end), quote.exact.as_str());
        }

        #[test]
        fn text_inserted_before_shifts_the_anchor(prefix in "[子丑寅卯]{0,30}", s in 0usize..20) {
            let s = s.min(char_len(TEXT) - 3);
            let quote = quote_at(TEXT, s, s + 3);
            let edited = format!("{prefix}{TEXT}");
            let a = anchor(&edited, &quote, Some((s, s + 3))).unwrap();
            prop_assert_eq!(a.start, s + char_len(&prefix));
        }
    }
}
