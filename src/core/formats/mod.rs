//! The formats NLP tools read: CoNLL-style BIO/BIOES, doccano JSONL, Label
//! Studio JSON, brat standoff, spaCy JSON and CSV. Every offset is in code
//! points of the document's text, the unit each of these formats documents
//! (Python string indices; Label Studio counts code points since its emoji
//! fix). What a format cannot carry is reported in words, never dropped
//! quietly.

pub mod bio;
pub mod brat;
pub mod csv;
pub mod doccano;
pub mod label_studio;
pub mod spacy;

use super::annotation::{quote_at, uuid_from_name, Annotation, Target};
use super::exchange::{parse_import, ImportError, Imported, MAX_IMPORT_BYTES};
use super::store::Annotations;
use super::text;

/// A file made by an export, with what it left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub content: Vec<u8>,
    /// One sentence per kind of thing left out or changed, for the person.
    pub left_out: Vec<String>,
}

/// A passage annotation as the span formats see it.
#[derive(Clone, Copy, Debug)]
pub struct Mention<'a> {
    pub annotation: &'a Annotation,
    pub start: usize,
    pub end: usize,
}

/// The tagged passages of `all` in document order, and sentences on what
/// the span formats leave out: paragraph and document labels (not spans),
/// untagged passages (a span format needs a label) and orphans (no place).
pub fn mentions(all: &Annotations) -> (Vec<Mention<'_>>, Vec<String>) {
    let mut found = Vec::new();
    let (mut blocks, mut documents, mut untagged) = (0, 0, 0);
    for a in all.in_document_order() {
        match &a.target {
            Target::Passage { start, end, .. } if !a.tags.is_empty() => found.push(Mention {
                annotation: a,
                start: *start,
                end: *end,
            }),
            Target::Passage { .. } => untagged += 1,
            Target::Block { .. } => blocks += 1,
            Target::Document => documents += 1,
            // Relations are written by the formats that have them.
            Target::Relation { .. } => {}
        }
    }
    let mut left_out = Vec::new();
    if blocks > 0 {
        left_out.push(format!(
            "{blocks} 条段落标注不是文本片段，未写入（项目 JSON 与 CSV 含有它们）"
        ));
    }
    if documents > 0 {
        left_out.push(format!(
            "{documents} 条全文标注不是文本片段，未写入（项目 JSON 与 CSV 含有它们）"
        ));
    }
    if untagged > 0 {
        left_out.push(format!(
            "{untagged} 条没有标签的片段标注未写入（此格式每个片段需要一个标签）"
        ));
    }
    if !all.orphans.is_empty() {
        left_out.push(format!(
            "{} 条未能定位的标注没有位置，未写入（项目 JSON 含有它们）",
            all.orphans.len()
        ));
    }
    (found, left_out)
}

/// The relations whose two ends are among `written` (the annotations a file
/// holds), and a sentence on the relations left out because an end is not.
pub fn relations_among<'a>(
    all: &'a Annotations,
    written: &[Mention<'_>],
) -> (Vec<&'a Annotation>, Option<String>) {
    let ids: std::collections::HashSet<&str> =
        written.iter().map(|m| m.annotation.id.as_str()).collect();
    let (kept, left): (Vec<&Annotation>, Vec<&Annotation>) =
        all.relations().map(|r| &**r).partition(|r| {
            r.target
                .ends()
                .is_some_and(|(f, t)| ids.contains(f) && ids.contains(t))
        });
    let sentence = (!left.is_empty()).then(|| {
        format!(
            "{} 条关系的一端不在此文件中（段落、全文或未定位的标注），未写入",
            left.len()
        )
    });
    (kept, sentence)
}

/// The sentence for a format that has no relations.
pub fn no_relations(all: &Annotations) -> Option<String> {
    let n = all.relations().count();
    (n > 0).then(|| format!("{n} 条关系未写入（此格式没有关系）"))
}

/// A label as formats whose labels cannot hold whitespace write it.
pub fn label_without_spaces(tag: &str) -> String {
    tag.split_whitespace().collect::<Vec<_>>().join("_")
}

/// The sentence saying which tags were renamed for a format without spaces.
pub fn renamed_labels<'a>(tags: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut renamed: Vec<String> = tags
        .into_iter()
        .filter(|t| t.contains(char::is_whitespace))
        .map(|t| format!("「{t}」→「{}」", label_without_spaces(t)))
        .collect();
    renamed.sort();
    renamed.dedup();
    (!renamed.is_empty()).then(|| format!("标签名中的空格改为下划线：{}", renamed.join("、")))
}

