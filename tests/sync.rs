//! Replication between replicas through a simulated CouchDB (answering
//! from a `Replica`, as the protocol specifies) and through answers
//! recorded from pouchdb-server: pushing and pulling, offline edits on both
//! sides, a network that drops mid-batch, resuming from checkpoints.

use std::collections::HashMap;

use annotator::core::sync::protocol::{Checkpoint, Fetched};
use annotator::core::sync::replica::Replica;
use annotator::core::sync::replicate::{
    Answer, Direction, Method, Replication, Request, SyncError,
};
use annotator::core::sync::rev::Rev;
use serde_json::{json, Map, Value};

/// A database that answers the replication protocol's requests.
#[derive(Default)]
struct Server {
    db: Replica,
    local: HashMap<String, (Value, u64)>,
    requests: Vec<String>,
}

fn ok(status: u16, v: Value) -> Answer {
    Answer {
        status,
        body: v.to_string(),
    }
}

impl Server {
    fn answer(&mut self, r: &Request) -> Answer {
        let (path, query) = r.path.split_once('?').unwrap_or((&r.path, ""));
        self.requests.push(path.to_string());
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .map(str::to_string)
        };
        match (r.method, path) {
            (Method::Get, p) if p.starts_with("_local/") => match self.local.get(p) {
                Some((doc, n)) => {
                    let mut doc = doc.clone();
                    doc["_rev"] = json!(format!("0-{n}"));
                    ok(200, doc)
                }
                None => ok(404, json!({"error": "not_found", "reason": "missing"})),
            },
            (Method::Put, p) if p.starts_with("_local/") => {
                let n = self.local.get(p).map_or(1, |(_, n)| n + 1);
                self.local
                    .insert(p.to_string(), (r.body.clone().unwrap(), n));
                ok(201, json!({"ok": true, "id": p, "rev": format!("0-{n}")}))
            }
            (Method::Post, "_revs_diff") => {
                let mut out = Map::new();
                for (id, revs) in r.body.as_ref().unwrap().as_object().unwrap() {
                    let revs: Vec<Rev> = revs
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().parse().unwrap())
                        .collect();
                    let missing = self.db.missing(id, &revs);
                    if !missing.is_empty() {
                        out.insert(id.clone(), json!({"missing": missing.iter().map(Rev::to_string).collect::<Vec<_>>()}));
                    }
                }
                ok(200, Value::Object(out))
            }
            (Method::Post, "_bulk_docs") => {
                let body = r.body.as_ref().unwrap();
                assert_eq!(body["new_edits"], json!(false));
                for d in body["docs"].as_array().unwrap() {
                    self.db.receive(&Fetched::from_doc(d).unwrap());
                }
                ok(201, json!([]))
            }
            (Method::Get, "_changes") => {
                assert_eq!(param("style").as_deref(), Some("all_docs"));
                let since: u64 = param("since").unwrap().parse().unwrap();
                let limit: usize = param("limit").unwrap().parse().unwrap();
                let results: Vec<Value> = self
                    .db
                    .changes_since(since, limit)
                    .into_iter()
                    .map(|c| {
                        let mut row = json!({"id": c.id, "seq": c.seq, "changes": c.revs.iter().map(|r| json!({"rev": r.to_string()})).collect::<Vec<_>>()});
                        if c.deleted {
                            row["deleted"] = json!(true);
                        }
                        row
                    })
                    .collect();
                let last = results.last().map_or(json!(since), |r| r["seq"].clone());
                ok(200, json!({"results": results, "last_seq": last}))
            }
            (Method::Post, "_bulk_get") => {
                let results: Vec<Value> = r.body.as_ref().unwrap()["docs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| {
                        let id = d["id"].as_str().unwrap();
                        let rev: Rev = d["rev"].as_str().unwrap().parse().unwrap();
                        match self.db.fetch(id, &rev) {
                            Some(f) => json!({"id": id, "docs": [{"ok": f.to_doc()}]}),
                            None => json!({"id": id, "docs": [{"missing": rev.to_string()}]}),
                        }
                    })
                    .collect();
                ok(200, json!({"results": results}))
            }
            other => panic!("unexpected request {other:?}"),
        }
    }
}

