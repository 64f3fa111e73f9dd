//! Article model: the source text split into blocks (title, meta lines,
//! headings, paragraphs, captions, footer), each with a stable id and its
//! range in code points of the normalised source text.
//!
//! The rules describe the shape of a Chinese news/magazine article as it is
//! copied from the web: a title, a few short source/author lines (often
//! repeating the title), indented body paragraphs with 一、二、 headings,
//! photo captions ending in 摄, and editor/tag lines plus tracking digits at
//! the end. Nothing is keyed to one particular file.

use serde::{Deserialize, Serialize};

use super::text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Title,
    Meta,
    Heading,
    Paragraph,
    Caption,
    Footer,
}

impl BlockKind {
    /// The name used in the DOM contract (`data-kind`) and in exports.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Title => "title",
            BlockKind::Meta => "meta",
            BlockKind::Heading => "heading",
            BlockKind::Paragraph => "paragraph",
            BlockKind::Caption => "caption",
            BlockKind::Footer => "footer",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Stable across reloads and across edits elsewhere in the text: derived
    /// from the block's own text, with a suffix when the same text repeats.
    pub id: String,
    pub kind: BlockKind,
    /// Code point range `start..end` of the block's text in the source
    /// (surrounding whitespace excluded).
    pub start: usize,
    pub end: usize,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Article {
    /// The normalised source text every range refers to.
    pub source: String,
    pub blocks: Vec<Block>,
    /// Code point positions of `source`, so no code walks it from the start.
    index: text::CodePointIndex,
}

impl Article {
    pub fn parse(raw: &str) -> Article {
        let source = text::normalize(raw);
        let blocks = classify(&lines(&source));
        let index = text::CodePointIndex::new(&source);
        Article {
            source,
            blocks,
            index,
        }
    }

    /// Code points `start..end` of the source (clamped to the text).
    pub fn slice(&self, start: usize, end: usize) -> &str {
        self.index.slice(&self.source, start, end)
    }

    /// Length of the source in code points.
    pub fn char_len(&self) -> usize {
        self.index.len()
    }

    /// The title's text, or an empty string for an empty document.
    pub fn title(&self) -> &str {
        self.blocks
            .iter()
            .find(|b| b.kind == BlockKind::Title)
            .map_or("", |b| b.text.as_str())
    }

    pub fn block(&self, id: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.id == id)
    }

    /// Hex SHA-256 of the normalised source: names the document in storage
    /// keys and exports (`urn:sha256:…`), so annotations of one text never
    /// mix with another's.
    pub fn sha256(&self) -> String {
        use sha2::{Digest, Sha256};
        Sha256::digest(self.source.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Index of the block containing code point `pos`, if any.
    pub fn block_at(&self, pos: usize) -> Option<usize> {
        let i = self.blocks.partition_point(|b| b.end <= pos);
        self.blocks.get(i).filter(|b| b.start <= pos).map(|_| i)
    }
}

/// A non-blank line of the source with its trimmed range.
struct Line {
    start: usize,
    end: usize,
    text: String,
    indented: bool,
}

fn lines(source: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for raw in source.split('\n') {
        let len = text::char_len(raw);
        let lead = raw.chars().take_while(|&c| text::is_blank(c)).count();
        if lead < len {
            let trail = raw.chars().rev().take_while(|&c| text::is_blank(c)).count();
            let (start, end) = (line_start + lead, line_start + len - trail);
            out.push(Line {
                start,
                end,
                text: text::slice_chars(raw, lead, len - trail).to_string(),
                indented: lead > 0,
            });
        }
        line_start += len + 1;
    }
    out
}

fn classify(lines: &[Line]) -> Vec<Block> {
    let Some(first) = lines.first() else {
        return Vec::new();
    };
    let title = first.text.as_str();
    let footer_start = lines
        .iter()
        .rposition(|l| !is_footer(&l.text))
        .map_or(1, |i| i + 1)
        .max(1);
    let mut kinds: Vec<Option<BlockKind>> = vec![Some(BlockKind::Paragraph); lines.len()];
    kinds[0] = Some(BlockKind::Title);
    let mut in_header = true;
    for (i, line) in lines.iter().enumerate().skip(1) {
        kinds[i] = if i >= footer_start {
            Some(BlockKind::Footer)
        } else if in_header && line.text == title {
            // Pages often repeat the title under the source line; show it once.
            None
        } else if in_header && is_header_line(line) {
            Some(BlockKind::Meta)
        } else {
            in_header = false;
            Some(body_kind(&line.text))
        };
    }
    let mut seen = std::collections::HashMap::new();
    lines
        .iter()
        .zip(kinds)
        .filter_map(|(line, kind)| {
            let kind = kind?;
            let hash = fnv1a(&line.text);
            let n = seen.entry(hash).or_insert(0u32);
            *n += 1;
            let id = if *n == 1 {
                format!("b{hash:08x}")
            } else {
                format!("b{hash:08x}-{n}")
            };
            Some(Block {
                id,
                kind,
                start: line.start,
                end: line.end,
                text: line.text.clone(),
            })
        })
        .collect()
}

/// Short unindented lines right after the title: source, date, author.
fn is_header_line(line: &Line) -> bool {
    !line.indented
        && text::char_len(&line.text) <= 60
        && !line.text.ends_with(['。', '！', '？', '!', '?'])
        && !is_heading(&line.text)
}

fn body_kind(t: &str) -> BlockKind {
    if is_heading(t) {
        BlockKind::Heading
    } else if is_caption(t) {
        BlockKind::Caption
    } else {
        BlockKind::Paragraph
    }
}

const CN_NUMERALS: &[char] = &[
    '一', '二', '三', '四', '五', '六', '七', '八', '九', '十', '百', '零', '〇',
];

/// 一、… / （一）… / 第三章… : short, and not a sentence.
fn is_heading(t: &str) -> bool {
    if text::char_len(t) > 50 || t.contains('。') {
        return false;
    }
    let numbered = |rest: &str| {
        let digits = rest.chars().take_while(|c| CN_NUMERALS.contains(c)).count();
        (digits > 0).then(|| text::slice_chars(rest, digits, usize::MAX).to_string())
    };
    if let Some(after) = numbered(t) {
        return after.starts_with('、');
    }
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(inner) = t.strip_prefix(open) {
            if let Some(after) = numbered(inner) {
                return after.starts_with(close);
            }
        }
    }
    if let Some(rest) = t.strip_prefix('第') {
        if let Some(after) = numbered(rest) {
            return after.starts_with(['章', '节', '部', '篇']);
        }
    }
    false
}

/// Photo captions: end with the photographer's credit (…/摄, 摄) and name
/// the picture (图为, 供图, 记者, 摄影).
fn is_caption(t: &str) -> bool {
    let t = t.trim_end_matches([')', '）']);
    t.ends_with('摄')
        && ["图为", "供图", "记者", "摄影"]
            .iter()
            .any(|m| t.contains(m))
}

/// Tag lines, editor credits and the tracking digit strings pages append.
fn is_footer(t: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "标签",
        "网站编辑",
        "责任编辑",
        "编辑",
        "校对",
        "审校",
        "审核",
        "(责任编辑",
        "（责任编辑",
    ];
    (t.len() >= 6 && t.bytes().all(|b| b.is_ascii_digit()))
        || (text::char_len(t) <= 80 && PREFIXES.iter().any(|p| t.starts_with(p)))
}

