//! Prints the static HTML of the seed article for index.html:
//! `cargo run --bin prerender > static/prerendered.html`
fn main() {
    let article = annotator::core::article::Article::parse(annotator::ui::SEED_ARTICLE);
    print!("{}", annotator::core::prerender::article_html(&article));
}
