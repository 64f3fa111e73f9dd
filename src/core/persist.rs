//! What is kept in localStorage for a document, and how two tabs' changes
//! are merged without losing either.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::annotation::{Annotation, Tag};
use super::store::Annotations;

/// Version of the stored layout; anything else is kept aside, not read.
pub const STORAGE_VERSION: u64 = 1;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stored {
    pub version: u64,
    /// sha256 of the text these annotations belong to.
    pub document: String,
    pub saved: String,
    #[serde(flatten)]
    pub data: Annotations,
}

pub fn encode(document: &str, data: &Annotations, now: &str) -> String {
    serde_json::to_string(&Stored {
        version: STORAGE_VERSION,
        document: document.into(),
        saved: now.into(),
        data: data.clone(),
    })
    .unwrap_or_default()
}

/// Why stored data could not be used (it is then backed up, never overwritten).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    Damaged(String),
    UnknownVersion(u64),
    OtherDocument(String),
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::Damaged(e) => write!(f, "已保存的数据已损坏（{e}）"),
            Unreadable::UnknownVersion(v) => write!(f, "已保存的数据来自更新的版本（第 {v} 版）"),
            Unreadable::OtherDocument(d) => write!(f, "已保存的数据属于另一篇文本（{d}）"),
        }
    }
}

pub fn decode(raw: &str, document: &str) -> Result<Annotations, Unreadable> {
    let value: Value = serde_json::from_str(raw).map_err(|e| Unreadable::Damaged(e.to_string()))?;
    match value.get("version").and_then(Value::as_u64) {
        Some(STORAGE_VERSION) => {}
        Some(v) => return Err(Unreadable::UnknownVersion(v)),
        None => return Err(Unreadable::Damaged("没有版本号".into())),
    }
    let stored: Stored =
        serde_json::from_value(value).map_err(|e| Unreadable::Damaged(e.to_string()))?;
    if stored.document != document {
        return Err(Unreadable::OtherDocument(stored.document));
    }
    Ok(stored.data)
}

/// Three-way merge of a change made in another tab: `base` is what was
/// stored before it, `theirs` what it stored, `ours` this tab's state. Per
/// annotation (and tag): a side that did not change it takes the other's
/// version; when both changed it, the newer `modified` wins, and an edit wins
/// over a deletion, so no one's work is lost.
pub fn merge3(base: &Annotations, theirs: &Annotations, ours: &Annotations) -> Annotations {
    Annotations {
        annotations: merge_by(
            &base.annotations,
            &theirs.annotations,
            &ours.annotations,
            |a| &a.id,
            newer,
        ),
        orphans: merge_by(
            &base.orphans,
            &theirs.orphans,
            &ours.orphans,
            |a| &a.id,
            newer,
        ),
        tags: merge_by(
            &base.tags,
            &theirs.tags,
            &ours.tags,
            |t: &Tag| &t.name,
            |_, o| o.clone(),
        ),
    }
}

fn newer(t: &Annotation, o: &Annotation) -> Annotation {
    if t.modified > o.modified {
        t.clone()
    } else {
        o.clone()
    }
}

