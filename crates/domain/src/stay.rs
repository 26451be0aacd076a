//! Stay notifications (thông báo lưu trú, Law on Residence 2020 Art. 30): a host household or an
//! accommodation establishment tells the commune police of a guest staying fewer than 30 days.
//!
//! The deadline rule and the longest stay are data ([`StayRules`], vn-domain §4 marks them
//! unconfirmed [R]); the defaults are the figures of the law as we read it: a guest arriving
//! before 23:00 is notified before 23:00 the same day, one arriving at or after 23:00 before 08:00
//! the next day, Vietnam time. A late notification is accepted and flagged, never refused: the
//! police want to know of the guest all the same.

use crate::admin::{Catalogue, catalogue};
use crate::error::{Errors, Invalid, Rule};
use crate::name::PersonName;
use crate::person::{Address, LifeStatus, Person};
use crate::pin::PersonalNumber;
use time::{Date, Duration, OffsetDateTime, Time, UtcOffset};

/// Asia/Ho_Chi_Minh: UTC+7 all year, no daylight saving.
pub const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => panic!("constant offset"),
};

/// Who hosts the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HostKind {
    /// A household (hộ gia đình) hosting a relative or acquaintance.
    Household,
    /// An accommodation establishment (cơ sở lưu trú): hotel, guest house, rented rooms.
    Establishment,
}

impl HostKind {
    pub const ALL: [HostKind; 2] = [HostKind::Household, HostKind::Establishment];
    pub fn code(self) -> &'static str {
        match self {
            HostKind::Household => "household",
            HostKind::Establishment => "establishment",
        }
    }
    pub fn name_vi(self) -> &'static str {
        match self {
            HostKind::Household => "Hộ gia đình",
            HostKind::Establishment => "Cơ sở lưu trú",
        }
    }
    pub fn parse(s: &str) -> Result<Self, Rule> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim()).ok_or(Rule::StayHostKind)
    }
}

/// The rules of Art. 30 that are configuration [R].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StayRules {
    /// Arrivals before this local time are notified before it the same day.
    pub same_day_cutoff: Time,
    /// Arrivals at or after the cutoff are notified before this local time the next day.
    pub next_morning_deadline: Time,
    /// A stay of this many days or more is a temporary residence, not a stay.
    pub max_days: i64,
}

impl Default for StayRules {
    fn default() -> Self {
        StayRules {
            same_day_cutoff: Time::MIDNIGHT + Duration::hours(23),
            next_morning_deadline: Time::MIDNIGHT + Duration::hours(8),
            max_days: 30,
        }
    }
}

impl StayRules {
    /// The instant by which a guest arriving at `arrival` must be notified.
    pub fn deadline(&self, arrival: OffsetDateTime) -> OffsetDateTime {
        let local = arrival.to_offset(VIETNAM);
        if local.time() < self.same_day_cutoff {
            local.replace_time(self.same_day_cutoff)
        } else {
            (local + Duration::days(1)).replace_time(self.next_morning_deadline)
        }
    }

    /// Whether a notification made at `notified` is late for an arrival at `arrival`.
    pub fn is_late(&self, arrival: OffsetDateTime, notified: OffsetDateTime) -> bool {
        notified >= self.deadline(arrival)
    }

    /// Days of a stay from the arrival's local date to the day of departure.
    pub fn stay_days(arrival: OffsetDateTime, departure: Date) -> i64 {
        (departure - arrival.to_offset(VIETNAM).date()).whole_days()
    }
}

/// Longest free text of a stay (host name, reason), in characters.
pub const MAX_STAY_TEXT: usize = 200;

/// One guest as notified, parsed from the request.
#[derive(Clone, Debug, PartialEq)]
pub struct Guest {
    pub pin: PersonalNumber,
    /// The name as the host wrote it; checked against the register.
    pub name: PersonName,
    /// Where the guest stays: a commune of the 2025 catalogue and the detail (street, room).
    pub place: Address,
    pub arrival: OffsetDateTime,
    /// The day the guest leaves (planned).
    pub departure: Date,
    pub reason: String,
}

/// The checks of one guest against the register's record (`None` for an unknown PIN, reported by
/// the caller) and the rules: alive, the name as the register holds it (case aside), departure not
/// before arrival, fewer than `max_days` days, arrival not in the future, a commune of the 2025
/// catalogue.
pub fn check(rules: &StayRules, person: &Person, g: &Guest, now: OffsetDateTime) -> Result<(), Invalid> {
    let mut errs = Errors::new();
    match person.status {
        LifeStatus::Alive => {}
        LifeStatus::Dead(_) => errs.push("pin", Rule::PersonDead),
        LifeStatus::Missing(_) => errs.push("pin", Rule::PersonMissing),
    }
    if g.name.as_str().to_lowercase() != person.birth_name.as_str().to_lowercase() {
        errs.push("name", Rule::StayNameMismatch);
    }
    if let Err(e) = check_place(&g.place) {
        errs.extend_prefixed("place", e);
    }
    check_period(rules, g.arrival, g.departure, now, &mut errs);
    errs.finish()
}