/// A short quote for reports: the first characters of `text`.
pub fn short(text: &str) -> String {
    const SHOWN: usize = 12;
    let mut s: String = text.chars().take(SHOWN).collect();
    if text.chars().nth(SHOWN).is_some() {
        s.push('…');
    }
    s
}

/// Reads an import file in any format the app takes: the project's JSON,
/// W3C, Label Studio JSON, doccano JSONL, a brat `.ann` or a zip of brat
/// files. `current` is the open document's text (a brat `.ann` alone is
/// read against it; files of several texts are matched to it).
pub fn parse_any(
    name: &str,
    bytes: &[u8],
    current: &str,
    now: &str,
) -> Result<Imported, Vec<ImportError>> {
    let lower = name.to_lowercase();
    if lower.ends_with(".zip") || bytes.starts_with(b"PK\x03\x04") {
        return brat::parse_zip(bytes, current, now);
    }
    let raw = std::str::from_utf8(bytes).map_err(|e| {
        vec![problem(
            "文件",
            format!("不是 UTF-8 文本（第 {} 字节起）", e.valid_up_to()),
        )]
    })?;
    if lower.ends_with(".ann") {
        return brat::parse_ann(raw, current, now);
    }
    if raw.len() > MAX_IMPORT_BYTES {
        return parse_import(raw, 0);
    }
    let trimmed = raw.trim_start_matches('\u{feff}');
    match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(v) if is_label_studio(&v) => label_studio::parse(&v, current, now),
        // A doccano file of one line is one JSON object.
        Ok(v) if v.get("text").is_some_and(serde_json::Value::is_string) => {
            doccano::parse(raw, current, now)
        }
        Ok(_) => parse_import(raw, text::char_len(current)),
        Err(_) if lower.ends_with(".jsonl") || looks_like_jsonl(trimmed) => {
            doccano::parse(raw, current, now)
        }
        Err(_) => parse_import(raw, text::char_len(current)),
    }
}

/// Label Studio tasks: objects (or a list of them) with `data`.
fn is_label_studio(v: &serde_json::Value) -> bool {
    let task = |t: &serde_json::Value| t.get("data").is_some_and(serde_json::Value::is_object);
    match v {
        serde_json::Value::Array(list) => list.first().is_some_and(task),
        one => task(one),
    }
}

/// JSON Lines: the first line is a JSON object of its own.
fn looks_like_jsonl(raw: &str) -> bool {
    raw.lines()
        .find(|l| !l.trim().is_empty())
        .is_some_and(|l| serde_json::from_str::<serde_json::Value>(l).is_ok_and(|v| v.is_object()))
}

/// A labelled span read from a file, in code points of the file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanRecord {
    /// What the file calls it (an entity id), for its relations.
    pub key: String,
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub note: String,
}

/// A relation read from a file, between spans named by their keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelationRecord {
    pub from: String,
    pub to: String,
    pub label: String,
    pub note: String,
}

/// An error at a place in a file, for the import's list of problems.
pub fn problem(path: impl Into<String>, message: impl Into<String>) -> ImportError {
    ImportError {
        item: None,
        path: path.into(),
        message: message.into(),
    }
}

