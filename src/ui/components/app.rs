use std::cell::RefCell;
use std::rc::Rc;

use gloo::events::EventListener;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::article_view::ArticleView;
use super::keywords_panel::KeywordsPanel;
use super::topbar::Topbar;
use super::user_dict_panel::UserDictPanel;
use crate::core::segment::UserDict;
use crate::platform::segmenter::{SegmenterClient, SegmenterEvent};
use crate::platform::{storage, timing};
use crate::ui::state::{Action, AppState, Segmentation};
use crate::ui::SEED_ARTICLE;

/// Per-document keys in localStorage, versioned.
fn storage_key(doc: &str, what: &str) -> String {
    format!("mozhu.v1.{doc}.{what}")
}

#[component]
pub fn App() -> Html {
    let state = use_reducer(|| {
        let doc = crate::core::article::Article::parse(SEED_ARTICLE).sha256();
        let dict: UserDict = storage::load(&storage_key(&doc, "userdict"))
            .ok()
            .flatten()
            .unwrap_or_default();
        let word_view = storage::load(&storage_key(&doc, "wordview"))
            .ok()
            .flatten()
            .unwrap_or(false);
        AppState::new(SEED_ARTICLE, dict, word_view)
    });
    let doc_id = use_memo(state.article.clone(), |a| a.sha256());
    let client: Rc<RefCell<Option<SegmenterClient>>> = use_mut_ref(|| None);

    use_effect_with((), |_| timing::mark("article-visible"));

    // Start the segmentation worker once; it loads the dictionary in parallel
    // with everything the page does.
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
                } => {
                    timing::mark("segmentation-ready");
                    dispatch.dispatch(Action::Segmented {
                        id,
                        tokens,
                        segment_ms,
                    })
                }
                SegmenterEvent::Failed(message) => {
                    dispatch.dispatch(Action::SegmentationFailed(message))
                }
            };
            match SegmenterClient::spawn(on_event) {
                Ok(c) => *client.borrow_mut() = Some(c),
                Err(e) => gloo::console::error!(format!("segmenter worker did not start: {e}")),
            }
        });
    }

    // Ask for tokens once the worker has its dictionary (a message sent
    // before its handler exists would be lost), and again whenever the
    // request id moves (dictionary edits).
    {
        let client = client.clone();
        let article = state.article.clone();
        let dict = state.user_dict.clone();
        let loaded = state.dictionary_ms.is_some();
        use_effect_with((state.request_id, loaded), move |(id, loaded)| {
            if let (true, Some(c)) = (*loaded, client.borrow().as_ref()) {
                c.request(*id, &article.source, &dict);
            }
        });
    }

    // Persist the user dictionary and the view preference.
    {
        let doc = (*doc_id).clone();
        use_effect_with(state.user_dict.clone(), move |dict| {
            if let Err(e) = storage::save(&storage_key(&doc, "userdict"), dict) {
                gloo::console::error!(e);
            }
        });
    }
    {
        let doc = (*doc_id).clone();
        use_effect_with(state.word_view, move |on| {
            if let Err(e) = storage::save(&storage_key(&doc, "wordview"), on) {
                gloo::console::error!(e);
            }
        });
    }

    // Global shortcuts (ignored while typing in a field).
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let listener = EventListener::new(&gloo::utils::document(), "keydown", move |e| {
                let e: &KeyboardEvent = e.unchecked_ref();
                if e.ctrl_key() || e.meta_key() || e.alt_key() || typing_in_field(e) {
                    return;
                }
                match e.key().as_str() {
                    "w" | "W" => dispatch.dispatch(Action::ToggleWordView),
                    "Escape" => dispatch.dispatch(Action::MarkWord(None)),
                    _ => {}
                }
            });
            move || drop(listener)
        });
    }

    let segmentation = match state.segmentation {
        Segmentation::Loading => "loading",
        Segmentation::Ready { .. } => "ready",
        Segmentation::Failed(_) => "failed",
    };
    let on_action = {
        let dispatch = state.dispatcher();
        Callback::from(move |a: Action| dispatch.dispatch(a))
    };
    html! {
        <div id="app" class="app" data-segmentation={segmentation}>
            <Topbar state={state.clone()} on_action={on_action.clone()} />
            <main class="workspace">
                <ArticleView state={state.clone()} on_action={on_action.clone()} />
                <aside class="side">
                    <KeywordsPanel keywords={state.keywords.clone()} marked={state.marked_word.clone()} on_action={on_action.clone()} />
                    <UserDictPanel dict={state.user_dict.clone()} selection_text={selection_text(&state)} on_action={on_action} />
                </aside>
            </main>
        </div>
    }
}

fn selection_text(state: &AppState) -> Option<String> {
    state
        .selection
        .map(|(s, e)| crate::core::text::slice_chars(&state.article.source, s, e).to_string())
}

fn typing_in_field(e: &KeyboardEvent) -> bool {
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.closest("[contenteditable]").ok().flatten().is_some()
        })
}
