//! The default dictionary as a trie built at compile time (build.rs, layout
//! in format.rs), read in place from the program's data.
//!
//! Loading it is one linear pass (child offsets) and two small tables (char
//! ids, ln of each distinct frequency) instead of parsing 349,000 lines and
//! hashing half a million prefixes; frequencies and tags stay in the static
//! data. Lookups walk the breadth-first node arrays: children of a node are
//! one contiguous run of labels, one or two long for most nodes.

pub(crate) mod format;

// The data is little-endian and viewed in place as native integers.
#[cfg(not(target_endian = "little"))]
compile_error!("the prepared dictionary is read in place and needs a little-endian target");

use format::{ALIGN, MAGIC};

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

/// Static data starting at a multiple of `ALIGN`.
#[repr(C, align(8))]
pub(crate) struct Aligned<T: ?Sized>(pub(crate) T);

const _: () = assert!(align_of::<Aligned<[u8; 1]>>() == ALIGN);

pub(crate) struct Sections {
    pub(crate) total: usize,
    pub(crate) tags: Vec<Box<str>>,
    pub(crate) dict: PreparedDict,
}

/// A prepared dictionary: node arrays borrowed from the static data, plus
/// what is derived from them at load. A word's id is its node number.
#[derive(Clone)]
pub(crate) struct PreparedDict {
    /// Frequency of each class; class 0 (no word) has 0.
    freq_of_class: Vec<usize>,
    /// `ln` of each class's frequency, computed here as `Jieba` computes it
    /// for a parsed word, so routes compare exactly as with `Jieba::new`.
    log_of_class: Vec<f64>,
    /// Node i's children are nodes `first_child[i]..first_child[i + 1]`.
    first_child: Vec<u32>,
    labels: &'static [u16],
    classes: &'static [u16],
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

    /// The next section: `len` values of `T`, viewed in place.
    fn section<T: bytemuck::Pod>(&mut self, len: usize) -> &'static [T] {
        self.at = self.at.next_multiple_of(ALIGN);
        bytemuck::cast_slice(self.take(len * size_of::<T>()))
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take(4).try_into().expect("4 bytes"))
    }

    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))
    }
}

/// Splits the prepared data into its sections. The data is the build
/// script's output compiled into this crate, so a malformed layout is a
/// build defect and panics; `data` must start at a multiple of `ALIGN`.
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
    for (i, &c) in r.section::<u32>(chars).iter().enumerate() {
        assert!((c as usize) < CHAR_TABLE_LEN, "prepared dictionary has a character beyond the BMP");
        char_ids[c as usize] = i as u16 + 1;
    }
    let to_usize = |f: u64| usize::try_from(f).expect("dictionary frequency fits usize");
    let freq_of_class: Vec<usize> = std::iter::once(0)
        .chain(r.section::<u64>(frequencies).iter().map(|&f| to_usize(f)))
        .collect();
    let log_of_class = freq_of_class.iter().map(|&f| (f as f64).ln()).collect();
    let counts = r.section::<u16>(nodes);
    let labels = r.section::<u16>(nodes);
    let classes = r.section::<u16>(nodes);
    let tag_ids = r.section::<u8>(nodes);
    // The one pass over the nodes at load: 2 MB of offsets.
    let mut first_child = Vec::with_capacity(nodes + 1);
    let mut next = 1u32;
    for &count in counts {
        first_child.push(next);
        next += count as u32;
    }
    first_child.push(next);
    assert_eq!(r.at, data.len(), "prepared dictionary has trailing data");

    let mut root_children = vec![0u32; chars + 1];
    for child in first_child[0]..first_child[1] {
        root_children[labels[child as usize] as usize] = child;
    }
    Sections {
        total: to_usize(total),
        tags,
        dict: PreparedDict {
            freq_of_class,
            log_of_class,
            first_child,
            labels,
            classes,
            tag_ids,
            char_ids,
            root_children,
        },
    }
}

impl PreparedDict {
    pub(crate) fn nodes(&self) -> usize {
        self.first_child.len() - 1
    }

    /// Frequency class of node `node` (0: the node ends no word).
    #[inline(always)]
    fn class(&self, node: usize) -> u16 {
        self.classes[node]
    }

    pub(crate) fn freq(&self, word: usize) -> usize {
        self.freq_of_class[self.class(word) as usize]
    }

    #[inline(always)]
    pub(crate) fn log_freq(&self, word: usize) -> f64 {
        self.log_of_class[self.class(word) as usize]
    }

    /// Index of the word's tag in the tags `read` returned.
    pub(crate) fn tag_id(&self, word: usize) -> u32 {
        self.tag_ids[word] as u32
    }

    /// Char ids of `chars`, `NO_CHAR` for characters in no word: looked up
    /// once per block rather than once per walk that passes a character.
    pub(crate) fn char_ids(&self, chars: &[(u32, char)]) -> Vec<u16> {
        chars.iter().map(|&(_, ch)| self.char_id(ch)).collect()
    }

    #[inline(always)]
    fn char_id(&self, ch: char) -> u16 {
        self.char_ids.get(ch as usize).copied().unwrap_or(NO_CHAR)
    }

    /// The child of `node` labelled `id`, if any.
    #[inline(always)]
    fn child(&self, node: usize, id: u16) -> Option<usize> {
        if id == NO_CHAR {
            return None;
        }
        if node == 0 {
            let child = self.root_children[id as usize];
            return (child != 0).then_some(child as usize);
        }
        let (lo, hi) = (self.first_child[node] as usize, self.first_child[node + 1] as usize);
        if hi - lo <= MAX_SCANNED_SIBLINGS {
            (lo..hi).find(|&i| self.labels[i] == id)
        } else {
            self.labels[lo..hi].binary_search(&id).ok().map(|i| lo + i)
        }
    }

    /// The node of `word`, if it is a dictionary word.
    pub(crate) fn get(&self, word: &str) -> Option<usize> {
        if word.is_empty() {
            return None;
        }
        let node = word
            .chars()
            .try_fold(0, |node, ch| self.child(node, self.char_id(ch)))?;
        (self.class(node) != 0).then_some(node)
    }

    /// Call `emit(end_index, node)` for every dictionary word starting at
    /// position `pos` of `ids` (the char ids of a block), shortest first.
    #[inline(always)]
    pub(crate) fn for_each_prefix_at(&self, ids: &[u16], pos: usize, mut emit: impl FnMut(usize, usize)) {
        let mut node = 0;
        for (next, &id) in ids.iter().enumerate().skip(pos) {
            match self.child(node, id) {
                Some(child) => node = child,
                None => return,
            }
            if self.class(node) != 0 {
                emit(next + 1, node);
            }
        }
    }
}
