use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::agreement_panel::AgreementPanel;
use super::article_view::ArticleView;
use super::density_strip::DensityStrip;
use super::help_overlay::HelpOverlay;
use super::import_dialog::{ImportDialog, ImportProgressBar};
use super::keywords_panel::KeywordsPanel;
use super::library_panel::LibraryPanel;
use super::new_document::{self, EncodingNotice, GuessedFile, NewDocumentDialog};
use super::relation_popup::{short_quote, RelationLabelPopup};
use super::sidebar::Sidebar;
use super::statistics_panel::StatisticsPanel;
use super::sync_panel::SyncPanel;
use super::tag_manager::TagManager;
use super::tag_popup::TagPopup;
use super::topbar::topbar;
use super::user_dict_panel::UserDictPanel;
use crate::core::article::Article;
use crate::core::keyselect::{self, WordStep};
use crate::core::segment::UserDict;
use crate::core::store::Command;
use crate::platform::segmenter::{self, SegmenterClient, SegmenterEvent};
use crate::platform::{dom, files, storage, timing};
use crate::ui::hooks::annotation_storage::use_annotation_storage;
use crate::ui::hooks::settings::{load_setting, use_saved_setting, Setting, SettingKeys};
use crate::ui::hooks::sync::use_sync;
use crate::ui::library;
use crate::ui::state::{
    Action, AppState, Linking, NewDocumentMode, Popup, PopupTarget, RelationPopup, Segmentation,
    Unsaved,
};
use crate::ui::transfer;

/// Stretches of the text the density strip shows.
const DENSITY_BINS: usize = 200;

/// The open document's stored settings, read once.
struct Opened {
    user_dict: Setting<UserDict>,
    word_view: Setting<bool>,
    warnings: Vec<String>,
}

#[derive(Properties, PartialEq)]
pub struct AppProps {
    pub article: Rc<Article>,
    /// The article's SHA-256 (hashed once, not per render).
    pub doc: AttrValue,
}

