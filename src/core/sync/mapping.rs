//! Between the app's data and the replica: what to write into the replica
//! after local edits (new or changed documents, and deletions as
//! tombstones), and what the app should show of a document's annotations
//! after a pull (each annotation's version chosen by `schema::resolve`).

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};

use super::replica::Replica;
use super::schema::{self, Kind};
use super::userdict::{self, WordChange};
use crate::core::annotation::{Annotation, Tag};
use crate::core::store::Annotations;
use crate::core::timestamp;

/// A document's body.
pub type Body = Map<String, Value>;

/// A write to make into the replica: a body, or `None` to delete.
pub type Write = (String, Option<Body>);

/// The version the app shows, and the other leaves' bodies.
pub type Shown = (Body, Vec<Body>);

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

/// The writes that make the replica hold document `sha`'s local edits:
/// each annotation new here or edited later than the replica's version
/// (its creator kept from the replica, `me` for a new one), and a
/// deletion for each that `previous` (what was last written) had and
/// `all` no longer has. An annotation the replica holds in a newer
/// version is left for the pull to bring; one the replica has and the app
/// never had is not deleted. Orphans are synced too. On the first write
/// after opening (`previous` is `None`), an annotation the replica has
/// since seen deleted is stale, not new: the deletion came while the
/// document was closed here, and the pull removes it.
pub fn annotation_writes(
    replica: &Replica,
    sha: &str,
    previous: Option<&Annotations>,
    all: &Annotations,
    me: &str,
) -> Vec<Write> {
    let mut writes = Vec::new();
    if let Some(previous) = previous {
        for a in previous.annotations.iter().chain(previous.orphans.iter()) {
            if all.get(&a.id).is_none() {
                let (id, _) = schema::annotation_doc(a, sha, me);
                if shown(replica, &id).is_some() {
                    writes.push((id, None));
                }
            }
        }
    }
    for a in all.annotations.iter().chain(all.orphans.iter()) {
        if previous
            .and_then(|p| p.shared_slot(&a.id))
            .is_some_and(|(_, p)| Rc::ptr_eq(p, a))
        {
            continue;
        }
        let (id, _) = schema::annotation_doc(a, sha, me);
        let there = shown(replica, &id).map(|(b, _)| b);
        let field = |k: &str| {
            there
                .as_ref()
                .and_then(|b| b.get(k))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        if field("modified").is_some_and(|m| timestamp::is_later(&m, &a.modified)) {
            continue;
        }
        if previous.is_none() && there.is_none() && deleted_since(replica, &id, &a.modified) {
            continue;
        }
        let creator = field("creator").unwrap_or_else(|| me.to_string());
        let (_, body) = schema::annotation_doc(a, sha, &creator);
        if there.as_ref() != Some(&body) {
            writes.push((id, Some(body)));
        }
    }
    writes
}

/// Whether every version of `id` is deleted and the replica had seen a
/// version modified at or after `modified` (a local copy that old was
/// deleted, not edited, since).
fn deleted_since(replica: &Replica, id: &str, modified: &str) -> bool {
    replica.doc(id).is_some_and(|doc| {
        doc.live_leaves().is_empty()
            && doc
                .bodies
                .values()
                .filter_map(|b| b.get("modified")?.as_str())
                .any(|seen| !timestamp::is_later(modified, seen))
    })
}

/// Makes `writes` in the replica, as local edits.
pub fn apply(replica: &mut Replica, writes: Vec<Write>) {
    for (id, body) in writes {
        match body {
            Some(b) => replica.put(&id, b, false),
            None => replica.put(&id, Map::new(), true),
        };
    }
}

/// The writes that make the replica hold the app's tags: each new or
/// recoloured one. (A tag removed here is not deleted there: another
/// annotator's annotations may still use it.)
pub fn tag_writes(replica: &Replica, tags: &[Tag]) -> Vec<Write> {
    tags.iter()
        .map(schema::tag_doc)
        .filter(|(id, body)| shown(replica, id).map(|(b, _)| b).as_ref() != Some(body))
        .map(|(id, body)| (id, Some(body)))
        .collect()
}

/// One annotation a pull changed, as the replica now shows it.
#[derive(Clone, Debug, PartialEq)]
pub enum Pulled {
    Shown(Rc<Annotation>),
    /// Every version is deleted: the annotation's id.
    Deleted(String),
}

/// What a pull brought for document `sha`, whose text has `length` code
/// points: the annotations, tags and user dictionary words changed in the
/// replica after sequence `since`, and what failed the import checks (id,
/// reason).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pull {
    pub annotations: Vec<Pulled>,
    pub tags: Vec<Tag>,
    pub words: Vec<WordChange>,
    pub refused: Vec<(String, String)>,
}

