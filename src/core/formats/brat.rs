//! brat standoff: a `.txt` with the text and an `.ann` beside it, packed in
//! a zip. Each tag of an annotation is a `T` line (`T1<TAB>Type start
//! end<TAB>text`, code point offsets, a passage over a line break written
//! as fragments `start end;start end` as brat requires); a note is an
//! `AnnotatorNotes` line (`#1<TAB>AnnotatorNotes T1<TAB>note`).

use std::io::{Cursor, Read, Write};

use super::{
    imported_from_spans, label_without_spaces, mentions, pick_text, problem, relations_among,
    renamed_labels, Export, RelationRecord, SpanRecord,
};
use crate::core::annotation::normalize_tag;
use crate::core::article::Article;
use crate::core::exchange::{ImportError, Imported};
use crate::core::store::Annotations;

pub const FORMAT: &str = "brat standoff";

/// The `.ann` lines for `all`, and what was left out or changed.
pub fn ann(article: &Article, all: &Annotations) -> (String, Vec<String>) {
    let (found, mut left_out) = mentions(all);
    let mut out = String::new();
    let (mut t, mut note_n) = (0, 0);
    let (mut notes_flattened, mut only_breaks, mut trimmed) = (0, 0, 0);
    // Each annotation's first T line, which its relations name.
    let mut entity_of = std::collections::HashMap::new();
    let mut note_line = |out: &mut String, of: &str, note: &str| {
        if note.is_empty() {
            return;
        }
        note_n += 1;
        if note.contains('\n') {
            notes_flattened += 1;
        }
        let flat: Vec<&str> = note.lines().collect();
        out.push_str(&format!(
            "#{note_n}\tAnnotatorNotes {of}\t{}\n",
            flat.join(" ")
        ));
    };
    for m in &found {
        let fragments = fragments(article, m.start, m.end);
        match (fragments.first(), fragments.last()) {
            (Some(first), Some(last)) if first.0 != m.start || last.1 != m.end => trimmed += 1,
            (None, _) | (_, None) => {
                only_breaks += 1;
                continue;
            }
            _ => {}
        }
        let ranges: Vec<String> = fragments.iter().map(|(s, e)| format!("{s} {e}")).collect();
        let text: Vec<&str> = fragments
            .iter()
            .map(|&(s, e)| article.slice(s, e))
            .collect();
        entity_of.insert(m.annotation.id.as_str(), t + 1);
        for (i, tag) in m.annotation.tags.iter().enumerate() {
            t += 1;
            out.push_str(&format!(
                "T{t}\t{} {}\t{}\n",
                label_without_spaces(tag),
                ranges.join(";"),
                text.join(" ")
            ));
            if i == 0 {
                note_line(&mut out, &format!("T{t}"), &m.annotation.note);
            }
        }
    }
    let (links, left) = relations_among(all, &found);
    left_out.extend(left);
    let mut r = 0;
    for link in &links {
        let Some((from, to)) = link.target.ends() else {
            continue;
        };
        let (Some(a), Some(b), Some(label)) =
            (entity_of.get(from), entity_of.get(to), link.tags.first())
        else {
            continue;
        };
        r += 1;
        out.push_str(&format!(
            "R{r}\t{} Arg1:T{a} Arg2:T{b}\n",
            label_without_spaces(label)
        ));
        note_line(&mut out, &format!("R{r}"), &link.note);
    }
    left_out.extend(renamed_labels(
        found
            .iter()
            .map(|m| m.annotation)
            .chain(links.iter().copied())
            .flat_map(|a| a.tags.iter().map(String::as_str)),
    ));
    if only_breaks > 0 {
        left_out.push(format!(
            "{only_breaks} 个片段只含换行，brat 无法表示，未写入"
        ));
    }
    if trimmed > 0 {
        left_out.push(format!(
            "{trimmed} 个片段首尾的换行未写入（brat 的片段不含换行）"
        ));
    }
    if notes_flattened > 0 {
        left_out.push(format!(
            "{notes_flattened} 条多行注释写成一行（brat 的注释不能换行）"
        ));
    }
    (out, left_out)
}

