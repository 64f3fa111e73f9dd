//! How annotators are shown: initials in a colour that is the same for a
//! name on every replica (so a team learns each other's colours).

/// Darker than the tag palette: the badges carry white text, and must not
/// be mistaken for tags.
const ANNOTATOR_COLORS: &[&str] = &[
    "#c92a2a", "#a61e4d", "#862e9c", "#5f3dc4", "#364fc7", "#1864ab", "#0b7285", "#087f5b",
    "#2b8a3e", "#5c940d", "#e67700", "#d9480f",
];

/// A name's initials: a Chinese name's given name (王小明 → 小明, two
/// characters at most, the surname being shared by many), a Latin name's
/// first letters (Anna Lee → AL).
pub fn initials(name: &str) -> String {
    let name = name.trim();
    let words: Vec<&str> = name.split_whitespace().collect();
    let latin = name.chars().all(|c| c.is_ascii() || c.is_whitespace());
    if latin {
        return words
            .iter()
            .take(2)
            .filter_map(|w| w.chars().next())
            .map(|c| c.to_ascii_uppercase())
            .collect();
    }
    let chars: Vec<char> = name.chars().filter(|c| !c.is_whitespace()).collect();
    match chars.len() {
        0..=2 => chars.iter().collect(),
        n => chars[n - 2..].iter().collect(),
    }
}

/// The name's colour: from a hash of the name (FNV-1a, stable everywhere).
pub fn color(name: &str) -> &'static str {
    let hash = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    ANNOTATOR_COLORS[hash as usize % ANNOTATOR_COLORS.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_chinese_and_latin_names() {
        assert_eq!(initials("王小明"), "小明");
        assert_eq!(initials("安娜"), "安娜");
        assert_eq!(initials("柏"), "柏");
        assert_eq!(initials("欧阳 娜娜"), "娜娜");
        assert_eq!(initials("anna lee"), "AL");
        assert_eq!(initials("Bo"), "B");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn a_name_has_one_colour_everywhere() {
        assert_eq!(color("安娜"), color("安娜"));
        assert!(ANNOTATOR_COLORS.contains(&color("柏")));
    }
}
