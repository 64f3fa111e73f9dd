//! Static HTML of the article, shown by index.html before the app's wasm has
//! loaded so the text is readable at once; the app replaces it on its first
//! render. Same markup and classes as the Yew view, without the DOM-contract
//! attributes (the interactive copy carries those). `data-seed` names the
//! text, so index.html hides this copy when the URL opens another document.

use super::article::{Article, Block, BlockKind};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn block(b: &Block) -> String {
    let text = escape(&b.text);
    match b.kind {
        BlockKind::Title => {
            format!("<h1 class=\"block title\">{text}</h1>")
        }
        BlockKind::Heading => format!("<h2 class=\"block heading\">{text}</h2>"),
        kind => format!("<p class=\"block {}\">{text}</p>", kind.as_str()),
    }
}

pub fn article_html(article: &Article) -> String {
    let body: String = article
        .blocks
        .iter()
        .filter(|b| b.kind != BlockKind::Footer)
        .map(block)
        .collect::<Vec<_>>()
        .join("\n");
    let footer: String = article
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Footer)
        .map(block)
        .collect();
    format!(
        "<div id=\"prerendered\" class=\"app\" data-seed=\"{}\">\n<header class=\"topbar\"><span class=\"brand\">墨注</span>\
         <span class=\"doc-title\">{}</span></header>\n<main class=\"workspace\"><article class=\"article\" lang=\"zh-CN\">\n\
         {body}\n<footer class=\"article-footer\">{footer}</footer></article><aside class=\"side\"></aside></main>\n</div>\n",
        article.sha256(),
        escape(article.title())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_every_block_is_there() {
        let a = Article::parse("<标题>\n\n  正文 & \"引号\"。\n\n  一、小标题\n\n标签 - 甲\n");
        let html = article_html(&a);
        assert!(html.contains(">&lt;标题&gt;</h1>"));
        assert!(html.contains("正文 &amp; &quot;引号&quot;。"));
        assert!(html.contains("<h2 class=\"block heading\">一、小标题</h2>"));
        assert!(html.contains(
            "<footer class=\"article-footer\"><p class=\"block footer\">标签 - 甲</p></footer>"
        ));
        assert!(
            !html.contains("data-block"),
            "the contract attributes belong to the live view"
        );
    }

    /// static/prerendered.html is generated from the seed; regenerate it
    /// with `cargo run --bin prerender > static/prerendered.html`.
    #[test]
    fn the_shipped_prerendered_html_matches_the_seed() {
        let article = Article::parse(include_str!("../../seeds/000_dd504da93b3e7f9a.txt"));
        assert_eq!(
            include_str!("../../static/prerendered.html"),
            article_html(&article),
            "static/prerendered.html is stale: run `cargo run --bin prerender > static/prerendered.html`"
        );
    }
}
