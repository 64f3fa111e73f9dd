//! What is kept in localStorage for a document, and how tabs share it.
//!
//! One key per annotation (`mozhu.v2.<sha256>.a.<uuid>`) and per tag
//! (`mozhu.v2.library.t.<name>`: one tag set for the whole library). A tab writes only the keys of what it
//! changed, and each key is written whole, so two tabs saving at the same
//! moment can never lose each other's annotations: there is no
//! read-merge-write of a shared value to race on. When both change the same
//! annotation, the newer `modified` wins and an edit wins over a deletion,
//! the same on every tab.
//!
//! Stored values are checked like an import (UUID ids, `#rrggbb` colours,
//! valid times, positions inside the text); a value that fails is kept
//! aside under a backup key, never overwritten. Fields this version does not
//! know (written by a newer one) are kept and written back.

use std::collections::HashMap;
use std::rc::Rc;

use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::annotation::{normalize_uuid, Annotation, Tag};
use super::exchange::{check_annotation, check_tag};
use super::store::{Annotations, SharedSlot, Slot};
use super::timestamp;

/// Version of the stored layout, part of every key: a newer layout uses
/// other keys and is never read or overwritten by this version.
pub const STORAGE_VERSION: u64 = 2;

pub fn prefix(doc: &str) -> String {
    format!("mozhu.v{STORAGE_VERSION}.{doc}.")
}

pub fn annotation_key(doc: &str, id: &str) -> String {
    format!("{}a.{id}", prefix(doc))
}

/// Tags (names and colours) are shared by every document of the library.
pub fn tag_key(name: &str) -> String {
    format!("{}{name}", tag_prefix())
}

pub fn tag_prefix() -> String {
    format!("{}t.", super::library::library_prefix())
}

/// Where version 2 kept a document's own tags before the tag set was
/// shared; read once and moved to the library's keys.
pub fn document_tag_prefix(doc: &str) -> String {
    format!("{}t.", prefix(doc))
}

/// A per-document setting (`wordview`).
pub fn setting_key(doc: &str, what: &str) -> String {
    format!("{}{what}", prefix(doc))
}

/// A setting of the whole library (`userdict`).
pub fn library_setting_key(what: &str) -> String {
    format!("{}{what}", super::library::library_prefix())
}

/// The single key version 1 kept everything in; read once and migrated.
pub fn legacy_key(doc: &str) -> String {
    format!("mozhu.v1.{doc}.annotations")
}

/// Where a damaged value is kept aside: named by a hash of the value, so the
/// same damaged value is kept once, however often the page is loaded.
pub fn backup_key(doc: &str, raw: &str) -> String {
    let hash = Sha256::digest(raw.as_bytes());
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("mozhu.backup.{doc}.{hex}")
}

/// What a storage key under a document's prefix holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Annotation(String),
    Tag(String),
}

pub fn key_kind(doc: &str, key: &str) -> Option<KeyKind> {
    if let Some(name) = key.strip_prefix(&tag_prefix()) {
        return Some(KeyKind::Tag(name.to_string()));
    }
    let id = key.strip_prefix(&prefix(doc))?.strip_prefix("a.")?;
    Some(KeyKind::Annotation(id.to_string()))
}

/// Unknown fields of stored values, by storage key.
pub type Extras = HashMap<String, Map<String, Value>>;

const ANNOTATION_FIELDS: &[&str] = &["id", "created", "modified", "tags", "note", "target"];
const TAG_FIELDS: &[&str] = &["name", "color", "order"];

