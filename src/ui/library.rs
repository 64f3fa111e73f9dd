//! The library as the person uses it: glue between `core::library` (entries,
//! backup format), localStorage (entries, annotations, tags) and IndexedDB
//! (texts, `platform::documents`).

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;

use crate::core::annotation::Annotation;
use crate::core::article::Article;
use crate::core::document::{Document, Opened};
use crate::core::exchange::{combine, ImportMode, Reanchoring};
use crate::core::library::{self, Backup, BackupDocument, Entry};
use crate::core::persist::{self, Write};
use crate::core::segment::UserDict;
use crate::core::store::Annotations;
use crate::platform::documents::{self, DocumentsError};
use crate::platform::{clock, files, storage};
use crate::ui::hooks::annotation_storage::keep_aside;
use crate::ui::state::{Action, AppState};
use crate::ui::SEED_ARTICLE;
use yew::UseReducerDispatcher;

/// The seed shipped with the app: what a first visit opens.
pub fn seed() -> Document {
    Document::plain(SEED_ARTICLE)
}

thread_local! {
    /// The seed parsed and hashed once: both are on the start-up path.
    static SEED_ARTICLE_PARSED: Rc<Article> = Rc::new(seed().article());
    static SEED_SHA: String = SEED_ARTICLE_PARSED.with(|a| a.sha256());
    /// A message for the document about to open (what replacing its text
    /// did), shown once it is open.
    static HANDOVER: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub fn seed_sha() -> String {
    SEED_SHA.with(String::clone)
}

pub fn seed_article() -> Rc<Article> {
    SEED_ARTICLE_PARSED.with(Rc::clone)
}

pub fn leave_message(message: String) {
    HANDOVER.with(|h| *h.borrow_mut() = Some(message));
}

pub fn take_message() -> Option<String> {
    HANDOVER.with(|h| h.borrow_mut().take())
}

/// The document the URL names (`#/doc/<sha256>`).
pub fn route() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let sha = hash.strip_prefix("#/doc/")?;
    library::is_sha256(sha).then(|| sha.to_string())
}

/// Opens document `sha`: the URL changes, and back/forward and bookmarks work.
pub fn navigate(sha: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_hash(&format!("/doc/{sha}"));
    }
}

/// Opens document `sha` (closing the new-document dialog) with `message`
/// shown there: at once when it is the open one, else once it has opened.
pub fn open_with_message(
    sha: &str,
    message: Option<String>,
    dispatch: &UseReducerDispatcher<AppState>,
) {
    dispatch.dispatch(Action::NewDocument(None));
    if route().as_deref() == Some(sha) {
        if let Some(m) = message {
            dispatch.dispatch(Action::Notify(m));
        }
    } else {
        if let Some(m) = message {
            leave_message(m);
        }
        navigate(sha);
    }
}

/// How many values are stored under document `sha` (annotations, settings).
pub fn stored_values(sha: &str) -> usize {
    storage::entries_with_prefix(&persist::prefix(sha)).map_or(0, |e| e.len())
}

/// Downloads everything stored under document `sha`, exactly as stored
/// (for a document whose text cannot be read).
pub fn download_stored_values(sha: &str) -> Result<(), String> {
    let entries = storage::entries_with_prefix(&persist::prefix(sha)).map_err(|e| e.to_string())?;
    let map: serde_json::Map<String, serde_json::Value> = entries
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    files::download(
        &format!("墨注-{}-原样.json", &sha[..12.min(sha.len())]),
        "application/json",
        &serde_json::Value::Object(map).to_string(),
    )
}

/// Every entry; damaged ones are kept aside and named in the warnings.
pub fn load_entries() -> (Vec<Entry>, Vec<String>) {
    let mut warnings = Vec::new();
    let stored = match storage::entries_with_prefix(&format!("{}doc.", library::library_prefix())) {
        Ok(e) => e,
        Err(e) => return (Vec::new(), vec![format!("{e}：文库列表无法读取。")]),
    };
    let mut entries = Vec::new();
    for (key, raw) in stored {
        match Entry::decode(&key, &raw) {
            Ok(e) => entries.push(e),
            Err(problem) => warnings.push(match keep_aside("library", &key, &raw) {
                Ok(backup) => {
                    format!("文库中的一项无法读取（{problem}），原数据已另存为 {backup}。")
                }
                Err(e) => {
                    format!("文库中的一项无法读取（{problem}），也无法另存（{e}），保留原处。")
                }
            }),
        }
    }
    (entries, warnings)
}

pub fn save_entry(e: &Entry) -> Result<(), String> {
    storage::set(&library::entry_key(&e.sha256), &e.encode()).map_err(|e| e.to_string())
}

