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

/// A block of a structured document: its kind and code point range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutlineBlock {
    pub kind: BlockKind,
    pub start: usize,
    pub end: usize,
}

/// Why an outline cannot describe a text.
pub fn check_outline(outline: &[OutlineBlock], length: usize) -> Result<(), String> {
    let mut at = 0;
    for b in outline {
        if b.start < at || b.end <= b.start || b.end > length {
            return Err(format!(
                "段落范围 {}–{} 不在正文内或与前一段重叠",
                b.start, b.end
            ));
        }
        at = b.end;
    }
    Ok(())
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
        let blocks = classify(&paragraphs(&source, lines(&source)));
        let index = text::CodePointIndex::new(&source);
        Article {
            source,
            blocks,
            index,
        }
    }

    /// An article whose blocks were given by the file's own structure
    /// (Markdown, HTML, Word headings and paragraphs) rather than guessed
    /// from the lines. `outline` must be in order, inside the text and not
    /// overlapping (`Outline::check`).
    pub fn with_outline(source: String, outline: &[OutlineBlock]) -> Article {
        let index = text::CodePointIndex::new(&source);
        let blocks = blocks_with_ids(
            outline
                .iter()
                .map(|b| (b.start, b.end, index.slice(&source, b.start, b.end), b.kind)),
        );
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
    /// Columns of leading blanks (how paragraph starts are marked in .txt).
    lead: usize,
    /// Columns of the trimmed text.
    width: usize,
    /// A blank line (or the start of the text) comes right before it.
    after_blank: bool,
}

fn lines(source: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut line_start = 0;
    let mut after_blank = true;
    for raw in source.split('\n') {
        let len = text::char_len(raw);
        let lead = raw.chars().take_while(|&c| text::is_blank(c)).count();
        if lead < len {
            let trail = raw.chars().rev().take_while(|&c| text::is_blank(c)).count();
            let (start, end) = (line_start + lead, line_start + len - trail);
            let trimmed = text::slice_chars(raw, lead, len - trail);
            out.push(Line {
                start,
                end,
                text: trimmed.to_string(),
                indented: lead > 0,
                lead: text::display_width(text::slice_chars(raw, 0, lead)),
                width: text::display_width(trimmed),
                after_blank,
            });
            after_blank = false;
        } else {
            after_blank = true;
        }
        line_start += len + 1;
    }
    out
}

/// Hard-wrapped text (lines cut at a fixed width by an editor or an old
/// e-text) is recognised by its wrap width: the width most long lines reach.
/// Narrower than this it is verse or a list, not wrapping; wider, lines are
/// whole paragraphs.
const MIN_WRAP_COLUMNS: usize = 40;
const MAX_WRAP_COLUMNS: usize = 200;
/// A line at least this share of the wrap width may continue on the next line.
const WRAPPED_LINE_SHARE: f64 = 0.75;

/// The wrap width of the text, if its lines are hard-wrapped: most lines
/// that reach near the widest width go on to a next line mid-sentence
/// (verse and one-line paragraphs end their lines with punctuation).
fn wrap_width(lines: &[Line]) -> Option<usize> {
    if lines.len() < 4 {
        return None;
    }
    let mut widths: Vec<usize> = lines.iter().map(|l| l.width).collect();
    widths.sort_unstable();
    let width = widths[widths.len() * 9 / 10];
    if !(MIN_WRAP_COLUMNS..=MAX_WRAP_COLUMNS).contains(&width) {
        return None;
    }
    let long_before_more: Vec<&Line> = lines
        .windows(2)
        .filter(|w| !w[1].after_blank && is_long(&w[0], width))
        .map(|w| &w[0])
        .collect();
    let mid_sentence = long_before_more
        .iter()
        .filter(|l| !l.text.ends_with(SENTENCE_ENDS))
        .count();
    (long_before_more.len() >= 3 && mid_sentence * 2 > long_before_more.len()).then_some(width)
}

const SENTENCE_ENDS: &[char] = &[
    '。', '！', '？', '.', '!', '?', '：', ':', '；', ';', '”', '」',
];

fn is_long(line: &Line, wrap: usize) -> bool {
    line.lead + line.width >= (wrap as f64 * WRAPPED_LINE_SHARE) as usize
}

/// Whether `next` goes on the paragraph `line` started or continued: only in
/// hard-wrapped text, never across a blank line, an indented paragraph
/// start, a heading or a list item, and only after a line that ran to the
/// wrap width.
fn continues(line: &Line, next: &Line, wrap: Option<usize>, margin: usize) -> bool {
    let Some(wrap) = wrap else {
        return false;
    };
    !next.after_blank
        && next.lead <= margin
        && is_long(line, wrap)
        && !is_heading(&line.text)
        && !is_heading(&next.text)
        && !is_list_item(&next.text)
}

