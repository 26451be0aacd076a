//! Name search through word-combination keys, the same on both engines.
//!
//! A full-text index answers "nguyễn văn an" by intersecting the posting lists of every word,
//! and a third of the population is called Nguyễn: the cost grows with the commonest word, not
//! with the answer. Here each person instead gets B-tree keys of one, two and three of their
//! folded name words (`1 an`, `2 nguyen an`, `3 nguyen van an`), so a query of up to three words
//! is one key range whose size is close to the number of answers:
//!
//! - `1 w` for every word;
//! - `2 a b` for every ordered pair of distinct words (the query's words come in any order);
//! - `3 a b c` for every sorted pair `a < b` and any third word `c`.
//!
//! Every query word is whole except the last one, which is a prefix (the word being typed): the
//! range starts at the key of the whole words followed by the prefix. A query of four or more
//! words reads the narrowest of several three-word ranges ([`key_ranges`]) and checks the other
//! words on the rows. Year of birth and sex sit beside each key so that they filter inside the
//! index. `search_text` keeps the tokens (`y<year>`, `d<yyyymmdd>`, `s<sex>`, `jc<commune>`,
//! `jp<province>`) that the remaining filters and jurisdiction check on the few rows found.

use dinhdanh_app::ports::SearchQuery;
use dinhdanh_domain::person::{Jurisdiction, LifeStatus, Person};
use std::collections::{BTreeMap, BTreeSet};

/// The token text of a person.
pub fn search_text(p: &Person) -> String {
    let mut out = name_words(p);
    out.push(format!("y{}", p.date_of_birth.year()));
    if let Some(d) = p.date_of_birth.full() {
        out.push(format!("d{:04}{:02}{:02}", d.year(), d.month() as u8, d.day()));
    }
    out.push(format!("s{}", p.sex.code().to_ascii_lowercase()));
    let keys = p.jurisdiction_keys();
    out.extend(keys.communes.iter().map(|c| format!("jc{c}")));
    out.extend(keys.provinces.iter().map(|c| format!("jp{c}")));
    out.join(" ")
}

pub fn status_code(p: &Person) -> &'static str {
    match p.status {
        LifeStatus::Alive => "alive",
        LifeStatus::Dead(_) => "dead",
        LifeStatus::Missing(_) => "missing",
    }
}

/// Keeps only what a token can hold, so user input can never reach the key syntax.
fn clean(word: &str) -> String {
    word.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

/// A person's folded name words (birth name and other names), sorted, as a multiset: a word
/// appears as often as it does in the one name that repeats it most ("Nguyễn Thanh Thành" holds
/// `thanh` twice), so that a query may repeat a word exactly as often.
pub fn name_words(p: &Person) -> Vec<String> {
    let mut most: BTreeMap<String, usize> = BTreeMap::new();
    for n in std::iter::once(&p.birth_name).chain(&p.other_names) {
        let mut here: BTreeMap<String, usize> = BTreeMap::new();
        for w in n.folded_words().iter().map(|w| clean(w)).filter(|w| !w.is_empty()) {
            *here.entry(w).or_default() += 1;
        }
        for (w, k) in here {
            let m = most.entry(w).or_default();
            *m = (*m).max(k);
        }
    }
    most.into_iter().flat_map(|(w, k)| std::iter::repeat_n(w, k)).collect()
}

/// The name words at the head of a `search_text` (the filter tokens follow from `y<year>` on).
pub fn words_of_search_text(text: &str) -> impl Iterator<Item = &str> + Clone {
    text.split(' ').take_while(|t| !(t.len() > 1 && t.starts_with('y') && t[1..].bytes().all(|b| b.is_ascii_digit())))
}

/// Above this many distinct words a name gets keys of its first words only; no real name comes
/// near it, and the number of three-word keys grows with the cube.
pub const MAX_KEYED_WORDS: usize = 12;

/// Every search key of a person with these name words (sorted, repeats kept).
pub fn search_keys(words: &[String]) -> Vec<String> {
    let w = &words[..words.len().min(MAX_KEYED_WORDS)];
    let mut keys = BTreeSet::new();
    for a in w {
        keys.insert(format!("1 {a}"));
    }
    for (i, a) in w.iter().enumerate() {
        for (j, b) in w.iter().enumerate() {
            if i != j {
                keys.insert(format!("2 {a} {b}"));
            }
        }
    }
    // `w` is sorted, so i < j gives the sorted pair.
    for i in 0..w.len() {
        for j in i + 1..w.len() {
            for (k, c) in w.iter().enumerate() {
                if k != i && k != j {
                    keys.insert(format!("3 {} {} {c}", w[i], w[j]));
                }
            }
        }
    }
    keys.into_iter().collect()
}

/// A range of keys, `from <= key < to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyRange {
    pub from: String,
    pub to: String,
}

