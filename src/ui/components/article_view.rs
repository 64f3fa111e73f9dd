use std::rc::Rc;

use yew::prelude::*;

use super::block_view::BlockView;
use crate::core::article::{Article, BlockKind};

#[derive(Properties, PartialEq)]
pub struct ArticleViewProps {
    pub article: Rc<Article>,
}

/// The article as a readable page: body blocks in order, footer lines
/// gathered at the end in a muted `<footer>`.
#[component]
pub fn ArticleView(props: &ArticleViewProps) -> Html {
    let blocks = &props.article.blocks;
    let body = blocks
        .iter()
        .filter(|b| b.kind != BlockKind::Footer)
        .map(|b| html! { <BlockView key={b.id.clone()} block={b.clone()} /> });
    let footer = blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Footer)
        .map(|b| html! { <BlockView key={b.id.clone()} block={b.clone()} /> })
        .collect::<Html>();
    html! {
        <article class="article" lang="zh-CN">
            { for body }
            <footer class="article-footer">{ footer }</footer>
        </article>
    }
}
