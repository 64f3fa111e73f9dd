//! One replication, one way, as CouchDB's replicator runs it, without I/O:
//! it says which request to send next and takes the answer, so the same
//! steps run against a real server in the browser and against recorded or
//! simulated answers in the tests.
//!
//! Push (this replica → the database): read the checkpoints, then per
//! batch of local changes `_revs_diff`, `_bulk_docs` (`new_edits: false`)
//! and a checkpoint on both sides. Pull: `_changes` (`style=all_docs`),
//! `_bulk_get?revs=true` for what is missing here, and the checkpoints. A
//! batch whose answer never came is sent again from the last checkpoint:
//! nothing is skipped and nothing is lost.

use serde_json::{json, Value};

use super::protocol::{self, Change, Checkpoint};
use super::replica::Replica;
use super::rev::Rev;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

/// A request to the database, its path relative to the database's URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub body: Option<Value>,
}

/// The database's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Why a replication stopped, in terms the sync panel explains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncError {
    /// 401: the session is not (or no longer) valid.
    Unauthorized,
    /// 403: the user may not read or write this database.
    Forbidden,
    /// 404 on the database itself.
    MissingDatabase,
    /// Another status, with the server's reason.
    Server(u16, String),
    /// An answer that does not follow the protocol.
    Protocol(String),
}

impl std::fmt::Display for SyncError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SyncError::Unauthorized => write!(f, "用户名或密码不对（或登录已过期）"),
            SyncError::Forbidden => write!(f, "这个用户没有读写该数据库的权限"),
            SyncError::MissingDatabase => write!(f, "数据库不存在"),
            SyncError::Server(status, reason) => write!(f, "服务器出错（{status}）：{reason}"),
            SyncError::Protocol(what) => write!(f, "{what}"),
        }
    }
}

/// The error an answer stands for, if it is not a success.
fn check(answer: &Answer) -> Result<(), SyncError> {
    let reason = || {
        serde_json::from_str::<Value>(&answer.body)
            .ok()
            .and_then(|v| v["reason"].as_str().map(str::to_string))
            .unwrap_or_default()
    };
    match answer.status {
        200..=299 => Ok(()),
        401 => Err(SyncError::Unauthorized),
        403 => Err(SyncError::Forbidden),
        404 => Err(SyncError::MissingDatabase),
        s => Err(SyncError::Server(s, reason())),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Push,
    Pull,
}

/// What a replication did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub docs_read: usize,
    pub docs_written: usize,
    /// The source's sequence reached (checkpointed).
    pub last_seq: Value,
}

#[derive(Clone, Debug, PartialEq)]
enum State {
    Start,
    /// The remote checkpoint is known from the previous run.
    Known,
    RemoteCheckpoint,
    /// Pull: waiting for `_changes`.
    Changes,
    /// Push: waiting for `_revs_diff` of a batch up to `upto`.
    RevsDiff {
        upto: Value,
    },
    /// Pull: waiting for `_bulk_get` of a batch up to `upto`.
    BulkGet {
        upto: Value,
    },
    /// Push: waiting for `_bulk_docs`.
    BulkDocs {
        upto: Value,
        count: usize,
    },
    /// Waiting for the remote checkpoint's write.
    CheckpointWrite {
        checkpoint: Checkpoint,
    },
    Done,
}

pub struct Replication {
    direction: Direction,
    id: String,
    session: String,
    batch: usize,
    state: State,
    since: Value,
    /// The remote `_local` document's revision, to replace it.
    remote_rev: Option<String>,
    remote_checkpoint: Option<Checkpoint>,
    stats: Stats,
}

