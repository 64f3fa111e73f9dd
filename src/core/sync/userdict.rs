//! The user dictionary in the database: one `userdict:<word>` document per
//! word with a rule, `{"word", "rule": "join"}` to keep it whole or
//! `{"word", "rule": "split", "parts": [...]}` to cut it, with `modified`
//! and `creator`. Removing a rule deletes its document (a tombstone).

use serde_json::{json, Map, Value};

use super::mapping::{shown, Body, Write};
use super::replica::Replica;
use super::schema::{self, Kind};
use crate::core::segment::UserDict;

/// One word's rule, in the dictionary's own notation: the word to keep
/// whole, or its parts joined by `/`.
pub type Entry = String;

/// A word's rule as a pull brings it: set, or removed (by the whole word).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WordChange {
    Rule(Entry),
    Removed(String),
}

/// The whole word an entry is about (`双城/经济圈` → `双城经济圈`).
fn word_of(entry: &str) -> String {
    entry.replace('/', "")
}

fn entries(dict: &UserDict) -> impl Iterator<Item = &Entry> {
    dict.join.iter().chain(dict.split.iter())
}

/// The rule part of an entry's body: what two versions are compared on.
fn rule_body(entry: &str) -> Body {
    let mut body = Map::new();
    body.insert("word".into(), json!(word_of(entry)));
    if entry.contains('/') {
        body.insert("rule".into(), json!("split"));
        body.insert("parts".into(), json!(entry.split('/').collect::<Vec<_>>()));
    } else {
        body.insert("rule".into(), json!("join"));
    }
    body
}

fn same_rule(a: &Body, b: &Body) -> bool {
    ["word", "rule", "parts"]
        .iter()
        .all(|k| a.get(*k) == b.get(*k))
}

/// Entry `entry` as a database document: its id and body.
pub fn entry_doc(entry: &str, modified: &str, creator: &str) -> (String, Body) {
    let mut body = rule_body(entry);
    body.insert("modified".into(), json!(modified));
    body.insert("creator".into(), json!(creator));
    (format!("userdict:{}", word_of(entry)), body)
}

