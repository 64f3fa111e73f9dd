use yew::prelude::*;

use std::rc::Rc;

use crate::core::exchange::ImportMode;
use crate::core::library;
use crate::platform::files;
use crate::ui::components::export_bar::ExportBar;
use crate::ui::components::new_document::open_document_file;
use crate::ui::components::root::ReloadContext;
use crate::ui::library as lib;
use crate::ui::state::{Action, AppState, NewDocumentMode, PendingRestore, Segmentation};

/// A library backup can be this large (texts included).
const MAX_BACKUP_BYTES: usize = 200 << 20;

/// App name, document title, segmentation status and view controls.
///
/// Drawn by the app's own render, not as a child component: Yew may yield
/// to the browser between a parent's render and its children's, and the
/// root's `data-segmentation` and `data-sync-status` must never be seen
/// disagreeing with what the bar shows.
pub fn topbar(
    state: &UseReducerHandle<AppState>,
    on_action: &Callback<Action>,
    reload: Option<ReloadContext>,
) -> Html {
    let status = match &state.segmentation {
        Segmentation::Loading => html! {
            <span class="status loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                { if state.dictionary_ms.is_some() { "分词中…" } else { "加载词典…" } }
            </span>
        },
        Segmentation::Partial {
            blocks_done,
            blocks_total,
            ..
        } => {
            let percent = blocks_done * 100 / (*blocks_total).max(1);
            html! {
                <span class="status loading" role="status"
                    title={format!("{blocks_done} / {blocks_total} 段已分词；已分词的段落可按词选择")}>
                    <progress class="segment-progress" max={blocks_total.to_string()}
                        value={blocks_done.to_string()} aria-label="分词进度"></progress>
                    { format!("分词中 {percent}%") }
                </span>
            }
        }
        Segmentation::Ready {
            words,
            init_ms,
            segment_ms,
            ..
        } => {
            html! {
                <span class="status ready" role="status" title={format!("词典 {init_ms:.0} ms · 分词 {segment_ms:.0} ms")}>
                    { format!("已分词 · {words} 词") }
                </span>
            }
        }
        Segmentation::Failed(message) => html! {
            <span class="status failed" role="alert" title={message.clone()}>{ "分词失败" }</span>
        },
    };
    let emit = |make: fn() -> Action| {
        let on_action = on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(make()))
    };
    let on_open_document = {
        let dispatch = state.dispatcher();
        Callback::from(move |e: Event| {
            if let Some(file) = files::take_chosen(&e) {
                open_document_file(file, None, dispatch.clone());
            }
        })
    };
    let export_library = {
        let dispatch = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                if let Err(e) = lib::download_backup().await {
                    dispatch.dispatch(Action::Notify(format!("文库备份没有完成：{e}")));
                }
            });
        })
    };
    let on_import_library = {
        let dispatch = state.dispatcher();
        Callback::from(move |e: Event| {
            let Some(file) = files::take_chosen(&e) else {
                return;
            };
            let dispatch = dispatch.clone();
            let reload = reload.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                let raw = match files::read_text(file, MAX_BACKUP_BYTES).await {
                    Ok(r) => r,
                    Err(e) => {
                        return dispatch.dispatch(Action::Notify(format!("未恢复「{name}」：{e}")))
                    }
                };
                let backup = match library::parse_backup(&raw) {
                    Ok(b) => b,
                    Err(errors) => {
                        let shown: Vec<String> =
                            errors.iter().take(5).map(|e| e.to_string()).collect();
                        let more = if errors.len() > 5 {
                            format!("；共 {} 处问题", errors.len())
                        } else {
                            String::new()
                        };
                        return dispatch.dispatch(Action::Notify(format!(
                            "未恢复「{name}」，没有做任何改动：{}{more}",
                            shown.join("；")
                        )));
                    }
                };
                // A library with nothing of its own yet has nothing to
                // merge with or replace: restore at once.
                if lib::is_fresh() {
                    let result = lib::restore(backup, ImportMode::Merge).await;
                    lib::leave_message(lib::restore_report(&name, result));
                    if let Some(reload) = reload {
                        reload.0.emit(());
                    }
                    return;
                }
                dispatch.dispatch(Action::PendingRestore(Some(Rc::new(PendingRestore {
                    file: name,
                    backup,
                    confirm_replace: false,
                }))));
            });
        })
    };
    html! {
        <header class="topbar">
            <div class="toolrow main-row">
                <span class="brand" title="中文文本标注">{ "墨注" }</span>
                <span class="doc-title">{ state.article.title().to_string() }</span>
                <button type="button" class="tool" data-action="library" title="文库：所有文档 (L)"
                    onclick={emit(|| Action::ToggleLibrary)}>
                    { "文库" }<kbd>{ "L" }</kbd>
                </button>
                <button type="button" class="tool" data-action="new-document" title="粘贴文字或选择文件，新建文档 (N)"
                    onclick={emit(|| Action::NewDocument(Some(NewDocumentMode::Add)))}>
                    { "新建" }<kbd>{ "N" }</kbd>
                </button>
                <label class="tool" title="打开 .txt / .md / .html / .docx 文件（也可拖到页面上）">
                    { "打开文件" }
                    <input type="file" class="visually-hidden" data-action="open-document"
                        accept=".txt,.text,.md,.markdown,.html,.htm,.xhtml,.docx,text/plain,text/markdown,text/html"
                        onchange={on_open_document} />
                </label>
                <span class="spacer"></span>
                { status }
                <button type="button" class="tool" data-action="undo" title="撤销 (Ctrl+Z)"
                    disabled={!state.store.can_undo()} onclick={emit(|| Action::Undo)}>
                    { "撤销" }<kbd>{ "Ctrl+Z" }</kbd>
                </button>
                <button type="button" class="tool" data-action="redo" title="重做 (Ctrl+Shift+Z / Ctrl+Y)"
                    disabled={!state.store.can_redo()} onclick={emit(|| Action::Redo)}>
                    { "重做" }<kbd>{ "Ctrl+Y" }</kbd>
                </button>
                <button type="button" class={classes!("tool", state.word_view.then_some("on"))}
                    data-action="word-view" aria-pressed={state.word_view.to_string()}
                    title="显示/隐藏分词边界" onclick={emit(|| Action::ToggleWordView)}>
                    { "分词视图" }<kbd>{ "W" }</kbd>
                </button>
                <button type="button" class="tool" data-action="tag-manager" title="标签管理 (G)"
                    onclick={emit(|| Action::ToggleTagManager)}>
                    { "标签" }<kbd>{ "G" }</kbd>
                </button>
                <button type="button" class={classes!("tool", "sync-button", state.sync.status.name())} data-action="sync"
                    title={state.sync.message.clone().unwrap_or_else(|| "团队同步：CouchDB 服务器、数据库与登录 (Y)".into())}
                    onclick={emit(|| Action::ToggleSync)}>
                    <span class="sync-dot" aria-hidden="true"></span>{ state.sync.status.label() }<kbd>{ "Y" }</kbd>
                </button>
                <button type="button" class="tool" data-action="statistics" title="统计：各标签、关系、章节、全文库与高频词 (I)"
                    onclick={emit(|| Action::ToggleStatistics)}>
                    { "统计" }<kbd>{ "I" }</kbd>
                </button>
                <button type="button" class="tool" data-action="export-library"
                    title="备份整个文库：所有文档的正文、标注、标签和用户词典，一个文件" onclick={export_library}>{ "备份文库" }</button>
                <label class="tool" title="从文库备份恢复（先检查，再选择合并或替换）">
                    { "恢复文库" }
                    <input type="file" class="visually-hidden" data-action="import-library"
                        accept=".json,application/json" onchange={on_import_library} />
                </label>
                <button type="button" class="tool" data-action="help" title="键盘快捷键 (?)"
                    onclick={emit(|| Action::ToggleHelp)}>
                    { "帮助" }<kbd>{ "?" }</kbd>
                </button>
            </div>
            <ExportBar state={state.clone()} />
        </header>
    }
}
