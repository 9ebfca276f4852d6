//! Time as the registers see it (spec `metrics.md` §1): ISO-8601 weeks, calendar months, and the
//! Thursday rule that assigns each week to the month holding its Thursday.
//!
//! Weeks and months are plain integer indices so that the panel can do arithmetic on them
//! (`rel_month = month - start_month`) without touching dates. Parsing of the register's
//! spellings (`y_YYWW`, `YYYY-Www`, `YYYY-MM`) lives here too, so every reader agrees on them.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::fmt;

/// A calendar month as a linear index: `year * 12 + (month - 1)`.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Month(i32);

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12)
            .contains(&month)
            .then(|| Month(year * 12 + month as i32 - 1))
    }

    pub fn from_index(index: i32) -> Month {
        Month(index)
    }

    pub fn index(self) -> i32 {
        self.0
    }

    pub fn year(self) -> i32 {
        self.0.div_euclid(12)
    }

    /// 1..=12
    pub fn month_of_year(self) -> u32 {
        self.0.rem_euclid(12) as u32 + 1
    }

    pub fn of_date(date: NaiveDate) -> Month {
        Month(date.year() * 12 + date.month0() as i32)
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year(), self.month_of_year(), 1).expect("valid month")
    }

    pub fn offset(self, months: i32) -> Month {
        Month(self.0 + months)
    }

    /// Months from `earlier` to `self` (`rel_month` when `earlier` is the start month).
    pub fn since(self, earlier: Month) -> i32 {
        self.0 - earlier.0
    }

    /// Parses `YYYY-MM` (the income register's and the manifest's spelling).
    pub fn parse(text: &str) -> Option<Month> {
        let text = text.trim();
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        if !year
            .bytes()
            .chain(month.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return None;
        }
        Month::new(year.parse().ok()?, month.parse().ok()?)
    }

    /// The ISO weeks assigned to this month by the Thursday rule: always 4 or 5 consecutive weeks.
    pub fn weeks(self) -> std::ops::RangeInclusive<Week> {
        let first = Week::first_with_thursday_on_or_after(self.first_day());
        let last = Week::first_with_thursday_on_or_after(self.offset(1).first_day()).prev();
        first..=last
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month_of_year())
    }
}

/// An ISO-8601 week (Monday–Sunday) as a linear index: the number of whole weeks from
/// 0001-01-01 (a Monday) to its Monday.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Week(i32);

impl Week {
    /// `None` when the week does not exist (week 53 of a 52-week year, week 0, week 54).
    pub fn from_iso(year: i32, week: u32) -> Option<Week> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(Week::of_date)
    }

    pub fn of_date(date: NaiveDate) -> Week {
        Week((date.num_days_from_ce() - 1).div_euclid(7))
    }

    pub fn from_index(index: i32) -> Week {
        Week(index)
    }

    pub fn index(self) -> i32 {
        self.0
    }

    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.0 * 7 + 1).expect("week inside chrono's range")
    }

    pub fn thursday(self) -> NaiveDate {
        self.monday() + Duration::days(3)
    }

    /// The month holding the week's Thursday (so the month holding at least 4 of its days).
    pub fn month(self) -> Month {
        Month::of_date(self.thursday())
    }

    /// (ISO year, ISO week number).
    pub fn iso(self) -> (i32, u32) {
        let iso = self.monday().iso_week();
        (iso.year(), iso.week())
    }

    pub fn next(self) -> Week {
        Week(self.0 + 1)
    }

    pub fn prev(self) -> Week {
        Week(self.0 - 1)
    }

    pub fn offset(self, weeks: i32) -> Week {
        Week(self.0 + weeks)
    }

    pub fn since(self, earlier: Week) -> i32 {
        self.0 - earlier.0
    }

    fn first_with_thursday_on_or_after(date: NaiveDate) -> Week {
        let week = Week::of_date(date);
        if week.thursday() < date {
            week.next()
        } else {
            week
        }
    }

    /// The DREAM column name of this week, `y_YYWW`.
    pub fn dream_column(self) -> String {
        let (year, week) = self.iso();
        format!("y_{:02}{:02}", year.rem_euclid(100), week)
    }

    /// Parses the register's two spellings of a week: `YYWW` (as in `y_YYWW`, 19YY for YY >= 90)
    /// and `YYYY-Www`.
    pub fn parse(text: &str) -> Result<Week, WeekError> {
        let text = text.trim();
        let (year, week) = if let Some((year, week)) = text.split_once("-W") {
            if year.len() != 4 || week.len() != 2 || !all_digits(year) || !all_digits(week) {
                return Err(WeekError::Malformed);
            }
            (year.parse::<i32>().unwrap(), week.parse::<u32>().unwrap())
        } else {
            if text.len() != 4 || !all_digits(text) {
                return Err(WeekError::Malformed);
            }
            let yy: i32 = text[..2].parse().unwrap();
            let year = if yy >= 90 { 1900 + yy } else { 2000 + yy };
            (year, text[2..].parse::<u32>().unwrap())
        };
        Week::from_iso(year, week).ok_or(WeekError::NoSuchWeek { year, week })
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (year, week) = self.iso();
        write!(f, "{year:04}-W{week:02}")
    }
}

