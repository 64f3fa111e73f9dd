//! CSV, one row per annotation: id, start, end, quote, tags, note,
//! paragraph, created, modified. RFC 4180 (CRLF line ends, fields with
//! commas, quotes or line breaks quoted, quotes doubled), UTF-8 with a BOM
//! so that Excel shows Chinese. Tags are joined with `;`. Start and end
//! are code points; paragraph is the paragraph's number in the document
//! (1 is the first block). A document label has no start, end or
//! paragraph; an orphan has its quote but no place.

use super::Export;
use crate::core::annotation::{Annotation, Target};
use crate::core::article::Article;
use crate::core::store::Annotations;

pub const COLUMNS: [&str; 9] = [
    "id",
    "start",
    "end",
    "quote",
    "tags",
    "note",
    "paragraph",
    "created",
    "modified",
];

/// One field, quoted when it has to be.
pub fn field(value: &str) -> String {
    if value.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// Rows as an RFC 4180 file with a BOM.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let line = |fields: Vec<String>| {
        fields
            .iter()
            .map(|f| field(f))
            .collect::<Vec<_>>()
            .join(",")
    };
    out.push_str(&line(header.iter().map(|h| h.to_string()).collect()));
    out.push_str("\r\n");
    for row in rows {
        out.push_str(&line(row));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn row(article: &Article, a: &Annotation, placed: bool) -> Vec<String> {
    let (start, end, paragraph) = match (&a.target, placed) {
        (Target::Passage { start, end, .. } | Target::Block { start, end, .. }, true) => (
            start.to_string(),
            end.to_string(),
            article
                .block_at(*start)
                .map_or(String::new(), |i| (i + 1).to_string()),
        ),
        _ => Default::default(),
    };
    let quote = a.target.quote().map_or("", |q| q.exact.as_str());
    vec![
        a.id.clone(),
        start,
        end,
        quote.to_string(),
        a.tags.join(";"),
        a.note.clone(),
        paragraph,
        a.created.clone(),
        a.modified.clone(),
    ]
}

pub fn export(article: &Article, all: &Annotations) -> Export {
    let rows = all
        .in_document_order()
        .into_iter()
        .map(|a| row(article, a, true))
        .chain(all.orphans.iter().map(|a| row(article, a, false)));
    Export {
        content: table(&COLUMNS, rows),
        left_out: super::no_relations(all).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::formats::test_support::annotations;

    #[test]
    fn quoting_by_hand() {
        assert_eq!(field("张三"), "张三");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("他说\"好\"\n"), "\"他说\"\"好\"\"\n\"");
    }

    #[test]
    fn rows_with_bom_crlf_and_paragraph_numbers() {
        let article = Article::parse("标题\n\n😀张三,去北京\n");
        let all = annotations(&article, &[("a", 5, 7, &["人物", "主角"], "说\"好\"")]);
        let text = String::from_utf8(export(&article, &all).content).unwrap();
        assert_eq!(
            text,
            "\u{feff}id,start,end,quote,tags,note,paragraph,created,modified\r\n\
             a,5,7,张三,人物;主角,\"说\"\"好\"\"\",2,2026-11-30T08:00:00.000Z,2026-11-30T08:00:00.000Z\r\n"
        );
    }
}
