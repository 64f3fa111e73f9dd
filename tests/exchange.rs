//! Export, import and re-anchoring on the real seed article.

use std::rc::Rc;

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
    state.annotations.push(Rc::new(unique));
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
    let mut older = (*state.annotations[0]).clone();
    older.note = "旧的".into();
    older.modified = "2020-01-01T00:00:00Z".into();
    let mut newer = (*state.annotations[1]).clone();
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
    assert!(e.iter().any(|m| m.contains("在终点 10 之后")), "{e:?}");
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

fn import_errors(a: &Article, raw: &str) -> Vec<String> {
    match parse_import(raw, char_len(&a.source)) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn times_are_normalised_to_utc_and_impossible_ones_refused() {
    let a = article();
    let mut v: serde_json::Value =
        serde_json::from_str(&export_json(&a, &sample(&a), NOW)).unwrap();
    v["annotations"][0]["created"] = "2026-11-29t18:00:00.5+08:00".into();
    v["annotations"][0]["modified"] = "2026-11-29T10:00:00.123456z".into();
    let got = parse_import(&v.to_string(), char_len(&a.source)).unwrap();
    assert_eq!(got.annotations[0].created, "2026-11-29T10:00:00.500Z");
    assert_eq!(got.annotations[0].modified, "2026-11-29T10:00:00.123Z");
    v["annotations"][0]["modified"] = "2026-13-45T99:99:99Z".into();
    let errors = import_errors(&a, &v.to_string());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("modified"), "{errors:?}");
}

#[test]
fn an_older_version_with_an_offset_does_not_replace_a_newer_edit() {
    let a = article();
    let mut current = sample(&a);
    // Edited locally at 11:00 UTC.
    let edited = Rc::make_mut(&mut current.annotations[0]);
    edited.note = "本地的新版本".into();
    edited.modified = "2026-11-29T11:00:00.000Z".into();
    // The file's version is from 18:30+08:00 = 10:30 UTC: older, though
    // "2026-11-29T18…" sorts after "2026-11-29T11…" as text.
    let mut v: serde_json::Value =
        serde_json::from_str(&export_json(&a, &sample(&a), NOW)).unwrap();
    let id = current.annotations[0].id.clone();
    for item in v["annotations"].as_array_mut().unwrap() {
        if item["id"] == id.as_str() {
            item["modified"] = "2026-11-29T18:30:00+08:00".into();
            item["note"] = "文件里的旧版本".into();
        }
    }
    let imported = parse_import(&v.to_string(), char_len(&a.source)).unwrap();
    let (placed, orphans, _) = reanchor(&a, imported.annotations);
    let merged = combine(&current, &[], placed, orphans, ImportMode::Merge);
    assert_eq!(merged.get(&id).unwrap().note, "本地的新版本");
}

#[test]
fn ids_offsets_and_tag_names_are_checked_never_dropped_silently() {
    let a = article();
    let base: serde_json::Value = serde_json::from_str(&export_json(&a, &sample(&a), NOW)).unwrap();
    let with = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = base.clone();
        edit(&mut v);
        import_errors(&a, &v.to_string())
    };
    // An offset above 2^32 is out of range, not truncated.
    let e = with(&|v| v["annotations"][0]["target"]["end"] = 4_294_967_301u64.into());
    assert!(e.iter().any(|m| m.contains("4294967301")), "{e:?}");
    // Ids made of spaces or selector characters.
    for bad in ["   ", "\"], [data-block], [x=\"", ""] {
        let e = with(&|v| v["annotations"][0]["id"] = bad.into());
        assert!(e.iter().any(|m| m.contains("UUID")), "{bad:?}: {e:?}");
    }
    // Invisible, empty and duplicate tag names.
    let e = with(&|v| v["annotations"][0]["tags"] = serde_json::json!(["\u{200b}\u{200d}"]));
    assert!(e.iter().any(|m| m.contains("标签名为空")), "{e:?}");
    let e = with(&|v| v["tags"][1]["name"] = v["tags"][0]["name"].clone());
    assert!(e.iter().any(|m| m.contains("标签重复")), "{e:?}");
    let e = with(&|v| v["tags"][0]["color"] = "red;background:url(http://x/)".into());
    assert!(e.iter().any(|m| m.contains("#rrggbb")), "{e:?}");

    // W3C: `urn:uuid:` with nothing after it is an error; another tool's IRI
    // gets a UUID derived from it, and the count is reported.
    let w3c = |id: &str| {
        serde_json::json!({
            "@context": W3C_CONTEXT, "type": "Annotation", "id": id,
            "created": NOW,
            "target": {"source": "urn:x", "selector": {"type": "TextQuoteSelector", "exact": "重庆"}}
        })
        .to_string()
    };
    assert!(import_errors(&a, &w3c("urn:uuid:"))
        .iter()
        .any(|m| m.contains("urn:uuid")));
    let got = parse_import(&w3c("https://hypothes.is/a/xyz"), char_len(&a.source)).unwrap();
    assert_eq!(got.derived_ids, 1);
    assert!(annotator::core::annotation::normalize_uuid(&got.annotations[0].id).is_some());
}