fn merge_by<T: Clone + PartialEq>(
    base: &[T],
    theirs: &[T],
    ours: &[T],
    key: impl Fn(&T) -> &String,
    both_changed: impl Fn(&T, &T) -> T,
) -> Vec<T> {
    let find = |list: &[T], k: &String| list.iter().find(|x| key(x) == k).cloned();
    let mut keys: Vec<String> = Vec::new();
    for x in theirs.iter().chain(ours.iter()).chain(base.iter()) {
        if !keys.contains(key(x)) {
            keys.push(key(x).clone());
        }
    }
    keys.into_iter()
        .filter_map(|k| {
            let (b, t, o) = (find(base, &k), find(theirs, &k), find(ours, &k));
            if t == b {
                o
            } else if o == b {
                t
            } else {
                match (t, o) {
                    (Some(t), Some(o)) => Some(both_changed(&t, &o)),
                    (t, o) => t.or(o),
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::annotation::{Target, TextQuote};
    use proptest::prelude::*;

    fn ann(id: &str, note: &str, modified: &str) -> Annotation {
        Annotation {
            id: id.into(),
            created: "2026-01-01T00:00:00Z".into(),
            modified: modified.into(),
            tags: vec![],
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

    fn set(list: Vec<Annotation>) -> Annotations {
        Annotations {
            annotations: list,
            ..Default::default()
        }
    }

    #[test]
    fn stored_data_round_trips_and_is_checked() {
        let data = set(vec![ann("a", "x", "2026-01-01T00:00:00Z")]);
        let raw = encode("doc", &data, "2026-01-01T00:00:00Z");
        assert_eq!(decode(&raw, "doc"), Ok(data));
        assert!(matches!(
            decode(&raw, "other"),
            Err(Unreadable::OtherDocument(_))
        ));
        assert!(matches!(
            decode("{not json", "doc"),
            Err(Unreadable::Damaged(_))
        ));
        assert!(matches!(
            decode("{\"version\": 9}", "doc"),
            Err(Unreadable::UnknownVersion(9))
        ));
        assert!(matches!(
            decode("{\"version\": 1}", "doc"),
            Err(Unreadable::Damaged(_))
        ));
    }

    #[test]
    fn both_tabs_adding_keeps_both() {
        let base = set(vec![]);
        let theirs = set(vec![ann("t", "", "2026-01-02T00:00:00Z")]);
        let ours = set(vec![ann("o", "", "2026-01-02T00:00:00Z")]);
        let m = merge3(&base, &theirs, &ours);
        assert_eq!(m.annotations.len(), 2);
    }

    #[test]
    fn a_deletion_in_one_tab_and_an_edit_in_the_other_keeps_the_edit() {
        let a = ann("a", "old", "2026-01-01T00:00:00Z");
        let base = set(vec![a.clone()]);
        let theirs = set(vec![]);
        let ours = set(vec![ann("a", "edited", "2026-01-03T00:00:00Z")]);
        assert_eq!(merge3(&base, &theirs, &ours).annotations[0].note, "edited");
        // A deletion of an untouched annotation is taken.
        assert!(merge3(&base, &theirs, &base).annotations.is_empty());
    }

    #[test]
    fn both_editing_the_same_annotation_keeps_the_newer() {
        let base = set(vec![ann("a", "old", "2026-01-01T00:00:00Z")]);
        let theirs = set(vec![ann("a", "theirs", "2026-01-05T00:00:00Z")]);
        let ours = set(vec![ann("a", "ours", "2026-01-03T00:00:00Z")]);
        assert_eq!(merge3(&base, &theirs, &ours).annotations[0].note, "theirs");
    }

    proptest! {
        #[test]
        fn merging_with_an_unchanged_side_takes_the_other(
            notes in prop::collection::vec(("[abc]", "[xyz]{0,2}"), 0..6),
            more in prop::collection::vec(("[abd]", "[xyz]{0,2}"), 0..6),
        ) {
            let mk = |v: &Vec<(String, String)>| {
                let mut seen = std::collections::HashSet::new();
                set(v.iter().filter(|(id, _)| seen.insert(id.clone())).map(|(id, n)| ann(id, n, "2026-01-01T00:00:00Z")).collect())
            };
            let (base, other) = (mk(&notes), mk(&more));
            let sorted = |a: Annotations| { let mut v = a.annotations; v.sort_by(|x, y| x.id.cmp(&y.id)); v };
            prop_assert_eq!(sorted(merge3(&base, &other, &base)), sorted(other.clone()));
            prop_assert_eq!(sorted(merge3(&base, &base, &other)), sorted(other.clone()));
            // Merging what was just merged changes nothing: two tabs settle.
            let m = merge3(&base, &other, &base);
            prop_assert_eq!(sorted(merge3(&other, &m, &m)), sorted(m));
        }
    }
}
