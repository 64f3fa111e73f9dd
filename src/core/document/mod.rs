//! Documents a person brings: files and pasted text turned into the text
//! the app stores and annotates, with the structure the file gives.
//!
//! Plain text is stored as decoded (CRLF -> LF, nothing else changed), and
//! its paragraphs are found from its lines (`Article::parse`). Markdown,
//! HTML and Word files are reduced to their text, one block per heading,
//! paragraph or list item, separated by blank lines; their structure comes
//! with them as an outline, so markup is shown as structure, never as
//! characters. Positions are code points of the stored text either way.

pub mod decode;
pub mod docx;
pub mod html;
pub mod markdown;

use serde::{Deserialize, Serialize};

use super::article::{check_outline, Article, BlockKind, OutlineBlock};
use super::text;

/// A document's stored form: its text and, for structured files, its
/// outline. Named by the SHA-256 of the text: the same text added twice is
/// one document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<Vec<OutlineBlock>>,
}

impl Document {
    /// Plain text: the blocks are found from its lines.
    pub fn plain(raw: &str) -> Document {
        Document {
            text: text::normalize(raw),
            outline: None,
        }
    }

    pub fn article(&self) -> Article {
        match &self.outline {
            Some(outline) => Article::with_outline(self.text.clone(), outline),
            None => Article::parse(&self.text),
        }
    }

    /// Whether the document is usable: text present, outline inside it.
    pub fn check(&self) -> Result<(), String> {
        if self.text.trim().is_empty() {
            return Err("没有文字".into());
        }
        if let Some(outline) = &self.outline {
            check_outline(outline, text::char_len(&self.text))?;
        }
        Ok(())
    }
}

/// What a file (or a paste) became.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    pub document: Document,
    /// A title when the text has none of its own (the file name, an HTML
    /// `<title>`).
    pub title_hint: String,
    /// For text files: the encoding used.
    pub encoding: Option<EncodingUsed>,
}

/// The encoding a text file was read in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncodingUsed {
    /// Its name (`UTF-8`, `gb18030`, `Big5`, …).
    pub name: String,
    /// Detected, not chosen by the person.
    pub detected: bool,
    /// Some bytes were not valid in it (replaced by U+FFFD).
    pub had_errors: bool,
}

impl EncodingUsed {
    /// Worth a second look: neither marked by a byte order mark nor proven
    /// by valid UTF-8, or with bytes that did not decode.
    pub fn uncertain(&self) -> bool {
        self.had_errors
            || (self.detected && self.name != "UTF-8" && !self.name.starts_with("UTF-16"))
    }
}

impl From<&decode::Decoded> for EncodingUsed {
    fn from(d: &decode::Decoded) -> Self {
        EncodingUsed {
            name: d.encoding.to_string(),
            detected: d.detected,
            had_errors: d.had_errors,
        }
    }
}

/// The kinds of file the app opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
    Docx,
}

/// The format of a file, from its name.
pub fn format_of(file_name: &str) -> Result<Format, String> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "text" | "" => Ok(Format::Text),
        "md" | "markdown" => Ok(Format::Markdown),
        "html" | "htm" | "xhtml" => Ok(Format::Html),
        "docx" => Ok(Format::Docx),
        "doc" => Err(format!(
            "无法打开「{file_name}」：旧式 .doc 格式不受支持，请在 Word 或 WPS 中另存为 .docx 或 .txt。"
        )),
        other => Err(format!(
            "无法打开「{file_name}」：不支持 .{other} 文件。可以打开 .txt、.md、.html 和 .docx。"
        )),
    }
}

/// Opens a file's bytes. `encoding` overrides the detected encoding of a
/// text file (a label such as `gb18030`). Errors name the file and the reason.
pub fn open_file(file_name: &str, bytes: &[u8], encoding: Option<&str>) -> Result<Opened, String> {
    let fail = |why: String| format!("无法打开「{file_name}」：{why}");
    let format = format_of(file_name)?;
    let title_hint = file_stem(file_name);
    let decoded_text = |bytes: &[u8]| decode::decode(bytes, encoding).map_err(fail);
    let (document, hint, encoding) = match format {
        Format::Text => {
            let decoded = decoded_text(bytes)?;
            (
                Document::plain(&decoded.text),
                title_hint,
                Some((&decoded).into()),
            )
        }
        Format::Markdown => {
            let decoded = decoded_text(bytes)?;
            (
                markdown::convert(&decoded.text),
                title_hint,
                Some((&decoded).into()),
            )
        }
        Format::Html => {
            let decoded = decoded_text(bytes)?;
            let (document, title) = html::convert(&decoded.text);
            (document, title.unwrap_or(title_hint), None)
        }
        Format::Docx => (docx::convert(bytes).map_err(fail)?, title_hint, None),
    };
    if let Some(problem) = binary_content(&document.text) {
        return Err(fail(problem));
    }
    document.check().map_err(|why| fail(format!("{why}。")))?;
    Ok(Opened {
        document,
        title_hint: hint,
        encoding,
    })
}

