//! Export, import and re-anchoring on the real seed article.

use annotator::core::annotation::{Annotation, Target};
use annotator::core::article::Article;
use annotator::core::exchange::*;
use annotator::core::store::{Annotations, Command, Store};
use annotator::core::text::{char_len, slice_chars};
use proptest::prelude::*;

const SEED: &str = include_str!("../seeds/000_dd504da93b3e7f9a.txt");
const NOW: &str = "2026-11-29T10:00:00.000Z";

fn article() -> Article {
    Article::parse(SEED)
}

fn passage(a: &Article, id: &str, needle: &str, tags: &[&str], note: &str) -> Annotation {
    let byte = a.source.find(needle).expect(needle);
    let start = char_len(&a.source[..byte]);
    Annotation {
        id: id.into(),
        created: NOW.into(),
        modified: NOW.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        note: note.into(),
        target: Target::passage(a, start, start + char_len(needle)),
    }
}

fn sample(a: &Article) -> Annotations {
    let mut s = Store::default();
    s.apply(Command::Add(passage(
        a,
        "11111111-1111-4111-8111-111111111111",
        "成渝地区双城经济圈",
        &["地名", "经济"],
        "重点",
    )))
    .unwrap();
    s.apply(Command::Add(passage(
        a,
        "22222222-2222-4222-8222-222222222222",
        "西部陆海新通道",
        &["地名"],
        "",
    )))
    .unwrap();
    let block = &a.blocks[5];
    s.apply(Command::Add(Annotation {
        id: "33333333-3333-4333-8333-333333333333".into(),
        created: NOW.into(),
        modified: "2026-11-29T11:00:00.000Z".into(),
        tags: vec!["政策".into()],
        note: "引号\"与<b>不是HTML</b>".into(),
        target: Target::block(a, &block.id).unwrap(),
    }))
    .unwrap();
    s.state().clone()
}

fn import_all(a: &Article, raw: &str) -> (Annotations, AnchorReport) {
    let imported = parse_import(raw, char_len(&a.source)).unwrap_or_else(|e| panic!("{e:?}"));
    let (placed, orphans, report) = reanchor(a, imported.annotations);
    (
        combine(
            &Annotations::default(),
            &imported.tags,
            placed,
            orphans,
            ImportMode::Replace,
        ),
        report,
    )
}

#[test]
fn project_json_round_trip_gives_the_same_state() {
    let a = article();
    let state = sample(&a);
    let raw = export_json(&a, &state, NOW);
    let (back, report) = import_all(&a, &raw);
    assert_eq!(report.in_place, 3);
    let mut expected = state.annotations.clone();
    let mut got = back.annotations.clone();
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    got.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(got, expected);
    assert_eq!(back.tags, state.tags);
}

#[test]
fn w3c_round_trip_keeps_annotations_and_block_targets() {
    let a = article();
    let state = sample(&a);
    let raw = export_w3c(&a, &state, NOW, "00000000-0000-4000-8000-000000000000");
    let v: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(v["@context"], W3C_CONTEXT);
    assert_eq!(v["type"], "AnnotationCollection");
    let first = &v["first"]["items"][0];
    assert!(first["id"].as_str().unwrap().starts_with("urn:uuid:"));
    assert_eq!(
        first["target"]["source"],
        format!("urn:sha256:{}", a.sha256())
    );
    assert!(first["created"].as_str().unwrap().ends_with('Z'));
    let (back, _) = import_all(&a, &raw);
    let mut expected = state.annotations.clone();
    let mut got = back.annotations.clone();
    expected.sort_by(|x, y| x.id.cmp(&y.id));
    got.sort_by(|x, y| x.id.cmp(&y.id));
    assert_eq!(got, expected);
}

