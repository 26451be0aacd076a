//! The machine-readable zone of an ID-1 card (ICAO 9303 Part 5, TD1: three lines of 30
//! characters), its check digits (Part 3 §4.9, weights 7-3-1) and the transliteration of names
//! into the MRZ alphabet (Part 3 §6).
//!
//! Vietnamese cards put the last nine digits of the personal identification number (PIN) in the
//! document-number field and the whole PIN, two fillers and the PIN's own check digit in the
//! optional data of line 1:
//!
//! ```text
//! IDVNM2030001233079203000123<<3
//! 0305141M2805140VNM<<<<<<<<<<<0
//! NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<
//! ```
//!
//! Cards without an expiry date carry `991231`, which every TD1 checker accepts.

use std::fmt;
use time::Date;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub const LINE_LEN: usize = 30;

/// Why an MRZ could not be built or read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MrzError {
    #[error("a TD1 MRZ is 3 lines of 30 characters (90 in all), got {0}")]
    Length(usize),
    #[error("character {0:?} is not in the MRZ alphabet (A-Z, 0-9, <)")]
    Alphabet(char),
    #[error("check digit of the {field} is {found}, expected {expected}")]
    CheckDigit { field: &'static str, expected: char, found: char },
    #[error("the {0} is not valid")]
    Field(&'static str),
    #[error("the name contains {0:?}, which has no ICAO 9303 transliteration")]
    Transliteration(char),
    #[error("the name has no letters")]
    EmptyName,
}

/// ICAO 9303 Part 3 §4.9: weights 7, 3, 1 repeated; digits count as themselves, letters A-Z as
/// 10-35 and the filler `<` as 0. `None` when a character is outside the MRZ alphabet.
pub fn check_digit(field: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, c) in field.chars().enumerate() {
        let v = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => return None,
        };
        sum += v * [7, 3, 1][i % 3];
    }
    char::from_digit(sum % 10, 10)
}

/// Characters whose ICAO 9303 Part 3 §6 transliteration is not simply "the base letter without
/// its marks", upper case. Everything else that decomposes (NFD) to one A-Z letter followed by
/// combining marks maps to that letter: this covers the Vietnamese letters (Ă Â Ê Ô Ơ Ư with
/// every tone mark), the Latin-1 vowels with accents, Ç, Ñ and the Latin Extended-A letters.
const SPECIAL: &[(char, &str)] = &[
    ('Ä', "AE"),
    ('Å', "AA"),
    ('Æ', "AE"),
    ('Ð', "D"),
    ('Đ', "D"),
    ('Ö', "OE"),
    ('Ø', "OE"),
    ('Ü', "UE"),
    ('Þ', "TH"),
    ('ß', "SS"),
    ('ẞ', "SS"),
    ('Ħ', "H"),
    ('ı', "I"),
    ('Ĳ', "IJ"),
    ('Ŀ', "L"),
    ('Ł', "L"),
    ('Ŋ', "N"),
    ('Œ', "OE"),
    ('Ŧ', "T"),
];

/// Transliterates one name (surname, or the given names) into the MRZ alphabet: upper case,
/// marks removed (with the exceptions above), spaces and hyphens become `<`, apostrophes are
/// dropped. Fails on characters without a Latin transliteration rather than guessing.
pub fn transliterate(name: &str) -> Result<String, MrzError> {
    let mut out = String::with_capacity(name.len());
    for c in name.nfc() {
        match c {
            'A'..='Z' => out.push(c),
            'a'..='z' => out.push(c.to_ascii_uppercase()),
            ' ' | '-' | '‐' | ',' | '.' | '<' => {
                if !out.is_empty() && !out.ends_with('<') {
                    out.push('<');
                }
            }
            '\'' | '’' | 'ʼ' | '`' => {}
            _ => out.push_str(&transliterate_letter(c)?),
        }
    }
    while out.ends_with('<') {
        out.pop();
    }
    if out.is_empty() {
        return Err(MrzError::EmptyName);
    }
    Ok(out)
}

