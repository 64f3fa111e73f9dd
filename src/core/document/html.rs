//! HTML (a saved page, or rich text pasted from one): headings, paragraphs,
//! list items, table rows and captions become blocks; scripts, styles,
//! images and other embedded content are dropped. `html5gum` tokenizes, so
//! entities, comments and broken markup are handled as browsers do.

use html5gum::{emitters::default::DefaultEmitter, Token, Tokenizer};

use super::{Document, OutlineBuilder};
use crate::core::article::BlockKind;
use crate::core::text;

/// Elements whose content is never text to read.
const SKIPPED: &[&str] = &[
    "script", "style", "template", "noscript", "svg", "math", "iframe", "object", "canvas",
    "video", "audio", "select", "head",
];
/// Elements that start and end a block.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "li",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "main",
    "nav",
    "figure",
    "table",
    "tr",
    "ul",
    "ol",
    "dl",
    "hr",
    "address",
    "caption",
    "details",
    "summary",
    "form",
    "fieldset",
    "body",
    "center",
];

/// The document and the page's `<title>`, if any.
pub fn convert(source: &str) -> (Document, Option<String>) {
    let mut emitter = DefaultEmitter::default();
    // Script and style contents are raw text, as in a browser.
    emitter.naively_switch_states(true);
    let mut out = OutlineBuilder::default();
    let mut block = String::new();
    let mut kind = BlockKind::Paragraph;
    let mut skipping: Vec<String> = Vec::new();
    let mut in_pre = 0usize;
    let mut title: Option<String> = None;
    let mut in_title = false;
    let flush = |out: &mut OutlineBuilder, block: &mut String, kind: BlockKind, pre: usize| {
        let text = std::mem::take(block);
        // `<pre>` text is kept as written.
        out.push(kind, &if pre > 0 { text } else { collapse(&text) });
    };
    for token in Tokenizer::new_with_emitter(source, emitter).flatten() {
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                if name == "title" {
                    in_title = !tag.self_closing;
                    continue;
                }
                // Unclosed elements inside are dropped with the skipped one
                // when its end tag comes.
                if !skipping.is_empty() || SKIPPED.contains(&name.as_str()) {
                    if !tag.self_closing {
                        skipping.push(name);
                    }
                    continue;
                }
                if let Some(level) = heading_level(&name) {
                    flush(&mut out, &mut block, kind, in_pre);
                    kind = if level == 1 && out.is_empty() {
                        BlockKind::Title
                    } else {
                        BlockKind::Heading
                    };
                } else if name == "figcaption" {
                    flush(&mut out, &mut block, kind, in_pre);
                    kind = BlockKind::Caption;
                } else if BLOCKS.contains(&name.as_str()) {
                    flush(&mut out, &mut block, kind, in_pre);
                    kind = BlockKind::Paragraph;
                    if name == "pre" {
                        in_pre += 1;
                    }
                } else if name == "br" {
                    block.push(PRE_NEWLINE);
                } else if matches!(name.as_str(), "td" | "th") && !block.is_empty() {
                    block.push('\t');
                }
            }
            Token::EndTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                if name == "title" {
                    in_title = false;
                    continue;
                }
                if !skipping.is_empty() {
                    if let Some(i) = skipping.iter().rposition(|s| *s == name) {
                        skipping.truncate(i);
                    }
                    continue;
                }
                if heading_level(&name).is_some()
                    || name == "figcaption"
                    || BLOCKS.contains(&name.as_str())
                {
                    flush(&mut out, &mut block, kind, in_pre);
                    kind = BlockKind::Paragraph;
                    if name == "pre" {
                        in_pre = in_pre.saturating_sub(1);
                    }
                }
            }
            Token::String(s) => {
                let s = String::from_utf8_lossy(&s);
                if in_title {
                    title.get_or_insert_with(String::new).push_str(&s);
                } else if skipping.is_empty() {
                    block.push_str(&s);
                }
            }
            _ => {}
        }
    }
    flush(&mut out, &mut block, kind, in_pre);
    let title = title
        .map(|t| collapse(&t).trim().to_string())
        .filter(|t| !t.is_empty());
    (out.finish(), title)
}

