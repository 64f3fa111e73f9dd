//! The library: every document a person added, with its title, length and
//! times, and a trash from which deleted documents come back until it is
//! emptied. Entries live in localStorage, one key per document
//! (`mozhu.v2.library.doc.<sha256>`), so two tabs never race on a shared
//! list; texts live in IndexedDB (`platform::documents`).
//!
//! Also here: the library backup (every document's text and annotations,
//! the shared tags and user dictionary in one file) and the counts the
//! library and tag manager show.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::annotation::{Annotation, Tag};
use super::document::Document;
use super::exchange::{check_annotation, check_tag, ImportError};
use super::persist::{self, STORAGE_VERSION};
use super::segment::UserDict;
use super::text;
use super::timestamp;

/// Keys shared by the whole library (tags, user dictionary, entries).
pub fn library_prefix() -> String {
    format!("mozhu.v{STORAGE_VERSION}.library.")
}

pub fn entry_key(sha: &str) -> String {
    format!("{}doc.{sha}", library_prefix())
}

/// The document an entry key names.
pub fn entry_sha(key: &str) -> Option<&str> {
    key.strip_prefix(&library_prefix())?
        .strip_prefix("doc.")
        .filter(|s| is_sha256(s))
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// One document of the library.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub sha256: String,
    pub title: String,
    /// Length in code points.
    pub length: usize,
    pub added: String,
    pub opened: String,
    /// When it was moved to the trash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trashed: Option<String>,
}

impl Entry {
    pub fn new(sha256: String, title: String, length: usize, now: &str) -> Entry {
        Entry {
            sha256,
            title,
            length,
            added: now.into(),
            opened: now.into(),
            trashed: None,
        }
    }

    /// Reads a stored entry; `Err` says why it cannot be used.
    pub fn decode(key: &str, raw: &str) -> Result<Entry, String> {
        let sha = entry_sha(key).ok_or_else(|| format!("不是文库条目的键：{key}"))?;
        let e: Entry = serde_json::from_str(raw).map_err(|e| format!("文库条目无法读取（{e}）"))?;
        if e.sha256 != sha {
            return Err(format!("键名 {sha} 与条目 {} 不符", e.sha256));
        }
        for t in [Some(&e.added), Some(&e.opened), e.trashed.as_ref()]
            .into_iter()
            .flatten()
        {
            timestamp::parse(t)?;
        }
        Ok(e)
    }

    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// How the library list is ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Opened,
    Added,
    Title,
    Length,
}

impl Sort {
    pub const ALL: [(Sort, &'static str, &'static str); 4] = [
        (Sort::Opened, "opened", "最近打开"),
        (Sort::Added, "added", "最近添加"),
        (Sort::Title, "title", "标题"),
        (Sort::Length, "length", "长度"),
    ];

    pub fn from_name(name: &str) -> Sort {
        Sort::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map_or(Sort::Opened, |(s, _, _)| *s)
    }
}

/// Entries (not in the trash) whose title contains `query` (ignoring case
/// and surrounding blanks), in `sort` order.
pub fn shown<'a>(entries: &'a [Entry], query: &str, sort: Sort) -> Vec<&'a Entry> {
    let query = query.trim().to_lowercase();
    let mut out: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.trashed.is_none())
        .filter(|e| query.is_empty() || e.title.to_lowercase().contains(&query))
        .collect();
    match sort {
        Sort::Opened => out.sort_by(|a, b| timestamp::compare(&b.opened, &a.opened)),
        Sort::Added => out.sort_by(|a, b| timestamp::compare(&b.added, &a.added)),
        Sort::Title => out.sort_by(|a, b| a.title.cmp(&b.title)),
        Sort::Length => out.sort_by_key(|e| std::cmp::Reverse(e.length)),
    }
    out
}

/// Entries in the trash, most recently deleted first.
pub fn trashed(entries: &[Entry]) -> Vec<&Entry> {
    let mut out: Vec<&Entry> = entries.iter().filter(|e| e.trashed.is_some()).collect();
    out.sort_by(|a, b| {
        timestamp::compare(
            b.trashed.as_deref().unwrap_or_default(),
            a.trashed.as_deref().unwrap_or_default(),
        )
    });
    out
}

/// A title for a new document: its own title, else the hint (file name,
/// page title), else its first words.
pub fn title_for(own: &str, hint: &str, text: &str) -> String {
    let pick = [own.trim(), hint.trim()]
        .into_iter()
        .find(|t| !t.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            text.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(24)
                .collect()
        });
    let title: String = pick.chars().take(MAX_TITLE_CHARS).collect();
    if title.is_empty() {
        "无标题".into()
    } else {
        title
    }
}

