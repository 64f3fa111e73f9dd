//! Connects the open document and the user dictionary to the sync engine
//! (`ui::sync`): once the annotations are read from storage, every change
//! goes to the replica, and what a pull brings comes back as an action.

use std::rc::Rc;

use yew::prelude::*;

use crate::core::sync::schema;
use crate::platform::clock;
use crate::ui::library;
use crate::ui::state::{Action, AppState};
use crate::ui::sync;

thread_local! {
    /// The page's first document view starts the engine's watchers once.
    static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[hook]
pub fn use_sync(state: &UseReducerHandle<AppState>) {
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            sync::listen(Callback::from(move |v| {
                dispatch.dispatch(Action::SyncView(v))
            }));
            if !STARTED.with(|s| s.replace(true)) {
                sync::watch_online();
                sync::resume();
            }
        });
    }
    {
        let ready = state.store_ready;
        let sha = state.article.sha256();
        let article = state.article.clone();
        let annotations = state.store.shared();
        let dispatch = state.dispatcher();
        use_effect_with(ready, move |ready| {
            let open = *ready;
            if open {
                sync::open_document(
                    &sha,
                    article.char_len(),
                    annotations,
                    Callback::from(move |pull: Rc<_>| dispatch.dispatch(Action::Pulled(pull))),
                );
                let sha = sha.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let Ok(Some(document)) = library::load_document(&sha).await else {
                        return;
                    };
                    let entry = library::load_entries()
                        .0
                        .into_iter()
                        .find(|e| e.sha256 == sha);
                    let (title, added) = entry.map_or_else(
                        || (article.title().to_string(), clock::now_rfc3339()),
                        |e| (e.title, e.added),
                    );
                    sync::document_read(&sha, schema::document_doc(&document, &title, &added, ""));
                });
            }
            move || {
                if open {
                    sync::close_document(&sha);
                }
            }
        });
    }
    use_effect_with(state.user_dict.clone(), |dict| {
        sync::local_dict(dict.clone())
    });
    {
        let ready = state.store_ready;
        let sha = state.article.sha256();
        use_effect_with(state.store.shared(), move |annotations| {
            if ready {
                sync::local_change(&sha, annotations.clone());
            }
        });
    }
}
