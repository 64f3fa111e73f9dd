use yew::prelude::*;

use web_sys::HtmlInputElement;

use crate::ui::state::{Action, AppState, Segmentation};
use crate::ui::transfer;

#[derive(Properties, PartialEq)]
pub struct TopbarProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// App name, document title, segmentation status and view controls.
#[component]
pub fn Topbar(props: &TopbarProps) -> Html {
    let state = &props.state;
    let status = match &state.segmentation {
        Segmentation::Loading => html! {
            <span class="status loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                { if state.dictionary_ms.is_some() { "分词中…" } else { "加载词典…" } }
            </span>
        },
        Segmentation::Ready {
            tokens,
            init_ms,
            segment_ms,
        } => {
            let words = tokens
                .iter()
                .filter(|t| t.kind == crate::core::segment::TokenKind::Word)
                .count();
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
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(make()))
    };
    let export = |run: fn(&AppState) -> Result<(), String>| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = run(&state) {
                state.dispatch(Action::Notify(e));
            }
        })
    };
    let on_import = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let Some(input) = e.target_dyn_into::<HtmlInputElement>() else {
                return;
            };
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                transfer::import_file(file, state.clone());
            }
            // Choosing the same file again must fire `change` again.
            input.set_value("");
        })
    };
    html! {
        <header class="topbar">
            <span class="brand" title="中文文本标注">{ "墨注" }</span>
            <span class="doc-title">{ state.article.title().to_string() }</span>
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
            <button type="button" class="tool" data-action="export-json" title="下载墨注 JSON（可再导入）"
                onclick={export(transfer::download_json)}>{ "导出 JSON" }</button>
            <button type="button" class="tool" data-action="export-w3c" title="下载 W3C Web Annotation（JSON-LD）"
                onclick={export(transfer::download_w3c)}>{ "导出 W3C" }</button>
            <label class="tool" title="导入墨注 JSON 或 W3C 标注，也可把文件拖到页面上">
                { "导入" }
                <input type="file" class="visually-hidden" data-action="import"
                    accept=".json,.jsonld,application/json,application/ld+json" onchange={on_import} />
            </label>
            <button type="button" class="tool" data-action="help" title="键盘快捷键 (?)"
                onclick={emit(|| Action::ToggleHelp)}>
                { "帮助" }<kbd>{ "?" }</kbd>
            </button>
        </header>
    }
}