/// One open document. The root mounts a new `App` (keyed by the document)
/// when another is opened, so nothing of one document leaks into another.
#[component]
pub fn App(props: &AppProps) -> Html {
    let doc_id = props.doc.to_string();
    let keys = use_memo(doc_id.clone(), |doc| {
        (
            SettingKeys::user_dict(doc, &library::seed_sha()),
            SettingKeys::word_view(doc),
        )
    });
    let opened = use_memo((), {
        let keys = keys.clone();
        let doc = doc_id.clone();
        move |_| {
            let mut warnings = Vec::new();
            let user_dict = load_setting(&doc, &keys.0, &mut warnings);
            let word_view = load_setting(&doc, &keys.1, &mut warnings);
            Opened {
                user_dict,
                word_view,
                warnings,
            }
        }
    });
    let state = {
        let opened = opened.clone();
        let article = props.article.clone();
        use_reducer(move || {
            let mut s = AppState::with_article(
                article,
                opened.user_dict.value.clone(),
                opened.word_view.value,
            );
            if !opened.warnings.is_empty() {
                s.storage_warning = Some(opened.warnings.join(" "));
            }
            s.message = library::take_message();
            s
        })
    };
    // The newest state, for listeners made once.
    let latest_state = use_mut_ref(|| state.clone());
    *latest_state.borrow_mut() = state.clone();
    let client: Rc<RefCell<Option<SegmenterClient>>> = use_mut_ref(|| None);

    // The live view is in the DOM: drop the static copy index.html showed
    // while the wasm loaded (same frame, so nothing flickers).
    {
        let article = props.article.clone();
        use_effect_with((), move |_| {
            dom::remove_by_id("prerendered");
            timing::mark("app-ready");
            library::touch_opened(&article);
        });
    }

    // Take over the segmentation worker `ui::start` started before the first
    // render; it loads the dictionary in parallel with everything the page does.
    {
        let client = client.clone();
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let on_event = move |event| match event {
                SegmenterEvent::Ready { init_ms } => {
                    dispatch.dispatch(Action::DictionaryLoaded { init_ms })
                }
                SegmenterEvent::Tokens {
                    id,
                    tokens,
                    segment_ms,
                    blocks_done,
                    blocks_total,
                } => {
                    if blocks_done >= blocks_total {
                        timing::mark("segmentation-ready");
                    }
                    dispatch.dispatch(Action::Segmented {
                        id,
                        tokens,
                        segment_ms,
                        blocks_done,
                        blocks_total,
                    })
                }
                SegmenterEvent::Failed(message) => {
                    dispatch.dispatch(Action::SegmentationFailed(message))
                }
            };
            match segmenter::take_started() {
                Ok(c) => {
                    c.connect(on_event);
                    *client.borrow_mut() = Some(c);
                }
                Err(e) => gloo::console::error!(format!("segmenter worker did not start: {e}")),
            }
        });
    }

    // Ask for tokens at once (the worker keeps requests that come before its
    // dictionary), and again whenever the request id moves (dictionary edits).
    {
        let client = client.clone();
        let article = state.article.clone();
        let dict = state.user_dict.clone();
        use_effect_with(state.request_id, move |id| {
            if let Some(c) = client.borrow().as_ref() {
                c.request(*id, &article, &dict);
            }
        });
    }

    use_annotation_storage(&state);
    use_sync(&state);
    let reload_context = use_context::<super::root::ReloadContext>();
    use_saved_setting(
        &keys.0,
        state.user_dict.clone(),
        opened.user_dict.extra.clone(),
    );
    use_saved_setting(&keys.1, state.word_view, opened.word_view.extra.clone());

    // Global shortcuts (ignored while typing in a field). The listener is
    // made once and reads the newest state through `latest`.
    let latest = latest_state.clone();
    {
        use_effect_with((), move |_| {
            let options = EventListenerOptions::enable_prevent_default();
            let listener = EventListener::new_with_options(
                &gloo::utils::document(),
                "keydown",
                options,
                move |e| {
                    let e: &KeyboardEvent = e.unchecked_ref();
                    let state = latest.borrow().clone();
                    let plain = !(e.ctrl_key() || e.meta_key() || e.alt_key());
                    if state.popup.is_some()
                        && plain
                        && !typing_in_field(e)
                        && dom::forward_key_to_popup(e)
                    {
                        return;
                    }
                    if let Some(action) = shortcut(&state, e) {
                        e.prevent_default();
                        state.dispatch(action);
                    }
                },
            );
            move || drop(listener)
        });
    }

    let segmentation = match state.segmentation {
        Segmentation::Loading => "loading",
        Segmentation::Partial { .. } => "partial",
        Segmentation::Ready { .. } => "ready",
        Segmentation::Failed(_) => "failed",
    };
    // Timings for the benchmark script (milliseconds spent in the worker).
    let (dictionary_ms, segment_ms) = match &state.segmentation {
        Segmentation::Ready {
            init_ms,
            segment_ms,
            ..
        } => (
            Some(format!("{init_ms:.1}")),
            Some(format!("{segment_ms:.1}")),
        ),
        _ => (None, None),
    };
    // One callback for the app's lifetime: children compare it by pointer.
    let on_action = {
        let dispatch = state.dispatcher();
        use_callback((), move |a: Action, _| dispatch.dispatch(a))
    };
    let on_reopen = {
        let dispatch = state.dispatcher();
        use_callback(
            (),
            move |(file, encoding): (GuessedFile, &'static str), _| {
                new_document::reopen(file, encoding, dispatch.clone())
            },
        )
    };
    let ondragover = Callback::from(|e: DragEvent| e.prevent_default());
    let ondrop = {
        let state = state.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let Some(file) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            else {
                return;
            };
            // Annotation files (ours, W3C, doccano, Label Studio, brat) are
            // imported; texts become documents.
            let name = file.name().to_lowercase();
            if [".json", ".jsonld", ".jsonl", ".ann", ".zip"]
                .iter()
                .any(|ext| name.ends_with(ext))
            {
                transfer::import_file(file, state.clone());
            } else {
                new_document::open_document_file(file, None, state.dispatcher());
            }
        })
    };
    let export_now = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            if let Err(e) = transfer::download_json(&state) {
                state.dispatch(Action::Notify(e));
            }
        })
    };
    let dismiss_warning = {
        let dispatch = state.dispatcher();
        Callback::from(move |_: MouseEvent| dispatch.dispatch(Action::StorageWarning(None)))
    };
    let download_backup = |key: String| {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            let result = storage::get(&key)
                .map_err(|e| e.to_string())
                .and_then(|raw| {
                    files::download(
                        &format!("{}.json", files::safe_file_name(&key)),
                        "application/json",
                        &raw.unwrap_or_default(),
                    )
                });
            if let Err(e) = result {
                state.dispatch(Action::Notify(e));
            }
        })
    };
    // Where the annotations are along the text, for the strip by the scrollbar.
    let density = use_memo(
        (state.store.shared(), state.article.clone()),
        |(all, article)| crate::core::statistics::density(article, all, DENSITY_BINS),
    );
    // Who annotated this document, in order of first appearance by name.
    let annotators = use_memo(state.sync.creators.clone(), |creators| {
        let mut names: Vec<String> = creators
            .values()
            .filter(|n| !n.is_empty())
            .cloned()
            .collect();
        names.sort();
        names.dedup();
        names
    });
    // Relation labels are tags: the label field offers them, in their colours.
    let relation_tags = use_memo(state.store.shared(), |all| all.tags.clone());
    html! {
        <div id="app" class="app" data-document={doc_id.clone()} data-segmentation={segmentation} data-dictionary-ms={dictionary_ms}
            data-segment-ms={segment_ms} data-sync-status={state.sync.status.name()} {ondragover} {ondrop}>
            { topbar(&state, &on_action, reload_context.clone()) }
            if let Some(warning) = &state.storage_warning {
                <div class="banner" role="alert" data-storage-warning="">
                    <span>{ warning.clone() }</span>
                    <button type="button" class="tool" onclick={export_now.clone()}>{ "导出 JSON" }</button>
                    if let Some(backup) = backup_key(warning) {
                        <button type="button" class="tool" onclick={download_backup(backup)}>{ "下载原数据" }</button>
                    }
                    <button type="button" class="remove" aria-label="关闭" onclick={dismiss_warning}>{ "×" }</button>
                </div>
            }
            if let Some(file) = new_document::guessed_file(&doc_id) {
                <EncodingNotice {file} on_reopen={on_reopen.clone()} />
            }
            if let Some(progress) = &state.import_progress {
                <ImportProgressBar progress={progress.clone()} on_action={on_action.clone()} />
            }
            if let Some(unsaved) = &state.unsaved {
                <div class="banner" role="alert" data-unsaved={unsaved.count.to_string()}>
                    <span>{ unsaved_text(unsaved) }</span>
                    <button type="button" class="tool" onclick={export_now}>{ "导出 JSON" }</button>
                </div>
            }
            <main class="workspace">
                <ArticleView state={state.clone()} on_action={on_action.clone()} />
                <aside class="side">
                    <Sidebar state={state.clone()} on_action={on_action.clone()} />
                    <KeywordsPanel keywords={state.keywords.clone()} marked={state.marked_word.clone()} on_action={on_action.clone()} />
                    <UserDictPanel dict={state.user_dict.clone()} selection_text={selection_text(&state)} on_action={on_action.clone()} />
                </aside>
            </main>
            if state.key_selection.is_some() {
                <div class="keyhint" role="status" data-keyhint="">
                    <span><kbd>{ "→" }</kbd><kbd>{ "←" }</kbd>{ "结尾增减一词" }</span>
                    <span><kbd>{ "Shift + ←/→" }</kbd>{ "开头增减一词" }</span>
                    <span><kbd>{ "↓" }</kbd><kbd>{ "↑" }</kbd>{ "换段" }</span>
                    <span><kbd>{ "Enter" }</kbd>{ "标注" }</span>
                    <span><kbd>{ "Esc" }</kbd>{ "取消" }</span>
                </div>
            }
            if let Some(linking) = &state.linking {
                <div class="keyhint" role="status" data-linking={linking.from.clone()}>
                    <span>{ format!("连线：从「{}」出发", quote_of(&state, &linking.from)) }</span>
                    <span><kbd>{ "J" }</kbd><kbd>{ "K" }</kbd>{ "选终点" }</span>
                    <span>{ "或点击另一处标注" }</span>
                    <span><kbd>{ "Enter" }</kbd>{ "确定" }</span>
                    <span><kbd>{ "Esc" }</kbd>{ "取消" }</span>
                </div>
            }
            if let Some(p) = &state.relation_popup {
                <RelationLabelPopup key={format!("{}>{}", p.from, p.to)} popup={p.clone()}
                    from_quote={short_quote(&quote_of(&state, &p.from))} to_quote={short_quote(&quote_of(&state, &p.to))}
                    label={p.editing.as_ref().and_then(|id| state.store.state().get(id)).and_then(|r| r.tags.first().cloned()).unwrap_or_default()}
                    tags={relation_tags.clone()} on_action={on_action.clone()} />
            }
            if let Some(popup) = &state.popup {
                <TagPopup key={format!("{:?}", popup.target)} state={state.clone()} on_action={on_action.clone()} />
            }
            if state.show_tag_manager {
                <TagManager state={state.clone()} on_action={on_action.clone()} />
            }
            if state.show_statistics {
                <StatisticsPanel state={state.clone()} on_action={on_action.clone()} />
            }
            if state.show_agreement && annotators.len() >= 2 {
                <AgreementPanel state={state.clone()} annotators={annotators.clone()} on_action={on_action.clone()} />
            }
            if state.show_sync {
                <SyncPanel view={state.sync.clone()} on_action={on_action.clone()} />
            }
            <DensityStrip density={density} article={state.article.clone()} />
            if state.show_help {
                <HelpOverlay on_action={on_action.clone()} />
            }
            if state.show_library {
                <LibraryPanel open={doc_id.clone()} pending={state.pending_restore.clone()} on_action={on_action.clone()} />
            }
            if let Some(mode) = state.new_document {
                <NewDocumentDialog {mode} state={state.clone()} on_action={on_action.clone()} />
            }
            if let Some(preview) = &state.import {
                <ImportDialog preview={preview.clone()} current={state.store.state().annotation_count()} on_action={on_action.clone()} dispatch={state.dispatcher()} />
            }
            if let Some(message) = &state.message {
                <div class="toast" role="status" data-message="">
                    { message.clone() }
                    <button type="button" class="remove" aria-label="关闭" onclick={Callback::from(move |_| on_action.emit(Action::DismissMessage))}>{ "×" }</button>
                </div>
            }
        </div>
    }
}

