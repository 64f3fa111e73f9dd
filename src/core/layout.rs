//! Splits a block into the pieces the view renders: cut at every token
//! boundary (in the word view) and every span boundary (highlights, marked
//! keywords), so overlapping and nested spans need no special cases: each
//! piece lists the spans that cover it.

use super::segment::Token;

/// A range to draw over the text, identified by `key` (an annotation id, or
/// a marker such as a keyword match).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Piece {
    pub start: usize,
    pub end: usize,
    /// Index into the token slice given to `pieces`, when cut by tokens.
    pub token: Option<usize>,
    /// Indexes into the span slice of every span covering this piece, in the
    /// order given (outermost first when spans are sorted by start, then by
    /// decreasing length).
    pub spans: Vec<usize>,
}

/// Pieces of the block `start..end`. `tokens` are the block's tokens (empty
/// when the word view is off); `spans` may overlap, nest, or reach outside
/// the block (they are clipped).
pub fn pieces(start: usize, end: usize, tokens: &[Token], spans: &[Span]) -> Vec<Piece> {
    let mut cuts: Vec<usize> = Vec::with_capacity(tokens.len() + spans.len() * 2 + 2);
    cuts.push(start);
    cuts.push(end);
    cuts.extend(tokens.iter().map(|t| t.start));
    for s in spans {
        cuts.push(s.start.clamp(start, end));
        cuts.push(s.end.clamp(start, end));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut token_i = 0;
    cuts.windows(2)
        .map(|w| {
            let (s, e) = (w[0], w[1]);
            while token_i < tokens.len() && tokens[token_i].end <= s {
                token_i += 1;
            }
            let token = tokens
                .get(token_i)
                .filter(|t| t.start <= s && e <= t.end)
                .map(|_| token_i);
            let spans = spans
                .iter()
                .enumerate()
                .filter(|(_, sp)| sp.start <= s && e <= sp.end && sp.start < sp.end)
                .map(|(i, _)| i)
                .collect();
            Piece {
                start: s,
                end: e,
                token,
                spans,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::segment::TokenKind::Word;

    fn span(start: usize, end: usize, key: &str) -> Span {
        Span {
            start,
            end,
            key: key.into(),
        }
    }

    #[test]
    fn no_tokens_no_spans_is_one_piece() {
        let p = pieces(5, 9, &[], &[]);
        assert_eq!(
            p,
            vec![Piece {
                start: 5,
                end: 9,
                token: None,
                spans: vec![]
            }]
        );
    }

    #[test]
    fn overlapping_and_nested_spans_cover_the_right_pieces() {
        let spans = [span(0, 6, "a"), span(2, 4, "b"), span(3, 8, "c")];
        let p = pieces(0, 10, &[], &spans);
        let got: Vec<_> = p
            .iter()
            .map(|p| (p.start, p.end, p.spans.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 2, vec![0]),
                (2, 3, vec![0, 1]),
                (3, 4, vec![0, 1, 2]),
                (4, 6, vec![0, 2]),
                (6, 8, vec![2]),
                (8, 10, vec![]),
            ]
        );
    }

    #[test]
    fn tokens_split_by_a_span_keep_their_token_index() {
        let tokens = [
            Token {
                start: 0,
                end: 2,
                kind: Word,
            },
            Token {
                start: 2,
                end: 5,
                kind: Word,
            },
        ];
        let p = pieces(0, 5, &tokens, &[span(3, 9, "x")]);
        let got: Vec<_> = p.iter().map(|p| (p.start, p.end, p.token)).collect();
        assert_eq!(got, vec![(0, 2, Some(0)), (2, 3, Some(1)), (3, 5, Some(1))]);
    }

    proptest::proptest! {
        #[test]
        fn pieces_tile_the_block(
            cuts in proptest::collection::vec(0usize..40, 0..10),
            spans in proptest::collection::vec((0usize..50, 0usize..50), 0..6),
        ) {
            let mut tokens = Vec::new();
            let mut sorted = cuts.clone();
            sorted.push(0);
            sorted.push(40);
            sorted.sort_unstable();
            sorted.dedup();
            for w in sorted.windows(2) {
                tokens.push(Token { start: w[0], end: w[1], kind: Word });
            }
            let spans: Vec<Span> = spans.into_iter().map(|(a, b)| span(a.min(b), a.max(b), "s")).collect();
            let p = pieces(0, 40, &tokens, &spans);
            let mut at = 0;
            for piece in &p {
                proptest::prop_assert_eq!(piece.start, at);
                proptest::prop_assert!(piece.end > piece.start);
                proptest::prop_assert!(piece.token.is_some());
                at = piece.end;
            }
            proptest::prop_assert_eq!(at, 40);
        }
    }
}
