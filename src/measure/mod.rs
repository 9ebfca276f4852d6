//! What every metric computes from, and the pieces several metrics share (`design/layout.md`'s
//! `measure/`): the query's window, the population's persons and months (`input`), per-group
//! aggregation with a total row (`common`), the persons as typed vectors with their
//! groups (`persons`), monthly counts and rolling points (`curve`), and
//! week-level runs (`weeks`). Below `metrics`: nothing here knows a metric.

pub mod common;
pub mod curve;
pub mod input;
pub mod persons;
pub mod population;
pub mod weeks;

use crate::calendar::Month;
use crate::panel::Panel;
use polars::prelude::DataFrame;
use serde::{Deserialize, Serialize};

/// The analysis window of a query, in months relative to each person's start month (both ends
/// inclusive), or in calendar months for metrics that index by calendar month.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// First `rel_month` (default 0, the start month).
    pub from: Option<i32>,
    /// Last `rel_month` (default: the end of each person's follow-up).
    pub to: Option<i32>,
    /// First calendar month `YYYY-MM` (calendar metrics).
    pub from_month: Option<String>,
    /// Last calendar month `YYYY-MM` (calendar metrics).
    pub to_month: Option<String>,
}

impl Window {
    /// A window of `rel_month`s, `from` (default 0) through `to` (default: end of follow-up).
    pub fn rel(from: Option<i32>, to: Option<i32>) -> Window {
        Window {
            from,
            to,
            ..Window::default()
        }
    }

    pub fn from(&self) -> i32 {
        self.from.unwrap_or(0)
    }

    /// The `rel_month`s of the window as notes print them: `from..to`, or `from..the end of
    /// follow-up`.
    pub fn range(&self) -> String {
        match self.to {
            Some(to) => format!("{}..{to}", self.from()),
            None => format!("{}..the end of follow-up", self.from()),
        }
    }
}

/// Where each person's follow-up ends (spec `metrics.md` §6, a query's `[params] followup_end`):
/// at the end of coverage, or at the cohort's `end_date` when that comes first. Months after the
/// end are censored like months after coverage, never counted as "no outcome".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowupEnd {
    /// The last month both registers cover.
    #[default]
    Coverage,
    /// The month of the person's `end_date` (that month is followed, later ones are not), or
    /// coverage when it ends sooner or the person has no `end_date`.
    EndDate,
}

impl FollowupEnd {
    /// Every value with what it means, as a refusal lists them.
    pub const ALLOWED: &'static str = "\"coverage\" (the default: follow each person to the end of coverage) or \"end_date\" (end follow-up in the month of the person's end_date in the cohort, or at coverage when that comes first or there is none)";

    pub fn as_str(self) -> &'static str {
        match self {
            FollowupEnd::Coverage => "coverage",
            FollowupEnd::EndDate => "end_date",
        }
    }

    /// Parses the `[params] followup_end` value; the message names the key and the allowed values.
    pub fn parse(value: &toml::Value) -> Result<FollowupEnd, String> {
        match value.as_str() {
            Some("coverage") => Ok(FollowupEnd::Coverage),
            Some("end_date") => Ok(FollowupEnd::EndDate),
            Some(other) => Err(format!(
                "followup_end = {other:?}: unknown value; allowed: {}",
                FollowupEnd::ALLOWED
            )),
            None => Err(format!(
                "followup_end = {value}: expected text in quotes; allowed: {}",
                FollowupEnd::ALLOWED
            )),
        }
    }
}

/// The farthest a `rel_month` a query names may lie from the start month, either way, and the
/// longest span of months it may count (`rolling`, `k`, `horizon`): 100 years, longer than any
/// register's history or follow-up. Windows and spans size tables and allocations (a row per
/// month, a flag per person and month), so one of 2^31 months ran the machine out of memory.
pub const MAX_MONTHS: i32 = 1200;

/// The most ISO weeks a parameter may count (`weeks_before`, `horizon_weeks`, `min_weeks`): 100
/// years of them, 52 a year and 53 in the 17 or 18 years of a century that have a week 53.
pub const MAX_WEEKS: u32 = 5218;

/// The calendar years a query may name (`from_month`, `to_month`, a measured month): every month
/// a register holds (they reach back to the 1990s), and a calendar window of at most 3,612
/// months, where a year up to 9999 allowed 120,000.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Refuses a `rel_month` (`key = value`) more than [`MAX_MONTHS`] from the start month.
pub fn check_rel_month(key: &str, value: i64) -> Result<(), String> {
    if value.abs() > i64::from(MAX_MONTHS) {
        return Err(format!(
            "{key} = {value}: more than {MAX_MONTHS} months (100 years) from the start month"
        ));
    }
    Ok(())
}

/// Refuses a span of months (`key = value`) longer than [`MAX_MONTHS`].
pub fn check_months(key: &str, value: i64) -> Result<(), String> {
    if value > i64::from(MAX_MONTHS) {
        return Err(format!(
            "{key} = {value}: more than {MAX_MONTHS} months (100 years)"
        ));
    }
    Ok(())
}

/// Refuses a number of weeks (`key = value`) above [`MAX_WEEKS`].
pub fn check_weeks(key: &str, value: u32) -> Result<(), String> {
    if value > MAX_WEEKS {
        return Err(format!(
            "{key} = {value}: more than {MAX_WEEKS} weeks (100 years)"
        ));
    }
    Ok(())
}

/// Refuses a calendar month outside [`YEARS`].
pub fn check_year(key: &str, month: Month) -> Result<(), String> {
    if !YEARS.contains(&month.year()) {
        return Err(format!(
            "{key} = \"{:04}-{:02}\": outside the years {} to {}",
            month.year(),
            month.month_of_year(),
            YEARS.start(),
            YEARS.end()
        ));
    }
    Ok(())
}

impl Window {
    /// Refuses a window reaching beyond [`MAX_MONTHS`] or outside [`YEARS`]; the message names
    /// the `[window]` key. (That `from_month` and `to_month` are months is checked with the
    /// query.)
    pub fn check_bounds(&self) -> Result<(), String> {
        for (key, value) in [("from", self.from), ("to", self.to)] {
            if let Some(value) = value {
                check_rel_month(key, value.into())?;
            }
        }
        for (key, text) in [
            ("from_month", &self.from_month),
            ("to_month", &self.to_month),
        ] {
            if let Some(month) = text.as_deref().and_then(Month::parse) {
                check_year(key, month)?;
            }
        }
        Ok(())
    }
}

/// What a metric computes from.
pub struct MetricInput<'a> {
    pub panel: &'a Panel,
    /// One row per person of the query's population: `person`, the group columns (text, with
    /// [`crate::table::MISSING`] for an empty cell), `start_month`, `start_week`,
    /// `first_observed_rel_month`, `followup_months`.
    pub persons: DataFrame,
    /// The panel months of those persons: every panel column and status (including the query's
    /// own statuses), plus the group columns.
    pub months: DataFrame,
    pub group_by: &'a [String],
    pub window: &'a Window,
    /// Persons `population.at_start` could not test (their start month is not observed), left
    /// out: the runner says so in the result's notes, as small-cell suppression allows.
    pub untestable: u64,
    /// Where follow-up ends: with [`FollowupEnd::EndDate`], `persons.followup_months` is already
    /// capped at each person's end and `months` holds no month after it.
    pub followup_end: FollowupEnd,
    /// The run's small-cell threshold when it suppresses: curves over months pool adjacent months
    /// until no period's count is small (spec `disclosure.md` §3). `None`: every month shown.
    pub pool_below: Option<u64>,
}
