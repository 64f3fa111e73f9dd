//! Browser-only code, run in headless Chromium by wasm-bindgen-test
//! (scripts/test runs `cargo test --target wasm32-unknown-unknown --test browser`).
#![cfg(target_arch = "wasm32")]

use annotator::core::annotation::normalize_uuid;
use annotator::core::article::Article;
use annotator::core::article::{BlockKind, OutlineBlock};
use annotator::core::document::Document;
use annotator::core::persist;
use annotator::core::segment::UserDict;
use annotator::platform::documents::{self, DocumentsError};
use annotator::platform::storage::{self, StorageError};
use annotator::platform::{clock, selection, timing};
use annotator::ui::components::app::{App, AppProps};
use annotator::ui::hooks::settings::{load_setting, Setting, SettingKeys};
use annotator::ui::SEED_ARTICLE;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn run_js(code: &str) {
    js_sys::Function::new_no_args(code)
        .call0(&wasm_bindgen::JsValue::NULL)
        .unwrap();
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
    let article = Article::parse(SEED_ARTICLE);
    let props = AppProps {
        doc: article.sha256().into(),
        article: std::rc::Rc::new(article.clone()),
    };
    yew::Renderer::<App>::with_root_and_props(host.clone(), props).render();
    yew::scheduler::flush().await;

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
    host.remove();
}

#[wasm_bindgen_test]
fn storage_round_trips_and_reports_a_full_quota_without_damage() {
    let key = "mozhu.test.quota";
    storage::set(key, "before").unwrap();
    assert_eq!(storage::get(key).unwrap().as_deref(), Some("before"));
    run_js(
        "Storage.prototype.__setItem = Storage.prototype.setItem;
         Storage.prototype.setItem = function () {
           throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
         };",
    );
    let result = storage::set(key, "after");
    run_js("Storage.prototype.setItem = Storage.prototype.__setItem; delete Storage.prototype.__setItem;");
    assert_eq!(result, Err(StorageError::Full));
    assert_eq!(
        storage::get(key).unwrap().as_deref(),
        Some("before"),
        "a failed write changes nothing"
    );
    storage::remove(key).unwrap();
    assert_eq!(storage::get(key).unwrap(), None);
}

#[wasm_bindgen_test]
fn a_damaged_setting_is_kept_aside_once_and_reported() {
    let key = persist::setting_key("browsertest", "userdict");
    let keys = SettingKeys {
        key: key.clone(),
        legacy: Vec::new(),
    };
    storage::set(&key, "{oops").unwrap();
    let mut warnings = Vec::new();
    let got: Setting<UserDict> = load_setting("browsertest", &keys, &mut warnings);
    assert_eq!(got.value, UserDict::default());
    assert!(
        got.extra.is_some(),
        "may be saved: the original is kept aside"
    );
    assert_eq!(warnings.len(), 1);
    let backup = persist::backup_key("browsertest", "{oops");
    assert!(warnings[0].contains(&backup), "{warnings:?}");
    assert_eq!(storage::get(&backup).unwrap().as_deref(), Some("{oops"));
    assert_eq!(storage::get(&key).unwrap(), None);
    // The same damaged value again: still one backup, not a second copy.
    storage::set(&key, "{oops").unwrap();
    let before = storage::entries_with_prefix("mozhu.backup.browsertest")
        .unwrap()
        .len();
    let _: Setting<UserDict> = load_setting("browsertest", &keys, &mut Vec::new());
    let after = storage::entries_with_prefix("mozhu.backup.browsertest")
        .unwrap()
        .len();
    assert_eq!(before, after);
    storage::remove(&backup).unwrap();
}

