//! The dictionary's words: a prepared trie (the default dictionary built at
//! compile time, read-only) and a `CharTrie` of the words added at run time
//! (all words when nothing is prepared).
//!
//! Word ids of prepared words are their trie node numbers; added words get
//! ids after the last node, so the two never collide and `Jieba`'s records
//! serve both.

#[cfg(feature = "prepared-dict")]
use crate::prepared::PreparedTrie;
use crate::trie::CharTrie;

#[derive(Clone)]
pub(crate) struct Lexicon {
    #[cfg(feature = "prepared-dict")]
    prepared: Option<PreparedTrie>,
    added: CharTrie,
}

impl Lexicon {
    pub(crate) fn new() -> Self {
        Lexicon {
            #[cfg(feature = "prepared-dict")]
            prepared: None,
            added: CharTrie::new(),
        }
    }

    #[cfg(feature = "prepared-dict")]
    pub(crate) fn with_prepared(prepared: PreparedTrie) -> Self {
        Lexicon {
            prepared: Some(prepared),
            added: CharTrie::new(),
        }
    }

    #[cfg(feature = "default-dict")]
    pub(crate) fn reserve(&mut self, words: usize) {
        self.added.reserve(words);
    }

    /// The id of `word`, if it is in the dictionary.
    pub(crate) fn get(&self, word: &str) -> Option<i32> {
        #[cfg(feature = "prepared-dict")]
        if let Some(node) = self.prepared.as_ref().and_then(|p| p.get(word)) {
            return Some(node as i32);
        }
        self.added.get(word)
    }

    /// Add `word` with `word_id`, or give an added word a new id. Callers
    /// look the word up first: a prepared word is never inserted.
    pub(crate) fn insert(&mut self, word: &str, word_id: i32) -> Option<i32> {
        self.added.insert(word, word_id)
    }

    /// Call `emit(char_index, end_index, word_id)` for every dictionary word
    /// starting at every character of `chars`, position by position and
    /// shortest word first within a position (the DAG relies on that order).
    pub(crate) fn for_each_prefix_at_every_char(&self, chars: &[(u32, char)], mut emit: impl FnMut(usize, usize, i32)) {
        #[cfg(feature = "prepared-dict")]
        if let Some(prepared) = &self.prepared {
            if self.added.is_empty() {
                for pos in 0..chars.len() {
                    prepared.for_each_prefix_at(chars, pos, |end, node| emit(pos, end, node as i32));
                }
                return;
            }
            // Both tries have words here: merge the added ones (few, from a
            // user dictionary) into the prepared walk by position and end.
            let mut added = Vec::new();
            self.added
                .for_each_prefix_at_every_char(chars, |pos, end, id| added.push((pos, end, id)));
            let mut added = added.into_iter().peekable();
            for pos in 0..chars.len() {
                prepared.for_each_prefix_at(chars, pos, |end, node| {
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
        self.added.for_each_prefix_at_every_char(chars, emit);
    }
}
