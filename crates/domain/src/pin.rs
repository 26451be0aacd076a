//! The 12-digit personal identification number (số định danh cá nhân), `PPP G YY RRRRRR`.
//!
//! `PPP` is the code of the province where the birth was *registered* (or a 101–295 country code
//! for births registered abroad), `G` encodes century and sex, `YY` the birth year, `RRRRRR` is
//! random. There is no check digit (Decree 137/2015 defines none), so none is invented here.

use crate::admin;
use crate::error::Rule;
use crate::person::Sex;
use std::fmt;

/// A syntactically valid personal identification number.
///
/// `Debug` shows only the first six digits: numbers are personal data and must not leak into logs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonalNumber([u8; 12]);

/// The first three digits: where the birth was registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegistrationCode {
    /// A province code of Circular 07/2016 Appendix I (`001`–`096`).
    Province(u16),
    /// A country code of Circular 07/2016 Appendix II (`101`–`295`), for births registered abroad.
    Country(u16),
}

impl RegistrationCode {
    pub fn value(self) -> u16 {
        match self {
            RegistrationCode::Province(v) | RegistrationCode::Country(v) => v,
        }
    }
    /// Checks a code against the tables: provinces must be one of the 63 codes in use before the
    /// 2025 merger (the 34 provinces since then all kept one of those codes).
    pub fn new(value: u16) -> Result<Self, Rule> {
        match value {
            1..=99 => {
                if admin::catalogue().is_pin_province_code(&format!("{value:03}")) {
                    Ok(RegistrationCode::Province(value))
                } else {
                    Err(Rule::PinRegistrationCode)
                }
            }
            101..=295 => Ok(RegistrationCode::Country(value)),
            _ => Err(Rule::PinRegistrationCode),
        }
    }
}

/// The first six digits, which the register derives from the birth registration; the allocator
/// draws the last six at random inside it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PinPrefix {
    code: RegistrationCode,
    sex: Sex,
    year: i32,
}

impl PinPrefix {
    /// Only years 1900–2399 can be encoded (the century/sex digit covers five centuries).
    pub fn new(code: RegistrationCode, sex: Sex, year: i32) -> Result<Self, Rule> {
        if !(1900..=2399).contains(&year) {
            return Err(Rule::PinMismatchBirth);
        }
        Ok(Self { code, sex, year })
    }

    pub fn code(&self) -> RegistrationCode {
        self.code
    }

    fn digits(&self) -> [u8; 6] {
        let c = self.code.value();
        let century = (self.year / 100 - 19) as u8;
        let g = century * 2 + if self.sex == Sex::Female { 1 } else { 0 };
        let yy = (self.year % 100) as u8;
        [
            b'0' + (c / 100) as u8,
            b'0' + (c / 10 % 10) as u8,
            b'0' + (c % 10) as u8,
            b'0' + g,
            b'0' + yy / 10,
            b'0' + yy % 10,
        ]
    }

    /// The number with the given random part (`0..1_000_000`).
    pub fn with_random(&self, random: u32) -> PersonalNumber {
        assert!(random < 1_000_000, "random part has six digits");
        let mut d = [0u8; 12];
        d[..6].copy_from_slice(&self.digits());
        let mut r = random;
        for i in (6..12).rev() {
            d[i] = b'0' + (r % 10) as u8;
            r /= 10;
        }
        PersonalNumber(d)
    }
}

impl PersonalNumber {
    /// Parses the exact 12-digit form. Spaces and other separators are refused, not guessed at.
    pub fn parse(s: &str) -> Result<Self, Rule> {
        let b = s.as_bytes();
        if b.len() != 12 || !b.iter().all(u8::is_ascii_digit) {
            return Err(Rule::PinFormat);
        }
        let mut d = [0u8; 12];
        d.copy_from_slice(b);
        let code = (d[0] - b'0') as u16 * 100 + (d[1] - b'0') as u16 * 10 + (d[2] - b'0') as u16;
        RegistrationCode::new(code)?;
        Ok(PersonalNumber(d))
    }

    /// Parses and also refuses a number whose encoded birth year lies after `this_year`.
    pub fn parse_plausible(s: &str, this_year: i32) -> Result<Self, Rule> {
        let p = Self::parse(s)?;
        if p.birth_year() > this_year {
            return Err(Rule::PinYearInFuture);
        }
        Ok(p)
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII digits")
    }

    fn digit(&self, i: usize) -> u8 {
        self.0[i] - b'0'
    }

    pub fn registration_code(&self) -> RegistrationCode {
        let v = self.digit(0) as u16 * 100 + self.digit(1) as u16 * 10 + self.digit(2) as u16;
        RegistrationCode::new(v).expect("validated on parse")
    }

    /// Even century/sex digits are male, odd ones female.
    pub fn sex(&self) -> Sex {
        if self.digit(3).is_multiple_of(2) { Sex::Male } else { Sex::Female }
    }

