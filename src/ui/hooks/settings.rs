//! Settings in localStorage: the library's user dictionary, each
//! document's word view. A damaged value is kept aside and reported, never silently
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

/// Where a setting is kept, and where older versions kept it (read when
/// the key has nothing yet, removed once the key is written).
#[derive(Clone, PartialEq)]
pub struct SettingKeys {
    pub key: String,
    pub legacy: Vec<String>,
}

impl SettingKeys {
    /// One user dictionary for the library; before, each document had its
    /// own (version 2) and, before that, version 1's key.
    pub fn user_dict(doc: &str, seed: &str) -> SettingKeys {
        SettingKeys {
            key: persist::library_setting_key("userdict"),
            legacy: [doc, seed]
                .iter()
                .flat_map(|d| {
                    [
                        persist::setting_key(d, "userdict"),
                        version1_key(d, "userdict"),
                    ]
                })
                .collect(),
        }
    }

    /// The word view is remembered per document.
    pub fn word_view(doc: &str) -> SettingKeys {
        SettingKeys {
            key: persist::setting_key(doc, "wordview"),
            legacy: vec![version1_key(doc, "wordview")],
        }
    }
}

fn version1_key(doc: &str, what: &str) -> String {
    format!("mozhu.v1.{doc}.{what}")
}

/// Reads a setting (from an older key when the key has nothing yet).
/// Problems go to `warnings`; `doc` names backups of damaged values.
pub fn load_setting<T: DeserializeOwned + Serialize + Default>(
    doc: &str,
    keys: &SettingKeys,
    warnings: &mut Vec<String>,
) -> Setting<T> {
    let fresh = Setting {
        value: T::default(),
        extra: Some(Map::new()),
    };
    let what = keys.key.rsplit('.').next().unwrap_or_default().to_string();
    let found = match storage::get(&keys.key) {
        Ok(Some(raw)) => Some((keys.key.clone(), raw)),
        Ok(None) => keys
            .legacy
            .iter()
            .find_map(|k| storage::get(k).ok().flatten().map(|raw| (k.clone(), raw))),
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

/// Saves `value` whenever it changes (older keys are removed once the new
/// one is written).
#[hook]
pub fn use_saved_setting<T>(keys: &SettingKeys, value: T, extra: Option<Map<String, Value>>)
where
    T: Serialize + PartialEq + Clone + 'static,
{
    let keys = keys.clone();
    use_effect_with(value, move |v| {
        let Some(extra) = extra else {
            return;
        };
        match storage::set(&keys.key, &persist::encode_setting(v, &extra)) {
            Ok(()) => {
                for k in &keys.legacy {
                    let _ = storage::remove(k);
                }
            }
            Err(e) => gloo::console::error!(format!("{}: {e}", keys.key)),
        }
    });
}
