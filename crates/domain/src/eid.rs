//! Electronic identification (tài khoản định danh điện tử): account levels and states, the
//! password and passcode rules, one-time codes, and the organisation e-ID code.
//!
//! The account's user name is the holder's PIN. What is unconfirmed in public sources (the
//! organisation code's format, the exact lock rules) is defined here as this system's own rule
//! and documented in docs/DOMAIN.md.

use crate::error::Rule;
use crate::pin::PersonalNumber;
use std::fmt;

/// Assurance level of a citizen's account (Decree 69/2024).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Self-service: PIN, phone and proof of holding a genuine card.
    One,
    /// Granted in person at a police office after checking the card and the person.
    Two,
}

impl Level {
    pub fn number(self) -> u8 {
        match self {
            Level::One => 1,
            Level::Two => 2,
        }
    }
    pub fn from_number(n: i64) -> Option<Level> {
        match n {
            1 => Some(Level::One),
            2 => Some(Level::Two),
            _ => None,
        }
    }
}

/// pending → approved → active ↔ locked → revoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccountState {
    /// A self-service registration waiting for an officer's review.
    Pending,
    /// Approved; waits for the holder to activate it by SMS code.
    Approved,
    Active,
    /// Locked by the holder, by an officer, or after repeated failures.
    Locked,
    /// Final: the holder died, or the account was withdrawn.
    Revoked,
}

impl AccountState {
    pub const ALL: [AccountState; 5] = [
        AccountState::Pending,
        AccountState::Approved,
        AccountState::Active,
        AccountState::Locked,
        AccountState::Revoked,
    ];
    pub fn code(self) -> &'static str {
        match self {
            AccountState::Pending => "pending",
            AccountState::Approved => "approved",
            AccountState::Active => "active",
            AccountState::Locked => "locked",
            AccountState::Revoked => "revoked",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == s)
    }

    /// The transitions the life cycle allows; everything else is refused.
    pub fn may_become(self, to: AccountState) -> bool {
        use AccountState::*;
        matches!(
            (self, to),
            (Pending, Approved)
                | (Pending, Revoked)
                | (Approved, Active)
                | (Approved, Revoked)
                | (Active, Locked)
                | (Locked, Active)
                | (Active, Revoked)
                | (Locked, Revoked)
        )
    }
}

/// Who locked an account, which decides who may unlock it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LockedBy {
    /// The holder (a lost phone): unlocked by an SMS reset or an officer.
    Holder,
    /// An officer, with a reason: only an officer unlocks it.
    Officer,
    /// Too many failed sign-ins: unlocked by an SMS reset or an officer.
    Failures,
}

impl LockedBy {
    pub fn code(self) -> &'static str {
        match self {
            LockedBy::Holder => "holder",
            LockedBy::Officer => "officer",
            LockedBy::Failures => "failures",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [LockedBy::Holder, LockedBy::Officer, LockedBy::Failures].into_iter().find(|l| l.code() == s)
    }
    /// Whether proving the registered phone (an SMS reset) lifts this lock.
    pub fn sms_reset_unlocks(self) -> bool {
        !matches!(self, LockedBy::Officer)
    }
}

/// Youngest age of an account holder; younger children are dependants on a parent's account.
pub const MIN_HOLDER_AGE: i32 = 14;
pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;
/// zxcvbn score (0–4) a password must reach: 3 is "safely unguessable" for online attacks.
pub const MIN_PASSWORD_SCORE: u8 = 3;

/// What the holder's record says about them, so a password cannot be built from it.
#[derive(Clone, Debug, Default)]
pub struct PersonalHints {
    pub pin: Option<PersonalNumber>,
    pub phone: Option<String>,
    /// `YYYY-MM-DD` when known in full.
    pub date_of_birth: Option<time::Date>,
    pub name_words: Vec<String>,
}

impl PersonalHints {
    /// Digit strings a guesser who knows the holder would try first.
    fn digit_tokens(&self) -> Vec<String> {
        let mut t = Vec::new();
        if let Some(pin) = &self.pin {
            let p = pin.as_str().to_owned();
            t.push(p[p.len() - 6..].to_owned());
            t.push(p[p.len() - 9..].to_owned());
            t.push(p);
        }
        if let Some(phone) = &self.phone {
            t.push(phone[phone.len().saturating_sub(6)..].to_owned());
            t.push(phone.clone());
        }
        if let Some(d) = self.date_of_birth {
            let (y, m, day) = (d.year(), d.month() as u8, d.day());
            t.push(format!("{day:02}{m:02}{y}"));
            t.push(format!("{y}{m:02}{day:02}"));
            t.push(format!("{day:02}{m:02}{:02}", y % 100));
        }
        t
    }
}

