//! Export and import: the project's own JSON and the W3C Web Annotation
//! model (an AnnotationCollection in JSON-LD). Imports are validated item by
//! item; a file with any error is refused whole, with every problem listed.
//! Valid imports are re-anchored against the current text.

use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::anchor::{anchor_in, Method};
use super::annotation::{
    is_hex_color, normalize_tag, normalize_uuid, uuid_from_name, Annotation, Tag, Target,
    TextQuote, CONTEXT_CHARS,
};
use super::article::Article;
use super::store::Annotations;
use super::timestamp;

pub const FORMAT: &str = "mozhu-annotations";
pub const FORMAT_VERSION: u64 = 1;
pub const W3C_CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";
/// Imports larger than this are refused before parsing.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

/// The document an export describes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentInfo {
    pub title: String,
    pub sha256: String,
    /// Length of the text in code points.
    pub length: usize,
}

impl DocumentInfo {
    pub fn of(article: &Article) -> Self {
        DocumentInfo {
            title: article.title().to_string(),
            sha256: article.sha256(),
            length: article.char_len(),
        }
    }

    pub fn urn(&self) -> String {
        format!("urn:sha256:{}", self.sha256)
    }
}

/// The project's own format (see README).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectFile {
    pub format: String,
    pub version: u64,
    pub exported: String,
    pub document: DocumentInfo,
    pub tags: Vec<Tag>,
    pub annotations: Vec<Annotation>,
    #[serde(default)]
    pub orphans: Vec<Annotation>,
}

pub fn export_json(article: &Article, all: &Annotations, now: &str) -> String {
    let file = ProjectFile {
        format: FORMAT.into(),
        version: FORMAT_VERSION,
        exported: now.into(),
        document: DocumentInfo::of(article),
        tags: all.tags.clone(),
        annotations: all
            .in_document_order()
            .into_iter()
            .chain(all.relations())
            .map(|a| (**a).clone())
            .collect(),
        orphans: all.orphans.iter().map(|a| (**a).clone()).collect(),
    };
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

fn w3c_annotation(doc: &DocumentInfo, a: &Annotation) -> Value {
    let mut body: Vec<Value> = a
        .tags
        .iter()
        .map(|t| json!({"type": "TextualBody", "purpose": "tagging", "value": t, "format": "text/plain"}))
        .collect();
    if !a.note.is_empty() {
        body.push(json!({"type": "TextualBody", "purpose": "commenting", "value": a.note, "format": "text/plain"}));
    }
    // An orphan imported with a quote only has no known position (start ==
    // end): it is exported with its quote alone, as it came.
    let selectors = |start: usize, end: usize, q: &TextQuote| {
        let mut s = vec![
            json!({"type": "TextQuoteSelector", "exact": q.exact, "prefix": q.prefix, "suffix": q.suffix}),
        ];
        if start < end {
            s.push(json!({"type": "TextPositionSelector", "start": start, "end": end}));
        }
        s
    };
    let target = match &a.target {
        Target::Passage { start, end, quote } => {
            json!({"source": doc.urn(), "selector": selectors(*start, *end, quote)})
        }
        Target::Block {
            block,
            start,
            end,
            quote,
        } => {
            let mut s = selectors(*start, *end, quote);
            s.push(json!({"type": "FragmentSelector", "value": format!("block={block}")}));
            json!({"source": doc.urn(), "selector": s})
        }
        Target::Document => json!(doc.urn()),
        Target::Relation { from, to } => {
            json!([format!("urn:uuid:{from}"), format!("urn:uuid:{to}")])
        }
    };
    let mut item = Map::new();
    item.insert("id".into(), json!(format!("urn:uuid:{}", a.id)));
    item.insert("type".into(), json!("Annotation"));
    if a.target.ends().is_some() {
        item.insert("motivation".into(), json!("linking"));
    }
    item.insert("created".into(), json!(a.created));
    item.insert("modified".into(), json!(a.modified));
    if !body.is_empty() {
        item.insert("body".into(), Value::Array(body));
    }
    item.insert("target".into(), target);
    Value::Object(item)
}

/// A W3C AnnotationCollection with every annotation (orphans included: they
/// keep their last known selectors) on its first page.
pub fn export_w3c(article: &Article, all: &Annotations, now: &str, collection_id: &str) -> String {
    let doc = DocumentInfo::of(article);
    let items: Vec<Value> = all
        .in_document_order()
        .into_iter()
        .chain(all.relations())
        .chain(all.orphans.iter())
        .map(|a| w3c_annotation(&doc, a))
        .collect();
    let collection = json!({
        "@context": W3C_CONTEXT,
        "id": format!("urn:uuid:{collection_id}"),
        "type": "AnnotationCollection",
        "label": doc.title,
        "generated": now,
        "total": items.len(),
        "first": {
            "id": format!("urn:uuid:{collection_id}#page1"),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    });
    serde_json::to_string_pretty(&collection).unwrap_or_default()
}

/// One problem in an import file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportError {
    /// 1-based number of the annotation, when the problem is in one.
    pub item: Option<usize>,
    /// Where in the file (a JSON path).
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.item {
            Some(n) => write!(f, "第 {n} 条标注（{}）：{}", self.path, self.message),
            None => write!(f, "{}：{}", self.path, self.message),
        }
    }
}

