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
