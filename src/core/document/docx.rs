//! Word (.docx): the paragraphs of `word/document.xml`, headings told by
//! their styles (`word/styles.xml`: a style named "heading N" or "Title",
//! or with an outline level; Chinese Word names its heading styles by
//! number, so the name, not the id, decides). `zip` reads the container,
//! `quick-xml` the parts. Deleted text of tracked changes is left out.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{Document, OutlineBuilder};
use crate::core::article::BlockKind;

/// A Word file larger than this unpacked is refused (a zip bomb, or not a
/// text document).
const MAX_PART_BYTES: u64 = 64 << 20;

pub fn convert(bytes: &[u8]) -> Result<Document, String> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("不是有效的 .docx 文件（{e}）。"))?;
    let document = read_part(&mut zip, "word/document.xml")?
        .ok_or("不是 Word 文档：缺少 word/document.xml。")?;
    let styles = match read_part(&mut zip, "word/styles.xml")? {
        Some(xml) => style_kinds(&xml)?,
        None => HashMap::new(),
    };
    let out = paragraphs(&document, &styles)?;
    Ok(out.finish())
}

fn read_part(
    zip: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, String> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(format!("无法读取 {name}（{e}）。")),
    };
    let mut xml = String::new();
    file.take(MAX_PART_BYTES)
        .read_to_string(&mut xml)
        .map_err(|e| format!("无法读取 {name}（{e}）。"))?;
    Ok(Some(xml))
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
}

fn xml_error(part: &str, e: impl std::fmt::Display) -> String {
    format!("{part} 已损坏（{e}）。")
}

/// Block kinds of the paragraph styles that are headings or the title.
fn style_kinds(xml: &str) -> Result<HashMap<String, BlockKind>, String> {
    let mut reader = Reader::from_str(xml);
    let mut kinds = HashMap::new();
    let mut current: Option<String> = None;
    loop {
        match reader
            .read_event()
            .map_err(|e| xml_error("styles.xml", e))?
        {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"style" => current = attr(&e, b"w:styleId"),
                b"name" => {
                    let name = attr(&e, b"w:val").unwrap_or_default().to_lowercase();
                    let kind = if name == "title" || name == "标题" {
                        Some(BlockKind::Title)
                    } else if name.starts_with("heading") || name.starts_with("标题 ") {
                        Some(BlockKind::Heading)
                    } else {
                        None
                    };
                    if let (Some(id), Some(kind)) = (&current, kind) {
                        kinds.insert(id.clone(), kind);
                    }
                }
                b"outlineLvl" => {
                    if let Some(id) = &current {
                        kinds.entry(id.clone()).or_insert(BlockKind::Heading);
                    }
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"style" => current = None,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(kinds)
}

fn paragraphs(xml: &str, styles: &HashMap<String, BlockKind>) -> Result<OutlineBuilder, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = OutlineBuilder::default();
    let mut text = String::new();
    let mut kind = BlockKind::Paragraph;
    let mut in_text = false;
    loop {
        match reader
            .read_event()
            .map_err(|e| xml_error("document.xml", e))?
        {
            Event::Start(e) => match e.local_name().as_ref() {
                b"p" => {
                    text.clear();
                    kind = BlockKind::Paragraph;
                }
                b"t" => in_text = true,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"pStyle" => {
                    if let Some(k) = attr(&e, b"w:val").and_then(|id| styles.get(&id)) {
                        kind = *k;
                    }
                }
                b"outlineLvl" => kind = BlockKind::Heading,
                b"tab" => text.push('\t'),
                b"br" | b"cr" => text.push('\n'),
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_text = false,
                b"p" => {
                    // A title after the opening is shown as a heading.
                    let k = if kind == BlockKind::Title && !out.is_empty() {
                        BlockKind::Heading
                    } else {
                        kind
                    };
                    out.push(k, &std::mem::take(&mut text));
                }
                _ => {}
            },
            Event::Text(t) if in_text => {
                text.push_str(&t.decode().map_err(|e| xml_error("document.xml", e))?);
            }
            Event::GeneralRef(r) if in_text => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    _ => r
                        .decode()
                        .ok()
                        .and_then(|name| quick_xml::escape::resolve_predefined_entity(&name))
                        .map(str::to_string),
                };
                text.push_str(&resolved.unwrap_or_default());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A minimal .docx as Word writes it (Chinese Word: heading style ids
    /// are numbers).
    pub(crate) fn docx(paragraphs: &[(&str, &str)]) -> Vec<u8> {
        let body: String = paragraphs
            .iter()
            .map(|(style, text)| {
                let ppr = if style.is_empty() {
                    String::new()
                } else {
                    format!(r#"<w:pPr><w:pStyle w:val="{style}"/></w:pPr>"#)
                };
                format!(r#"<w:p>{ppr}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#)
            })
            .collect();
        let document = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}<w:p><w:r><w:t>带</w:t></w:r><w:del><w:r><w:delText>删掉的</w:delText></w:r></w:del><w:r><w:tab/><w:t>制表 &amp; 实体</w:t><w:br/><w:t>换行</w:t></w:r></w:p></w:body></w:document>"#
        );
        let styles = r#"<?xml version="1.0" encoding="UTF-8"?><w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:style w:type="paragraph" w:styleId="a3"><w:name w:val="Title"/></w:style><w:style w:type="paragraph" w:styleId="1"><w:name w:val="heading 1"/><w:pPr><w:outlineLvl w:val="0"/></w:pPr></w:style><w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/></w:style></w:styles>"#;
        let mut buf = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("[Content_Types].xml", options).unwrap();
        zip.write_all(b"<Types/>").unwrap();
        zip.start_file("word/document.xml", options).unwrap();
        zip.write_all(document.as_bytes()).unwrap();
        zip.start_file("word/styles.xml", options).unwrap();
        zip.write_all(styles.as_bytes()).unwrap();
        zip.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn paragraphs_and_headings_from_the_styles() {
        let bytes = docx(&[
            ("a3", "报告标题"),
            ("", "第一段正文😀。"),
            ("1", "一级标题"),
            ("Quote", "引用段落𠮶"),
            ("", "  "),
        ]);
        let d = convert(&bytes).unwrap();
        let a = d.article();
        let got: Vec<(BlockKind, &str)> =
            a.blocks.iter().map(|b| (b.kind, b.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (BlockKind::Title, "报告标题"),
                (BlockKind::Paragraph, "第一段正文😀。"),
                (BlockKind::Heading, "一级标题"),
                (BlockKind::Paragraph, "引用段落𠮶"),
                (BlockKind::Paragraph, "带\t制表 & 实体\n换行"),
            ]
        );
    }

    #[test]
    fn broken_files_are_refused_with_the_reason() {
        assert!(convert(b"not a zip").unwrap_err().contains(".docx"));
        let mut buf = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut buf);
        zip.start_file("other.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"<x/>").unwrap();
        zip.finish().unwrap();
        assert!(convert(&buf.into_inner())
            .unwrap_err()
            .contains("word/document.xml"));
        let mut bad = docx(&[("", "x")]);
        let n = bad.len();
        bad.truncate(n / 2);
        assert!(convert(&bad).is_err());
    }
}