/// `start..end` cut at line breaks into the non-empty pieces between them.
fn fragments(article: &Article, start: usize, end: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = start;
    for (i, c) in article.slice(start, end).chars().enumerate() {
        if c == '\n' {
            if from < start + i {
                out.push((from, start + i));
            }
            from = start + i + 1;
        }
    }
    if from < end {
        out.push((from, end));
    }
    out
}

/// A zip of `<name>.txt` and `<name>.ann`.
pub fn export(article: &Article, all: &Annotations, name: &str) -> Export {
    let (ann, left_out) = ann(article, all);
    let mut buf = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buf);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (file, content) in [("txt", article.source.as_str()), ("ann", ann.as_str())] {
            // Writing to memory fails only when out of memory.
            let _ = zip.start_file(format!("{name}.{file}"), options);
            let _ = zip.write_all(content.as_bytes());
        }
        let _ = zip.finish();
    }
    Export {
        content: buf.into_inner(),
        left_out,
    }
}

/// Reads a brat `.ann` against `text` (its `.txt`).
pub fn parse_ann(ann: &str, text: &str, now: &str) -> Result<Imported, Vec<ImportError>> {
    let chars: Vec<char> = text.chars().collect();
    let length = chars.len();
    let mut spans: Vec<SpanRecord> = Vec::new();
    let mut notes: Vec<(String, String)> = Vec::new();
    let mut errors = Vec::new();
    // (where, the R id, the relation)
    let mut relations: Vec<(String, String, RelationRecord)> = Vec::new();
    let mut other: Vec<char> = Vec::new();
    let mut joined = 0;
    for (n, line) in ann.trim_start_matches('\u{feff}').lines().enumerate() {
        let at = format!(".ann 第 {} 行", n + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        match line.chars().next() {
            None => {}
            Some('T') => match read_entity(&fields, length) {
                Ok((_, bounds)) if !mention_matches(&chars, &bounds, &fields) => {
                    let found: Vec<String> = bounds
                        .iter()
                        .map(|&(s, e)| chars[s..e].iter().collect())
                        .collect();
                    errors.push(problem(
                        at,
                        format!(
                            "文本「{}」与 .txt 在此位置的「{}」不符（单独导入 .ann 时按打开的文档读：请连同 .txt 一起打包成 zip 导入）",
                            fields.get(2).unwrap_or(&""),
                            found.join(" ")
                        ),
                    ));
                }
                Ok((span, bounds)) => {
                    let gaps_are_blank = bounds.windows(2).all(|w| {
                        chars[w[0].1.min(w[1].0)..w[1].0]
                            .iter()
                            .all(|c| c.is_whitespace())
                    });
                    if !gaps_are_blank {
                        joined += 1;
                    }
                    spans.push(span);
                }
                Err(e) => errors.push(problem(at, e)),
            },
            Some('#') => {
                let target = fields
                    .get(1)
                    .and_then(|f| f.strip_prefix("AnnotatorNotes "));
                match (target, fields.get(2)) {
                    (Some(t), Some(note)) => notes.push((t.trim().to_string(), note.to_string())),
                    _ => errors.push(problem(
                        at,
                        "注释行应为 #编号<TAB>AnnotatorNotes T编号<TAB>内容",
                    )),
                }
            }
            Some('R') => match read_relation(&fields) {
                Ok((id, r)) => relations.push((at, id, r)),
                Err(e) => errors.push(problem(at, e)),
            },
            Some(c) if "EAMN*".contains(c) => other.push(c),
            Some(_) => errors.push(problem(
                at,
                "不是 brat 的标注行（应以 T、R、E、A、M、N、# 或 * 开头）",
            )),
        }
    }
    for (at, _, r) in &relations {
        for end in [&r.from, &r.to] {
            if !spans.iter().any(|s| s.key == *end) {
                errors.push(problem(at, format!("关系的参数 {end} 不是本文件的 T 行")));
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let note_of = |id: &str| {
        notes
            .iter()
            .filter(|(t, _)| t == id)
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    for span in &mut spans {
        span.note = note_of(&span.key);
    }
    let relations = relations
        .into_iter()
        .map(|(_, id, mut r)| {
            r.note = note_of(&id);
            r
        })
        .collect();
    let mut imported = imported_from_spans(FORMAT, text, spans, relations, now);
    if !other.is_empty() {
        let count = other.len();
        other.sort_unstable();
        other.dedup();
        let kinds: String = other.iter().collect();
        imported
            .left_out
            .push(format!("{count} 行事件或属性（{kinds}）本应用不读，未导入"));
    }
    if joined > 0 {
        imported.left_out.push(format!(
            "{joined} 个不连续的片段合并为从首段到末段的一个片段"
        ));
    }
    Ok(imported)
}

/// `R1<TAB>Type Arg1:T1 Arg2:T2`: the id and the relation between the
/// two T ids.
fn read_relation(fields: &[&str]) -> Result<(String, RelationRecord), String> {
    let [id, what, ..] = fields else {
        return Err("关系行应为 R编号<TAB>类型 Arg1:T编号 Arg2:T编号".into());
    };
    let parts: Vec<&str> = what.split(' ').filter(|p| !p.is_empty()).collect();
    let [label, a, b] = parts.as_slice() else {
        return Err("关系行应为 R编号<TAB>类型 Arg1:T编号 Arg2:T编号".into());
    };
    let arg = |p: &str| {
        p.split_once(':')
            .map(|(_, t)| t.to_string())
            .ok_or(format!("参数「{p}」应为 名称:T编号"))
    };
    let label = normalize_tag(label);
    if label.is_empty() {
        return Err("关系类型为空".into());
    }
    Ok((
        id.to_string(),
        RelationRecord {
            from: arg(a)?,
            to: arg(b)?,
            label,
            note: String::new(),
        },
    ))
}

/// Whether a `T` line's text (its fields after the second, which may hold
/// tabs) is what its fragments cover, written as brat does: the fragments'
/// texts joined by a space.
fn mention_matches(chars: &[char], bounds: &[Fragment], fields: &[&str]) -> bool {
    let covered: Vec<String> = bounds
        .iter()
        .map(|&(s, e)| chars[s..e].iter().collect())
        .collect();
    fields.len() < 3 || fields[2..].join("\t") == covered.join(" ")
}

/// A fragment's code point range.
type Fragment = (usize, usize);

/// `T1<TAB>Type 0 5;6 9<TAB>text`: one span (keyed by its id) from the
/// first start to the last end, and the fragments.
fn read_entity(fields: &[&str], length: usize) -> Result<(SpanRecord, Vec<Fragment>), String> {
    let [id, what, ..] = fields else {
        return Err("实体行应为 T编号<TAB>类型 起点 终点<TAB>文本".into());
    };
    let (label, ranges) = what.split_once(' ').ok_or("缺少类型或位置")?;
    let mut bounds = Vec::new();
    for r in ranges.split(';') {
        let (s, e) = r
            .trim()
            .split_once(' ')
            .ok_or(format!("位置「{r}」应为「起点 终点」"))?;
        let s: usize = s.parse().map_err(|_| format!("起点「{s}」不是整数"))?;
        let e: usize = e.parse().map_err(|_| format!("终点「{e}」不是整数"))?;
        if s >= e || e > length {
            return Err(format!(
                "位置 {s}–{e} 不在 .txt 的 {length} 个字符之内或为空"
            ));
        }
        bounds.push((s, e));
    }
    let label = normalize_tag(label);
    if label.is_empty() {
        return Err("类型为空".into());
    }
    let start = bounds.iter().map(|b| b.0).min().unwrap_or(0);
    let end = bounds.iter().map(|b| b.1).max().unwrap_or(0);
    let span = SpanRecord {
        key: id.to_string(),
        start,
        end,
        label,
        note: String::new(),
    };
    Ok((span, bounds))
}

/// Reads a zip of brat files: the `.ann` whose `.txt` is the open document
/// (`current`), or the only pair.
pub fn parse_zip(bytes: &[u8], current: &str, now: &str) -> Result<Imported, Vec<ImportError>> {
    let fail = |m: String| vec![problem("zip", m)];
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| fail(format!("不是有效的 zip：{e}")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut read = |name: &str| -> Result<String, Vec<ImportError>> {
        let mut file = zip
            .by_name(name)
            .map_err(|e| fail(format!("{name}：{e}")))?;
        let mut s = String::new();
        file.read_to_string(&mut s)
            .map_err(|_| fail(format!("{name} 不是 UTF-8 文本")))?;
        Ok(s)
    };
    let mut pairs = Vec::new();
    for ann_name in names.iter().filter(|n| n.ends_with(".ann")) {
        let txt_name = format!("{}.txt", ann_name.trim_end_matches(".ann"));
        if !names.contains(&txt_name) {
            return Err(fail(format!("{ann_name} 没有同名的 .txt")));
        }
        let text = read(&txt_name)?;
        let ann = read(ann_name)?;
        pairs.push((text, ann));
    }
    if pairs.is_empty() {
        return Err(fail("zip 中没有 .ann 文件".into()));
    }
    let (text, ann) = pick_text(pairs, current).map_err(fail)?;
    parse_ann(&ann, &text, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::formats::test_support::{annotations, kept, NOW};

    #[test]
    fn ann_lines_by_hand() {
        let article = Article::parse("标题\n\n😀张三去\n\n北京。\n");
        // 😀 = 4, 张三 = 5..7, 去 = 7, "\n\n" = 8..10, 北京 = 10..12.
        let all = annotations(
            &article,
            &[
                ("a", 5, 7, &["人物", "主 角"], "多\n行"),
                ("b", 7, 12, &["事件"], ""),
            ],
        );
        let (ann, left_out) = ann(&article, &all);
        assert_eq!(
            ann,
            "T1\t人物 5 7\t张三\n#1\tAnnotatorNotes T1\t多 行\nT2\t主_角 5 7\t张三\nT3\t事件 7 8;10 12\t去 北京\n"
        );
        assert!(left_out.iter().any(|l| l.contains("主_角")));
        assert!(left_out.iter().any(|l| l.contains("多行注释")));
    }

    #[test]
    fn zip_round_trip() {
        let article = Article::parse("标题\n\n𠮶张三去北京。\n");
        let all = annotations(
            &article,
            &[("a", 5, 7, &["人物"], "注"), ("b", 8, 10, &["地点"], "")],
        );
        let e = export(&article, &all, "文档");
        let back = parse_zip(&e.content, &article.source, NOW).unwrap();
        assert_eq!(
            kept(&back.annotations),
            [
                (Some((5, 7)), vec!["人物"], "注"),
                (Some((8, 10)), vec!["地点"], ""),
            ]
        );
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let errors = parse_ann(
            "T1\t人物 0 2\t张三\nT2\t地点 3 99\t北京\nX\nT3\t地点 0 2\t北京\n",
            "张三去北京",
            NOW,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 3);
        assert!(errors[2].message.contains("不符"));
        assert!(errors[0].to_string().contains(".ann 第 2 行"));
        let ok = parse_ann(
            "T1\t人物 0 2\t张三\nR1\t去 Arg1:T1 Arg2:T2\n#1\tAnnotatorNotes R1\t注\nT2\t地点 0 1;3 5\t张 北京\nA1\tNeg T1\n",
            "张三去北京",
            NOW,
        )
        .unwrap();
        let relation = ok
            .annotations
            .iter()
            .find(|a| a.target.ends().is_some())
            .unwrap();
        assert_eq!(
            (relation.tags.as_slice(), relation.note.as_str()),
            (&["去".to_string()][..], "注")
        );
        assert!(
            ok.left_out[0].contains("1 行事件或属性（A）"),
            "{:?}",
            ok.left_out
        );
        assert!(
            ok.left_out[1].contains("1 个不连续的片段"),
            "{:?}",
            ok.left_out
        );
        let dangling = parse_ann(
            "T1\t人物 0 2\t张三\nR1\t去 Arg1:T1 Arg2:T9\n",
            "张三去北京",
            NOW,
        )
        .unwrap_err();
        assert!(dangling[0].message.contains("T9"));
        assert!(parse_zip(b"not a zip", "", NOW).is_err());
    }
}
