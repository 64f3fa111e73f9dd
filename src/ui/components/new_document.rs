//! Adding a document (paste, file, drop), replacing the open document's
//! text with a new version, and reopening a text file in another encoding.

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::core::document::{decode, Opened};
use crate::platform::{converter, files};
use crate::ui::library;
use crate::ui::state::{Action, AppState, NewDocumentMode};

/// Files and pastes larger than this are refused before reading.
pub const MAX_DOCUMENT_BYTES: usize = 20 << 20;

/// A text file whose encoding was guessed, kept so the person can reopen
/// it in another encoding.
#[derive(Clone, PartialEq)]
pub struct GuessedFile {
    pub name: String,
    pub bytes: Rc<Vec<u8>>,
    pub encoding: String,
    /// The document it became.
    pub sha: String,
}

thread_local! {
    static GUESSED: RefCell<Option<GuessedFile>> = const { RefCell::new(None) };
}

/// The guessed file that became document `sha`, if any.
pub fn guessed_file(sha: &str) -> Option<GuessedFile> {
    GUESSED.with(|g| g.borrow().clone().filter(|f| f.sha == sha))
}

/// Reads `file`, adds it to the library and opens it; problems go to the
/// app as a message, and nothing changes.
pub fn open_document_file(
    file: web_sys::File,
    encoding: Option<&'static str>,
    dispatch: UseReducerDispatcher<AppState>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let name = file.name();
        let bytes = match files::read_bytes(&file, MAX_DOCUMENT_BYTES).await {
            Ok(b) => b,
            Err(e) => return dispatch.dispatch(Action::Notify(format!("无法打开「{name}」：{e}"))),
        };
        open_bytes(name, Rc::new(bytes), encoding, dispatch).await;
    });
}

/// Opens a file's bytes as a document; its sha when it was added.
async fn open_bytes(
    name: String,
    bytes: Rc<Vec<u8>>,
    encoding: Option<&'static str>,
    dispatch: UseReducerDispatcher<AppState>,
) -> Option<String> {
    let opened = match converter::open_file(&name, bytes.to_vec(), encoding).await {
        Ok(o) => o,
        Err(e) => {
            dispatch.dispatch(Action::Notify(e));
            return None;
        }
    };
    let guessed = opened
        .encoding
        .as_ref()
        .filter(|e| e.uncertain())
        .map(|e| e.name.clone());
    match library::add(&opened).await {
        Ok((sha, known)) => {
            GUESSED.with(|g| {
                *g.borrow_mut() = guessed.map(|encoding| GuessedFile {
                    name: name.clone(),
                    bytes: bytes.clone(),
                    encoding,
                    sha: sha.clone(),
                })
            });
            let note = known
                .then(|| format!("「{name}」的文字已在文库中，打开的是原来那篇（标注都在）。"));
            library::open_with_message(&sha, note, &dispatch);
            Some(sha)
        }
        Err(e) => {
            dispatch.dispatch(Action::Notify(format!("「{name}」没有加入文库：{e}")));
            None
        }
    }
}

#[derive(Properties, PartialEq)]
pub struct NewDocumentProps {
    pub mode: NewDocumentMode,
    pub state: UseReducerHandle<AppState>,
    pub on_action: Callback<Action>,
}