/// What a valid file holds, before re-anchoring.
#[derive(Clone, Debug, PartialEq)]
pub struct Imported {
    pub format: &'static str,
    /// The sha256 of the text the file was made on, when it says.
    pub document: Option<String>,
    pub tags: Vec<Tag>,
    pub annotations: Vec<Annotation>,
    /// How many ids were not UUIDs and got one derived from them.
    pub derived_ids: usize,
    /// The text itself, for formats that carry it (doccano, Label Studio,
    /// brat): the app can add it as a new document.
    pub text: Option<String>,
    /// What the file holds that the app does not read, in words.
    pub left_out: Vec<String>,
}

struct Checker {
    errors: Vec<ImportError>,
    item: Option<usize>,
    /// W3C items whose id was another tool's IRI, given a derived UUID.
    derived_ids: usize,
}

impl Checker {
    fn fail(&mut self, path: &str, message: impl Into<String>) {
        if self.errors.len() < 50 {
            self.errors.push(ImportError {
                item: self.item,
                path: path.into(),
                message: message.into(),
            });
        }
    }

    fn string(&mut self, v: &Value, key: &str, path: &str) -> Option<String> {
        match v.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                self.fail(&format!("{path}.{key}"), "应为字符串");
                None
            }
            None => {
                self.fail(&format!("{path}.{key}"), "缺少此字段");
                None
            }
        }
    }

    /// A time, normalised to UTC (`…Z`, milliseconds).
    fn time(&mut self, v: &Value, key: &str, path: &str) -> Option<String> {
        let s = self.string(v, key, path)?;
        match timestamp::normalize(&s) {
            Ok(t) => Some(t),
            Err(e) => {
                self.fail(&format!("{path}.{key}"), e);
                None
            }
        }
    }

    /// A tag name from a file: normalised; empty (or only invisible
    /// characters) is an error, not a silently dropped tag.
    fn tag_name(&mut self, name: &str, path: &str) -> Option<String> {
        let n = normalize_tag(name);
        if n.is_empty() {
            self.fail(path, format!("标签名为空或只有不可见字符：{name:?}"));
            None
        } else {
            Some(n)
        }
    }

    fn offset(&mut self, v: &Value, key: &str, path: &str, length: usize) -> Option<usize> {
        let p = format!("{path}.{key}");
        match v.get(key) {
            // Compared as u64: on wasm32 a cast to usize would truncate
            // 4294967301 to 5.
            Some(Value::Number(n)) => match n.as_u64() {
                Some(x) if x <= length as u64 => usize::try_from(x).ok(),
                Some(x) => {
                    self.fail(&p, format!("位置 {x} 超出文本长度 {length}"));
                    None
                }
                None => {
                    self.fail(&p, format!("位置应为非负整数，而不是 {n}"));
                    None
                }
            },
            Some(_) => {
                self.fail(&p, "位置应为整数");
                None
            }
            None => {
                self.fail(&p, "缺少此字段");
                None
            }
        }
    }
}

