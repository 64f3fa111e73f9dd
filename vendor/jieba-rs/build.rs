//! With the `prepared-dict` feature, turns src/data/dict.txt into the
//! compact breadth-first trie of src/prepared/format.rs, so a program can
//! load the dictionary without parsing it (see `Jieba::prepared`).

use std::collections::HashMap;
use std::path::PathBuf;

mod format {
    include!("src/prepared/format.rs");
}

const DICT: &str = "src/data/dict.txt";

/// A dictionary with more distinct characters, frequencies or tags than the
/// format's 16- and 8-bit fields hold is not representable.
const MAX_CHARS: usize = u16::MAX as usize;
const MAX_CLASSES: usize = u16::MAX as usize;
const MAX_TAGS: usize = u8::MAX as usize + 1;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/prepared/format.rs");
    println!("cargo::rerun-if-changed={DICT}");
    if std::env::var_os("CARGO_FEATURE_PREPARED_DICT").is_none() {
        return;
    }
    let dict = std::fs::read_to_string(DICT).expect("read the default dictionary");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("prepared_dict.bin");
    std::fs::write(out, prepare(&dict)).expect("write the prepared dictionary");
}

struct Entry<'a> {
    word: &'a str,
    freq: u64,
    tag: &'a str,
}

/// Parses the dictionary the way `Jieba::load_default_dict` does: `word
/// [freq [tag]]` per line, blank lines skipped, a repeated word keeping its
/// last frequency and tag while every line counts towards the total.
fn entries(dict: &str) -> Vec<Entry<'_>> {
    dict.lines()
        .filter_map(|line| {
            let mut fields = line.split_ascii_whitespace();
            let word = fields.next()?;
            let freq = fields
                .next()
                .map_or(0, |f| f.parse().expect("invalid frequency in the default dictionary"));
            let tag = fields.next().unwrap_or("");
            Some(Entry { word, freq, tag })
        })
        .collect()
}

fn prepare(dict: &str) -> Vec<u8> {
    let entries = entries(dict);
    let total: u64 = entries.iter().map(|e| e.freq).sum();

    // Chars numbered by frequency, most frequent first, ties by code point.
    let mut char_uses: HashMap<char, u64> = HashMap::new();
    for e in &entries {
        for c in e.word.chars() {
            *char_uses.entry(c).or_default() += 1;
        }
    }
    let mut chars: Vec<char> = char_uses.keys().copied().collect();
    chars.sort_by_key(|c| (std::cmp::Reverse(char_uses[c]), *c));
    assert!(chars.len() <= MAX_CHARS, "too many distinct characters");
    let char_id: HashMap<char, u16> = chars.iter().enumerate().map(|(i, &c)| (c, i as u16 + 1)).collect();

    let mut freqs: Vec<u64> = entries.iter().map(|e| e.freq).collect();
    freqs.sort_unstable();
    freqs.dedup();
    assert!(freqs.len() <= MAX_CLASSES, "too many distinct frequencies");
    let mut tags: Vec<&str> = Vec::new();
    let mut tag_id: HashMap<&str, u8> = HashMap::new();
    for e in &entries {
        if !tag_id.contains_key(e.tag) {
            assert!(tags.len() < MAX_TAGS, "too many distinct tags");
            tag_id.insert(e.tag, tags.len() as u8);
            tags.push(e.tag);
        }
    }

    // The trie in insertion order: edges (parent, label) → child, and the
    // word ending at each node.
    let mut edges: HashMap<(u32, u16), u32> = HashMap::new();
    let mut word_at: Vec<Option<(u16, u8)>> = vec![None];
    for e in &entries {
        let mut node = 0u32;
        for c in e.word.chars() {
            let next = word_at.len() as u32;
            node = *edges.entry((node, char_id[&c])).or_insert_with(|| {
                word_at.push(None);
                next
            });
        }
        let class = freqs.binary_search(&e.freq).expect("frequency is listed") as u16 + 1;
        word_at[node as usize] = Some((class, tag_id[e.tag]));
    }
    let mut sorted_edges: Vec<((u32, u16), u32)> = edges.into_iter().collect();
    sorted_edges.sort_unstable();
    let mut children: Vec<Vec<(u16, u32)>> = vec![Vec::new(); word_at.len()];
    for ((parent, label), child) in sorted_edges {
        children[parent as usize].push((label, child));
    }

    // Breadth-first renumbering: (old node, label) in new order.
    let mut order: Vec<(u32, u16)> = Vec::with_capacity(word_at.len());
    order.push((0, 0));
    let mut next = 0;
    while next < order.len() {
        let (old, _) = order[next];
        order.extend(children[old as usize].iter().map(|&(label, child)| (child, label)));
        next += 1;
    }

    let mut out = Vec::new();
    out.extend_from_slice(format::MAGIC);
    for n in [order.len(), chars.len(), freqs.len(), tags.len()] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    out.extend_from_slice(&total.to_le_bytes());
    for tag in &tags {
        out.push(u8::try_from(tag.len()).expect("tag under 256 bytes"));
        out.extend_from_slice(tag.as_bytes());
    }
    pad(&mut out);
    for c in &chars {
        out.extend_from_slice(&(*c as u32).to_le_bytes());
    }
    pad(&mut out);
    for f in &freqs {
        out.extend_from_slice(&f.to_le_bytes());
    }
    pad(&mut out);
    for &(old, _) in &order {
        let count = u16::try_from(children[old as usize].len()).expect("under 65536 children");
        out.extend_from_slice(&count.to_le_bytes());
    }
    pad(&mut out);
    for &(_, label) in &order {
        out.extend_from_slice(&label.to_le_bytes());
    }
    pad(&mut out);
    for &(old, _) in &order {
        let class = word_at[old as usize].map_or(0, |(class, _)| class);
        out.extend_from_slice(&class.to_le_bytes());
    }
    pad(&mut out);
    for &(old, _) in &order {
        out.push(word_at[old as usize].map_or(0, |(_, tag)| tag));
    }
    out
}

/// Zeros up to the next multiple of `format::ALIGN`.
fn pad(out: &mut Vec<u8>) {
    out.resize(out.len().next_multiple_of(format::ALIGN), 0);
}
