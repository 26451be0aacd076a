//! When an identity card expires, and who must, may or may not carry a photo: the rules of the
//! Identity Law 2023 (Art. 19 and 21) as data, so that a change of the law or a confirmation of
//! the exact wording is a change of [`CardRules`], not of code.
//!
//! The rule: a card expires at the next milestone age (14, 25, 40, 60); a card issued or
//! exchanged within two years before a milestone is valid until the following one; after the
//! last milestone a card has no expiry ("không thời hạn"), so a card issued from the 58th
//! birthday on never expires. Birthdays on 29 February fall on 28 February in other years.

use crate::date::{age_between, anniversary};
use time::Date;

/// The age rules of one legal regime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardRules {
    /// Ages at which a card must be exchanged, ascending.
    pub milestones: Vec<i32>,
    /// A card issued less than this many years before a milestone skips it.
    pub lead_years: i32,
    /// From this age a card is mandatory; below it a card is issued on request.
    pub mandatory_from_age: i32,
    /// From this age the card carries the holder's face photo.
    pub photo_from_age: i32,
}

impl CardRules {
    /// Identity Law 26/2023/QH15, in force since 1 July 2024.
    pub fn identity_law_2023() -> Self {
        CardRules { milestones: vec![14, 25, 40, 60], lead_years: 2, mandatory_from_age: 14, photo_from_age: 6 }
    }

    /// Citizen Identity Law 2014 (CCCD cards issued before 1 July 2024).
    pub fn citizen_identity_law_2014() -> Self {
        CardRules { milestones: vec![25, 40, 60], lead_years: 2, mandatory_from_age: 14, photo_from_age: 0 }
    }

    /// The day the card stops being valid (the milestone birthday itself), or `None` when it
    /// never expires.
    pub fn expiry(&self, date_of_birth: Date, issued_on: Date) -> Option<Date> {
        self.milestones.iter().map(|age| anniversary(date_of_birth, date_of_birth.year() + age)).find(|milestone| {
            // "Within two years before" the milestone: on or after the day two years earlier.
            let lead_start = anniversary(*milestone, milestone.year() - self.lead_years);
            issued_on < lead_start
        })
    }

    pub fn is_mandatory(&self, date_of_birth: Date, on: Date) -> bool {
        age_between(date_of_birth, on) >= self.mandatory_from_age
    }

    pub fn needs_photo(&self, date_of_birth: Date, on: Date) -> bool {
        age_between(date_of_birth, on) >= self.photo_from_age
    }
}

impl Default for CardRules {
    fn default() -> Self {
        Self::identity_law_2023()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn expiry_table_2023() {
        let r = CardRules::identity_law_2023();
        let dob = date!(2000 - 05 - 14);
        // (issued on, expected expiry)
        let table = [
            (date!(2010 - 01 - 01), Some(date!(2014 - 05 - 14))), // child's card: until 14
            (date!(2012 - 05 - 13), Some(date!(2014 - 05 - 14))), // one day before the lead window
            (date!(2012 - 05 - 14), Some(date!(2025 - 05 - 14))), // within 2 years of 14: until 25
            (date!(2014 - 05 - 14), Some(date!(2025 - 05 - 14))), // on the 14th birthday
            (date!(2023 - 05 - 13), Some(date!(2025 - 05 - 14))),
            (date!(2023 - 05 - 14), Some(date!(2040 - 05 - 14))), // within 2 years of 25
            (date!(2038 - 05 - 14), Some(date!(2060 - 05 - 14))), // within 2 years of 40
            (date!(2058 - 05 - 13), Some(date!(2060 - 05 - 14))), // the day before turning 58
            (date!(2058 - 05 - 14), None),                        // issued at 58: no expiry
            (date!(2070 - 01 - 01), None),
        ];
        for (issued, expected) in table {
            assert_eq!(r.expiry(dob, issued), expected, "issued {issued}");
        }
    }

    #[test]
    fn twenty_ninth_of_february() {
        let r = CardRules::identity_law_2023();
        let dob = date!(2004 - 02 - 29);
        // 2029 and 2027 are not leap years: milestones and windows fall on 28 February.
        assert_eq!(r.expiry(dob, date!(2020 - 01 - 01)), Some(date!(2029 - 02 - 28)));
        assert_eq!(r.expiry(dob, date!(2027 - 02 - 27)), Some(date!(2029 - 02 - 28)));
        assert_eq!(r.expiry(dob, date!(2027 - 02 - 28)), Some(date!(2044 - 02 - 29)));
    }

    #[test]
    fn the_2014_regime_has_no_14_milestone() {
        let r = CardRules::citizen_identity_law_2014();
        assert_eq!(r.expiry(date!(2000 - 05 - 14), date!(2016 - 01 - 01)), Some(date!(2025 - 05 - 14)));
    }

    #[test]
    fn mandatory_and_photo_ages() {
        let r = CardRules::identity_law_2023();
        let dob = date!(2012 - 03 - 01);
        assert!(!r.is_mandatory(dob, date!(2026 - 02 - 28)));
        assert!(r.is_mandatory(dob, date!(2026 - 03 - 01)));
        assert!(!r.needs_photo(dob, date!(2018 - 02 - 28)));
        assert!(r.needs_photo(dob, date!(2018 - 03 - 01)));
    }
}
