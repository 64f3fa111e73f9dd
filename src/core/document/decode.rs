//! Text file encodings: detected from the bytes, overridable by the person
//! (`encoding_rs` does the decoding).
//!
//! Detection, in order: a byte order mark; UTF-16 without one (every other
//! byte zero in mostly-ASCII text); valid UTF-8; GB18030 (a superset of GBK
//! and GB2312, what older Chinese Windows tools write) when it decodes
//! without a single error; Big5 likewise; else GB18030 with replacement
//! characters, flagged so the person is asked to choose.

use encoding_rs::{Encoding, BIG5, GB18030, UTF_16BE, UTF_16LE, UTF_8};

/// Encodings offered when the guess looks wrong: (label, name shown).
pub const CHOICES: &[(&str, &str)] = &[
    ("utf-8", "UTF-8"),
    ("gb18030", "GB18030 / GBK / GB2312（简体中文）"),
    ("big5", "Big5（繁体中文）"),
    ("utf-16le", "UTF-16 LE"),
    ("utf-16be", "UTF-16 BE"),
    ("shift_jis", "Shift_JIS（日文）"),
    ("euc-kr", "EUC-KR（韩文）"),
    ("windows-1252", "Windows-1252（西文）"),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    /// The encoding's name (`UTF-8`, `gb18030`, …).
    pub encoding: &'static str,
    /// The encoding was detected, not chosen by the person.
    pub detected: bool,
    /// Some bytes were not valid in it (replaced by U+FFFD).
    pub had_errors: bool,
}

/// Decodes `bytes` in `choice` (a label, e.g. `gb18030`) or, without one,
/// in the detected encoding. A byte order mark is never part of the text.
pub fn decode(bytes: &[u8], choice: Option<&str>) -> Result<Decoded, String> {
    let (encoding, detected) = match choice {
        Some(label) => (
            Encoding::for_label(label.as_bytes())
                .ok_or_else(|| format!("不认识的编码「{label}」"))?,
            false,
        ),
        None => (detect(bytes), true),
    };
    let (text, had_errors) = encoding.decode_with_bom_removal(bytes);
    Ok(Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        detected,
        had_errors,
    })
}

/// The encoding `bytes` are most likely in.
pub fn detect(bytes: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    if let Some(encoding) = utf16_without_bom(bytes) {
        return encoding;
    }
    if std::str::from_utf8(bytes).is_ok() {
        return UTF_8;
    }
    for candidate in [GB18030, BIG5] {
        if candidate
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some()
        {
            return candidate;
        }
    }
    GB18030
}

/// UTF-16 text of mostly ASCII or Latin characters has a zero in every
/// other byte; which half tells the byte order.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    let pairs = bytes.len() / 2;
    if pairs < 2 || bytes.len() % 2 != 0 {
        return None;
    }
    let zero_at = |parity: usize| {
        bytes
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zero_at(0), zero_at(1));
    if odd * 10 >= pairs * 4 && even * 10 < pairs {
        Some(UTF_16LE)
    } else if even * 10 >= pairs * 4 && odd * 10 < pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHINESE: &str = "中文编码测试：简体与繁體，𠮶字和😀。\nSecond line.";

    fn utf16(s: &str, little: bool) -> Vec<u8> {
        s.encode_utf16()
            .flat_map(|u| {
                if little {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn utf8_with_and_without_bom() {
        let d = decode(CHINESE.as_bytes(), None).unwrap();
        assert_eq!(
            (d.text.as_str(), d.encoding, d.detected),
            (CHINESE, "UTF-8", true)
        );
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(CHINESE.as_bytes());
        assert_eq!(decode(&bom, None).unwrap().text, CHINESE);
    }

    #[test]
    fn utf16_with_a_bom_and_ascii_utf16_without() {
        for little in [true, false] {
            let mut bytes = if little {
                vec![0xFF, 0xFE]
            } else {
                vec![0xFE, 0xFF]
            };
            bytes.extend(utf16(CHINESE, little));
            let d = decode(&bytes, None).unwrap();
            assert_eq!(d.text, CHINESE);
            assert!(!d.had_errors);
        }
        let plain = "Plain English text saved as UTF-16 without a mark.";
        assert_eq!(decode(&utf16(plain, true), None).unwrap().text, plain);
        assert_eq!(decode(&utf16(plain, false), None).unwrap().text, plain);
    }

    #[test]
    fn gb18030_and_gbk_are_detected() {
        let simplified = "中华人民共和国，简体中文的文本文件：标点、数字 123。";
        let (bytes, _, _) = GB18030.encode(simplified);
        let d = decode(&bytes, None).unwrap();
        assert_eq!(d.encoding, "gb18030");
        assert_eq!(d.text, simplified);
        // Outside the BMP: GB18030's four-byte sequences.
        let (bytes, _, _) = GB18030.encode(CHINESE);
        assert_eq!(decode(&bytes, None).unwrap().text, CHINESE);
    }

    #[test]
    fn a_wrong_guess_is_corrected_by_the_persons_choice() {
        let traditional = "繁體中文的文件，臺灣與香港常用。";
        let (bytes, _, _) = BIG5.encode(traditional);
        let guessed = decode(&bytes, None).unwrap();
        // These Big5 bytes also decode as GB18030, into other characters.
        assert_ne!(guessed.text, traditional);
        let chosen = decode(&bytes, Some("big5")).unwrap();
        assert_eq!(chosen.text, traditional);
        assert!(!chosen.detected && !chosen.had_errors);
        assert!(decode(&bytes, Some("no-such-encoding")).is_err());
    }

    #[test]
    fn invalid_bytes_are_flagged_not_hidden() {
        let d = decode(&[0xE4, 0xB8, 0x41, 0xFF, 0xFF, 0x80], Some("utf-8")).unwrap();
        assert!(d.had_errors);
        assert!(d.text.contains('\u{FFFD}'));
    }
}