#[wasm_bindgen_test]
fn a_setting_keeps_the_fields_a_newer_version_wrote() {
    let key = persist::setting_key("browsertest2", "userdict");
    storage::set(&key, r#"{"join":["成渝"],"split":[],"future":{"x":1}}"#).unwrap();
    let keys = SettingKeys {
        key: key.clone(),
        legacy: Vec::new(),
    };
    let got: Setting<UserDict> = load_setting("browsertest2", &keys, &mut Vec::new());
    assert_eq!(got.value.join, ["成渝"]);
    assert_eq!(got.extra.unwrap()["future"]["x"], 1);
    storage::remove(&key).unwrap();
}

#[wasm_bindgen_test]
fn ids_are_uuids_without_crypto_random_uuid() {
    // As on an http origin other than localhost.
    run_js(
        "Crypto.prototype.__r = Crypto.prototype.randomUUID; delete Crypto.prototype.randomUUID;",
    );
    let ids: Vec<String> = (0..50).map(|_| clock::new_uuid()).collect();
    run_js("Crypto.prototype.randomUUID = Crypto.prototype.__r; delete Crypto.prototype.__r;");
    for id in &ids {
        assert_eq!(normalize_uuid(id).as_deref(), Some(id.as_str()));
        assert_eq!(&id[14..15], "4", "{id}");
    }
    let distinct: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len());
    assert!(normalize_uuid(&clock::new_uuid()).is_some());
}

#[wasm_bindgen_test]
fn a_storage_error_is_described_in_words() {
    let e = js_sys::Error::new("boom");
    e.set_name("NotAllowedError");
    assert_eq!(
        annotator::platform::describe(&e.into()),
        "NotAllowedError: boom"
    );
}

/// DOM offsets (UTF-16, split over nested elements) become code points of
/// the source, and back, with characters outside the BMP.
#[wasm_bindgen_test]
fn selection_offsets_are_code_points_across_nested_elements() {
    let root = document().create_element("div").unwrap();
    // Source positions: the block starts at code point 100.
    root.set_inner_html(
        "<p data-offset=\"100\">甲😀<mark>乙𠮶</mark><span>丙<b>e\u{301}</b>丁</span></p>",
    );
    document().body().unwrap().append_child(&root).unwrap();
    let mark_text = root
        .query_selector("mark")
        .unwrap()
        .unwrap()
        .first_child()
        .unwrap();
    let span_b_text = root
        .query_selector("b")
        .unwrap()
        .unwrap()
        .first_child()
        .unwrap();
    let range = document().create_range().unwrap();
    // From after "乙" (UTF-16 offset 1 in "乙𠮶") to after "e" in "é".
    range.set_start(&mark_text, 1).unwrap();
    range.set_end(&span_b_text, 1).unwrap();
    let sel = web_sys::window().unwrap().get_selection().unwrap().unwrap();
    sel.remove_all_ranges().unwrap();
    sel.add_range(&range).unwrap();
    // 甲(100) 😀(101) 乙(102) 𠮶(103) 丙(104) e(105) ◌́(106) 丁(107)
    assert_eq!(selection::selected_range(&root), Some((103, 106)));

    selection::select_range(&root, 101, 104).unwrap();
    let sel = web_sys::window().unwrap().get_selection().unwrap().unwrap();
    assert_eq!(String::from(sel.to_string()), "😀乙𠮶");
    root.remove();
}

