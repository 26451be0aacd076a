//! When an identity card expires, and who must, may or may not carry a photo: the rules of the
//! Identity Law 2023 (Art. 19 and 21) as data, so that a change of the law or a confirmation of
//! the exact wording is a change of [`CardRules`], not of code.
//!
//! The rule: a card expires at the next milestone age (14, 25, 40, 60); a card issued or
//! exchanged within two years before a milestone is valid until the following one; after the
//! last milestone a card has no expiry ("không thời hạn"), so a card issued from the 58th
//! birthday on never expires. Birthdays on 29 February fall on 28 February in other years.
//!
//! Also which applications (first issue, exchange, re-issue) are allowed when, and the status
//! of a produced card.

use crate::date::{age_between, anniversary};
use crate::error::Rule;
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

/// Why a card is applied for (Identity Law 2023 Art. 23-24).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ApplicationKind {
    /// First card (mandatory from 14, on request under 14).
    FirstIssue,
    /// Exchange at a milestone age (14, 25, 40, 60).
    ExchangeAge,
    /// Exchange after a change of name or date of birth.
    ExchangeDataChange,
    /// Exchange of a damaged card.
    ExchangeDamaged,
    /// Exchange after the PIN was re-established.
    ExchangePinReestablished,
    /// Exchange on request after the administrative units were rearranged (printed place names).
    ExchangeUnitReform,
    /// Re-issue after the card was lost.
    ReissueLost,
}

impl ApplicationKind {
    pub const ALL: [ApplicationKind; 7] = [
        ApplicationKind::FirstIssue,
        ApplicationKind::ExchangeAge,
        ApplicationKind::ExchangeDataChange,
        ApplicationKind::ExchangeDamaged,
        ApplicationKind::ExchangePinReestablished,
        ApplicationKind::ExchangeUnitReform,
        ApplicationKind::ReissueLost,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ApplicationKind::FirstIssue => "first_issue",
            ApplicationKind::ExchangeAge => "exchange_age",
            ApplicationKind::ExchangeDataChange => "exchange_data_change",
            ApplicationKind::ExchangeDamaged => "exchange_damaged",
            ApplicationKind::ExchangePinReestablished => "exchange_pin_reestablished",
            ApplicationKind::ExchangeUnitReform => "exchange_unit_reform",
            ApplicationKind::ReissueLost => "reissue_lost",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim()).ok_or(Rule::CardApplicationKind)
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            ApplicationKind::FirstIssue => "Cấp lần đầu",
            ApplicationKind::ExchangeAge => "Cấp đổi khi đủ tuổi",
            ApplicationKind::ExchangeDataChange => "Cấp đổi do thay đổi họ tên, ngày sinh",
            ApplicationKind::ExchangeDamaged => "Cấp đổi do thẻ bị hư hỏng",
            ApplicationKind::ExchangePinReestablished => "Cấp đổi do xác lập lại số định danh",
            ApplicationKind::ExchangeUnitReform => "Cấp đổi do sắp xếp đơn vị hành chính",
            ApplicationKind::ReissueLost => "Cấp lại do bị mất",
        }
    }
    /// Does this kind replace a card the person holds?
    pub fn replaces_a_card(self) -> bool {
        self != ApplicationKind::FirstIssue
    }
}

/// The status of a produced card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CardStatus {
    Active,
    /// Reported lost: revoked at once, never valid again.
    Lost,
    /// Revoked for another reason (the holder died, the PIN was re-established, fraud).
    Revoked,
    /// Past its expiry date.
    Expired,
    /// A newer card was delivered.
    Replaced,
}

impl CardStatus {
    pub const ALL: [CardStatus; 5] =
        [CardStatus::Active, CardStatus::Lost, CardStatus::Revoked, CardStatus::Expired, CardStatus::Replaced];
    pub fn code(self) -> &'static str {
        match self {
            CardStatus::Active => "active",
            CardStatus::Lost => "lost",
            CardStatus::Revoked => "revoked",
            CardStatus::Expired => "expired",
            CardStatus::Replaced => "replaced",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            CardStatus::Active => "Đang có hiệu lực",
            CardStatus::Lost => "Đã báo mất",
            CardStatus::Revoked => "Đã thu hồi",
            CardStatus::Expired => "Hết hạn",
            CardStatus::Replaced => "Đã được thay thế",
        }
    }
}

