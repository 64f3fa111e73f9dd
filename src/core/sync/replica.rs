//! This browser's replica of a project database: every document's
//! revision tree, the bodies of its leaves, and a sequence of changes, so
//! that it can answer the replication protocol's questions (what changed
//! since, which revisions are missing) and take in what another replica
//! sends. A local edit becomes a new revision on the document's winner.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::protocol::{Change, Checkpoint, Fetched};
use super::rev::{Rev, RevTree, Revisions};

/// One document: its revisions, its leaves' bodies, and the sequence of
/// its latest change here.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Doc {
    pub tree: RevTree,
    /// Bodies by revision: every leaf's, and earlier ones that were seen
    /// (the history a conflict's loser stays viewable in).
    pub bodies: HashMap<Rev, Map<String, Value>>,
    pub seq: u64,
}

impl Doc {
    /// The leaves that are not deletions, with their bodies.
    pub fn live_leaves(&self) -> Vec<(Rev, &Map<String, Value>)> {
        self.tree
            .leaves()
            .into_iter()
            .filter(|(_, deleted)| !deleted)
            .filter_map(|(r, _)| Some((r.clone(), self.bodies.get(r)?)))
            .collect()
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replica {
    docs: BTreeMap<String, Doc>,
    update_seq: u64,
    /// Checkpoints of replications with this replica as one side, by
    /// replication id.
    checkpoints: HashMap<String, Checkpoint>,
    /// Documents changed since they were last stored (`take_dirty`).
    dirty: BTreeSet<String>,
}

/// A document as stored between visits: its leaves' paths (the whole
/// tree is their union) and the bodies kept.
#[derive(Serialize, Deserialize)]
struct StoredDoc {
    seq: u64,
    leaves: Vec<(Revisions, bool)>,
    bodies: Vec<(String, Map<String, Value>)>,
}

/// The replica's own record: its sequence and checkpoints.
#[derive(Serialize, Deserialize)]
struct StoredMeta {
    update_seq: u64,
    checkpoints: Vec<(String, Value)>,
}

impl Replica {
    pub fn doc(&self, id: &str) -> Option<&Doc> {
        self.docs.get(id)
    }

    pub fn update_seq(&self) -> u64 {
        self.update_seq
    }

    /// Ids and docs, in id order.
    pub fn docs(&self) -> impl Iterator<Item = (&String, &Doc)> {
        self.docs.iter()
    }

    /// A local edit (or, with `deleted`, a deletion) of document `id`: a
    /// new revision on its current winner. Returns it.
    pub fn put(&mut self, id: &str, body: Map<String, Value>, deleted: bool) -> Rev {
        let parent = self
            .docs
            .get(id)
            .and_then(|d| d.tree.winner().map(|(r, _)| r.clone()));
        self.put_on(id, parent, body, deleted)
    }

    /// A new revision of `id` on leaf `parent` (`None`: a first revision).
    fn put_on(
        &mut self,
        id: &str,
        parent: Option<Rev>,
        body: Map<String, Value>,
        deleted: bool,
    ) -> Rev {
        let doc = self.docs.entry(id.to_string()).or_default();
        let text = Value::Object(body.clone()).to_string();
        let rev = Rev::next(parent.as_ref(), deleted, &text);
        let mut path = match &parent {
            Some(p) => doc.tree.path(p),
            None => super::rev::Revisions {
                start: 0,
                ids: Vec::new(),
            },
        };
        path.start = rev.pos;
        path.ids.insert(0, rev.hash.clone());
        doc.tree.insert(&path, deleted);
        doc.bodies.insert(rev.clone(), body);
        self.update_seq += 1;
        doc.seq = self.update_seq;
        self.dirty.insert(id.to_string());
        rev
    }

    /// Takes in a revision another replica sent (as `_bulk_docs` with
    /// `new_edits: false` does); true if it was new here.
    pub fn receive(&mut self, f: &Fetched) -> bool {
        let doc = self.docs.entry(f.id.clone()).or_default();
        if doc.tree.contains(&f.rev) {
            return false;
        }
        doc.tree.insert(&f.revisions, f.deleted);
        doc.bodies.insert(f.rev.clone(), f.body.clone());
        self.update_seq += 1;
        doc.seq = self.update_seq;
        self.dirty.insert(f.id.clone());
        true
    }

    /// Documents changed after `since`, oldest first, at most `limit`:
    /// every leaf of each (`style=all_docs`).
    pub fn changes_since(&self, since: u64, limit: usize) -> Vec<Change> {
        let mut changed: Vec<(&String, &Doc)> =
            self.docs.iter().filter(|(_, d)| d.seq > since).collect();
        changed.sort_by_key(|(_, d)| d.seq);
        changed
            .into_iter()
            .take(limit)
            .map(|(id, d)| Change {
                id: id.clone(),
                revs: d
                    .tree
                    .leaves()
                    .into_iter()
                    .map(|(r, _)| r.clone())
                    .collect(),
                deleted: d.tree.winner().is_some_and(|(_, deleted)| deleted),
                seq: Value::from(d.seq),
            })
            .collect()
    }

    /// Of the offered revisions, those this replica lacks.
    pub fn missing(&self, id: &str, offered: &[Rev]) -> Vec<Rev> {
        match self.docs.get(id) {
            Some(d) => d.tree.missing(offered).into_iter().cloned().collect(),
            None => offered.to_vec(),
        }
    }

    /// Revision `rev` of `id` with its path, to send (`None` if its body is
    /// not here).
    pub fn fetch(&self, id: &str, rev: &Rev) -> Option<Fetched> {
        let d = self.docs.get(id)?;
        let deleted = d.tree.leaves().into_iter().any(|(r, del)| r == rev && del);
        Some(Fetched {
            id: id.to_string(),
            rev: rev.clone(),
            revisions: d.tree.path(rev),
            deleted,
            body: d.bodies.get(rev)?.clone(),
        })
    }

    /// Ends a conflict of `id` the same way on every replica: the version
    /// `pick` chooses among the live leaves is written on CouchDB's winning
    /// branch (unless it is that leaf already), and every other live leaf
    /// gets a deletion. Revision ids come from their content, so replicas
    /// resolving the same conflict write the same revisions and make no
    /// new one. Returns whether anything was written.
    pub fn resolve(
        &mut self,
        id: &str,
        pick: impl Fn(&[(Rev, &Map<String, Value>)]) -> Option<usize>,
    ) -> bool {
        let Some(doc) = self.docs.get(id) else {
            return false;
        };
        let live = doc.live_leaves();
        if live.len() < 2 {
            return false;
        }
        let Some(chosen) = pick(&live) else {
            return false;
        };
        let Some((winner, _)) = doc.tree.winner().map(|(r, d)| (r.clone(), d)) else {
            return false;
        };
        let body = live[chosen].1.clone();
        let keep_winner = live[chosen].0 == winner;
        let losers: Vec<Rev> = live
            .iter()
            .map(|(r, _)| r.clone())
            .filter(|r| *r != winner)
            .collect();
        if !keep_winner {
            self.put_on(id, Some(winner), body, false);
        }
        for loser in losers {
            self.put_on(id, Some(loser), Map::new(), true);
        }
        true
    }

    pub fn checkpoint(&self, replication: &str) -> Option<&Checkpoint> {
        self.checkpoints.get(replication)
    }

    pub fn set_checkpoint(&mut self, replication: &str, c: Checkpoint) {
        self.checkpoints.insert(replication.to_string(), c);
        self.dirty.insert(String::new());
    }

    /// What to store: each document changed since the last call as (id,
    /// JSON), and the replica's own record (sequence, checkpoints).
    pub fn take_dirty(&mut self) -> (Vec<(String, String)>, String) {
        let dirty = std::mem::take(&mut self.dirty);
        let docs = dirty
            .iter()
            .filter_map(|id| {
                let d = self.docs.get(id)?;
                let stored = StoredDoc {
                    seq: d.seq,
                    leaves: d
                        .tree
                        .leaves()
                        .into_iter()
                        .map(|(r, deleted)| (d.tree.path(r), deleted))
                        .collect(),
                    bodies: d
                        .bodies
                        .iter()
                        .map(|(r, b)| (r.to_string(), b.clone()))
                        .collect(),
                };
                Some((id.clone(), serde_json::to_string(&stored).ok()?))
            })
            .collect();
        let meta = StoredMeta {
            update_seq: self.update_seq,
            checkpoints: self
                .checkpoints
                .iter()
                .map(|(id, c)| (id.clone(), c.to_doc(None)))
                .collect(),
        };
        (docs, serde_json::to_string(&meta).unwrap_or_default())
    }

    /// A replica read back from what `take_dirty` gave: its record and
    /// every document. A document that cannot be read is named, not
    /// dropped silently; the next pull fetches it again.
    pub fn restore(
        meta: Option<&str>,
        docs: impl IntoIterator<Item = (String, String)>,
    ) -> (Replica, Vec<String>) {
        let mut replica = Replica::default();
        let mut damaged = Vec::new();
        if let Some(meta) = meta.and_then(|m| serde_json::from_str::<StoredMeta>(m).ok()) {
            replica.update_seq = meta.update_seq;
            for (id, doc) in meta.checkpoints {
                if let Some(c) = Checkpoint::parse(&doc.to_string()) {
                    replica.checkpoints.insert(id, c);
                }
            }
        }
        for (id, raw) in docs {
            let Ok(stored) = serde_json::from_str::<StoredDoc>(&raw) else {
                damaged.push(id);
                continue;
            };
            let mut doc = Doc {
                seq: stored.seq,
                ..Doc::default()
            };
            for (path, deleted) in &stored.leaves {
                doc.tree.insert(path, *deleted);
            }
            for (rev, body) in stored.bodies {
                if let Ok(rev) = rev.parse() {
                    doc.bodies.insert(rev, body);
                }
            }
            replica.update_seq = replica.update_seq.max(doc.seq);
            replica.docs.insert(id, doc);
        }
        if !damaged.is_empty() {
            // Pulls resume from scratch so the damaged ones come back.
            replica.checkpoints.clear();
        }
        (replica, damaged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn edits_changes_and_what_another_replica_lacks() {
        let mut a = Replica::default();
        let r1 = a.put(
            "tag:人物",
            body(json!({"name": "人物", "color": "#e8590c"})),
            false,
        );
        let r2 = a.put(
            "tag:人物",
            body(json!({"name": "人物", "color": "#1c7ed6"})),
            false,
        );
        assert_eq!((r1.pos, r2.pos), (1, 2));
        a.put(
            "tag:地点",
            body(json!({"name": "地点", "color": "#2f9e44"})),
            false,
        );
        let changes = a.changes_since(0, 10);
        assert_eq!(
            changes.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["tag:人物", "tag:地点"]
        );
        assert_eq!(changes[0].revs, std::slice::from_ref(&r2));
        assert_eq!(a.changes_since(2, 10).len(), 1);

        let mut b = Replica::default();
        let offered = std::slice::from_ref(&r2);
        assert_eq!(b.missing("tag:人物", offered), offered);
        let sent = a.fetch("tag:人物", &r2).unwrap();
        assert_eq!(sent.revisions.ids.len(), 2);
        assert!(b.receive(&sent));
        assert!(!b.receive(&sent), "the same revision twice is one");
        assert!(b.missing("tag:人物", offered).is_empty());
        // Both edit the same document: a conflict, resolved the same way.
        let ra = a.put(
            "tag:人物",
            body(json!({"name": "人物", "color": "#000000"})),
            false,
        );
        let rb = b.put(
            "tag:人物",
            body(json!({"name": "人物", "color": "#ffffff"})),
            false,
        );
        b.receive(&a.fetch("tag:人物", &ra).unwrap());
        a.receive(&b.fetch("tag:人物", &rb).unwrap());
        let winner = |r: &Replica| {
            r.doc("tag:人物")
                .unwrap()
                .tree
                .winner()
                .map(|(r, _)| r.clone())
        };
        assert_eq!(winner(&a), winner(&b));
        assert_eq!(a.doc("tag:人物").unwrap().tree.conflicts().len(), 1);
        // Resolving it on both replicas writes the same revisions: after
        // another exchange there is no conflict, and no new one.
        let newest = |leaves: &[(Rev, &Map<String, Value>)]| {
            (0..leaves.len()).max_by_key(|&i| {
                leaves[i].1["color"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
        };
        assert!(a.resolve("tag:人物", newest));
        assert!(b.resolve("tag:人物", newest));
        for (from, to) in [(&a, &mut b.clone()), (&b, &mut a.clone())] {
            for c in from.changes_since(0, 100) {
                for r in to.missing(&c.id, &c.revs) {
                    to.receive(&from.fetch(&c.id, &r).unwrap());
                }
            }
            let doc = to.doc("tag:人物").unwrap();
            assert!(doc.tree.conflicts().is_empty());
            let (w, _) = doc.tree.winner().unwrap();
            assert_eq!(doc.bodies[w]["color"], "#ffffff");
        }
        assert_eq!(winner(&a), winner(&b), "no new conflict");
        // A deletion is a tombstone revision, sent like any other.
        let gone = a.put("tag:地点", Map::new(), true);
        let tomb = a.fetch("tag:地点", &gone).unwrap();
        assert!(tomb.deleted);
        assert!(a
            .changes_since(0, 10)
            .iter()
            .any(|c| c.id == "tag:地点" && c.deleted));
    }

    #[test]
    fn a_stored_replica_reads_back_the_same() {
        let mut a = Replica::default();
        a.put("tag:人物", body(json!({"name": "人物"})), false);
        a.put(
            "tag:人物",
            body(json!({"name": "人物", "color": "#000"})),
            false,
        );
        let gone = a.put("tag:地点", body(json!({"name": "地点"})), false);
        a.put("tag:地点", Map::new(), true);
        a.set_checkpoint("r", Checkpoint::advance(None, "s", json!("7-abc")));
        let (docs, meta) = a.take_dirty();
        assert_eq!(docs.len(), 2);
        let (back, damaged) = Replica::restore(Some(&meta), docs.clone());
        assert!(damaged.is_empty());
        assert_eq!(back.docs, a.docs);
        assert_eq!(back.update_seq, a.update_seq);
        assert_eq!(back.checkpoints, a.checkpoints);
        assert!(back.doc("tag:地点").unwrap().tree.contains(&gone));
        assert!(a.take_dirty().0.is_empty(), "nothing changed since");
        // A damaged document is named, and pulls start over to fetch it.
        let mut bad = docs;
        bad[0].1 = "{".into();
        let (back, damaged) = Replica::restore(Some(&meta), bad);
        assert_eq!(damaged, ["tag:人物"]);
        assert!(back.checkpoint("r").is_none());
    }
}