impl KeyRange {
    /// Every key that starts with `prefix`. Key characters are ASCII letters, digits and spaces,
    /// all below `~`.
    fn prefix(prefix: String) -> Self {
        KeyRange { to: format!("{prefix}~"), from: prefix }
    }

    /// Exactly `key` (no key extends another by a character below the space).
    fn exact(key: String) -> Self {
        KeyRange { to: format!("{key} "), from: key }
    }
}

/// The words of a query as the keys see them: whole words, then the last word as a prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryWords {
    pub whole: Vec<String>,
    pub prefix: String,
}

impl QueryWords {
    pub fn of(q: &SearchQuery) -> Option<Self> {
        let mut words: Vec<String> = q.name_words.iter().map(|w| clean(w)).filter(|w| !w.is_empty()).collect();
        let prefix = words.pop()?;
        words.sort();
        Some(QueryWords { whole: words, prefix })
    }

    /// Whether a person with these name words matches: each whole word takes one of the name's
    /// words, and the prefix begins one of those left.
    pub fn matches<'a>(&self, words: impl Iterator<Item = &'a str>) -> bool {
        let mut left: BTreeMap<&str, usize> = BTreeMap::new();
        for w in words {
            *left.entry(w).or_default() += 1;
        }
        for w in &self.whole {
            match left.get_mut(w.as_str()) {
                Some(k) if *k > 0 => *k -= 1,
                _ => return false,
            }
        }
        left.iter().any(|(w, k)| *k > 0 && w.starts_with(&self.prefix))
    }

    /// Whether every person in the query's key range matches, so that rows need no word check
    /// (up to three words the range is exact).
    pub fn range_is_exact(&self) -> bool {
        self.whole.len() <= 2
    }
}

/// The key ranges that can answer a query, each enough on its own (the rows it holds are a
/// superset of the answers). Up to three words there is one; with more, the store reads the
/// narrowest and checks the other words on the rows.
pub fn key_ranges(w: &QueryWords) -> Vec<KeyRange> {
    let p = &w.prefix;
    match w.whole.as_slice() {
        [] => vec![KeyRange::prefix(format!("1 {p}"))],
        [a] => vec![KeyRange::prefix(format!("2 {a} {p}"))],
        [a, b] => vec![KeyRange::prefix(format!("3 {a} {b} {p}"))],
        whole => {
            // Whole-word triples are exact keys, usually the narrowest; then pairs with the prefix.
            let mut out: Vec<KeyRange> = Vec::new();
            let mut push = |r: KeyRange| {
                if !out.contains(&r) {
                    out.push(r);
                }
            };
            for i in 0..whole.len() {
                for j in i + 1..whole.len() {
                    for c in &whole[j + 1..] {
                        push(KeyRange::exact(format!("3 {} {} {c}", whole[i], whole[j])));
                    }
                }
            }
            for i in 0..whole.len() {
                for j in i + 1..whole.len() {
                    push(KeyRange::prefix(format!("3 {} {} {p}", whole[i], whole[j])));
                }
            }
            out.truncate(MAX_PROBED_RANGES);
            out
        }
    }
}

/// How many candidate ranges a long query probes before reading one.
pub const MAX_PROBED_RANGES: usize = 8;

/// Whether the query has filters that only a person's row can answer.
pub fn has_row_filters(q: &SearchQuery) -> bool {
    q.date_of_birth.is_some() || q.province.is_some() || q.jurisdiction != Jurisdiction::National
}

