//! Export and import as the person triggers them: glue between the core
//! formats, the file platform and the app's actions.

use yew::prelude::*;

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;

use crate::core::exchange::{export_json, export_w3c, ImportMode, Reanchoring, MAX_IMPORT_BYTES};
use crate::core::formats::{self, bio, brat, doccano, label_studio, spacy, Export};
use crate::platform::{clock, files, timing};
use crate::ui::state::{
    Action, AppState, ImportPreview, ImportProgress, NewDocumentImport, Segmentation,
};

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
pub fn download_json(state: &AppState) -> Offered {
    let text = export_json(&state.article, state.store.state(), &clock::now_rfc3339());
    files::download(&file_name(state, "标注", "json"), "application/json", &text)?;
    Ok(None)
}

/// Downloads a W3C Web Annotation collection.
pub fn download_w3c(state: &AppState) -> Offered {
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
    )?;
    Ok(None)
}

/// What an export function gives back: a sentence for the person (what
/// the file left out), or why nothing was downloaded.
pub type Offered = Result<Option<String>, String>;

/// Offers an export in one of the NLP formats and says what it left out.
fn offer(state: &AppState, export: Export, what: &str, ext: &str, mime: &str) -> Offered {
    let name = file_name(state, what, ext);
    files::download_bytes(&name, mime, &export.content)?;
    Ok((!export.left_out.is_empty())
        .then(|| format!("已下载「{name}」。{}。", export.left_out.join("；"))))
}

/// The words as segmented in the app, once segmentation has finished.
fn segmented(state: &AppState) -> Result<&[crate::core::segment::Token], String> {
    match &state.segmentation {
        Segmentation::Ready { tokens, .. } => Ok(tokens),
        _ => Err("分词还没有完成，稍候再导出（按字导出的 CoNLL 不需要等）".into()),
    }
}

pub fn download_conll(state: &AppState) -> Offered {
    let options = &state.conll_options;
    let tokens = match options.unit {
        bio::Unit::Words => segmented(state)?,
        bio::Unit::Characters => &[],
    };
    let export = bio::export(&state.article, tokens, state.store.state(), options);
    let what = match options.scheme {
        bio::Scheme::Bio => "BIO",
        bio::Scheme::Bioes => "BIOES",
    };
    offer(state, export, what, "conll", "text/plain")
}

pub fn download_doccano(state: &AppState) -> Offered {
    let export = doccano::export(&state.article, state.store.state());
    offer(state, export, "doccano", "jsonl", "application/jsonl")
}

pub fn download_label_studio(state: &AppState) -> Offered {
    let export = label_studio::export(&state.article, state.store.state(), &clock::now_rfc3339());
    offer(state, export, "LabelStudio", "json", "application/json")
}

pub fn download_brat(state: &AppState) -> Offered {
    let title = files::safe_file_name(state.article.title());
    let name = if title.is_empty() {
        "document".to_string()
    } else {
        title
    };
    let export = brat::export(&state.article, state.store.state(), &name);
    offer(state, export, "brat", "zip", "application/zip")
}

pub fn download_spacy(state: &AppState) -> Offered {
    let export = spacy::export(&state.article, segmented(state)?, state.store.state());
    offer(state, export, "spaCy", "json", "application/json")
}

pub fn download_csv(state: &AppState) -> Offered {
    let export = formats::csv::export(&state.article, state.store.state());
    offer(state, export, "标注", "csv", "text/csv")
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
        let raw = match files::read_bytes(&file, MAX_IMPORT_BYTES).await {
            Ok(raw) => raw,
            Err(e) => return state.dispatch(Action::Notify(format!("未导入「{name}」：{e}"))),
        };
        timing::mark("import-read");
        let article = state.article.clone();
        let parsed = formats::parse_any(&name, &raw, &article.source, &clock::now_rfc3339());
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
                let new_document = imported.text.filter(|_| other_document).map(|text| {
                    Rc::new(NewDocumentImport {
                        file: name.clone(),
                        text,
                        annotations: imported.annotations.clone(),
                    })
                });
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
                    new_document,
                    left_out: imported.left_out,
                    confirm_replace: false,
                }));
            }
        }
    });
}

/// Adds the text an import file carries as a new document of the library,
/// with the file's annotations on it, and opens it.
pub fn import_as_new_document(
    new: Rc<NewDocumentImport>,
    dispatch: UseReducerDispatcher<AppState>,
) {
    use crate::core::annotation::Annotation;
    use crate::core::article::Article;
    use crate::core::document::Document;
    use crate::core::library::{title_for, Backup, BackupDocument, Entry};
    use crate::core::store::Annotations;
    use crate::ui::library as lib;

    wasm_bindgen_futures::spawn_local(async move {
        let now = clock::now_rfc3339();
        let document = Document::plain(&new.text);
        let article = Article::parse(&document.text);
        let sha = article.sha256();
        let hint = new
            .file
            .rsplit_once('.')
            .map_or(new.file.as_str(), |(stem, _)| stem);
        let title = title_for(article.title(), hint, &document.text);
        let mut used = Annotations {
            annotations: new.annotations.iter().cloned().map(Rc::new).collect(),
            ..Annotations::default()
        };
        used.ensure_used_tags();
        let annotations: Vec<Annotation> = new.annotations.clone();
        let count = annotations.len();
        let backup = Backup {
            exported: now.clone(),
            tags: used.tags,
            user_dict: Default::default(),
            documents: vec![BackupDocument {
                entry: Entry::new(sha.clone(), title.clone(), article.char_len(), &now),
                document,
                annotations,
                orphans: Vec::new(),
            }],
        };
        dispatch.dispatch(Action::CancelImport);
        match lib::restore(backup, ImportMode::Merge).await {
            Ok(_) => lib::open_with_message(
                &sha,
                Some(format!(
                    "已把「{}」的文本加入文库为「{title}」，并导入 {count} 条标注。",
                    new.file
                )),
                &dispatch,
            ),
            Err(e) => dispatch.dispatch(Action::Notify(format!(
                "没能把「{}」加入文库，没有做任何改动：{e}",
                new.file
            ))),
        }
    });
}
