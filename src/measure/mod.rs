//! What every metric computes from, and the pieces several metrics share (`design/layout.md`'s
//! `measure/`): the query's window, the population's persons and months (`input`), per-group
//! aggregation with a total row (`common`), the persons as typed vectors with their
//! groups (`persons`), monthly counts and rolling points (`curve`), and
//! week-level runs (`weeks`). Below `metrics`: nothing here knows a metric.

pub mod common;
pub mod curve;
pub mod input;
pub mod persons;
pub mod weeks;

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
    /// The run's small-cell threshold when it suppresses: curves over months pool adjacent months
    /// until no period's count is small (spec `disclosure.md` §3). `None`: every month shown.
    pub pool_below: Option<u64>,
}
