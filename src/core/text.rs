//! Text units. A position in this app is always a Unicode code point index
//! into the normalised source text (what the W3C TextPositionSelector means and
//! what jieba-rs reports). Rust indexes `&str` by bytes and the DOM counts
//! UTF-16 units; the conversions live here and nowhere else.

/// The source text as the app uses it: the file decoded as UTF-8 with CRLF
/// (and lone CR) turned into LF, nothing else changed. A leading BOM is
/// dropped because no editor shows it and it would shift every offset by one.
pub fn normalize(raw: &str) -> String {
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

/// Number of code points in `s`.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Byte offset of the code point index `cp` in `s` (clamped to the end).
pub fn byte_offset(s: &str, cp: usize) -> usize {
    s.char_indices().nth(cp).map_or(s.len(), |(b, _)| b)
}

/// Code points between two checkpoints of a `CodePointIndex`.
const CHECKPOINT_EVERY: usize = 64;

/// The byte offset of every 64th code point of a text: finding a code point
/// then takes at most 63 steps from the nearest checkpoint, instead of a
/// walk from the start of the text (which made slicing a long text, token by
/// token, quadratic). Built once per text, 1/8 of its length in memory for
/// CJK text.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CodePointIndex {
    checkpoints: Vec<usize>,
    len: usize,
}

impl CodePointIndex {
    pub fn new(text: &str) -> Self {
        let mut checkpoints = Vec::with_capacity(text.len() / (3 * CHECKPOINT_EVERY) + 1);
        let mut len = 0;
        for (i, (b, _)) in text.char_indices().enumerate() {
            if i % CHECKPOINT_EVERY == 0 {
                checkpoints.push(b);
            }
            len = i + 1;
        }
        CodePointIndex { checkpoints, len }
    }

    /// Length of the text in code points.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Byte offset of code point `cp` of `text` (clamped to the end);
    /// `text` must be the text the index was built from.
    pub fn byte_offset(&self, text: &str, cp: usize) -> usize {
        if cp >= self.len {
            return text.len();
        }
        let from = self.checkpoints[cp / CHECKPOINT_EVERY];
        from + byte_offset(&text[from..], cp % CHECKPOINT_EVERY)
    }

    /// The code point range `start..end` of `text` (clamped to the text).
    pub fn slice<'a>(&self, text: &'a str, start: usize, end: usize) -> &'a str {
        let b_start = self.byte_offset(text, start);
        let b_end = self.byte_offset(text, end.max(start));
        &text[b_start..b_end]
    }
}

/// The code point range `start..end` of `s` (clamped to the text).
pub fn slice_chars(s: &str, start: usize, end: usize) -> &str {
    let b_start = byte_offset(s, start);
    let b_end = b_start + byte_offset(&s[b_start..], end.saturating_sub(start));
    &s[b_start..b_end]
}

/// Converts a UTF-16 offset inside `s` (as DOM Range offsets are) into a code
/// point offset. An offset that falls between the two halves of a surrogate
/// pair is rounded down to the start of that character.
pub fn utf16_to_cp(s: &str, utf16: usize) -> usize {
    let mut units = 0;
    for (cp, c) in s.chars().enumerate() {
        let next = units + c.len_utf16();
        if next > utf16 {
            return cp;
        }
        units = next;
    }
    char_len(s)
}

/// Converts a code point offset inside `s` into UTF-16 units.
pub fn cp_to_utf16(s: &str, cp: usize) -> usize {
    s.chars().take(cp).map(char::len_utf16).sum()
}

/// Whitespace as it occurs in Chinese web text, including the ideographic
/// space U+3000 and the no-break space (both covered by `char::is_whitespace`).
pub fn is_blank(c: char) -> bool {
    c.is_whitespace()
}

/// East Asian wide and fullwidth characters (CJK, kana, Hangul, fullwidth
/// forms): two columns in a monospaced editor, and no space between them
/// when a line break inside a paragraph is joined.
pub fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F300..=0x1F64F
        | 0x1F900..=0x1F9FF
        | 0x20000..=0x3FFFD)
}