/// The dialog: a paste field and a file chooser. In replace mode the text
/// becomes the open document's new version.
#[component]
pub fn NewDocumentDialog(props: &NewDocumentProps) -> Html {
    let textarea = use_node_ref();
    // The rich text of the last paste, and the plain text it came with: used
    // while the field still holds exactly that paste.
    let pasted_html: Rc<RefCell<Option<(String, String)>>> = use_mut_ref(|| None);
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let mode = props.mode;

    let finish = {
        let state = props.state.clone();
        let busy = busy.clone();
        let error = error.clone();
        move |opened: Opened| {
            let state = state.clone();
            let busy = busy.clone();
            let error = error.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = match mode {
                    NewDocumentMode::Add => library::add(&opened).await.map(|(sha, known)| {
                        let note = known.then(|| {
                            "这段文字已在文库中，打开的是原来那篇（标注都在）。".to_string()
                        });
                        (sha, note)
                    }),
                    NewDocumentMode::Replace => {
                        let all = state.store.state();
                        let annotations = all.all().cloned().collect();
                        let progress = busy.clone();
                        library::replace_text(
                            &state.article,
                            annotations,
                            &opened,
                            move |done, total| {
                                progress.set(Some(format!("重新定位标注 {done} / {total}…")))
                            },
                        )
                        .await
                        .map(|(sha, report)| (sha, Some(report)))
                    }
                };
                busy.set(None);
                match result {
                    Ok((sha, note)) => library::open_with_message(&sha, note, &state.dispatcher()),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };

    let onpaste = {
        let pasted_html = pasted_html.clone();
        Callback::from(move |e: Event| {
            let Some(data) = e
                .dyn_ref::<web_sys::ClipboardEvent>()
                .and_then(|e| e.clipboard_data())
            else {
                return;
            };
            let html = data.get_data("text/html").ok().filter(|h| !h.is_empty());
            let plain = data.get_data("text/plain").unwrap_or_default();
            *pasted_html.borrow_mut() = html.map(|h| (h, plain));
        })
    };
    let add_pasted = {
        let textarea = textarea.clone();
        let pasted_html = pasted_html.clone();
        let error = error.clone();
        let busy = busy.clone();
        let finish = finish.clone();
        Callback::from(move |_: MouseEvent| {
            let Some(field) = textarea.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let value = field.value();
            if value.len() > MAX_DOCUMENT_BYTES {
                return error.set(Some(format!(
                    "粘贴的文字太长（{:.1} MB，上限 {} MB），没有添加。",
                    value.len() as f64 / 1_048_576.0,
                    MAX_DOCUMENT_BYTES >> 20
                )));
            }
            // The page's structure, while the field holds exactly its paste.
            let html = pasted_html
                .borrow()
                .as_ref()
                .filter(|(_, plain)| normalize_newlines(plain) == normalize_newlines(&value))
                .map(|(h, _)| h.clone());
            error.set(None);
            busy.set(Some("正在读取…".into()));
            let (error, busy, finish) = (error.clone(), busy.clone(), finish.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match converter::open_paste(&value, html.as_deref()).await {
                    Ok(opened) => {
                        busy.set(Some("正在保存…".into()));
                        finish(opened);
                    }
                    Err(e) => {
                        busy.set(None);
                        error.set(Some(e));
                    }
                }
            });
        })
    };
    let on_file = {
        let error = error.clone();
        let busy = busy.clone();
        let finish = finish.clone();
        let dispatch = props.state.dispatcher();
        Callback::from(move |e: Event| {
            let Some(file) = files::take_chosen(&e) else {
                return;
            };
            if mode == NewDocumentMode::Add {
                return open_document_file(file, None, dispatch.clone());
            }
            let (error, busy, finish) = (error.clone(), busy.clone(), finish.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                let opened = match files::read_bytes(&file, MAX_DOCUMENT_BYTES).await {
                    Ok(bytes) => converter::open_file(&name, bytes, None).await,
                    Err(e) => Err(format!("无法打开「{name}」：{e}")),
                };
                match opened {
                    Ok(o) => {
                        busy.set(Some("正在保存…".into()));
                        finish(o);
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let close = {
        let on_action = props.on_action.clone();
        Callback::from(move |_: MouseEvent| on_action.emit(Action::NewDocument(None)))
    };
    let (title, lead) = match mode {
        NewDocumentMode::Add => ("新建文档", "粘贴文字（网页上复制的内容保留标题和段落），或选择文件。文件也可以直接拖到页面上。"),
        NewDocumentMode::Replace => ("换成新版本", "粘贴或选择这篇文档修改后的文字。现有标注会在新文字中重新定位，无法定位的保留为孤立标注；旧版本放入回收站。"),
    };
    html! {
        <div class="overlay" role="dialog" aria-label={title} data-dialog="new-document">
            <div class="dialog">
                <header>
                    <h2>{ title }</h2>
                    <button type="button" class="tool" onclick={close}>{ "关闭" }<kbd>{ "Esc" }</kbd></button>
                </header>
                <p class="lead">{ lead }</p>
                <textarea ref={textarea} class="paste" data-action="paste-document" rows="10"
                    placeholder="在此粘贴文字（Ctrl+V）" onpaste={onpaste} />
                if let Some(e) = &*error {
                    <p class="error" role="alert" data-document-error="">{ e.clone() }</p>
                }
                <div class="actions">
                    <label class="tool">
                        { "选择文件…" }
                        <input type="file" class="visually-hidden" data-action="choose-document"
                            accept=".txt,.text,.md,.markdown,.html,.htm,.xhtml,.docx,text/plain,text/markdown,text/html"
                            onchange={on_file} />
                    </label>
                    <span class="hint">{ ".txt（UTF-8、UTF-16、GB18030/GBK、Big5）· .md · .html · .docx" }</span>
                    <span class="spacer"></span>
                    if let Some(b) = &*busy {
                        <span class="status loading" role="status"><span class="spinner" aria-hidden="true"></span>{ b.clone() }</span>
                    }
                    <button type="button" class="primary" data-action="add-document" disabled={busy.is_some()}
                        onclick={add_pasted}>
                        { if mode == NewDocumentMode::Add { "加入文库并打开" } else { "换成这个版本" } }
                    </button>
                </div>
            </div>
        </div>
    }
}

fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n")
}

#[derive(Properties, PartialEq)]
pub struct EncodingNoticeProps {
    pub file: GuessedFile,
    /// Reopens the file in the encoding given (a label).
    pub on_reopen: Callback<(GuessedFile, &'static str)>,
}

/// Shown after opening a text file whose encoding was a guess: the guess,
/// a preview in any other encoding, and reopening in the one chosen.
#[component]
pub fn EncodingNotice(props: &EncodingNoticeProps) -> Html {
    let choice = use_state(|| props.file.encoding.to_lowercase());
    let open = use_state(|| false);
    let dismissed = use_state(|| false);
    let preview = use_state(String::new);
    // The start of the text as the chosen encoding reads it.
    {
        let preview = preview.clone();
        let file = props.file.clone();
        use_effect_with(((*choice).clone(), *open), move |(choice, open)| {
            if *open {
                let choice = choice.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let text =
                        match converter::open_file(&file.name, file.bytes.to_vec(), Some(&choice))
                            .await
                        {
                            Ok(o) => o.document.text.chars().take(160).collect(),
                            Err(e) => e,
                        };
                    preview.set(text);
                });
            }
        });
    }
    if *dismissed {
        return html! {};
    }
    let file = &props.file;
    let on_choose = {
        let choice = choice.clone();
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                choice.set(s.value());
            }
        })
    };
    let reopen = {
        let file = file.clone();
        let choice = choice.clone();
        let on_reopen = props.on_reopen.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some((label, _)) = decode::CHOICES.iter().find(|(l, _)| *l == choice.as_str()) {
                on_reopen.emit((file.clone(), label));
            }
        })
    };
    let options = decode::CHOICES.iter().map(|(label, name)| {
        html! { <option value={*label} selected={*label == choice.as_str()}>{ *name }</option> }
    });
    html! {
        <div class="banner notice" role="status" data-encoding-notice={file.encoding.clone()}>
            <span>{ format!("「{}」按 {} 编码读取。", file.name, file.encoding) }</span>
            if *open {
                <select data-action="encoding" onchange={on_choose}>{ for options }</select>
                <span class="preview" data-encoding-preview="">{ (*preview).clone() }</span>
                <button type="button" class="tool" data-action="reopen-encoding" onclick={reopen}>{ "用此编码重新打开" }</button>
            } else {
                <button type="button" class="tool" data-action="change-encoding"
                    onclick={let open = open.clone(); Callback::from(move |_| open.set(true))}>{ "文字是乱码？换编码" }</button>
            }
            <button type="button" class="remove" aria-label="关闭"
                onclick={Callback::from(move |_| dismissed.set(true))}>{ "×" }</button>
        </div>
    }
}

/// Reopens a guessed file in `encoding`: a new document; the misread one
/// goes to the trash (restorable).
pub fn reopen(file: GuessedFile, encoding: &'static str, dispatch: UseReducerDispatcher<AppState>) {
    wasm_bindgen_futures::spawn_local(async move {
        let misread = library::load_entries()
            .0
            .into_iter()
            .find(|e| e.sha256 == file.sha);
        let reopened = open_bytes(
            file.name.clone(),
            file.bytes.clone(),
            Some(encoding),
            dispatch,
        )
        .await;
        if let (Some(e), Some(sha)) = (misread, reopened) {
            if sha != e.sha256 {
                let _ = library::set_trashed(&e, true);
            }
        }
    });
}
