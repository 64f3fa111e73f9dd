//! Keeps the open document's annotations in localStorage: read once, then
//! every change is written at once (only the keys of what changed), and
//! other tabs' changes are merged in as they arrive. The layout and the
//! merge rules are `core::persist`; this is the browser side of it.

use std::cell::RefCell;
use std::rc::Rc;

use gloo::timers::callback::Timeout;
use yew::prelude::*;

use crate::core::annotation::Tag;
use crate::core::persist::{self, Extras, Item, KeyKind, Write};
use crate::core::store::Annotations;
use crate::platform::storage::{self, StorageError};
use crate::ui::state::{Action, AppState, Unsaved};

/// What this tab knows about storage.
struct Synced {
    doc: String,
    length: usize,
    /// What storage holds, as far as this tab knows (what it read, wrote,
    /// or was told by a storage event).
    stored: Annotations,
    extras: Extras,
    /// Storage has been read: only then is anything written, so a slow
    /// start never overwrites saved work.
    ready: bool,
    /// Version 1's single key, removed once its contents are all written.
    legacy: Option<String>,
    /// This document's own tag keys from before the tag set was shared,
    /// removed once the library's keys are written.
    legacy_tags: Vec<String>,
    /// Other tabs' changes not yet merged (merged together, once per turn
    /// of the event loop, so a large import there is one update here).
    queue: Vec<storage::Change>,
    flush: Option<Timeout>,
    /// The next slice of a large save.
    save_next: Option<Timeout>,
}

/// Copies a damaged value to its backup key (once per distinct value), then
/// removes it from `key`. Returns the backup key.
pub fn keep_aside(doc: &str, key: &str, raw: &str) -> Result<String, StorageError> {
    let backup = persist::backup_key(doc, raw);
    if storage::get(&backup)?.as_deref() != Some(raw) {
        storage::set(&backup, raw)?;
    }
    storage::remove(key)?;
    Ok(backup)
}

#[hook]
pub fn use_annotation_storage(state: &UseReducerHandle<AppState>) {
    let synced = use_mut_ref(|| Synced {
        doc: state.article.sha256(),
        length: state.article.char_len(),
        stored: Annotations::default(),
        extras: Extras::new(),
        ready: false,
        legacy: None,
        legacy_tags: Vec::new(),
        queue: Vec::new(),
        flush: None,
        save_next: None,
    });

    // Read once.
    {
        let dispatch = state.dispatcher();
        let synced = synced.clone();
        use_effect_with((), move |_| {
            let (data, warnings) = load(&mut synced.borrow_mut());
            dispatch.dispatch(Action::Loaded(data));
            if !warnings.is_empty() {
                dispatch.dispatch(Action::StorageWarning(Some(warnings.join(" "))));
            }
        });
    }

    // The newest state, for work that continues after this render.
    let latest = use_mut_ref(|| state.clone());
    *latest.borrow_mut() = state.clone();

    // Write what changed.
    {
        let synced = synced.clone();
        let latest = latest.clone();
        let ready = state.store_ready;
        use_effect_with(state.store.shared(), move |current| {
            if ready && synced.borrow().ready {
                save_in_slices(synced, latest, current);
            }
        });
    }

    // Other tabs' changes.
    {
        let synced = synced.clone();
        let prefixes = vec![persist::prefix(&synced.borrow().doc), persist::tag_prefix()];
        let latest = latest.clone();
        use_effect_with((), move |_| {
            let listener = storage::watch(prefixes, move |change| {
                let mut s = synced.borrow_mut();
                s.queue.push(change);
                if s.flush.is_none() {
                    let synced = synced.clone();
                    let latest = latest.clone();
                    s.flush = Some(Timeout::new(0, move || {
                        let state = latest.borrow().clone();
                        let mut s = synced.borrow_mut();
                        s.flush = None;
                        let (merged, problems) = merge_remote(&mut s, state.store.state());
                        let ready = s.ready;
                        drop(s);
                        // Where this tab's version won (an edit over their
                        // deletion, a newer edit, storage cleared), storage
                        // now holds theirs: write ours back at once, so
                        // every tab ends with the same.
                        if ready && state.store_ready {
                            save_in_slices(synced.clone(), latest.clone(), &merged);
                        }
                        if &merged != state.store.state() {
                            state.dispatch(Action::Adopt(merged));
                        }
                        if !problems.is_empty() {
                            state.dispatch(Action::StorageWarning(Some(problems.join(" "))));
                        }
                    }));
                }
            });
            move || drop(listener)
        });
    }
}