/// The password rule: 8–128 characters, not a common password, not built from the holder's
/// PIN, phone or date of birth, and a zxcvbn score of at least 3.
pub fn check_password(pw: &str, hints: &PersonalHints) -> Result<(), Rule> {
    let n = pw.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Rule::EidPasswordShort);
    }
    if n > MAX_PASSWORD_CHARS {
        return Err(Rule::EidPasswordLong);
    }
    let digits: String = pw.chars().filter(|c| c.is_ascii_digit()).collect();
    if hints.digit_tokens().iter().any(|t| t.len() >= 6 && digits.contains(t.as_str())) {
        return Err(Rule::EidPasswordPersonal);
    }
    let mut inputs: Vec<String> = hints.digit_tokens();
    inputs.extend(hints.name_words.iter().map(|w| crate::name::fold(w)));
    let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    let entropy = zxcvbn::zxcvbn(pw, &refs);
    use zxcvbn::feedback::Warning;
    let warning = entropy.feedback().and_then(|f| f.warning());
    if matches!(
        warning,
        Some(
            Warning::ThisIsATop10Password
                | Warning::ThisIsATop100Password
                | Warning::ThisIsACommonPassword
                | Warning::ThisIsSimilarToACommonlyUsedPassword
        )
    ) {
        return Err(Rule::EidPasswordCommon);
    }
    if u8::from(entropy.score()) < MIN_PASSWORD_SCORE {
        return Err(Rule::EidPasswordWeak);
    }
    Ok(())
}

/// The 6-digit passcode for sensitive actions: no repeated digit runs, no straight sequences,
/// nothing from the holder's PIN or date of birth.
pub fn check_passcode(code: &str, hints: &PersonalHints) -> Result<(), Rule> {
    let b = code.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return Err(Rule::EidPasscodeFormat);
    }
    let same = b.iter().all(|&c| c == b[0]);
    let up = b.windows(2).all(|w| w[1] == w[0] + 1);
    let down = b.windows(2).all(|w| w[0] == w[1] + 1);
    let personal = hints.digit_tokens().iter().any(|t| t.contains(code) || code.contains(t.as_str()));
    if same || up || down || personal {
        return Err(Rule::EidPasscodeWeak);
    }
    Ok(())
}

/// Shape of a one-time code typed by the holder (SMS or authenticator app): 6 digits.
pub fn check_code_format(code: &str) -> Result<String, Rule> {
    let c: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()) { Ok(c) } else { Err(Rule::EidCodeFormat) }
}

/// An organisation's e-ID code: `TC`, the 2-digit code of the province of its head office (2025
/// catalogue), a 7-digit serial and a Luhn check digit over the nine digits, e.g. `TC7912345678`.
/// No public source defines the format; this is the system's own (see docs/DOMAIN.md).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OrgCode(String);

fn luhn_digit(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32;
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

impl OrgCode {
    /// The code for a province and serial (`serial < 10_000_000`).
    pub fn new(province: &str, serial: u32) -> Result<Self, Rule> {
        if province.len() != 2 || !province.bytes().all(|b| b.is_ascii_digit()) || serial >= 10_000_000 {
            return Err(Rule::EidOrgCode);
        }
        let body = format!("{province}{serial:07}");
        Ok(OrgCode(format!("TC{body}{}", luhn_digit(&body))))
    }

    pub fn parse(s: &str) -> Result<Self, Rule> {
        let s = s.trim().to_ascii_uppercase();
        let body = s.strip_prefix("TC").ok_or(Rule::EidOrgCode)?;
        if body.len() != 10 || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Rule::EidOrgCode);
        }
        if luhn_digit(&body[..9]) != body.as_bytes()[9] - b'0' {
            return Err(Rule::EidOrgCode);
        }
        Ok(OrgCode(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn province(&self) -> &str {
        &self.0[2..4]
    }
}

impl fmt::Display for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for OrgCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OrgCode({})", self.0)
    }
}

/// A Vietnamese tax code (mã số thuế): 10 digits, or 10 digits, a dash and 3 digits for a
/// branch. Only the shape is checked; the check-digit rule is unconfirmed [R].
pub fn check_tax_code(s: &str) -> Result<String, Rule> {
    let s = s.trim();
    let (main, branch) = match s.split_once('-') {
        Some((m, b)) => (m, Some(b)),
        None => (s, None),
    };
    let digits = |t: &str, n: usize| t.len() == n && t.bytes().all(|b| b.is_ascii_digit());
    if digits(main, 10) && branch.is_none_or(|b| digits(b, 3)) { Ok(s.to_owned()) } else { Err(Rule::TaxCode) }
}

/// Roles inside an organisation's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrgRole {
    /// Registered the organisation; adds and removes members.
    LegalRepresentative,
    /// Acts for the organisation in every service.
    Manager,
    /// Acts for the organisation in the services it is assigned.
    Staff,
}