    /// `(19 + G/2) * 100 + YY`.
    pub fn birth_year(&self) -> i32 {
        (19 + (self.digit(3) / 2) as i32) * 100 + (self.digit(4) * 10 + self.digit(5)) as i32
    }

    pub fn prefix(&self) -> PinPrefix {
        PinPrefix { code: self.registration_code(), sex: self.sex(), year: self.birth_year() }
    }

    pub fn random_part(&self) -> u32 {
        self.0[6..].iter().fold(0u32, |acc, d| acc * 10 + (d - b'0') as u32)
    }

    /// The last nine digits: the document number in the card's MRZ.
    pub fn last9(&self) -> &str {
        &self.as_str()[3..]
    }

    /// Whether the number encodes this sex and birth year; a mismatch after a correction is what
    /// makes re-establishment necessary.
    pub fn matches_birth(&self, sex: Sex, birth_year: i32) -> bool {
        self.sex() == sex && self.birth_year() == birth_year
    }
}

impl fmt::Display for PersonalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for PersonalNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonalNumber({}******)", &self.as_str()[..6])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_structure() {
        let p = PersonalNumber::parse("079203000123").unwrap();
        assert_eq!(p.registration_code(), RegistrationCode::Province(79));
        assert_eq!(p.sex(), Sex::Male);
        assert_eq!(p.birth_year(), 2003);
        assert_eq!(p.random_part(), 123);
        assert_eq!(p.last9(), "203000123");
        let f = PersonalNumber::parse("001190000001").unwrap();
        assert_eq!((f.sex(), f.birth_year()), (Sex::Female, 1990));
        let abroad = PersonalNumber::parse("175305000001").unwrap();
        assert_eq!(abroad.registration_code(), RegistrationCode::Country(175));
        assert_eq!((abroad.sex(), abroad.birth_year()), (Sex::Female, 2005));
    }

    #[test]
    fn century_sex_table() {
        // vn-domain §1.1: 0/1 = 1900s, 2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s.
        for (g, year, sex) in [
            ('0', 1999, Sex::Male),
            ('1', 1999, Sex::Female),
            ('2', 2099, Sex::Male),
            ('3', 2099, Sex::Female),
            ('4', 2199, Sex::Male),
            ('5', 2199, Sex::Female),
            ('6', 2299, Sex::Male),
            ('7', 2299, Sex::Female),
            ('8', 2399, Sex::Male),
            ('9', 2399, Sex::Female),
        ] {
            let p = PersonalNumber::parse(&format!("001{g}99000000")).unwrap();
            assert_eq!((p.birth_year(), p.sex()), (year, sex), "digit {g}");
        }
    }

    #[test]
    fn refuses_malformed() {
        for s in ["", "07920300012", "0792030001234", "07920300012a", " 79203000123", "079 03000123"] {
            assert_eq!(PersonalNumber::parse(s), Err(Rule::PinFormat), "{s:?}");
        }
        // 003 is not a province code; 100, 296, 300 and 999 are neither province nor country.
        for s in ["003203000123", "000203000123", "100203000123", "296203000123", "999203000123"] {
            assert_eq!(PersonalNumber::parse(s), Err(Rule::PinRegistrationCode), "{s}");
        }
        // Codes of provinces merged away in 2025 stay valid in numbers already issued.
        for code in ["002", "006", "077", "095"] {
            assert!(PersonalNumber::parse(&format!("{code}203000123")).is_ok(), "{code}");
        }
        assert_eq!(PersonalNumber::parse_plausible("079230000123", 2026), Err(Rule::PinYearInFuture));
        assert!(PersonalNumber::parse_plausible("079226000123", 2026).is_ok());
    }

    #[test]
    fn debug_redacts() {
        let p = PersonalNumber::parse("079203000123").unwrap();
        assert_eq!(format!("{p:?}"), "PersonalNumber(079203******)");
    }

    proptest! {
        #[test]
        fn prefix_round_trip(code in prop::sample::select(vec![1u16, 79, 96, 2, 101, 175, 295]),
                             female in any::<bool>(), year in 1900i32..2400, random in 0u32..1_000_000) {
            let sex = if female { Sex::Female } else { Sex::Male };
            let prefix = PinPrefix::new(RegistrationCode::new(code).unwrap(), sex, year).unwrap();
            let pin = prefix.with_random(random);
            let parsed = PersonalNumber::parse(pin.as_str()).unwrap();
            prop_assert_eq!(parsed, pin);
            prop_assert_eq!(parsed.prefix(), prefix);
            prop_assert_eq!(parsed.random_part(), random);
            prop_assert!(parsed.matches_birth(sex, year));
        }

        #[test]
        fn parse_never_panics(s in ".{0,20}") {
            let _ = PersonalNumber::parse(&s);
        }
    }
}