/// A card the person holds, as the rules need to see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldCard {
    /// The stored status (active, lost, revoked, replaced); expiry is computed from `expires_on`.
    pub status: CardStatus,
    pub issued_on: Date,
    pub expires_on: Option<Date>,
    /// Was the card issued under the person's current PIN?
    pub current_pin: bool,
}

impl HeldCard {
    /// The status on `today`: an active card past its expiry is expired.
    pub fn status_on(&self, today: Date) -> CardStatus {
        match (self.status, self.expires_on) {
            (CardStatus::Active, Some(e)) if today >= e => CardStatus::Expired,
            (s, _) => s,
        }
    }

    pub fn is_valid_on(&self, today: Date) -> bool {
        self.status_on(today) == CardStatus::Active
    }
}

/// What the application rules look at.
#[derive(Clone, Copy, Debug)]
pub struct ApplicationFacts<'a> {
    pub date_of_birth: Date,
    pub alive: bool,
    pub missing: bool,
    /// The newest card, if any.
    pub card: Option<&'a HeldCard>,
    pub has_open_application: bool,
    pub today: Date,
}

impl CardRules {
    /// May the person apply for a card of `kind` today? The error names the rule broken.
    pub fn check_application(&self, kind: ApplicationKind, f: &ApplicationFacts<'_>) -> Result<(), Rule> {
        if !f.alive {
            return Err(Rule::PersonDead);
        }
        if f.missing {
            return Err(Rule::PersonMissing);
        }
        if f.has_open_application {
            return Err(Rule::CardApplicationOpen);
        }
        let valid_card = f.card.filter(|c| c.is_valid_on(f.today));
        match kind {
            ApplicationKind::FirstIssue => {
                if valid_card.is_some() {
                    return Err(Rule::CardAlreadyHeld);
                }
                if f.card.is_some() {
                    // Someone who held a card applies for an exchange or a re-issue.
                    return Err(Rule::CardNotFirst);
                }
                Ok(())
            }
            ApplicationKind::ReissueLost => match f.card {
                Some(c) if matches!(c.status_on(f.today), CardStatus::Active | CardStatus::Lost) => Ok(()),
                _ => Err(Rule::CardNoneToReplace),
            },
            ApplicationKind::ExchangeAge => {
                let Some(card) = f.card.filter(|c| c.status != CardStatus::Lost && c.status != CardStatus::Revoked)
                else {
                    return Err(Rule::CardNoneToReplace);
                };
                // From two years before the milestone the new card skips it; earlier, an
                // exchange would change nothing.
                match card.expires_on {
                    Some(e) if f.today >= anniversary(e, e.year() - self.lead_years) => Ok(()),
                    _ => Err(Rule::CardExchangeTooEarly),
                }
            }
            ApplicationKind::ExchangePinReestablished => match valid_card {
                Some(c) if !c.current_pin => Ok(()),
                Some(_) => Err(Rule::NothingToReestablish),
                None => Err(Rule::CardNoneToReplace),
            },
            ApplicationKind::ExchangeDataChange
            | ApplicationKind::ExchangeDamaged
            | ApplicationKind::ExchangeUnitReform => {
                if valid_card.is_some() {
                    Ok(())
                } else {
                    Err(Rule::CardNoneToReplace)
                }
            }
        }
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

    fn held(status: CardStatus, issued: Date, expires: Option<Date>) -> HeldCard {
        HeldCard { status, issued_on: issued, expires_on: expires, current_pin: true }
    }

    #[test]
    fn application_rules_table() {
        let r = CardRules::identity_law_2023();
        let dob = date!(2000 - 05 - 14);
        let today = date!(2026 - 11 - 30);
        let valid = held(CardStatus::Active, date!(2023 - 06 - 01), Some(date!(2040 - 05 - 14)));
        let expired = held(CardStatus::Active, date!(2014 - 06 - 01), Some(date!(2025 - 05 - 14)));
        let near_40 = held(CardStatus::Active, date!(2023 - 06 - 01), Some(date!(2027 - 05 - 14)));
        let lost = held(CardStatus::Lost, date!(2023 - 06 - 01), Some(date!(2040 - 05 - 14)));
        let old_pin = HeldCard { current_pin: false, ..valid };
        use ApplicationKind as K;
        // (kind, card, open application, alive, missing, expected)
        // (kind, card, open application, alive, missing, expected)
        type Row<'a> = (K, Option<&'a HeldCard>, bool, bool, bool, Result<(), Rule>);
        let table: &[Row<'_>] = &[
            (K::FirstIssue, None, false, true, false, Ok(())),
            (K::FirstIssue, Some(&valid), false, true, false, Err(Rule::CardAlreadyHeld)),
            (K::FirstIssue, Some(&expired), false, true, false, Err(Rule::CardNotFirst)),
            (K::FirstIssue, None, true, true, false, Err(Rule::CardApplicationOpen)),
            (K::FirstIssue, None, false, false, false, Err(Rule::PersonDead)),
            (K::FirstIssue, None, false, true, true, Err(Rule::PersonMissing)),
            (K::ExchangeAge, Some(&expired), false, true, false, Ok(())),
            (K::ExchangeAge, Some(&near_40), false, true, false, Ok(())),
            (K::ExchangeAge, Some(&valid), false, true, false, Err(Rule::CardExchangeTooEarly)),
            (K::ExchangeAge, None, false, true, false, Err(Rule::CardNoneToReplace)),
            (K::ExchangeAge, Some(&lost), false, true, false, Err(Rule::CardNoneToReplace)),
            (K::ExchangeDamaged, Some(&valid), false, true, false, Ok(())),
            (K::ExchangeDamaged, Some(&expired), false, true, false, Err(Rule::CardNoneToReplace)),
            (K::ExchangeDataChange, Some(&valid), false, true, false, Ok(())),
            (K::ExchangeUnitReform, Some(&valid), false, true, false, Ok(())),
            (K::ExchangeUnitReform, Some(&valid), true, true, false, Err(Rule::CardApplicationOpen)),
            (K::ExchangePinReestablished, Some(&old_pin), false, true, false, Ok(())),
            (K::ExchangePinReestablished, Some(&valid), false, true, false, Err(Rule::NothingToReestablish)),
            (K::ReissueLost, Some(&lost), false, true, false, Ok(())),
            (K::ReissueLost, Some(&valid), false, true, false, Ok(())),
            (K::ReissueLost, Some(&expired), false, true, false, Err(Rule::CardNoneToReplace)),
            (K::ReissueLost, None, false, true, false, Err(Rule::CardNoneToReplace)),
            (K::ReissueLost, Some(&lost), false, false, false, Err(Rule::PersonDead)),
        ];
        for (kind, card, open, alive, missing, expected) in table {
            let facts = ApplicationFacts {
                date_of_birth: dob,
                alive: *alive,
                missing: *missing,
                card: *card,
                has_open_application: *open,
                today,
            };
            assert_eq!(r.check_application(*kind, &facts), *expected, "{kind:?} with {card:?}");
        }
    }

    #[test]
    fn card_status_on_a_day() {
        let c = held(CardStatus::Active, date!(2014 - 06 - 01), Some(date!(2025 - 05 - 14)));
        assert_eq!(c.status_on(date!(2025 - 05 - 13)), CardStatus::Active);
        assert_eq!(c.status_on(date!(2025 - 05 - 14)), CardStatus::Expired);
        let forever = held(CardStatus::Active, date!(2060 - 06 - 01), None);
        assert_eq!(forever.status_on(date!(2099 - 01 - 01)), CardStatus::Active);
        let lost = held(CardStatus::Lost, date!(2020 - 01 - 01), Some(date!(2030 - 01 - 01)));
        assert_eq!(lost.status_on(date!(2021 - 01 - 01)), CardStatus::Lost);
        for s in CardStatus::ALL {
            assert_eq!(CardStatus::parse(s.code()), Some(s));
        }
        for k in ApplicationKind::ALL {
            assert_eq!(ApplicationKind::parse(k.code()), Ok(k));
        }
    }
}