fn transliterate_letter(c: char) -> Result<String, MrzError> {
    let upper: String = c.to_uppercase().collect();
    let mut chars = upper.chars();
    let (Some(u), None) = (chars.next(), chars.next()) else {
        // Letters whose upper case is two letters (ß → SS) are in the table by their lower case.
        return SPECIAL.iter().find(|(k, _)| *k == c).map(|(_, v)| (*v).to_owned()).ok_or(MrzError::Transliteration(c));
    };
    if let Some((_, v)) = SPECIAL.iter().find(|(k, _)| *k == u || *k == c) {
        return Ok((*v).to_owned());
    }
    let mut decomposed = std::iter::once(u).nfd();
    match decomposed.next() {
        Some(base @ 'A'..='Z') if decomposed.all(is_combining_mark) => Ok(base.to_string()),
        _ => Err(MrzError::Transliteration(c)),
    }
}

/// The name field: `SURNAME<<GIVEN<NAMES`, filled with `<` or cut to `width` characters.
pub fn name_field(primary: &str, secondary: &str, width: usize) -> Result<String, MrzError> {
    let mut s = transliterate(primary)?;
    if let Ok(given) = transliterate(secondary) {
        s.push_str("<<");
        s.push_str(&given);
    }
    Ok(pad(&s, width))
}

fn pad(s: &str, width: usize) -> String {
    let mut out: String = s.chars().take(width).collect();
    while out.len() < width {
        out.push('<');
    }
    out
}

/// A date as the MRZ writes it: `YYMMDD`, with `<<` for an unknown month or day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MrzDate {
    pub year: i32,
    pub month: Option<u8>,
    pub day: Option<u8>,
}

impl MrzDate {
    /// The expiry field of a card that does not expire ("không thời hạn").
    pub const NO_EXPIRY: MrzDate = MrzDate { year: 2099, month: Some(12), day: Some(31) };

    pub fn from_date(d: Date) -> Self {
        MrzDate { year: d.year(), month: Some(d.month() as u8), day: Some(d.day()) }
    }

    pub fn to_date(self) -> Option<Date> {
        let month = time::Month::try_from(self.month?).ok()?;
        Date::from_calendar_date(self.year, month, self.day?).ok()
    }

    pub fn encode(&self) -> String {
        let two = |v: Option<u8>| v.map_or("<<".to_owned(), |v| format!("{v:02}"));
        format!("{:02}{}{}", self.year.rem_euclid(100), two(self.month), two(self.day))
    }

    /// Reads `YYMMDD`; the century is the one that puts the date at most `max_year`.
    fn decode(s: &str, max_year: i32) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 6 || !b[..2].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let part = |i: usize| -> Option<Option<u8>> {
            match &b[i..i + 2] {
                b"<<" => Some(None),
                p if p.iter().all(u8::is_ascii_digit) => Some(Some((p[0] - b'0') * 10 + (p[1] - b'0'))),
                _ => None,
            }
        };
        let yy = ((b[0] - b'0') * 10 + (b[1] - b'0')) as i32;
        let century = max_year.div_euclid(100) * 100;
        let year = if century + yy > max_year { century - 100 + yy } else { century + yy };
        let (month, day) = (part(2)?, part(4)?);
        if month.is_some_and(|m| !(1..=12).contains(&m)) || day.is_some_and(|d| !(1..=31).contains(&d)) {
            return None;
        }
        Some(MrzDate { year, month, day })
    }
}

/// Sex as the MRZ writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MrzSex {
    Male,
    Female,
    Unspecified,
}

impl MrzSex {
    pub fn code(self) -> char {
        match self {
            MrzSex::Male => 'M',
            MrzSex::Female => 'F',
            MrzSex::Unspecified => '<',
        }
    }
}