/// Why a week spelling was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeekError {
    /// Not of the form `YYWW` / `YYYY-Www`.
    Malformed,
    /// Well-formed but the ISO year has no such week (e.g. week 53 of a 52-week year).
    NoSuchWeek { year: i32, week: u32 },
}

impl fmt::Display for WeekError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WeekError::Malformed => write!(f, "expected a week as YYWW or YYYY-Www"),
            WeekError::NoSuchWeek { year, week } => write!(
                f,
                "ISO year {year} has {} weeks, so week {week} does not exist",
                iso_weeks_in_year(*year)
            ),
        }
    }
}

/// 52 or 53.
pub fn iso_weeks_in_year(year: i32) -> u32 {
    NaiveDate::from_ymd_opt(year, 12, 28)
        .expect("valid date")
        .iso_week()
        .week()
}

/// Parses a `YYYY-MM-DD` date, strictly (no times, no other spellings).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    #[test]
    fn week_53_exists_only_in_long_years() {
        assert_eq!(iso_weeks_in_year(2020), 53);
        assert_eq!(iso_weeks_in_year(2015), 53);
        assert_eq!(iso_weeks_in_year(2021), 52);
        assert!(Week::from_iso(2020, 53).is_some());
        assert_eq!(
            Week::parse("2153"),
            Err(WeekError::NoSuchWeek {
                year: 2021,
                week: 53
            })
        );
    }

    #[test]
    fn thursday_rule_assigns_straddling_weeks() {
        // 2020-W53 runs Mon 2020-12-28 .. Sun 2021-01-03; its Thursday is 2020-12-31.
        let w53 = Week::parse("2053").unwrap();
        assert_eq!(w53.monday(), date("2020-12-28"));
        assert_eq!(w53.month().to_string(), "2020-12");
        // 2021-W01 starts Mon 2021-01-04.
        assert_eq!(w53.next().iso(), (2021, 1));
        // 2019-W18 runs Mon 04-29 .. Sun 05-05, Thursday 05-02: May.
        assert_eq!(Week::parse("1918").unwrap().month().to_string(), "2019-05");
    }

    #[test]
    fn months_have_four_or_five_weeks() {
        let dec2020 = Month::new(2020, 12).unwrap();
        let weeks = dec2020.weeks();
        assert_eq!(weeks.start().iso(), (2020, 49));
        assert_eq!(weeks.end().iso(), (2020, 53));
        let jan2021 = Month::new(2021, 1).unwrap();
        assert_eq!(jan2021.weeks().start().iso(), (2021, 1));
        assert_eq!(jan2021.weeks().end().iso(), (2021, 4));
        for index in Month::new(1995, 1).unwrap().index()..Month::new(2030, 1).unwrap().index() {
            let month = Month::from_index(index);
            let n = month.weeks().end().since(*month.weeks().start()) + 1;
            assert!(n == 4 || n == 5, "{month} has {n} weeks");
            for week in month.weeks().start().index()..=month.weeks().end().index() {
                assert_eq!(Week::from_index(week).month(), month);
            }
        }
    }

    #[test]
    fn every_day_1990_to_2040_lies_in_its_week_and_round_trips() {
        // Exhaustive over the register's whole range: cheaper than sampling, and it cannot miss
        // a year boundary.
        let mut day = date("1990-01-01");
        while day <= date("2040-12-31") {
            let week = Week::of_date(day);
            assert!(
                week.monday() <= day && day < week.monday() + Duration::days(7),
                "{day}"
            );
            let (year, number) = week.iso();
            assert_eq!(Week::from_iso(year, number), Some(week), "{day}");
            if (1990..2090).contains(&year) {
                assert_eq!(Week::parse(&week.dream_column()[2..]), Ok(week), "{day}");
            }
            assert!(week.month().weeks().contains(&week), "{day}");
            let month = Month::of_date(day);
            assert_eq!(Month::parse(&month.to_string()), Some(month), "{day}");
            day += Duration::days(1);
        }
    }

    #[test]
    fn spellings_round_trip() {
        let week = Week::parse("2021-W07").unwrap();
        assert_eq!(week.dream_column(), "y_2107");
        assert_eq!(Week::parse("2107").unwrap(), week);
        assert_eq!(Week::parse("9901").unwrap().iso(), (1999, 1));
        assert_eq!(Week::parse("y_2107"), Err(WeekError::Malformed));
        assert_eq!(Month::parse("2022-06").unwrap().to_string(), "2022-06");
        assert_eq!(Month::parse("2022-13"), None);
        assert_eq!(Month::parse("2022-6"), None);
        assert_eq!(parse_date("2021-02-30"), None);
        assert_eq!(
            Month::of_date(date("2021-02-28")).since(Month::new(2020, 12).unwrap()),
            2
        );
    }
}
