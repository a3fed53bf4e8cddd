//! Fast lookups for the hot path: a small non-cryptographic hasher, and a keyword set that finds
//! the first (and longest) of many words in a short text in one pass instead of one search per
//! word.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The FxHash function (as in rustc): fast for small keys; not for untrusted keys an attacker
/// chooses to collide, which is why it is used only for dictionary words and cell positions.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Words with a value each, indexed by their first character.
#[derive(Debug, Clone)]
pub struct Keywords<T> {
    by_first: FastMap<char, Vec<(String, T)>>,
}

impl<T> Default for Keywords<T> {
    fn default() -> Self {
        Keywords {
            by_first: FastMap::default(),
        }
    }
}

impl<T: Copy> Keywords<T> {
    /// Adds a word; later duplicates of a word are ignored.
    pub fn insert(&mut self, word: &str, value: T) {
        let Some(first) = word.chars().next() else {
            return;
        };
        let list = self.by_first.entry(first).or_default();
        if list.iter().any(|(w, _)| w == word) {
            return;
        }
        list.push((word.to_owned(), value));
        list.sort_by_key(|(word, _)| std::cmp::Reverse(word.len()));
    }

    /// The longest word that starts at byte `at` of `text`, and its value.
    pub fn longest_at<'s>(&'s self, text: &str, at: usize) -> Option<(&'s str, T)> {
        let rest = text.get(at..)?;
        let first = rest.chars().next()?;
        self.by_first
            .get(&first)?
            .iter()
            .find(|(word, _)| rest.starts_with(word.as_str()))
            .map(|(word, value)| (word.as_str(), *value))
    }

    /// The value of the word that starts earliest in `text` (the longest where several do).
    pub fn first_in(&self, text: &str) -> Option<T> {
        text.char_indices()
            .find_map(|(at, _)| self.longest_at(text, at))
            .map(|(_, value)| value)
    }

    /// True when any word occurs in `text`.
    pub fn any_in(&self, text: &str) -> bool {
        self.first_in(text).is_some()
    }

    /// True when `word` is one of the words.
    pub fn contains(&self, word: &str) -> bool {
        word.chars()
            .next()
            .and_then(|first| self.by_first.get(&first))
            .is_some_and(|list| list.iter().any(|(w, _)| w == word))
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
        assert!(k.contains("以上") && !k.contains("以"));
    }
}
