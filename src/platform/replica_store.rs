//! The sync replica in IndexedDB, one record per database document (so a
//! change stores only what changed), under keys `<database key>\u{1}<id>`;
//! the replica's own record (sequence, checkpoints) has the empty id.

use rexie::{KeyRange, TransactionMode};
use wasm_bindgen::JsValue;

use super::documents::{classify, open, DocumentsError, REPLICA};
use crate::core::sync::replica::Replica;

const SEPARATOR: char = '\u{1}';

fn key(database: &str, id: &str) -> JsValue {
    JsValue::from_str(&format!("{database}{SEPARATOR}{id}"))
}

/// The replica of `database` (a server URL and database name), empty when
/// none is stored, with the ids of documents that could not be read.
pub async fn load(database: &str) -> Result<(Replica, Vec<String>), DocumentsError> {
    let db = open().await?;
    let tx = db
        .transaction(&[REPLICA], TransactionMode::ReadOnly)
        .map_err(classify)?;
    let store = tx.store(REPLICA).map_err(classify)?;
    let range = KeyRange::bound(
        &key(database, ""),
        &JsValue::from_str(&format!("{database}\u{2}")),
        Some(false),
        Some(true),
    )
    .map_err(|e| DocumentsError::Other(e.to_string()))?;
    let rows = store.scan(Some(range), None, None, None).await;
    db.close();
    let prefix = format!("{database}{SEPARATOR}");
    let mut meta = None;
    let mut docs = Vec::new();
    for (k, v) in rows.map_err(classify)? {
        let (Some(k), Some(v)) = (k.as_string(), v.as_string()) else {
            continue;
        };
        match k.strip_prefix(&prefix) {
            Some("") => meta = Some(v),
            Some(id) => docs.push((id.to_string(), v)),
            None => {}
        }
    }
    Ok(Replica::restore(meta.as_deref(), docs))
}

/// Stores what changed in the replica of `database` since the last save.
pub async fn save(
    database: &str,
    docs: Vec<(String, String)>,
    meta: String,
) -> Result<(), DocumentsError> {
    let db = open().await?;
    let tx = db
        .transaction(&[REPLICA], TransactionMode::ReadWrite)
        .map_err(classify)?;
    let store = tx.store(REPLICA).map_err(classify)?;
    let rows = docs
        .into_iter()
        .map(|(id, json)| (JsValue::from_str(&json), Some(key(database, &id))))
        .chain(std::iter::once((
            JsValue::from_str(&meta),
            Some(key(database, "")),
        )));
    let written = store.put_all(rows).await.map_err(classify);
    let done = tx.done().await.map_err(classify);
    db.close();
    written?;
    done.map(|_| ())
}
