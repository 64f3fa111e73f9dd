//! The messages of CouchDB's replication protocol
//! (docs.couchdb.org, "Replication Protocol"): reading `_changes`,
//! `_revs_diff` and `_bulk_get` answers, writing `_revs_diff`, `_bulk_get`
//! and `_bulk_docs` (`new_edits: false`) requests, and the checkpoints kept
//! in `_local/` documents on both sides. Sequence ids are opaque (CouchDB's
//! are strings, PouchDB's numbers) and are passed back as they came.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::rev::{Rev, Revisions};

/// One row of a `_changes` answer (`style=all_docs`: every leaf).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub id: String,
    pub revs: Vec<Rev>,
    pub deleted: bool,
    pub seq: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Changes {
    pub results: Vec<Change>,
    pub last_seq: Value,
}

fn bad(what: &str) -> String {
    format!("服务器的回答不符合 CouchDB 协议：{what}")
}

/// Reads a `_changes` answer. A longpoll's heartbeats (blank lines before
/// the JSON) are skipped.
pub fn parse_changes(body: &str) -> Result<Changes, String> {
    let v: Value = serde_json::from_str(body.trim())
        .map_err(|e| bad(&format!("_changes 不是 JSON（{e}）")))?;
    let rows = v["results"]
        .as_array()
        .ok_or_else(|| bad("_changes 没有 results"))?;
    let mut results = Vec::with_capacity(rows.len());
    for row in rows {
        let id = row["id"]
            .as_str()
            .ok_or_else(|| bad("_changes 的一行没有 id"))?;
        let revs = row["changes"]
            .as_array()
            .ok_or_else(|| bad("_changes 的一行没有 changes"))?
            .iter()
            .map(|c| {
                c["rev"]
                    .as_str()
                    .ok_or_else(|| bad("changes 中没有 rev"))?
                    .parse()
            })
            .collect::<Result<Vec<Rev>, String>>()?;
        results.push(Change {
            id: id.to_string(),
            revs,
            deleted: row["deleted"].as_bool().unwrap_or(false),
            seq: row["seq"].clone(),
        });
    }
    Ok(Changes {
        results,
        last_seq: v["last_seq"].clone(),
    })
}

/// The body of a `_revs_diff` request: every id with the revisions to
/// offer.
pub fn revs_diff_request<'a>(offers: impl IntoIterator<Item = (&'a str, &'a [Rev])>) -> Value {
    let mut m = Map::new();
    for (id, revs) in offers {
        m.insert(
            id.to_string(),
            json!(revs.iter().map(Rev::to_string).collect::<Vec<_>>()),
        );
    }
    Value::Object(m)
}

/// Reads a `_revs_diff` answer: per id, the revisions the other side lacks.
pub fn parse_revs_diff(body: &str) -> Result<BTreeMap<String, Vec<Rev>>, String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| bad(&format!("_revs_diff 不是 JSON（{e}）")))?;
    let m = v.as_object().ok_or_else(|| bad("_revs_diff 不是对象"))?;
    m.iter()
        .map(|(id, d)| {
            let missing = d["missing"]
                .as_array()
                .ok_or_else(|| bad("_revs_diff 没有 missing"))?
                .iter()
                .map(|r| {
                    r.as_str()
                        .ok_or_else(|| bad("missing 中不是修订号"))?
                        .parse()
                })
                .collect::<Result<Vec<Rev>, String>>()?;
            Ok((id.clone(), missing))
        })
        .collect()
}

/// The body of a `_bulk_get?revs=true` request for these revisions.
pub fn bulk_get_request<'a>(wanted: impl IntoIterator<Item = (&'a str, &'a Rev)>) -> Value {
    let docs: Vec<Value> = wanted
        .into_iter()
        .map(|(id, rev)| json!({"id": id, "rev": rev.to_string()}))
        .collect();
    json!({ "docs": docs })
}

/// A revision of a document as it travels: its id, revision, path and
/// body (without the `_` fields).
#[derive(Clone, Debug, PartialEq)]
pub struct Fetched {
    pub id: String,
    pub rev: Rev,
    pub revisions: Revisions,
    pub deleted: bool,
    pub body: Map<String, Value>,
}

