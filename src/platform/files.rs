//! Downloads and uploads.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Offers `content` as a file download named `name`.
pub fn download(name: &str, mime: &str, content: &str) -> Result<(), String> {
    download_bytes(name, mime, content.as_bytes())
}

/// Offers `content` (any bytes, e.g. a zip) as a file download named `name`.
pub fn download_bytes(name: &str, mime: &str, content: &[u8]) -> Result<(), String> {
    let fail = |e: wasm_bindgen::JsValue| format!("下载失败：{}", super::describe(&e));
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob =
        web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("没有文档")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| "无法创建链接".to_string())?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoke after the click has been handled.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ =
            w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000);
    }
    Ok(())
}

/// The file chosen in the `<input type=file>` a change event came from.
/// The input is cleared, so choosing the same file again fires `change`
/// again.
pub fn take_chosen(e: &web_sys::Event) -> Option<web_sys::File> {
    let input: web_sys::HtmlInputElement = e.target()?.dyn_into().ok()?;
    let file = input.files().and_then(|f| f.get(0));
    input.set_value("");
    file
}

/// Files over `max_bytes` are refused before they are read.
fn check_size(file: &web_sys::File, max_bytes: usize) -> Result<(), String> {
    let size = file.size();
    if size > max_bytes as f64 {
        return Err(format!(
            "文件太大（{:.1} MB，上限 {} MB）",
            size / 1_048_576.0,
            max_bytes / 1_048_576
        ));
    }
    Ok(())
}

/// The text of a chosen or dropped file, refusing files over `max_bytes`
/// before reading them.
pub async fn read_text(file: web_sys::File, max_bytes: usize) -> Result<String, String> {
    check_size(&file, max_bytes)?;
    let text = JsFuture::from(file.text())
        .await
        .map_err(|e| format!("读取文件失败：{}", super::describe(&e)))?;
    text.as_string().ok_or_else(|| "文件不是文本".to_string())
}

/// The bytes of a chosen or dropped file, refusing files over `max_bytes`
/// before reading them.
pub async fn read_bytes(file: &web_sys::File, max_bytes: usize) -> Result<Vec<u8>, String> {
    check_size(file, max_bytes)?;
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("读取文件失败：{}", super::describe(&e)))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A file name made safe for every OS: path and reserved characters dropped.
pub fn safe_file_name(name: &str) -> String {
    name.chars()
        .filter(|c| {
            !matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|') && !c.is_control()
        })
        .collect::<String>()
        .trim()
        .chars()
        .take(60)
        .collect()
}