/// Parses and validates a file in either format. `length` is the current
/// text's length in code points (positions beyond it are reported, not
/// silently clamped).
pub fn parse_import(raw: &str, length: usize) -> Result<Imported, Vec<ImportError>> {
    let top = |message: String| {
        vec![ImportError {
            item: None,
            path: "文件".into(),
            message,
        }]
    };
    if raw.len() > MAX_IMPORT_BYTES {
        return Err(top(format!(
            "文件太大（{:.1} MB，上限 {} MB）",
            raw.len() as f64 / 1_048_576.0,
            MAX_IMPORT_BYTES / 1_048_576
        )));
    }
    let value: Value = serde_json::from_str(raw.trim_start_matches('\u{feff}')).map_err(|e| {
        top(format!(
            "不是有效的 JSON（第 {} 行第 {} 列）：{e}",
            e.line(),
            e.column()
        ))
    })?;
    let mut c = Checker {
        errors: Vec::new(),
        item: None,
        derived_ids: 0,
    };
    let mut result = if value.get("format").and_then(Value::as_str) == Some(FORMAT) {
        parse_project(&value, length, &mut c)
    } else if is_w3c(&value) {
        parse_w3c(&value, length, &mut c)
    } else {
        return Err(top("既不是墨注的 JSON，也不是 W3C 标注（AnnotationCollection / AnnotationPage / Annotation）".into()));
    };
    let mut seen = std::collections::HashSet::new();
    for (i, a) in result.annotations.iter().enumerate() {
        if !seen.insert(a.id.clone()) {
            c.item = Some(i + 1);
            c.fail("id", format!("编号重复：{}", a.id));
        }
    }
    for (i, a) in result.annotations.iter().enumerate() {
        if let Some((from, to)) = a.target.ends() {
            c.item = Some(i + 1);
            for end in [from, to] {
                if !seen.contains(end) {
                    c.fail("target", format!("关系连接的标注 {end} 不在文件中"));
                }
            }
            if from == to {
                c.fail("target", "关系的起点和终点是同一条标注");
            }
            if a.tags.len() != 1 {
                c.fail("tags", "关系应正好有一个名称（标签）");
            }
        }
    }
    result.derived_ids = c.derived_ids;
    if c.errors.is_empty() {
        Ok(result)
    } else {
        Err(c.errors)
    }
}

/// Checks one annotation object in the project's format (as stored in
/// localStorage and in files): the same rules as a file import.
pub fn check_annotation(v: &Value, length: usize) -> Result<Annotation, String> {
    let mut c = Checker {
        errors: Vec::new(),
        item: None,
        derived_ids: 0,
    };
    let a = project_annotation(v, "标注", length, &mut c);
    match (a, c.errors.is_empty()) {
        (Some(a), true) => Ok(a),
        _ => Err(c
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("；")),
    }
}

/// Checks one tag object (`name`, `#rrggbb` colour).
pub fn check_tag(v: &Value) -> Result<Tag, String> {
    let name = v.get("name").and_then(Value::as_str).map(normalize_tag);
    let color = v.get("color").and_then(Value::as_str);
    match (name, color) {
        (Some(n), Some(c)) if !n.is_empty() && is_hex_color(c) => Ok(Tag {
            name: n,
            color: c.to_ascii_lowercase(),
        }),
        _ => Err(format!("标签应有名字和 #rrggbb 颜色：{v}")),
    }
}

fn is_w3c(v: &Value) -> bool {
    let ty = |v: &Value| v.get("type").and_then(Value::as_str).map(str::to_string);
    match v {
        Value::Array(items) => items.iter().all(|i| ty(i).as_deref() == Some("Annotation")),
        _ => matches!(
            ty(v).as_deref(),
            Some("AnnotationCollection" | "AnnotationPage" | "Annotation")
        ),
    }
}

