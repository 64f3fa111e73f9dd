//! Document texts in IndexedDB (through `rexie`): localStorage holds about
//! 5 MB per site, too little for a library of texts. One object store,
//! `texts`, keyed by the text's SHA-256; each value is the document's JSON
//! (`core::document::Document`), checked again when read.

use rexie::{ObjectStore, Rexie, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

use crate::core::document::Document;

const DATABASE: &str = "mozhu";
/// Version 2 added the sync replica's store (`platform::replica_store`).
const VERSION: u32 = 2;
const TEXTS: &str = "texts";
pub(crate) const REPLICA: &str = "replica";

/// Why IndexedDB could not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentsError {
    /// The quota is used up: nothing was written.
    Full,
    /// IndexedDB is missing or blocked (private mode, settings).
    Unavailable(String),
    /// A stored text could not be read (kept as it is).
    Damaged(String),
    Other(String),
}

impl std::fmt::Display for DocumentsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocumentsError::Full => write!(f, "浏览器存储空间已满，文档没有保存"),
            DocumentsError::Unavailable(e) => write!(f, "浏览器的 IndexedDB 不可用（{e}）"),
            DocumentsError::Damaged(e) => write!(f, "保存的文档无法读取（{e}）"),
            DocumentsError::Other(e) => write!(f, "文档存储出错：{e}"),
        }
    }
}

pub(crate) fn classify(e: rexie::Error) -> DocumentsError {
    let message = match &e {
        rexie::Error::IdbError(inner) => inner.to_string(),
        other => other.to_string(),
    };
    if message.contains("QuotaExceeded") || message.contains("quota") {
        DocumentsError::Full
    } else {
        DocumentsError::Other(message)
    }
}

pub(crate) async fn open() -> Result<Rexie, DocumentsError> {
    Rexie::builder(DATABASE)
        .version(VERSION)
        .add_object_store(ObjectStore::new(TEXTS))
        .add_object_store(ObjectStore::new(REPLICA))
        .build()
        .await
        .map_err(|e| match classify(e) {
            DocumentsError::Other(m) => DocumentsError::Unavailable(m),
            other => other,
        })
}

/// Stores `document` under `sha` (replacing what was there).
pub async fn put(sha: &str, document: &Document) -> Result<(), DocumentsError> {
    let json = serde_json::to_string(document).map_err(|e| DocumentsError::Other(e.to_string()))?;
    let db = open().await?;
    let tx = db
        .transaction(&[TEXTS], TransactionMode::ReadWrite)
        .map_err(classify)?;
    let store = tx.store(TEXTS).map_err(classify)?;
    store
        .put(&JsValue::from_str(&json), Some(&JsValue::from_str(sha)))
        .await
        .map_err(classify)?;
    let result = tx.done().await.map_err(classify);
    db.close();
    match result? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(DocumentsError::Other("写入被中止".into())),
    }
}

/// The document stored under `sha`, if any.
pub async fn get(sha: &str) -> Result<Option<Document>, DocumentsError> {
    let db = open().await?;
    let tx = db
        .transaction(&[TEXTS], TransactionMode::ReadOnly)
        .map_err(classify)?;
    let store = tx.store(TEXTS).map_err(classify)?;
    let value = store.get(JsValue::from_str(sha)).await.map_err(classify);
    db.close();
    let Some(value) = value? else {
        return Ok(None);
    };
    let json = value
        .as_string()
        .ok_or_else(|| DocumentsError::Damaged("不是文字".into()))?;
    let document: Document =
        serde_json::from_str(&json).map_err(|e| DocumentsError::Damaged(e.to_string()))?;
    document.check().map_err(DocumentsError::Damaged)?;
    if document.article().sha256() != sha {
        return Err(DocumentsError::Damaged("正文与它的 SHA-256 不符".into()));
    }
    Ok(Some(document))
}

/// Removes the text stored under `sha`.
pub async fn delete(sha: &str) -> Result<(), DocumentsError> {
    let db = open().await?;
    let tx = db
        .transaction(&[TEXTS], TransactionMode::ReadWrite)
        .map_err(classify)?;
    let store = tx.store(TEXTS).map_err(classify)?;
    store
        .delete(JsValue::from_str(sha))
        .await
        .map_err(classify)?;
    let result = tx.done().await.map_err(classify);
    db.close();
    result.map(|_| ())
}

/// Asks the browser to keep this site's data under storage pressure
/// (`navigator.storage.persist()`); whether it agreed.
pub async fn ask_persistent() -> bool {
    let Some(storage) = manager() else {
        return false;
    };
    match storage.persist() {
        Ok(p) => wasm_bindgen_futures::JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// Bytes used and available to this site (`navigator.storage.estimate()`).
pub async fn estimate() -> Option<(f64, f64)> {
    let p = manager()?.estimate().ok()?;
    let v = wasm_bindgen_futures::JsFuture::from(p).await.ok()?;
    let get = |k: &str| js_sys::Reflect::get(&v, &k.into()).ok()?.as_f64();
    Some((get("usage")?, get("quota")?))
}

fn manager() -> Option<web_sys::StorageManager> {
    Some(web_sys::window()?.navigator().storage())
}
