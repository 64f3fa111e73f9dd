//! The replication logic against a real CouchDB-compatible server:
//! pouchdb-server from npm (installed by `scripts/setup` in tests/e2e), in
//! memory on 127.0.0.1, started and stopped here. Push, pull, a conflict
//! resolved alike by two replicas, and resuming from the checkpoints.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use annotator::core::sync::replica::Replica;
use annotator::core::sync::replicate::{
    Answer, Direction, Method, Replication, Request, SyncError,
};
use annotator::core::sync::schema;
use serde_json::{json, Map, Value};

struct Peer {
    child: Child,
    url: String,
    agent: ureq::Agent,
    _dir: TempDir,
}

/// A directory for pouchdb-server's config and log, removed afterwards.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Peer {
    fn start() -> Peer {
        let root = env!("CARGO_MANIFEST_DIR");
        let bin = PathBuf::from(root).join("tests/e2e/node_modules/.bin/pouchdb-server");
        assert!(
            bin.exists(),
            "{} is missing: run scripts/setup (it installs tests/e2e's npm packages)",
            bin.display()
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("annotator-couch-{port}"));
        std::fs::create_dir_all(&dir).unwrap();
        let child = Command::new(bin)
            .args([
                "--in-memory",
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
            ])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start pouchdb-server");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        // Made at once: dropping it (a panic below) stops the server.
        let peer = Peer {
            child,
            url: format!("http://127.0.0.1:{port}"),
            agent,
            _dir: TempDir(dir),
        };
        for _ in 0..200 {
            if peer.agent.get(&peer.url).call().is_ok() {
                return peer;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("pouchdb-server did not answer on {}", peer.url);
    }

    fn http(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let url = format!("{}/{path}", self.url);
        let mut resp = match (method, body) {
            (Method::Get, _) => self.agent.get(&url).call(),
            (Method::Post, Some(b)) => self
                .agent
                .post(&url)
                .header("content-type", "application/json")
                .send(b.to_string()),
            (Method::Put, Some(b)) => self
                .agent
                .put(&url)
                .header("content-type", "application/json")
                .send(b.to_string()),
            (Method::Put, None) => self.agent.put(&url).send_empty(),
            (Method::Post, None) => self.agent.post(&url).send_empty(),
        }
        .expect("pouchdb-server answers");
        Answer {
            status: resp.status().as_u16(),
            body: resp.body_mut().read_to_string().unwrap(),
        }
    }

    /// Runs one replication with database `db` to the end; the number of
    /// requests of each kind it sent.
    fn replicate(
        &self,
        db: &str,
        replica: &mut Replica,
        direction: Direction,
        name: &str,
    ) -> Result<Vec<String>, SyncError> {
        let mut r = Replication::new(
            direction,
            name,
            &format!("{name}-{}", replica.update_seq()),
            2,
        );
        let mut answer = None;
        let mut sent = Vec::new();
        while let Some(Request { method, path, body }) = r.step(replica, answer.take())? {
            sent.push(path.split('?').next().unwrap().to_string());
            answer = Some(self.http(method, &format!("{db}/{path}"), body.as_ref()));
        }
        Ok(sent)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn body(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn annotation(id: &str, tag: &str, modified: &str, creator: &str) -> (String, Map<String, Value>) {
    let a: annotator::core::annotation::Annotation = serde_json::from_value(json!({
        "id": id, "created": "2026-11-30T08:00:00.000Z", "modified": modified, "tags": [tag],
        "target": {"type": "passage", "start": 0, "end": 2, "quote": {"exact": "张三", "prefix": "", "suffix": ""}}
    }))
    .unwrap();
    schema::annotation_doc(&a, "0".repeat(64).as_str(), creator)
}

#[test]
fn replicas_sync_through_pouchdb_server_and_resolve_conflicts_alike() {
    let peer = Peer::start();
    assert_eq!(peer.http(Method::Put, "proj", None).status, 201);

    // A pushes four documents and a deletion; B pulls them.
    let mut a = Replica::default();
    let mut b = Replica::default();
    let id = "11111111-1111-4111-8111-111111111111";
    let (doc_id, doc) = annotation(id, "人物", "2026-11-30T08:00:00.000Z", "甲");
    a.put(&doc_id, doc, false);
    for name in ["地点", "机构", "事件"] {
        a.put(
            &format!("tag:{name}"),
            body(json!({"name": name, "color": "#1c7ed6"})),
            false,
        );
    }
    a.put("tag:事件", Map::new(), true);
    peer.replicate("proj", &mut a, Direction::Push, "a-push")
        .unwrap();
    peer.replicate("proj", &mut b, Direction::Pull, "b-pull")
        .unwrap();
    let winner = |r: &Replica, id: &str| {
        r.doc(id)
            .and_then(|d| d.tree.winner().map(|(r, del)| (r.clone(), del)))
    };
    for id in [doc_id.as_str(), "tag:地点", "tag:机构", "tag:事件"] {
        assert_eq!(winner(&a, id), winner(&b, id), "{id}");
    }
    assert!(winner(&b, "tag:事件").unwrap().1, "the deletion arrived");

    // Both edit the annotation offline; B's edit is the newer.
    let (_, older) = annotation(id, "旧", "2026-11-30T09:00:00.000Z", "甲");
    let (_, newer) = annotation(id, "新", "2026-11-30T10:00:00.000Z", "乙");
    a.put(&doc_id, older, false);
    b.put(&doc_id, newer, false);
    for (r, name) in [(&mut a, "a"), (&mut b, "b")] {
        peer.replicate("proj", r, Direction::Push, &format!("{name}-push"))
            .unwrap();
    }
    let conflicts: Value = serde_json::from_str(
        &peer
            .http(Method::Get, &format!("proj/{doc_id}?conflicts=true"), None)
            .body,
    )
    .unwrap();
    assert_eq!(
        conflicts["_conflicts"].as_array().map(Vec::len),
        Some(1),
        "{conflicts}"
    );
    // Each pulls the other's edit and resolves the conflict by itself.
    for (r, name) in [(&mut a, "a"), (&mut b, "b")] {
        peer.replicate("proj", r, Direction::Pull, &format!("{name}-pull"))
            .unwrap();
        assert!(r.resolve(&doc_id, schema::resolve));
    }
    assert_eq!(
        winner(&a, &doc_id),
        winner(&b, &doc_id),
        "both resolved alike"
    );
    for (r, name) in [(&mut a, "a"), (&mut b, "b")] {
        peer.replicate("proj", r, Direction::Push, &format!("{name}-push"))
            .unwrap();
    }
    // The server holds one version, the newer edit, and no conflict.
    let doc: Value = serde_json::from_str(
        &peer
            .http(Method::Get, &format!("proj/{doc_id}?conflicts=true"), None)
            .body,
    )
    .unwrap();
    assert_eq!(doc["tags"], json!(["新"]), "{doc}");
    assert!(doc.get("_conflicts").is_none(), "{doc}");
    assert_eq!(
        doc["_rev"].as_str().unwrap(),
        winner(&a, &doc_id).unwrap().0.to_string()
    );

    // Resuming: nothing new is one checkpoint read; one new document is one batch.
    assert_eq!(
        peer.replicate("proj", &mut a, Direction::Push, "a-push")
            .unwrap(),
        ["_local/a-push"]
    );
    a.put(
        "tag:新的",
        body(json!({"name": "新的", "color": "#2f9e44"})),
        false,
    );
    let sent = peer
        .replicate("proj", &mut a, Direction::Push, "a-push")
        .unwrap();
    assert_eq!(
        sent,
        ["_local/a-push", "_revs_diff", "_bulk_docs", "_local/a-push"]
    );
}

#[test]
fn a_missing_database_is_named() {
    let peer = Peer::start();
    let mut r = Replica::default();
    let err = peer
        .replicate("nothing", &mut r, Direction::Pull, "x")
        .unwrap_err();
    assert_eq!(err, SyncError::MissingDatabase);
}