fn parse_project(v: &Value, length: usize, c: &mut Checker) -> Imported {
    match v.get("version").and_then(Value::as_u64) {
        Some(FORMAT_VERSION) => {}
        Some(other) => c.fail(
            "version",
            format!("不支持的版本 {other}（支持 {FORMAT_VERSION}）"),
        ),
        None => c.fail("version", "缺少版本号"),
    }
    let document = v
        .get("document")
        .and_then(|d| d.get("sha256"))
        .and_then(Value::as_str)
        .map(String::from);
    let mut tags = Vec::new();
    match v.get("tags") {
        Some(Value::Array(list)) => {
            for (i, t) in list.iter().enumerate() {
                let path = format!("tags[{i}]");
                let (name, color) = (c.string(t, "name", &path), c.string(t, "color", &path));
                if let (Some(name), Some(color)) = (name, color) {
                    let name = c.tag_name(&name, &format!("{path}.name"));
                    if !is_hex_color(&color) {
                        c.fail(
                            &format!("{path}.color"),
                            format!("颜色应为 #rrggbb，而不是 {color}"),
                        );
                    } else if let Some(name) = name {
                        if tags.iter().any(|t: &Tag| t.name == name) {
                            c.fail(&format!("{path}.name"), format!("标签重复：{name}"));
                        } else {
                            tags.push(Tag {
                                name,
                                color: color.to_ascii_lowercase(),
                            });
                        }
                    }
                }
            }
        }
        _ => c.fail("tags", "应为数组"),
    }
    let mut annotations = Vec::new();
    let mut number = 0;
    for key in ["annotations", "orphans"] {
        match v.get(key) {
            Some(Value::Array(list)) => {
                for (i, a) in list.iter().enumerate() {
                    number += 1;
                    c.item = Some(number);
                    if let Some(a) = project_annotation(a, &format!("{key}[{i}]"), length, c) {
                        annotations.push(a);
                    }
                }
                c.item = None;
            }
            None if key == "orphans" => {}
            _ => c.fail(key, "应为数组"),
        }
    }
    Imported {
        format: "墨注 JSON",
        document,
        tags,
        annotations,
        derived_ids: 0,
        text: None,
        left_out: Vec::new(),
    }
}

fn project_annotation(v: &Value, path: &str, length: usize, c: &mut Checker) -> Option<Annotation> {
    if !v.is_object() {
        c.fail(path, "应为对象");
        return None;
    }
    let id = c.string(v, "id", path).and_then(|raw| {
        let id = normalize_uuid(&raw);
        if id.is_none() {
            c.fail(
                &format!("{path}.id"),
                format!("编号应为 UUID，而不是 {raw:?}"),
            );
        }
        id
    });
    let created = c.time(v, "created", path);
    let modified = c.time(v, "modified", path);
    let tags = match v.get("tags") {
        Some(Value::Array(t)) if t.iter().all(Value::is_string) => {
            let mut tags: Vec<String> = Vec::new();
            for (i, raw) in t.iter().filter_map(Value::as_str).enumerate() {
                if let Some(n) = c.tag_name(raw, &format!("{path}.tags[{i}]")) {
                    if !tags.contains(&n) {
                        tags.push(n);
                    }
                }
            }
            tags
        }
        _ => {
            c.fail(&format!("{path}.tags"), "应为字符串数组");
            Vec::new()
        }
    };
    let note = match v.get("note") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => {
            c.fail(&format!("{path}.note"), "应为字符串");
            String::new()
        }
    };
    let tpath = format!("{path}.target");
    let target = match v.get("target") {
        Some(t) => match t.get("type").and_then(Value::as_str) {
            Some("document") => Some(Target::Document),
            Some("relation") => {
                let mut end = |key: &str| {
                    let raw = c.string(t, key, &tpath)?;
                    let id = normalize_uuid(&raw);
                    if id.is_none() {
                        c.fail(
                            &format!("{tpath}.{key}"),
                            format!("应为标注的 UUID，而不是 {raw:?}"),
                        );
                    }
                    id
                };
                let (from, to) = (end("from"), end("to"));
                Some(Target::Relation {
                    from: from?,
                    to: to?,
                })
            }
            Some(kind @ ("passage" | "block")) => {
                let start = c.offset(t, "start", &tpath, length);
                let end = c.offset(t, "end", &tpath, length);
                let quote = t.get("quote").and_then(|q| {
                    let qp = format!("{tpath}.quote");
                    Some(TextQuote {
                        exact: c.string(q, "exact", &qp)?,
                        prefix: c.string(q, "prefix", &qp).unwrap_or_default(),
                        suffix: c.string(q, "suffix", &qp).unwrap_or_default(),
                    })
                });
                if quote.is_none() {
                    c.fail(&format!("{tpath}.quote"), "缺少引文");
                }
                let block = if kind == "block" {
                    c.string(t, "block", &tpath)
                } else {
                    None
                };
                // start == end: an orphan whose position was never known
                // (imported with a quote only); it is re-anchored by quote.
                match (start, end, quote) {
                    (Some(s), Some(e), Some(quote)) if s <= e => Some(match block {
                        Some(block) => Target::Block {
                            block,
                            start: s,
                            end: e,
                            quote,
                        },
                        None => Target::Passage {
                            start: s,
                            end: e,
                            quote,
                        },
                    }),
                    (Some(s), Some(e), Some(_)) => {
                        c.fail(&tpath, format!("起点 {s} 在终点 {e} 之后"));
                        None
                    }
                    _ => None,
                }
            }
            _ => {
                c.fail(
                    &format!("{tpath}.type"),
                    "应为 passage、block、document 或 relation",
                );
                None
            }
        },
        None => {
            c.fail(&tpath, "缺少此字段");
            None
        }
    };
    Some(Annotation {
        id: id?,
        created: created?,
        modified: modified?,
        tags,
        note,
        target: target?,
    })
}