/// The entry a `userdict:` document holds, checked against its id.
pub fn entry_from_doc(id: &str, body: &Body) -> Result<Entry, String> {
    let Some(Kind::UserDict(word)) = schema::kind(id) else {
        return Err(format!("{id}：不是词典条目"));
    };
    if body.get("word").and_then(Value::as_str) != Some(word) {
        return Err(format!("{id}：word 与编号不符"));
    }
    match body.get("rule").and_then(Value::as_str) {
        Some("join") => Ok(word.to_string()),
        Some("split") => {
            let parts: Vec<&str> = body
                .get("parts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if parts.len() < 2
                || parts.iter().any(|p| p.is_empty() || p.contains('/'))
                || parts.concat() != word
            {
                return Err(format!("{id}：parts 拼起来应是 {word}"));
            }
            Ok(parts.join("/"))
        }
        _ => Err(format!("{id}：rule 应是 join 或 split")),
    }
}

/// The writes that make the replica hold the dictionary's local edits:
/// each rule new or changed here, and a deletion for each word `previous`
/// (what was last written) had a rule for and `dict` has not. On the first
/// write after the page opened (`previous` is `None`) nothing is deleted,
/// and a word the replica already knows (with a rule, or deleted) keeps the
/// replica's version, which the pull then brings here: only rules the
/// database never had go out.
pub fn writes(
    replica: &Replica,
    previous: Option<&UserDict>,
    dict: &UserDict,
    now: &str,
    me: &str,
) -> Vec<Write> {
    let mut writes = Vec::new();
    if let Some(previous) = previous {
        let kept: std::collections::HashSet<String> = entries(dict).map(|e| word_of(e)).collect();
        for entry in entries(previous) {
            let (id, _) = entry_doc(entry, now, me);
            if !kept.contains(&word_of(entry)) && shown(replica, &id).is_some() {
                writes.push((id, None));
            }
        }
    }
    for entry in entries(dict) {
        let (id, body) = entry_doc(entry, now, me);
        let there = shown(replica, &id).map(|(b, _)| b);
        let known = replica.doc(&id).is_some();
        let changed = there.as_ref().is_none_or(|t| !same_rule(t, &body));
        if changed && (previous.is_some() || !known) {
            writes.push((id, Some(body)));
        }
    }
    writes
}

/// The dictionary with a pull's word changes taken in.
pub fn adopt(current: &UserDict, changes: &[WordChange]) -> UserDict {
    let mut next = current.clone();
    for change in changes {
        match change {
            WordChange::Rule(entry) if entry.contains('/') => next.add_split(entry),
            WordChange::Rule(word) => next.add_join(word),
            WordChange::Removed(word) => {
                next.join.retain(|w| w != word);
                next.split.retain(|e| word_of(e) != *word);
            }
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sync::mapping::{apply, pulled};

    const T0: &str = "2026-11-30T08:00:00.000Z";

    fn dict(join: &[&str], split: &[&str]) -> UserDict {
        UserDict {
            join: join.iter().map(|s| s.to_string()).collect(),
            split: split.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn entries_round_trip_and_are_checked_against_their_id() {
        for entry in ["成渝地区双城经济圈", "双城/经济圈"] {
            let (id, body) = entry_doc(entry, T0, "甲");
            assert_eq!(entry_from_doc(&id, &body).unwrap(), entry);
        }
        let (id, body) = entry_doc("双城/经济圈", T0, "甲");
        assert_eq!(id, "userdict:双城经济圈");
        assert_eq!(body["parts"], json!(["双城", "经济圈"]));
        let mut wrong = body.clone();
        wrong.insert("parts".into(), json!(["双城", "经"]));
        assert!(entry_from_doc(&id, &wrong).is_err());
        wrong.insert("rule".into(), json!("other"));
        assert!(entry_from_doc(&id, &wrong).is_err());
        assert!(entry_from_doc("userdict:别的", &body).is_err());
        assert!(entry_from_doc("tag:双城经济圈", &body).is_err());
    }

    #[test]
    fn edits_go_out_and_a_pull_brings_them_to_another_dictionary() {
        let mut replica = Replica::default();
        let mine = dict(&["成渝地区双城经济圈"], &["双城/经济圈"]);
        let w = writes(&replica, None, &mine, T0, "甲");
        assert_eq!(w.len(), 2);
        apply(&mut replica, w);
        assert!(writes(&replica, Some(&mine), &mine, T0, "甲").is_empty());
        // Another annotator's empty dictionary takes both in.
        let pull = pulled(&replica, "sha", 0, 0);
        let theirs = adopt(&UserDict::default(), &pull.words);
        assert_eq!(theirs, mine);
        // A rule changed and one removed: one write and one tombstone.
        let since = replica.update_seq();
        let edited = dict(&["双城经济圈"], &[]);
        let w = writes(&replica, Some(&mine), &edited, T0, "乙");
        assert_eq!(w.len(), 2);
        assert_eq!(w.iter().filter(|(_, b)| b.is_none()).count(), 1);
        apply(&mut replica, w);
        let pull = pulled(&replica, "sha", since, 0);
        assert_eq!(adopt(&mine, &pull.words), edited);
    }

    #[test]
    fn on_opening_the_database_keeps_its_version_of_words_it_knows() {
        let mut replica = Replica::default();
        let before = dict(&["甲乙"], &["丙/丁"]);
        let w = writes(&replica, None, &before, T0, "甲");
        apply(&mut replica, w);
        // A teammate removes 甲乙 and joins 丙丁 while this page is closed.
        let after = dict(&["丙丁"], &[]);
        let w = writes(&replica, Some(&before), &after, T0, "乙");
        apply(&mut replica, w);
        // This page opens with its old dictionary and a word of its own.
        let stale = dict(&["甲乙", "戊己"], &["丙/丁"]);
        let w = writes(&replica, None, &stale, T0, "甲");
        let (id, body) = entry_doc("戊己", T0, "甲");
        assert_eq!(w, vec![(id, Some(body))]);
        apply(&mut replica, w);
        let pull = pulled(&replica, "sha", 0, 0);
        assert_eq!(adopt(&stale, &pull.words), dict(&["戊己", "丙丁"], &[]));
    }
}
