//! Dates as the register knows them: full dates, and year-only or month-year dates for old records.

use crate::error::Rule;
use std::cmp::Ordering;
use std::fmt;
use time::{Date, Month};

/// A date that may be known only to the year or the month (old civil-status records).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PartialDate {
    Year(i32),
    YearMonth(i32, Month),
    Full(Date),
}

impl PartialDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; years 1800–9999 (the register holds no
    /// records from before the nineteenth century).
    pub fn parse(s: &str) -> Result<Self, Rule> {
        let parts: Vec<&str> = s.split('-').collect();
        let num = |p: &str, len: usize| -> Result<u32, Rule> {
            if p.len() != len || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(Rule::DateFormat);
            }
            p.parse().map_err(|_| Rule::DateFormat)
        };
        let year = num(parts.first().copied().unwrap_or(""), 4)? as i32;
        if year < 1800 {
            return Err(Rule::DateImpossible);
        }
        match parts.len() {
            1 => Ok(PartialDate::Year(year)),
            2 => {
                let m = Month::try_from(num(parts[1], 2)? as u8).map_err(|_| Rule::DateImpossible)?;
                Ok(PartialDate::YearMonth(year, m))
            }
            3 => {
                let m = Month::try_from(num(parts[1], 2)? as u8).map_err(|_| Rule::DateImpossible)?;
                let d = num(parts[2], 2)? as u8;
                Date::from_calendar_date(year, m, d).map(PartialDate::Full).map_err(|_| Rule::DateImpossible)
            }
            _ => Err(Rule::DateFormat),
        }
    }

    pub fn year(&self) -> i32 {
        match self {
            PartialDate::Year(y) | PartialDate::YearMonth(y, _) => *y,
            PartialDate::Full(d) => d.year(),
        }
    }

    pub fn full(&self) -> Option<Date> {
        match self {
            PartialDate::Full(d) => Some(*d),
            _ => None,
        }
    }

    /// The first day the date could mean: the earliest moment a fact dated so can hold.
    pub fn earliest(&self) -> Date {
        match self {
            PartialDate::Year(y) => Date::from_calendar_date(*y, Month::January, 1).expect("valid"),
            PartialDate::YearMonth(y, m) => Date::from_calendar_date(*y, *m, 1).expect("valid"),
            PartialDate::Full(d) => *d,
        }
    }

    /// The last day the date could mean.
    pub fn latest(&self) -> Date {
        match self {
            PartialDate::Year(y) => Date::from_calendar_date(*y, Month::December, 31).expect("valid"),
            PartialDate::YearMonth(y, m) => Date::from_calendar_date(*y, *m, m.length(*y)).expect("valid"),
            PartialDate::Full(d) => *d,
        }
    }

    /// The text form `parse` accepts; also the stored form, which sorts chronologically
    /// within one precision.
    pub fn to_iso(&self) -> String {
        self.to_string()
    }

    /// Whether this date is certainly after `today` (a partial date counts as future only when
    /// even its earliest day is).
    pub fn is_future(&self, today: Date) -> bool {
        self.earliest() > today
    }

    /// Compares two possibly partial dates; `None` when the precision leaves the order open
    /// (year 1990 versus 1990-05-01).
    pub fn certainly_cmp(&self, other: &PartialDate) -> Option<Ordering> {
        if self.latest() < other.earliest() {
            Some(Ordering::Less)
        } else if self.earliest() > other.latest() {
            Some(Ordering::Greater)
        } else if self == other && matches!(self, PartialDate::Full(_)) {
            Some(Ordering::Equal)
        } else {
            None
        }
    }

    /// Completed years of age on `on`. For partial dates the youngest possible age is given,
    /// so age limits are never met by guesswork.
    pub fn age_on(&self, on: Date) -> i32 {
        age_between(self.latest(), on)
    }
}

