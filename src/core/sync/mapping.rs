//! Between the app's data and the replica: what to write into the replica
//! after local edits (new or changed documents, and deletions as
//! tombstones), and what the app should show of a document's annotations
//! after a pull (each annotation's version chosen by `schema::resolve`).

use std::collections::BTreeMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::replica::Replica;
use super::schema::{self, Kind};
use crate::core::annotation::Annotation;
use crate::core::store::Annotations;

/// A document's body.
pub type Body = Map<String, Value>;

/// A write to make into the replica: a body, or `None` to delete.
pub type Write = (String, Option<Body>);

/// The version the app shows, and the other leaves' bodies.
pub type Shown = (Body, Vec<Body>);

/// A document's annotations with their creators, and those refused (id,
/// reason).
pub type Read = (Vec<(Rc<Annotation>, String)>, Vec<(String, String)>);

/// The version of `id` the app shows, with the other leaves' bodies (a
/// conflict's losers, kept for the annotation's history). Deleted when
/// every leaf is a deletion.
pub fn shown(replica: &Replica, id: &str) -> Option<Shown> {
    let leaves = replica.doc(id)?.live_leaves();
    let pick = schema::resolve(&leaves)?;
    let chosen = leaves[pick].1.clone();
    let others = leaves
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != pick)
        .map(|(_, (_, b))| (*b).clone())
        .collect();
    Some((chosen, others))
}

/// The writes that make the replica hold document `sha`'s annotations as
/// the app has them: each new or changed annotation (its creator kept from
/// the replica, `me` for a new one), and a deletion for each that the
/// replica shows and the app no longer has. Orphans are synced too.
pub fn annotation_writes(replica: &Replica, sha: &str, all: &Annotations, me: &str) -> Vec<Write> {
    let mut wanted: BTreeMap<String, Body> = BTreeMap::new();
    for a in all.annotations.iter().chain(all.orphans.iter()) {
        let (id, _) = schema::annotation_doc(a, sha, me);
        let creator = shown(replica, &id)
            .and_then(|(b, _)| b.get("creator").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| me.to_string());
        let (_, body) = schema::annotation_doc(a, sha, &creator);
        wanted.insert(id, body);
    }
    let mut writes = Vec::new();
    for (id, doc) in replica.docs() {
        let ours = matches!(
            schema::kind(id),
            Some(Kind::Annotation(_) | Kind::Relation(_))
        );
        if !ours || wanted.contains_key(id) || doc.tree.winner().is_none_or(|(_, deleted)| deleted)
        {
            continue;
        }
        let of_this_document = shown(replica, id)
            .is_some_and(|(b, _)| b.get("document").and_then(Value::as_str) == Some(sha));
        if of_this_document {
            writes.push((id.clone(), None));
        }
    }
    for (id, body) in wanted {
        if shown(replica, &id).map(|(b, _)| b) != Some(body.clone()) {
            writes.push((id, Some(body)));
        }
    }
    writes
}

/// Document `sha`'s annotations as the replica holds them (every one that
/// passes the import checks against the text's `length`), with each one's
/// creator; what fails a check is returned by id with the reason, never
/// dropped silently.
pub fn annotations_of(replica: &Replica, sha: &str, length: usize) -> Read {
    let mut found = Vec::new();
    let mut refused = Vec::new();
    for (id, _) in replica.docs() {
        if !matches!(
            schema::kind(id),
            Some(Kind::Annotation(_) | Kind::Relation(_))
        ) {
            continue;
        }
        let Some((body, _)) = shown(replica, id) else {
            continue;
        };
        if body.get("document").and_then(Value::as_str) != Some(sha) {
            continue;
        }
        match schema::annotation_from_doc(id, &body, length) {
            Ok((a, _, creator)) => found.push((Rc::new(a), creator)),
            Err(e) => refused.push((id.clone(), e)),
        }
    }
    (found, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sync::protocol::Fetched;
    use crate::core::sync::rev::Revisions;
    use crate::core::sync::test_support::annotation;

    const A: &str = "11111111-1111-4111-8111-111111111111";
    const B: &str = "22222222-2222-4222-8222-222222222222";

    fn apply(replica: &mut Replica, writes: Vec<Write>) {
        for (id, body) in writes {
            match body {
                Some(b) => replica.put(&id, b, false),
                None => replica.put(&id, Map::new(), true),
            };
        }
    }

    #[test]
    fn local_edits_become_writes_and_come_back() {
        let mut replica = Replica::default();
        let mut all = Annotations::default();
        all.annotations
            .push(Rc::new(annotation(A, "2026-11-30T08:00:00.000Z", "人物")));
        all.annotations
            .push(Rc::new(annotation(B, "2026-11-30T08:00:00.000Z", "地点")));
        let writes = annotation_writes(&replica, "sha", &all, "甲");
        assert_eq!(writes.len(), 2);
        apply(&mut replica, writes);
        assert!(
            annotation_writes(&replica, "sha", &all, "甲").is_empty(),
            "nothing changed"
        );
        // B edited, A deleted: one write each; A's creator stays 甲 even
        // when 乙 edits it on another replica.
        all.annotations.retain(|a| a.id != A);
        all.annotations[0] = Rc::new(annotation(B, "2026-11-30T09:00:00.000Z", "城市"));
        let writes = annotation_writes(&replica, "sha", &all, "乙");
        assert_eq!(writes.iter().filter(|(_, b)| b.is_none()).count(), 1);
        let edited = writes.iter().find_map(|(_, b)| b.clone()).unwrap();
        assert_eq!(edited["creator"], "甲");
        apply(&mut replica, writes);
        let (found, refused) = annotations_of(&replica, "sha", 10);
        assert!(refused.is_empty());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.tags, ["城市"]);
        // Another document's annotations are not this one's.
        assert!(annotations_of(&replica, "other", 10).0.is_empty());
        // A position past the text is refused, by id and reason.
        let (_, refused) = annotations_of(&replica, "sha", 1);
        assert_eq!(refused.len(), 1);
    }

    #[test]
    fn a_conflict_shows_the_newer_edit_and_keeps_the_other() {
        let mut replica = Replica::default();
        let id = format!("annotation:{A}");
        let base = schema::annotation_doc(
            &annotation(A, "2026-11-30T08:00:00.000Z", "人物"),
            "sha",
            "甲",
        )
        .1;
        let root = replica.put(&id, base, false);
        // Two replicas' edits of it, the older one with the higher revision.
        let older = schema::annotation_doc(
            &annotation(A, "2026-11-30T08:30:00.000Z", "旧"),
            "sha",
            "甲",
        )
        .1;
        let newer = schema::annotation_doc(
            &annotation(A, "2026-11-30T09:00:00.000Z", "新"),
            "sha",
            "乙",
        )
        .1;
        for (hash, body) in [("ffff", older), ("0000", newer)] {
            replica.receive(&Fetched {
                id: id.clone(),
                rev: format!("2-{hash}").parse().unwrap(),
                revisions: Revisions {
                    start: 2,
                    ids: vec![hash.into(), root.hash.clone()],
                },
                deleted: false,
                body,
            });
        }
        let (chosen, others) = shown(&replica, &id).unwrap();
        assert_eq!(chosen["tags"], serde_json::json!(["新"]));
        assert_eq!(others.len(), 1);
        assert_eq!(others[0]["tags"], serde_json::json!(["旧"]));
    }
}
