//! Residence (Law on Residence 2020): households, their members' relationship to the head, and
//! the rules of permanent and temporary registration that do not need the database.

use crate::admin::catalogue;
use crate::error::{Errors, Invalid, Rule};
use crate::person::{Address, LifeStatus, Person};
use time::Date;

/// A member's relationship to the head of the household (quan hệ với chủ hộ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HouseholdRelation {
    Head,
    Wife,
    Husband,
    Child,
    AdoptedChild,
    Father,
    Mother,
    Grandparent,
    Grandchild,
    Sibling,
    DaughterInLaw,
    SonInLaw,
    /// Người ở nhờ, ở thuê, ở mượn.
    Lodger,
    Other,
}

impl HouseholdRelation {
    pub const ALL: [HouseholdRelation; 14] = [
        HouseholdRelation::Head,
        HouseholdRelation::Wife,
        HouseholdRelation::Husband,
        HouseholdRelation::Child,
        HouseholdRelation::AdoptedChild,
        HouseholdRelation::Father,
        HouseholdRelation::Mother,
        HouseholdRelation::Grandparent,
        HouseholdRelation::Grandchild,
        HouseholdRelation::Sibling,
        HouseholdRelation::DaughterInLaw,
        HouseholdRelation::SonInLaw,
        HouseholdRelation::Lodger,
        HouseholdRelation::Other,
    ];
    pub fn code(self) -> &'static str {
        match self {
            HouseholdRelation::Head => "head",
            HouseholdRelation::Wife => "wife",
            HouseholdRelation::Husband => "husband",
            HouseholdRelation::Child => "child",
            HouseholdRelation::AdoptedChild => "adopted_child",
            HouseholdRelation::Father => "father",
            HouseholdRelation::Mother => "mother",
            HouseholdRelation::Grandparent => "grandparent",
            HouseholdRelation::Grandchild => "grandchild",
            HouseholdRelation::Sibling => "sibling",
            HouseholdRelation::DaughterInLaw => "daughter_in_law",
            HouseholdRelation::SonInLaw => "son_in_law",
            HouseholdRelation::Lodger => "lodger",
            HouseholdRelation::Other => "other",
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            HouseholdRelation::Head => "Chủ hộ",
            HouseholdRelation::Wife => "Vợ",
            HouseholdRelation::Husband => "Chồng",
            HouseholdRelation::Child => "Con đẻ",
            HouseholdRelation::AdoptedChild => "Con nuôi",
            HouseholdRelation::Father => "Cha đẻ",
            HouseholdRelation::Mother => "Mẹ đẻ",
            HouseholdRelation::Grandparent => "Ông/bà nội, ngoại",
            HouseholdRelation::Grandchild => "Cháu",
            HouseholdRelation::Sibling => "Anh/chị/em ruột",
            HouseholdRelation::DaughterInLaw => "Con dâu",
            HouseholdRelation::SonInLaw => "Con rể",
            HouseholdRelation::Lodger => "Người ở nhờ, ở thuê, ở mượn",
            HouseholdRelation::Other => "Khác",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or(Rule::HouseholdRelation)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegistrationKind {
    /// Thường trú: the one stable, long-term place of living.
    Permanent,
    /// Tạm trú: living 30 days or more outside the permanent-residence commune, for a term.
    Temporary,
}

impl RegistrationKind {
    pub fn code(self) -> &'static str {
        match self {
            RegistrationKind::Permanent => "permanent",
            RegistrationKind::Temporary => "temporary",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [RegistrationKind::Permanent, RegistrationKind::Temporary].into_iter().find(|k| k.code() == s)
    }
}

/// Longest term of one temporary registration (Art. 27): two years; it may be extended.
pub const MAX_TEMPORARY_YEARS: i32 = 2;

/// The last day a term starting on `from` may run to.
pub fn temporary_term_limit(from: Date) -> Date {
    let year = from.year() + MAX_TEMPORARY_YEARS;
    // 29 February + 2 years is 28 February.
    Date::from_calendar_date(year, from.month(), from.day())
        .or_else(|_| Date::from_calendar_date(year, from.month(), from.day() - 1))
        .unwrap_or(from)
}

/// Whether two addresses lie in the same commune of the 2025 catalogue.
pub fn same_commune(a: &Address, b: &Address) -> bool {
    let cat = catalogue();
    let (x, y) = (cat.communes_2025_of(&a.unit), cat.communes_2025_of(&b.unit));
    x.iter().any(|c| y.contains(c))
}

fn alive(errs: &mut Errors, status: &LifeStatus) {
    match status {
        LifeStatus::Alive => {}
        LifeStatus::Dead(_) => errs.push("pin", Rule::PersonDead),
        LifeStatus::Missing(_) => errs.push("pin", Rule::PersonMissing),
    }
}

/// A permanent registration: the person is alive and the address is a current commune.
pub fn check_permanent(p: &Person, address: &Address, from: Date, today: Date) -> Result<(), Invalid> {
    let mut errs = Errors::new();
    alive(&mut errs, &p.status);
    if address.unit.catalogue() != crate::admin::Catalogue::Y2025 {
        errs.push("address.unit", Rule::UnitLegacyNotAllowed);
    }
    if from > today {
        errs.push("valid_from", Rule::DateInFuture);
    }
    if from < p.date_of_birth.earliest() {
        errs.push("valid_from", Rule::DateBeforeBirth);
    }
    errs.finish()
}

/// A temporary registration: alive, a term of at most two years, and never inside the commune of
/// the person's permanent residence.
pub fn check_temporary(
    status: &LifeStatus,
    permanent: Option<&Address>,
    address: &Address,
    from: Date,
    until: Date,
    today: Date,
) -> Result<(), Invalid> {
    let mut errs = Errors::new();
    alive(&mut errs, status);
    if address.unit.catalogue() != crate::admin::Catalogue::Y2025 {
        errs.push("address.unit", Rule::UnitLegacyNotAllowed);
    }
    if from > today {
        errs.push("valid_from", Rule::DateInFuture);
    }
    if until <= from {
        errs.push("valid_until", Rule::TemporaryTermEmpty);
    } else if until > temporary_term_limit(from) {
        errs.push("valid_until", Rule::TemporaryTermTooLong);
    }
    if permanent.is_some_and(|perm| same_commune(perm, address)) {
        errs.push("address.unit", Rule::TemporaryInPermanentCommune);
    }
    errs.finish()
}

// ---------------------------------------------------------------------------------------------
// The procedures' rules that need no database.

/// Age of majority (Civil Code 2015 Art. 20): heads of household and applicants for themselves.
pub const ADULT_AGE: i32 = 18;

/// Whether someone born on `dob` is an adult on `today`.
pub fn is_adult(dob: Date, today: Date) -> bool {
    let years = today.year() - dob.year();
    let birthday_passed = (today.month() as u8, today.day()) >= (dob.month() as u8, dob.day());
    years > ADULT_AGE || (years == ADULT_AGE && birthday_passed)
}

/// Days before its expiry in which a temporary registration may be extended (Art. 28.3) [R].
pub const EXTENSION_WINDOW_DAYS: i64 = 15;

/// Whether an extension filed on `today` falls in the window before `expires` (its last day).
pub fn in_extension_window(expires: Date, today: Date) -> bool {
    today <= expires && (expires - today).whole_days() <= EXTENSION_WINDOW_DAYS
}

/// The proof of a legal residence given with a permanent registration (Art. 20).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ResidenceProof {
    /// The registrant owns the dwelling (Art. 20.1).
    Owned,
    /// The owner and the head of household agree (spouse, child, parent … joining; Art. 20.2(a), (b)).
    Consent,
    /// Rented, borrowed or lent, with the dwelling's floor area; the area per person must reach
    /// the province's minimum (Art. 20.2(c)).
    Rented { floor_area_m2: f64 },
}

impl ResidenceProof {
    pub fn code(&self) -> &'static str {
        match self {
            ResidenceProof::Owned => "owned",
            ResidenceProof::Consent => "consent",
            ResidenceProof::Rented { .. } => "rented",
        }
    }
    /// From its code and, for `rented`, the floor area.
    pub fn parse(code: &str, floor_area_m2: Option<f64>) -> Result<Self, (&'static str, Rule)> {
        match code.trim() {
            "owned" => Ok(ResidenceProof::Owned),
            "consent" => Ok(ResidenceProof::Consent),
            "rented" => match floor_area_m2 {
                Some(a) if a.is_finite() && a > 0.0 && a < 1_000_000.0 => {
                    Ok(ResidenceProof::Rented { floor_area_m2: a })
                }
                Some(_) => Err(("proof.floor_area_m2", Rule::FloorAreaInvalid)),
                None => Err(("proof.floor_area_m2", Rule::Required)),
            },
            _ => Err(("proof.kind", Rule::ResidenceProof)),
        }
    }
}