impl Pull {
    pub fn is_empty(&self) -> bool {
        self.annotations.is_empty()
            && self.tags.is_empty()
            && self.words.is_empty()
            && self.refused.is_empty()
    }
}

pub fn pulled(replica: &Replica, sha: &str, since: u64, length: usize) -> Pull {
    let mut pull = Pull::default();
    for change in replica.changes_since(since, usize::MAX) {
        let id = change.id.as_str();
        match schema::kind(id) {
            Some(Kind::Annotation(uuid) | Kind::Relation(uuid)) => match shown(replica, id) {
                None => pull.annotations.push(Pulled::Deleted(uuid.to_string())),
                Some((body, _)) if body.get("document").and_then(Value::as_str) == Some(sha) => {
                    match schema::annotation_from_doc(id, &body, length) {
                        Ok((a, _, _)) => pull.annotations.push(Pulled::Shown(Rc::new(a))),
                        Err(e) => pull.refused.push((id.to_string(), e)),
                    }
                }
                Some(_) => {}
            },
            Some(Kind::Tag(_)) => {
                if let Some((body, _)) = shown(replica, id) {
                    match schema::tag_from_doc(&body) {
                        Ok(t) => pull.tags.push(t),
                        Err(e) => pull.refused.push((id.to_string(), e)),
                    }
                }
            }
            Some(Kind::UserDict(word)) => match shown(replica, id) {
                None => pull.words.push(WordChange::Removed(word.to_string())),
                Some((body, _)) => match userdict::entry_from_doc(id, &body) {
                    Ok(entry) => pull.words.push(WordChange::Rule(entry)),
                    Err(e) => pull.refused.push((id.to_string(), e)),
                },
            },
            _ => {}
        }
    }
    pull
}

/// The app's annotations with a pull taken in: each pulled annotation
/// replaces the app's version unless the app's was modified later (a
/// local edit not yet written to the replica, which the next write
/// sends); deletions remove; pulled tags are added or recoloured.
pub fn adopt(current: &Annotations, pull: &Pull) -> Annotations {
    let mut next = current.clone();
    for p in &pull.annotations {
        match p {
            Pulled::Deleted(id) => next.set_shared_slot(id, None),
            Pulled::Shown(a) => {
                let here = current.shared_slot(&a.id);
                let ours_newer =
                    here.is_some_and(|(_, ours)| timestamp::is_later(&ours.modified, &a.modified));
                if !ours_newer && here.map(|(_, ours)| ours) != Some(a) {
                    let orphan = here.is_some_and(|(orphan, _)| orphan);
                    next.set_shared_slot(&a.id, Some((orphan, a.clone())));
                }
            }
        }
    }
    for t in &pull.tags {
        match next.tags.iter_mut().find(|x| x.name == t.name) {
            Some(x) => x.color.clone_from(&t.color),
            None => next.tags.push(t.clone()),
        }
    }
    next.ensure_used_tags();
    next
}

/// An earlier or conflicting version of an annotation.
#[derive(Clone, Debug, PartialEq)]
pub struct Version {
    pub rev: String,
    pub modified: String,
    pub creator: String,
    pub tags: Vec<String>,
    pub note: String,
}