/// The quote of annotation `id` (a paragraph's or the document's name for
/// those), as the person knows it.
fn quote_of(state: &AppState, id: &str) -> String {
    match state.store.state().get(id).map(|a| &a.target) {
        Some(t) => t
            .quote()
            .map_or_else(|| "全文".to_string(), |q| q.exact.clone()),
        None => String::new(),
    }
}

/// What is not saved, in words: why, a few of the changes, how many.
fn unsaved_text(u: &Unsaved) -> String {
    let more = if u.count > u.examples.len() {
        format!(" 等 {} 项", u.count)
    } else {
        String::new()
    };
    format!(
        "{}：{}{more}尚未保存，只在本页内存中；之前保存的内容完好。请导出 JSON，或撤销一些改动（例如刚才的导入）腾出空间——腾出后会自动补存。",
        u.reason,
        u.examples.join("、")
    )
}

/// The backup key named in a storage warning, if any.
fn backup_key(warning: &str) -> Option<String> {
    let start = warning.find("mozhu.backup.")?;
    let key: String = warning[start..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '，')
        .collect();
    Some(key)
}

fn selection_text(state: &AppState) -> Option<String> {
    state
        .key_selection
        .or(state.selection)
        .map(|(s, e)| state.article.slice(s, e).to_string())
}