/// The minimum floor area per person of each province, from `data/residence-floor-area.tsv`
/// (a default line `*` and one line per province that set its own) [R].
#[derive(Clone, Debug, PartialEq)]
pub struct FloorAreaRules {
    pub default_m2: f64,
    pub provinces: Vec<(String, f64)>,
}

const FLOOR_AREA_DATA: &str = include_str!("../data/residence-floor-area.tsv");

impl Default for FloorAreaRules {
    fn default() -> Self {
        Self::parse(FLOOR_AREA_DATA).expect("the embedded floor-area data parses")
    }
}

impl FloorAreaRules {
    /// Reads the data file's format: `#` comments, `code<TAB>m²`, `*` for the default.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut out = FloorAreaRules { default_m2: 8.0, provinces: Vec::new() };
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (code, value) = line.split_once('\t').ok_or_else(|| format!("line {}: no tab", n + 1))?;
            let m2: f64 = value.trim().parse().map_err(|_| format!("line {}: not a number", n + 1))?;
            if !(m2.is_finite() && m2 > 0.0) {
                return Err(format!("line {}: not a positive area", n + 1));
            }
            match code.trim() {
                "*" => out.default_m2 = m2,
                c if catalogue().province(crate::admin::Catalogue::Y2025, c).is_some() => {
                    out.provinces.push((c.to_owned(), m2))
                }
                c => return Err(format!("line {}: {c} is not a 2025 province", n + 1)),
            }
        }
        Ok(out)
    }

    /// The minimum for the province of an address (the default when the province set none).
    pub fn minimum_for(&self, address: &Address) -> f64 {
        let provinces = catalogue().provinces_2025_of(&address.unit);
        self.provinces.iter().find(|(c, _)| provinces.contains(&c.as_str())).map(|(_, m)| *m).unwrap_or(self.default_m2)
    }

    /// Checks a rented dwelling shared by `persons` (the registrant included).
    pub fn check(&self, address: &Address, floor_area_m2: f64, persons: usize) -> Result<(), Rule> {
        if floor_area_m2 / persons.max(1) as f64 >= self.minimum_for(address) {
            Ok(())
        } else {
            Err(Rule::FloorAreaTooSmall)
        }
    }
}

