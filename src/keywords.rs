//! Fast lookups for the hot path: a hash map with foldhash (already built for the merged-cell
//! index), and a keyword set that finds the first (and longest) of many words in a short text in
//! one pass — an Aho–Corasick automaton, built once per dictionary.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};

/// A `HashMap` with foldhash's fast hasher (seeded per process).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A hash set with a fast, non-cryptographic hasher (keys are template and dictionary words).
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// Words with a value each.
#[derive(Debug, Clone)]
pub struct Keywords<T> {
    words: Vec<(String, T)>,
    /// Built on first use after the last insertion.
    automaton: OnceLock<AhoCorasick>,
}

impl<T> Default for Keywords<T> {
    fn default() -> Self {
        Keywords {
            words: Vec::new(),
            automaton: OnceLock::new(),
        }
    }
}

impl<T: Copy> Keywords<T> {
    /// Adds a word; later duplicates of a word are ignored.
    pub fn insert(&mut self, word: &str, value: T) {
        if word.is_empty() || self.contains(word) {
            return;
        }
        self.words.push((word.to_owned(), value));
        self.automaton = OnceLock::new();
    }

    fn automaton(&self) -> &AhoCorasick {
        self.automaton.get_or_init(|| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(StartKind::Both)
                .build(self.words.iter().map(|(w, _)| w.as_str()))
                .expect("a keyword automaton of dictionary words")
        })
    }

    /// The longest word that starts at byte `at` of `text`, and its value.
    pub fn longest_at<'s>(&'s self, text: &str, at: usize) -> Option<(&'s str, T)> {
        if at >= text.len() || self.words.is_empty() {
            return None;
        }
        let input = Input::new(text).range(at..).anchored(Anchored::Yes);
        let found = self.automaton().find(input)?;
        let (word, value) = &self.words[found.pattern().as_usize()];
        Some((word.as_str(), *value))
    }

    /// The value of the word that starts earliest in `text` (the longest where several do).
    pub fn first_in(&self, text: &str) -> Option<T> {
        if self.words.is_empty() {
            return None;
        }
        let found = self.automaton().find(text)?;
        Some(self.words[found.pattern().as_usize()].1)
    }

    /// True when any word occurs in `text`.
    pub fn any_in(&self, text: &str) -> bool {
        self.first_in(text).is_some()
    }

    /// True when `word` is one of the words.
    pub fn contains(&self, word: &str) -> bool {
        self.words.iter().any(|(w, _)| w == word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earliest_then_longest_word_wins() {
        let mut k = Keywords::default();
        for (word, value) in [("小于", 1), ("小于等于", 2), ("以上", 3), ("达到", 4)] {
            k.insert(word, value);
        }
        assert_eq!(k.first_in("小于等于2%"), Some(2));
        assert_eq!(k.first_in("达到80%以上"), Some(4));
        assert_eq!(k.first_in("90%以上"), Some(3));
        assert_eq!(k.first_in("提升"), None);
        assert_eq!(k.longest_at("5小于", 1), Some(("小于", 1)));
        assert_eq!(k.longest_at("5小于", 0), None);
        assert!(k.contains("以上") && !k.contains("以"));
        k.insert("以", 5);
        assert_eq!(k.first_in("以内"), Some(5), "a word added later is found");
    }
}