#[test]
fn reanchoring_against_edited_text() {
    let a = article();
    let mut state = sample(&a);
    let unique = passage(
        &a,
        "55555555-5555-4555-8555-555555555555",
        "洪崖洞是重庆市重点景观工程",
        &["地名"],
        "",
    );
    state.annotations.push(unique);
    let raw = export_json(&a, &state, NOW);
    // Insert text before everything, and change a character inside a quote
    // that occurs once.
    let edited_src = format!(
        "新增的导语。\n\n{}",
        SEED.replacen("重点景观工程", "重要景观工程", 1)
    );
    let edited = Article::parse(&edited_src);
    let imported = parse_import(&raw, char_len(&edited.source)).unwrap();
    let (placed, orphans, report) = reanchor(&edited, imported.annotations);
    assert!(orphans.is_empty());
    assert_eq!(
        report,
        AnchorReport {
            in_place: 0,
            moved: 3,
            fuzzy: 1,
            orphans: 0
        }
    );
    for p in &placed {
        let (s, e) = p.target.range().unwrap();
        assert_eq!(
            slice_chars(&edited.source, s, e),
            p.target.quote().unwrap().exact
        );
    }
    let fuzzy = placed.iter().find(|p| p.id.starts_with("5555")).unwrap();
    assert_eq!(
        fuzzy.target.quote().unwrap().exact,
        "洪崖洞是重庆市重要景观工程"
    );
    // The block annotation still names its (unchanged) block.
    let block = placed.iter().find(|p| p.id.starts_with("3333")).unwrap();
    assert!(matches!(block.target, Target::Block { .. }));
}

#[test]
fn a_quote_that_is_gone_is_kept_as_an_orphan() {
    let a = article();
    let state = sample(&a);
    let raw = export_json(&a, &state, NOW);
    let other = Article::parse("另一篇文章\n\n  完全不同的内容。\n");
    let imported = parse_import(&raw, 100_000).unwrap();
    let (placed, orphans, report) = reanchor(&other, imported.annotations);
    assert_eq!(placed.len(), 0);
    assert_eq!(orphans.len(), 3);
    assert_eq!(report.orphans, 3);
    let merged = combine(
        &Annotations::default(),
        &[],
        placed,
        orphans,
        ImportMode::Merge,
    );
    assert_eq!(merged.orphans.len(), 3, "orphans are kept");
    assert!(
        export_json(&other, &merged, NOW).contains("西部陆海新通道"),
        "and exported"
    );
}

#[test]
fn merge_keeps_the_newer_version_of_the_same_id() {
    let a = article();
    let state = sample(&a);
    let mut older = state.annotations[0].clone();
    older.note = "旧的".into();
    older.modified = "2020-01-01T00:00:00Z".into();
    let mut newer = state.annotations[1].clone();
    newer.note = "新的".into();
    newer.modified = "2030-01-01T00:00:00Z".into();
    let merged = combine(&state, &[], vec![older, newer], vec![], ImportMode::Merge);
    assert_eq!(merged.annotations.len(), 3);
    assert_eq!(merged.get(&state.annotations[0].id).unwrap().note, "重点");
    assert_eq!(merged.get(&state.annotations[1].id).unwrap().note, "新的");
}