impl Fetched {
    /// From a document as CouchDB writes it (`_id`, `_rev`, `_revisions`,
    /// `_deleted` and the body).
    pub fn from_doc(doc: &Value) -> Result<Fetched, String> {
        let id = doc["_id"]
            .as_str()
            .ok_or_else(|| bad("文档没有 _id"))?
            .to_string();
        let rev: Rev = doc["_rev"]
            .as_str()
            .ok_or_else(|| bad("文档没有 _rev"))?
            .parse()?;
        let revisions = match doc.get("_revisions") {
            Some(r) => serde_json::from_value(r.clone()).map_err(|_| bad("_revisions 格式不对"))?,
            None => Revisions {
                start: rev.pos,
                ids: vec![rev.hash.clone()],
            },
        };
        let body = doc
            .as_object()
            .map(|m| {
                m.iter()
                    .filter(|(k, _)| !k.starts_with('_'))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Fetched {
            id,
            rev,
            revisions,
            deleted: doc["_deleted"].as_bool().unwrap_or(false),
            body,
        })
    }

    /// As CouchDB stores it, for `_bulk_docs` with `new_edits: false`.
    pub fn to_doc(&self) -> Value {
        let mut m = self.body.clone();
        m.insert("_id".into(), json!(self.id));
        m.insert("_rev".into(), json!(self.rev.to_string()));
        m.insert("_revisions".into(), json!(self.revisions));
        if self.deleted {
            m.insert("_deleted".into(), json!(true));
        }
        Value::Object(m)
    }
}

/// Reads a `_bulk_get` answer: the revisions it returned, and the ids it
/// could not (`missing` or `error`), which the next pass asks for again.
pub fn parse_bulk_get(body: &str) -> Result<(Vec<Fetched>, Vec<String>), String> {
    let v: Value =
        serde_json::from_str(body).map_err(|e| bad(&format!("_bulk_get 不是 JSON（{e}）")))?;
    let rows = v["results"]
        .as_array()
        .ok_or_else(|| bad("_bulk_get 没有 results"))?;
    let mut fetched = Vec::new();
    let mut failed = Vec::new();
    for row in rows {
        let id = row["id"].as_str().unwrap_or_default();
        for d in row["docs"].as_array().into_iter().flatten() {
            match d.get("ok") {
                Some(doc) => fetched.push(Fetched::from_doc(doc)?),
                None => failed.push(id.to_string()),
            }
        }
    }
    Ok((fetched, failed))
}

/// The body of a `_bulk_docs` request that stores revisions as they are
/// (`new_edits: false`): the replica keeps their ids and history.
pub fn bulk_docs_request(docs: &[Fetched]) -> Value {
    json!({ "new_edits": false, "docs": docs.iter().map(Fetched::to_doc).collect::<Vec<_>>() })
}

/// A replication checkpoint, kept as `_local/<replication id>` on both
/// sides: the session that wrote it and the source's sequence reached.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    pub session_id: String,
    pub source_last_seq: Value,
    /// Earlier sessions, newest first: (session id, sequence reached).
    pub history: Vec<(String, Value)>,
}

/// How many earlier sessions a checkpoint remembers.
const CHECKPOINT_HISTORY: usize = 50;

impl Checkpoint {
    /// A `_local` document's body (`null` or an error answer: none).
    pub fn parse(body: &str) -> Option<Checkpoint> {
        let v: Value = serde_json::from_str(body).ok()?;
        let history = v["history"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| {
                Some((
                    h["session_id"].as_str()?.to_string(),
                    h["recorded_seq"].clone(),
                ))
            })
            .collect();
        Some(Checkpoint {
            session_id: v["session_id"].as_str()?.to_string(),
            source_last_seq: v.get("source_last_seq")?.clone(),
            history,
        })
    }

    /// The next checkpoint of session `session_id` at `seq`.
    pub fn advance(previous: Option<&Checkpoint>, session_id: &str, seq: Value) -> Checkpoint {
        let mut history = vec![(session_id.to_string(), seq.clone())];
        if let Some(p) = previous {
            history.extend(
                std::iter::once((p.session_id.clone(), p.source_last_seq.clone()))
                    .chain(p.history.iter().cloned())
                    .filter(|(s, _)| s != session_id)
                    .take(CHECKPOINT_HISTORY - 1),
            );
        }
        Checkpoint {
            session_id: session_id.to_string(),
            source_last_seq: seq,
            history,
        }
    }

    /// The `_local` document body, with its current revision when
    /// replacing one.
    pub fn to_doc(&self, rev: Option<&str>) -> Value {
        let history: Vec<Value> = self
            .history
            .iter()
            .map(|(s, seq)| json!({"session_id": s, "recorded_seq": seq}))
            .collect();
        let mut doc = json!({
            "session_id": self.session_id,
            "source_last_seq": self.source_last_seq,
            "replication_id_version": 3,
            "history": history,
        });
        if let Some(rev) = rev {
            doc["_rev"] = json!(rev);
        }
        doc
    }
}

/// Where a replication resumes: the sequence both sides' checkpoints agree
/// on (the same session, or the newest session both remember); from the
/// start (`0`) when they share none, so nothing is skipped.
pub fn resume_from(source: Option<&Checkpoint>, target: Option<&Checkpoint>) -> Value {
    let (Some(s), Some(t)) = (source, target) else {
        return json!(0);
    };
    if s.session_id == t.session_id {
        return s.source_last_seq.clone();
    }
    let in_target: Vec<&String> = std::iter::once(&t.session_id)
        .chain(t.history.iter().map(|(id, _)| id))
        .collect();
    std::iter::once((&s.session_id, &s.source_last_seq))
        .chain(s.history.iter().map(|(id, seq)| (id, seq)))
        .find(|(id, _)| in_target.contains(id))
        .map_or(json!(0), |(_, seq)| seq.clone())
}