/// Runs a replication to the end (or its first error); `drop_answer`
/// loses the answer to the request with that number (the server did the
/// work; the network dropped its reply).
fn run(
    replica: &mut Replica,
    server: &mut Server,
    direction: Direction,
    batch: usize,
    drop_answer: Option<usize>,
) -> Result<(usize, usize), SyncError> {
    let id = if direction == Direction::Push {
        "push"
    } else {
        "pull"
    };
    let mut r = Replication::new(direction, id, &format!("s{}", server.requests.len()), batch);
    let mut answer = None;
    let mut n = 0;
    while let Some(req) = r.step(replica, answer.take())? {
        let a = server.answer(&req);
        n += 1;
        if drop_answer == Some(n) {
            return Err(SyncError::Protocol("network dropped".into()));
        }
        answer = Some(a);
    }
    Ok((r.stats().docs_read, r.stats().docs_written))
}

fn tag(color: &str) -> Map<String, Value> {
    json!({"name": "人物", "color": color})
        .as_object()
        .unwrap()
        .clone()
}

fn winner(r: &Replica, id: &str) -> Option<Rev> {
    r.doc(id)?.tree.winner().map(|(r, _)| r.clone())
}

#[test]
fn what_one_replica_pushes_another_pulls() {
    let mut server = Server::default();
    let mut a = Replica::default();
    let mut b = Replica::default();
    for i in 0..7 {
        a.put(&format!("tag:t{i}"), tag("#e8590c"), false);
    }
    a.put("tag:t3", Map::new(), true);
    assert_eq!(
        run(&mut a, &mut server, Direction::Push, 3, None).unwrap(),
        (7, 7)
    );
    assert_eq!(
        run(&mut b, &mut server, Direction::Pull, 3, None).unwrap(),
        (7, 7)
    );
    for i in 0..7 {
        let id = format!("tag:t{i}");
        assert_eq!(winner(&a, &id), winner(&b, &id));
    }
    assert!(
        b.doc("tag:t3").unwrap().tree.winner().unwrap().1,
        "the deletion arrived as a tombstone"
    );
    // Nothing new: one checkpoint read, no batch.
    server.requests.clear();
    assert_eq!(
        run(&mut a, &mut server, Direction::Push, 3, None).unwrap(),
        (0, 0)
    );
    assert_eq!(server.requests, ["_local/push"]);
}

