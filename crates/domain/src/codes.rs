//! Code lists of the register: ethnic groups, religions, blood groups, nationality codes.
//!
//! The ethnic-group list follows the statistics office's 54-group catalogue (codes 01–54) and
//! the religion list the state's recognised religions; both are kept as data here and marked
//! "unconfirmed" in docs/DOMAIN.md until checked against the current official catalogue.

use crate::error::Rule;
use crate::name::fold;
use std::fmt;

/// The 54 ethnic groups, in catalogue order (code = index + 1).
pub const ETHNIC_GROUPS: [&str; 54] = [
    "Kinh",
    "Tày",
    "Thái",
    "Hoa",
    "Khơ-me",
    "Mường",
    "Nùng",
    "Mông",
    "Dao",
    "Gia-rai",
    "Ngái",
    "Ê-đê",
    "Ba-na",
    "Xơ-đăng",
    "Sán Chay",
    "Cơ-ho",
    "Chăm",
    "Sán Dìu",
    "Hrê",
    "Mnông",
    "Ra-glai",
    "Xtiêng",
    "Bru-Vân Kiều",
    "Thổ",
    "Giáy",
    "Cơ-tu",
    "Gié-Triêng",
    "Mạ",
    "Khơ-mú",
    "Co",
    "Tà-ôi",
    "Chơ-ro",
    "Kháng",
    "Xinh-mun",
    "Hà Nhì",
    "Chu-ru",
    "Lào",
    "La Chí",
    "La Ha",
    "Phù Lá",
    "La Hủ",
    "Lự",
    "Lô Lô",
    "Chứt",
    "Mảng",
    "Pà Thẻn",
    "Cơ Lao",
    "Cống",
    "Bố Y",
    "Si La",
    "Pu Péo",
    "Brâu",
    "Ơ-đu",
    "Rơ-măm",
];

/// Recognised religions; code 0 is "Không" (none).
pub const RELIGIONS: [&str; 17] = [
    "Không",
    "Phật giáo",
    "Công giáo",
    "Tin lành",
    "Cao Đài",
    "Phật giáo Hòa Hảo",
    "Hồi giáo",
    "Tôn giáo Baha'i",
    "Tịnh độ Cư sỹ Phật hội Việt Nam",
    "Cơ đốc Phục lâm",
    "Phật giáo Tứ Ân Hiếu Nghĩa",
    "Minh Sư đạo",
    "Minh Lý đạo - Tam Tông Miếu",
    "Bà-la-môn giáo",
    "Mặc môn",
    "Phật giáo Hiếu Nghĩa Tà Lơn",
    "Bửu Sơn Kỳ Hương",
];

fn by_code_or_name(s: &str, names: &[&str], first_code: usize) -> Option<usize> {
    let t = s.trim();
    if !t.is_empty() && t.len() <= 2 && t.bytes().all(|b| b.is_ascii_digit()) {
        let code: usize = t.parse().ok()?;
        return (code >= first_code && code < names.len() + first_code).then(|| code - first_code);
    }
    // Names compare folded, so "Khơ-me", "Khome" and "Khơ me" all match; hyphens are spacing.
    let key = fold(t).replace(' ', "");
    names.iter().position(|n| fold(n).replace(' ', "") == key)
}

/// One of the 54 ethnic groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ethnicity(u8);

impl Ethnicity {
    /// Accepts the two-digit code (`01`) or the name in any spelling that folds equal.
    pub fn parse(s: &str) -> Result<Self, Rule> {
        by_code_or_name(s, &ETHNIC_GROUPS, 1).map(|i| Ethnicity(i as u8 + 1)).ok_or(Rule::Ethnicity)
    }
    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }
    pub fn name(self) -> &'static str {
        ETHNIC_GROUPS[self.0 as usize - 1]
    }
}

impl fmt::Display for Ethnicity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A recognised religion, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Religion(u8);

impl Religion {
    pub const NONE: Religion = Religion(0);
    pub fn parse(s: &str) -> Result<Self, Rule> {
        by_code_or_name(s, &RELIGIONS, 0).map(|i| Religion(i as u8)).ok_or(Rule::Religion)
    }
    pub fn code(self) -> String {
        format!("{:02}", self.0)
    }
    pub fn name(self) -> &'static str {
        RELIGIONS[self.0 as usize]
    }
}

impl fmt::Display for Religion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// ABO group with Rh factor; recorded only on request with a test result (Law 2014 Art. 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BloodGroup {
    pub abo: Abo,
    pub rh_positive: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Abo {
    A,
    B,
    AB,
    O,
}

impl BloodGroup {
    pub fn parse(s: &str) -> Result<Self, Rule> {
        let t = s.trim().to_ascii_uppercase();
        // Split on characters, not bytes: the input is arbitrary text.
        let (abo, rh_positive) = if let Some(abo) = t.strip_suffix('+') {
            (abo, true)
        } else if let Some(abo) = t.strip_suffix('-') {
            (abo, false)
        } else {
            return Err(Rule::BloodGroup);
        };
        let abo = match abo {
            "A" => Abo::A,
            "B" => Abo::B,
            "AB" => Abo::AB,
            "O" => Abo::O,
            _ => return Err(Rule::BloodGroup),
        };
        Ok(BloodGroup { abo, rh_positive })
    }
}

