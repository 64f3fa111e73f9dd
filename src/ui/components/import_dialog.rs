use yew::prelude::*;

use crate::core::exchange::ImportMode;
use crate::ui::state::{Action, AppState, ImportPreview, ImportProgress};
use crate::ui::transfer;

#[derive(Properties, PartialEq)]
pub struct ImportDialogProps {
    pub preview: ImportPreview,
    pub current: usize,
    pub on_action: Callback<Action>,
    pub dispatch: UseReducerDispatcher<AppState>,
}

/// What a valid import file holds and how it was placed in the text; the
/// person chooses merge or replace (replace asks once more).
#[component]
pub fn ImportDialog(props: &ImportDialogProps) -> Html {
    let p = &props.preview;
    let r = &p.report;
    let relations = p
        .placed
        .iter()
        .filter(|a| a.target.ends().is_some())
        .count();
    let total = p.placed.len() + p.orphans.len() - relations;
    let what = if relations > 0 {
        format!("导入 {total} 条标注、{relations} 条关系（{}）", p.format)
    } else {
        format!("导入 {total} 条标注（{}）", p.format)
    };
    let emit = |a: fn() -> Action| {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(a()))
    };
    html! {
        <div class="overlay" role="dialog" aria-label="导入标注" data-dialog="import">
            <div class="dialog narrow">
                <header><h2>{ what }</h2></header>
                if p.derived_ids > 0 {
                    <p class="warn">{ format!("{} 条标注的编号不是 UUID（来自其他工具），已按原编号生成固定的 UUID；再次导入同一文件会合并而不是重复。", p.derived_ids) }</p>
                }
                if p.other_document {
                    <p class="warn">{ "这个文件是在另一版本的文本上做的，已按引文重新定位。" }</p>
                }
                if let Some(new) = &p.new_document {
                    <p class="hint">
                        { "文件带有它自己的文本，与打开的文档不同。可以把它加入文库作为新文档，标注放在它自己的文本上：" }
                        <button type="button" class="tool" data-action="import-new-document"
                            onclick={let new = new.clone(); let d = props.dispatch.clone();
                                Callback::from(move |_: MouseEvent| transfer::import_as_new_document(new.clone(), d.clone()))}>
                            { "加入文库为新文档" }
                        </button>
                    </p>
                }
                for line in p.left_out.iter() {
                    <p class="warn" data-left-out="">{ line.clone() }</p>
                }
                <ul class="report">
                    <li>{ format!("原位：{}", r.in_place) }</li>
                    <li>{ format!("按引文移动：{}", r.moved) }</li>
                    <li>{ format!("近似匹配：{}", r.fuzzy) }</li>
                    <li class={classes!((r.orphans > 0).then_some("warn"))} data-orphans={r.orphans.to_string()}>
                        { format!("未能定位：{}（保留为孤立标注，不会丢失）", r.orphans) }
                    </li>
                </ul>
                <p class="hint">{ format!("当前有 {} 条标注。合并：同一编号保留较新的版本；替换：以文件为准。两者都可撤销。", props.current) }</p>
                <div class="popup-actions">
                    <span class="hint"></span>
                    <button type="button" class="tool" onclick={emit(|| Action::CancelImport)}>{ "取消" }</button>
                    if p.confirm_replace {
                        <button type="button" class="tool danger" data-action="import-replace"
                            onclick={emit(|| Action::ConfirmImport(ImportMode::Replace))}>
                            { format!("确认替换现有 {} 条", props.current) }
                        </button>
                    } else {
                        <button type="button" class="tool" data-action="import-replace"
                            onclick={emit(|| Action::ConfirmImport(ImportMode::Replace))}>{ "替换" }</button>
                    }
                    <button type="button" class="tool primary" data-action="import-merge"
                        onclick={emit(|| Action::ConfirmImport(ImportMode::Merge))}>{ "合并" }</button>
                </div>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct ImportProgressProps {
    pub progress: ImportProgress,
    pub on_action: Callback<Action>,
}

/// Re-anchoring a large file: how far it is, and a way to stop it (nothing
/// has changed until the preview's merge or replace).
#[component]
pub fn ImportProgressBar(props: &ImportProgressProps) -> Html {
    let p = &props.progress;
    let cancel = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            transfer::cancel_import();
            on_action.emit(Action::ImportProgress(None));
            on_action.emit(Action::Notify("已取消导入，没有做任何改动".into()));
        })
    };
    html! {
        <div class="banner progress" role="status" data-import-progress={format!("{}/{}", p.done, p.total)}>
            <span>{ format!("正在定位「{}」中的标注：{} / {}", p.file, p.done, p.total) }</span>
            <progress max={p.total.to_string()} value={p.done.to_string()}></progress>
            <button type="button" class="tool" data-action="cancel-import" onclick={cancel}>{ "取消导入" }</button>
        </div>
    }
}