/// The fields of a TD1 MRZ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Td1 {
    /// Two characters, `ID` for identity cards (`I<` is also allowed).
    pub document_code: String,
    pub issuing_state: String,
    /// Up to nine characters (longer numbers are not supported here).
    pub document_number: String,
    /// Line 1, positions 16-30 (15 characters).
    pub optional_data_1: String,
    pub date_of_birth: MrzDate,
    pub sex: MrzSex,
    pub date_of_expiry: MrzDate,
    pub nationality: String,
    /// Line 2, positions 19-29 (11 characters).
    pub optional_data_2: String,
    /// Line 3 as written, `SURNAME<<GIVEN<NAMES` padded to 30.
    pub name: String,
}

impl Td1 {
    /// The 90 characters of the three lines, without line breaks (DG1 stores it so).
    pub fn encode(&self) -> Result<String, MrzError> {
        let field = |s: &str, len: usize, what: &'static str| -> Result<String, MrzError> {
            if s.len() > len {
                return Err(MrzError::Field(what));
            }
            if let Some(c) = s.chars().find(|c| !is_mrz_char(*c)) {
                return Err(MrzError::Alphabet(c));
            }
            Ok(pad(s, len))
        };
        let number = field(&self.document_number, 9, "document number")?;
        let l1 = format!(
            "{}{}{}{}{}",
            field(&self.document_code, 2, "document code")?,
            field(&self.issuing_state, 3, "issuing state")?,
            number,
            check_digit(&number).unwrap_or('0'),
            field(&self.optional_data_1, 15, "optional data")?,
        );
        let dob = self.date_of_birth.encode();
        let exp = self.date_of_expiry.encode();
        let mut l2 = format!(
            "{dob}{}{}{exp}{}{}{}",
            check_digit(&dob).unwrap_or('0'),
            self.sex.code(),
            check_digit(&exp).unwrap_or('0'),
            field(&self.nationality, 3, "nationality")?,
            field(&self.optional_data_2, 11, "optional data")?,
        );
        let composite = composite_input(&l1, &l2);
        l2.push(check_digit(&composite).unwrap_or('0'));
        let l3 = field(&self.name, 30, "name")?;
        Ok(format!("{l1}{l2}{l3}"))
    }

    /// Reads 90 MRZ characters (line breaks are ignored) and checks every check digit.
    /// `today_year` decides the century of the two-digit years: a birth date is never in the
    /// future, an expiry at most 50 years ahead.
    pub fn parse(text: &str, today_year: i32) -> Result<Td1, MrzError> {
        let s: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
        if s.chars().count() != 90 {
            return Err(MrzError::Length(s.chars().count()));
        }
        if let Some(c) = s.chars().find(|c| !is_mrz_char(*c)) {
            return Err(MrzError::Alphabet(c));
        }
        let (l1, l2, l3) = (&s[0..30], &s[30..60], &s[60..90]);
        check(&l1[5..14], l1.as_bytes()[14] as char, "document number")?;
        check(&l2[0..6], l2.as_bytes()[6] as char, "date of birth")?;
        check(&l2[8..14], l2.as_bytes()[14] as char, "date of expiry")?;
        check(&composite_input(l1, &l2[..29]), l2.as_bytes()[29] as char, "composite")?;
        let sex = match &l2[7..8] {
            "M" => MrzSex::Male,
            "F" => MrzSex::Female,
            "<" => MrzSex::Unspecified,
            _ => return Err(MrzError::Field("sex")),
        };
        Ok(Td1 {
            document_code: l1[0..2].trim_end_matches('<').to_owned(),
            issuing_state: l1[2..5].trim_end_matches('<').to_owned(),
            document_number: l1[5..14].trim_end_matches('<').to_owned(),
            optional_data_1: l1[15..30].trim_end_matches('<').to_owned(),
            date_of_birth: MrzDate::decode(&l2[0..6], today_year).ok_or(MrzError::Field("date of birth"))?,
            sex,
            date_of_expiry: MrzDate::decode(&l2[8..14], today_year + 50).ok_or(MrzError::Field("date of expiry"))?,
            nationality: l2[15..18].trim_end_matches('<').to_owned(),
            optional_data_2: l2[18..29].trim_end_matches('<').to_owned(),
            name: l3.to_owned(),
        })
    }

    /// Surname and given names as written in the MRZ (fillers turned back into spaces).
    pub fn names(&self) -> (String, String) {
        let trimmed = self.name.trim_end_matches('<');
        let (primary, secondary) = trimmed.split_once("<<").unwrap_or((trimmed, ""));
        (primary.replace('<', " "), secondary.replace('<', " "))
    }

    /// The three lines, separated by line breaks, for display.
    pub fn lines(&self) -> Result<[String; 3], MrzError> {
        let s = self.encode()?;
        Ok([s[0..30].to_owned(), s[30..60].to_owned(), s[60..90].to_owned()])
    }
}