/// Whether a person's `search_text` passes the query's filters other than year and sex (which
/// the key scan applies): date of birth, province and the caller's jurisdiction.
pub fn passes_filters(q: &SearchQuery, search_text: &str) -> bool {
    let has = |t: &str| search_text.split(' ').any(|x| x == t);
    if let Some(d) = q.date_of_birth
        && !has(&format!("d{:04}{:02}{:02}", d.year(), d.month() as u8, d.day()))
    {
        return false;
    }
    if let Some(p) = &q.province
        && !has(&format!("jp{}", clean(p)))
    {
        return false;
    }
    match &q.jurisdiction {
        Jurisdiction::National => true,
        Jurisdiction::Province(p) => has(&format!("jp{}", clean(p))),
        Jurisdiction::Commune(c) => has(&format!("jc{}", clean(c))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        let mut w: Vec<String> = s.split(' ').map(str::to_owned).collect();
        w.sort();
        w
    }

    fn query(s: &str) -> QueryWords {
        let q = SearchQuery {
            name_words: s.split(' ').map(str::to_owned).collect(),
            birth_year: None,
            date_of_birth: None,
            sex: None,
            province: None,
            jurisdiction: Jurisdiction::National,
            page: 0,
            page_size: 20,
        };
        QueryWords::of(&q).unwrap()
    }

    /// Whether some key of the person falls in one of the query's ranges and the words match:
    /// the store's answer, without a database.
    fn finds(name: &str, q: &str) -> bool {
        let w = words(name);
        let keys = search_keys(&w);
        let qw = query(q);
        let ranges = key_ranges(&qw);
        let in_range = |k: &String| ranges.iter().any(|r| *k >= r.from && *k < r.to);
        let found = keys.iter().any(in_range) && qw.matches(w.iter().map(String::as_str));
        if qw.range_is_exact() {
            assert_eq!(found, keys.iter().any(in_range), "{q}: a range of up to three words is exact");
        }
        found
    }

    #[test]
    fn keys_of_three_words() {
        let keys = search_keys(&words("nguyen van an"));
        assert_eq!(keys.len(), 3 + 6 + 3);
        let twice = search_keys(&words("nguyen thanh thanh"));
        assert!(twice.contains(&"2 thanh thanh".to_owned()) && twice.contains(&"3 thanh thanh nguyen".to_owned()));
        assert_eq!(twice.len(), 2 + 3 + 2, "keys are distinct");
        assert!(keys.contains(&"2 van an".to_owned()));
        assert!(keys.contains(&"2 an van".to_owned()));
        assert!(keys.contains(&"3 an nguyen van".to_owned()));
        assert!(keys.contains(&"3 nguyen van an".to_owned()));
        assert!(!keys.contains(&"3 van nguyen an".to_owned()), "pairs are sorted");
    }

    #[test]
    fn any_word_order_and_a_prefix_last_word() {
        for q in ["nguyen van an", "an nguyen van", "van an nguyen", "nguyen van a", "an van ng", "an", "ngu", "van an"]
        {
            assert!(finds("nguyen van an", q), "{q}");
        }
        for q in ["nguyen vans an", "nguyen va an", "nguyen van anh", "tran van an", "vanan"] {
            assert!(!finds("nguyen van an", q), "{q}");
        }
    }

    #[test]
    fn four_and_more_words() {
        let name = "nguyen thi thu ha";
        for q in ["nguyen thi thu ha", "ha thu thi nguyen", "nguyen thi thu h", "thi thu ha ng"] {
            assert!(finds(name, q), "{q}");
        }
        for q in ["nguyen thi thu hai", "nguyen thi thuy ha", "le thi thu ha"] {
            assert!(!finds(name, q), "{q}");
        }
        let ranges = key_ranges(&query("nguyen thi thu ha"));
        assert_eq!(ranges[0], KeyRange::exact("3 nguyen thi thu".into()));
        assert!(ranges.len() <= MAX_PROBED_RANGES);
    }

    #[test]
    fn a_prefix_range_does_not_leak_into_longer_whole_words() {
        // "2 van an" must not reach "2 vanx ...", and an exact key must not reach longer words.
        let r = KeyRange::prefix("2 van an".into());
        assert!("2 van anh" < r.to.as_str() && "2 vana b" >= r.to.as_str());
        let e = KeyRange::exact("3 a b c".into());
        assert!("3 a b c" >= e.from.as_str() && "3 a b c" < e.to.as_str() && "3 a b cd" >= e.to.as_str());
    }

    #[test]
    fn a_repeated_word_must_be_repeated_in_the_name() {
        assert_eq!(query("nguyen nguyen"), QueryWords { whole: vec!["nguyen".into()], prefix: "nguyen".into() });
        assert!(finds("nguyen thanh thanh", "nguyen thanh thanh"));
        assert!(finds("nguyen thanh thanh", "thanh thanh"));
        assert!(finds("nguyen thanh thanh", "thanh nguyen th"));
        assert!(!finds("nguyen van thanh", "nguyen thanh thanh"));
        assert!(!finds("nguyen van thanh", "thanh thanh"));
        assert!(finds("nguyen thi nguyen", "nguyen thi nguyen"));
        assert!(finds("le thi mai mai thu", "mai mai le thi thu"));
        assert!(!finds("le thi mai thu", "mai mai le thi thu"));
    }

    #[test]
    fn user_input_cannot_reach_the_key_syntax() {
        assert_eq!(query("an~ 3 b"), QueryWords { whole: vec!["3".into(), "an".into()], prefix: "b".into() });
    }

    #[test]
    fn name_words_end_at_the_year_token() {
        let text = "an nguyen van y1990 d19900315 sm jc26743 jp79";
        assert_eq!(words_of_search_text(text).collect::<Vec<_>>(), ["an", "nguyen", "van"]);
    }
}