/// Reads everything stored for the document; damaged values are kept
/// aside (and named in the returned warnings), version 1 data is taken in.
fn load(s: &mut Synced) -> (Annotations, Vec<String>) {
    let doc = s.doc.clone();
    let mut warnings = Vec::new();
    let read = storage::entries_with_prefix(&persist::prefix(&doc)).and_then(|mut e| {
        e.extend(storage::entries_with_prefix(&persist::tag_prefix())?);
        Ok(e)
    });
    let entries = match read {
        Ok(e) => e,
        Err(e) => {
            // Nothing can be read, so nothing is written over it.
            warnings.push(format!("{e}：标注只保存在本页内存中，关闭前请导出。"));
            return (Annotations::default(), warnings);
        }
    };
    let tag_prefix = persist::tag_prefix();
    let stored_tags: std::collections::HashSet<String> = entries
        .iter()
        .filter_map(|(k, _)| k.strip_prefix(&tag_prefix).map(str::to_string))
        .collect();
    let loaded = persist::load(&doc, s.length, entries);
    for d in &loaded.damaged {
        warnings.push(kept_aside(&doc, &d.key, &d.raw, &d.problem));
    }
    s.stored = loaded.data.clone();
    // Tags the annotations use but storage lacks were added in memory with
    // a palette colour: storage does not hold them, so they get written.
    s.stored.tags.retain(|t| stored_tags.contains(&t.name));
    s.extras = loaded.extras;
    let mut data = loaded.data;
    // Tags this document kept on its own join the library's set (the
    // library's stored colour wins for a name both have).
    let own_tags = persist::document_tag_prefix(&doc);
    if let Ok(entries) = storage::entries_with_prefix(&own_tags) {
        for (key, raw) in entries {
            let as_shared = persist::tag_key(key.trim_start_matches(&own_tags));
            match persist::read_item(&doc, s.length, &as_shared, &raw) {
                Ok((Item::Tag(t, _), _)) => {
                    match data.tags.iter_mut().find(|x| x.name == t.name) {
                        // Only given a palette colour above: this one is the
                        // colour the person chose.
                        Some(x) if !stored_tags.contains(&t.name) => *x = t,
                        Some(_) => {}
                        None => data.tags.push(t),
                    }
                    s.legacy_tags.push(key);
                }
                Ok(_) => {}
                Err(problem) => warnings.push(kept_aside(&doc, &key, &raw, &problem)),
            }
        }
    }
    let legacy = persist::legacy_key(&doc);
    match storage::get(&legacy) {
        Ok(Some(raw)) => match persist::decode_v1(&raw, &doc, s.length) {
            Ok(old) => {
                // Version 2 values (written by a newer tab) win.
                for a in old.annotations {
                    if data.get(&a.id).is_none() {
                        data.set_shared_slot(&a.id.clone(), Some((false, a)));
                    }
                }
                for a in old.orphans {
                    if data.get(&a.id).is_none() {
                        data.set_shared_slot(&a.id.clone(), Some((true, a)));
                    }
                }
                for t in old.tags {
                    if data.tag(&t.name).is_none() {
                        data.tags.push(t);
                    }
                }
                s.legacy = Some(legacy);
            }
            Err(problem) => warnings.push(match keep_aside(&doc, &legacy, &raw) {
                Ok(backup) => format!(
                    "旧版保存的数据无法读取（{problem}）。原数据已原样另存为 {backup} ，没有丢失；可用下方按钮下载。"
                ),
                Err(e) => format!("旧版保存的数据无法读取（{problem}），也无法另存副本（{e}）。"),
            }),
        },
        Ok(None) => {}
        Err(e) => warnings.push(format!("{e}")),
    }
    s.ready = true;
    (data, warnings)
}