/// The action a key press stands for, if any.
fn shortcut(state: &AppState, e: &KeyboardEvent) -> Option<Action> {
    let key = e.key();
    let ctrl = e.ctrl_key() || e.meta_key();
    if ctrl && !e.alt_key() {
        return match key.to_lowercase().as_str() {
            "z" if e.shift_key() => Some(Action::Redo),
            "z" => Some(Action::Undo),
            "y" => Some(Action::Redo),
            _ => None,
        }
        .filter(|_| !typing_in_field(e));
    }
    if key == "Escape" {
        return if state.popup.is_some() || state.relation_popup.is_some() {
            None // the popup handles its own Escape
        } else if state.linking.is_some() {
            Some(Action::CancelLink)
        } else if state.key_selection.is_some() {
            Some(Action::KeySelect(None))
        } else if state.show_help {
            Some(Action::ToggleHelp)
        } else if state.new_document.is_some() {
            Some(Action::NewDocument(None))
        } else if state.show_library {
            Some(Action::ToggleLibrary)
        } else if state.show_tag_manager {
            Some(Action::ToggleTagManager)
        } else if state.show_statistics {
            Some(Action::ToggleStatistics)
        } else if state.show_agreement {
            Some(Action::ToggleAgreement)
        } else if state.show_sync {
            Some(Action::ToggleSync)
        } else if state.marked_word.is_some() {
            Some(Action::MarkWord(None))
        } else {
            state
                .selected
                .as_ref()
                .map(|_| Action::SelectAnnotation(None))
        };
    }
    if e.alt_key()
        || ctrl
        || typing_in_field(e)
        || state.popup.is_some()
        || state.relation_popup.is_some()
        || state.new_document.is_some()
    {
        return None;
    }
    if let Some(linking) = &state.linking {
        return linking_key(state, linking, &key);
    }
    // Over the library, only its own key (to close it) acts.
    if state.show_library && !key.eq_ignore_ascii_case("l") {
        return None;
    }
    if let Some(range) = state.key_selection {
        if let Some(action) = keyboard_selection(state, e, range) {
            return Some(action);
        }
    }
    let all = state.store.state();
    let ordered = all.in_document_order();
    let position = state
        .selected
        .as_ref()
        .and_then(|id| ordered.iter().position(|a| a.id == *id));
    match key.as_str() {
        "?" => Some(Action::ToggleHelp),
        "w" | "W" => Some(Action::ToggleWordView),
        "g" | "G" => Some(Action::ToggleTagManager),
        "i" | "I" => Some(Action::ToggleStatistics),
        "y" | "Y" => Some(Action::ToggleSync),
        "a" | "A" => Some(Action::ToggleAgreement),
        "l" | "L" => Some(Action::ToggleLibrary),
        "n" | "N" => Some(Action::NewDocument(Some(NewDocumentMode::Add))),
        "j" | "J" => {
            let next = position.map_or(0, |i| (i + 1).min(ordered.len().saturating_sub(1)));
            ordered.get(next).map(|a| Action::Focus(a.id.clone()))
        }
        "k" | "K" => {
            let prev = position.map_or(0, |i| i.saturating_sub(1));
            ordered.get(prev).map(|a| Action::Focus(a.id.clone()))
        }
        "Delete" | "Backspace" => state
            .selected
            .clone()
            .map(|id| Action::Apply(Command::Delete { id })),
        "e" | "E" => {
            let id = state.selected.clone()?;
            let (left, _, _, bottom) = dom::rect_of("data-annotation", &id).unwrap_or_default();
            Some(Action::OpenPopup(Popup {
                target: PopupTarget::Edit(id),
                x: left,
                y: bottom,
            }))
        }
        "s" | "S" => {
            // From the selected annotation's block, else the first block in view.
            let from = selected_start(state)
                .and_then(|s| state.article.block_at(s))
                .or_else(|| {
                    let id = dom::first_visible_block()?;
                    state.article.blocks.iter().position(|b| b.id == id)
                })?;
            let tokens = state.tokens().map_or(&[][..], |t| t.as_slice());
            (from..state.article.blocks.len())
                .find_map(|i| keyselect::first_word(&state.article, tokens, i))
                .map(|range| Action::KeySelect(Some(range)))
        }
        "r" | "R" => {
            let id = state.selected.clone()?;
            Some(Action::StartLink(id))
        }
        "t" | "T" => {
            let at = selected_start(state).or(state.selection.map(|(s, _)| s))?;
            let block = &state.article.blocks[state.article.block_at(at)?];
            let (left, _, _, bottom) = dom::rect_of("data-block", &block.id).unwrap_or_default();
            Some(Action::OpenPopup(Popup {
                target: PopupTarget::Block(block.id.clone()),
                x: left,
                y: bottom,
            }))
        }
        _ => None,
    }
}