impl OrgRole {
    pub const ALL: [OrgRole; 3] = [OrgRole::LegalRepresentative, OrgRole::Manager, OrgRole::Staff];
    pub fn code(self) -> &'static str {
        match self {
            OrgRole::LegalRepresentative => "legal_representative",
            OrgRole::Manager => "manager",
            OrgRole::Staff => "staff",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or(Rule::EidOrgRole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn hints() -> PersonalHints {
        PersonalHints {
            pin: PersonalNumber::parse("079090271843").ok(),
            phone: Some("0913572468".into()),
            date_of_birth: Some(date!(1990 - 03 - 15)),
            name_words: vec!["Nguyễn".into(), "Văn".into(), "An".into()],
        }
    }

    #[test]
    fn password_rules() {
        let h = hints();
        assert_eq!(check_password("Ab1!", &h), Err(Rule::EidPasswordShort));
        assert_eq!(check_password(&"x".repeat(129), &h), Err(Rule::EidPasswordLong));
        assert_eq!(check_password("password", &h), Err(Rule::EidPasswordCommon));
        assert_eq!(check_password("12345678", &h), Err(Rule::EidPasswordCommon));
        assert_eq!(check_password("qwertyuiop", &h), Err(Rule::EidPasswordCommon));
        // Built from the PIN, the phone or the date of birth.
        assert_eq!(check_password("Sao#271843", &h), Err(Rule::EidPasswordPersonal));
        assert_eq!(check_password("toi-0913572468", &h), Err(Rule::EidPasswordPersonal));
        assert_eq!(check_password("sinh15031990!", &h), Err(Rule::EidPasswordPersonal));
        assert_eq!(check_password("nguyenvanan", &h), Err(Rule::EidPasswordWeak));
        assert_eq!(check_password("aaaaaaaaaa", &h), Err(Rule::EidPasswordWeak));
        assert_eq!(check_password("mây trắng bay qua đồi chè", &h), Ok(()));
        assert_eq!(check_password("Ca-phe-sua-da-2026!", &h), Ok(()));
    }

    #[test]
    fn passcode_rules() {
        let h = hints();
        assert_eq!(check_passcode("12345", &h), Err(Rule::EidPasscodeFormat));
        assert_eq!(check_passcode("12a456", &h), Err(Rule::EidPasscodeFormat));
        for weak in ["111111", "123456", "987654", "123456", "150390", "456789"] {
            assert_eq!(check_passcode(weak, &h), Err(Rule::EidPasscodeWeak), "{weak}");
        }
        assert_eq!(check_passcode("123456", &PersonalHints::default()), Err(Rule::EidPasscodeWeak));
        assert_eq!(check_passcode("270418", &h), Ok(()));
    }

    #[test]
    fn codes_and_org_codes() {
        assert_eq!(check_code_format(" 123 456 "), Ok("123456".into()));
        assert_eq!(check_code_format("12345"), Err(Rule::EidCodeFormat));
        let c = OrgCode::new("79", 1234567).expect("code");
        assert_eq!(c.as_str().len(), 12);
        assert_eq!(OrgCode::parse(&c.as_str().to_lowercase()), Ok(c.clone()));
        assert_eq!(c.province(), "79");
        // A changed digit breaks the check digit.
        let mut s = c.as_str().to_owned();
        s.replace_range(5..6, if &s[5..6] == "0" { "1" } else { "0" });
        assert_eq!(OrgCode::parse(&s), Err(Rule::EidOrgCode));
        assert_eq!(OrgCode::parse("TC79"), Err(Rule::EidOrgCode));
        assert_eq!(OrgCode::new("7", 1), Err(Rule::EidOrgCode));
        assert_eq!(check_tax_code("0312345678"), Ok("0312345678".into()));
        assert_eq!(check_tax_code("0312345678-001"), Ok("0312345678-001".into()));
        assert_eq!(check_tax_code("031234567"), Err(Rule::TaxCode));
        assert_eq!(check_tax_code("0312345678-01"), Err(Rule::TaxCode));
    }

    #[test]
    fn life_cycle() {
        use AccountState::*;
        assert!(Pending.may_become(Approved) && Approved.may_become(Active) && Active.may_become(Locked));
        assert!(Locked.may_become(Active) && Locked.may_become(Revoked));
        assert!(!Revoked.may_become(Active) && !Pending.may_become(Active) && !Approved.may_become(Locked));
        for s in AccountState::ALL {
            assert_eq!(AccountState::parse(s.code()), Some(s));
            assert!(!Revoked.may_become(s));
        }
        assert!(LockedBy::Failures.sms_reset_unlocks() && !LockedBy::Officer.sms_reset_unlocks());
    }
}