/// The place of a stay: a commune of the 2025 catalogue.
pub fn check_place(place: &Address) -> Result<(), Invalid> {
    if place.unit.catalogue() != Catalogue::Y2025 {
        return Err(Invalid::one("unit", Rule::UnitLegacyNotAllowed));
    }
    if catalogue().commune(Catalogue::Y2025, place.unit.code()).is_none() {
        return Err(Invalid::one("unit", Rule::UnitNotCommune));
    }
    Ok(())
}

fn check_period(rules: &StayRules, arrival: OffsetDateTime, departure: Date, now: OffsetDateTime, errs: &mut Errors) {
    if arrival > now {
        errs.push("arrival_at", Rule::DateInFuture);
    }
    let days = StayRules::stay_days(arrival, departure);
    if days < 0 {
        errs.push("departure_on", Rule::StayDeparture);
    } else if days >= rules.max_days {
        errs.push("departure_on", Rule::StayTooLong);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn deadlines_follow_the_23_00_and_08_00_rule_in_vietnam_time() {
        let r = StayRules::default();
        // (arrival, deadline), all written in Vietnam time.
        let table = [
            (datetime!(2026-09-01 00:00 +7), datetime!(2026-09-01 23:00 +7)),
            (datetime!(2026-09-01 14:30 +7), datetime!(2026-09-01 23:00 +7)),
            (datetime!(2026-09-01 22:59:59 +7), datetime!(2026-09-01 23:00 +7)),
            (datetime!(2026-09-01 23:00 +7), datetime!(2026-09-02 08:00 +7)),
            (datetime!(2026-09-01 23:45 +7), datetime!(2026-09-02 08:00 +7)),
            // Month and year ends.
            (datetime!(2026-09-30 23:10 +7), datetime!(2026-10-01 08:00 +7)),
            (datetime!(2026-12-31 23:59 +7), datetime!(2027-01-01 08:00 +7)),
            // Given in UTC: 16:30 UTC is 23:30 in Hà Nội, 15:59 UTC is 22:59.
            (datetime!(2026-09-01 16:30 UTC), datetime!(2026-09-02 08:00 +7)),
            (datetime!(2026-09-01 15:59 UTC), datetime!(2026-09-01 23:00 +7)),
        ];
        for (arrival, deadline) in table {
            assert_eq!(r.deadline(arrival), deadline, "arrival {arrival}");
        }
        assert!(!r.is_late(datetime!(2026-09-01 14:00 +7), datetime!(2026-09-01 22:59 +7)));
        assert!(r.is_late(datetime!(2026-09-01 14:00 +7), datetime!(2026-09-01 23:00 +7)));
        assert!(!r.is_late(datetime!(2026-09-01 23:30 +7), datetime!(2026-09-02 07:59 +7)));
        assert!(r.is_late(datetime!(2026-09-01 23:30 +7), datetime!(2026-09-02 08:00 +7)));
    }

    #[test]
    fn the_rule_is_configuration() {
        let r = StayRules {
            same_day_cutoff: Time::MIDNIGHT + Duration::hours(22),
            next_morning_deadline: Time::MIDNIGHT + Duration::hours(9),
            max_days: 15,
        };
        assert_eq!(r.deadline(datetime!(2026-09-01 22:00 +7)), datetime!(2026-09-02 09:00 +7));
        assert_eq!(r.deadline(datetime!(2026-09-01 21:00 +7)), datetime!(2026-09-01 22:00 +7));
    }

    #[test]
    fn stays_are_shorter_than_30_days_and_never_end_before_they_begin() {
        let r = StayRules::default();
        let now = datetime!(2026-09-01 12:00 +7);
        let arrival = datetime!(2026-09-01 10:00 +7);
        let rules_of = |departure: Date, arrival: OffsetDateTime| {
            let mut e = Errors::new();
            check_period(&r, arrival, departure, now, &mut e);
            e.finish().err().map(|i| i.0.into_iter().map(|f| f.rule).collect::<Vec<_>>()).unwrap_or_default()
        };
        assert_eq!(rules_of(date!(2026 - 09 - 01), arrival), []);
        assert_eq!(rules_of(date!(2026 - 09 - 30), arrival), []);
        assert_eq!(rules_of(date!(2026 - 10 - 01), arrival), [Rule::StayTooLong]);
        assert_eq!(rules_of(date!(2026 - 08 - 31), arrival), [Rule::StayDeparture]);
        assert_eq!(rules_of(date!(2026 - 09 - 05), datetime!(2026-09-01 13:00 +7)), [Rule::DateInFuture]);
        // The arrival's date is taken in Vietnam time: 20:00 UTC on 31 August is 1 September.
        assert_eq!(rules_of(date!(2026 - 09 - 01), datetime!(2026-08-31 20:00 UTC)), []);
    }

    #[test]
    fn host_kinds_round_trip() {
        for k in HostKind::ALL {
            assert_eq!(HostKind::parse(k.code()), Ok(k));
        }
        assert_eq!(HostKind::parse("tent"), Err(Rule::StayHostKind));
    }
}