fn unknown_fields(v: &Value, known: &[&str]) -> Map<String, Value> {
    v.as_object()
        .map(|m| {
            m.iter()
                .filter(|(k, _)| !known.contains(&k.as_str()) && k.as_str() != "orphan")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// One stored value, checked.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Annotation(Slot),
    /// A tag and its place in the tag list.
    Tag(Tag, u64),
}

/// Reads the value of `key`; `Err` says why it cannot be used.
pub fn read_item(
    doc: &str,
    length: usize,
    key: &str,
    raw: &str,
) -> Result<(Item, Map<String, Value>), String> {
    let kind = key_kind(doc, key).ok_or_else(|| format!("不是本文的键：{key}"))?;
    let v: Value = serde_json::from_str(raw).map_err(|e| format!("不是有效的 JSON（{e}）"))?;
    match kind {
        KeyKind::Annotation(id) => {
            let a = check_annotation(&v, length)?;
            if normalize_uuid(&id).as_deref() != Some(a.id.as_str()) {
                return Err(format!("键名 {id} 与标注编号 {} 不符", a.id));
            }
            let orphan = v.get("orphan").and_then(Value::as_bool).unwrap_or(false);
            Ok((
                Item::Annotation((orphan, a)),
                unknown_fields(&v, ANNOTATION_FIELDS),
            ))
        }
        KeyKind::Tag(name) => {
            let t = check_tag(&v)?;
            if t.name != name {
                return Err(format!("键名 {name} 与标签名 {} 不符", t.name));
            }
            let order = v.get("order").and_then(Value::as_u64).unwrap_or(u64::MAX);
            Ok((Item::Tag(t, order), unknown_fields(&v, TAG_FIELDS)))
        }
    }
}

fn with_extras(mut v: Value, extra: Option<&Map<String, Value>>) -> String {
    if let (Value::Object(m), Some(extra)) = (&mut v, extra) {
        for (k, x) in extra {
            m.entry(k.clone()).or_insert_with(|| x.clone());
        }
    }
    v.to_string()
}

pub fn encode_annotation(slot: &Slot, extra: Option<&Map<String, Value>>) -> String {
    encode_annotation_of(slot.0, &slot.1, extra)
}

fn encode_annotation_of(
    orphan: bool,
    a: &Annotation,
    extra: Option<&Map<String, Value>>,
) -> String {
    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
    if orphan {
        v["orphan"] = Value::Bool(true);
    }
    with_extras(v, extra)
}

pub fn encode_tag(tag: &Tag, order: usize, extra: Option<&Map<String, Value>>) -> String {
    let v = serde_json::json!({"name": tag.name, "color": tag.color, "order": order});
    with_extras(v, extra)
}

/// A stored value that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damaged {
    pub key: String,
    pub raw: String,
    pub problem: String,
}

/// Everything stored for a document.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub data: Annotations,
    pub extras: Extras,
    pub damaged: Vec<Damaged>,
}

/// Reads a document's entries from `(key, value)` pairs (other keys are
/// skipped).
pub fn load(
    doc: &str,
    length: usize,
    entries: impl IntoIterator<Item = (String, String)>,
) -> Loaded {
    let mut loaded = Loaded::default();
    let mut tags: Vec<(u64, Tag)> = Vec::new();
    for (key, raw) in entries {
        if key_kind(doc, &key).is_none() {
            continue;
        }
        match read_item(doc, length, &key, &raw) {
            Ok((item, extra)) => {
                if !extra.is_empty() {
                    loaded.extras.insert(key.clone(), extra);
                }
                match item {
                    Item::Annotation(slot) => {
                        let (orphan, a) = slot;
                        if orphan {
                            loaded.data.orphans.push(Rc::new(a));
                        } else {
                            loaded.data.annotations.push(Rc::new(a));
                        }
                    }
                    Item::Tag(t, order) => tags.push((order, t)),
                }
            }
            Err(problem) => loaded.damaged.push(Damaged { key, raw, problem }),
        }
    }
    tags.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    loaded.data.tags = tags.into_iter().map(|(_, t)| t).collect();
    loaded.data.ensure_used_tags();
    loaded.data.normalize_order();
    loaded
}

/// One write to storage and what storage holds after it succeeds.
#[derive(Clone, Debug, PartialEq)]
pub enum Write {
    Annotation {
        key: String,
        id: String,
        /// `None` removes the key. The annotation is the one `current`
        /// holds, shared, so storage's copy compares equal by pointer.
        value: Option<Box<(SharedSlot, String)>>,
    },
    /// The tag list changed: these keys are set (value) or removed (None);
    /// once all succeed, storage holds `tags`.
    Tags {
        writes: Vec<(String, Option<String>)>,
        tags: Vec<Tag>,
    },
}

