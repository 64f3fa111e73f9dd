//! Ids and times for new annotations.

/// Now as RFC 3339 in UTC with milliseconds, e.g. `2026-11-29T10:30:00.000Z`.
pub fn now_rfc3339() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// A random (v4) UUID from the browser's `crypto.randomUUID()`.
pub fn new_uuid() -> String {
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.random_uuid())
        .unwrap_or_else(fallback_uuid)
}

/// For contexts without `crypto.randomUUID` (non-secure origins): still v4
/// layout, from `Math.random`.
fn fallback_uuid() -> String {
    let hex = |n: usize| -> String {
        (0..n)
            .map(|_| {
                char::from_digit((js_sys::Math::random() * 16.0) as u32 % 16, 16).unwrap_or('0')
            })
            .collect()
    };
    let variant =
        char::from_digit(8 + (js_sys::Math::random() * 4.0) as u32 % 4, 16).unwrap_or('8');
    format!(
        "{}-{}-4{}-{}{}-{}",
        hex(8),
        hex(4),
        hex(3),
        variant,
        hex(3),
        hex(12)
    )
}
