//! Revisions as CouchDB keeps them: `N-hash` ids in a tree per document
//! (branches are conflicts), the same winner on every replica, and what a
//! replica is missing (`_revs_diff`).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A revision id: its generation and a hash, written `3-1f2e…`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rev {
    pub pos: u64,
    pub hash: String,
}

impl fmt::Display for Rev {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.pos, self.hash)
    }
}

impl FromStr for Rev {
    type Err = String;

    fn from_str(s: &str) -> Result<Rev, String> {
        let (pos, hash) = s
            .split_once('-')
            .ok_or_else(|| format!("不是修订号：{s}"))?;
        let pos = pos.parse().map_err(|_| format!("不是修订号：{s}"))?;
        if hash.is_empty() {
            return Err(format!("不是修订号：{s}"));
        }
        Ok(Rev {
            pos,
            hash: hash.to_string(),
        })
    }
}

impl Rev {
    /// The revision after `parent` for a document whose body (as stored)
    /// is `body`: the same body on the same parent gets the same id on
    /// every replica, as CouchDB's own ids do.
    pub fn next(parent: Option<&Rev>, deleted: bool, body: &str) -> Rev {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(parent.map(Rev::to_string).unwrap_or_default());
        h.update([u8::from(deleted)]);
        h.update(body);
        let hash: String = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Rev {
            pos: parent.map_or(1, |p| p.pos + 1),
            hash,
        }
    }
}

/// A path of revisions as the protocol sends it: `start` is the newest's
/// generation and `ids` their hashes, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revisions {
    pub start: u64,
    pub ids: Vec<String>,
}

impl Revisions {
    /// The revisions on the path, newest first.
    pub fn revs(&self) -> impl Iterator<Item = Rev> + '_ {
        self.ids.iter().enumerate().filter_map(|(i, h)| {
            Some(Rev {
                pos: self.start.checked_sub(i as u64)?,
                hash: h.clone(),
            })
        })
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Node {
    parent: Option<Rev>,
    /// For a leaf: the branch ends in a deletion (a tombstone).
    deleted: bool,
}

/// Every revision of one document that a replica knows, as a tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevTree {
    nodes: BTreeMap<Rev, Node>,
}

impl RevTree {
    /// Adds a path (newest first); `deleted` says whether its newest
    /// revision deletes the document. Revisions already known are kept.
    pub fn insert(&mut self, path: &Revisions, deleted: bool) {
        let revs: Vec<Rev> = path.revs().collect();
        for (i, rev) in revs.iter().enumerate() {
            let parent = revs.get(i + 1).cloned();
            let node = self.nodes.entry(rev.clone()).or_default();
            if node.parent.is_none() {
                node.parent = parent;
            }
            if i == 0 {
                node.deleted = deleted;
            }
        }
    }