fn errors(raw: &str) -> Vec<String> {
    parse_import(raw, 1000)
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn malformed_files_are_refused_with_clear_messages() {
    let a = article();
    let good = export_json(&a, &sample(&a), NOW);
    // Truncated.
    assert!(errors(&good[..good.len() / 2])[0].contains("不是有效的 JSON"));
    // Not ours, not W3C.
    assert!(errors("{\"hello\": 1}")[0].contains("既不是"));
    assert!(errors("[1, 2]")[0].contains("既不是"));
    // Wrong types, negative and out-of-range offsets, end before start.
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["annotations"][0]["tags"] = serde_json::json!("地名");
    v["annotations"][1]["target"]["start"] = serde_json::json!(-3);
    v["annotations"][2]["target"]["end"] = serde_json::json!(99999999);
    let e = errors(&v.to_string());
    assert!(
        e.iter()
            .any(|m| m.starts_with("第 1 条标注") && m.contains("字符串数组")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("第 2 条标注") && m.contains("非负整数")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|m| m.starts_with("第 3 条标注") && m.contains("超出文本长度")),
        "{e:?}"
    );
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["annotations"][0]["target"]["start"] = serde_json::json!(50);
    v["annotations"][0]["target"]["end"] = serde_json::json!(10);
    v["annotations"][1]["created"] = serde_json::json!("yesterday");
    v["version"] = serde_json::json!(7);
    let e = errors(&v.to_string());
    assert!(e.iter().any(|m| m.contains("不在终点")), "{e:?}");
    assert!(e.iter().any(|m| m.contains("RFC 3339")), "{e:?}");
    assert!(e.iter().any(|m| m.contains("不支持的版本 7")), "{e:?}");
    // Duplicate ids.
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["annotations"][1]["id"] = v["annotations"][0]["id"].clone();
    assert!(errors(&v.to_string())
        .iter()
        .any(|m| m.contains("编号重复")));
}

#[test]
fn a_quote_that_does_not_match_the_position_is_re_anchored() {
    let a = article();
    let mut v: serde_json::Value =
        serde_json::from_str(&export_json(&a, &sample(&a), NOW)).unwrap();
    // Position points elsewhere; the quote is still in the text.
    v["annotations"][0]["target"]["start"] = serde_json::json!(0);
    v["annotations"][0]["target"]["end"] = serde_json::json!(3);
    let (back, report) = import_all(&a, &v.to_string());
    assert_eq!(report.moved, 1);
    let first = back.annotations.iter().find(|x| x.note == "重点").unwrap();
    let (s, e) = first.target.range().unwrap();
    assert_eq!(slice_chars(&a.source, s, e), "成渝地区双城经济圈");
}

#[test]
fn a_ten_megabyte_file_is_refused_quickly() {
    let big = format!(
        "{{\"format\": \"mozhu-annotations\", \"pad\": \"{}\"}}",
        "x".repeat(10 * 1024 * 1024)
    );
    let t = std::time::Instant::now();
    assert!(errors(&big)[0].contains("文件太大"));
    assert!(t.elapsed().as_millis() < 1000);
}

#[test]
fn characters_outside_the_bmp_round_trip_in_code_points() {
    let text = "标题\n\n  甲😀乙𠮶丙e\u{301}丁。\n";
    let a = Article::parse(text);
    let b = &a.blocks[1];
    let mut s = Store::default();
    let start = b.start + 2; // 乙
    s.apply(Command::Add(Annotation {
        id: "44444444-4444-4444-8444-444444444444".into(),
        created: NOW.into(),
        modified: NOW.into(),
        tags: vec!["😀标签".into()],
        note: String::new(),
        target: Target::passage(&a, start, start + 4), // 乙𠮶丙e
    }))
    .unwrap();
    for raw in [
        export_json(&a, s.state(), NOW),
        export_w3c(&a, s.state(), NOW, "x"),
    ] {
        let (back, report) = import_all(&a, &raw);
        assert_eq!(report.in_place, 1);
        let (bs, be) = back.annotations[0].target.range().unwrap();
        assert_eq!((bs, be), (start, start + 4));
        assert_eq!(slice_chars(&a.source, bs, be), "乙𠮶丙e");
    }
}

#[test]
fn rfc3339_times() {
    for ok in [
        "2026-11-29T10:00:00Z",
        "2026-11-29T10:00:00.123Z",
        "2026-11-29T10:00:00+08:00",
    ] {
        assert!(is_rfc3339(ok), "{ok}");
    }
    for bad in [
        "2026-11-29",
        "2026-11-29 10:00:00Z",
        "2026-11-29T10:00:00",
        "2026-11-29T10:00:00.Z",
        "x",
    ] {
        assert!(!is_rfc3339(bad), "{bad}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn any_set_of_passages_round_trips_through_both_formats(
        spans in prop::collection::vec((0usize..4000, 1usize..40, 0usize..3), 0..12)
    ) {
        let a = article();
        let len = char_len(&a.source);
        let mut s = Store::default();
        for (i, (start, n, tag)) in spans.into_iter().enumerate() {
            let start = start.min(len - 1);
            let end = (start + n).min(len);
            s.apply(Command::Add(Annotation {
                id: format!("00000000-0000-4000-8000-{i:012}"),
                created: NOW.into(),
                modified: NOW.into(),
                tags: vec![["甲", "乙", "丙"][tag].into()],
                note: String::new(),
                target: Target::passage(&a, start, end),
            })).unwrap();
        }
        for raw in [export_json(&a, s.state(), NOW), export_w3c(&a, s.state(), NOW, "x")] {
            let (back, report) = import_all(&a, &raw);
            prop_assert_eq!(report.in_place, s.state().annotations.len());
            let mut exp = s.state().annotations.clone();
            let mut got = back.annotations.clone();
            exp.sort_by(|x, y| x.id.cmp(&y.id));
            got.sort_by(|x, y| x.id.cmp(&y.id));
            prop_assert_eq!(got, exp);
        }
    }
}