/// Keeps a damaged value aside and says so.
fn kept_aside(doc: &str, key: &str, raw: &str, problem: &str) -> String {
    match keep_aside(doc, key, raw) {
        Ok(backup) => format!(
            "已保存的一项数据无法读取（{problem}）。原数据已原样另存为 {backup} ，没有丢失；可用下方按钮下载。"
        ),
        Err(e) => format!(
            "已保存的一项数据无法读取（{problem}），也无法另存副本（{e}）；它仍留在原处，没有被覆盖。"
        ),
    }
}

/// Writes per turn of the event loop: about 10 ms of localStorage writes
/// here, so saving a 20,000-annotation import never stalls the page.
const WRITES_PER_SLICE: usize = 500;

/// Saves `current`, a slice at a time: what is left is saved on the next
/// turn of the event loop, from the newest state then. What could not be
/// written (storage full) goes to the app once all was tried.
fn save_in_slices(
    synced: Rc<RefCell<Synced>>,
    latest: Rc<RefCell<UseReducerHandle<AppState>>>,
    current: &Annotations,
) {
    let mut s = synced.borrow_mut();
    let (unsaved, more) = save(&mut s, current);
    if more && unsaved.is_none() {
        if s.save_next.is_none() {
            let (synced, latest) = (synced.clone(), latest.clone());
            s.save_next = Some(Timeout::new(0, move || {
                synced.borrow_mut().save_next = None;
                let state = latest.borrow().clone();
                save_in_slices(synced, latest, state.store.state());
            }));
        }
    } else {
        latest.borrow().dispatch(Action::Unsaved(unsaved));
    }
}

/// Writes up to a slice of what differs between storage and `current`;
/// returns what could not be written and whether more is left.
fn save(s: &mut Synced, current: &Annotations) -> (Option<Unsaved>, bool) {
    let writes = persist::plan(&s.doc, &s.stored, current, &s.extras, WRITES_PER_SLICE);
    let more = writes.len() >= WRITES_PER_SLICE;
    let mut examples = Vec::new();
    let mut failed = 0;
    let mut error = None;
    for w in writes {
        match w {
            Write::Annotation { key, id, value } => {
                let result = match value.as_deref() {
                    Some((_, raw)) => storage::set(&key, raw),
                    None => storage::remove(&key),
                };
                match result {
                    Ok(()) => s.stored.set_shared_slot(&id, value.map(|v| v.0)),
                    Err(e) => {
                        failed += 1;
                        if examples.len() < 5 {
                            examples.push(describe_unsaved(current, &id));
                        }
                        error = Some(e);
                    }
                }
            }
            Write::Tags { writes, tags } => {
                let mut ok = true;
                for (key, value) in writes {
                    let result = match value {
                        Some(raw) => storage::set(&key, &raw),
                        None => storage::remove(&key),
                    };
                    if let Err(e) = result {
                        ok = false;
                        error = Some(e);
                    }
                }
                if ok {
                    s.stored.tags = tags;
                } else {
                    failed += 1;
                    examples.push("标签的改动".into());
                }
            }
        }
    }
    let Some(error) = error else {
        if let Some(legacy) = s.legacy.take() {
            if storage::remove(&legacy).is_err() {
                s.legacy = Some(legacy);
            }
        }
        s.legacy_tags.retain(|key| storage::remove(key).is_err());
        return (None, more);
    };
    // Count everything still different, not just this slice's failures.
    let count = if more {
        persist::count_differences(&s.stored, current) + usize::from(s.stored.tags != current.tags)
    } else {
        failed
    };
    let reason = match error {
        StorageError::Full => "浏览器存储空间已满".to_string(),
        e => e.to_string(),
    };
    (
        Some(Unsaved {
            reason,
            count,
            examples,
        }),
        more,
    )
}

