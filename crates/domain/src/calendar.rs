//! Working days of Vietnamese state offices, for procedure deadlines.
//!
//! The calendar is data, not code: weekends are off, and every other day off (New Year, the five
//! Tết days, Hùng Kings' day, 30 April, 1 May, the two National Day days, compensation days and
//! swapped days) is listed per year in `data/holidays-vn.tsv`, because the Government fixes the
//! exact days each year (Tết and Hùng Kings' day follow the lunar calendar). A year the file does
//! not declare is refused instead of guessed: a deadline computed without Tết would be wrong by a
//! week. Operators add a year by adding its lines (or by loading their own file, see
//! [`WorkingCalendar::parse`]); the loader checks that the year gives exactly its statutory
//! number of days off net of swaps.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use time::{Date, Duration, Weekday};

const EMBEDDED: &str = include_str!("../data/holidays-vn.tsv");

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("holiday calendar line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("holiday calendar year {year}: {message}")]
    Year { year: i32, message: String },
    /// The calendar has no data for this year, so no working day in it can be counted.
    #[error("the holiday calendar has no data for {0}; add the year to the holiday file")]
    NotCovered(i32),
}

/// A listed day: a holiday (no office work on a weekday) or a weekend day worked instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedDay {
    pub date: Date,
    pub working: bool,
    pub name_vi: String,
    pub name_en: String,
    /// False when the entry is derived or reported rather than taken from the published notice.
    pub confirmed: bool,
}