/// The writes that bring storage from `stored` (what this tab knows it
/// holds) to `current`, at most `limit` annotation writes (the rest come in
/// the next call, so a large import is saved in slices). Removals come
/// first: when storage is full they free the space the rest needs (undoing
/// a large import frees what it used).
pub fn plan(
    doc: &str,
    stored: &Annotations,
    current: &Annotations,
    extras: &Extras,
    limit: usize,
) -> Vec<Write> {
    let mut removals = Vec::new();
    let mut sets = Vec::new();
    for_each_difference(stored, current, |id, now| {
        let key = annotation_key(doc, id);
        match now {
            None => removals.push(Write::Annotation {
                key,
                id: id.to_string(),
                value: None,
            }),
            Some((orphan, a)) => {
                let value = encode_annotation_of(orphan, a, extras.get(&key));
                sets.push(Write::Annotation {
                    key,
                    id: id.to_string(),
                    value: Some(Box::new(((orphan, a.clone()), value))),
                });
            }
        }
        removals.len() + sets.len() < limit
    });
    let mut out = removals;
    if stored.tags != current.tags {
        let mut writes: Vec<(String, Option<String>)> = stored
            .tags
            .iter()
            .filter(|t| current.tag(&t.name).is_none())
            .map(|t| (tag_key(&t.name), None))
            .collect();
        for (i, t) in current.tags.iter().enumerate() {
            if stored.tags.get(i) != Some(t) {
                let key = tag_key(&t.name);
                let value = encode_tag(t, i, extras.get(&key));
                writes.push((key, Some(value)));
            }
        }
        out.push(Write::Tags {
            writes,
            tags: current.tags.clone(),
        });
    }
    out.extend(sets);
    out
}

/// How many annotations differ between storage and `current` (what an
/// unsaved count reports), without encoding any of them.
pub fn count_differences(stored: &Annotations, current: &Annotations) -> usize {
    let mut n = 0;
    for_each_difference(stored, current, |_, _| {
        n += 1;
        true
    });
    n
}

/// Calls `f(id, now)` for each id whose annotation differs between
/// `stored` and `current` (`now` is `None` when it is gone), in id order,
/// one linear walk; stops when `f` returns false.
fn for_each_difference<'a>(
    stored: &Annotations,
    current: &'a Annotations,
    mut f: impl FnMut(&str, Option<(bool, &'a Rc<Annotation>)>) -> bool,
) {
    let (old, new) = (slots_by_id(stored), slots_by_id(current));
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        let take_old = j >= new.len() || (i < old.len() && old[i].1.id < new[j].1.id);
        let take_new = i >= old.len() || (j < new.len() && new[j].1.id < old[i].1.id);
        let go_on = if take_old {
            i += 1;
            f(&old[i - 1].1.id, None)
        } else {
            // Annotations shared by the two states are equal without
            // comparing their fields.
            let changed = take_new
                || old[i].0 != new[j].0
                || !(Rc::ptr_eq(old[i].1, new[j].1) || old[i].1 == new[j].1);
            if !take_new {
                i += 1;
            }
            j += 1;
            let (orphan, a) = new[j - 1];
            !changed || f(&a.id, Some((orphan, a)))
        };
        if !go_on {
            break;
        }
    }
}