fn stored_entry(sha: &str) -> Option<Entry> {
    let key = library::entry_key(sha);
    let raw = storage::get(&key).ok().flatten()?;
    Entry::decode(&key, &raw).ok()
}

/// Notes that `article` was opened now (adding it to the library if new,
/// as the seed is on a first visit).
pub fn touch_opened(article: &Article) {
    let sha = article.sha256();
    let now = clock::now_rfc3339();
    let entry = match stored_entry(&sha) {
        Some(mut e) => {
            e.opened = now;
            e
        }
        None => Entry::new(
            sha,
            library::title_for(article.title(), "", &article.source),
            article.char_len(),
            &now,
        ),
    };
    if let Err(e) = save_entry(&entry) {
        gloo::console::warn!(format!("library entry not saved: {e}"));
    }
}

/// The document stored under `sha` (the seed needs no storage).
pub async fn load_document(sha: &str) -> Result<Option<Document>, DocumentsError> {
    if sha == seed_sha() {
        return Ok(Some(seed()));
    }
    documents::get(sha).await
}

/// Adds an opened file or paste to the library; returns its sha and whether
/// it was there already (the same text is one document).
pub async fn add(opened: &Opened) -> Result<(String, bool), String> {
    let article = opened.document.article();
    let sha = article.sha256();
    let existing = stored_entry(&sha);
    if sha != seed_sha() && documents::get(&sha).await.ok().flatten().is_none() {
        documents::put(&sha, &opened.document)
            .await
            .map_err(|e| e.to_string())?;
    }
    let known = existing.is_some();
    let mut entry = existing.unwrap_or_else(|| {
        Entry::new(
            sha.clone(),
            library::title_for(article.title(), &opened.title_hint, &article.source),
            article.char_len(),
            &clock::now_rfc3339(),
        )
    });
    // Adding a deleted text again brings it back from the trash.
    entry.trashed = None;
    save_entry(&entry).map_err(|e| format!("文档已保存，但文库列表没有更新：{e}"))?;
    Ok((sha, known))
}

pub fn rename(entry: &Entry, title: &str) -> Result<(), String> {
    let mut e = entry.clone();
    e.title = library::check_title(title)?;
    save_entry(&e)
}

pub fn set_trashed(entry: &Entry, trashed: bool) -> Result<(), String> {
    let mut e = entry.clone();
    e.trashed = trashed.then(clock::now_rfc3339);
    save_entry(&e)
}

/// Deletes the trashed documents for good: texts, annotations, settings.
/// Returns how many were deleted.
pub async fn empty_trash(entries: &[Entry]) -> Result<usize, String> {
    let mut n = 0;
    for e in entries.iter().filter(|e| e.trashed.is_some()) {
        if e.sha256 != seed_sha() {
            documents::delete(&e.sha256)
                .await
                .map_err(|e| e.to_string())?;
        }
        let keys =
            storage::entries_with_prefix(&persist::prefix(&e.sha256)).map_err(|e| e.to_string())?;
        for (key, _) in keys {
            storage::remove(&key).map_err(|e| e.to_string())?;
        }
        storage::remove(&library::entry_key(&e.sha256)).map_err(|e| e.to_string())?;
        n += 1;
    }
    Ok(n)
}

