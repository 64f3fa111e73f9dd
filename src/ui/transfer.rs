//! Export and import as the person triggers them: glue between the core
//! formats, the file platform and the app's actions.

use yew::prelude::*;

use crate::core::exchange::{export_json, export_w3c, parse_import, reanchor, MAX_IMPORT_BYTES};
use crate::core::text::char_len;
use crate::platform::{clock, files};
use crate::ui::state::{Action, AppState, ImportPreview};

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

/// Reads, validates and re-anchors `file`; the result (or every problem
/// found) goes to the app as an action. Nothing changes until the person
/// chooses merge or replace.
pub fn import_file(file: web_sys::File, state: UseReducerHandle<AppState>) {
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let raw = match files::read_text(file, MAX_IMPORT_BYTES).await {
            Ok(raw) => raw,
            Err(e) => return state.dispatch(Action::Notify(format!("未导入「{name}」：{e}"))),
        };
        let article = state.article.clone();
        match parse_import(&raw, char_len(&article.source)) {
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
                let (placed, orphans, report) = reanchor(&article, imported.annotations);
                state.dispatch(Action::ImportReady(ImportPreview {
                    format: imported.format,
                    placed,
                    orphans,
                    tags: imported.tags,
                    report,
                    other_document,
                    confirm_replace: false,
                }));
            }
        }
    });
}