fn parse_w3c(v: &Value, length: usize, c: &mut Checker) -> Imported {
    let items: Vec<(String, &Value)> = match v {
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("[{i}]"), a))
            .collect(),
        _ => match v.get("type").and_then(Value::as_str) {
            Some("Annotation") => vec![("annotation".into(), v)],
            Some("AnnotationPage") => page_items(v, "items", c),
            _ => match v.get("first") {
                Some(first) if first.is_object() => page_items(first, "first.items", c),
                Some(Value::String(_)) => {
                    c.fail("first", "只支持内嵌第一页的 AnnotationCollection");
                    Vec::new()
                }
                _ => Vec::new(),
            },
        },
    };
    let mut document = None;
    let mut annotations = Vec::new();
    for (i, (path, a)) in items.into_iter().enumerate() {
        c.item = Some(i + 1);
        if let Some((ann, source)) = w3c_item(a, &path, length, c) {
            document = document.or(source);
            annotations.push(ann);
        }
    }
    c.item = None;
    Imported {
        format: "W3C Web Annotation",
        document,
        tags: Vec::new(),
        annotations,
        derived_ids: 0,
        text: None,
        left_out: Vec::new(),
    }
}

fn page_items<'a>(page: &'a Value, path: &str, c: &mut Checker) -> Vec<(String, &'a Value)> {
    match page.get("items") {
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("{path}[{i}]"), a))
            .collect(),
        _ => {
            c.fail(path, "应为数组");
            Vec::new()
        }
    }
}

fn as_list(v: Option<&Value>) -> Vec<&Value> {
    match v {
        None => Vec::new(),
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one) => vec![one],
    }
}