/// Every version of annotation `uuid` the replica has seen other than the
/// one shown, newest first: earlier edits and the versions that lost a
/// conflict (kept, never dropped).
pub fn history(replica: &Replica, uuid: &str) -> Vec<Version> {
    let ids = [format!("annotation:{uuid}"), format!("relation:{uuid}")];
    let Some((id, doc)) = ids.iter().find_map(|id| Some((id, replica.doc(id)?))) else {
        return Vec::new();
    };
    let current = shown(replica, id).map(|(b, _)| b);
    let text = |b: &Body, k: &str| b.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut versions: Vec<Version> = doc
        .bodies
        .iter()
        .filter(|(_, b)| b.contains_key("modified") && Some(*b) != current.as_ref())
        .map(|(rev, b)| Version {
            rev: rev.to_string(),
            modified: text(b, "modified"),
            creator: text(b, "creator"),
            tags: b
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
            note: text(b, "note"),
        })
        .collect();
    versions.sort_by(|x, y| y.modified.cmp(&x.modified).then_with(|| y.rev.cmp(&x.rev)));
    versions
}

/// Who made each annotation of document `sha` the replica holds, by the
/// annotation's id. (Read in place, without copying bodies: it runs after
/// every change, over every document.)
pub fn creators(replica: &Replica, sha: &str) -> HashMap<String, String> {
    replica
        .docs()
        .filter_map(|(id, doc)| match schema::kind(id) {
            Some(Kind::Annotation(uuid) | Kind::Relation(uuid)) => {
                let leaves = doc.live_leaves();
                let body = leaves.get(schema::resolve(&leaves)?)?.1;
                let field = |k: &str| body.get(k).and_then(Value::as_str);
                (field("document") == Some(sha))
                    .then(|| (uuid.to_string(), field("creator").unwrap_or("").to_string()))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::sync::protocol::Fetched;
    use crate::core::sync::rev::Revisions;
    use crate::core::sync::test_support::annotation;

    const A: &str = "11111111-1111-4111-8111-111111111111";
    const B: &str = "22222222-2222-4222-8222-222222222222";

    #[test]
    fn local_edits_become_writes_and_come_back() {
        let mut replica = Replica::default();
        let mut all = Annotations::default();
        all.annotations
            .push(Rc::new(annotation(A, "2026-11-30T08:00:00.000Z", "人物")));
        all.annotations
            .push(Rc::new(annotation(B, "2026-11-30T08:00:00.000Z", "地点")));
        let writes = annotation_writes(&replica, "sha", None, &all, "甲");
        assert_eq!(writes.len(), 2);
        apply(&mut replica, writes);
        assert!(
            annotation_writes(&replica, "sha", None, &all, "甲").is_empty(),
            "nothing changed"
        );
        // B edited, A deleted: one write each; A's creator stays 甲 even
        // when 乙 edits it on another replica.
        let previous = all.clone();
        all.annotations.retain(|a| a.id != A);
        all.annotations[0] = Rc::new(annotation(B, "2026-11-30T09:00:00.000Z", "城市"));
        // Without knowing what was written before, nothing is deleted.
        let writes = annotation_writes(&replica, "sha", None, &all, "乙");
        assert!(writes.iter().all(|(_, b)| b.is_some()));
        let writes = annotation_writes(&replica, "sha", Some(&previous), &all, "乙");
        assert_eq!(writes.iter().filter(|(_, b)| b.is_none()).count(), 1);
        let edited = writes.iter().find_map(|(_, b)| b.clone()).unwrap();
        assert_eq!(edited["creator"], "甲");
        apply(&mut replica, writes);
        // Everything the replica holds, as a pull from the start shows it.
        let pull = pulled(&replica, "sha", 0, 10);
        assert!(pull.refused.is_empty());
        let found: Vec<&Annotation> = pull
            .annotations
            .iter()
            .filter_map(|p| match p {
                Pulled::Shown(a) => Some(&**a),
                Pulled::Deleted(_) => None,
            })
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].tags, ["城市"]);
        // Another document's annotations are not this one's.
        let other = pulled(&replica, "other", 0, 10);
        assert!(!other
            .annotations
            .iter()
            .any(|p| matches!(p, Pulled::Shown(_))));
        // A position past the text is refused, by id and reason.
        assert_eq!(pulled(&replica, "sha", 0, 1).refused.len(), 1);
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
        // Resolved, the loser stays in the history, with the first version.
        assert!(replica.resolve(&id, schema::resolve));
        assert_eq!(
            shown(&replica, &id).unwrap().0["tags"],
            serde_json::json!(["新"])
        );
        let versions = history(&replica, A);
        let tags: Vec<&str> = versions.iter().map(|v| v.tags[0].as_str()).collect();
        assert_eq!(tags, ["旧", "人物"]);
    }

    /// A replica holding annotation A of 甲, and the app's state with it.
    fn with_one_written() -> (Replica, Annotations) {
        let mut replica = Replica::default();
        let mut app = Annotations::default();
        app.annotations
            .push(Rc::new(annotation(A, "2026-11-30T08:00:00.000Z", "人物")));
        let w = annotation_writes(&replica, "sha", None, &app, "甲");
        apply(&mut replica, w);
        (replica, app)
    }

    #[test]
    fn a_deletion_pulled_while_the_document_was_closed_is_not_undone_on_opening() {
        let (mut replica, app) = with_one_written();
        // A teammate deletes it; the app, closed, still stores it.
        let w = annotation_writes(&replica, "sha", Some(&app), &Annotations::default(), "乙");
        apply(&mut replica, w);
        assert!(annotation_writes(&replica, "sha", None, &app, "甲").is_empty());
        assert!(adopt(&app, &pulled(&replica, "sha", 0, 10))
            .get(A)
            .is_none());
        // Edited here after the version the replica last saw: the edit is
        // written (an edit against a deletion keeps the edit, as in CouchDB).
        let mut edited = app.clone();
        edited.annotations[0] = Rc::new(annotation(A, "2026-11-30T09:00:00.000Z", "地点"));
        assert_eq!(
            annotation_writes(&replica, "sha", None, &edited, "甲").len(),
            1
        );
        // Restored by an undo after the deletion was written: written again.
        let w = annotation_writes(&replica, "sha", Some(&Annotations::default()), &app, "甲");
        assert_eq!(w.len(), 1);
        apply(&mut replica, w);
        assert!(shown(&replica, &format!("annotation:{A}")).is_some());
    }

    fn tag(color: &str) -> Tag {
        Tag {
            name: "人物".into(),
            color: color.into(),
        }
    }

    #[test]
    fn a_pull_is_taken_in_unless_the_local_edit_is_newer() {
        let (mut replica, app) = with_one_written();
        let w = tag_writes(&replica, &[tag("#000000")]);
        apply(&mut replica, w);
        let since = replica.update_seq();
        // Another annotator adds B and edits A; a tag is recoloured.
        let mut theirs = app.clone();
        theirs.annotations[0] = Rc::new(annotation(A, "2026-11-30T09:00:00.000Z", "地点"));
        theirs
            .annotations
            .push(Rc::new(annotation(B, "2026-11-30T09:00:00.000Z", "人物")));
        let w = annotation_writes(&replica, "sha", Some(&app), &theirs, "乙");
        apply(&mut replica, w);
        // The app, not yet given the pull, writes nothing over it.
        assert!(annotation_writes(&replica, "sha", None, &app, "甲").is_empty());
        let w = tag_writes(&replica, &[tag("#ffffff")]);
        apply(&mut replica, w);
        let pull = pulled(&replica, "sha", since, 10);
        assert_eq!(pull.annotations.len(), 2);
        let merged = adopt(&app, &pull);
        assert_eq!(merged.get(A).unwrap().tags, ["地点"]);
        assert!(merged.get(B).is_some());
        assert_eq!(merged.tag("人物").unwrap().color, "#ffffff");
        assert_eq!(creators(&replica, "sha")[B], "乙");
        assert_eq!(creators(&replica, "sha")[A], "甲");
        // A local edit newer than the pulled one stays.
        let mut newer = app.clone();
        newer.annotations[0] = Rc::new(annotation(A, "2026-11-30T10:00:00.000Z", "时间"));
        assert_eq!(adopt(&newer, &pull).get(A).unwrap().tags, ["时间"]);
        // A deletion there removes it here.
        let since = replica.update_seq();
        let before = theirs.clone();
        theirs.annotations.retain(|a| a.id != B);
        let w = annotation_writes(&replica, "sha", Some(&before), &theirs, "乙");
        apply(&mut replica, w);
        let pull = pulled(&replica, "sha", since, 10);
        assert_eq!(pull.annotations, [Pulled::Deleted(B.into())]);
        assert!(adopt(&merged, &pull).get(B).is_none());
    }
}