/// Titles are cut to this many characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// A title the person typed: trimmed, not empty, not too long.
pub fn check_title(title: &str) -> Result<String, String> {
    let t = title.trim();
    if t.is_empty() {
        Err("标题不能为空".into())
    } else if text::char_len(t) > MAX_TITLE_CHARS {
        Err(format!("标题最多 {MAX_TITLE_CHARS} 个字"))
    } else {
        Ok(t.to_string())
    }
}

/// Annotations per document, from the storage keys alone.
pub fn annotation_counts<'a>(keys: impl IntoIterator<Item = &'a str>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    let prefix = format!("mozhu.v{STORAGE_VERSION}.");
    for key in keys {
        if let Some((sha, rest)) = key.strip_prefix(&prefix).and_then(|r| r.split_once('.')) {
            if is_sha256(sha) && rest.starts_with("a.") {
                *counts.entry(sha.to_string()).or_default() += 1;
            }
        }
    }
    counts
}

/// How often each tag is used, per document, from stored annotations.
pub fn tag_usage<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> HashMap<String, HashMap<String, usize>> {
    let prefix = format!("mozhu.v{STORAGE_VERSION}.");
    let mut usage: HashMap<String, HashMap<String, usize>> = HashMap::new();
    for (key, raw) in entries {
        let Some((sha, rest)) = key.strip_prefix(&prefix).and_then(|r| r.split_once('.')) else {
            continue;
        };
        if !is_sha256(sha) || !rest.starts_with("a.") {
            continue;
        }
        let Ok(v) = serde_json::from_str::<Value>(raw) else {
            continue;
        };
        for tag in v["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            *usage
                .entry(tag.to_string())
                .or_default()
                .entry(sha.to_string())
                .or_default() += 1;
        }
    }
    usage
}

/// A stored annotation value with tag `from` renamed to `to` (merged into
/// it when it has both), or taken off (`to: None`), modified `now`; `None`
/// when it does not carry `from`. Other fields are kept as they are. Tags
/// are the library's, so renaming, merging or deleting one changes every
/// document's annotations.
pub fn retag_stored(raw: &str, from: &str, to: Option<&str>, now: &str) -> Option<String> {
    let mut v: Value = serde_json::from_str(raw).ok()?;
    let tags = v.get_mut("tags")?.as_array_mut()?;
    if !tags.iter().any(|t| t.as_str() == Some(from)) {
        return None;
    }
    let mut next: Vec<Value> = Vec::with_capacity(tags.len());
    for t in tags.drain(..) {
        let name = if t.as_str() == Some(from) {
            match to {
                Some(to) => Value::String(to.to_string()),
                None => continue,
            }
        } else {
            t
        };
        if !next.contains(&name) {
            next.push(name);
        }
    }
    *tags = next;
    v["modified"] = Value::String(now.to_string());
    Some(v.to_string())
}

/// The stored annotation keys of documents other than `doc`.
pub fn is_other_documents_annotation(key: &str, doc: &str) -> bool {
    let prefix = format!("mozhu.v{STORAGE_VERSION}.");
    key.strip_prefix(&prefix)
        .and_then(|r| r.split_once('.'))
        .is_some_and(|(sha, rest)| sha != doc && is_sha256(sha) && rest.starts_with("a."))
}

pub const BACKUP_FORMAT: &str = "mozhu-library";
pub const BACKUP_VERSION: u64 = 1;

/// A library backup: everything needed to rebuild the library elsewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct Backup {
    pub exported: String,
    pub tags: Vec<Tag>,
    pub user_dict: UserDict,
    pub documents: Vec<BackupDocument>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BackupDocument {
    pub entry: Entry,
    pub document: Document,
    pub annotations: Vec<Annotation>,
    pub orphans: Vec<Annotation>,
}

pub fn encode_backup(b: &Backup) -> String {
    let documents: Vec<Value> = b
        .documents
        .iter()
        .map(|d| {
            let mut v = json!({
                "sha256": d.entry.sha256,
                "title": d.entry.title,
                "added": d.entry.added,
                "opened": d.entry.opened,
                "text": d.document.text,
                "annotations": d.annotations,
                "orphans": d.orphans,
            });
            if let Some(t) = &d.entry.trashed {
                v["trashed"] = json!(t);
            }
            if let Some(o) = &d.document.outline {
                v["outline"] = json!(o);
            }
            v
        })
        .collect();
    serde_json::to_string(&json!({
        "format": BACKUP_FORMAT,
        "version": BACKUP_VERSION,
        "exported": b.exported,
        "tags": b.tags,
        "userdict": b.user_dict,
        "documents": documents,
    }))
    .unwrap_or_default()
}