fn is_mrz_char(c: char) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<'
}

/// Line 1 positions 6-30 and line 2 positions 1-7, 9-15 and 19-29.
fn composite_input(l1: &str, l2: &str) -> String {
    format!("{}{}{}{}", &l1[5..30], &l2[0..7], &l2[8..15], &l2[18..29])
}

fn check(field: &str, found: char, what: &'static str) -> Result<(), MrzError> {
    let expected = check_digit(field).ok_or(MrzError::Field(what))?;
    if expected != found {
        return Err(MrzError::CheckDigit { field: what, expected, found });
    }
    Ok(())
}

/// What a Vietnamese card's MRZ says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VnCardMrz {
    /// The 12-digit personal identification number.
    pub pin: String,
    pub surname: String,
    pub given_names: String,
    pub date_of_birth: MrzDate,
    pub sex: MrzSex,
    /// `None` for a card without expiry.
    pub date_of_expiry: Option<Date>,
}

impl VnCardMrz {
    pub fn to_td1(&self) -> Result<Td1, MrzError> {
        if self.pin.len() != 12 || !self.pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MrzError::Field("personal identification number"));
        }
        let pin_check = check_digit(&self.pin).unwrap_or('0');
        Ok(Td1 {
            document_code: "ID".into(),
            issuing_state: "VNM".into(),
            document_number: self.pin[3..].to_owned(),
            optional_data_1: format!("{}<<{pin_check}", self.pin),
            date_of_birth: self.date_of_birth,
            sex: self.sex,
            date_of_expiry: self.date_of_expiry.map_or(MrzDate::NO_EXPIRY, MrzDate::from_date),
            nationality: "VNM".into(),
            optional_data_2: String::new(),
            name: name_field(&self.surname, &self.given_names, LINE_LEN)?,
        })
    }

    /// Reads a Vietnamese TD1: the PIN from the optional data (checked by its own check digit
    /// and against the document number).
    pub fn from_td1(td1: &Td1) -> Result<VnCardMrz, MrzError> {
        let opt = td1.optional_data_1.as_bytes();
        if opt.len() != 15 || &opt[12..14] != b"<<" {
            return Err(MrzError::Field("personal identification number"));
        }
        let pin = &td1.optional_data_1[..12];
        if !pin.bytes().all(|b| b.is_ascii_digit()) || pin[3..] != td1.document_number {
            return Err(MrzError::Field("personal identification number"));
        }
        check(pin, opt[14] as char, "personal identification number")?;
        let (surname, given_names) = td1.names();
        let expiry = if td1.date_of_expiry.encode() == MrzDate::NO_EXPIRY.encode() {
            None
        } else {
            td1.date_of_expiry.to_date()
        };
        Ok(VnCardMrz {
            pin: pin.to_owned(),
            surname,
            given_names,
            date_of_birth: td1.date_of_birth,
            sex: td1.sex,
            date_of_expiry: expiry,
        })
    }
}

