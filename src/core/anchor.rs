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

fn fuzzy(text: &[char], exact: &[char], hint: Option<usize>) -> Option<Anchor> {
    let allowed = max_errors(exact.len());
    let placed = if exact.len() <= FUZZY_WHOLE_MAX {
        best_approx(text, exact, allowed, hint)?
    } else {
        // Long quotes: place both ends, accept if the span is about as long.
        let (head, tail) = (&exact[..EDGE], &exact[exact.len() - EDGE..]);
        let edge_allowed = max_errors(EDGE);
        let h = best_approx(text, head, edge_allowed, hint)?;
        let t = best_approx(&text[h.0..], tail, edge_allowed, Some(exact.len() - EDGE))
            .map(|(s, e, k)| (h.0 + s, h.0 + e, k))?;
        let len = t.1 - h.0;
        if len.abs_diff(exact.len()) > allowed {
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

/// Myers' bit-parallel edit distance (1999), in 64-bit blocks as Hyyrö
/// and edlib do for patterns longer than a word: per text character, one
/// step per block of the pattern instead of one per pattern character, so a
/// 256-character quote costs 4 word operations per text character, not 256
/// cell updates. Yields, for each end position in the text, the fewest
/// edits with which the pattern matches ending there.
struct Myers {
    /// Per pattern character, its bit mask per block.
    peq: std::collections::HashMap<char, Vec<u64>>,
    blocks: usize,
    /// The bit of the pattern's last character in the last block.
    last_bit: u64,
    m: usize,
}

impl Myers {
    fn new(pattern: &[char]) -> Myers {
        let m = pattern.len();
        let blocks = m.div_ceil(64);
        let mut peq: std::collections::HashMap<char, Vec<u64>> = std::collections::HashMap::new();
        for (i, &c) in pattern.iter().enumerate() {
            peq.entry(c).or_insert_with(|| vec![0; blocks])[i / 64] |= 1 << (i % 64);
        }
        Myers {
            peq,
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
            let eqs = self.peq.get(c).unwrap_or(&zeros);
            // The top row is all zeros (a match may start anywhere).
            let mut h_in: i8 = 0;
            for b in 0..self.blocks {
                let high = if b + 1 == self.blocks {
                    self.last_bit
                } else {
                    1 << 63
                };
                let (p, mn) = (pv[b], mv[b]);
                let mut eq = eqs[b];
                let xv = eq | mn;
                if h_in < 0 {
                    eq |= 1;
                }
                let xh = ((eq & p).wrapping_add(p) ^ p) | eq;
                let mut ph = mn | !(xh | p);
                let mut mh = p & xh;
                let h_out: i8 = if ph & high != 0 {
                    1
                } else if mh & high != 0 {
                    -1
                } else {
                    0
                };
                ph <<= 1;
                mh <<= 1;
                if h_in < 0 {
                    mh |= 1;
                } else if h_in > 0 {
                    ph |= 1;
                }
                pv[b] = mh | !(xv | ph);
                mv[b] = ph & xv;
                h_in = h_out;
            }
            score = (score as isize + h_in as isize) as usize;
            at(j + 1, score);
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