fn w3c_item(
    v: &Value,
    path: &str,
    length: usize,
    c: &mut Checker,
) -> Option<(Annotation, Option<String>)> {
    if v.get("type").and_then(Value::as_str) != Some("Annotation") {
        c.fail(&format!("{path}.type"), "应为 Annotation");
        return None;
    }
    let raw_id = c.string(v, "id", path)?;
    let id = match raw_id.strip_prefix("urn:uuid:") {
        Some(u) => normalize_uuid(u),
        None if raw_id.trim().is_empty() => None,
        // Another tool's IRI: a UUID derived from it (counted in the report).
        None => {
            c.derived_ids += 1;
            Some(uuid_from_name(&raw_id))
        }
    };
    let Some(id) = id else {
        c.fail(
            &format!("{path}.id"),
            format!("编号应为 urn:uuid:<UUID> 或一个 IRI，而不是 {raw_id:?}"),
        );
        return None;
    };
    let created = c.time(v, "created", path);
    let modified = match v.get("modified") {
        Some(_) => c.time(v, "modified", path),
        None => created.clone(),
    };
    let mut tags = Vec::new();
    let mut notes = Vec::new();
    for (i, b) in as_list(v.get("body")).into_iter().enumerate() {
        let bp = format!("{path}.body[{i}]");
        let value = match b.get("value") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                c.fail(&format!("{bp}.value"), "只支持带文字值的 TextualBody");
                continue;
            }
        };
        match b.get("purpose").and_then(Value::as_str) {
            Some("tagging") => {
                if let Some(t) = c.tag_name(&value, &format!("{bp}.value")) {
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
            }
            _ => notes.push(value),
        }
    }
    if let Some(Value::String(s)) = v.get("bodyValue") {
        notes.push(s.clone());
    }
    let tpath = format!("{path}.target");
    let linking = v.get("motivation").and_then(Value::as_str) == Some("linking");
    let (target, source) = match v.get("target") {
        // A link between two annotations (this app's relations).
        Some(Value::Array(ends)) if linking => {
            let uuid = |e: &Value| {
                e.as_str()?
                    .strip_prefix("urn:uuid:")
                    .and_then(normalize_uuid)
            };
            match ends.as_slice() {
                [from, to] => match (uuid(from), uuid(to)) {
                    (Some(from), Some(to)) => (Some(Target::Relation { from, to }), None),
                    _ => {
                        c.fail(&tpath, "关系的两个目标应为 urn:uuid:<标注的 UUID>");
                        (None, None)
                    }
                },
                _ => {
                    c.fail(&tpath, "关系应正好有两个目标（起点标注、终点标注）");
                    (None, None)
                }
            }
        }
        Some(Value::String(iri)) => (Some(Target::Document), Some(iri.clone())),
        Some(t @ Value::Object(_)) => {
            let source = t.get("source").and_then(Value::as_str).map(String::from);
            let selectors = as_list(t.get("selector"));
            let find = |ty: &str| {
                selectors
                    .iter()
                    .find(|s| s.get("type").and_then(Value::as_str) == Some(ty))
                    .copied()
            };
            let quote = find("TextQuoteSelector").and_then(|q| {
                let qp = format!("{tpath}.selector(TextQuoteSelector)");
                Some(TextQuote {
                    exact: c.string(q, "exact", &qp)?,
                    prefix: q
                        .get("prefix")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into(),
                    suffix: q
                        .get("suffix")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .into(),
                })
            });
            let position = find("TextPositionSelector").and_then(|p| {
                let pp = format!("{tpath}.selector(TextPositionSelector)");
                let (s, e) = (
                    c.offset(p, "start", &pp, length)?,
                    c.offset(p, "end", &pp, length)?,
                );
                if s <= e {
                    Some((s, e))
                } else {
                    c.fail(&pp, format!("起点 {s} 在终点 {e} 之后"));
                    None
                }
            });
            let block = find("FragmentSelector")
                .and_then(|f| f.get("value").and_then(Value::as_str))
                .and_then(|v| v.strip_prefix("block="))
                .map(String::from);
            let target = match (quote, position) {
                (Some(quote), Some((start, end))) => Some(match block {
                    Some(block) => Target::Block {
                        block,
                        start,
                        end,
                        quote,
                    },
                    None => Target::Passage { start, end, quote },
                }),
                (Some(quote), None) => Some(Target::Passage {
                    start: 0,
                    end: 0,
                    quote,
                }),
                (None, _) if selectors.is_empty() => Some(Target::Document),
                (None, _) => {
                    c.fail(&tpath, "需要 TextQuoteSelector 才能定位");
                    None
                }
            };
            (target, source)
        }
        _ => {
            c.fail(&tpath, "缺少或无法识别");
            (None, None)
        }
    };
    let source = source.and_then(|s| s.strip_prefix("urn:sha256:").map(String::from));
    Some((
        Annotation {
            id,
            created: created?,
            modified: modified?,
            tags,
            note: notes.join("\n"),
            target: target?,
        },
        source,
    ))
}

/// How re-anchoring went, for the person to read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnchorReport {
    /// Placed where they said.
    pub in_place: usize,
    /// The exact quote, found elsewhere.
    pub moved: usize,
    /// Placed by an approximate match.
    pub fuzzy: usize,
    /// Not placed: kept as orphans.
    pub orphans: usize,
}

/// Re-anchors imported annotations against `article`: placed ones get fresh
/// positions and quotes, the rest are returned as orphans, never dropped.
pub fn reanchor(
    article: &Article,
    imported: Vec<Annotation>,
) -> (Vec<Annotation>, Vec<Annotation>, AnchorReport) {
    let mut r = Reanchoring::new(article, imported);
    while !r.step(article, usize::MAX) {}
    r.finish()
}

/// Re-anchoring done a few annotations at a time, so the page can stay
/// responsive, show progress and be cancelled between steps. The text is
/// decoded into code points once for the whole import.
pub struct Reanchoring {
    text: Vec<char>,
    pending: std::vec::IntoIter<Annotation>,
    total: usize,
    placed: Vec<Annotation>,
    orphans: Vec<Annotation>,
    report: AnchorReport,
}

impl Reanchoring {
    pub fn new(article: &Article, imported: Vec<Annotation>) -> Self {
        Reanchoring {
            text: article.source.chars().collect(),
            total: imported.len(),
            pending: imported.into_iter(),
            placed: Vec::new(),
            orphans: Vec::new(),
            report: AnchorReport::default(),
        }
    }