impl fmt::Display for BloodGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abo = match self.abo {
            Abo::A => "A",
            Abo::B => "B",
            Abo::AB => "AB",
            Abo::O => "O",
        };
        write!(f, "{abo}{}", if self.rh_positive { "+" } else { "-" })
    }
}

/// An ISO 3166-1 alpha-3 nationality code (`VNM`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Nationality([u8; 3]);

impl Nationality {
    pub const VIETNAM: Nationality = Nationality(*b"VNM");
    pub fn parse(s: &str) -> Result<Self, Rule> {
        let b = s.trim().as_bytes();
        if b.len() != 3 || !b.iter().all(u8::is_ascii_uppercase) {
            return Err(Rule::Nationality);
        }
        Ok(Nationality([b[0], b[1], b[2]]))
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII")
    }
}

impl fmt::Display for Nationality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The old 9-digit identity card (CMND) number: opaque, leading zeros significant.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Cmnd9(String);

impl Cmnd9 {
    pub fn parse(s: &str) -> Result<Self, Rule> {
        if s.len() == 9 && s.bytes().all(|b| b.is_ascii_digit()) { Ok(Cmnd9(s.to_owned())) } else { Err(Rule::Cmnd9) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Cmnd9 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Cmnd9(*********)")
    }
}

/// A Vietnamese mobile or fixed number, stored as `0` + nine or ten digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Accepts `0xxxxxxxxx` or `+84xxxxxxxxx`, with spaces, dots or dashes between groups.
    pub fn parse(s: &str) -> Result<Self, Rule> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '.' | '-')).collect();
        let national = if let Some(rest) = digits.strip_prefix("+84") { format!("0{rest}") } else { digits };
        let ok = national.starts_with('0')
            && (10..=11).contains(&national.len())
            && national.bytes().all(|b| b.is_ascii_digit());
        if ok { Ok(Phone(national)) } else { Err(Rule::Phone) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone(***{})", &self.0[self.0.len() - 2..])
    }
}

/// An e-mail address, checked for shape only (delivery proves the rest).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, Rule> {
        let s = s.trim();
        let valid = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !s.chars().any(|c| c.is_whitespace() || c.is_control())
                    && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-')
                    && !local.contains('@')
            });
        if valid { Ok(Email(s.to_owned())) } else { Err(Rule::Email) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Email(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethnicity_by_code_and_name() {
        assert_eq!(Ethnicity::parse("01").unwrap().name(), "Kinh");
        assert_eq!(Ethnicity::parse("54").unwrap().name(), "Rơ-măm");
        assert_eq!(Ethnicity::parse("Khome").unwrap().code(), "05");
        assert_eq!(Ethnicity::parse("khơ me").unwrap().code(), "05");
        assert_eq!(Ethnicity::parse("55"), Err(Rule::Ethnicity));
        assert_eq!(Ethnicity::parse("00"), Err(Rule::Ethnicity));
        assert_eq!(Ethnicity::parse("Klingon"), Err(Rule::Ethnicity));
        let mut folded: Vec<String> = ETHNIC_GROUPS.iter().map(|n| fold(n).replace(' ', "")).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), 54, "names must stay distinct after folding");
    }

    #[test]
    fn religion_none_and_names() {
        assert_eq!(Religion::parse("Không").unwrap(), Religion::NONE);
        assert_eq!(Religion::parse("00").unwrap(), Religion::NONE);
        assert_eq!(Religion::parse("phat giao hoa hao").unwrap().code(), "05");
        assert_eq!(Religion::parse("17"), Err(Rule::Religion));
    }

    #[test]
    fn small_value_types() {
        assert_eq!(BloodGroup::parse("ab+").unwrap().to_string(), "AB+");
        assert_eq!(BloodGroup::parse("O-").unwrap().to_string(), "O-");
        assert_eq!(BloodGroup::parse("C+"), Err(Rule::BloodGroup));
        assert_eq!(BloodGroup::parse(""), Err(Rule::BloodGroup));
        assert_eq!(Phone::parse("+84 912 345 678").unwrap().as_str(), "0912345678");
        assert_eq!(Phone::parse("0912.345.678").unwrap().as_str(), "0912345678");
        assert_eq!(Phone::parse("912345678"), Err(Rule::Phone));
        assert_eq!(Phone::parse("09123456789012"), Err(Rule::Phone));
        assert!(Email::parse("an.nguyen@example.vn").is_ok());
        for bad in ["", "a@b", "@x.vn", "a b@x.vn", "a@x..", "a@@x.vn"] {
            assert_eq!(Email::parse(bad), Err(Rule::Email), "{bad}");
        }
        assert_eq!(Cmnd9::parse("012345678").unwrap().as_str(), "012345678");
        assert_eq!(Cmnd9::parse("12345678"), Err(Rule::Cmnd9));
        assert_eq!(Nationality::parse("VNM"), Ok(Nationality::VIETNAM));
        assert_eq!(Nationality::parse("vn"), Err(Rule::Nationality));
    }
}