/// Reads and checks a backup as strictly as an annotation import: every
/// problem is listed with where it is, and nothing is used unless all is
/// well.
pub fn parse_backup(raw: &str) -> Result<Backup, Vec<ImportError>> {
    let mut errors = Vec::new();
    let mut fail = |path: String, message: String| {
        if errors.len() < 50 {
            errors.push(ImportError {
                item: None,
                path,
                message,
            });
        }
    };
    let v: Value = match serde_json::from_str(raw.trim_start_matches('\u{feff}')) {
        Ok(v) => v,
        Err(e) => {
            fail(
                "文件".into(),
                format!(
                    "不是有效的 JSON（第 {} 行第 {} 列）：{e}",
                    e.line(),
                    e.column()
                ),
            );
            return Err(errors);
        }
    };
    if v["format"].as_str() != Some(BACKUP_FORMAT) {
        fail(
            "format".into(),
            format!("不是墨注文库备份（应为 \"{BACKUP_FORMAT}\"）"),
        );
        return Err(errors);
    }
    if v["version"].as_u64().is_none_or(|n| n > BACKUP_VERSION) {
        fail(
            "version".into(),
            format!("版本 {} 比本程序新或无效", v["version"]),
        );
        return Err(errors);
    }
    let exported = v["exported"].as_str().unwrap_or_default().to_string();
    let mut tags = Vec::new();
    for (i, t) in v["tags"].as_array().into_iter().flatten().enumerate() {
        match check_tag(t) {
            Ok(t) => tags.push(t),
            Err(e) => fail(format!("tags[{i}]"), e),
        }
    }
    let user_dict = match serde_json::from_value::<UserDict>(v["userdict"].clone()) {
        Ok(d) => d,
        Err(_) if v["userdict"].is_null() => UserDict::default(),
        Err(e) => {
            fail("userdict".into(), format!("用户词典无法读取（{e}）"));
            UserDict::default()
        }
    };
    let Some(list) = v["documents"].as_array() else {
        fail("documents".into(), "缺少文档列表".into());
        return Err(errors);
    };
    let mut documents = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, d) in list.iter().enumerate() {
        let path = format!("documents[{i}]");
        let text = d["text"].as_str().unwrap_or_default().to_string();
        let outline = match d.get("outline") {
            None | Some(Value::Null) => None,
            Some(o) => match serde_json::from_value(o.clone()) {
                Ok(o) => Some(o),
                Err(e) => {
                    fail(format!("{path}.outline"), format!("结构无法读取（{e}）"));
                    continue;
                }
            },
        };
        let document = Document { text, outline };
        if let Err(e) = document.check() {
            fail(format!("{path}.text"), e);
            continue;
        }
        let sha = document.article().sha256();
        if d["sha256"].as_str() != Some(sha.as_str()) {
            fail(
                format!("{path}.sha256"),
                "与正文的 SHA-256 不符（正文被改动过？）".into(),
            );
            continue;
        }
        if !seen.insert(sha.clone()) {
            fail(format!("{path}.sha256"), "同一文档出现了两次".into());
            continue;
        }
        let length = text::char_len(&document.text);
        let time = |key: &str, fail: &mut dyn FnMut(String, String)| -> Option<String> {
            match d[key].as_str().map(timestamp::normalize) {
                Some(Ok(t)) => Some(t),
                Some(Err(e)) => {
                    fail(format!("{path}.{key}"), e);
                    None
                }
                None => None,
            }
        };
        let added = time("added", &mut fail).unwrap_or_else(|| exported.clone());
        let opened = time("opened", &mut fail).unwrap_or_else(|| added.clone());
        let trashed = time("trashed", &mut fail);
        let title = check_title(d["title"].as_str().unwrap_or_default())
            .unwrap_or_else(|_| title_for("", "", &document.text));
        let mut read = |key: &str| -> Vec<Annotation> {
            let mut out = Vec::new();
            for (j, a) in d[key].as_array().into_iter().flatten().enumerate() {
                match check_annotation(a, length) {
                    Ok(a) => out.push(a),
                    Err(e) => fail(format!("{path}.{key}[{j}]"), e),
                }
            }
            out
        };
        let annotations = read("annotations");
        let orphans = read("orphans");
        documents.push(BackupDocument {
            entry: Entry {
                sha256: sha,
                title,
                length,
                added,
                opened,
                trashed,
            },
            document,
            annotations,
            orphans,
        });
    }
    if errors.is_empty() {
        Ok(Backup {
            exported,
            tags,
            user_dict,
            documents,
        })
    } else {
        Err(errors)
    }
}