impl fmt::Display for Td1 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.lines() {
            Ok([a, b, c]) => write!(f, "{a}\n{b}\n{c}"),
            Err(e) => write!(f, "(invalid MRZ: {e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn sample() -> VnCardMrz {
        VnCardMrz {
            pin: "079203000123".into(),
            surname: "Nguyễn".into(),
            given_names: "Văn An".into(),
            date_of_birth: MrzDate::from_date(date!(2003 - 05 - 14)),
            sex: MrzSex::Male,
            date_of_expiry: Some(date!(2028 - 05 - 14)),
        }
    }

    #[test]
    fn the_vietnamese_example_line_by_line() {
        let lines = sample().to_td1().unwrap().lines().unwrap();
        assert_eq!(lines[0], "IDVNM2030001233079203000123<<3");
        assert_eq!(lines[1], "0305141M2805140VNM<<<<<<<<<<<0");
        assert_eq!(lines[2], "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<");
    }

    #[test]
    fn check_digits_of_the_icao_specimen() {
        // Doc 9303 Part 3 worked examples: document number L898902C3 → 6, 740812 → 2.
        assert_eq!(check_digit("L898902C3"), Some('6'));
        assert_eq!(check_digit("740812"), Some('2'));
        assert_eq!(check_digit("120415"), Some('9'));
        assert_eq!(check_digit("a"), None);
    }

    #[test]
    fn parse_round_trip_and_pin() {
        let td1 = sample().to_td1().unwrap();
        let text = td1.encode().unwrap();
        let back = Td1::parse(&text, 2026).unwrap();
        assert_eq!(back, Td1 { optional_data_1: "079203000123<<3".into(), ..td1 });
        let vn = VnCardMrz::from_td1(&back).unwrap();
        assert_eq!(vn.pin, "079203000123");
        assert_eq!(vn.surname, "NGUYEN");
        assert_eq!(vn.given_names, "VAN AN");
        assert_eq!(vn.date_of_expiry, Some(date!(2028 - 05 - 14)));
        assert_eq!(vn.date_of_birth.year, 2003);
    }

    #[test]
    fn a_wrong_check_digit_is_named() {
        let mut text = sample().to_td1().unwrap().encode().unwrap();
        text.replace_range(14..15, "4");
        assert_eq!(
            Td1::parse(&text, 2026),
            Err(MrzError::CheckDigit { field: "document number", expected: '3', found: '4' })
        );
        let mut text = sample().to_td1().unwrap().encode().unwrap();
        text.replace_range(29..30, "9");
        let td1 = Td1::parse(&text, 2026);
        // The PIN's own check digit is inside the composite, so the composite catches it first.
        assert!(matches!(td1, Err(MrzError::CheckDigit { field: "composite", .. })), "{td1:?}");
    }

    #[test]
    fn no_expiry_is_991231() {
        let mut m = sample();
        m.date_of_expiry = None;
        let td1 = m.to_td1().unwrap();
        assert_eq!(&td1.lines().unwrap()[1][8..15], "9912315");
        let back = VnCardMrz::from_td1(&Td1::parse(&td1.encode().unwrap(), 2026).unwrap()).unwrap();
        assert_eq!(back.date_of_expiry, None);
    }

    #[test]
    fn unknown_day_and_month() {
        let mut m = sample();
        m.date_of_birth = MrzDate { year: 1948, month: None, day: None };
        let td1 = m.to_td1().unwrap();
        let text = td1.encode().unwrap();
        assert_eq!(&text[30..37], "48<<<<2");
        assert_eq!(Td1::parse(&text, 2026).unwrap().date_of_birth, m.date_of_birth);
    }

