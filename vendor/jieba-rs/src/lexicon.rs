//! The dictionary's words: a prepared dictionary (the default one built at
//! compile time, read-only) and a `CharTrie` of the words added at run time
//! (all words when nothing is prepared).
//!
//! Word ids of prepared words are their trie node numbers, and their
//! frequencies and tags are read from the prepared data; added words get
//! ids from `first_added_id` on, and `Jieba` keeps their records.

#[cfg(feature = "prepared-dict")]
use crate::FxHashMap;
#[cfg(feature = "prepared-dict")]
use crate::prepared::PreparedDict;
use crate::trie::CharTrie;

#[derive(Clone)]
pub(crate) struct Lexicon {
    #[cfg(feature = "prepared-dict")]
    prepared: Option<Prepared>,
    /// Made on the first added word: an empty `CharTrie` is a 512 KB table,
    /// which loading the prepared dictionary need not fill.
    added: Option<CharTrie>,
}

#[cfg(feature = "prepared-dict")]
#[derive(Clone)]
struct Prepared {
    dict: PreparedDict,
    /// Sum of the prepared words' frequencies, overrides included.
    total: usize,
    /// Frequency and its `ln` for prepared words given a new frequency
    /// (`Jieba::add_word` of a word the dictionary has). Rare, so a map
    /// consulted only when not empty.
    overrides: FxHashMap<usize, (usize, f64)>,
}

/// What the dictionary knows of one word.
pub(crate) enum WordRecord {
    /// A prepared word's frequency and tag id.
    #[cfg(feature = "prepared-dict")]
    Prepared { freq: usize, tag: u32 },
    /// Index of an added word's record in `Jieba::records`.
    Added(usize),
}

impl Lexicon {
    pub(crate) fn new() -> Self {
        Lexicon {
            #[cfg(feature = "prepared-dict")]
            prepared: None,
            added: None,
        }
    }

    #[cfg(feature = "prepared-dict")]
    pub(crate) fn with_prepared(dict: PreparedDict, total: usize) -> Self {
        Lexicon {
            prepared: Some(Prepared {
                dict,
                total,
                overrides: FxHashMap::default(),
            }),
            added: None,
        }
    }

    /// The id the first added word gets.
    #[inline(always)]
    pub(crate) fn first_added_id(&self) -> usize {
        #[cfg(feature = "prepared-dict")]
        if let Some(p) = &self.prepared {
            return p.dict.nodes();
        }
        0
    }

    /// Sum of the prepared words' frequencies (0 without any).
    pub(crate) fn prepared_total(&self) -> usize {
        #[cfg(feature = "prepared-dict")]
        if let Some(p) = &self.prepared {
            return p.total;
        }
        0
    }

    pub(crate) fn record(&self, word_id: i32) -> WordRecord {
        let id = word_id as usize;
        #[cfg(feature = "prepared-dict")]
        if let Some(p) = self.prepared.as_ref().filter(|p| id < p.dict.nodes()) {
            let freq = p.overrides.get(&id).map_or_else(|| p.dict.freq(id), |&(freq, _)| freq);
            return WordRecord::Prepared {
                freq,
                tag: p.dict.tag_id(id),
            };
        }
        WordRecord::Added(id - self.first_added_id())
    }

    /// `ln` of a prepared word's frequency, or the index of an added word's
    /// record: the route calculation's lookup, kept short.
    #[inline(always)]
    pub(crate) fn log_freq_or_added(&self, word_id: i32) -> Result<f64, usize> {
        let id = word_id as usize;
        #[cfg(feature = "prepared-dict")]
        if let Some(p) = &self.prepared {
            let nodes = p.dict.nodes();
            if id >= nodes {
                return Err(id - nodes);
            }
            if !p.overrides.is_empty()
                && let Some(&(_, log)) = p.overrides.get(&id)
            {
                return Ok(log);
            }
            return Ok(p.dict.log_freq(id));
        }
        Err(id)
    }

    /// Gives a prepared word a new frequency; returns false (changing
    /// nothing) for an added word, whose record `Jieba` keeps.
    pub(crate) fn set_prepared_freq(&mut self, word_id: i32, freq: usize) -> bool {
        #[cfg(feature = "prepared-dict")]
        if let Some(p) = self.prepared.as_mut().filter(|p| (word_id as usize) < p.dict.nodes()) {
            let id = word_id as usize;
            let old = p.overrides.get(&id).map_or_else(|| p.dict.freq(id), |&(freq, _)| freq);
            p.total = p.total - old + freq;
            p.overrides.insert(id, (freq, (freq as f64).ln()));
            return true;
        }
        let _ = (word_id, freq);
        false
    }

    #[cfg(feature = "default-dict")]
    pub(crate) fn reserve(&mut self, words: usize) {
        self.added.get_or_insert_with(CharTrie::new).reserve(words);
    }

    /// The id of `word`, if it is in the dictionary.
    pub(crate) fn get(&self, word: &str) -> Option<i32> {
        #[cfg(feature = "prepared-dict")]
        if let Some(node) = self.prepared.as_ref().and_then(|p| p.dict.get(word)) {
            return Some(node as i32);
        }
        self.added.as_ref()?.get(word)
    }

    /// Add `word` with `word_id`, or give an added word a new id. Callers
    /// look the word up first: a prepared word is never inserted.
    pub(crate) fn insert(&mut self, word: &str, word_id: i32) -> Option<i32> {
        self.added.get_or_insert_with(CharTrie::new).insert(word, word_id)
    }

    /// Call `emit(char_index, end_index, word_id)` for every dictionary word
    /// starting at every character of `chars`, position by position and
    /// shortest word first within a position (the DAG relies on that order).
    pub(crate) fn for_each_prefix_at_every_char(&self, chars: &[(u32, char)], mut emit: impl FnMut(usize, usize, i32)) {
        #[cfg(feature = "prepared-dict")]
        if let Some(Prepared { dict, .. }) = &self.prepared {
            let ids = dict.char_ids(chars);
            let Some(added) = self.added.as_ref().filter(|a| !a.is_empty()) else {
                for pos in 0..chars.len() {
                    dict.for_each_prefix_at(&ids, pos, |end, node| emit(pos, end, node as i32));
                }
                return;
            };
            // Both have words here: merge the added ones (few, from a user
            // dictionary) into the prepared walk by position and end.
            let mut found = Vec::new();
            added.for_each_prefix_at_every_char(chars, |pos, end, id| found.push((pos, end, id)));
            let mut added = found.into_iter().peekable();
            for pos in 0..chars.len() {
                dict.for_each_prefix_at(&ids, pos, |end, node| {
                    while let Some((_, shorter_end, id)) = added.next_if(|&(p, e, _)| p == pos && e < end) {
                        emit(pos, shorter_end, id);
                    }
                    emit(pos, end, node as i32);
                });
                while let Some((_, end, id)) = added.next_if(|&(p, _, _)| p == pos) {
                    emit(pos, end, id);
                }
            }
            return;
        }
        if let Some(added) = &self.added {
            added.for_each_prefix_at_every_char(chars, emit);
        }
    }
}
