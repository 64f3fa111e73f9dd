//! doccano JSONL, as doccano's sequence labelling projects with relations
//! export it: one JSON object per line with `text`, `entities` (`id`,
//! `label`, `start_offset`, `end_offset`) and `relations`. Extra keys
//! (`title`, `document`, `notes`) become the example's metadata in doccano.
//! Imports also take the older `label: [[start, end, label], …]` lines.

use serde_json::{json, Value};

use super::{
    imported_from_spans, mentions, offset_in, pick_text, problem, relations_among, Export,
    RelationRecord, SpanRecord,
};
use crate::core::article::Article;
use crate::core::exchange::{DocumentInfo, ImportError, Imported};
use crate::core::store::Annotations;

pub const FORMAT: &str = "doccano JSONL";

pub fn export(article: &Article, all: &Annotations) -> Export {
    let (found, mut left_out) = mentions(all);
    let mut entities = Vec::new();
    let mut notes = Vec::new();
    // Each annotation's first entity, which its relations link.
    let mut entity_of = std::collections::HashMap::new();
    for m in &found {
        entity_of.insert(m.annotation.id.as_str(), entities.len() + 1);
        for (i, tag) in m.annotation.tags.iter().enumerate() {
            let id = entities.len() + 1;
            entities.push(json!({
                "id": id,
                "label": tag,
                "start_offset": m.start,
                "end_offset": m.end,
            }));
            if i == 0 && !m.annotation.note.is_empty() {
                notes.push(json!({"entity_id": id, "text": m.annotation.note}));
            }
        }
    }
    let (links, left) = relations_among(all, &found);
    left_out.extend(left);
    let relations: Vec<Value> = links
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let (from, to) = r.target.ends()?;
            Some(json!({
                "id": i + 1,
                "from_id": entity_of.get(from)?,
                "to_id": entity_of.get(to)?,
                "type": r.tags.first()?,
            }))
        })
        .collect();
    let doc = DocumentInfo::of(article);
    let line = json!({
        "text": article.source,
        "entities": entities,
        "relations": relations,
        "title": doc.title,
        "document": doc.sha256,
        "notes": notes,
    });
    let mut content = serde_json::to_string(&line).unwrap_or_default();
    content.push('\n');
    Export {
        content: content.into_bytes(),
        left_out,
    }
}

