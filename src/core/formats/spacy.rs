//! spaCy's JSON for a `Doc` (what `Doc.to_json` writes and `Doc.from_json`
//! reads): `text`, `tokens` that tile the text (the app's words, with the
//! whitespace between them as tokens of their own, so the text comes back
//! unchanged), `ents` (named entities, which spaCy requires not to
//! overlap: chosen as for CoNLL, tags in the tag list's order) and every
//! tagged passage in the span group `spans.sc`, overlaps and all. Offsets
//! are code points; spans are widened to whole tokens, since spaCy's spans
//! are made of tokens.

use serde_json::json;

use super::bio::choose;
use super::{mentions, Export};
use crate::core::article::Article;
use crate::core::segment::{Token, TokenKind};
use crate::core::store::Annotations;

pub fn export(article: &Article, tokens: &[Token], all: &Annotations) -> Export {
    // Tokens tiling the whole text: the app's, plus what lies between blocks.
    let mut tiles: Vec<(usize, usize)> = Vec::with_capacity(tokens.len() + article.blocks.len());
    let mut at = 0;
    for t in tokens {
        if t.start > at {
            tiles.push((at, t.start));
        }
        tiles.push((t.start, t.end));
        at = t.end;
    }
    let length = article.char_len();
    if at < length {
        tiles.push((at, length));
    }
    let words: Vec<(usize, usize)> = tokens
        .iter()
        .filter(|t| t.kind != TokenKind::Space)
        .map(|t| (t.start, t.end))
        .collect();

    let (found, mut left_out) = mentions(all);
    let tags: Vec<String> = all.tags.iter().map(|t| t.name.clone()).collect();
    let (chosen, mut report) = choose(&words, &found, &tags);
    // Only overlaps matter here: `spans.sc` has every passage.
    report.retain(|r| r.contains("重叠") || r.contains("扩到整词"));
    left_out.extend(
        report
            .into_iter()
            .map(|r| format!("ents：{r}；spans.sc 含全部片段")),
    );
    let ents: Vec<_> = chosen
        .iter()
        .map(|c| json!({"start": words[c.first].0, "end": words[c.last - 1].1, "label": c.label, "kb_id": ""}))
        .collect();
    let mut sc = Vec::new();
    for m in &found {
        let first = words.partition_point(|u| u.1 <= m.start);
        let last = words.partition_point(|u| u.0 < m.end);
        if first >= last {
            continue;
        }
        for tag in &m.annotation.tags {
            sc.push(json!({"start": words[first].0, "end": words[last - 1].1, "label": tag, "kb_id": ""}));
        }
    }
    left_out.extend(super::no_relations(all));
    let notes = found
        .iter()
        .filter(|m| !m.annotation.note.is_empty())
        .count();
    if notes > 0 {
        left_out.push(format!(
            "{notes} 条注释未写入（spaCy 的 JSON 没有放注释的地方）"
        ));
    }
    let doc = json!({
        "text": article.source,
        "ents": ents,
        "spans": {"sc": sc},
        "tokens": tiles
            .iter()
            .enumerate()
            .map(|(i, (s, e))| json!({"id": i, "start": s, "end": e}))
            .collect::<Vec<_>>(),
    });
    Export {
        content: serde_json::to_string(&doc).unwrap_or_default().into_bytes(),
        left_out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::formats::test_support::annotations;
    use serde_json::Value;

    #[test]
    fn tokens_tile_the_text_and_ents_do_not_overlap() {
        let article = Article::parse("标题\n\n😀张三 去北京\n");
        let w = |start, end| Token {
            start,
            end,
            kind: TokenKind::Word,
        };
        let tokens = [
            w(0, 2),
            w(4, 5),
            w(5, 7),
            Token {
                start: 7,
                end: 8,
                kind: TokenKind::Space,
            },
            w(8, 9),
            w(9, 11),
        ];
        let all = annotations(
            &article,
            &[("a", 5, 7, &["人物"], "注"), ("b", 5, 11, &["事件"], "")],
        );
        let e = export(&article, &tokens, &all);
        let v: Value = serde_json::from_slice(&e.content).unwrap();
        let tiles: Vec<(u64, u64)> = v["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["start"].as_u64().unwrap(), t["end"].as_u64().unwrap()))
            .collect();
        assert_eq!(
            tiles,
            [
                (0, 2),
                (2, 4),
                (4, 5),
                (5, 7),
                (7, 8),
                (8, 9),
                (9, 11),
                (11, 12)
            ]
        );
        assert_eq!(v["ents"].as_array().unwrap().len(), 1);
        assert_eq!(v["spans"]["sc"].as_array().unwrap().len(), 2);
        assert!(e.left_out.iter().any(|l| l.contains("重叠")));
        assert!(e.left_out.iter().any(|l| l.contains("注释")));
    }
}
