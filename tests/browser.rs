//! Browser-only code, run in headless Chromium by wasm-bindgen-test
//! (scripts/test runs `cargo test --target wasm32-unknown-unknown --test browser`).
#![cfg(target_arch = "wasm32")]

use annotator::core::article::Article;
use annotator::platform::timing;
use annotator::ui::components::app::App;
use annotator::ui::SEED_ARTICLE;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

#[wasm_bindgen_test]
fn timing_marks_are_visible_to_the_performance_api() {
    timing::mark("browser-test-mark");
    let perf = web_sys::window().unwrap().performance().unwrap();
    assert_eq!(perf.get_entries_by_name("browser-test-mark").length(), 1);
}

#[wasm_bindgen_test]
async fn app_renders_every_block_with_the_dom_contract() {
    let host = document().create_element("div").unwrap();
    document().body().unwrap().append_child(&host).unwrap();
    yew::Renderer::<App>::with_root(host.clone()).render();
    yew::scheduler::flush().await;

    let article = Article::parse(SEED_ARTICLE);
    let nodes = host.query_selector_all("[data-block]").unwrap();
    assert_eq!(nodes.length() as usize, article.blocks.len());
    for (i, block) in article.blocks.iter().enumerate() {
        let el: web_sys::Element = nodes.item(i as u32).unwrap().dyn_into().unwrap();
        assert_eq!(
            el.get_attribute("data-block").as_deref(),
            Some(block.id.as_str())
        );
        assert_eq!(
            el.get_attribute("data-kind").as_deref(),
            Some(block.kind.as_str())
        );
        assert_eq!(el.text_content().unwrap(), block.text);
    }
    let h1 = host.query_selector("h1").unwrap().unwrap();
    assert_eq!(h1.text_content().unwrap(), article.title());
}