fn heading_level(name: &str) -> Option<u8> {
    match name.as_bytes() {
        [b'h', d @ b'1'..=b'6'] => Some(d - b'0'),
        _ => None,
    }
}

/// A line break from `<br>`, kept through collapsing.
const PRE_NEWLINE: char = '\u{2028}';

/// HTML whitespace collapsing: runs of spaces, tabs and newlines become one
/// space, or nothing where a source line break falls between two Chinese
/// characters (it is not a space there). `<br>` line breaks stay.
fn collapse(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}') {
            let mut j = i;
            while j < chars.len() && matches!(chars[j], ' ' | '\t' | '\n' | '\r' | '\u{c}') {
                j += 1;
            }
            let before = out.chars().last();
            let after = chars.get(j).copied();
            let line_break = chars[i..j].contains(&'\n');
            let between_wide =
                line_break && before.is_some_and(text::is_wide) && after.is_some_and(text::is_wide);
            let at_edge = before.is_none_or(|b| b == '\n')
                || after.is_none_or(|a| a == '\n' || a == PRE_NEWLINE);
            if !between_wide && !at_edge {
                out.push(' ');
            }
            i = j;
        } else {
            out.push(if c == PRE_NEWLINE { '\n' } else { c });
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(html: &str) -> Vec<(BlockKind, String)> {
        convert(html)
            .0
            .article()
            .blocks
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect()
    }

    #[test]
    fn a_page_keeps_its_headings_and_paragraphs_and_drops_the_rest() {
        let page = r##"<!doctype html><html><head><title>页面 &amp; 标题</title>
            <style>p { color: red }</style><script>if (a < b) { document.write("<p>x</p>") }</script></head>
            <body><nav><a href="/">首页</a></nav>
            <h1>新闻标题</h1>
            <p>第一段
               正文，<b>加粗</b>&nbsp;与 <a href="#">English words</a> 混排。</p>
            <img src="x.png" alt="图片">
            <h2>小标题</h2><ul><li>一项</li><li>两项<br>换行</li></ul>
            <figure><img src="y.png"><figcaption>图为某地 记者 摄</figcaption></figure>
            <pre>代码  保留
  缩进</pre><!-- 注释 --><noscript><p>不要</p></noscript></body></html>"##;
        let (doc, title) = convert(page);
        assert_eq!(title.as_deref(), Some("页面 & 标题"));
        assert_eq!(
            blocks(page),
            [
                (BlockKind::Paragraph, "首页".to_string()),
                (BlockKind::Heading, "新闻标题".into()),
                (
                    BlockKind::Paragraph,
                    "第一段正文，加粗\u{a0}与 English words 混排。".into()
                ),
                (BlockKind::Heading, "小标题".into()),
                (BlockKind::Paragraph, "一项".into()),
                (BlockKind::Paragraph, "两项\n换行".into()),
                (BlockKind::Caption, "图为某地 记者 摄".into()),
                (BlockKind::Paragraph, "代码  保留\n  缩进".into()),
            ]
        );
        assert_eq!(doc.check(), Ok(()));
    }

    #[test]
    fn a_fragment_from_the_clipboard() {
        assert_eq!(
            blocks("<meta charset='utf-8'><h1>标题😀</h1><div>段落<span>𠮶</span></div>"),
            [
                (BlockKind::Title, "标题😀".to_string()),
                (BlockKind::Paragraph, "段落𠮶".into())
            ]
        );
    }

    #[test]
    fn broken_markup_still_gives_the_text() {
        assert_eq!(
            blocks("<p>没有闭合<p>第二段 <b>未闭合"),
            [
                (BlockKind::Paragraph, "没有闭合".to_string()),
                (BlockKind::Paragraph, "第二段 未闭合".into())
            ]
        );
    }
}