/// 32-bit FNV-1a: tiny, stable across platforms and releases (unlike
/// `DefaultHasher`), good enough to tell a document's blocks apart.
fn fnv1a(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(a: &Article) -> Vec<BlockKind> {
        a.blocks.iter().map(|b| b.kind).collect()
    }

    #[test]
    fn empty_and_blank_texts_have_no_blocks() {
        assert!(Article::parse("").blocks.is_empty());
        assert!(Article::parse(" \n\u{3000}\n\t\r\n").blocks.is_empty());
        assert_eq!(Article::parse("").title(), "");
    }

    #[test]
    fn crlf_is_normalised_and_ranges_count_code_points() {
        let a = Article::parse("标题\r\n\r\n  第一段😀𠮶。\r\n  第二段。\r\n");
        assert_eq!(a.source, "标题\n\n  第一段😀𠮶。\n  第二段。\n");
        assert_eq!(
            kinds(&a),
            [BlockKind::Title, BlockKind::Paragraph, BlockKind::Paragraph]
        );
        let p = &a.blocks[1];
        assert_eq!((p.start, p.end), (6, 12));
        assert_eq!(text::slice_chars(&a.source, p.start, p.end), "第一段😀𠮶。");
        let q = &a.blocks[2];
        assert_eq!(text::slice_chars(&a.source, q.start, q.end), "第二段。");
    }

    #[test]
    fn text_without_headings_or_header_is_title_and_paragraphs() {
        let a = Article::parse(
            "只有标题\n这是一段没有缩进的正文，写得比较长，说明了一些事情。\n又一段。",
        );
        assert_eq!(
            kinds(&a),
            [BlockKind::Title, BlockKind::Paragraph, BlockKind::Paragraph]
        );
    }

    #[test]
    fn headings_in_several_styles() {
        for h in [
            "一、总体要求",
            "（二）重点任务",
            "(三)保障措施",
            "第十章 结语",
        ] {
            assert!(is_heading(h), "{h}");
        }
        for p in ["一是加强领导。", "一些话", "十分重要、非常紧迫"] {
            assert!(!is_heading(p), "{p}");
        }
    }

    #[test]
    fn sha256_names_the_normalised_text() {
        let a = Article::parse("abc");
        assert_eq!(
            a.sha256(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Article::parse("a\r\nb").sha256(),
            Article::parse("a\nb").sha256()
        );
    }

    #[test]
    fn block_at_finds_the_block_of_a_position() {
        let a = Article::parse("题\n\n  正文。\n");
        assert_eq!(a.block_at(0), Some(0));
        assert_eq!(a.block_at(1), None);
        assert_eq!(a.block_at(a.blocks[1].start + 1), Some(1));
    }

    #[test]
    fn repeated_blocks_get_distinct_ids() {
        let a = Article::parse("题\n\n  同一段。\n\n  同一段。\n");
        assert_eq!(a.blocks.len(), 3);
        assert_ne!(a.blocks[1].id, a.blocks[2].id);
        assert!(a.blocks[2].id.ends_with("-2"));
    }

    #[test]
    fn ids_do_not_move_when_other_blocks_change() {
        let a = Article::parse("题\n\n  甲段。\n\n  乙段。\n");
        let b = Article::parse("题\n\n  新插入的一段。\n\n  甲段。\n\n  乙段改了。\n");
        assert_eq!(a.blocks[1].id, b.blocks[2].id);
    }
}