/// One case of the duty to declare an absence (Art. 31.1), as data [R: details].
#[derive(Debug, PartialEq, Eq)]
pub struct AbsenceCase {
    pub code: &'static str,
    /// The law's point (`31.1.a`).
    pub article: &'static str,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// The absence that makes the declaration mandatory: `months` of absence or `days` (0 both:
    /// any absence).
    pub min_days: u32,
    pub min_months: u32,
    /// The area left: `commune`, or `district` for case (c), whose districts were abolished on
    /// 1 July 2025 (an open question; the commune is checked).
    pub area: &'static str,
}

pub static ABSENCE_CASES: &[AbsenceCase] = &[
    AbsenceCase {
        code: "criminal_proceedings",
        article: "31.1.a",
        name_vi: "Bị can, bị cáo đang tại ngoại; người bị kết án phạt tù được hoãn, tạm đình chỉ chấp hành án; \
                  người được hưởng án treo, cải tạo không giam giữ … đi khỏi xã từ 01 ngày trở lên",
        name_en: "Accused or convicted persons on bail, suspended or deferred sentence, probation … leaving the \
                  commune for 1 day or more",
        min_days: 1,
        min_months: 0,
        area: "commune",
    },
    AbsenceCase {
        code: "administrative_measure",
        article: "31.1.b",
        name_vi: "Người bị áp dụng biện pháp giáo dục tại xã, phường hoặc đang chờ chấp hành biện pháp xử lý \
                  hành chính … đi khỏi xã từ 01 ngày trở lên",
        name_en: "Persons under an administrative-handling measure (or awaiting one) leaving the commune for 1 day \
                  or more",
        min_days: 1,
        min_months: 0,
        area: "commune",
    },
    AbsenceCase {
        code: "state_obligation",
        article: "31.1.c",
        name_vi: "Người trong độ tuổi thực hiện nghĩa vụ quân sự, dự bị động viên … đi khỏi nơi cư trú từ 03 \
                  tháng liên tục trở lên",
        name_en: "Persons of military-service age or under another state obligation leaving for 3 consecutive \
                  months or more",
        min_days: 0,
        min_months: 3,
        area: "district",
    },
    AbsenceCase {
        code: "long_absence",
        article: "31.1.d",
        name_vi: "Người đi khỏi xã nơi thường trú từ 12 tháng liên tục trở lên (trừ khi đã đăng ký tạm trú \
                  nơi khác hoặc đã xuất cảnh)",
        name_en: "Anyone leaving the commune of permanent residence for 12 consecutive months or more (unless \
                  registered for temporary residence elsewhere or abroad)",
        min_days: 0,
        min_months: 12,
        area: "commune",
    },
];