/// A text with characters outside the BMP, so positions in code points and
/// in UTF-16 differ.
fn astral_article() -> Article {
    let mut text = String::from("星辰😀之歌\n\n");
    for i in 0..12 {
        text.push_str(&format!(
            "  第{i}段：𠮶字与😀表情，重庆、成都和西安，{}。\n\n",
            "江".repeat(i)
        ));
    }
    Article::parse(&text)
}

#[derive(Clone, Debug)]
enum Made {
    Passage(usize, usize),
    Block(usize),
    Document,
    /// A W3C item with a quote only that occurs nowhere: an orphan.
    QuoteOnlyOrphan,
}

fn made() -> impl Strategy<Value = Made> {
    prop_oneof![
        (0usize..400, 1usize..30).prop_map(|(s, n)| Made::Passage(s, n)),
        (0usize..12).prop_map(Made::Block),
        Just(Made::Document),
        Just(Made::QuoteOnlyOrphan),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Whatever state the app can reach (passages, paragraphs, the
    /// document, orphans imported with a quote only; astral characters,
    /// tags, notes), both of its exports import again and give back the same
    /// annotations.
    #[test]
    fn every_reachable_state_round_trips_through_both_formats(
        items in prop::collection::vec((made(), 0usize..4, "[a-z<>\"&😀 ]{0,6}"), 0..10)
    ) {
        let a = astral_article();
        let len = char_len(&a.source);
        let mut s = Store::default();
        let mut orphans = Vec::new();
        for (i, (m, tag, note)) in items.into_iter().enumerate() {
            let id = format!("00000000-0000-4000-8000-{i:012}");
            let tags: Vec<String> = ["甲", "乙 丙", "𠮶"].iter().take(tag).map(|t| t.to_string()).collect();
            let target = match m {
                Made::Passage(start, n) => {
                    let start = start.min(len - 1);
                    Target::passage(&a, start, (start + n).min(len))
                }
                Made::Block(b) => Target::block(&a, &a.blocks[b % a.blocks.len()].id).unwrap(),
                Made::Document => Target::Document,
                Made::QuoteOnlyOrphan => {
                    let raw = serde_json::json!({
                        "@context": W3C_CONTEXT, "type": "Annotation", "id": format!("urn:uuid:{id}"),
                        "created": NOW,
                        "body": tags.iter().map(|t| serde_json::json!({"type": "TextualBody", "purpose": "tagging", "value": t})).collect::<Vec<_>>(),
                        "target": {"source": "urn:x", "selector": {"type": "TextQuoteSelector", "exact": format!("无处可寻{i}")}}
                    }).to_string();
                    let imported = parse_import(&raw, len).unwrap();
                    let (_, o, _) = reanchor(&a, imported.annotations);
                    orphans.extend(o);
                    continue;
                }
            };
            s.apply(Command::Add(Annotation {
                id, created: NOW.into(), modified: NOW.into(), tags, note: note.trim().to_string(), target,
            })).unwrap();
        }
        let state = combine(s.state(), &[], Vec::new(), orphans, ImportMode::Merge);
        let sorted = |mut v: Vec<Annotation>| { v.sort_by(|x, y| x.id.cmp(&y.id)); v };
        let expected = sorted(state.all().cloned().collect());
        for raw in [export_json(&a, &state, NOW), export_w3c(&a, &state, NOW, "x")] {
            let back = parse_import(&raw, len);
            prop_assert!(back.is_ok(), "{:?}", back.err());
            prop_assert_eq!(sorted(back.unwrap().annotations), expected.clone());
        }
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

#[test]
fn relations_round_trip_through_project_json_and_w3c() {
    let a = article();
    let mut state = sample(&a);
    let relation = Annotation {
        id: "44444444-4444-4444-8444-444444444444".into(),
        created: NOW.into(),
        modified: NOW.into(),
        tags: vec!["连接".into()],
        note: "经由".into(),
        target: Target::Relation {
            from: "11111111-1111-4111-8111-111111111111".into(),
            to: "22222222-2222-4222-8222-222222222222".into(),
        },
    };
    state.annotations.push(Rc::new(relation.clone()));
    state.normalize_order();
    state.ensure_used_tags();
    for raw in [
        export_json(&a, &state, NOW),
        export_w3c(&a, &state, NOW, "00000000-0000-4000-8000-000000000000"),
    ] {
        let (back, _) = import_all(&a, &raw);
        assert_eq!(back.get(&relation.id), Some(&relation), "{raw}");
        assert_eq!(back.annotation_count(), 3);
    }
    let w3c: serde_json::Value = serde_json::from_str(&export_w3c(&a, &state, NOW, "x")).unwrap();
    let link = w3c["first"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["motivation"] == "linking")
        .unwrap();
    assert_eq!(
        link["target"],
        serde_json::json!([
            "urn:uuid:11111111-1111-4111-8111-111111111111",
            "urn:uuid:22222222-2222-4222-8222-222222222222"
        ])
    );
    // A relation whose end is not in the file is refused.
    let mut dangling =
        serde_json::from_str::<serde_json::Value>(&export_json(&a, &state, NOW)).unwrap();
    let list = dangling["annotations"].as_array_mut().unwrap();
    list.retain(|x| x["id"] != "11111111-1111-4111-8111-111111111111");
    let errors = parse_import(&dangling.to_string(), char_len(&a.source)).unwrap_err();
    assert!(
        errors[0].to_string().contains("不在文件中"),
        "{}",
        errors[0]
    );
}
