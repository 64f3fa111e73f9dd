//! Connects the open document to the sync engine (`ui::sync`): once its
//! annotations are read from storage, every change goes to the replica,
//! and what a pull brings comes back as an action.

use std::rc::Rc;

use serde_json::{json, Map};
use yew::prelude::*;

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
                let entry = library::load_entries()
                    .0
                    .into_iter()
                    .find(|e| e.sha256 == sha);
                let mut body = Map::new();
                let title = entry
                    .as_ref()
                    .map_or_else(|| article.title().to_string(), |e| e.title.clone());
                body.insert("title".into(), json!(title));
                body.insert("text".into(), json!(article.source));
                body.insert(
                    "added".into(),
                    json!(entry.map_or_else(clock::now_rfc3339, |e| e.added)),
                );
                sync::open_document(
                    &sha,
                    article.char_len(),
                    body,
                    annotations,
                    Callback::from(move |pull: Rc<_>| dispatch.dispatch(Action::Pulled(pull))),
                );
            }
            move || {
                if open {
                    sync::close_document(&sha);
                }
            }
        });
    }
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