#[test]
fn offline_edits_on_both_sides_meet_with_nothing_lost() {
    let mut server = Server::default();
    let mut a = Replica::default();
    let mut b = Replica::default();
    a.put("tag:人物", tag("#e8590c"), false);
    run(&mut a, &mut server, Direction::Push, 10, None).unwrap();
    run(&mut b, &mut server, Direction::Pull, 10, None).unwrap();
    // Both offline: each edits the same tag and adds its own.
    a.put("tag:人物", tag("#000000"), false);
    a.put("tag:甲的", tag("#111111"), false);
    b.put("tag:人物", tag("#ffffff"), false);
    b.put("tag:乙的", tag("#222222"), false);
    for r in [&mut a, &mut b] {
        run(r, &mut server, Direction::Push, 10, None).unwrap();
    }
    for r in [&mut a, &mut b] {
        run(r, &mut server, Direction::Pull, 10, None).unwrap();
    }
    for id in ["tag:人物", "tag:甲的", "tag:乙的"] {
        assert!(
            winner(&a, id).is_some() && winner(&a, id) == winner(&b, id),
            "{id}"
        );
    }
    // The conflict is kept on both sides, the same leaves everywhere.
    let leaves = |r: &Replica| {
        r.doc("tag:人物")
            .unwrap()
            .tree
            .leaves()
            .into_iter()
            .map(|(r, _)| r.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(leaves(&a).len(), 2);
    assert_eq!(leaves(&a), leaves(&b));
    assert_eq!(leaves(&a), leaves(&server.db));
}

#[test]
fn a_batch_dropped_mid_way_is_resumed_from_the_checkpoint() {
    let mut server = Server::default();
    let mut a = Replica::default();
    for i in 0..5 {
        a.put(&format!("tag:t{i}"), tag("#e8590c"), false);
    }
    // Requests: _local, then per batch of 2: _revs_diff, _bulk_docs, _local.
    // The answer to the second batch's _bulk_docs (request 6) is lost.
    assert!(run(&mut a, &mut server, Direction::Push, 2, Some(6)).is_err());
    assert_eq!(
        server.db.docs().count(),
        4,
        "the server wrote the second batch"
    );
    server.requests.clear();
    let (read, written) = run(&mut a, &mut server, Direction::Push, 2, None).unwrap();
    // Resumed after the first batch (checkpointed at 2): the second batch
    // is offered again and found present, the last one is sent.
    assert_eq!((read, written), (1, 1));
    assert_eq!(server.db.docs().count(), 5);
    assert_eq!(
        server
            .requests
            .iter()
            .filter(|p| *p == "_revs_diff")
            .count(),
        2
    );
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/couchdb/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn pulls_from_recorded_pouchdb_server_answers() {
    let mut replica = Replica::default();
    let mut r = Replication::new(Direction::Pull, "pullrep", "s", 100);
    let answers = [
        (404, "local_missing.json"),
        (200, "changes_all_docs.json"),
        (200, "bulk_get_changes.json"),
        (201, "local_put.json"),
        (200, "changes_empty.json"),
    ];
    let mut paths = Vec::new();
    let mut answer = None;
    for (status, file) in answers {
        let req = r
            .step(&mut replica, answer.take())
            .unwrap()
            .expect("a request");
        paths.push(req.path.clone());
        answer = Some(Answer {
            status,
            body: fixture(file),
        });
    }
    assert_eq!(r.step(&mut replica, answer).unwrap(), None);
    assert_eq!(
        paths,
        [
            "_local/pullrep",
            "_changes?style=all_docs&since=0&limit=100",
            "_bulk_get?revs=true",
            "_local/pullrep",
            "_changes?style=all_docs&since=4&limit=100",
        ]
    );
    let doc = replica
        .doc("annotation:11111111-1111-4111-8111-111111111111")
        .unwrap();
    // The same winner pouchdb-server reports (get_conflicts.json).
    assert_eq!(doc.tree.winner().unwrap().0.to_string(), "2-cccc");
    assert_eq!(doc.tree.conflicts().len(), 1);
    assert!(replica.doc("tag:人物").unwrap().tree.winner().unwrap().1);
    assert_eq!(r.stats().last_seq, json!(4));
    assert_eq!(
        replica
            .checkpoint("pullrep")
            .map(|c: &Checkpoint| c.source_last_seq.clone()),
        Some(json!(4))
    );
}

#[test]
fn server_refusals_are_named() {
    let mut replica = Replica::default();
    for (status, expected) in [
        (401, SyncError::Unauthorized),
        (403, SyncError::Forbidden),
        (500, SyncError::Server(500, "boom".into())),
    ] {
        let mut r = Replication::new(Direction::Pull, "x", "s", 10);
        r.step(&mut replica, None).unwrap();
        let err = r
            .step(
                &mut replica,
                Some(Answer {
                    status,
                    body: json!({"error": "e", "reason": "boom"}).to_string(),
                }),
            )
            .unwrap_err();
        assert_eq!(err, expected);
    }
    // The database missing: its _changes is a 404 (no_db_file).
    let mut r = Replication::new(Direction::Pull, "x", "s", 10);
    r.step(&mut replica, None).unwrap();
    r.step(
        &mut replica,
        Some(Answer {
            status: 404,
            body: fixture("no_db.json"),
        }),
    )
    .unwrap();
    let err = r
        .step(
            &mut replica,
            Some(Answer {
                status: 404,
                body: fixture("no_db.json"),
            }),
        )
        .unwrap_err();
    assert_eq!(err, SyncError::MissingDatabase);
}

#[test]
fn a_run_that_knows_the_remote_checkpoint_does_not_read_it_again() {
    let mut server = Server::default();
    let mut a = Replica::default();
    let drive = |r: &mut Replication, replica: &mut Replica, server: &mut Server| {
        let mut answer = None;
        while let Some(req) = r.step(replica, answer.take()).unwrap() {
            answer = Some(server.answer(&req));
        }
    };
    a.put("tag:t0", tag("#000000"), false);
    let mut first = Replication::new(Direction::Push, "push", "s1", 10);
    drive(&mut first, &mut a, &mut server);
    let (checkpoint, rev) = first.remote().unwrap();
    a.put("tag:t1", tag("#111111"), false);
    let before = server.requests.len();
    let mut next = Replication::new(Direction::Push, "push", "s2", 10).with_remote(checkpoint, rev);
    drive(&mut next, &mut a, &mut server);
    assert_eq!(
        server.requests[before..],
        ["_revs_diff", "_bulk_docs", "_local/push"],
        "no checkpoint read, and only the new document offered"
    );
    let mut b = Replica::default();
    assert_eq!(
        run(&mut b, &mut server, Direction::Pull, 10, None).unwrap(),
        (2, 2)
    );
}