/// `- `, `* `, `• `, `1. `, `1、`, `（1）`: a list item starts a line of its own.
fn is_list_item(t: &str) -> bool {
    if t.starts_with(['•', '·', '●', '○', '■', '□', '◆', '▪', '–', '—']) {
        return true;
    }
    if let Some(rest) = t.strip_prefix(['-', '*', '+']) {
        return rest.starts_with(' ');
    }
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 && digits <= 3 {
        let rest = &t[digits..];
        return rest.starts_with(". ") || rest.starts_with('、') || rest.starts_with(") ");
    }
    ["（", "("].iter().any(|open| {
        t.strip_prefix(open)
            .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    })
}

/// Lines joined into paragraphs where the text is hard-wrapped; a joined
/// paragraph's text is its source range, line breaks included (positions
/// stay code points of the source; the view hides breaks between Chinese
/// characters).
fn paragraphs(source: &str, lines: Vec<Line>) -> Vec<Line> {
    let wrap = wrap_width(&lines);
    if wrap.is_none() {
        return lines;
    }
    let index = text::CodePointIndex::new(source);
    // Indentation beyond the common margin marks a paragraph start.
    let margin = lines.iter().map(|l| l.lead).min().unwrap_or(0);
    let mut out: Vec<Line> = Vec::new();
    let mut last: Option<Line> = None;
    for line in lines {
        match last.take() {
            Some(mut para) if continues(&para, &line, wrap, margin) => {
                para.end = line.end;
                // The last line decides whether the paragraph goes on.
                para.lead = line.lead;
                para.width = line.width;
                para.text = line.text;
                last = Some(para);
            }
            previous => {
                out.extend(previous);
                last = Some(line);
            }
        }
    }
    out.extend(last);
    for para in &mut out {
        para.text = index.slice(source, para.start, para.end).to_string();
    }
    out
}

/// A one-line opening short enough to be a title.
const MAX_TITLE_COLUMNS: usize = 120;

fn classify(lines: &[Line]) -> Vec<Block> {
    let Some(first) = lines.first() else {
        return Vec::new();
    };
    // A text that opens with a paragraph has no title.
    let has_title = first.width <= MAX_TITLE_COLUMNS && !first.text.contains('\n');
    let title = if has_title { first.text.as_str() } else { "" };
    let footer_start = lines
        .iter()
        .rposition(|l| !is_footer(&l.text))
        .map_or(1, |i| i + 1)
        .max(1);
    let mut kinds: Vec<Option<BlockKind>> = vec![Some(BlockKind::Paragraph); lines.len()];
    let mut in_header = has_title;
    if has_title {
        kinds[0] = Some(BlockKind::Title);
    } else {
        kinds[0] = Some(body_kind(&first.text));
    }
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
    let outline = lines
        .iter()
        .zip(kinds)
        .filter_map(|(line, kind)| Some((line.start, line.end, line.text.as_str(), kind?)));
    blocks_with_ids(outline)
}