#[wasm_bindgen_test]
async fn a_setting_is_read_from_its_older_key_until_the_new_one_exists() {
    let old = persist::setting_key("browsertest3", "userdict");
    storage::remove(&persist::library_setting_key("userdict")).unwrap();
    storage::set(&old, r#"{"join":["旧词"],"split":[]}"#).unwrap();
    let keys = SettingKeys::user_dict("browsertest3", "browsertest-seed");
    let got: Setting<UserDict> = load_setting("browsertest3", &keys, &mut Vec::new());
    assert_eq!(got.value.join, ["旧词"]);
    storage::remove(&old).unwrap();
}

fn structured() -> Document {
    Document {
        text: "标题😀\n\n正文𠮶。".into(),
        outline: Some(vec![
            OutlineBlock {
                kind: BlockKind::Title,
                start: 0,
                end: 3,
            },
            OutlineBlock {
                kind: BlockKind::Paragraph,
                start: 5,
                end: 9,
            },
        ]),
    }
}

#[wasm_bindgen_test]
async fn document_texts_round_trip_through_indexeddb() {
    let doc = structured();
    let sha = doc.article().sha256();
    documents::put(&sha, &doc).await.unwrap();
    assert_eq!(documents::get(&sha).await.unwrap(), Some(doc.clone()));
    documents::delete(&sha).await.unwrap();
    assert_eq!(documents::get(&sha).await.unwrap(), None);
}

#[wasm_bindgen_test]
async fn texts_stored_by_the_first_database_version_open_after_the_upgrade() {
    use rexie::{ObjectStore, Rexie, TransactionMode};
    // The database as version 1 left it: texts only, no replica store.
    Rexie::delete("mozhu").await.unwrap();
    let doc = structured();
    let sha = doc.article().sha256();
    let v1 = Rexie::builder("mozhu")
        .version(1)
        .add_object_store(ObjectStore::new("texts"))
        .build()
        .await
        .unwrap();
    let tx = v1
        .transaction(&["texts"], TransactionMode::ReadWrite)
        .unwrap();
    let store = tx.store("texts").unwrap();
    let json = serde_json::to_string(&doc).unwrap();
    store
        .put(
            &wasm_bindgen::JsValue::from_str(&json),
            Some(&wasm_bindgen::JsValue::from_str(&sha)),
        )
        .await
        .unwrap();
    tx.done().await.unwrap();
    v1.close();
    // Opening it now upgrades it to version 2 and keeps the text.
    assert_eq!(documents::get(&sha).await.unwrap(), Some(doc));
    let (replica, _) = annotator::platform::replica_store::load("http://x/y")
        .await
        .unwrap();
    assert_eq!(replica.update_seq(), 0);
    documents::delete(&sha).await.unwrap();
}

#[wasm_bindgen_test]
async fn sync_replicas_round_trip_through_indexeddb_each_under_its_database() {
    use annotator::core::sync::protocol::Checkpoint;
    use annotator::core::sync::replica::Replica;
    use annotator::platform::replica_store;
    let body = |v: serde_json::Value| v.as_object().unwrap().clone();
    let mut one = Replica::default();
    one.put("tag:人物", body(serde_json::json!({"name": "人物"})), false);
    one.put("tag:地点", body(serde_json::json!({"name": "地点"})), false);
    one.put("tag:地点", serde_json::Map::new(), true);
    one.set_checkpoint(
        "r",
        Checkpoint::advance(None, "s", serde_json::json!("3-x")),
    );
    let mut other = Replica::default();
    other.put("tag:其他", body(serde_json::json!({"name": "其他"})), false);
    // Saved in two steps, as the engine does after each change.
    let (docs, meta) = one.take_dirty();
    let (first, rest) = docs.split_at(1);
    replica_store::save("http://a/one", first.to_vec(), meta.clone())
        .await
        .unwrap();
    replica_store::save("http://a/one", rest.to_vec(), meta)
        .await
        .unwrap();
    let (docs, meta) = other.take_dirty();
    // A database whose key starts like the first one's.
    replica_store::save("http://a/one2", docs, meta)
        .await
        .unwrap();
    let (back, damaged) = replica_store::load("http://a/one").await.unwrap();
    assert!(damaged.is_empty());
    assert_eq!(back, one);
    let (back, _) = replica_store::load("http://a/one2").await.unwrap();
    assert_eq!(back, other);
    let (empty, _) = replica_store::load("http://a/none").await.unwrap();
    assert_eq!(empty, Replica::default());
}

#[wasm_bindgen_test]
async fn a_stored_text_that_does_not_match_its_key_is_reported_not_used() {
    let doc = structured();
    let wrong = "0".repeat(64);
    documents::put(&wrong, &doc).await.unwrap();
    match documents::get(&wrong).await {
        Err(DocumentsError::Damaged(why)) => assert!(why.contains("SHA-256"), "{why}"),
        other => panic!("expected damage to be reported, got {other:?}"),
    }
    documents::delete(&wrong).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_full_store_is_reported_and_keeps_what_it_had() {
    let doc = structured();
    let sha = doc.article().sha256();
    documents::put(&sha, &doc).await.unwrap();
    run_js(
        "IDBObjectStore.prototype.__put = IDBObjectStore.prototype.put;
         IDBObjectStore.prototype.put = function () {
           throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
         };",
    );
    let bigger = Document::plain(&"新".repeat(1000));
    let result = documents::put(&sha, &bigger).await;
    run_js("IDBObjectStore.prototype.put = IDBObjectStore.prototype.__put; delete IDBObjectStore.prototype.__put;");
    assert_eq!(result, Err(DocumentsError::Full));
    assert_eq!(
        documents::get(&sha).await.unwrap(),
        Some(doc),
        "a failed write changes nothing"
    );
    documents::delete(&sha).await.unwrap();
}