pub fn absence_case(code: &str) -> Result<&'static AbsenceCase, Rule> {
    ABSENCE_CASES.iter().find(|c| c.code == code.trim()).ok_or(Rule::AbsenceCase)
}

/// An absence period: starts today or later … or earlier (declared late), ends after it starts.
pub fn check_absence(status: &LifeStatus, from: Date, until: Option<Date>) -> Result<(), Invalid> {
    let mut errs = Errors::new();
    alive(&mut errs, status);
    if until.is_some_and(|u| u <= from) {
        errs.push("until", Rule::AbsencePeriod);
    }
    errs.finish()
}

/// A reason for deregistration (Art. 24.1 permanent, Art. 29.1 temporary), as data [R: wording].
#[derive(Debug, PartialEq, Eq)]
pub struct DeregistrationReason {
    pub code: &'static str,
    pub article: &'static str,
    pub kind: RegistrationKind,
    pub name_vi: &'static str,
    pub name_en: &'static str,
    /// The person must be dead or declared missing/dead in the register.
    pub needs_death: bool,
}

const fn reason(
    code: &'static str,
    article: &'static str,
    kind: RegistrationKind,
    name_vi: &'static str,
    name_en: &'static str,
) -> DeregistrationReason {
    DeregistrationReason { code, article, kind, name_vi, name_en, needs_death: false }
}