/// Renames (or, with `to: None`, takes off) tag `from` on every other
/// document's stored annotations; returns how many changed. (The open
/// document's own change is an undoable command; these are not.)
pub fn retag_elsewhere(doc: &str, from: &str, to: Option<&str>) -> Result<usize, String> {
    let now = clock::now_rfc3339();
    let stored = storage::entries_with_prefix(&format!("mozhu.v{}.", persist::STORAGE_VERSION))
        .map_err(|e| e.to_string())?;
    let mut changed = 0;
    for (key, raw) in stored {
        if !library::is_other_documents_annotation(&key, doc) {
            continue;
        }
        if let Some(next) = library::retag_stored(&raw, from, to, &now) {
            storage::set(&key, &next).map_err(|e| e.to_string())?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// A document's stored annotations and their unknown fields.
fn stored_annotations(sha: &str, length: usize) -> Result<persist::Loaded, String> {
    let entries = storage::entries_with_prefix(&persist::prefix(sha)).map_err(|e| e.to_string())?;
    Ok(persist::load(sha, length, entries))
}

fn library_tags() -> Vec<crate::core::annotation::Tag> {
    let entries = storage::entries_with_prefix(&persist::tag_prefix()).unwrap_or_default();
    persist::load("", 0, entries).data.tags
}

fn library_user_dict() -> UserDict {
    storage::get(&persist::library_setting_key("userdict"))
        .ok()
        .flatten()
        .and_then(|raw| persist::decode_setting::<UserDict>(&raw).ok())
        .map(|(d, _)| d)
        .unwrap_or_default()
}

/// Everything in one backup: every document (the trash too), its text and
/// annotations, the tags and the user dictionary.
pub async fn backup() -> Result<Backup, String> {
    let (entries, _) = load_entries();
    let mut documents = Vec::new();
    for entry in entries {
        let document = match load_document(&entry.sha256).await {
            Ok(Some(d)) => d,
            Ok(None) => return Err(format!("「{}」的正文不在浏览器里，无法备份", entry.title)),
            Err(e) => return Err(format!("「{}」：{e}", entry.title)),
        };
        let length = crate::core::text::char_len(&document.text);
        let loaded = stored_annotations(&entry.sha256, length)?;
        documents.push(BackupDocument {
            entry,
            document,
            annotations: unshared(loaded.data.annotations),
            orphans: unshared(loaded.data.orphans),
        });
    }
    Ok(Backup {
        exported: clock::now_rfc3339(),
        tags: library_tags(),
        user_dict: library_user_dict(),
        documents,
    })
}

pub async fn download_backup() -> Result<(), String> {
    let b = backup().await?;
    let date: String = b.exported.chars().take(10).collect();
    files::download(
        &format!("墨注文库-{date}.json"),
        "application/json",
        &library::encode_backup(&b),
    )
}

/// What restoring a backup did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Restored {
    pub documents: usize,
    pub annotations: usize,
    pub trashed: usize,
}

fn apply_writes(writes: Vec<Write>) -> Result<(), String> {
    for w in writes {
        match w {
            Write::Annotation { key, value, .. } => match value {
                Some(v) => storage::set(&key, &v.1),
                None => storage::remove(&key),
            },
            Write::Tags { writes, .. } => {
                writes.into_iter().try_for_each(|(key, value)| match value {
                    Some(v) => storage::set(&key, &v),
                    None => storage::remove(&key),
                })
            }
        }
        .map_err(|e| format!("{e}：恢复没有完成，已写入的部分保留，可再次导入（合并）补全。"))?;
    }
    Ok(())
}

/// Restores a checked backup. Merge keeps everything here and adds what the
/// backup has (the newer version of an annotation wins); replace makes each
/// document's annotations the backup's, and moves documents the backup does
/// not have to the trash (restorable), so nothing is lost by one click.
pub async fn restore(backup: Backup, mode: ImportMode) -> Result<Restored, String> {
    let mut done = Restored::default();
    let (existing, _) = load_entries();
    for d in &backup.documents {
        let sha = &d.entry.sha256;
        if *sha != seed_sha() {
            documents::put(sha, &d.document)
                .await
                .map_err(|e| e.to_string())?;
        }
        let entry = match (existing.iter().find(|e| e.sha256 == *sha), mode) {
            (Some(here), ImportMode::Merge) => here.clone(),
            _ => d.entry.clone(),
        };
        save_entry(&entry)?;
        let length = crate::core::text::char_len(&d.document.text);
        let current = stored_annotations(sha, length)?;
        let next = combine(
            &Annotations {
                tags: Vec::new(),
                ..current.data.clone()
            },
            &[],
            d.annotations.clone(),
            d.orphans.clone(),
            mode,
        );
        let stored = Annotations {
            tags: Vec::new(),
            ..current.data
        };
        let next = Annotations {
            tags: Vec::new(),
            ..next
        };
        apply_writes(persist::plan(
            sha,
            &stored,
            &next,
            &current.extras,
            usize::MAX,
        ))?;
        done.documents += 1;
        done.annotations += d.annotations.len() + d.orphans.len();
        // Yield between documents: a large library stays responsive.
        TimeoutFuture::new(0).await;
    }
    if mode == ImportMode::Replace {
        for e in existing.iter().filter(|e| e.trashed.is_none()) {
            if !backup.documents.iter().any(|d| d.entry.sha256 == e.sha256) {
                set_trashed(e, true)?;
                done.trashed += 1;
            }
        }
    }
    // Tags: the backup's colours (replace) or only names new here (merge).
    let here = Annotations {
        tags: library_tags(),
        ..Annotations::default()
    };
    let tags = combine(
        &here,
        &backup.tags,
        Vec::new(),
        Vec::new(),
        ImportMode::Merge,
    )
    .tags;
    let tags = match mode {
        ImportMode::Merge => tags,
        ImportMode::Replace => tags
            .into_iter()
            .map(|t| {
                backup
                    .tags
                    .iter()
                    .find(|b| b.name == t.name)
                    .cloned()
                    .unwrap_or(t)
            })
            .collect(),
    };
    let next = Annotations {
        tags,
        ..Annotations::default()
    };
    apply_writes(persist::plan(
        "",
        &here,
        &next,
        &Default::default(),
        usize::MAX,
    ))?;
    let dict = match mode {
        ImportMode::Replace => backup.user_dict,
        ImportMode::Merge => {
            let mut d = library_user_dict();
            for w in backup.user_dict.join {
                if !d.join.contains(&w) {
                    d.join.push(w);
                }
            }
            for w in backup.user_dict.split {
                if !d.split.contains(&w) {
                    d.split.push(w);
                }
            }
            d
        }
    };
    storage::set(
        &persist::library_setting_key("userdict"),
        &persist::encode_setting(&dict, &Default::default()),
    )
    .map_err(|e| e.to_string())?;
    Ok(done)
}

/// What a restore did, in words.
pub fn restore_report(file: &str, result: Result<Restored, String>) -> String {
    match result {
        Ok(r) => {
            let trashed = if r.trashed > 0 {
                format!("；备份里没有的 {} 篇已移入回收站", r.trashed)
            } else {
                String::new()
            };
            format!(
                "已从「{file}」恢复 {} 篇文档、{} 条标注{trashed}。",
                r.documents, r.annotations
            )
        }
        Err(e) => format!("从「{file}」恢复时出错：{e}"),
    }
}

/// A library with nothing in it yet but the seed, unannotated: restoring a
/// backup here has nothing to merge with or replace.
pub fn is_fresh() -> bool {
    let (entries, _) = load_entries();
    let seed = seed_sha();
    let keys = storage::keys().unwrap_or_default();
    entries.iter().all(|e| e.sha256 == seed)
        && library::annotation_counts(keys.iter().map(String::as_str)).is_empty()
}

/// Longest stretch of re-anchoring between two frames, in milliseconds.
const SLICE_MS: f64 = 12.0;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Replaces document `old`'s text with a new version: the new text is added
/// to the library under the old title, every annotation is re-anchored in
/// it (what cannot be placed stays, as an orphan), and the old version goes
/// to the trash (restorable). Returns the new sha and a report in words.
pub async fn replace_text(
    old: &Article,
    annotations: Vec<Annotation>,
    opened: &Opened,
    on_progress: impl Fn(usize, usize),
) -> Result<(String, String), String> {
    let article = opened.document.article();
    let sha = article.sha256();
    if sha == old.sha256() {
        return Err("新版本与当前文本完全相同，没有改动。".into());
    }
    let mut work = Reanchoring::new(&article, annotations);
    loop {
        let started = now_ms();
        let mut done = false;
        while !done && now_ms() - started < SLICE_MS {
            done = work.step(&article, 1);
        }
        if done {
            break;
        }
        let (done, total) = work.progress();
        on_progress(done, total);
        TimeoutFuture::new(0).await;
    }
    let (placed, orphans, report) = work.finish();
    let old_entry = stored_entry(&old.sha256());
    let (new_sha, _) = add(opened).await?;
    if let (Some(old_entry), Some(mut entry)) = (&old_entry, stored_entry(&new_sha)) {
        entry.title = old_entry.title.clone();
        save_entry(&entry)?;
    }
    let current = stored_annotations(&new_sha, article.char_len())?;
    let next = combine(&current.data, &[], placed, orphans, ImportMode::Merge);
    let stored = Annotations {
        tags: next.tags.clone(),
        ..current.data
    };
    apply_writes(persist::plan(
        &new_sha,
        &stored,
        &next,
        &current.extras,
        usize::MAX,
    ))?;
    if let Some(old_entry) = &old_entry {
        set_trashed(old_entry, true)?;
    }
    let orphans_note = if report.orphans > 0 {
        format!("{} 条无法定位，列为孤立标注（侧栏底部）", report.orphans)
    } else {
        "全部定位成功".into()
    };
    Ok((
        new_sha,
        format!(
            "已换成新版本：{} 条原位，{} 条移到新位置，{} 条近似定位；{orphans_note}。旧版本在文库的回收站里。",
            report.in_place, report.moved, report.fuzzy
        ),
    ))
}

/// Annotations out of their shared state, for a value that owns them.
fn unshared(list: Vec<std::rc::Rc<Annotation>>) -> Vec<Annotation> {
    list.into_iter().map(std::rc::Rc::unwrap_or_clone).collect()
}