/// The id of a replication between this browser's replica (`replica`, a
/// UUID made once) and a database, one way: the same on every run, so a
/// restart finds its checkpoints.
pub fn replication_id(replica: &str, server: &str, database: &str, push: bool) -> String {
    use sha2::{Digest, Sha256};
    let key = format!(
        "{replica}\n{}\n{database}\n{}",
        server.trim_end_matches('/'),
        if push { "push" } else { "pull" }
    );
    Sha256::digest(key.as_bytes())[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/couchdb/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn reads_recorded_changes() {
        let c = parse_changes(&fixture("changes_all_docs.json")).unwrap();
        assert_eq!(c.results.len(), 2);
        assert_eq!(
            c.results[0].id,
            "annotation:11111111-1111-4111-8111-111111111111"
        );
        assert_eq!(
            c.results[0].revs,
            ["2-bbbb".parse::<Rev>().unwrap(), "2-cccc".parse().unwrap()]
        );
        assert!(c.results[1].deleted);
        assert_eq!(c.last_seq, json!(4));
        // Opaque CouchDB sequences and heartbeats.
        let couch = "\n\n{\"results\":[{\"seq\":\"7-g1AAAA\",\"id\":\"x\",\"changes\":[{\"rev\":\"1-a\"}]}],\"last_seq\":\"7-g1AAAA\"}\n";
        assert_eq!(parse_changes(couch).unwrap().last_seq, json!("7-g1AAAA"));
        let limited = parse_changes(&fixture("changes_limit.json")).unwrap();
        assert_eq!(limited.last_seq, json!(2));
        assert!(parse_changes("{\"error\":\"not_found\"}").is_err());
        assert!(parse_changes(&fixture("longpoll_timeout.json")).is_ok());
    }

    #[test]
    fn revs_diff_and_bulk_get_round_trip() {
        let offered: Vec<Rev> = vec!["2-bbbb".parse().unwrap(), "3-ffff".parse().unwrap()];
        let req = revs_diff_request([(
            "annotation:11111111-1111-4111-8111-111111111111",
            offered.as_slice(),
        )]);
        assert_eq!(
            req,
            json!({"annotation:11111111-1111-4111-8111-111111111111": ["2-bbbb", "3-ffff"]})
        );
        let missing = parse_revs_diff(&fixture("revs_diff.json")).unwrap();
        assert_eq!(
            missing["annotation:11111111-1111-4111-8111-111111111111"],
            ["3-ffff".parse::<Rev>().unwrap()]
        );
        assert!(!missing.contains_key("tag:人物"));

        let (docs, failed) = parse_bulk_get(&fixture("bulk_get.json")).unwrap();
        assert_eq!(docs.len(), 3);
        assert_eq!(failed, ["nothing"]);
        assert_eq!(docs[1].body["tags"], json!(["地点"]));
        assert_eq!(
            docs[1].revisions,
            Revisions {
                start: 2,
                ids: vec!["cccc".into(), "aaaa".into()]
            }
        );
        assert!(docs[2].deleted);
        // What goes back out is what came in.
        let req = bulk_docs_request(&docs);
        assert_eq!(req["new_edits"], json!(false));
        assert_eq!(Fetched::from_doc(&req["docs"][1]).unwrap(), docs[1]);
    }

    #[test]
    fn checkpoints_resume_where_both_sides_agree() {
        let recorded = Checkpoint::parse(&fixture("local_get.json")).unwrap();
        assert_eq!(recorded.source_last_seq, json!(3));
        assert!(Checkpoint::parse(&fixture("local_missing.json")).is_none());
        let first = Checkpoint::advance(None, "s1", json!(10));
        let second = Checkpoint::advance(Some(&first), "s2", json!(25));
        assert_eq!(resume_from(Some(&second), Some(&second)), json!(25));
        // The target kept only the first session's checkpoint (its write of
        // the second was lost with the network): resume from 10, not 25.
        assert_eq!(resume_from(Some(&second), Some(&first)), json!(10));
        assert_eq!(resume_from(Some(&second), None), json!(0));
        let unrelated = Checkpoint::advance(None, "other", json!(99));
        assert_eq!(resume_from(Some(&second), Some(&unrelated)), json!(0));
        let doc = second.to_doc(Some("0-1"));
        assert_eq!(doc["_rev"], json!("0-1"));
        assert_eq!(Checkpoint::parse(&doc.to_string()).unwrap(), second);
    }

    #[test]
    fn replication_ids_are_stable_per_direction() {
        let a = replication_id("r", "http://127.0.0.1:5984/", "proj", true);
        assert_eq!(
            a,
            replication_id("r", "http://127.0.0.1:5984", "proj", true)
        );
        assert_ne!(
            a,
            replication_id("r", "http://127.0.0.1:5984", "proj", false)
        );
        assert_eq!(a.len(), 32);
    }
}
