//! The root: reads the open document from the URL (`#/doc/<sha256>`),
//! loads its text (the seed is compiled in; others come from IndexedDB) and
//! mounts an `App` for it, a fresh one per document.

use std::rc::Rc;

use gloo::events::EventListener;
use yew::prelude::*;

use super::app::App;
use crate::core::article::Article;
use crate::ui::library;

/// Asks the root to mount the open document again (after a library restore
/// wrote its annotations from outside the app).
#[derive(Clone, PartialEq)]
pub struct ReloadContext(pub Callback<()>);

/// The document the URL names, or the seed.
fn routed() -> String {
    library::route().unwrap_or_else(library::seed_sha)
}

#[derive(Clone, PartialEq)]
enum Loaded {
    Ready(Rc<Article>),
    Failed(String),
}

#[component]
pub fn Root() -> Html {
    let route = use_state(routed);
    let generation = use_state(|| 0u32);
    // The seed opens at once, with the first frame.
    let loaded = use_state(|| {
        let sha = routed();
        (sha == library::seed_sha()).then(|| (sha, Loaded::Ready(library::seed_article())))
    });

    {
        let route = route.clone();
        use_effect_with((), move |_| {
            // The URL always names the open document (without adding a
            // history entry for the first visit).
            if library::route().is_none() {
                if let Ok(history) = gloo::utils::window().history() {
                    let url = format!("#/doc/{}", *route);
                    let _ = history.replace_state_with_url(
                        &wasm_bindgen::JsValue::NULL,
                        "",
                        Some(&url),
                    );
                }
            }
            let listener = EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                route.set(routed())
            });
            move || drop(listener)
        });
    }
    {
        let loaded = loaded.clone();
        use_effect_with((*route).clone(), move |sha| {
            if loaded.as_ref().is_some_and(|(s, _)| s == sha) {
                return;
            }
            let sha = sha.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let result = if sha == library::seed_sha() {
                    Loaded::Ready(library::seed_article())
                } else {
                    match library::load_document(&sha).await {
                        Ok(Some(d)) => Loaded::Ready(Rc::new(d.article())),
                        Ok(None) => Loaded::Failed(
                            "文库里没有这篇文档（可能已从回收站永久删除，或在另一个浏览器里）。"
                                .into(),
                        ),
                        Err(e) => Loaded::Failed(e.to_string()),
                    }
                };
                loaded.set(Some((sha, result)));
            });
        });
    }
    let reload = {
        let generation = generation.clone();
        use_callback((), move |_: (), _| generation.set(*generation + 1))
    };
    let current = loaded.as_ref().filter(|(sha, _)| *sha == *route);
    match current {
        Some((sha, Loaded::Ready(article))) => html! {
            <ContextProvider<ReloadContext> context={ReloadContext(reload)}>
                <App key={format!("{sha}-{}", *generation)} article={article.clone()} doc={sha.clone()} />
            </ContextProvider<ReloadContext>>
        },
        Some((sha, Loaded::Failed(why))) => {
            let stored = library::stored_values(sha);
            let sha = sha.clone();
            let download = Callback::from(move |_: MouseEvent| {
                if let Err(e) = library::download_stored_values(&sha) {
                    gloo::console::error!(e);
                }
            });
            html! {
                <div class="app-message" role="alert" data-document-missing={(*route).clone()}>
                    <h1>{ "无法打开这篇文档" }</h1>
                    <p>{ why.clone() }</p>
                    if stored > 0 {
                        <p>
                            { format!("它的 {stored} 项标注和设置仍在浏览器里，没有被改动。") }
                            <button type="button" class="tool" data-action="export-stored" onclick={download}>{ "原样下载" }</button>
                        </p>
                    }
                    <p><a href={format!("#/doc/{}", library::seed_sha())}>{ "打开示例文章" }</a>{ "，再从文库（L）选择其他文档。" }</p>
                </div>
            }
        }
        None => html! {
            <div class="app-message" role="status" data-loading-document="">
                <span class="spinner" aria-hidden="true"></span>{ " 正在打开文档…" }
            </div>
        },
    }
}
