//! The library: every document with its title, length, annotations and
//! when it was last opened; search, sort, open, rename, delete to the trash
//! and restore; the backup of everything; how much storage is used.

use std::collections::HashMap;
use std::rc::Rc;

use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use super::text_field::TextField;
use crate::core::exchange::ImportMode;
use crate::core::library::{self, Entry, Sort};
use crate::platform::{clock, documents, storage};
use crate::ui::components::root::ReloadContext;
use crate::ui::library as lib;
use crate::ui::state::{Action, NewDocumentMode, PendingRestore};

#[derive(Properties, PartialEq)]
pub struct LibraryPanelProps {
    /// The open document.
    pub open: String,
    /// A checked backup waiting for merge or replace.
    pub pending: Option<Rc<PendingRestore>>,
    pub on_action: Callback<Action>,
}

#[derive(Clone, PartialEq, Default)]
struct Listing {
    entries: Vec<Entry>,
    counts: HashMap<String, usize>,
    warnings: Vec<String>,
}

fn read_listing() -> Listing {
    let (entries, warnings) = lib::load_entries();
    let keys = storage::keys().unwrap_or_default();
    let counts = library::annotation_counts(keys.iter().map(String::as_str));
    Listing {
        entries,
        counts,
        warnings,
    }
}

#[component]
pub fn LibraryPanel(props: &LibraryPanelProps) -> Html {
    let listing = use_state(read_listing);
    let query = use_state(String::new);
    let sort = use_state(Sort::default);
    let renaming = use_state(|| None::<String>);
    let confirm_delete = use_state(|| None::<String>);
    let confirm_empty = use_state(|| false);
    let message = use_state(|| None::<String>);
    let usage = use_state(|| None::<(f64, f64, bool)>);
    let working = use_state(|| false);
    let reload = use_context::<ReloadContext>();

    {
        let usage = usage.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let persistent = documents::ask_persistent().await;
                if let Some((used, quota)) = documents::estimate().await {
                    usage.set(Some((used, quota, persistent)));
                }
            });
        });
    }
    let refresh = {
        let listing = listing.clone();
        move || listing.set(read_listing())
    };
    let report = {
        let message = message.clone();
        let refresh = refresh.clone();
        move |result: Result<(), String>| {
            if let Err(e) = result {
                message.set(Some(e));
            }
            refresh();
        }
    };

    let close = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::ToggleLibrary))
    };
    let new_document = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            on_action.emit(Action::NewDocument(Some(NewDocumentMode::Add)))
        })
    };
    let replace_text = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            on_action.emit(Action::NewDocument(Some(NewDocumentMode::Replace)))
        })
    };
    let on_query = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                query.set(i.value());
            }
        })
    };
    let on_sort = {
        let sort = sort.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                sort.set(Sort::from_name(&s.value()));
            }
        })
    };
    let restore = |mode: ImportMode| {
        let pending = props.pending.clone();
        let on_action = props.on_action.clone();
        let message = message.clone();
        let working = working.clone();
        let refresh = refresh.clone();
        let reload = reload.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(p) = pending.clone() else {
                return;
            };
            if mode == ImportMode::Replace && !p.confirm_replace {
                let mut asked = (*p).clone();
                asked.confirm_replace = true;
                return on_action.emit(Action::PendingRestore(Some(Rc::new(asked))));
            }
            let (on_action, message, working, refresh, reload) = (
                on_action.clone(),
                message.clone(),
                working.clone(),
                refresh.clone(),
                reload.clone(),
            );
            working.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let result = lib::restore(p.backup.clone(), mode).await;
                working.set(false);
                on_action.emit(Action::PendingRestore(None));
                message.set(Some(lib::restore_report(&p.file, result)));
                refresh();
                // The open document reads its annotations again.
                if let Some(reload) = reload {
                    reload.0.emit(());
                }
            });
        })
    };
    let cancel_restore = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::PendingRestore(None)))
    };

    let shown = library::shown(&listing.entries, &query, *sort);
    let trash = library::trashed(&listing.entries);
    let rows = shown.iter().map(|e| {
        let sha = e.sha256.clone();
        let open = Callback::from({
            let sha = sha.clone();
            let on_action = props.on_action.clone();
            move |_: MouseEvent| {
                on_action.emit(Action::ToggleLibrary);
                lib::navigate(&sha);
            }
        });
        let stop = Callback::from(|e: MouseEvent| e.stop_propagation());
        let count = listing.counts.get(&sha).copied().unwrap_or(0);
        let is_open = sha == props.open;
        let title = if renaming.as_deref() == Some(sha.as_str()) {
            let entry = (*e).clone();
            let renaming = renaming.clone();
            let report = report.clone();
            let onkeydown = Callback::from(move |k: KeyboardEvent| {
                let Some(input) = k.target_dyn_into::<HtmlInputElement>() else {
                    return;
                };
                match k.key().as_str() {
                    "Enter" => {
                        report(lib::rename(&entry, &input.value()));
                        renaming.set(None);
                    }
                    "Escape" => {
                        k.stop_propagation();
                        renaming.set(None);
                    }
                    _ => {}
                }
            });
            html! {
<TextField class="rename" action="rename-input" initial={e.title.clone()} label="新标题"
                    onclick={stop.clone()} {onkeydown} autofocus=true />
            }
        } else {
            html! { <span class="entry-title">{ e.title.clone() }</span> }
        };
        let start_rename = {
            let renaming = renaming.clone();
            let sha = sha.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                renaming.set(Some(sha.clone()));
            })
        };
        let delete = {
            let confirm_delete = confirm_delete.clone();
            let entry = (*e).clone();
            let report = report.clone();
            Callback::from(move |ev: MouseEvent| {
                ev.stop_propagation();
                if confirm_delete.as_deref() == Some(entry.sha256.as_str()) {
                    confirm_delete.set(None);
                    report(lib::set_trashed(&entry, true));
                } else {
                    confirm_delete.set(Some(entry.sha256.clone()));
                }
            })
        };
        let confirming = confirm_delete.as_deref() == Some(sha.as_str());
        html! {
            <li key={sha.clone()} class={classes!("library-entry", is_open.then_some("open"))}
                data-document={sha.clone()} onclick={open} title="打开">
                { title }
                <span class="entry-meta">
                    { format!("{} 字 · {} 条标注 · {}", e.length, count, clock::local_time(&e.opened)) }
                    if is_open { <span class="chip-open">{ "当前" }</span> }
                </span>
                <span class="entry-actions">
                    <button type="button" class="tool small" data-action="rename-document" onclick={start_rename}>{ "改名" }</button>
                    <button type="button" class={classes!("tool", "small", confirming.then_some("danger"))}
                        data-action="delete-document" onclick={delete}>
                        { if confirming { "确认删除？" } else { "删除" } }
                    </button>
                </span>
            </li>
        }
    });
    let trash_rows = trash.iter().map(|e| {
        let entry = (*e).clone();
        let report = report.clone();
        let restore = Callback::from(move |_: MouseEvent| report(lib::set_trashed(&entry, false)));
        html! {
            <li key={e.sha256.clone()} class="library-entry trashed" data-trashed={e.sha256.clone()}>
                <span class="entry-title">{ e.title.clone() }</span>
                <span class="entry-meta">{ format!("{} 字 · 删除于 {}", e.length, clock::local_time(e.trashed.as_deref().unwrap_or_default())) }</span>
                <span class="entry-actions">
                    <button type="button" class="tool small" data-action="restore-document" onclick={restore}>{ "恢复" }</button>
                </span>
            </li>
        }
    });
    let empty_trash = {
        let confirm_empty = confirm_empty.clone();
        let listing = listing.clone();
        let message = message.clone();
        let refresh = refresh.clone();
        let open = props.open.clone();
        Callback::from(move |_: MouseEvent| {
            if !*confirm_empty {
                return confirm_empty.set(true);
            }
            confirm_empty.set(false);
            let entries: Vec<Entry> = listing
                .entries
                .iter()
                .filter(|e| e.sha256 != open)
                .cloned()
                .collect();
            let (message, refresh) = (message.clone(), refresh.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let result = lib::empty_trash(&entries).await;
                message.set(Some(match result {
                    Ok(n) => format!("已永久删除 {n} 篇文档及其标注。"),
                    Err(e) => format!("回收站没有清空：{e}"),
                }));
                refresh();
            });
        })
    };
    let sort_options = Sort::ALL.iter().map(|(s, name, label)| {
        html! { <option value={*name} selected={*s == *sort}>{ *label }</option> }
    });
    let usage_text = usage.as_ref().map(|(used, quota, persistent)| {
        format!(
            "本站已用 {:.1} MB，可用约 {:.0} MB · {}",
            used / 1_048_576.0,
            quota / 1_048_576.0,
            if *persistent {
                "浏览器已同意持久保存"
            } else {
                "浏览器可能在空间不足时清理（请定期备份）"
            }
        )
    });
    html! {
        <div class="overlay" role="dialog" aria-label="文库" data-dialog="library">
            <div class="dialog library">
                <header>
                    <h2>{ format!("文库 · {} 篇", shown.len()) }</h2>
                    <button type="button" class="tool" onclick={close}>{ "关闭" }<kbd>{ "Esc" }</kbd></button>
                </header>
                <div class="library-tools">
                    <input type="search" class="search" placeholder="按标题搜索" data-action="library-search"
                        oninput={on_query} />
                    <label class="hint">{ "排序" }
                        <select data-action="library-sort" onchange={on_sort}>{ for sort_options }</select>
                    </label>
                    <span class="spacer"></span>
                    <button type="button" class="tool primary" data-action="new-document" onclick={new_document}>
                        { "新建文档" }<kbd>{ "N" }</kbd>
                    </button>
                    <button type="button" class="tool" data-action="replace-text" onclick={replace_text}
                        title="用修改后的文字替换当前文档，标注重新定位">{ "换成新版本…" }</button>
                </div>
                for w in listing.warnings.iter() {
                    <p class="warn" role="alert">{ w.clone() }</p>
                }
                if let Some(m) = &*message {
                    <p class="hint" role="status" data-library-message="">{ m.clone() }</p>
                }
                if let Some(p) = &props.pending {
                    <div class="restore" data-restore="">
                        <p>{ format!(
                            "「{}」含 {} 篇文档、{} 条标注、{} 个标签。合并：保留本机的一切，加入备份里的（同一标注取较新的）；替换：各文档的标注以备份为准，本机多出的文档移入回收站。",
                            p.file,
                            p.backup.documents.len(),
                            p.backup.documents.iter().map(|d| d.annotations.len() + d.orphans.len()).sum::<usize>(),
                            p.backup.tags.len()
                        ) }</p>
                        <button type="button" class="tool" onclick={cancel_restore}>{ "取消" }</button>
                        <button type="button" class={classes!("tool", p.confirm_replace.then_some("danger"))}
                            data-action="restore-replace" disabled={*working} onclick={restore(ImportMode::Replace)}>
                            { if p.confirm_replace { "确认替换" } else { "替换" } }
                        </button>
                        <button type="button" class="tool primary" data-action="restore-merge" disabled={*working}
                            onclick={restore(ImportMode::Merge)}>{ "合并" }</button>
                    </div>
                }
                <ul class="library-list" data-library="">{ for rows }</ul>
                if shown.is_empty() {
                    <p class="hint">{ "没有符合的文档。" }</p>
                }
                if !trash.is_empty() {
                    <details class="trash" open=true>
                        <summary>{ format!("回收站 · {} 篇（可恢复，清空后才真正删除）", trash.len()) }</summary>
                        <ul class="library-list">{ for trash_rows }</ul>
                        <button type="button" class={classes!("tool", "small", confirm_empty.then_some("danger"))}
                            data-action="empty-trash" onclick={empty_trash}>
                            { if *confirm_empty { "确认永久删除回收站中的文档？" } else { "清空回收站" } }
                        </button>
                    </details>
                }
                <footer class="library-footer">
                    <span class="hint">{ "备份与恢复：顶栏的「备份文库」「恢复文库」，一个文件含所有文档、标注、标签和用户词典。" }</span>
                    if let Some(u) = usage_text {
                        <span class="hint" data-storage-usage="">{ u }</span>
                    }
                </footer>
            </div>
        </div>
    }
}