    pub fn contains(&self, rev: &Rev) -> bool {
        self.nodes.contains_key(rev)
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Revisions no other revision descends from, with whether each is a
    /// deletion.
    pub fn leaves(&self) -> Vec<(&Rev, bool)> {
        let parents: std::collections::HashSet<&Rev> = self
            .nodes
            .values()
            .filter_map(|n| n.parent.as_ref())
            .collect();
        self.nodes
            .iter()
            .filter(|(r, _)| !parents.contains(r))
            .map(|(r, n)| (r, n.deleted))
            .collect()
    }

    /// CouchDB's winner, the same on every replica: a leaf that is not a
    /// deletion before one that is, then the highest generation, then the
    /// highest hash (compared as strings).
    pub fn winner(&self) -> Option<(&Rev, bool)> {
        self.leaves()
            .into_iter()
            .max_by(|(a, ad), (b, bd)| (!ad, a.pos, &a.hash).cmp(&(!bd, b.pos, &b.hash)))
    }

    /// Leaves that are not deletions and not the winner: the conflicts.
    pub fn conflicts(&self) -> Vec<&Rev> {
        let winner = self.winner().map(|(r, _)| r.clone());
        self.leaves()
            .into_iter()
            .filter(|(r, deleted)| !deleted && Some(*r) != winner.as_ref())
            .map(|(r, _)| r)
            .collect()
    }

    /// Of `revs`, those this tree does not have (`_revs_diff`'s `missing`).
    pub fn missing<'a>(&self, revs: &'a [Rev]) -> Vec<&'a Rev> {
        revs.iter().filter(|r| !self.contains(r)).collect()
    }

    /// The path from `rev` back to the root, to send with it.
    pub fn path(&self, rev: &Rev) -> Revisions {
        let mut ids = Vec::new();
        let mut at = Some(rev.clone());
        while let Some(r) = at {
            at = self.nodes.get(&r).and_then(|n| n.parent.clone());
            ids.push(r.hash);
        }
        Revisions {
            start: rev.pos,
            ids,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rev(s: &str) -> Rev {
        s.parse().unwrap()
    }

    fn path(start: u64, ids: &[&str]) -> Revisions {
        Revisions {
            start,
            ids: ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!(
            rev("12-abc"),
            Rev {
                pos: 12,
                hash: "abc".into()
            }
        );
        assert_eq!(rev("12-abc").to_string(), "12-abc");
        assert!("abc".parse::<Rev>().is_err());
        assert!("x-abc".parse::<Rev>().is_err());
        assert!("3-".parse::<Rev>().is_err());
    }

    #[test]
    fn the_winner_is_couchdbs() {
        // As pouchdb-server decided for the recorded conflict
        // (tests/fixtures/couchdb/get_conflicts.json): 2-cccc over 2-bbbb.
        let mut t = RevTree::default();
        t.insert(&path(2, &["bbbb", "aaaa"]), false);
        t.insert(&path(2, &["cccc", "aaaa"]), false);
        assert_eq!(t.winner(), Some((&rev("2-cccc"), false)));
        assert_eq!(t.conflicts(), [&rev("2-bbbb")]);
        // A longer branch wins, unless it ends in a deletion.
        t.insert(&path(3, &["dddd", "bbbb", "aaaa"]), true);
        assert_eq!(t.winner(), Some((&rev("2-cccc"), false)));
        t.insert(&path(4, &["0000", "eeee", "cccc", "aaaa"]), false);
        assert_eq!(t.winner(), Some((&rev("4-0000"), false)));
        assert!(t.conflicts().is_empty(), "a deleted branch is no conflict");
        assert_eq!(
            t.path(&rev("4-0000")),
            path(4, &["0000", "eeee", "cccc", "aaaa"])
        );
        assert_eq!(t.missing(&[rev("2-bbbb"), rev("3-ffff")]), [&rev("3-ffff")]);
    }

    #[test]
    fn next_revisions_are_deterministic() {
        let a = Rev::next(None, false, "{}");
        assert_eq!(a.pos, 1);
        assert_eq!(a, Rev::next(None, false, "{}"));
        let b = Rev::next(Some(&a), false, "{\"x\":1}");
        assert_eq!(b.pos, 2);
        assert_ne!(b, Rev::next(Some(&a), true, "{\"x\":1}"));
    }

    proptest! {
        /// Two replicas that receive the same paths (stemmed or not) in any
        /// order agree on the leaves, the winner and the conflicts.
        #[test]
        fn replicas_agree_whatever_the_order(
            parents in prop::collection::vec(any::<prop::sample::Index>(), 1..12),
            picks in prop::collection::vec((any::<prop::sample::Index>(), 1usize..5), 1..10),
            seed in any::<u64>(),
        ) {
            // A tree: node i's parent is an earlier node (node 0 is the root).
            let parent: Vec<Option<usize>> = parents
                .iter()
                .enumerate()
                .map(|(i, p)| (i > 0).then(|| p.index(i)))
                .collect();
            let depth = |mut i: usize| {
                let mut d = 1;
                while let Some(p) = parent[i] {
                    d += 1;
                    i = p;
                }
                d
            };
            // A revision's content decides whether it is a deletion.
            let deleted = |i: usize| i % 3 == 2;
            let paths: Vec<(Revisions, bool)> = picks
                .iter()
                .map(|(node, keep)| {
                    let leaf = node.index(parent.len());
                    let mut ids = Vec::new();
                    let mut at = Some(leaf);
                    while let (Some(i), true) = (at, ids.len() < *keep) {
                        ids.push(format!("{i:02x}"));
                        at = parent[i];
                    }
                    (Revisions { start: depth(leaf) as u64, ids }, deleted(leaf))
                })
                .collect();
            let mut a = RevTree::default();
            for (p, d) in &paths {
                a.insert(p, *d);
            }
            let mut shuffled = paths.clone();
            let len = shuffled.len();
            for i in 0..len {
                shuffled.swap(i, (seed as usize).wrapping_mul(i + 7) % len);
            }
            let mut b = RevTree::default();
            for (p, d) in &shuffled {
                b.insert(p, *d);
            }
            let leaves = |t: &RevTree| t.leaves().into_iter().map(|(r, d)| (r.clone(), d)).collect::<Vec<_>>();
            prop_assert_eq!(leaves(&a), leaves(&b));
            prop_assert_eq!(a.winner().map(|(r, _)| r.clone()), b.winner().map(|(r, _)| r.clone()));
            prop_assert_eq!(a.conflicts(), b.conflicts());
        }
    }
}
