//! Times of annotations: parsed as RFC 3339 instants (with the `time`
//! crate), stored normalised to UTC with milliseconds and a `Z`, and
//! compared as instants, never as text (`+08:00`, fractional seconds and a
//! lowercase `t`/`z` all name the same instant differently).

use std::cmp::Ordering;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// Parses an RFC 3339 time; impossible dates (2026-13-45) are errors.
pub fn parse(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &Rfc3339)
        .map_err(|_| format!("不是有效的 RFC 3339 时间（应如 2026-11-29T10:30:00Z）：{s}"))
}

/// The form every stored time has: `2026-11-29T10:30:00.000Z`. Fixed width
/// in UTC, so two normalised times also sort correctly as text.
pub fn format_utc(t: OffsetDateTime) -> String {
    let fmt =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    t.to_offset(UtcOffset::UTC)
        .format(&fmt)
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

/// `s` as a normalised UTC time, or why it is not a time.
pub fn normalize(s: &str) -> Result<String, String> {
    parse(s).map(format_utc)
}

/// Compares two times as instants. A time that does not parse (stored data
/// from an older or damaged source) sorts before every valid one, so it
/// never wins over a real edit.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        (Ok(_), Err(_)) => Ordering::Greater,
        (Err(_), Ok(_)) => Ordering::Less,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

/// Whether `a` is a strictly later instant than `b`.
pub fn is_later(a: &str, b: &str) -> bool {
    compare(a, b) == Ordering::Greater
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_fractions_and_case_name_the_same_instant() {
        assert_eq!(
            normalize("2026-11-29T18:30:00+08:00").unwrap(),
            "2026-11-29T10:30:00.000Z"
        );
        assert_eq!(
            normalize("2026-11-29t10:30:00.5z").unwrap(),
            "2026-11-29T10:30:00.500Z"
        );
        assert_eq!(
            compare("2026-11-29T18:30:00+08:00", "2026-11-29T10:30:00Z"),
            Ordering::Equal
        );
        // As text "…18:30+08:00" > "…11:00Z", as instants it is earlier.
        assert!(is_later(
            "2026-11-29T11:00:00Z",
            "2026-11-29T18:30:00+08:00"
        ));
        // As text "00Z" > "00.1Z".
        assert!(is_later("2026-11-29T10:30:00.1Z", "2026-11-29T10:30:00Z"));
    }

    #[test]
    fn impossible_and_malformed_times_are_refused() {
        for bad in [
            "2026-13-45T99:99:99Z",
            "2026-02-30T00:00:00Z",
            "2026-11-29",
            "yesterday",
            "",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unreadable_time_never_wins() {
        assert!(is_later("2026-01-01T00:00:00Z", "garbage"));
        assert!(!is_later("garbage", "2026-01-01T00:00:00Z"));
    }
}