/// A sequence as a URL parameter (CouchDB's are opaque strings).
fn seq_param(seq: &Value) -> String {
    let raw = match seq {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Replication {
    /// A replication `direction` with id `id` (see
    /// `protocol::replication_id`), `session` a fresh id for this run, in
    /// batches of `batch` documents.
    pub fn new(direction: Direction, id: &str, session: &str, batch: usize) -> Self {
        Replication {
            direction,
            id: id.to_string(),
            session: session.to_string(),
            batch: batch.max(1),
            state: State::Start,
            since: json!(0),
            remote_rev: None,
            remote_checkpoint: None,
            stats: Stats::default(),
        }
    }

    /// Starts from the remote checkpoint (and its `_local` revision) a
    /// previous run of this replication left, instead of reading it again:
    /// one request less per round while nothing else writes it. A stale
    /// one makes the checkpoint write fail (409), and the next run reads it.
    pub fn with_remote(mut self, checkpoint: Checkpoint, rev: Option<String>) -> Self {
        self.remote_checkpoint = Some(checkpoint);
        self.remote_rev = rev;
        self.state = State::Known;
        self
    }

    /// The remote checkpoint as this run left it, with its revision.
    pub fn remote(&self) -> Option<(Checkpoint, Option<String>)> {
        Some((self.remote_checkpoint.clone()?, self.remote_rev.clone()))
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    fn local_path(&self) -> String {
        format!("_local/{}", self.id)
    }

    /// The next request, given the answer to the last one (`None` at the
    /// start); `Ok(None)` once caught up. After an error, start a new
    /// `Replication`: it resumes from the checkpoints.
    pub fn step(
        &mut self,
        replica: &mut Replica,
        answer: Option<Answer>,
    ) -> Result<Option<Request>, SyncError> {
        let state = std::mem::replace(&mut self.state, State::Done);
        let answer = answer.ok_or_else(|| SyncError::Protocol("缺少服务器的回答".into()));
        match state {
            State::Start => {
                self.state = State::RemoteCheckpoint;
                Ok(Some(self.get(&self.local_path())))
            }
            State::RemoteCheckpoint => {
                let answer = answer?;
                // A missing checkpoint is a 404 of the `_local` document.
                if answer.status != 404 {
                    check(&answer)?;
                    self.remote_checkpoint = Checkpoint::parse(&answer.body);
                    self.remote_rev = serde_json::from_str::<Value>(&answer.body)
                        .ok()
                        .and_then(|v| v["_rev"].as_str().map(str::to_string));
                }
                self.resume(replica)
            }
            State::Known => self.resume(replica),
            State::Changes => {
                let answer = answer?;
                check(&answer)?;
                let changes = protocol::parse_changes(&answer.body).map_err(SyncError::Protocol)?;
                if changes.results.is_empty() {
                    self.stats.last_seq = self.since.clone();
                    return Ok(None);
                }
                let wanted: Vec<(String, Rev)> = changes
                    .results
                    .iter()
                    .flat_map(|c| {
                        replica
                            .missing(&c.id, &c.revs)
                            .into_iter()
                            .map(move |r| (c.id.clone(), r))
                    })
                    .collect();
                let upto = changes.last_seq;
                if wanted.is_empty() {
                    return Ok(Some(self.write_checkpoint(upto)));
                }
                self.state = State::BulkGet { upto };
                let body =
                    protocol::bulk_get_request(wanted.iter().map(|(id, r)| (id.as_str(), r)));
                Ok(Some(self.post("_bulk_get?revs=true", body)))
            }
            State::BulkGet { upto } => {
                let answer = answer?;
                check(&answer)?;
                let (docs, failed) =
                    protocol::parse_bulk_get(&answer.body).map_err(SyncError::Protocol)?;
                if !failed.is_empty() {
                    // Not checkpointed past them: the next run asks again.
                    return Err(SyncError::Protocol(format!(
                        "服务器没有给出 {} 个文档的修订（{}），下次同步会重试",
                        failed.len(),
                        failed.join("、")
                    )));
                }
                for d in &docs {
                    if replica.receive(d) {
                        self.stats.docs_written += 1;
                    }
                }
                self.stats.docs_read += docs.len();
                Ok(Some(self.write_checkpoint(upto)))
            }
            State::RevsDiff { upto } => {
                let answer = answer?;
                check(&answer)?;
                let missing =
                    protocol::parse_revs_diff(&answer.body).map_err(SyncError::Protocol)?;
                let docs: Vec<_> = missing
                    .iter()
                    .flat_map(|(id, revs)| revs.iter().filter_map(|r| replica.fetch(id, r)))
                    .collect();
                if docs.is_empty() {
                    return Ok(Some(self.write_checkpoint(upto)));
                }
                self.stats.docs_read += docs.len();
                self.state = State::BulkDocs {
                    upto,
                    count: docs.len(),
                };
                Ok(Some(
                    self.post("_bulk_docs", protocol::bulk_docs_request(&docs)),
                ))
            }
            State::BulkDocs { upto, count } => {
                let answer = answer?;
                check(&answer)?;
                // With new_edits=false a success is `[]`; rows carry errors.
                let rows: Vec<Value> = serde_json::from_str(&answer.body).unwrap_or_default();
                let refused: Vec<String> = rows
                    .iter()
                    .filter(|r| r.get("error").is_some())
                    .map(|r| {
                        format!(
                            "{}：{}",
                            r["id"].as_str().unwrap_or_default(),
                            r["reason"].as_str().unwrap_or_default()
                        )
                    })
                    .collect();
                if !refused.is_empty() {
                    return Err(SyncError::Protocol(format!(
                        "服务器拒绝写入：{}",
                        refused.join("；")
                    )));
                }
                self.stats.docs_written += count;
                Ok(Some(self.write_checkpoint(upto)))
            }
            State::CheckpointWrite { checkpoint } => {
                let answer = answer?;
                // A source that may not be written keeps no checkpoint; the
                // local one still records the progress.
                if answer.status != 401 && answer.status != 403 {
                    check(&answer)?;
                    self.remote_rev = serde_json::from_str::<Value>(&answer.body)
                        .ok()
                        .and_then(|v| v["rev"].as_str().map(str::to_string));
                }
                self.since = checkpoint.source_last_seq.clone();
                self.stats.last_seq = self.since.clone();
                self.remote_checkpoint = Some(checkpoint.clone());
                replica.set_checkpoint(&self.id, checkpoint);
                self.next_batch(replica)
            }
            State::Done => Ok(None),
        }
    }

    /// Where both checkpoints agree, then the first batch from there.
    fn resume(&mut self, replica: &mut Replica) -> Result<Option<Request>, SyncError> {
        let here = replica.checkpoint(&self.id);
        self.since = match self.direction {
            Direction::Push => protocol::resume_from(here, self.remote_checkpoint.as_ref()),
            Direction::Pull => protocol::resume_from(self.remote_checkpoint.as_ref(), here),
        };
        self.next_batch(replica)
    }

    fn next_batch(&mut self, replica: &mut Replica) -> Result<Option<Request>, SyncError> {
        match self.direction {
            Direction::Pull => {
                self.state = State::Changes;
                Ok(Some(self.get(&format!(
                    "_changes?style=all_docs&since={}&limit={}",
                    seq_param(&self.since),
                    self.batch
                ))))
            }
            Direction::Push => {
                let since = self.since.as_u64().unwrap_or(0);
                let changes: Vec<Change> = replica.changes_since(since, self.batch);
                let Some(upto) = changes.last().map(|c| c.seq.clone()) else {
                    self.state = State::Done;
                    self.stats.last_seq = self.since.clone();
                    return Ok(None);
                };
                self.state = State::RevsDiff { upto };
                let body = protocol::revs_diff_request(
                    changes.iter().map(|c| (c.id.as_str(), c.revs.as_slice())),
                );
                Ok(Some(self.post("_revs_diff", body)))
            }
        }
    }

    fn write_checkpoint(&mut self, upto: Value) -> Request {
        let checkpoint = Checkpoint::advance(self.remote_checkpoint.as_ref(), &self.session, upto);
        let body = checkpoint.to_doc(self.remote_rev.as_deref());
        self.state = State::CheckpointWrite { checkpoint };
        Request {
            method: Method::Put,
            path: self.local_path(),
            body: Some(body),
        }
    }

    fn get(&self, path: &str) -> Request {
        Request {
            method: Method::Get,
            path: path.to_string(),
            body: None,
        }
    }

    fn post(&self, path: &str, body: Value) -> Request {
        Request {
            method: Method::Post,
            path: path.to_string(),
            body: Some(body),
        }
    }
}