/// Pasted text: HTML when the clipboard had it (a web page's headings and
/// paragraphs), else plain text.
pub fn open_paste(plain: &str, html: Option<&str>) -> Result<Opened, String> {
    let from_html = html
        .map(html::convert)
        .filter(|(d, _)| !d.text.trim().is_empty());
    let (document, title) = match from_html {
        Some((d, title)) => (d, title.unwrap_or_default()),
        None => (Document::plain(plain), String::new()),
    };
    if let Some(problem) = binary_content(&document.text) {
        return Err(format!("粘贴的内容无法使用：{problem}"));
    }
    document
        .check()
        .map_err(|why| format!("粘贴的内容无法使用：{why}。"))?;
    Ok(Opened {
        document,
        title_hint: title,
        encoding: None,
    })
}

/// Text that is really binary data (a wrong encoding or not a text file).
fn binary_content(text: &str) -> Option<String> {
    let total = text.chars().count().max(1);
    let control = text
        .chars()
        .filter(|&c| c == '\0' || (c.is_control() && !matches!(c, '\n' | '\t' | '\r' | '\u{c}')))
        .count();
    (control * 100 > total)
        .then(|| "看起来不是文本（含有大量控制字符），可能是二进制文件或编码不对。".into())
}

fn file_stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(s, _)| s).to_string()
}

/// Builds a structured document block by block: blocks are separated by a
/// blank line in the text, and each is recorded in the outline.
#[derive(Default)]
pub(crate) struct OutlineBuilder {
    text: String,
    length: usize,
    outline: Vec<OutlineBlock>,
}

impl OutlineBuilder {
    /// Adds a block (trimmed; nothing when blank). A first-level heading
    /// that opens the document is its title.
    pub fn push(&mut self, kind: BlockKind, block: &str) {
        let block = text::normalize(block.trim_matches(|c: char| c.is_whitespace()));
        if block.is_empty() {
            return;
        }
        if !self.text.is_empty() {
            self.text.push_str("\n\n");
            self.length += 2;
        }
        let start = self.length;
        self.length += text::char_len(&block);
        self.text.push_str(&block);
        self.outline.push(OutlineBlock {
            kind,
            start,
            end: self.length,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.outline.is_empty()
    }

    pub fn finish(self) -> Document {
        Document {
            text: self.text,
            outline: Some(self.outline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension_and_clear_refusals() {
        assert_eq!(format_of("a.TXT"), Ok(Format::Text));
        assert_eq!(format_of("notes.md"), Ok(Format::Markdown));
        assert_eq!(format_of("page.htm"), Ok(Format::Html));
        assert_eq!(format_of("报告.docx"), Ok(Format::Docx));
        let e = format_of("旧报告.doc").unwrap_err();
        assert!(e.contains("旧报告.doc") && e.contains(".docx"), "{e}");
        let e = format_of("photo.png").unwrap_err();
        assert!(e.contains("photo.png") && e.contains(".png"), "{e}");
    }

    #[test]
    fn empty_whitespace_and_binary_files_are_refused_by_name() {
        for bytes in [&b""[..], b"  \n\t\r\n", "\u{3000}\n".as_bytes()] {
            let e = open_file("空.txt", bytes, None).unwrap_err();
            assert!(e.contains("空.txt") && e.contains("没有文字"), "{e}");
        }
        let e = open_file("x.txt", &[0u8, 1, 2, 3, 0, 0, 7, 8, 0, 1, 2, 3], None).unwrap_err();
        assert!(e.contains("x.txt"), "{e}");
    }

    #[test]
    fn a_text_file_keeps_its_text_and_names_its_encoding() {
        let o = open_file("故事.txt", "标题\r\n\r\n  正文😀𠮶。\r\n".as_bytes(), None).unwrap();
        assert_eq!(o.document.text, "标题\n\n  正文😀𠮶。\n");
        assert_eq!(o.title_hint, "故事");
        let encoding = o.encoding.unwrap();
        assert_eq!(encoding.name, "UTF-8");
        assert!(!encoding.uncertain());
        let a = o.document.article();
        assert_eq!(a.title(), "标题");
    }

    #[test]
    fn pastes_prefer_the_pages_structure() {
        let o = open_paste(
            "标题 正文",
            Some("<h1>标题</h1><p>正文<script>x()</script></p>"),
        )
        .unwrap();
        let a = o.document.article();
        assert_eq!(a.blocks.len(), 2);
        assert_eq!(a.blocks[0].kind, BlockKind::Title);
        let o = open_paste("只有文字\n\n第二段", Some("")).unwrap();
        assert_eq!(o.document.outline, None);
        assert!(open_paste("   ", None).is_err());
    }

    #[test]
    fn the_builder_separates_blocks_by_blank_lines() {
        let mut b = OutlineBuilder::default();
        b.push(BlockKind::Title, " 题😀 ");
        b.push(BlockKind::Paragraph, "\n");
        b.push(BlockKind::Paragraph, "段𠮶");
        let d = b.finish();
        assert_eq!(d.text, "题😀\n\n段𠮶");
        let a = d.article();
        for blk in &a.blocks {
            assert_eq!(a.slice(blk.start, blk.end), blk.text);
        }
        assert_eq!(d.check(), Ok(()));
    }
}