/// Columns `s` takes in a monospaced editor (how hard wraps are measured).
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()
}

/// Line breaks inside a block that join two wide characters, as code point
/// ranges of `s` (the break with the blanks around it). Browsers show every
/// line break as a space, which is right between English words and wrong
/// between Chinese characters, so these are drawn hidden.
pub fn joined_breaks(s: &str) -> Vec<(usize, usize)> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '\n' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > 0 && is_blank(chars[start - 1]) {
            start -= 1;
        }
        let mut end = i + 1;
        while end < chars.len() && is_blank(chars[end]) {
            end += 1;
        }
        let before = start.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(end).copied();
        if before.is_some_and(is_wide) && after.is_some_and(is_wide) {
            out.push((start, end));
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_chinese_as_two_columns() {
        assert_eq!(display_width("ab中文😀𠮶"), 2 + 8);
        assert!(is_wide('，') && !is_wide('a') && !is_wide(' '));
    }

    #[test]
    fn only_breaks_between_wide_characters_are_joined() {
        assert_eq!(joined_breaks("中文\n字"), [(2, 3)]);
        assert_eq!(joined_breaks("中文 \n  字"), [(2, 6)]);
        assert_eq!(joined_breaks("ab\ncd"), []);
        assert_eq!(joined_breaks("中\ncd\n𠮶\n😀"), [(6, 7)]);
        assert_eq!(joined_breaks("无换行"), []);
    }

    proptest::proptest! {
        #[test]
        fn the_index_slices_like_a_walk_from_the_start(
            text in "[a甲😀𠮶e\u{301}\n]{0,300}", a in 0usize..320, b in 0usize..320,
        ) {
            let index = CodePointIndex::new(&text);
            proptest::prop_assert_eq!(index.len(), char_len(&text));
            let (s, e) = (a.min(b), a.max(b));
            proptest::prop_assert_eq!(index.slice(&text, s, e), slice_chars(&text, s, e));
        }
    }
    use proptest::prelude::*;

    #[test]
    fn normalize_turns_crlf_and_cr_into_lf_and_drops_bom() {
        assert_eq!(normalize("\u{feff}a\r\nb\rc\n"), "a\nb\nc\n");
        assert_eq!(normalize(""), "");
    }

    #[test]
    fn slices_by_code_points_outside_the_bmp() {
        let s = "a𠮶😀b";
        assert_eq!(char_len(s), 4);
        assert_eq!(slice_chars(s, 1, 3), "𠮶😀");
        assert_eq!(slice_chars(s, 3, 99), "b");
        assert_eq!(slice_chars(s, 9, 12), "");
    }

    #[test]
    fn utf16_conversions_count_surrogate_pairs_once() {
        let s = "重😀庆𠮶";
        assert_eq!(cp_to_utf16(s, 2), 3);
        assert_eq!(utf16_to_cp(s, 3), 2);
        // Inside the surrogate pair of 😀: rounds down to its start.
        assert_eq!(utf16_to_cp(s, 2), 1);
        assert_eq!(utf16_to_cp(s, 99), 4);
    }

    #[test]
    fn combining_marks_are_their_own_code_points() {
        let s = "e\u{301}字";
        assert_eq!(char_len(s), 3);
        assert_eq!(slice_chars(s, 2, 3), "字");
    }

    proptest! {
        #[test]
        fn utf16_round_trip(s in "\\PC{0,40}", k in 0usize..50) {
            let cp = k.min(char_len(&s));
            prop_assert_eq!(utf16_to_cp(&s, cp_to_utf16(&s, cp)), cp);
        }

        #[test]
        fn slices_concatenate_back(s in "\\PC{0,40}", a in 0usize..50, b in 0usize..50) {
            let n = char_len(&s);
            let (a, b) = (a.min(b).min(n), a.max(b).min(n));
            let joined = format!("{}{}{}", slice_chars(&s, 0, a), slice_chars(&s, a, b), slice_chars(&s, b, n));
            prop_assert_eq!(joined, s);
        }
    }
}
