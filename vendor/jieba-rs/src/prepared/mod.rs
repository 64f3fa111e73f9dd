//! The default dictionary as a trie built at compile time (build.rs, layout
//! in format.rs), read in place from the program's data.
//!
//! Loading it is a few linear passes (child offsets, the char table, the
//! per-word records) instead of parsing 349,000 lines and hashing half a
//! million prefixes. Lookups walk the breadth-first node arrays: children of
//! a node are one contiguous run of labels, one or two long for most nodes.

pub(crate) mod format;

use format::MAGIC;

/// Char id of a character the dictionary does not contain.
const NO_CHAR: u16 = 0;

/// Runs of siblings up to this long are scanned; longer ones (a common
/// first character such as 大 has hundreds of children) are binary searched.
/// Most nodes have one to three children, where a scan of adjacent u16s is
/// cheapest.
const MAX_SCANNED_SIBLINGS: usize = 8;

/// Characters with a direct entry in the char id table (the Basic
/// Multilingual Plane); the default dictionary has none beyond it.
const CHAR_TABLE_LEN: usize = 0x1_0000;

pub(crate) struct Sections {
    pub(crate) total: u64,
    pub(crate) tags: Vec<Box<str>>,
    pub(crate) frequencies: Vec<u64>,
    pub(crate) trie: PreparedTrie,
}

/// The trie part of a prepared dictionary: node arrays borrowed from the
/// static data, plus the offsets derived from them at load.
#[derive(Clone)]
pub(crate) struct PreparedTrie {
    /// Node i's children are nodes `first_child[i]..first_child[i + 1]`.
    first_child: Vec<u32>,
    labels: &'static [u8],
    classes: &'static [u8],
    tag_ids: &'static [u8],
    /// Char id of each BMP character, `NO_CHAR` for those not in any word.
    char_ids: Vec<u16>,
    /// The root's child for each char id (0: none), so the first step of
    /// every walk is one array load.
    root_children: Vec<u32>,
}

struct Reader {
    data: &'static [u8],
    at: usize,
}

impl Reader {
    fn take(&mut self, len: usize) -> &'static [u8] {
        let bytes = &self.data[self.at..self.at + len];
        self.at += len;
        bytes
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
}

#[inline(always)]
fn u16_at(bytes: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]])
}

/// Splits the prepared data into its sections. The data is the build
/// script's output compiled into this crate, so a malformed layout is a
/// build defect and panics.
pub(crate) fn read(data: &'static [u8]) -> Sections {
    let mut r = Reader { data, at: 0 };
    assert_eq!(r.take(4), MAGIC, "prepared dictionary has the wrong format");
    let nodes = r.u32() as usize;
    let chars = r.u32() as usize;
    let frequencies = r.u32() as usize;
    let tags = r.u32() as usize;
    let total = r.u64();
    let tags = (0..tags)
        .map(|_| {
            let len = r.take(1)[0] as usize;
            std::str::from_utf8(r.take(len)).expect("tag is UTF-8").into()
        })
        .collect();
    let mut char_ids = vec![NO_CHAR; CHAR_TABLE_LEN];
    for id in 1..=chars as u16 {
        let c = r.u32() as usize;
        assert!(c < CHAR_TABLE_LEN, "prepared dictionary has a character beyond the BMP");
        char_ids[c] = id;
    }
    let frequencies = (0..frequencies).map(|_| r.u64()).collect();
    let counts = r.take(2 * nodes);
    let labels = r.take(2 * nodes);
    let classes = r.take(2 * nodes);
    let tag_ids = r.take(nodes);
    assert_eq!(r.at, data.len(), "prepared dictionary has trailing data");

    let mut first_child = Vec::with_capacity(nodes + 1);
    let mut next = 1u32;
    for i in 0..nodes {
        first_child.push(next);
        next += u16_at(counts, i) as u32;
    }
    first_child.push(next);
    let mut root_children = vec![0u32; chars + 1];
    for child in first_child[0]..first_child[1] {
        root_children[u16_at(labels, child as usize) as usize] = child;
    }
    Sections {
        total,
        tags,
        frequencies,
        trie: PreparedTrie {
            first_child,
            labels,
            classes,
            tag_ids,
            char_ids,
            root_children,
        },
    }
}

impl PreparedTrie {
    pub(crate) fn nodes(&self) -> usize {
        self.first_child.len() - 1
    }

    /// Frequency class of node `node` (0: the node ends no word).
    #[inline(always)]
    pub(crate) fn class(&self, node: usize) -> u16 {
        u16_at(self.classes, node)
    }

    pub(crate) fn tag_id(&self, node: usize) -> u8 {
        self.tag_ids[node]
    }

    #[inline(always)]
    fn char_id(&self, ch: char) -> u16 {
        self.char_ids.get(ch as usize).copied().unwrap_or(NO_CHAR)
    }

    #[inline(always)]
    fn child(&self, node: usize, ch: char) -> Option<usize> {
        let id = self.char_id(ch);
        if id == NO_CHAR {
            return None;
        }
        if node == 0 {
            let child = self.root_children[id as usize];
            return (child != 0).then_some(child as usize);
        }
        let (lo, hi) = (self.first_child[node] as usize, self.first_child[node + 1] as usize);
        if hi - lo <= MAX_SCANNED_SIBLINGS {
            (lo..hi).find(|&i| u16_at(self.labels, i) == id)
        } else {
            let (mut lo, mut hi) = (lo, hi);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                match u16_at(self.labels, mid).cmp(&id) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => return Some(mid),
                }
            }
            None
        }
    }

    /// The node of `word`, if it is a dictionary word.
    pub(crate) fn get(&self, word: &str) -> Option<usize> {
        if word.is_empty() {
            return None;
        }
        let node = word.chars().try_fold(0, |node, ch| self.child(node, ch))?;
        (self.class(node) != 0).then_some(node)
    }

    /// Call `emit(end_index, node)` for every dictionary word starting at
    /// character `pos` of `chars`, shortest first.
    #[inline(always)]
    pub(crate) fn for_each_prefix_at(&self, chars: &[(u32, char)], pos: usize, mut emit: impl FnMut(usize, usize)) {
        let mut node = 0;
        for (next, &(_, ch)) in chars.iter().enumerate().skip(pos) {
            match self.child(node, ch) {
                Some(child) => node = child,
                None => return,
            }
            if self.class(node) != 0 {
                emit(next + 1, node);
            }
        }
    }
}