/// Completed years between two full dates. A 29 February birthday is reached on 28 February in
/// non-leap years (DESIGN §8).
pub fn age_between(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    let birthday_this_year = anniversary(birth, on.year());
    if on < birthday_this_year {
        age -= 1;
    }
    age
}

/// The date `birth` recurs in `year`; 29 February falls on 28 February in non-leap years.
pub fn anniversary(birth: Date, year: i32) -> Date {
    Date::from_calendar_date(year, birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(year, birth.month(), birth.day() - 1))
        .expect("only 29 February can be missing")
}

/// Parses a full `YYYY-MM-DD` date (events need a day).
pub fn parse_full_date(s: &str) -> Result<Date, Rule> {
    match PartialDate::parse(s)? {
        PartialDate::Full(d) => Ok(d),
        _ => Err(Rule::DateFullRequired),
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartialDate::Year(y) => write!(f, "{y:04}"),
            PartialDate::YearMonth(y, m) => write!(f, "{y:04}-{:02}", *m as u8),
            PartialDate::Full(d) => {
                write!(f, "{:04}-{:02}-{:02}", d.year(), d.month() as u8, d.day())
            }
        }
    }
}

/// Formats a full date as `YYYY-MM-DD`.
pub fn iso(d: Date) -> String {
    PartialDate::Full(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn parses_three_precisions() {
        assert_eq!(PartialDate::parse("1950"), Ok(PartialDate::Year(1950)));
        assert_eq!(PartialDate::parse("1950-03"), Ok(PartialDate::YearMonth(1950, Month::March)));
        assert_eq!(PartialDate::parse("2000-02-29"), Ok(PartialDate::Full(date!(2000 - 02 - 29))));
    }

    #[test]
    fn refuses_impossible_and_malformed() {
        for s in ["1999-02-29", "2023-13-01", "2023-00-10", "2023-04-31", "1700"] {
            assert_eq!(PartialDate::parse(s), Err(Rule::DateImpossible), "{s}");
        }
        for s in ["", "99", "1999/01/01", "1999-1-1", "1999-01-01-01", "abcd", "+1999"] {
            assert_eq!(PartialDate::parse(s), Err(Rule::DateFormat), "{s}");
        }
    }

    #[test]
    fn ages_and_leap_birthdays() {
        let b = date!(2004 - 02 - 29);
        assert_eq!(age_between(b, date!(2022 - 02 - 27)), 17);
        assert_eq!(age_between(b, date!(2022 - 02 - 28)), 18);
        assert_eq!(age_between(b, date!(2024 - 02 - 28)), 19);
        assert_eq!(age_between(b, date!(2024 - 02 - 29)), 20);
        // Partial dates give the youngest possible age.
        assert_eq!(PartialDate::Year(2000).age_on(date!(2018 - 06 - 01)), 17);
        assert_eq!(PartialDate::Year(2000).age_on(date!(2019 - 01 - 01)), 18);
    }

    #[test]
    fn uncertain_order() {
        let y = PartialDate::Year(1990);
        let d = PartialDate::Full(date!(1990 - 05 - 01));
        assert_eq!(y.certainly_cmp(&d), None);
        assert_eq!(PartialDate::Year(1989).certainly_cmp(&d), Some(Ordering::Less));
        assert!(PartialDate::Year(2030).is_future(date!(2026 - 11 - 23)));
        assert!(!PartialDate::Year(2026).is_future(date!(2026 - 11 - 23)));
    }

    proptest! {
        #[test]
        fn display_parse_round_trip(y in 1800i32..2400, m in 1u8..=12, d in 1u8..=31, kind in 0..3) {
            let month = Month::try_from(m).unwrap();
            let pd = match kind {
                0 => PartialDate::Year(y),
                1 => PartialDate::YearMonth(y, month),
                _ => match Date::from_calendar_date(y, month, d) {
                    Ok(date) => PartialDate::Full(date),
                    Err(_) => return Ok(()),
                },
            };
            prop_assert_eq!(PartialDate::parse(&pd.to_string()), Ok(pd));
        }
    }
}