    #[test]
    fn transliteration_table() {
        let table = [
            ("Nguyễn", "NGUYEN"),
            ("Đặng", "DANG"),
            ("đỗ", "DO"),
            ("Trương Thị Ngọc Ánh", "TRUONG<THI<NGOC<ANH"),
            ("Phạm Ỷ Lữ", "PHAM<Y<LU"),
            ("Hoàng Ưng Ơn", "HOANG<UNG<ON"),
            ("Lê-Văn", "LE<VAN"),
            ("O'Neil", "ONEIL"),
            ("Müller", "MUELLER"),
            ("Ångström", "AANGSTROEM"),
            ("Æsa", "AESA"),
            ("Søren", "SOEREN"),
            ("Straße", "STRASSE"),
            ("Þór", "THOR"),
            ("Łukasz", "LUKASZ"),
            ("Œuvre", "OEUVRE"),
            ("IJssel", "IJSSEL"),
            ("Ĳssel", "IJSSEL"),
            ("François", "FRANCOIS"),
            ("Muñoz", "MUNOZ"),
            ("Šťastný", "STASTNY"),
        ];
        for (input, expected) in table {
            assert_eq!(transliterate(input).unwrap(), expected, "{input}");
        }
        // Decomposed input gives the same result.
        let nfd: String = "Nguyễn".nfd().collect();
        assert_eq!(transliterate(&nfd).unwrap(), "NGUYEN");
        assert_eq!(transliterate("王"), Err(MrzError::Transliteration('王')));
        assert_eq!(transliterate("  "), Err(MrzError::EmptyName));
    }

    #[test]
    fn every_vietnamese_letter_transliterates_to_its_base() {
        let groups = [
            ('A', "aàáảãạăằắẳẵặâầấẩẫậAÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"),
            ('E', "eèéẻẽẹêềếểễệEÈÉẺẼẸÊỀẾỂỄỆ"),
            ('I', "iìíỉĩịIÌÍỈĨỊ"),
            ('O', "oòóỏõọôồốổỗộơờớởỡợOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"),
            ('U', "uùúủũụưừứửữựUÙÚỦŨỤƯỪỨỬỮỰ"),
            ('Y', "yỳýỷỹỵYỲÝỶỸỴ"),
            ('D', "dđDĐ"),
        ];
        for (base, letters) in groups {
            for c in letters.chars() {
                assert_eq!(transliterate(&c.to_string()).unwrap(), base.to_string(), "{c}");
            }
        }
    }

    #[test]
    fn long_names_are_cut_to_the_line() {
        let f = name_field("Tôn Nữ", "Hoàng Thị Bích Ngọc Thủy Tiên Xuân", 30).unwrap();
        assert_eq!(f, "TON<NU<<HOANG<THI<BICH<NGOC<TH");
        assert_eq!(f.len(), 30);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "[A-Z0-9<\n]{0,100}") {
            let _ = Td1::parse(&s, 2026).map(|t| VnCardMrz::from_td1(&t));
        }

        #[test]
        fn parse_never_panics_on_any_text(s in any::<String>()) {
            let _ = Td1::parse(&s, 2026);
        }

        #[test]
        fn build_then_parse(pin in "[0-9]{12}", y in 1930i32..2025, m in 1u8..=12, d in 1u8..=28,
                            male in any::<bool>(), exp in proptest::option::of(2025i32..2070),
                            surname in "[A-Za-zĂăÂâĐđÊêÔôƠơƯưÀ-Ãà-ãẠ-ỹ]{1,10}", given in "[A-Za-zĂăÂâĐđÊêÔôƠơƯưẠ-ỹ ]{0,20}") {
            let expiry = exp.map(|y| Date::from_calendar_date(y, time::Month::March, 1).unwrap());
            let mrz = VnCardMrz {
                pin: pin.clone(), surname, given_names: given,
                date_of_birth: MrzDate { year: y, month: Some(m), day: Some(d) },
                sex: if male { MrzSex::Male } else { MrzSex::Female }, date_of_expiry: expiry,
            };
            let Ok(td1) = mrz.to_td1() else { return Ok(()) };
            let text = td1.encode().unwrap();
            prop_assert_eq!(text.len(), 90);
            let back = VnCardMrz::from_td1(&Td1::parse(&text, 2026).unwrap()).unwrap();
            prop_assert_eq!(back.pin, pin);
            prop_assert_eq!(back.date_of_birth, mrz.date_of_birth);
            prop_assert_eq!(back.date_of_expiry, expiry);
        }
    }
}
