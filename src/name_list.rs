//! A batch's file names kept front-coded: each name stored as the length it shares with the name
//! before it and the rest, so that 150,000 names under a few folders take about a megabyte
//! instead of an allocation each (the batch runner keeps the file each project was first found
//! in, for its duplicate and linking messages).

/// Every this many names one is stored whole, so that a name is rebuilt from at most this many.
const RESTART: usize = 32;

/// A list of names, appended in order and read back by their index.
#[derive(Debug, Default)]
pub struct NameList {
    /// Per name: the bytes it shares with the name before it (0 at a restart), then its rest,
    /// all in one buffer.
    bytes: Vec<u8>,
    /// Per name: where its entry starts in `bytes`.
    starts: Vec<usize>,
    /// The last name appended, whole.
    last: String,
}

impl NameList {
    /// How many names the list holds.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// True when the list holds no name.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// Appends a name.
    pub fn push(&mut self, name: &str) {
        let shared = if self.starts.len().is_multiple_of(RESTART) {
            0
        } else {
            shared_prefix(&self.last, name)
        };
        self.starts.push(self.bytes.len());
        push_length(&mut self.bytes, shared);
        push_length(&mut self.bytes, name.len() - shared);
        self.bytes.extend_from_slice(&name.as_bytes()[shared..]);
        self.last.clear();
        self.last.push_str(name);
    }

    /// The name at `index`.
    pub fn get(&self, index: usize) -> Option<String> {
        if index >= self.starts.len() {
            return None;
        }
        let mut name: Vec<u8> = Vec::new();
        for i in index - index % RESTART..=index {
            let mut at = self.starts[i];
            let shared = read_length(&self.bytes, &mut at);
            let rest = read_length(&self.bytes, &mut at);
            name.truncate(shared);
            name.extend_from_slice(&self.bytes[at..at + rest]);
        }
        String::from_utf8(name).ok()
    }
}

/// The bytes two names share at their start, ending on a character boundary.
fn shared_prefix(a: &str, b: &str) -> usize {
    let mut shared = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    while !b.is_char_boundary(shared) {
        shared -= 1;
    }
    shared
}

/// A length in 7-bit groups, low first.
fn push_length(bytes: &mut Vec<u8>, mut length: usize) {
    while length >= 0x80 {
        bytes.push((length as u8) | 0x80);
        length >>= 7;
    }
    bytes.push(length as u8);
}

fn read_length(bytes: &[u8], at: &mut usize) -> usize {
    let (mut length, mut shift) = (0usize, 0);
    loop {
        let byte = bytes[*at];
        *at += 1;
        length |= usize::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return length;
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_comes_back_as_it_went_in() {
        let mut names: Vec<String> = Vec::new();
        for folder in ["a", "a/b", "甲乙", "甲乙丙", ""] {
            for i in 0..70 {
                names.push(format!("{folder}/{i:03}.xlsx"));
                names.push(format!("{folder}/{i:03}.xls"));
            }
        }
        names.push("x".repeat(300));
        names.push(String::new());
        names.push("甲".into());
        names.push("甲乙".into());
        names.push("乙".into());
        let mut list = NameList::default();
        for name in &names {
            list.push(name);
        }
        assert_eq!(list.len(), names.len());
        for (i, name) in names.iter().enumerate() {
            assert_eq!(list.get(i).as_deref(), Some(name.as_str()), "name {i}");
        }
        assert_eq!(list.get(names.len()), None);
        // Shared folders are stored once per restart, not once per name.
        let whole: usize = names.iter().map(String::len).sum();
        assert!(
            list.bytes.len() < whole / 2,
            "{} of {whole}",
            list.bytes.len()
        );
    }
}
