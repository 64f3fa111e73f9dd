//! Label Studio JSON: a list of tasks, each with `data.text` and one
//! annotation whose `result` holds a `labels` region per annotation
//! (`from_name` "label", `to_name` "text", `value` {start, end, text,
//! labels}) and, for a note, a per-region `textarea` result with the same
//! id (`from_name` "note"). The README gives the labelling config that
//! reads it. Offsets are code points, as Label Studio counts them.

use serde_json::{json, Value};

use super::{
    imported_from_spans, mentions, offset_in, pick_text, problem, relations_among, Export,
    RelationRecord, SpanRecord,
};
use crate::core::annotation::normalize_tag;
use crate::core::article::Article;
use crate::core::exchange::{DocumentInfo, ImportError, Imported};
use crate::core::store::Annotations;

pub const FORMAT: &str = "Label Studio JSON";

pub fn export(article: &Article, all: &Annotations, now: &str) -> Export {
    let (found, mut left_out) = mentions(all);
    let mut result = Vec::new();
    for m in &found {
        let a = m.annotation;
        let quote = a.target.quote().map_or("", |q| q.exact.as_str());
        result.push(json!({
            "id": a.id,
            "from_name": "label",
            "to_name": "text",
            "type": "labels",
            "origin": "manual",
            "value": {"start": m.start, "end": m.end, "text": quote, "labels": a.tags},
        }));
        if !a.note.is_empty() {
            result.push(json!({
                "id": a.id,
                "from_name": "note",
                "to_name": "text",
                "type": "textarea",
                "origin": "manual",
                "value": {"start": m.start, "end": m.end, "text": [a.note]},
            }));
        }
    }
    let (links, left) = relations_among(all, &found);
    left_out.extend(left);
    for r in links {
        if let Some((from, to)) = r.target.ends() {
            result.push(json!({
                "from_id": from,
                "to_id": to,
                "type": "relation",
                "direction": "right",
                "labels": r.tags,
            }));
        }
    }
    let doc = DocumentInfo::of(article);
    // Label Studio numbers tasks and annotations itself on import; its
    // converter needs them numbered.
    let tasks = json!([{
        "id": 1,
        "data": {"text": article.source, "title": doc.title, "document": doc.sha256},
        "annotations": [{"id": 1, "result": result, "created_at": now, "updated_at": now}],
    }]);
    Export {
        content: serde_json::to_string_pretty(&tasks)
            .unwrap_or_default()
            .into_bytes(),
        left_out,
    }
}

/// The task's text: `data.text`, else the only string in `data`.
fn task_text(task: &Value) -> Option<&str> {
    let data = task.get("data")?;
    data.get("text").and_then(Value::as_str).or_else(|| {
        let strings: Vec<&str> = data
            .as_object()?
            .values()
            .filter_map(Value::as_str)
            .collect();
        (strings.len() == 1).then(|| strings[0])
    })
}