/// A year the calendar covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoveredYear {
    pub year: i32,
    /// Statutory days off (Labour Code 2019 Art. 112: 11), net of swapped days.
    pub statutory_days: u32,
    pub confirmed: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkingCalendar {
    years: BTreeMap<i32, CoveredYear>,
    days: BTreeMap<Date, ListedDay>,
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

impl WorkingCalendar {
    /// The calendar built into the binary.
    pub fn embedded() -> &'static WorkingCalendar {
        static CAL: OnceLock<WorkingCalendar> = OnceLock::new();
        CAL.get_or_init(|| WorkingCalendar::parse(EMBEDDED).expect("the embedded holiday calendar is valid (tested)"))
    }

    /// Reads a calendar in the format of `data/holidays-vn.tsv` and checks it: every listed day
    /// belongs to a declared year, holidays fall on weekdays and working days on weekends, no
    /// date is listed twice, and each year's holidays minus its working days equal its
    /// statutory days.
    pub fn parse(text: &str) -> Result<WorkingCalendar, CalendarError> {
        let mut cal = WorkingCalendar::default();
        let mut header_seen = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |message: String| CalendarError::Line { line, message };
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            let cols: Vec<&str> = raw.split('\t').collect();
            if !header_seen {
                if cols.first() != Some(&"kind") {
                    return Err(
                        err("the first line must be the header `kind date days status name_vi name_en`".into()),
                    );
                }
                header_seen = true;
                continue;
            }
            if cols.len() != 6 {
                return Err(err(format!("expected 6 tab-separated columns, found {}", cols.len())));
            }
            let confirmed = match cols[3] {
                "S" => true,
                "R" => false,
                other => return Err(err(format!("status must be S or R, not {other:?}"))),
            };
            match cols[0] {
                "year" => {
                    let year: i32 = cols[1].parse().map_err(|_| err(format!("bad year {:?}", cols[1])))?;
                    let statutory_days: u32 =
                        cols[2].parse().map_err(|_| err(format!("bad number of days {:?}", cols[2])))?;
                    if cal.years.insert(year, CoveredYear { year, statutory_days, confirmed }).is_some() {
                        return Err(err(format!("year {year} declared twice")));
                    }
                }
                kind @ ("holiday" | "working") => {
                    let date = crate::date::parse_full_date(cols[1])
                        .map_err(|_| err(format!("bad date {:?} (YYYY-MM-DD)", cols[1])))?;
                    let working = kind == "working";
                    if working != is_weekend(date) {
                        return Err(err(if working {
                            format!("{} is a weekday; only a weekend day can be listed as working", cols[1])
                        } else {
                            format!("{} is a weekend day; list its compensation weekday instead", cols[1])
                        }));
                    }
                    let day = ListedDay {
                        date,
                        working,
                        name_vi: cols[4].to_owned(),
                        name_en: cols[5].to_owned(),
                        confirmed,
                    };
                    if cal.days.insert(date, day).is_some() {
                        return Err(err(format!("{} listed twice", cols[1])));
                    }
                }
                other => return Err(err(format!("kind must be year, holiday or working, not {other:?}"))),
            }
        }
        for day in cal.days.values() {
            if !cal.years.contains_key(&day.date.year()) {
                return Err(CalendarError::Year {
                    year: day.date.year(),
                    message: format!("{} is listed but the year is not declared", crate::date::iso(day.date)),
                });
            }
        }
        for y in cal.years.values() {
            let (off, worked) =
                cal.listed_in(y.year).fold((0i64, 0i64), |(o, w), d| if d.working { (o, w + 1) } else { (o + 1, w) });
            if off - worked != y.statutory_days as i64 {
                return Err(CalendarError::Year {
                    year: y.year,
                    message: format!(
                        "{off} holidays minus {worked} working days = {}, but the year declares {} statutory days",
                        off - worked,
                        y.statutory_days
                    ),
                });
            }
        }
        Ok(cal)
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains_key(&year)
    }

    pub fn years(&self) -> impl Iterator<Item = &CoveredYear> {
        self.years.values()
    }

    /// The listed days of one year, in date order.
    pub fn listed_in(&self, year: i32) -> impl Iterator<Item = &ListedDay> {
        let start = Date::from_ordinal_date(year, 1).ok();
        let end = Date::from_ordinal_date(year + 1, 1).ok();
        self.days
            .iter()
            .filter(move |(d, _)| start.is_some_and(|s| **d >= s) && end.is_none_or(|e| **d < e))
            .map(|(_, v)| v)
    }

    /// The listed entry of a day, if any (a holiday, or a weekend day worked).
    pub fn listed(&self, d: Date) -> Option<&ListedDay> {
        self.days.get(&d)
    }

    /// Whether state offices work on `d`.
    pub fn is_working_day(&self, d: Date) -> Result<bool, CalendarError> {
        if !self.covers(d.year()) {
            return Err(CalendarError::NotCovered(d.year()));
        }
        Ok(match self.days.get(&d) {
            Some(l) => l.working,
            None => !is_weekend(d),
        })
    }

    /// The working day on which a time limit of `n` working days ends, counted from the day after
    /// `received` (the day of receipt never counts; a receipt on a day off counts from the next
    /// working day). `n = 0` gives the first working day on or after `received`.
    pub fn add_working_days(&self, received: Date, n: u32) -> Result<Date, CalendarError> {
        let mut d = received;
        if n == 0 {
            while !self.is_working_day(d)? {
                d = d.next_day().ok_or(CalendarError::NotCovered(d.year() + 1))?;
            }
            return Ok(d);
        }
        let mut counted = 0;
        while counted < n {
            d = d.next_day().ok_or(CalendarError::NotCovered(d.year() + 1))?;
            if self.is_working_day(d)? {
                counted += 1;
            }
        }
        Ok(d)
    }

    /// Working days in `(from, to]`: how far `to` lies past `from` (negative when before). Used
    /// to say how many working days a dossier is late or has left.
    pub fn working_days_between(&self, from: Date, to: Date) -> Result<i64, CalendarError> {
        let (lo, hi, sign) = if from <= to { (from, to, 1) } else { (to, from, -1) };
        let mut n = 0i64;
        let mut d = lo;
        while d < hi {
            d += Duration::days(1);
            if self.is_working_day(d)? {
                n += 1;
            }
        }
        Ok(sign * n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn cal() -> &'static WorkingCalendar {
        WorkingCalendar::embedded()
    }

    #[test]
    fn embedded_years_give_the_statutory_eleven_days() {
        let years: Vec<i32> = cal().years().map(|y| y.year).collect();
        assert_eq!(years, [2024, 2025, 2026]);
        for y in cal().years() {
            assert_eq!(y.statutory_days, 11, "Labour Code 2019 Art. 112 gives 11 days in {}", y.year);
            // Every fixed-date holiday is off, or its compensation weekday is listed.
            for (m, d) in [(1, 1), (4, 30), (5, 1), (9, 2)] {
                let day = Date::from_calendar_date(y.year, time::Month::try_from(m).unwrap(), d).unwrap();
                assert!(!cal().is_working_day(day).unwrap(), "{day} must be a day off");
            }
            let tet = cal().listed_in(y.year).filter(|d| d.name_en.starts_with("Lunar New Year")).count();
            assert_eq!(tet, 5, "five weekday Tết days in {}", y.year);
            let hung = cal().listed_in(y.year).filter(|d| d.name_en.starts_with("Hùng Kings")).count();
            assert_eq!(hung, 1, "one Hùng Kings' day in {}", y.year);
        }
    }

    #[test]
    fn weekends_holidays_and_swaps() {
        // Saturday and Sunday are off; a worked Saturday is a working day.
        assert!(!cal().is_working_day(date!(2026 - 08 - 29)).unwrap());
        assert!(cal().is_working_day(date!(2026 - 08 - 28)).unwrap());
        assert!(cal().is_working_day(date!(2025 - 04 - 26)).unwrap(), "Saturday 26 April 2025 was worked");
        assert!(!cal().is_working_day(date!(2025 - 05 - 02)).unwrap(), "Friday 2 May 2025 was swapped off");
        // Tết 2026: Monday 16 to Friday 20 February.
        for d in 16..=20 {
            assert!(!cal().is_working_day(Date::from_calendar_date(2026, time::Month::February, d).unwrap()).unwrap());
        }
    }

    #[test]
    fn deadlines_count_working_days_after_receipt() {
        // Received Friday 28 August 2026; 1–2 September are National Day, so the three working
        // days are 31 August, 3 and 4 September.
        assert_eq!(cal().add_working_days(date!(2026 - 08 - 28), 3).unwrap(), date!(2026 - 09 - 04));
        // Received on a holiday: counting starts with the next working day.
        assert_eq!(cal().add_working_days(date!(2026 - 09 - 01), 1).unwrap(), date!(2026 - 09 - 03));
        // Seven working days across Tết 2026: received Thursday 12 February, counted 13, 23–27
        // February and 2 March.
        assert_eq!(cal().add_working_days(date!(2026 - 02 - 12), 7).unwrap(), date!(2026 - 03 - 02));
        // Zero days: the first working day on or after receipt.
        assert_eq!(cal().add_working_days(date!(2026 - 09 - 01), 0).unwrap(), date!(2026 - 09 - 03));
        assert_eq!(cal().add_working_days(date!(2026 - 09 - 03), 0).unwrap(), date!(2026 - 09 - 03));
        // A swapped Saturday counts.
        assert_eq!(cal().add_working_days(date!(2025 - 04 - 25), 1).unwrap(), date!(2025 - 04 - 26));
    }

    #[test]
    fn working_days_between_is_signed() {
        assert_eq!(cal().working_days_between(date!(2026 - 08 - 28), date!(2026 - 09 - 04)).unwrap(), 3);
        assert_eq!(cal().working_days_between(date!(2026 - 09 - 04), date!(2026 - 08 - 28)).unwrap(), -3);
        assert_eq!(cal().working_days_between(date!(2026 - 09 - 04), date!(2026 - 09 - 04)).unwrap(), 0);
    }

    #[test]
    fn uncovered_years_are_refused_not_guessed() {
        assert_eq!(cal().is_working_day(date!(2027 - 01 - 04)), Err(CalendarError::NotCovered(2027)));
        assert_eq!(cal().add_working_days(date!(2026 - 12 - 30), 3), Err(CalendarError::NotCovered(2027)));
    }

    #[test]
    fn a_new_year_is_added_as_data_and_checked() {
        let mut text = EMBEDDED.to_owned();
        text.push_str("year\t2027\t1\tR\ttest\ttest\nholiday\t2027-01-01\t-\tR\tTết Dương lịch\tNew Year's Day\n");
        let c = WorkingCalendar::parse(&text).unwrap();
        assert!(c.covers(2027));
        assert!(!c.is_working_day(date!(2027 - 01 - 01)).unwrap());
        assert!(c.is_working_day(date!(2027 - 01 - 04)).unwrap());
        // A year whose days do not add up is refused.
        let bad = format!("{EMBEDDED}year\t2027\t11\tR\tx\tx\nholiday\t2027-01-01\t-\tR\tx\tx\n");
        assert!(matches!(WorkingCalendar::parse(&bad), Err(CalendarError::Year { year: 2027, .. })));
    }

    #[test]
    fn malformed_lines_name_their_line() {
        let header = "kind\tdate\tdays\tstatus\tname_vi\tname_en\n";
        let weekend = format!("{header}year\t2026\t1\tS\tx\tx\nholiday\t2026-08-29\t-\tS\tx\tx\n");
        assert!(matches!(WorkingCalendar::parse(&weekend), Err(CalendarError::Line { line: 3, .. })));
        let weekday_worked = format!("{header}year\t2026\t0\tS\tx\tx\nworking\t2026-08-28\t-\tS\tx\tx\n");
        assert!(matches!(WorkingCalendar::parse(&weekday_worked), Err(CalendarError::Line { line: 3, .. })));
        let undeclared = format!("{header}holiday\t2030-01-01\t-\tS\tx\tx\n");
        assert!(matches!(WorkingCalendar::parse(&undeclared), Err(CalendarError::Year { year: 2030, .. })));
        let twice = format!(
            "{header}year\t2026\t2\tS\tx\tx\nholiday\t2026-01-01\t-\tS\tx\tx\nholiday\t2026-01-01\t-\tS\tx\tx\n"
        );
        assert!(matches!(WorkingCalendar::parse(&twice), Err(CalendarError::Line { line: 4, .. })));
        assert!(matches!(WorkingCalendar::parse("nonsense\n"), Err(CalendarError::Line { line: 1, .. })));
    }
}