/// Every annotation with whether it is an orphan, sorted by id: a merge of
/// the two lists, which are each kept sorted by id.
fn slots_by_id(a: &Annotations) -> Vec<(bool, &Rc<Annotation>)> {
    let (mut p, mut o) = (a.annotations.iter().peekable(), a.orphans.iter().peekable());
    let mut v = Vec::with_capacity(a.annotations.len() + a.orphans.len());
    loop {
        let orphan_first = match (p.peek(), o.peek()) {
            (Some(x), Some(y)) => y.id < x.id,
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        match if orphan_first { o.next() } else { p.next() } {
            Some(x) => v.push((orphan_first, x)),
            None => break,
        }
    }
    v
}

/// What one id holds after another tab changed it: `base` is what storage
/// held before (as the storage event says), `theirs` what it holds now,
/// `ours` this tab's value. A side that did not change takes the other's;
/// when both changed, an edit wins over a deletion and otherwise the newer
/// `modified` wins (as instants); a tie goes to the greater stored text, so
/// every tab picks the same.
pub fn resolve(base: Option<&Slot>, theirs: Option<&Slot>, ours: Option<&Slot>) -> Option<Slot> {
    if ours == base || ours == theirs {
        return theirs.cloned();
    }
    match (theirs, ours) {
        (None, o) => o.cloned(),
        (t, None) => t.cloned(),
        (Some(t), Some(o)) => Some(
            match timestamp::compare(&t.1.modified, &o.1.modified) {
                std::cmp::Ordering::Greater => t,
                std::cmp::Ordering::Less => o,
                std::cmp::Ordering::Equal => {
                    if encode_annotation(t, None) >= encode_annotation(o, None) {
                        t
                    } else {
                        o
                    }
                }
            }
            .clone(),
        ),
    }
}

/// The same for a tag (tags carry no time): this tab's change stands,
/// otherwise the other tab's is taken.
pub fn resolve_tag(base: Option<&Tag>, theirs: Option<&Tag>, ours: Option<&Tag>) -> Option<Tag> {
    if ours == base {
        theirs.cloned()
    } else {
        ours.cloned()
    }
}

/// Reads a stored setting (an object such as the user dictionary, or a
/// plain value): the value and the fields this version does not know.
pub fn decode_setting<T: serde::de::DeserializeOwned + Serialize>(
    raw: &str,
) -> Result<(T, Map<String, Value>), String> {
    let v: Value = serde_json::from_str(raw).map_err(|e| format!("不是有效的 JSON（{e}）"))?;
    let value = T::deserialize(&v).map_err(|e| format!("内容不对（{e}）"))?;
    let known = serde_json::to_value(&value).unwrap_or(Value::Null);
    let extra = match (&v, &known) {
        (Value::Object(all), Value::Object(known)) => all
            .iter()
            .filter(|(k, _)| !known.contains_key(*k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        _ => Map::new(),
    };
    Ok((value, extra))
}

/// A setting as stored, with the fields a newer version added kept.
pub fn encode_setting<T: Serialize>(value: &T, extra: &Map<String, Value>) -> String {
    with_extras(
        serde_json::to_value(value).unwrap_or(Value::Null),
        Some(extra),
    )
}

/// Reads version 1's single value; its annotations are then checked one by
/// one like any stored value.
pub fn decode_v1(raw: &str, doc: &str, length: usize) -> Result<Annotations, String> {
    let v: Value = serde_json::from_str(raw).map_err(|e| format!("不是有效的 JSON（{e}）"))?;
    if v.get("version").and_then(Value::as_u64) != Some(1) {
        return Err("不是第 1 版的数据".into());
    }
    if v.get("document").and_then(Value::as_str) != Some(doc) {
        return Err("属于另一篇文本".into());
    }
    let mut data = Annotations::default();
    for (list, orphan) in [("annotations", false), ("orphans", true)] {
        for a in v.get(list).and_then(Value::as_array).into_iter().flatten() {
            let a = Rc::new(check_annotation(a, length)?);
            if orphan {
                data.orphans.push(a);
            } else {
                data.annotations.push(a);
            }
        }
    }
    for t in v
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let t = check_tag(t)?;
        if data.tag(&t.name).is_none() {
            data.tags.push(t);
        }
    }
    data.ensure_used_tags();
    data.normalize_order();
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::annotation::{Target, TextQuote};
    use proptest::prelude::*;

    const DOC: &str = "d0c";

    fn uuid(n: usize) -> String {
        format!("00000000-0000-4000-8000-{n:012}")
    }

    fn ann(n: usize, note: &str, modified: &str) -> Annotation {
        Annotation {
            id: uuid(n),
            created: "2026-01-01T00:00:00.000Z".into(),
            modified: modified.into(),
            tags: vec!["甲".into()],
            note: note.into(),
            target: Target::Passage {
                start: 0,
                end: 1,
                quote: TextQuote {
                    exact: "a".into(),
                    prefix: String::new(),
                    suffix: String::new(),
                },
            },
        }
    }

    const T1: &str = "2026-01-01T00:00:00.000Z";
    const T2: &str = "2026-01-02T00:00:00.000Z";

    fn tag(name: &str) -> Tag {
        Tag {
            name: name.into(),
            color: "#1c7ed6".into(),
        }
    }

    /// A map standing for localStorage: applies writes as a browser would.
    fn store_writes(storage: &mut HashMap<String, String>, writes: &[Write]) {
        for w in writes {
            match w {
                Write::Annotation { key, value, .. } => match value.as_deref() {
                    Some((_, v)) => {
                        storage.insert(key.clone(), v.clone());
                    }
                    None => {
                        storage.remove(key);
                    }
                },
                Write::Tags { writes, .. } => {
                    for (k, v) in writes {
                        match v {
                            Some(v) => storage.insert(k.clone(), v.clone()),
                            None => storage.remove(k),
                        };
                    }
                }
            }
        }
    }

    fn data(anns: Vec<Annotation>) -> Annotations {
        let mut d = Annotations {
            annotations: anns.into_iter().map(Rc::new).collect(),
            tags: vec![tag("甲")],
            orphans: Vec::new(),
        };
        d.normalize_order();
        d
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let mut d = data(vec![ann(1, "x", T1), ann(2, "", T2)]);
        d.orphans.push(Rc::new(ann(3, "孤", T1)));
        d.tags.push(tag("乙"));
        let mut storage = HashMap::new();
        store_writes(
            &mut storage,
            &plan(DOC, &Annotations::default(), &d, &Extras::new(), usize::MAX),
        );
        let loaded = load(DOC, 10, storage.clone());
        assert_eq!(loaded.data, d);
        assert!(loaded.damaged.is_empty());
        // Nothing changed: nothing to write.
        assert!(plan(DOC, &d, &d, &Extras::new(), usize::MAX).is_empty());
    }

    #[test]
    fn a_large_change_is_written_in_slices_that_add_up() {
        let d = data((0..25).map(|i| ann(i, "", T1)).collect());
        let mut storage = HashMap::new();
        let mut stored = Annotations::default();
        let mut turns = 0;
        assert_eq!(count_differences(&stored, &d), 25);
        loop {
            let w = plan(DOC, &stored, &d, &Extras::new(), 10);
            if w.is_empty() {
                break;
            }
            store_writes(&mut storage, &w);
            for x in w {
                match x {
                    Write::Annotation { id, value, .. } => {
                        stored.set_shared_slot(&id, value.map(|v| v.0))
                    }
                    Write::Tags { tags, .. } => stored.tags = tags,
                }
            }
            turns += 1;
        }
        assert_eq!(turns, 3);
        assert_eq!(count_differences(&stored, &d), 0);
        assert_eq!(load(DOC, 10, storage).data, d);
    }

    #[test]
    fn removals_come_before_new_values() {
        let before = data(vec![ann(1, "", T1)]);
        let after = data(vec![ann(2, "", T1)]);
        let w = plan(DOC, &before, &after, &Extras::new(), usize::MAX);
        assert!(matches!(&w[0], Write::Annotation { value: None, .. }));
        assert!(matches!(&w[1], Write::Annotation { value: Some(_), .. }));
    }

    #[test]
    fn damaged_values_and_injected_ones_are_reported_not_used() {
        let good = encode_annotation(&(false, ann(1, "", T1)), None);
        let mut bad_id = ann(2, "", T1);
        bad_id.id = "\"], [data-block], [x=\"".into();
        let entries = vec![
            (annotation_key(DOC, &uuid(1)), good.clone()),
            (
                annotation_key(DOC, &uuid(2)),
                encode_annotation(&(false, bad_id), None),
            ),
            (annotation_key(DOC, &uuid(3)), "{oops".into()),
            // Stored under another id's key.
            (annotation_key(DOC, &uuid(4)), good),
            (
                tag_key("甲"),
                r#"{"name":"甲","color":"red;background:url(http://x/)"}"#.into(),
            ),
            (
                annotation_key(DOC, &uuid(5)),
                encode_annotation(&(false, ann(5, "", "2026-13-45T99:99:99Z")), None),
            ),
            ("unrelated".into(), "{".into()),
        ];
        let loaded = load(DOC, 10, entries);
        assert_eq!(loaded.data.annotations.len(), 1);
        assert_eq!(loaded.damaged.len(), 5, "{:?}", loaded.damaged);
        // The tag the annotation uses exists, with a safe colour.
        let t = loaded.data.tag("甲").unwrap();
        assert!(crate::core::annotation::is_hex_color(&t.color));
    }

    #[test]
    fn fields_of_a_newer_version_are_written_back() {
        let key = annotation_key(DOC, &uuid(1));
        let mut v: Value =
            serde_json::from_str(&encode_annotation(&(false, ann(1, "", T1)), None)).unwrap();
        v["relations"] = serde_json::json!(["r1"]);
        let loaded = load(DOC, 10, vec![(key.clone(), v.to_string())]);
        let mut edited = loaded.data.clone();
        Rc::make_mut(&mut edited.annotations[0]).note = "改".into();
        let writes = plan(DOC, &loaded.data, &edited, &loaded.extras, usize::MAX);
        let Write::Annotation {
            value: Some(value), ..
        } = &writes[0]
        else {
            panic!("{writes:?}")
        };
        let back: Value = serde_json::from_str(&value.1).unwrap();
        assert_eq!(back["relations"], serde_json::json!(["r1"]));
        assert_eq!(back["note"], "改");
    }

    #[test]
    fn settings_keep_unknown_fields_and_refuse_damaged_values() {
        use crate::core::segment::UserDict;
        let (d, extra) =
            decode_setting::<UserDict>(r#"{"join":["成渝"],"split":[],"future":1}"#).unwrap();
        assert_eq!(d.join, ["成渝"]);
        let back: Value = serde_json::from_str(&encode_setting(&d, &extra)).unwrap();
        assert_eq!(back["future"], 1);
        assert!(decode_setting::<UserDict>(r#"{"join":"x"}"#).is_err());
        assert!(decode_setting::<bool>("{oops").is_err());
        assert!(decode_setting::<bool>("true").unwrap().0);
    }

    #[test]
    fn the_backup_key_is_the_same_for_the_same_value() {
        assert_eq!(backup_key(DOC, "{x"), backup_key(DOC, "{x"));
        assert_ne!(backup_key(DOC, "{x"), backup_key(DOC, "{y"));
    }

    #[test]
    fn an_edit_wins_over_a_deletion_and_the_newer_edit_wins() {
        let base = (false, ann(1, "old", T1));
        let edited = (false, ann(1, "edited", T2));
        assert_eq!(
            resolve(Some(&base), None, Some(&edited)),
            Some(edited.clone())
        );
        assert_eq!(
            resolve(Some(&base), Some(&edited), None),
            Some(edited.clone())
        );
        // A deletion of what this tab did not touch is taken.
        assert_eq!(resolve(Some(&base), None, Some(&base)), None);
        let theirs = (false, ann(1, "theirs", "2026-01-01T12:00:00+08:00"));
        // 12:00+08:00 is 04:00Z on the 1st: older than T2.
        assert_eq!(
            resolve(Some(&base), Some(&theirs), Some(&edited)),
            Some(edited.clone())
        );
        assert_eq!(
            resolve(Some(&base), Some(&edited), Some(&theirs)),
            Some(edited)
        );
    }

    #[test]
    fn version_one_data_is_migrated_with_every_annotation() {
        let v1 = serde_json::json!({
            "version": 1, "document": DOC, "saved": T1,
            "annotations": [ann(1, "x", T1)], "tags": [tag("甲")], "orphans": [ann(2, "", T1)],
            "extra": true
        })
        .to_string();
        let d = decode_v1(&v1, DOC, 10).unwrap();
        assert_eq!(d.annotations.len(), 1);
        assert_eq!(d.orphans.len(), 1);
        assert!(decode_v1(&v1, "other", 10).is_err());
        assert!(decode_v1("{", DOC, 10).is_err());
    }

    proptest! {
        /// Two tabs that each add annotations and save at the same time
        /// (writes interleaved in any order) never lose one: each writes
        /// only its own keys.
        #[test]
        fn concurrent_saves_keep_every_annotation(
            a_count in 0usize..20, b_count in 0usize..20, order in prop::collection::vec(any::<bool>(), 0..60)
        ) {
            let start = data(vec![]);
            let mut storage = HashMap::new();
            let mut a = start.clone();
            let mut b = start.clone();
            let (mut a_synced, mut b_synced) = (start.clone(), start.clone());
            let mut order = order.into_iter();
            let (mut na, mut nb) = (0, 0);
            while na < a_count || nb < b_count {
                let a_turn = nb >= b_count || (na < a_count && order.next().unwrap_or(true));
                let (me, synced, n, base) = if a_turn { (&mut a, &mut a_synced, &mut na, 0) } else { (&mut b, &mut b_synced, &mut nb, 1000) };
                me.set_slot(&uuid(base + *n), Some((false, ann(base + *n, "", T1))));
                *n += 1;
                let w = plan(DOC, synced, me, &Extras::new(), usize::MAX);
                store_writes(&mut storage, &w);
                *synced = me.clone();
            }
            let loaded = load(DOC, 10, storage);
            prop_assert_eq!(loaded.data.annotations.len(), a_count + b_count);
        }
    }
}