/// Keys while a relation is being made: J/K pick the other end among the
/// annotations in document order, Enter opens the label field for it.
fn linking_key(state: &AppState, linking: &Linking, key: &str) -> Option<Action> {
    let all = state.store.state();
    let ordered: Vec<&str> = all
        .in_document_order()
        .into_iter()
        .map(|a| a.id.as_str())
        .collect();
    let at = linking.to.as_deref().unwrap_or(linking.from.as_str());
    let here = ordered.iter().position(|id| *id == at);
    let step = |forward: bool| {
        let mut i = here?;
        loop {
            i = if forward {
                i.checked_add(1)?
            } else {
                i.checked_sub(1)?
            };
            let id = ordered.get(i)?;
            if *id != linking.from {
                return Some(Action::LinkTo(id.to_string()));
            }
        }
    };
    match key {
        "j" | "J" => step(true),
        "k" | "K" => step(false),
        "Enter" => {
            let to = linking.to.clone()?;
            let (left, _, _, bottom) = dom::rect_of("data-annotation", &to).unwrap_or_default();
            Some(Action::OpenRelationPopup(RelationPopup {
                from: linking.from.clone(),
                to,
                editing: None,
                x: left,
                y: bottom,
            }))
        }
        _ => None,
    }
}

/// Where the selected annotation starts (code points), if it has a range.
fn selected_start(state: &AppState) -> Option<usize> {
    let id = state.selected.as_ref()?;
    let (start, _) = state.store.state().get(id)?.target.range()?;
    Some(start)
}