    /// (done, total)
    pub fn progress(&self) -> (usize, usize) {
        (self.placed.len() + self.orphans.len(), self.total)
    }

    /// Places up to `count` more annotations; true when all are done.
    pub fn step(&mut self, article: &Article, count: usize) -> bool {
        for _ in 0..count {
            let Some(a) = self.pending.next() else {
                return true;
            };
            self.place(article, a);
        }
        self.pending.len() == 0
    }

    pub fn finish(self) -> (Vec<Annotation>, Vec<Annotation>, AnchorReport) {
        (self.placed, self.orphans, self.report)
    }

    fn place(&mut self, article: &Article, mut a: Annotation) {
        let (hint, quote) = match &a.target {
            // A relation's place is its two annotations: not counted.
            Target::Relation { .. } => {
                self.placed.push(a);
                return;
            }
            Target::Document => {
                self.report.in_place += 1;
                self.placed.push(a);
                return;
            }
            Target::Passage { start, end, quote }
            | Target::Block {
                start, end, quote, ..
            } => ((*start < *end).then_some((*start, *end)), quote.clone()),
        };
        let Some(found) = anchor_in(&self.text, &quote, hint) else {
            self.report.orphans += 1;
            self.orphans.push(a);
            return;
        };
        match found.method {
            Method::Position => self.report.in_place += 1,
            Method::Quote => self.report.moved += 1,
            Method::Fuzzy(_) => self.report.fuzzy += 1,
        }
        let new_quote = quote_in(&self.text, found.start, found.end);
        let (start, end) = (found.start, found.end);
        let whole_block = article
            .block_at(start)
            .map(|i| &article.blocks[i])
            .filter(|b| b.start == start && b.end == end);
        a.target = match (&a.target, whole_block) {
            (Target::Block { .. }, Some(b)) => Target::Block {
                block: b.id.clone(),
                start,
                end,
                quote: new_quote,
            },
            _ => Target::Passage {
                start,
                end,
                quote: new_quote,
            },
        };
        self.placed.push(a);
    }
}

/// The quote selector for `start..end` of a text given as code points.
fn quote_in(text: &[char], start: usize, end: usize) -> TextQuote {
    let collect = |r: std::ops::Range<usize>| text[r].iter().collect::<String>();
    TextQuote {
        exact: collect(start..end),
        prefix: collect(start.saturating_sub(CONTEXT_CHARS)..start),
        suffix: collect(end..(end + CONTEXT_CHARS).min(text.len())),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportMode {
    /// Same id: the newer `modified` wins; everything else is added.
    Merge,
    /// The file's annotations replace the current ones.
    Replace,
}

/// The state after importing (already re-anchored) annotations. Linear in
/// the number of annotations (a map by id), and times compare as instants.
pub fn combine(
    current: &Annotations,
    tags: &[Tag],
    placed: Vec<Annotation>,
    orphans: Vec<Annotation>,
    mode: ImportMode,
) -> Annotations {
    use std::collections::HashMap;
    let mut next = match mode {
        ImportMode::Merge => current.clone(),
        ImportMode::Replace => Annotations::default(),
    };
    for t in tags {
        match next.tags.iter_mut().find(|x| x.name == t.name) {
            Some(existing) if mode == ImportMode::Replace => existing.color = t.color.clone(),
            Some(_) => {}
            None => next.tags.push(t.clone()),
        }
    }
    // id -> (is orphan, the annotation)
    let mut by_id: HashMap<String, (bool, Rc<Annotation>)> = next
        .annotations
        .drain(..)
        .map(|a| (a.id.clone(), (false, a)))
        .chain(next.orphans.drain(..).map(|a| (a.id.clone(), (true, a))))
        .collect();
    for (a, is_orphan) in placed
        .into_iter()
        .map(|a| (a, false))
        .chain(orphans.into_iter().map(|a| (a, true)))
    {
        let keep_existing = by_id
            .get(&a.id)
            .is_some_and(|(_, old)| !timestamp::is_later(&a.modified, &old.modified));
        if !keep_existing {
            by_id.insert(a.id.clone(), (is_orphan, Rc::new(a)));
        }
    }
    for (is_orphan, a) in by_id.into_values() {
        if is_orphan {
            next.orphans.push(a);
        } else {
            next.annotations.push(a);
        }
    }
    next.normalize_order();
    next.ensure_used_tags();
    next
}