/// Annotations from the spans of a file whose text is `raw_text`, and its
/// relations between them. Spans with the same range become one annotation
/// with all their labels (the span formats write one entity per tag). Ids
/// are derived from the text, the range and the labels, so importing the
/// same file twice adds nothing. Positions are mapped onto the text as the
/// app normalises it (CRLF to LF, no BOM), and the quotes give
/// re-anchoring what to look for. The file's checks made sure every
/// relation names spans it holds.
pub fn imported_from_spans(
    format: &'static str,
    raw_text: &str,
    mut spans: Vec<SpanRecord>,
    relations: Vec<RelationRecord>,
    now: &str,
) -> Imported {
    let normalized = text::normalize(raw_text);
    let to_normalized = normalizing_map(raw_text);
    let sha = {
        use sha2::{Digest, Sha256};
        Sha256::digest(normalized.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    spans.sort_by_key(|s| (s.start, s.end));
    let mut annotations: Vec<Annotation> = Vec::new();
    // The file's key of each span -> index of its annotation.
    let mut by_key: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for s in spans {
        let (start, end) = (to_normalized(s.start), to_normalized(s.end));
        let merged = annotations
            .last()
            .is_some_and(|l| l.target.range() == Some((start, end)));
        by_key.insert(s.key.clone(), annotations.len() - usize::from(merged));
        match annotations.last_mut() {
            Some(last) if merged => {
                if !last.tags.contains(&s.label) {
                    last.tags.push(s.label);
                }
                if !s.note.is_empty() && !last.note.contains(&s.note) {
                    if !last.note.is_empty() {
                        last.note.push('\n');
                    }
                    last.note.push_str(&s.note);
                }
            }
            _ => annotations.push(Annotation {
                id: String::new(),
                created: now.into(),
                modified: now.into(),
                tags: vec![s.label],
                note: s.note,
                target: Target::Passage {
                    start,
                    end,
                    quote: quote_at(&normalized, start, end),
                },
            }),
        }
    }
    for a in &mut annotations {
        let (start, end) = a.target.range().unwrap_or_default();
        a.id = uuid_from_name(&format!(
            "{format}:{sha}:{start}:{end}:{}",
            a.tags.join("\u{1f}")
        ));
    }
    let mut links = Vec::new();
    for r in relations {
        let (Some(&from), Some(&to)) = (by_key.get(&r.from), by_key.get(&r.to)) else {
            continue;
        };
        let (from, to) = (annotations[from].id.clone(), annotations[to].id.clone());
        if from == to {
            continue;
        }
        links.push(Annotation {
            id: uuid_from_name(&format!("{format}:{sha}:{from}>{to}:{}", r.label)),
            created: now.into(),
            modified: now.into(),
            tags: vec![r.label],
            note: r.note,
            target: Target::Relation { from, to },
        });
    }
    links.sort_by(|a, b| a.id.cmp(&b.id));
    links.dedup_by(|a, b| a.id == b.id);
    annotations.extend(links);
    Imported {
        format,
        document: Some(sha),
        tags: Vec::new(),
        derived_ids: annotations.len(),
        annotations,
        text: Some(normalized),
        left_out: Vec::new(),
    }
}

/// Maps a code point offset in `raw` to the same place in `normalize(raw)`.
fn normalizing_map(raw: &str) -> impl Fn(usize) -> usize {
    let chars: Vec<char> = raw.chars().collect();
    let mut map = Vec::with_capacity(chars.len() + 1);
    let mut at = 0;
    for (i, c) in chars.iter().enumerate() {
        map.push(at);
        let dropped =
            (i == 0 && *c == '\u{feff}') || (*c == '\r' && chars.get(i + 1) == Some(&'\n'));
        if !dropped {
            at += 1;
        }
    }
    map.push(at);
    move |i| map[i.min(map.len() - 1)]
}

/// Picks, from the texts of a file with several, the one that is the open
/// document (`current`, normalised); a file of one text is taken as it is.
pub fn pick_text<T>(items: Vec<(String, T)>, current: &str) -> Result<(String, T), String> {
    let count = items.len();
    if count == 1 {
        return Ok(items.into_iter().next().expect("one item"));
    }
    items
        .into_iter()
        .find(|(t, _)| text::normalize(t) == current)
        .ok_or_else(|| {
            format!("文件含 {count} 段文本，都不是打开的文档：请先打开要导入到的那篇文档")
        })
}

/// Reads a JSON offset: a non-negative integer within `length`.
pub fn offset_in(v: &serde_json::Value, length: usize) -> Result<usize, String> {
    match v.as_u64() {
        Some(x) if x <= length as u64 => Ok(x as usize),
        Some(x) => Err(format!("位置 {x} 超出文本长度 {length}")),
        None => Err(format!("位置应为非负整数，而不是 {v}")),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::core::annotation::{Annotation, Target};
    use crate::core::article::Article;
    use crate::core::store::Annotations;
    use std::rc::Rc;

    pub const NOW: &str = "2026-11-30T09:00:00.000Z";

    /// What a round trip must keep of an annotation: range, tags, note.
    pub type Kept<'a> = (Option<(usize, usize)>, Vec<&'a str>, &'a str);

    pub fn kept(annotations: &[Annotation]) -> Vec<Kept<'_>> {
        annotations
            .iter()
            .map(|a| {
                (
                    a.target.range(),
                    a.tags.iter().map(String::as_str).collect(),
                    a.note.as_str(),
                )
            })
            .collect()
    }

    /// Annotations of `article`: (id, start, end, tags, note).
    pub fn annotations(
        article: &Article,
        spans: &[(&str, usize, usize, &[&str], &str)],
    ) -> Annotations {
        let mut all = Annotations::default();
        for (id, start, end, tags, note) in spans {
            all.annotations.push(Rc::new(Annotation {
                id: id.to_string(),
                created: "2026-11-30T08:00:00.000Z".into(),
                modified: "2026-11-30T08:00:00.000Z".into(),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                note: note.to_string(),
                target: Target::passage(article, *start, *end),
            }));
        }
        all.normalize_order();
        all.ensure_used_tags();
        all
    }
}