/// Reads a doccano JSONL file; `current` is the open document's text, to
/// pick its line from a file of several.
pub fn parse(raw: &str, current: &str, now: &str) -> Result<Imported, Vec<ImportError>> {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (n, line) in raw.trim_start_matches('\u{feff}').lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = format!("第 {} 行", n + 1);
        match serde_json::from_str::<Value>(line) {
            Ok(v) => match v.get("text").and_then(Value::as_str) {
                Some(t) => lines.push((t.to_string(), (at, v))),
                None => errors.push(problem(at, "缺少字符串字段 text")),
            },
            Err(e) => errors.push(problem(at, format!("不是有效的 JSON：{e}"))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if lines.is_empty() {
        return Err(vec![problem("文件", "没有任何一行数据")]);
    }
    let (text, (at, v)) = pick_text(lines, current).map_err(|e| vec![problem("文件", e)])?;
    let length = text.chars().count();
    let mut spans = Vec::new();
    let mut read = |path: String,
                    key: String,
                    [start, end, label]: [&Value; 3],
                    errors: &mut Vec<ImportError>| {
        let start = offset_in(start, length);
        let end = offset_in(end, length);
        let label = label.as_str().map(crate::core::annotation::normalize_tag);
        match (start, end, label) {
            (Ok(s), Ok(e), Some(l)) if s < e && !l.is_empty() => spans.push(SpanRecord {
                key,
                start: s,
                end: e,
                label: l,
                note: String::new(),
            }),
            (Err(e), _, _) | (_, Err(e), _) => errors.push(problem(path, e)),
            (_, _, None) => errors.push(problem(path, "label 应为字符串")),
            (_, _, Some(l)) if l.is_empty() => errors.push(problem(path, "label 为空")),
            _ => errors.push(problem(path, "起点应小于终点")),
        }
    };
    if let Some(entities) = v.get("entities") {
        let Some(list) = entities.as_array() else {
            return Err(vec![problem(format!("{at} entities"), "应为数组")]);
        };
        for (i, e) in list.iter().enumerate() {
            let null = Value::Null;
            let get = |k: &str| e.get(k).unwrap_or(&null);
            read(
                format!("{at} entities[{i}]"),
                get("id").to_string(),
                [get("start_offset"), get("end_offset"), get("label")],
                &mut errors,
            );
        }
    } else if let Some(labels) = v.get("label") {
        let Some(list) = labels.as_array() else {
            return Err(vec![problem(format!("{at} label"), "应为数组")]);
        };
        for (i, l) in list.iter().enumerate() {
            match l.as_array().map(Vec::as_slice) {
                Some([s, e, label]) => read(
                    format!("{at} label[{i}]"),
                    i.to_string(),
                    [s, e, label],
                    &mut errors,
                ),
                _ => errors.push(problem(
                    format!("{at} label[{i}]"),
                    "应为 [起点, 终点, 标签]",
                )),
            }
        }
    } else {
        return Err(vec![problem(
            at,
            "既没有 entities 也没有 label：不是 doccano 的序列标注数据",
        )]);
    }
    let mut relations = Vec::new();
    let list = v.get("relations").and_then(Value::as_array);
    for (i, r) in list.into_iter().flatten().enumerate() {
        let path = format!("{at} relations[{i}]");
        let end = |k: &str| {
            let key = r.get(k).map(Value::to_string).unwrap_or_default();
            spans.iter().any(|s| s.key == key).then_some(key)
        };
        let label = r
            .get("type")
            .and_then(Value::as_str)
            .map(crate::core::annotation::normalize_tag);
        match (end("from_id"), end("to_id"), label) {
            (Some(from), Some(to), Some(label)) if !label.is_empty() => {
                relations.push(RelationRecord {
                    from,
                    to,
                    label,
                    note: String::new(),
                })
            }
            (None, _, _) | (_, None, _) => {
                errors.push(problem(path, "from_id 或 to_id 不是这一行的实体"))
            }
            _ => errors.push(problem(path, "type（关系名称）应为非空字符串")),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Some(notes) = v.get("notes").and_then(Value::as_array) {
        for n in notes {
            let target = n.get("entity_id").map(Value::to_string);
            let text = n.get("text").and_then(Value::as_str).unwrap_or_default();
            if let Some(span) = spans.iter_mut().find(|s| Some(&s.key) == target.as_ref()) {
                span.note = text.to_string();
            }
        }
    }
    Ok(imported_from_spans(FORMAT, &text, spans, relations, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::formats::test_support::{annotations, kept, NOW};

    #[test]
    fn round_trip_with_astral_characters() {
        let article = Article::parse("标题\n\n𠮶😀张三去北京。\n");
        let all = annotations(
            &article,
            &[
                ("a", 6, 8, &["人物", "主角"], "注"),
                ("b", 9, 11, &["地点"], ""),
            ],
        );
        let e = export(&article, &all);
        let text = String::from_utf8(e.content).unwrap();
        let v: Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(v["entities"][0]["start_offset"], 6);
        assert_eq!(v["entities"].as_array().unwrap().len(), 3);
        let back = parse(&text, &article.source, NOW).unwrap();
        assert_eq!(
            kept(&back.annotations),
            [
                (Some((6, 8)), vec!["人物", "主角"], "注"),
                (Some((9, 11)), vec!["地点"], ""),
            ]
        );
        assert_eq!(back.document, Some(article.sha256()));
    }

    #[test]
    fn old_label_lines_and_clear_errors() {
        let ok = "{\"text\":\"张三去北京\",\"label\":[[0,2,\"人物\"]]}\n";
        let back = parse(ok, "", NOW).unwrap();
        assert_eq!(back.annotations[0].target.range(), Some((0, 2)));
        let bad = "{\"text\":\"张三\",\"label\":[[0,9,\"人物\"],[1,0,\"x\"]]}\n";
        let errors = parse(bad, "", NOW).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(
            errors[0].to_string().contains("第 1 行 label[0]"),
            "{}",
            errors[0]
        );
        assert!(parse("{not json\n", "", NOW).is_err());
        assert!(
            parse("{\"text\":\"a\"}\n{\"text\":\"b\"}\n", "c", NOW).unwrap_err()[0]
                .message
                .contains("2 段文本")
        );
    }
}
