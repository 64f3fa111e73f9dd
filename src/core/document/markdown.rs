//! Markdown: headings, paragraphs, list items, block quotes and code blocks
//! become blocks (`pulldown-cmark` parses); emphasis, links and inline code
//! keep their text and lose their markup; images and raw HTML are dropped.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use super::{Document, OutlineBuilder};
use crate::core::article::BlockKind;

pub fn convert(source: &str) -> Document {
    let mut out = OutlineBuilder::default();
    let mut block = String::new();
    let mut kind = BlockKind::Paragraph;
    let mut in_image = 0usize;
    for event in Parser::new(source) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                out.push(kind, &std::mem::take(&mut block));
                kind = if level == HeadingLevel::H1 && out.is_empty() {
                    BlockKind::Title
                } else {
                    BlockKind::Heading
                };
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::CodeBlock(_) | Tag::BlockQuote(_)) => {
                out.push(kind, &std::mem::take(&mut block));
                kind = BlockKind::Paragraph;
            }
            Event::End(
                TagEnd::Heading(_)
                | TagEnd::Paragraph
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_),
            ) => {
                out.push(kind, &std::mem::take(&mut block));
                kind = BlockKind::Paragraph;
            }
            Event::Start(Tag::Image { .. }) => in_image += 1,
            Event::End(TagEnd::Image) => in_image = in_image.saturating_sub(1),
            Event::Text(t) | Event::Code(t) if in_image == 0 => block.push_str(&t),
            Event::SoftBreak | Event::HardBreak => block.push('\n'),
            _ => {}
        }
    }
    out.push(kind, &block);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(d: &Document) -> Vec<(BlockKind, String)> {
        d.article()
            .blocks
            .into_iter()
            .map(|b| (b.kind, b.text))
            .collect()
    }

    #[test]
    fn markup_becomes_structure_not_characters() {
        let md = "# 标题\n\n导语有**加粗**和[链接](http://x)以及`代码`。\n\n## 第一节\n\n- 第一项\n- 第二项 😀\n\n> 引用的话\n\n1. 编号\n\n![图](a.png)\n\n```\nfn main() {}\n```\n";
        let d = convert(md);
        assert_eq!(
            blocks(&d),
            [
                (BlockKind::Title, "标题".to_string()),
                (BlockKind::Paragraph, "导语有加粗和链接以及代码。".into()),
                (BlockKind::Heading, "第一节".into()),
                (BlockKind::Paragraph, "第一项".into()),
                (BlockKind::Paragraph, "第二项 😀".into()),
                (BlockKind::Paragraph, "引用的话".into()),
                (BlockKind::Paragraph, "编号".into()),
                (BlockKind::Paragraph, "fn main() {}".into()),
            ]
        );
        assert_eq!(d.check(), Ok(()));
    }

    #[test]
    fn a_document_without_a_first_heading_has_no_title() {
        let d = convert("正文一段。\n\n# 后来的标题\n");
        let kinds: Vec<BlockKind> = blocks(&d).into_iter().map(|b| b.0).collect();
        assert_eq!(kinds, [BlockKind::Paragraph, BlockKind::Heading]);
    }

    #[test]
    fn soft_line_breaks_stay_inside_the_paragraph() {
        let d = convert("第一行\n第二行\n\n下一段");
        assert_eq!(blocks(&d)[0].1, "第一行\n第二行");
        assert_eq!(blocks(&d).len(), 2);
    }
}
