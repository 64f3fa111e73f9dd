use yew::prelude::*;

use super::article_view::ArticleView;
use crate::platform::timing;
use crate::ui::state::AppState;
use crate::ui::SEED_ARTICLE;

#[component]
pub fn App() -> Html {
    let state = use_reducer(|| AppState::new(SEED_ARTICLE));
    use_effect_with((), |_| timing::mark("article-visible"));
    let title = state.article.title().to_string();
    html! {
        <div id="app" class="app">
            <header class="topbar">
                <span class="brand" title="中文文本标注">{ "墨注" }</span>
                <span class="doc-title">{ title }</span>
            </header>
            <main class="workspace">
                <ArticleView article={state.article.clone()} />
            </main>
        </div>
    }
}
