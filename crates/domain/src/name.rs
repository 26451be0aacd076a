//! Vietnamese personal names: NFC at every boundary and one folded form for search and matching.
//!
//! Folding: NFD, drop combining marks, `đ`/`Đ` → `d` (it has no Unicode decomposition), lower
//! case, single spaces. Tone-placement variants (Hòa/Hoà, Thủy/Thuỷ) fold to the same string,
//! because both spellings carry the same marks on different letters.

use crate::error::Rule;
use std::fmt;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// Longest name accepted, in characters (Art. 9 names are far shorter; this bounds storage).
pub const MAX_NAME_CHARS: usize = 100;

/// A person's name in NFC with single spaces and no surrounding whitespace.
///
/// `Debug` redacts the name: names are personal data and must not reach the logs.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// Strict parse for machine interfaces: refuses text that is not already NFC, so a client
    /// learns that it sends decomposed text instead of having it silently rewritten.
    pub fn parse(s: &str) -> Result<Self, Rule> {
        if !is_nfc(s) {
            return Err(Rule::NameNotNfc);
        }
        Self::checked(collapse_spaces(s))
    }

    /// Lenient parse for human input (forms, imports from older systems): normalizes to NFC first.
    pub fn normalize(s: &str) -> Result<Self, Rule> {
        let nfc: String = s.nfc().collect();
        Self::checked(collapse_spaces(&nfc))
    }

    fn checked(s: String) -> Result<Self, Rule> {
        if s.is_empty() {
            return Err(Rule::NameEmpty);
        }
        if s.chars().count() > MAX_NAME_CHARS {
            return Err(Rule::NameTooLong);
        }
        let ok = s
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '-' || c == '\'' || c == '’' || is_combining_mark(c));
        if !ok {
            return Err(Rule::NameCharacters);
        }
        Ok(PersonName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn folded(&self) -> String {
        fold(&self.0)
    }

    /// The words of the folded form, for token search.
    pub fn folded_words(&self) -> Vec<String> {
        fold(&self.0).split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect()
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonName(*** {} chars)", self.0.chars().count())
    }
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for w in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    out
}

/// The folded search form of any text: `"Nguyễn Văn Đức"` → `"nguyen van duc"`.
/// Characters other than letters and digits become word separators.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        let c = match c {
            'đ' | 'Đ' => 'd',
            _ => c,
        };
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// Normalizes free text (addresses, reasons) to NFC and checks its length and characters.
pub fn clean_text(s: &str, max_chars: usize) -> Result<String, Rule> {
    let nfc: String = s.trim().nfc().collect();
    if nfc.chars().count() > max_chars {
        return Err(Rule::TextTooLong);
    }
    if nfc.chars().any(|c| c.is_control() && c != '\n') {
        return Err(Rule::TextControlChars);
    }
    Ok(nfc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Nguyễn Văn Đức"), "nguyen van duc");
        assert_eq!(fold("LÊ ĐÌNH ƯỚC"), "le dinh uoc");
        assert_eq!(fold("  Trần   Thị  Hồng "), "tran thi hong");
        assert_eq!(fold("Hòa"), fold("Hoà"));
        assert_eq!(fold("Thủy"), fold("Thuỷ"));
        assert_eq!(fold("Nguyễn-Phạm"), "nguyen pham");
    }

    #[test]
    fn strict_parse_refuses_nfd_and_bad_names() {
        let nfd: String = "Nguyễn Văn An".nfd().collect();
        assert_eq!(PersonName::parse(&nfd), Err(Rule::NameNotNfc));
        assert_eq!(PersonName::normalize(&nfd).unwrap().as_str(), "Nguyễn Văn An");
        assert_eq!(PersonName::parse("   "), Err(Rule::NameEmpty));
        assert_eq!(PersonName::parse("An 2"), Err(Rule::NameCharacters));
        assert_eq!(PersonName::parse("<script>"), Err(Rule::NameCharacters));
        assert_eq!(PersonName::parse(&"a".repeat(101)), Err(Rule::NameTooLong));
        assert_eq!(PersonName::parse(" Hồ  Thị   Lan ").unwrap().as_str(), "Hồ Thị Lan");
        assert!(PersonName::parse("H'Hen Niê").is_ok());
    }

    #[test]
    fn debug_redacts() {
        let n = PersonName::parse("Nguyễn Văn An").unwrap();
        assert!(!format!("{n:?}").contains("An"));
    }

    proptest! {
        #[test]
        fn fold_is_idempotent_and_form_independent(s in "\\PC{0,40}") {
            let f = fold(&s);
            prop_assert_eq!(fold(&f), f.clone());
            let nfd: String = s.nfd().collect();
            let nfc: String = s.nfc().collect();
            prop_assert_eq!(fold(&nfd), f.clone());
            prop_assert_eq!(fold(&nfc), f);
        }

        #[test]
        fn vietnamese_letters_fold_to_ascii(s in "[a-zA-ZàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđĐ ]{0,40}") {
            let f = fold(&s);
            prop_assert!(f.is_ascii(), "{}", f);
            prop_assert!(!f.contains("  "));
        }
    }
}
