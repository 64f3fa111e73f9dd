use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::text_field::TextField;
use crate::core::annotation::{normalize_tag, PALETTE};
use crate::core::library;
use crate::core::store::Command;
use crate::platform::{clock, storage};
use crate::ui::library as lib;
use crate::ui::state::{Action, AppState};

#[derive(Properties, PartialEq)]
pub struct TagManagerProps {
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// Rename, recolour, merge and delete tags. Deleting asks first and says
/// how many annotations carry the tag.
#[component]
pub fn TagManager(props: &TagManagerProps) -> Html {
    let all = props.state.store.state();
    let confirming = use_state(|| None::<String>);
    // Other documents' usage, read once when the manager opens (this
    // document's comes from memory, always current).
    let doc = props.state.article.sha256();
    let elsewhere = use_memo((), {
        let doc = doc.clone();
        move |_| {
            let stored = storage::entries_with_prefix("mozhu.v2.").unwrap_or_default();
            let mut usage =
                library::tag_usage(stored.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            for per_doc in usage.values_mut() {
                per_doc.remove(&doc);
            }
            usage
        }
    });
    let close = {
        let on_action = props.on_action.clone();
        Callback::from(move |_| on_action.emit(Action::ToggleTagManager))
    };
    let rows = all.tags.iter().map(|t| {
        let usage = all.usage(&t.name);
        let (other_docs, other_uses) = elsewhere
            .get(&t.name)
            .map_or((0, 0), |d| (d.len(), d.values().sum::<usize>()));
        let name = t.name.clone();
        let rename = {
            let on_action = props.on_action.clone();
            let from = name.clone();
            let doc = doc.clone();
            move |el: HtmlInputElement| {
                let to = el.value();
                if to.trim() != from {
                    let normalized = normalize_tag(&to);
                    on_action.emit(Action::Apply(Command::RenameTag {
                        from: from.clone(),
                        to,
                        now: clock::now_rfc3339(),
                    }));
                    if !normalized.is_empty() {
                        elsewhere_too(&on_action, &doc, &from, Some(&normalized));
                    }
                }
            }
        };
        let on_rename_key = {
            let rename = rename.clone();
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Enter" {
                    if let Some(el) = e.target_dyn_into::<HtmlInputElement>() {
                        rename(el);
                    }
                }
            })
        };
        let on_rename_blur = Callback::from(move |e: FocusEvent| {
            if let Some(el) = e.target_dyn_into::<HtmlInputElement>() {
                rename(el);
            }
        });
        let swatches = PALETTE.iter().map(|c| {
            let on_action = props.on_action.clone();
            let name = name.clone();
            let color = c.to_string();
            let on = t.color.eq_ignore_ascii_case(c);
            html! {
                <button type="button" class={classes!("swatch-button", on.then_some("on"))} style={format!("background: {c}")}
                    title={c.to_string()} aria-label={format!("颜色 {c}")} data-color={c.to_string()}
                    onclick={Callback::from(move |_| on_action.emit(Action::Apply(Command::RecolorTag { name: name.clone(), color: color.clone() })))}>
                </button>
            }
        });
        let merge_targets = all.tags.iter().filter(|o| o.name != t.name).map(|o| {
            html! { <option value={o.name.clone()}>{ format!("并入「{}」", o.name) }</option> }
        });
        let on_merge = {
            let on_action = props.on_action.clone();
            let from = name.clone();
            let doc = doc.clone();
            Callback::from(move |e: Event| {
                if let Some(el) = e.target_dyn_into::<web_sys::HtmlSelectElement>() {
                    let into = el.value();
                    if !into.is_empty() {
                        on_action.emit(Action::Apply(Command::MergeTags {
                            from: from.clone(),
                            into: into.clone(),
                            now: clock::now_rfc3339(),
                        }));
                        elsewhere_too(&on_action, &doc, &from, Some(&into));
                    }
                }
            })
        };
        let ask = {
            let confirming = confirming.clone();
            let name = name.clone();
            Callback::from(move |_| confirming.set(Some(name.clone())))
        };
        let is_confirming = confirming.as_deref() == Some(t.name.as_str());
        let confirm = {
            let on_action = props.on_action.clone();
            let confirming = confirming.clone();
            let name = name.clone();
            let doc = doc.clone();
            Callback::from(move |_| {
                confirming.set(None);
                on_action.emit(Action::Apply(Command::DeleteTag { name: name.clone(), now: clock::now_rfc3339() }));
                elsewhere_too(&on_action, &doc, &name, None);
            })
        };
        let dismiss = {
            let confirming = confirming.clone();
            Callback::from(move |_| confirming.set(None))
        };
        html! {
            // Keyed by name, and the field takes its initial value only: a
            // re-render (another tab's change) never wipes a rename being typed.
            <li key={t.name.clone()} class="tag-row" data-tag-row={t.name.clone()}>
                <span class="swatch big" style={format!("background: {}", t.color)}></span>
                <TextField class="tag-name" initial={t.name.clone()} label="标签名" maxlength="40"
                    onkeydown={on_rename_key} onblur={on_rename_blur} action="rename-tag" />
                <span class="usage" data-usage={usage.to_string()} data-usage-total={(usage + other_uses).to_string()}
                    title={format!("本文 {usage} 条；其他 {other_docs} 篇文档共 {other_uses} 条")}>
                    { format!("本文 {usage} 条 · 全库 {} 条", usage + other_uses) }
                </span>
                <div class="swatches">{ for swatches }</div>
                <select class="merge" onchange={on_merge} aria-label="合并到" data-action="merge-tag">
                    <option value="" selected=true>{ "合并到…" }</option>
                    { for merge_targets }
                </select>
                if is_confirming {
                    <span class="confirm" role="alert">
                        { format!("删除「{}」？它用于本文 {usage} 条标注（其他文档 {other_uses} 条），标注本身会保留。", t.name) }
                        <button type="button" class="tool danger" data-action="confirm-delete-tag" onclick={confirm}>{ "删除" }</button>
                        <button type="button" class="tool" onclick={dismiss}>{ "取消" }</button>
                    </span>
                } else {
                    <button type="button" class="link danger" data-action="delete-tag" onclick={ask}>{ "删除" }</button>
                }
            </li>
        }
    });
    html! {
        <div class="overlay" role="dialog" aria-label="标签管理" data-dialog="tags">
            <div class="dialog">
                <header>
                    <h2>{ "标签管理" }</h2>
                    <button type="button" class="tool" onclick={close}>{ "关闭" }<kbd>{ "Esc" }</kbd></button>
                </header>
                <p class="hint">{ "标签（名称和颜色）由文库中所有文档共用：改名、合并、删除也作用于其他文档的标注。" }</p>
                if all.tags.is_empty() {
                    <p class="hint">{ "还没有标签。选中文字，输入标签名并回车即可创建。" }</p>
                }
                <ul class="tag-rows">{ for rows }</ul>
            </div>
        </div>
    }
}

/// The same tag change in every other document of the library (tags are
/// shared); says how many annotations there changed.
fn elsewhere_too(on_action: &Callback<Action>, doc: &str, from: &str, to: Option<&str>) {
    match lib::retag_elsewhere(doc, from, to) {
        Ok(0) => {}
        Ok(n) => on_action.emit(Action::Notify(format!(
            "其他文档中的 {n} 条标注也已更新（那些改动不在本页的撤销记录里）。"
        ))),
        Err(e) => on_action.emit(Action::Notify(format!("其他文档的标注没有全部更新：{e}"))),
    }
}