/// Keys while a passage is being selected from the keyboard: arrows move
/// its end (or, with Shift, its start) a word at a time, or to another
/// block; Enter opens the tag popup for it.
fn keyboard_selection(
    state: &AppState,
    e: &KeyboardEvent,
    range: (usize, usize),
) -> Option<Action> {
    let word_step = match (e.key().as_str(), e.shift_key()) {
        ("ArrowRight", false) => WordStep::ExtendEnd,
        ("ArrowLeft", false) => WordStep::ShrinkEnd,
        ("ArrowLeft", true) => WordStep::ExtendStart,
        ("ArrowRight", true) => WordStep::ShrinkStart,
        ("ArrowDown", _) => WordStep::NextBlock,
        ("ArrowUp", _) => WordStep::PreviousBlock,
        ("Enter", _) => {
            let (left, _, _, bottom) = dom::rect_of("data-pending", "").unwrap_or_default();
            return Some(Action::OpenPopup(Popup {
                target: PopupTarget::Passage {
                    start: range.0,
                    end: range.1,
                },
                x: left,
                y: bottom,
            }));
        }
        _ => return None,
    };
    let tokens = state.tokens().map_or(&[][..], |t| t.as_slice());
    Some(Action::KeySelect(Some(keyselect::step(
        &state.article,
        tokens,
        range,
        word_step,
    ))))
}

fn typing_in_field(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.closest("[contenteditable]").ok().flatten().is_some()
        })
}