/// Reads a Label Studio export (a list of tasks, or one task).
pub fn parse(value: &Value, current: &str, now: &str) -> Result<Imported, Vec<ImportError>> {
    let tasks: Vec<&Value> = match value {
        Value::Array(list) => list.iter().collect(),
        one => vec![one],
    };
    let mut texts = Vec::new();
    for (i, task) in tasks.iter().enumerate() {
        match task_text(task) {
            Some(t) => texts.push((t.to_string(), (i, *task))),
            None => return Err(vec![problem(format!("任务 {}", i + 1), "没有 data.text")]),
        }
    }
    if texts.is_empty() {
        return Err(vec![problem("文件", "没有任务")]);
    }
    let (text, (index, task)) = pick_text(texts, current).map_err(|e| vec![problem("文件", e)])?;
    let length = text.chars().count();
    let at = format!("任务 {}", index + 1);
    let annotations = task
        .get("annotations")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .map(|l| ("annotations", l))
        .or_else(|| {
            task.get("predictions")
                .and_then(Value::as_array)
                .map(|l| ("predictions", l))
        });
    let mut spans: Vec<SpanRecord> = Vec::new();
    let mut notes: Vec<(String, String)> = Vec::new();
    let mut relations: Vec<(String, RelationRecord)> = Vec::new();
    let mut errors = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut unlabelled = 0;
    if let Some((key, list)) = annotations {
        for (j, annotation) in list.iter().enumerate() {
            if annotation.get("was_cancelled").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let results = annotation.get("result").and_then(Value::as_array);
            for (k, r) in results.into_iter().flatten().enumerate() {
                let path = format!("{at} {key}[{j}].result[{k}]");
                let id = r.get("id").map(|v| v.to_string()).unwrap_or_default();
                let value = r.get("value").unwrap_or(&Value::Null);
                match r.get("type").and_then(Value::as_str) {
                    Some("labels") => {
                        let start = offset_in(value.get("start").unwrap_or(&Value::Null), length);
                        let end = offset_in(value.get("end").unwrap_or(&Value::Null), length);
                        let labels = value.get("labels").and_then(Value::as_array);
                        match (start, end, labels) {
                            (Ok(s), Ok(e), Some(labels)) if s < e => {
                                for l in labels {
                                    match l.as_str().map(normalize_tag) {
                                        Some(l) if !l.is_empty() => spans.push(SpanRecord {
                                            key: id.clone(),
                                            start: s,
                                            end: e,
                                            label: l,
                                            note: String::new(),
                                        }),
                                        _ => errors.push(problem(
                                            &path,
                                            "labels 中有空的或不是字符串的标签",
                                        )),
                                    }
                                }
                            }
                            (Err(e), _, _) | (_, Err(e), _) => {
                                errors.push(problem(&path, format!("value: {e}")))
                            }
                            (_, _, None) => errors.push(problem(&path, "value.labels 应为数组")),
                            _ => errors.push(problem(&path, "起点应小于终点")),
                        }
                    }
                    Some("textarea") => {
                        let text: Vec<&str> = value
                            .get("text")
                            .and_then(Value::as_array)
                            .map(|l| l.iter().filter_map(Value::as_str).collect())
                            .unwrap_or_default();
                        notes.push((id, text.join("\n")));
                    }
                    Some("relation") => {
                        let end = |k: &str| r.get(k).map(Value::to_string).unwrap_or_default();
                        let label = r
                            .get("labels")
                            .and_then(Value::as_array)
                            .and_then(|l| l.first())
                            .and_then(Value::as_str)
                            .map(normalize_tag)
                            .filter(|l| !l.is_empty());
                        match label {
                            Some(label) => relations.push((
                                path,
                                RelationRecord {
                                    from: end("from_id"),
                                    to: end("to_id"),
                                    label,
                                    note: String::new(),
                                },
                            )),
                            // Label Studio allows a relation without a label.
                            None => unlabelled += 1,
                        }
                    }
                    Some(other) => skipped.push(other.to_string()),
                    None => errors.push(problem(&path, "缺少 type")),
                }
            }
        }
    }
    for (path, r) in &relations {
        if ![&r.from, &r.to]
            .iter()
            .all(|k| spans.iter().any(|s| s.key == **k))
        {
            errors.push(problem(path, "from_id 或 to_id 不是这个任务的区域"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for span in &mut spans {
        if let Some((_, note)) = notes.iter().find(|(n, _)| *n == span.key) {
            span.note = note.clone();
        }
    }
    let relations = relations.into_iter().map(|(_, r)| r).collect();
    let mut imported = imported_from_spans(FORMAT, &text, spans, relations, now);
    if unlabelled > 0 {
        imported.left_out.push(format!(
            "{unlabelled} 条没有名称的关系未导入（本应用的关系都有名称）"
        ));
    }
    if !skipped.is_empty() {
        let count = skipped.len();
        skipped.sort();
        skipped.dedup();
        imported.left_out.push(format!(
            "{count} 个结果的类型（{}）本应用不读，未导入",
            skipped.join("、")
        ));
    }
    Ok(imported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::formats::test_support::{annotations, kept, NOW};

    #[test]
    fn round_trip_with_notes_and_astral_characters() {
        let article = Article::parse("标题\n\n😀张三去𠮶北京。\n");
        let all = annotations(
            &article,
            &[
                ("a", 5, 7, &["人物", "主角"], "注释"),
                ("b", 9, 11, &["地点"], ""),
            ],
        );
        let e = export(&article, &all, NOW);
        let v: Value = serde_json::from_slice(&e.content).unwrap();
        let r = &v[0]["annotations"][0]["result"];
        assert_eq!(r[0]["value"]["text"], "张三");
        assert_eq!(r[1]["type"], "textarea");
        let back = parse(&v, &article.source, NOW).unwrap();
        assert_eq!(
            kept(&back.annotations),
            [
                (Some((5, 7)), vec!["人物", "主角"], "注释"),
                (Some((9, 11)), vec!["地点"], ""),
            ]
        );
    }

    #[test]
    fn malformed_results_are_refused_with_their_place() {
        let v: Value = serde_json::from_str(
            r#"[{"data":{"text":"张三"},"annotations":[{"result":[
                {"id":"x","type":"labels","value":{"start":0,"end":5,"labels":["人物"]}},
                {"id":"y","type":"choices","value":{"choices":["好"]}}]}]}]"#,
        )
        .unwrap();
        let errors = parse(&v, "", NOW).unwrap_err();
        assert!(
            errors[0]
                .to_string()
                .contains("任务 1 annotations[0].result[0]"),
            "{}",
            errors[0]
        );
        let skipped: Value = serde_json::from_str(
            r#"{"data":{"text":"张三"},"annotations":[{"result":[
                {"id":"y","type":"choices","value":{"choices":["好"]}}]}]}"#,
        )
        .unwrap();
        let ok = parse(&skipped, "", NOW).unwrap();
        assert!(ok.left_out[0].contains("choices"));
    }
}