/// An unsaved change as the person knows it: the start of its quote.
fn describe_unsaved(current: &Annotations, id: &str) -> String {
    match current.get(id) {
        Some(a) => {
            let quote: String = a
                .target
                .quote()
                .map(|q| q.exact.chars().take(12).collect())
                .unwrap_or_else(|| "全文标注".into());
            format!("「{quote}」")
        }
        None => "删除一条标注".into(),
    }
}

/// Merges the queued changes of other tabs into `current`: per key, three
/// ways (`persist::resolve`). Returns the merged state and any problems.
fn merge_remote(s: &mut Synced, current: &Annotations) -> (Annotations, Vec<String>) {
    let mut merged = current.clone();
    let mut problems = Vec::new();
    let doc = s.doc.clone();
    let length = s.length;
    for change in std::mem::take(&mut s.queue) {
        let Some(key) = change.key else {
            // Another tab cleared the storage: nothing is stored now, and
            // this tab's state is written again on its next save.
            s.stored = Annotations::default();
            continue;
        };
        let old = change
            .old
            .as_ref()
            .and_then(|r| persist::read_item(&doc, length, &key, r).ok())
            .map(|(item, _)| item);
        let new = match change
            .new
            .as_ref()
            .map(|r| persist::read_item(&doc, length, &key, r))
            .transpose()
        {
            Err(problem) => {
                problems.push(format!(
                    "另一标签页写入了无法读取的数据（{problem}），已忽略，本页的标注没有改变。"
                ));
                continue;
            }
            Ok(None) => {
                s.extras.remove(&key);
                None
            }
            Ok(Some((item, extra))) => {
                if extra.is_empty() {
                    s.extras.remove(&key);
                } else {
                    s.extras.insert(key.clone(), extra);
                }
                Some(item)
            }
        };
        match persist::key_kind(&doc, &key) {
            Some(KeyKind::Annotation(id)) => {
                let slot = |i: Option<Item>| match i {
                    Some(Item::Annotation(slot)) => Some(slot),
                    _ => None,
                };
                let (base, theirs) = (slot(old), slot(new));
                let ours = merged.slot(&id).map(|(o, a)| (o, a.clone()));
                let result = persist::resolve(base.as_ref(), theirs.as_ref(), ours.as_ref());
                s.stored.set_slot(&id, theirs);
                merged.set_slot(&id, result);
            }
            Some(KeyKind::Tag(name)) => {
                let tag = |i: Option<Item>| match i {
                    Some(Item::Tag(t, order)) => Some((t, order)),
                    _ => None,
                };
                let (base, theirs) = (tag(old), tag(new));
                let find = |l: &[Tag]| l.iter().find(|t| t.name == name).cloned();
                let ours = find(&merged.tags);
                let result = persist::resolve_tag(
                    base.as_ref().map(|b| &b.0),
                    theirs.as_ref().map(|t| &t.0),
                    ours.as_ref(),
                );
                let place = |list: &mut Vec<Tag>, t: Option<(Tag, u64)>| {
                    let at = list.iter().position(|x| x.name == name);
                    match (at, t) {
                        (Some(i), Some((t, _))) => list[i] = t,
                        (Some(i), None) => {
                            list.remove(i);
                        }
                        (None, Some((t, order))) => {
                            let i = (order as usize).min(list.len());
                            list.insert(i, t);
                        }
                        (None, None) => {}
                    }
                };
                place(&mut s.stored.tags, theirs.clone());
                let order = theirs.as_ref().map_or(u64::MAX, |t| t.1);
                place(&mut merged.tags, result.map(|t| (t, order)));
            }
            None => {}
        }
    }
    // A tag an adopted annotation uses exists here too.
    merged.ensure_used_tags();
    (merged, problems)
}
