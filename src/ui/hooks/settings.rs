//! Per-document settings (the user dictionary, the word view) in
//! localStorage. A damaged value is kept aside and reported, never silently
//! reset; fields a newer version added are written back.

use serde::{de::DeserializeOwned, Serialize};
use serde_json::{Map, Value};
use yew::prelude::*;

use super::annotation_storage::keep_aside;
use crate::core::persist;
use crate::platform::storage;

/// A setting as read: its value and, when it may be saved, the unknown
/// fields to write back with it (`None`: a damaged value could not be kept
/// aside, so it is not written over).
pub struct Setting<T> {
    pub value: T,
    pub extra: Option<Map<String, Value>>,
}

fn legacy_key(doc: &str, what: &str) -> String {
    format!("mozhu.v1.{doc}.{what}")
}

/// Reads setting `what` of document `doc` (from version 1's key when there
/// is no newer one). Problems go to `warnings`.
pub fn load_setting<T: DeserializeOwned + Serialize + Default>(
    doc: &str,
    what: &str,
    warnings: &mut Vec<String>,
) -> Setting<T> {
    let fresh = Setting {
        value: T::default(),
        extra: Some(Map::new()),
    };
    let key = persist::setting_key(doc, what);
    let legacy = legacy_key(doc, what);
    let found = match storage::get(&key) {
        Ok(Some(raw)) => Some((key, raw)),
        Ok(None) => storage::get(&legacy)
            .ok()
            .flatten()
            .map(|raw| (legacy, raw)),
        Err(e) => {
            warnings.push(format!("{e}：设置无法读取，也不会保存。"));
            return Setting {
                value: T::default(),
                extra: None,
            };
        }
    };
    let Some((key, raw)) = found else {
        return fresh;
    };
    match persist::decode_setting::<T>(&raw) {
        Ok((value, extra)) => Setting {
            value,
            extra: Some(extra),
        },
        Err(problem) => match keep_aside(doc, &key, &raw) {
            Ok(backup) => {
                warnings.push(format!(
                    "保存的设置「{what}」无法读取（{problem}），已恢复默认；原数据已原样另存为 {backup} ，可用下方按钮下载。"
                ));
                fresh
            }
            Err(e) => {
                warnings.push(format!(
                    "保存的设置「{what}」无法读取（{problem}），也无法另存副本（{e}）；本次不会覆盖它。"
                ));
                Setting {
                    value: T::default(),
                    extra: None,
                }
            }
        },
    }
}

/// Saves `value` under setting `what` whenever it changes (and version 1's
/// key is removed once the new one is written).
#[hook]
pub fn use_saved_setting<T>(
    doc: &str,
    what: &'static str,
    value: T,
    extra: Option<Map<String, Value>>,
) where
    T: Serialize + PartialEq + Clone + 'static,
{
    let doc = doc.to_string();
    use_effect_with(value, move |v| {
        let Some(extra) = extra else {
            return;
        };
        let key = persist::setting_key(&doc, what);
        match storage::set(&key, &persist::encode_setting(v, &extra)) {
            Ok(()) => {
                let _ = storage::remove(&legacy_key(&doc, what));
            }
            Err(e) => gloo::console::error!(format!("{key}: {e}")),
        }
    });
}
