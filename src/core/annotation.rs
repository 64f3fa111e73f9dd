//! The annotation model, compatible with the W3C Web Annotation model:
//! an id, creation/modification times, tags (by name), an optional note and a
//! target (a passage, a whole block, or the document) described by a
//! TextQuoteSelector and a TextPositionSelector in code points.

use serde::{Deserialize, Serialize};

use super::article::Article;
use super::text::{char_len, slice_chars};

/// Characters of context kept on each side of a quote (as Hypothesis does).
pub const CONTEXT_CHARS: usize = 32;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextQuote {
    pub exact: String,
    pub prefix: String,
    pub suffix: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Target {
    /// A passage `start..end` (code points, end exclusive).
    Passage {
        start: usize,
        end: usize,
        quote: TextQuote,
    },
    /// A whole block, named by its id, with selectors over its text so that
    /// other tools can still place it.
    Block {
        block: String,
        start: usize,
        end: usize,
        quote: TextQuote,
    },
    Document,
}

impl Target {
    pub fn passage(article: &Article, start: usize, end: usize) -> Target {
        Target::Passage {
            start,
            end,
            quote: quote_at(&article.source, start, end),
        }
    }

    pub fn block(article: &Article, block_id: &str) -> Option<Target> {
        let b = article.block(block_id)?;
        Some(Target::Block {
            block: b.id.clone(),
            start: b.start,
            end: b.end,
            quote: quote_at(&article.source, b.start, b.end),
        })
    }

    /// The code point range, for passage and block targets.
    pub fn range(&self) -> Option<(usize, usize)> {
        match self {
            Target::Passage { start, end, .. } | Target::Block { start, end, .. } => {
                Some((*start, *end))
            }
            Target::Document => None,
        }
    }

    pub fn quote(&self) -> Option<&TextQuote> {
        match self {
            Target::Passage { quote, .. } | Target::Block { quote, .. } => Some(quote),
            Target::Document => None,
        }
    }
}

/// The quote selector for `start..end` of `source`.
pub fn quote_at(source: &str, start: usize, end: usize) -> TextQuote {
    let total = char_len(source);
    TextQuote {
        exact: slice_chars(source, start, end).to_string(),
        prefix: slice_chars(source, start.saturating_sub(CONTEXT_CHARS), start).to_string(),
        suffix: slice_chars(source, end, (end + CONTEXT_CHARS).min(total)).to_string(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// A UUID (v4), written without the `urn:uuid:` prefix.
    pub id: String,
    /// RFC 3339 UTC times, e.g. `2026-11-29T10:30:00.000Z`.
    pub created: String,
    pub modified: String,
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    pub target: Target,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub name: String,
    /// `#rrggbb`
    pub color: String,
}

/// Distinct hues that stay readable as a light highlight behind black text
/// and as a solid chip colour (ordered so neighbours differ most).
pub const PALETTE: &[&str] = &[
    "#e8590c", "#1c7ed6", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#d6336c", "#5f3dc4",
    "#66a80f", "#c92a2a", "#1971c2", "#862e9c",
];

/// The first palette colour no existing tag uses (cycling when all are used).
pub fn next_color(tags: &[Tag]) -> String {
    PALETTE
        .iter()
        .find(|c| !tags.iter().any(|t| t.color.eq_ignore_ascii_case(c)))
        .unwrap_or(&PALETTE[tags.len() % PALETTE.len()])
        .to_string()
}

/// A tag name as stored: trimmed, inner whitespace collapsed.
pub fn normalize_tag(name: &str) -> String {
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_context_counts_code_points() {
        let src = "😀".repeat(40) + "重庆" + &"𠮶".repeat(40);
        let q = quote_at(&src, 40, 42);
        assert_eq!(q.exact, "重庆");
        assert_eq!(char_len(&q.prefix), CONTEXT_CHARS);
        assert_eq!(char_len(&q.suffix), CONTEXT_CHARS);
        let q = quote_at("ab", 0, 1);
        assert_eq!((q.prefix.as_str(), q.suffix.as_str()), ("", "b"));
    }

    #[test]
    fn block_target_covers_the_block() {
        let a = Article::parse("题\n\n  正文一段。\n");
        let t = Target::block(&a, &a.blocks[1].id).unwrap();
        assert_eq!(t.range(), Some((a.blocks[1].start, a.blocks[1].end)));
        assert_eq!(t.quote().unwrap().exact, "正文一段。");
        assert!(Target::block(&a, "nope").is_none());
    }

    #[test]
    fn colours_are_distinct_until_the_palette_runs_out() {
        let mut tags = Vec::new();
        for i in 0..PALETTE.len() {
            let c = next_color(&tags);
            assert!(!tags.iter().any(|t: &Tag| t.color == c));
            tags.push(Tag {
                name: i.to_string(),
                color: c,
            });
        }
        assert!(PALETTE.contains(&next_color(&tags).as_str()));
    }

    #[test]
    fn tag_names_are_trimmed_and_collapsed() {
        assert_eq!(normalize_tag("  经济  发展 "), "经济 发展");
    }
}