pub static DEREGISTRATION_REASONS: &[DeregistrationReason] = &[
    DeregistrationReason {
        needs_death: true,
        ..reason(
            "death",
            "24.1.a",
            RegistrationKind::Permanent,
            "Chết; có quyết định của Tòa án tuyên bố mất tích hoặc đã chết",
            "Died, or declared missing or dead by a court",
        )
    },
    reason("settled_abroad", "24.1.b", RegistrationKind::Permanent, "Ra nước ngoài để định cư", "Settled abroad"),
    reason(
        "registration_cancelled",
        "24.1.c",
        RegistrationKind::Permanent,
        "Đã có quyết định hủy bỏ đăng ký thường trú",
        "The registration was cancelled by decision",
    ),
    reason(
        "absent_12_months",
        "24.1.d",
        RegistrationKind::Permanent,
        "Vắng mặt liên tục tại nơi thường trú từ 12 tháng trở lên mà không đăng ký tạm trú hoặc khai báo tạm vắng",
        "Absent 12 consecutive months or more without a temporary registration or an absence declaration",
    ),
    reason(
        "nationality_lost",
        "24.1.đ",
        RegistrationKind::Permanent,
        "Thôi, bị tước quốc tịch Việt Nam hoặc bị hủy quyết định cho nhập quốc tịch",
        "Vietnamese nationality renounced, withdrawn or its grant annulled",
    ),
    reason(
        "tenancy_ended",
        "24.1.e",
        RegistrationKind::Permanent,
        "Chấm dứt thuê, mượn, ở nhờ quá 12 tháng mà chưa đăng ký thường trú nơi mới",
        "Rent or loan ended over 12 months ago with no new permanent registration",
    ),
    reason(
        "ownership_transferred",
        "24.1.g",
        RegistrationKind::Permanent,
        "Quyền sở hữu chỗ ở đã chuyển cho người khác quá 12 tháng mà chưa đăng ký thường trú nơi mới",
        "Ownership of the dwelling passed to another over 12 months ago with no new permanent registration",
    ),
    reason(
        "dwelling_lost",
        "24.1.i",
        RegistrationKind::Permanent,
        "Chỗ ở đã bị phá dỡ, tịch thu hoặc phương tiện đã bị xóa đăng ký",
        "The dwelling was demolished or confiscated, or the vehicle deregistered",
    ),
    DeregistrationReason {
        needs_death: true,
        ..reason(
            "death",
            "29.1.a",
            RegistrationKind::Temporary,
            "Chết; có quyết định của Tòa án tuyên bố mất tích hoặc đã chết",
            "Died, or declared missing or dead by a court",
        )
    },
    reason(
        "registration_cancelled",
        "29.1.b",
        RegistrationKind::Temporary,
        "Đã có quyết định hủy bỏ đăng ký tạm trú",
        "The registration was cancelled by decision",
    ),
    reason(
        "absent_6_months",
        "29.1.c",
        RegistrationKind::Temporary,
        "Vắng mặt liên tục tại nơi tạm trú từ 06 tháng trở lên mà không đăng ký tạm trú tại chỗ ở khác",
        "Absent 6 consecutive months or more without a temporary registration elsewhere",
    ),
    reason(
        "nationality_lost",
        "29.1.d",
        RegistrationKind::Temporary,
        "Đã được thôi quốc tịch Việt Nam, bị tước quốc tịch Việt Nam",
        "Vietnamese nationality renounced or withdrawn",
    ),
    reason(
        "tenancy_ended",
        "29.1.e",
        RegistrationKind::Temporary,
        "Chấm dứt việc thuê, mượn, ở nhờ",
        "The rent or loan of the dwelling ended",
    ),
    reason(
        "dwelling_lost",
        "29.1.g",
        RegistrationKind::Temporary,
        "Chỗ ở đã bị phá dỡ, tịch thu",
        "The dwelling was demolished or confiscated",
    ),
];

/// The reason of `code` for a registration of `kind`.
pub fn deregistration_reason(kind: RegistrationKind, code: &str) -> Result<&'static DeregistrationReason, Rule> {
    DEREGISTRATION_REASONS.iter().find(|r| r.kind == kind && r.code == code.trim()).ok_or(Rule::DeregistrationReason)
}