/// The stored annotation values of a document, as `persist` writes them.
pub fn stored_annotations(sha: &str, d: &BackupDocument) -> Vec<(String, String)> {
    d.annotations
        .iter()
        .map(|a| (false, a))
        .chain(d.orphans.iter().map(|a| (true, a)))
        .map(|(orphan, a)| {
            (
                persist::annotation_key(sha, &a.id),
                persist::encode_annotation(&(orphan, a.clone()), None),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::annotation::Target;
    use proptest::prelude::*;

    const T0: &str = "2026-01-01T00:00:00.000Z";
    const T1: &str = "2026-02-01T00:00:00.000Z";

    fn entry(title: &str, length: usize, opened: &str) -> Entry {
        let sha = format!("{:064x}", text::char_len(title) * 1000 + length);
        let mut e = Entry::new(sha, title.into(), length, T0);
        e.opened = opened.into();
        e
    }

    #[test]
    fn entries_round_trip_and_damage_is_named() {
        let e = entry("标题", 10, T1);
        let key = entry_key(&e.sha256);
        assert_eq!(Entry::decode(&key, &e.encode()), Ok(e.clone()));
        assert!(Entry::decode(&key, "{").is_err());
        let other = entry_key(&"f".repeat(64));
        assert!(Entry::decode(&other, &e.encode())
            .unwrap_err()
            .contains("不符"));
        let mut bad = e.clone();
        bad.opened = "yesterday".into();
        assert!(Entry::decode(&key, &bad.encode()).is_err());
        assert_eq!(entry_sha("mozhu.v2.library.doc.xyz"), None);
    }

    #[test]
    fn search_sort_and_trash() {
        let mut list = vec![
            entry("乙 Notes", 5, T0),
            entry("甲报告", 50, T1),
            entry("丙", 20, T0),
        ];
        list[2].trashed = Some(T1.into());
        let titles = |v: Vec<&Entry>| v.iter().map(|e| e.title.clone()).collect::<Vec<_>>();
        assert_eq!(
            titles(shown(&list, "", Sort::Opened)),
            ["甲报告", "乙 Notes"]
        );
        assert_eq!(
            titles(shown(&list, "", Sort::Length)),
            ["甲报告", "乙 Notes"]
        );
        assert_eq!(titles(shown(&list, " notes ", Sort::Title)), ["乙 Notes"]);
        assert_eq!(titles(trashed(&list)), ["丙"]);
    }

    #[test]
    fn titles_come_from_the_text_the_hint_or_the_first_words() {
        assert_eq!(title_for("文中标题", "file", "x"), "文中标题");
        assert_eq!(title_for("", "file", "x"), "file");
        assert_eq!(title_for("", " ", "第一句话\n第二句"), "第一句话 第二句");
        assert_eq!(title_for("", "", ""), "无标题");
        assert!(check_title("  ").is_err());
        assert_eq!(check_title(" 新名 "), Ok("新名".into()));
        assert!(check_title(&"长".repeat(201)).is_err());
    }

    #[test]
    fn counts_from_storage_keys() {
        let a = "a".repeat(64);
        let b = "b".repeat(64);
        let keys = [
            format!("mozhu.v2.{a}.a.1"),
            format!("mozhu.v2.{a}.a.2"),
            format!("mozhu.v2.{b}.a.3"),
            format!("mozhu.v2.{a}.wordview"),
            "mozhu.v2.library.t.x".to_string(),
        ];
        let counts = annotation_counts(keys.iter().map(String::as_str));
        assert_eq!(counts[&a], 2);
        assert_eq!(counts[&b], 1);
        let raw = r#"{"tags":["人物","地点"]}"#;
        let usage = tag_usage([
            (keys[0].as_str(), raw),
            (keys[2].as_str(), raw),
            (keys[3].as_str(), raw),
        ]);
        assert_eq!(usage["人物"][&a], 1);
        assert_eq!(usage["人物"][&b], 1);
        assert_eq!(usage["人物"].len(), 2);
    }

    #[test]
    fn retagging_a_stored_annotation_keeps_everything_else() {
        let raw =
            r#"{"id":"x","tags":["甲","乙"],"modified":"2026-01-01T00:00:00.000Z","future":1}"#;
        let renamed: Value =
            serde_json::from_str(&retag_stored(raw, "甲", Some("丙"), T1).unwrap()).unwrap();
        assert_eq!(renamed["tags"], json!(["丙", "乙"]));
        assert_eq!(renamed["modified"], T1);
        assert_eq!(renamed["future"], 1);
        let merged: Value =
            serde_json::from_str(&retag_stored(raw, "甲", Some("乙"), T1).unwrap()).unwrap();
        assert_eq!(merged["tags"], json!(["乙"]));
        let deleted: Value =
            serde_json::from_str(&retag_stored(raw, "乙", None, T1).unwrap()).unwrap();
        assert_eq!(deleted["tags"], json!(["甲"]));
        assert_eq!(retag_stored(raw, "丁", None, T1), None);
        assert_eq!(retag_stored("{oops", "甲", None, T1), None);
        let a = "a".repeat(64);
        assert!(is_other_documents_annotation(
            &format!("mozhu.v2.{a}.a.1"),
            "b"
        ));
        assert!(!is_other_documents_annotation(
            &format!("mozhu.v2.{a}.a.1"),
            &a
        ));
        assert!(!is_other_documents_annotation("mozhu.v2.library.t.甲", "b"));
    }

    fn annotation(id: u128, doc: &Document, start: usize, end: usize, tag: &str) -> Annotation {
        let article = doc.article();
        Annotation {
            id: format!(
                "{:08x}-0000-4000-8000-{:012x}",
                id >> 48,
                id & 0xffff_ffff_ffff
            ),
            created: T0.into(),
            modified: T1.into(),
            tags: vec![tag.into()],
            note: String::new(),
            target: Target::passage(&article, start, end),
        }
    }

    proptest! {
        #[test]
        fn a_backup_reads_back_as_written(
            texts in proptest::collection::vec("[甲乙丙a-c 😀𠮶\n]{1,40}", 1..4),
            spans in proptest::collection::vec((0usize..40, 1usize..10), 0..6),
            trash in any::<bool>(),
        ) {
            let mut documents = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (i, t) in texts.iter().enumerate() {
                let document = Document::plain(&format!("文{i} {t}"));
                let article = document.article();
                if !seen.insert(article.sha256()) {
                    continue;
                }
                let length = article.char_len();
                let annotations = spans
                    .iter()
                    .enumerate()
                    .map(|(j, &(s, n))| {
                        let s = s % length;
                        annotation((i * 100 + j) as u128, &document, s, (s + n).min(length), "人物")
                    })
                    .collect();
                let mut entry = Entry::new(article.sha256(), title_for(article.title(), "", &document.text), length, T0);
                if trash && i == 0 {
                    entry.trashed = Some(T1.into());
                }
                documents.push(BackupDocument { entry, document, annotations, orphans: Vec::new() });
            }
            let backup = Backup {
                exported: T1.into(),
                tags: vec![Tag { name: "人物".into(), color: "#1f77b4".into() }],
                user_dict: UserDict::default(),
                documents,
            };
            let read = parse_backup(&encode_backup(&backup));
            prop_assert_eq!(read, Ok(backup));
        }
    }

    #[test]
    fn a_damaged_backup_lists_every_problem_and_gives_nothing() {
        let doc = Document::plain("标题\n\n正文。");
        let sha = doc.article().sha256();
        let good = annotation(1, &doc, 0, 2, "甲");
        let mut bad = serde_json::to_value(&good).unwrap();
        bad["target"]["end"] = json!(999);
        let raw = json!({
            "format": BACKUP_FORMAT, "version": 1, "exported": T1,
            "tags": [{"name": "甲", "color": "url(x)"}],
            "documents": [
                {"sha256": sha, "title": "t", "text": doc.text, "annotations": [good, bad]},
                {"sha256": "0".repeat(64), "title": "t", "text": "改过的正文"},
                {"sha256": sha, "title": "t", "text": "  "},
            ]
        })
        .to_string();
        let errors = parse_backup(&raw).unwrap_err();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "tags[0]",
                "documents[0].annotations[1]",
                "documents[1].sha256",
                "documents[2].text"
            ]
        );
        assert!(parse_backup("[1,2").is_err());
        assert!(parse_backup(r#"{"format":"mozhu-annotations"}"#).is_err());
        assert!(parse_backup(r#"{"format":"mozhu-library","version":99,"documents":[]}"#).is_err());
    }
}
