//! Export and import as the person triggers them: glue between the core
//! formats, the file platform and the app's actions.

use yew::prelude::*;

use std::cell::Cell;

use gloo_timers::future::TimeoutFuture;

use crate::core::exchange::{export_json, export_w3c, parse_import, Reanchoring, MAX_IMPORT_BYTES};
use crate::platform::{clock, files, timing};
use crate::ui::state::{Action, AppState, ImportPreview, ImportProgress};

fn file_name(state: &AppState, what: &str, ext: &str) -> String {
    let date: String = clock::now_rfc3339().chars().take(10).collect();
    let title = files::safe_file_name(state.article.title());
    let title = if title.is_empty() {
        "文档".to_string()
    } else {
        title
    };
    format!("{title}-{what}-{date}.{ext}")
}

/// Downloads the project's own JSON.
pub fn download_json(state: &AppState) -> Result<(), String> {
    let text = export_json(&state.article, state.store.state(), &clock::now_rfc3339());
    files::download(&file_name(state, "标注", "json"), "application/json", &text)
}

/// Downloads a W3C Web Annotation collection.
pub fn download_w3c(state: &AppState) -> Result<(), String> {
    let text = export_w3c(
        &state.article,
        state.store.state(),
        &clock::now_rfc3339(),
        &clock::new_uuid(),
    );
    files::download(
        &file_name(state, "W3C标注", "jsonld"),
        "application/ld+json",
        &text,
    )
}

thread_local! {
    /// The number of the import running now; cancelling (or starting
    /// another) changes it, and a running import stops at its next slice.
    static IMPORT_RUN: Cell<u32> = const { Cell::new(0) };
}

/// Stops the import that is re-anchoring, if any; nothing has changed yet.
pub fn cancel_import() {
    IMPORT_RUN.with(|r| r.set(r.get() + 1));
}

/// Longest stretch of re-anchoring between two frames, in milliseconds.
const SLICE_MS: f64 = 12.0;

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Reads, validates and re-anchors `file`; the result (or every problem
/// found) goes to the app as an action. Nothing changes until the person
/// chooses merge or replace. Re-anchoring runs in slices of about 12 ms
/// with progress shown and a cancel button, so no file freezes the page.
pub fn import_file(file: web_sys::File, state: UseReducerHandle<AppState>) {
    cancel_import();
    let run = IMPORT_RUN.with(Cell::get);
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let raw = match files::read_text(file, MAX_IMPORT_BYTES).await {
            Ok(raw) => raw,
            Err(e) => return state.dispatch(Action::Notify(format!("未导入「{name}」：{e}"))),
        };
        timing::mark("import-read");
        let article = state.article.clone();
        let parsed = parse_import(&raw, article.char_len());
        timing::mark("import-parsed");
        match parsed {
            Err(errors) => {
                let shown: Vec<String> = errors.iter().take(5).map(|e| e.to_string()).collect();
                let more = if errors.len() > 5 {
                    format!("；共 {} 处问题", errors.len())
                } else {
                    String::new()
                };
                state.dispatch(Action::Notify(format!(
                    "未导入「{name}」，没有做任何改动：{}{more}",
                    shown.join("；")
                )));
            }
            Ok(imported) => {
                let other_document = imported
                    .document
                    .as_ref()
                    .is_some_and(|d| *d != article.sha256());
                let mut work = Reanchoring::new(&article, imported.annotations);
                loop {
                    let started = now_ms();
                    let mut done = false;
                    while !done && now_ms() - started < SLICE_MS {
                        done = work.step(&article, 1);
                    }
                    if IMPORT_RUN.with(Cell::get) != run {
                        return;
                    }
                    if done {
                        break;
                    }
                    let (done, total) = work.progress();
                    state.dispatch(Action::ImportProgress(Some(ImportProgress {
                        file: name.clone(),
                        done,
                        total,
                    })));
                    TimeoutFuture::new(0).await;
                    if IMPORT_RUN.with(Cell::get) != run {
                        return;
                    }
                }
                let (placed, orphans, report) = work.finish();
                timing::mark("import-placed");
                state.dispatch(Action::ImportProgress(None));
                state.dispatch(Action::ImportReady(ImportPreview {
                    format: imported.format,
                    placed,
                    orphans,
                    tags: imported.tags,
                    report,
                    derived_ids: imported.derived_ids,
                    other_document,
                    confirm_replace: false,
                }));
            }
        }
    });
}