/// A deregistration of a registration that began on `started`, effective `on`.
pub fn check_deregistration(
    reason: &DeregistrationReason,
    status: &LifeStatus,
    started: Date,
    on: Date,
    today: Date,
) -> Result<(), Invalid> {
    let mut errs = Errors::new();
    if reason.needs_death && matches!(status, LifeStatus::Alive) {
        errs.push("reason", Rule::DeregistrationNotDead);
    }
    if on > today {
        errs.push("on", Rule::DateInFuture);
    } else if on < started {
        errs.push("on", Rule::DeregistrationBeforeStart);
    }
    errs.finish()
}

// ---------------------------------------------------------------------------------------------
// Old addresses: a pre-2025 commune to the 2025 catalogue, never guessing.

/// What converting a pre-2025 commune gives: the 2025 commune, or the communes an officer must
/// choose among (the old commune was split, or the table has no row for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AddressConversion {
    Converted(&'static crate::admin::Commune),
    /// `split` when the conversion table divides the old commune among these communes; otherwise
    /// the table has no row and these are the 2025 communes of the province(s) covering it.
    Choose {
        split: bool,
        candidates: Vec<&'static crate::admin::Commune>,
    },
}

/// Converts a pre-2025 commune code. With the officer's `choice` (a 2025 commune code), accepts
/// it only if it is one of the candidates; without one, a split answers with the candidates.
pub fn convert_old_commune(code: &str, choice: Option<&str>) -> Result<AddressConversion, Rule> {
    use crate::admin::{Catalogue, Conversion};
    let cat = catalogue();
    let old = cat.commune(Catalogue::Legacy, code.trim()).ok_or(Rule::UnitUnknown)?;
    let (split, candidates): (bool, Vec<&'static crate::admin::Commune>) = match cat.convert_commune(old.code) {
        Conversion::Unique(c) => (false, vec![c]),
        Conversion::Split(cs) => (true, cs),
        Conversion::Unknown => (
            false,
            cat.provinces_2025_of(&old.unit_ref())
                .into_iter()
                .flat_map(|p| cat.communes_of_province(Catalogue::Y2025, p))
                .collect(),
        ),
    };
    match choice.map(str::trim).filter(|c| !c.is_empty()) {
        Some(chosen) => candidates
            .into_iter()
            .find(|c| c.code == chosen)
            .map(AddressConversion::Converted)
            .ok_or(Rule::ConversionChoice),
        None if candidates.len() == 1 && !split => Ok(AddressConversion::Converted(candidates[0])),
        None => Ok(AddressConversion::Choose { split, candidates }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admin::UnitRef;
    use time::macros::date;

    fn addr(code: &str) -> Address {
        Address::new(UnitRef::parse(code).unwrap(), "1 Lê Lợi").unwrap()
    }

    #[test]
    fn terms_end_at_most_two_years_later() {
        assert_eq!(temporary_term_limit(date!(2026 - 09 - 01)), date!(2028 - 09 - 01));
        assert_eq!(temporary_term_limit(date!(2028 - 02 - 29)), date!(2030 - 02 - 28));
    }

    #[test]
    fn relations_round_trip() {
        for r in HouseholdRelation::ALL {
            assert_eq!(HouseholdRelation::parse(r.code()), Ok(r));
            assert!(!r.name_vi().is_empty());
        }
        assert_eq!(HouseholdRelation::parse("cousin"), Err(Rule::HouseholdRelation));
    }

    #[test]
    fn floor_area_is_data_per_province() {
        let rules = FloorAreaRules::default();
        assert_eq!(rules.default_m2, 8.0);
        let hcm = addr("2025:26743");
        assert_eq!(rules.check(&hcm, 16.0, 2), Ok(()));
        assert_eq!(rules.check(&hcm, 15.9, 2), Err(Rule::FloorAreaTooSmall));
        let hanoi_15 = FloorAreaRules::parse("*\t8\n01\t15\n").unwrap();
        assert_eq!(hanoi_15.minimum_for(&addr("2025:00004")), 15.0);
        assert_eq!(hanoi_15.minimum_for(&hcm), 8.0);
        assert!(FloorAreaRules::parse("99\t10\n").is_err());
        assert_eq!(ResidenceProof::parse("rented", Some(-1.0)), Err(("proof.floor_area_m2", Rule::FloorAreaInvalid)));
        assert_eq!(ResidenceProof::parse("bought", None), Err(("proof.kind", Rule::ResidenceProof)));
    }

    #[test]
    fn ages_windows_and_reasons() {
        assert!(is_adult(date!(2008 - 09 - 01), date!(2026 - 09 - 01)));
        assert!(!is_adult(date!(2008 - 09 - 02), date!(2026 - 09 - 01)));
        assert!(in_extension_window(date!(2026 - 09 - 15), date!(2026 - 09 - 01)));
        assert!(!in_extension_window(date!(2026 - 09 - 17), date!(2026 - 09 - 01)));
        assert!(!in_extension_window(date!(2026 - 08 - 31), date!(2026 - 09 - 01)));
        assert_eq!(ABSENCE_CASES.len(), 4);
        assert!(absence_case("long_absence").is_ok());
        assert_eq!(absence_case("holiday"), Err(Rule::AbsenceCase));
        assert!(deregistration_reason(RegistrationKind::Temporary, "absent_6_months").is_ok());
        assert_eq!(
            deregistration_reason(RegistrationKind::Permanent, "absent_6_months"),
            Err(Rule::DeregistrationReason)
        );
        let death = deregistration_reason(RegistrationKind::Permanent, "death").unwrap();
        let today = date!(2026 - 09 - 01);
        let e = check_deregistration(death, &LifeStatus::Alive, date!(2026 - 01 - 01), date!(2025 - 01 - 01), today)
            .unwrap_err();
        let rules: Vec<Rule> = e.0.iter().map(|f| f.rule).collect();
        assert_eq!(rules, [Rule::DeregistrationNotDead, Rule::DeregistrationBeforeStart]);
    }

    #[test]
    fn old_communes_convert_or_ask() {
        // 00001 (Phúc Xá, Ba Đình) went whole into 00097; 00007 was split between 00008 and 00025.
        assert!(matches!(convert_old_commune("00001", None), Ok(AddressConversion::Converted(c)) if c.code == "00097"));
        let Ok(AddressConversion::Choose { split: true, candidates }) = convert_old_commune("00007", None) else {
            panic!("a split asks")
        };
        assert_eq!(candidates.iter().map(|c| c.code).collect::<Vec<_>>(), ["00008", "00025"]);
        assert!(
            matches!(convert_old_commune("00007", Some("00025")), Ok(AddressConversion::Converted(c)) if c.code == "00025")
        );
        assert_eq!(convert_old_commune("00007", Some("00097")), Err(Rule::ConversionChoice));
        assert_eq!(convert_old_commune("00001", Some("00008")), Err(Rule::ConversionChoice));
        assert_eq!(convert_old_commune("99999", None), Err(Rule::UnitUnknown));
    }

    #[test]
    fn temporary_rules() {
        let p = LifeStatus::Alive;
        let today = date!(2026 - 09 - 01);
        let home = addr("2025:26743");
        let away = addr("2025:00004");
        assert!(check_temporary(&p, Some(&home), &away, today, date!(2028 - 09 - 01), today).is_ok());
        let e = check_temporary(&p, Some(&home), &home, today, date!(2028 - 09 - 02), today).unwrap_err();
        let rules: Vec<Rule> = e.0.iter().map(|f| f.rule).collect();
        assert_eq!(rules, [Rule::TemporaryTermTooLong, Rule::TemporaryInPermanentCommune]);
        let e = check_temporary(&p, None, &away, today, today, today).unwrap_err();
        assert_eq!(e.0[0].rule, Rule::TemporaryTermEmpty);
    }
}
