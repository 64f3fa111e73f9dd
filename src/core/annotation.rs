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
    /// A directed, labelled link from annotation `from` to annotation `to`
    /// (its one tag is the label). In the W3C model a link is itself an
    /// annotation, with motivation "linking" and the two annotations as
    /// its targets, so it is stored, merged, undone and exported as one.
    Relation {
        from: String,
        to: String,
    },
}

impl Target {
    pub fn passage(article: &Article, start: usize, end: usize) -> Target {
        Target::Passage {
            start,
            end,
            quote: article_quote(article, start, end),
        }
    }

    pub fn block(article: &Article, block_id: &str) -> Option<Target> {
        let b = article.block(block_id)?;
        Some(Target::Block {
            block: b.id.clone(),
            start: b.start,
            end: b.end,
            quote: article_quote(article, b.start, b.end),
        })
    }

    /// The code point range, for passage and block targets.
    pub fn range(&self) -> Option<(usize, usize)> {
        match self {
            Target::Passage { start, end, .. } | Target::Block { start, end, .. } => {
                Some((*start, *end))
            }
            Target::Document | Target::Relation { .. } => None,
        }
    }

    pub fn quote(&self) -> Option<&TextQuote> {
        match self {
            Target::Passage { quote, .. } | Target::Block { quote, .. } => Some(quote),
            Target::Document | Target::Relation { .. } => None,
        }
    }

    /// The two annotations a relation links (from, to).
    pub fn ends(&self) -> Option<(&str, &str)> {
        match self {
            Target::Relation { from, to } => Some((from, to)),
            _ => None,
        }
    }
}

/// The quote selector for `start..end` of an article (through its code
/// point index: no walk from the start of the text).
pub fn article_quote(article: &Article, start: usize, end: usize) -> TextQuote {
    TextQuote {
        exact: article.slice(start, end).to_string(),
        prefix: article
            .slice(start.saturating_sub(CONTEXT_CHARS), start)
            .to_string(),
        suffix: article.slice(end, end + CONTEXT_CHARS).to_string(),
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

/// A tag name as stored: invisible characters (zero-width spaces and
/// joiners, direction marks, soft hyphens, controls) removed, trimmed,
/// inner whitespace collapsed. A name that is empty after this names no tag.
pub fn normalize_tag(name: &str) -> String {
    let visible: String = name.chars().filter(|c| !is_invisible(*c)).collect();
    visible.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{180e}'
            | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
            | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}')
}

/// Whether `c` is a `#rrggbb` colour: the only form that goes into a style
/// attribute (anything else could carry CSS such as `url(…)`).
pub fn is_hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

/// `s` as a lowercase UUID (`8-4-4-4-12` hex digits), if it is one. Ids go
/// into attribute selectors and storage keys, so nothing else is accepted.
pub fn normalize_uuid(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip(lengths)
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    ok.then(|| s.to_ascii_lowercase())
}

/// A UUID derived from another tool's annotation id (an IRI that is not a
/// `urn:uuid:`): the same id always gives the same UUID, so importing the
/// file again merges instead of duplicating. Layout of RFC 9562 version 8
/// (custom), from the SHA-256 of the id.
pub fn uuid_from_name(name: &str) -> String {
    use sha2::{Digest, Sha256};
    let b: [u8; 16] = Sha256::digest(name.as_bytes())[..16]
        .try_into()
        .unwrap_or([0; 16]);
    uuid_with_version(b, 8)
}

/// Writes 16 bytes as a UUID of `version` (RFC 9562 variant bits set).
pub fn uuid_with_version(mut b: [u8; 16], version: u8) -> String {
    b[6] = (b[6] & 0x0f) | (version << 4);
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
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
        assert_eq!(normalize_tag("\u{200b}\u{feff}\u{200d}"), "");
        assert_eq!(normalize_tag("地\u{200b}名\u{0007}"), "地名");
    }

    #[test]
    fn only_uuids_and_hex_colours_pass() {
        assert_eq!(
            normalize_uuid("5B0C7F0E-8C1D-4D43-9A53-0C0A4BB0D6A1").as_deref(),
            Some("5b0c7f0e-8c1d-4d43-9a53-0c0a4bb0d6a1")
        );
        for bad in [
            "",
            "   ",
            "\"], [data-block], [x=\"",
            "5b0c7f0e8c1d4d439a530c0a4bb0d6a1",
        ] {
            assert_eq!(normalize_uuid(bad), None, "{bad}");
        }
        assert!(is_hex_color("#A1b2c3"));
        assert!(!is_hex_color("red;background:url(http://x)"));
        let u = uuid_from_name("https://hypothes.is/a/abc");
        assert_eq!(normalize_uuid(&u), Some(u.clone()));
        assert_eq!(u, uuid_from_name("https://hypothes.is/a/abc"));
    }
}
