//! Ids and times for new annotations.

use crate::core::annotation::uuid_with_version;

/// Now as RFC 3339 in UTC with milliseconds, e.g. `2026-11-29T10:30:00.000Z`.
pub fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// A random (v4) UUID. `crypto.randomUUID()` exists only on secure origins
/// (https, localhost); elsewhere (a LAN address over http) the same layout
/// is made from `crypto.getRandomValues`, which every origin has.
pub fn new_uuid() -> String {
    let crypto = web_sys::window().and_then(|w| w.crypto().ok());
    let has_random_uuid = crypto
        .as_ref()
        .is_some_and(|c| js_sys::Reflect::has(c, &"randomUUID".into()).unwrap_or(false));
    match crypto {
        Some(c) if has_random_uuid => c.random_uuid(),
        Some(c) => {
            let mut bytes = [0u8; 16];
            if c.get_random_values_with_u8_array(&mut bytes).is_err() {
                // No randomness at all: Math.random still gives unique ids.
                for b in &mut bytes {
                    *b = (js_sys::Math::random() * 256.0) as u8;
                }
            }
            uuid_with_version(bytes, 4)
        }
        None => uuid_with_version(
            std::array::from_fn(|_| (js_sys::Math::random() * 256.0) as u8),
            4,
        ),
    }
}

/// An RFC 3339 time in the person's time zone, `2026-11-29 18:30`.
pub fn local_time(rfc3339: &str) -> String {
    let d = js_sys::Date::new(&rfc3339.into());
    if d.get_time().is_nan() {
        return rfc3339.to_string();
    }
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}
