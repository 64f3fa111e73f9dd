//! The dictionary prepared at build time (`Jieba::prepared`, what the app's
//! segmenter loads) must segment exactly as jieba-rs 0.11's parsed default
//! dictionary (`Jieba::new`), with and without words added on top.

use std::sync::OnceLock;

use jieba_rs::Jieba;
use proptest::prelude::*;

const SEED: &str = include_str!("../seeds/000_dd504da93b3e7f9a.txt");
const DICT: &str = include_str!("../vendor/jieba-rs/src/data/dict.txt");

fn parsed() -> &'static Jieba {
    static PARSED: OnceLock<Jieba> = OnceLock::new();
    PARSED.get_or_init(Jieba::new)
}

fn prepared() -> &'static Jieba {
    static PREPARED: OnceLock<Jieba> = OnceLock::new();
    PREPARED.get_or_init(Jieba::prepared)
}

/// Tokens as code point ranges.
type Spans = Vec<(usize, usize)>;

fn cut(jieba: &Jieba, text: &str) -> Spans {
    jieba
        .cut(text, true)
        .iter()
        .map(|t| (t.start, t.end))
        .collect()
}

fn cut_both(text: &str) -> (Spans, Spans) {
    (cut(parsed(), text), cut(prepared(), text))
}

/// A deterministic pseudo-random stream (64-bit LCG), so the long text is
/// the same on every run without a fixture file.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// About 1 MB of text: dictionary words in random order (so every kind of
/// entry gets walked), characters outside the dictionary (left to the HMM),
/// punctuation, Latin words and digits, emoji and CJK Extension B, in
/// paragraphs.
fn long_text() -> String {
    let words: Vec<&str> = DICT
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let extras = [
        "，",
        "。",
        "、",
        "！",
        "？",
        "；",
        "：",
        "“",
        "”",
        "（",
        "）",
        "《",
        "》",
        " ",
        "Rust",
        "WebAssembly",
        "2026",
        "3.14",
        "😀",
        "👩‍💻",
        "𠀀",
        "𪚥",
        "𡃁",
        "囧",
        "嘢",
        "冇",
        "啲",
        "咗",
        "\n\n",
    ];
    let mut rng = Lcg(0x5EED);
    let mut text = String::with_capacity(1 << 20);
    while text.len() < 1 << 20 {
        match rng.below(10) {
            0..=6 => text.push_str(words[rng.below(words.len())]),
            7 => text.push_str(extras[rng.below(extras.len())]),
            // A random CJK unified ideograph, often one jieba has no word for.
            _ => text.push(char::from_u32(0x4E00 + rng.below(0x51A6) as u32).unwrap()),
        }
    }
    text
}

#[test]
fn seed_article_segments_identically() {
    let (parsed, prepared) = cut_both(SEED);
    assert!(parsed.len() > 2_000, "the seed is a real article");
    assert_eq!(parsed, prepared);
}

#[test]
fn one_megabyte_text_segments_identically() {
    let text = long_text();
    let (parsed, prepared) = cut_both(&text);
    assert!(parsed.len() > 100_000, "{} tokens", parsed.len());
    assert_eq!(parsed, prepared);
}

#[test]
fn every_dictionary_word_has_the_same_frequency_and_tag() {
    for line in DICT.lines() {
        let word = line.split_whitespace().next().unwrap();
        assert!(prepared().has_word(word), "{word}");
        // A word's own frequency is what suggest_freq falls back on.
        assert_eq!(
            parsed().suggest_freq(word),
            prepared().suggest_freq(word),
            "{word}"
        );
        assert_eq!(
            parsed().tag(word, false),
            prepared().tag(word, false),
            "{word}"
        );
    }
    for absent in ["", "不存在的词", "x", "𠀀", "中国人民银行行长们"] {
        assert_eq!(
            parsed().has_word(absent),
            prepared().has_word(absent),
            "{absent}"
        );
    }
}

/// Words added on top (what the app's user dictionary does for joins), new
/// ones and ones already in the dictionary, in the same order on both.
#[test]
fn added_words_segment_identically() {
    let mut parsed = parsed().clone();
    let mut prepared = prepared().clone();
    let added = [
        "成渝地区双城经济圈",
        "双城经济圈",
        "数据标注",
        "经济",
        "中国",
        "𠀀𪚥",
        "Rust语言",
        "一带一路倡议",
    ];
    for word in added {
        let freq = parsed.suggest_freq(word);
        assert_eq!(freq, prepared.suggest_freq(word), "{word}");
        assert_eq!(
            parsed.add_word(word, Some(freq), None),
            prepared.add_word(word, Some(freq), None)
        );
    }
    let extra = "成渝地区双城经济圈建设和数据标注工作，一带一路倡议与Rust语言。𠀀𪚥中国经济";
    for text in [SEED, extra] {
        assert_eq!(cut(&parsed, text), cut(&prepared, text));
    }
    let long: String = long_text().chars().take(100_000).collect();
    assert_eq!(cut(&parsed, &long), cut(&prepared, &long));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_segments_identically(text in "[中国人民银行长江大桥的了是在有和不一上研究生命起源经济圈双城成渝😀𠀀a-z0-9 ，。\n]{0,80}") {
        let (parsed, prepared) = cut_both(&text);
        prop_assert_eq!(parsed, prepared);
    }

    #[test]
    fn random_added_words_segment_identically(
        words in proptest::collection::vec("[中国人民银行长江大桥研究生命经济圈双城成渝𠀀x]{1,6}", 0..6),
        text in "[中国人民银行长江大桥的了是在研究生命起源经济圈双城成渝𠀀x，]{0,60}",
    ) {
        let mut parsed = parsed().clone();
        let mut prepared = prepared().clone();
        for word in &words {
            let freq = parsed.suggest_freq(word);
            prop_assert_eq!(freq, prepared.suggest_freq(word));
            parsed.add_word(word, Some(freq), None);
            prepared.add_word(word, Some(freq), None);
        }
        prop_assert_eq!(cut(&parsed, &text), cut(&prepared, &text));
    }
}