/// Blocks with ids from their own text (a suffix when the same text repeats).
fn blocks_with_ids<'a>(
    outline: impl Iterator<Item = (usize, usize, &'a str, BlockKind)>,
) -> Vec<Block> {
    let mut seen = std::collections::HashMap::new();
    outline
        .map(|(start, end, text, kind)| {
            let hash = fnv1a(text);
            let n = seen.entry(hash).or_insert(0u32);
            *n += 1;
            let id = if *n == 1 {
                format!("b{hash:08x}")
            } else {
                format!("b{hash:08x}-{n}")
            };
            Block {
                id,
                kind,
                start,
                end,
                text: text.to_string(),
            }
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

    fn texts(a: &Article) -> Vec<&str> {
        a.blocks.iter().map(|b| b.text.as_str()).collect()
    }

    /// A Chinese paragraph cut every 30 characters, as old e-texts are.
    fn hard_wrapped(paragraphs: &[&str]) -> String {
        let mut out = String::from("标题\n\n");
        for p in paragraphs {
            let chars: Vec<char> = p.chars().collect();
            for (i, line) in chars.chunks(30).enumerate() {
                if i == 0 {
                    out.push_str("\u{3000}\u{3000}");
                }
                out.extend(line);
                out.push('\n');
            }
        }
        out
    }

    #[test]
    fn hard_wrapped_lines_read_as_one_paragraph() {
        let p1 = "这是第一段很长的正文，它被编辑器在固定的宽度处折行，所以一句话被分在了好几行上，读的时候应当连成一段，不能在中间断开或者多出空格来，否则就读不通了。";
        let p2 = "第二段同样很长，同样被折行：段首有两个全角空格作为缩进，这是旧式纯文本里分段的标志，接下来的行没有缩进，是同一段的延续，直到下一个缩进为止。";
        let a = Article::parse(&hard_wrapped(&[p1, p2]));
        assert_eq!(
            kinds(&a),
            [BlockKind::Title, BlockKind::Paragraph, BlockKind::Paragraph]
        );
        for (block, p) in a.blocks[1..].iter().zip([p1, p2]) {
            assert_eq!(block.text.replace('\n', ""), p);
            assert_eq!(a.slice(block.start, block.end), block.text);
        }
    }

    #[test]
    fn hard_wrapped_english_with_blank_lines_between_paragraphs() {
        let text = "Notes\n\nThe quick brown fox jumps over the lazy dog and keeps\nrunning across the field until the sun goes down over\nthe hills.\n\nA second paragraph also wraps at the same width as the\nfirst one, so that it reads as one paragraph and not as\nthree separate lines.\n";
        let a = Article::parse(text);
        assert_eq!(a.blocks.len(), 3);
        assert!(a.blocks[1].text.starts_with("The quick") && a.blocks[1].text.ends_with("hills."));
        assert!(a.blocks[2].text.ends_with("lines."));
    }

    #[test]
    fn verse_and_one_line_paragraphs_keep_each_line() {
        let poem = Article::parse(
            "静夜思\n李白\n床前明月光，\n疑是地上霜。\n举头望明月，\n低头思故乡。\n",
        );
        assert_eq!(
            texts(&poem)[2..],
            [
                "床前明月光，",
                "疑是地上霜。",
                "举头望明月，",
                "低头思故乡。"
            ]
        );
        let lines = "题\n第一段只有一行，写完了。\n第二段也只有一行，也写完了。\n第三段同样。\n第四段同样。\n";
        assert_eq!(Article::parse(lines).blocks.len(), 5);
    }

    #[test]
    fn list_items_and_headings_are_never_joined() {
        let long = "很长的一行文字，用来撑满折行的宽度，让这段文字看起来是被折行的，";
        let text = format!("标题\n\n{long}\n继续这一段。\n\n一、第一部分\n{long}\n继续。\n- 第一项\n- 第二项\n1. 编号项\n{long}\n收尾。\n");
        let a = Article::parse(&text);
        let t = texts(&a);
        assert!(t.contains(&"一、第一部分"), "{t:?}");
        assert!(
            t.contains(&"- 第一项") && t.contains(&"- 第二项") && t.contains(&"1. 编号项"),
            "{t:?}"
        );
        assert!(
            t.iter()
                .any(|b| b.ends_with("继续这一段。") && b.contains('\n')),
            "{t:?}"
        );
    }

    #[test]
    fn a_text_that_opens_with_a_paragraph_has_no_title() {
        let long = "正文".repeat(80);
        let a = Article::parse(&format!("{long}\n\n第二段。"));
        assert_eq!(kinds(&a), [BlockKind::Paragraph, BlockKind::Paragraph]);
        assert_eq!(a.title(), "");
    }

    #[test]
    fn mixed_scripts_code_and_astral_characters_keep_code_point_ranges() {
        let text =
            "标题 Title 😀\n\nfn main() { println!(\"你好\"); }\n\n𠮶字 and English 混排。\n";
        let a = Article::parse(text);
        for b in &a.blocks {
            assert_eq!(a.slice(b.start, b.end), b.text);
        }
        assert_eq!(a.blocks.len(), 3);
    }

    #[test]
    fn a_megabyte_of_text_parses() {
        let para = "这是一段用来测试的文字，长度适中，包含标点。".repeat(10);
        let text = format!(
            "大文件\n\n{}",
            format!("\u{3000}\u{3000}{para}\n").repeat(1_000_000 / para.len())
        );
        let a = Article::parse(&text);
        assert!(text.len() >= 1_000_000 * 9 / 10);
        assert!(a.blocks.len() > 1000);
        let last = a.blocks.last().unwrap();
        assert_eq!(a.slice(last.start, last.end), last.text);
    }

    #[test]
    fn an_outline_gives_the_blocks() {
        let text = "Title\n\nHeading\n\nBody 正文。".to_string();
        let outline = [
            OutlineBlock {
                kind: BlockKind::Title,
                start: 0,
                end: 5,
            },
            OutlineBlock {
                kind: BlockKind::Heading,
                start: 7,
                end: 14,
            },
            OutlineBlock {
                kind: BlockKind::Paragraph,
                start: 16,
                end: 24,
            },
        ];
        assert_eq!(check_outline(&outline, 24), Ok(()));
        let a = Article::with_outline(text, &outline);
        assert_eq!(texts(&a), ["Title", "Heading", "Body 正文。"]);
        assert_eq!(a.title(), "Title");
        assert!(check_outline(&outline, 20).is_err());
        assert!(check_outline(&[outline[1], outline[0]], 24).is_err());
    }

    #[test]
    fn ids_do_not_move_when_other_blocks_change() {
        let a = Article::parse("题\n\n  甲段。\n\n  乙段。\n");
        let b = Article::parse("题\n\n  新插入的一段。\n\n  甲段。\n\n  乙段改了。\n");
        assert_eq!(a.blocks[1].id, b.blocks[2].id);
    }
}
