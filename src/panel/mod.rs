//! Stage 2, the person-month panel (spec `metrics.md` §2): for each cohort person and each
//! observed month in the analysis range, the month's weeks by category, benefit weeks, paid hours,
//! wage and employers, and the derived statuses. It is the one derived table every metric reads.
//!
//! The per-month counts are computed straight from the week matrix: a month's weeks are a known,
//! contiguous run of columns (the Thursday rule), so nothing is unpivoted into rows.

pub mod statuses;
pub mod write;

use crate::calendar::Month;
use crate::load::{Coverage, Income, Loaded, WeekState, WeekStates, CATEGORIES};
use anyhow::Result;
use polars::prelude::*;
pub use statuses::{StatusParams, STATUSES};

/// How the panel is cut.
#[derive(Debug, Clone)]
pub struct PanelOptions {
    /// Months before the start month to include (spec default 36).
    pub months_before: u32,
    /// Months after the start month to include; `None`: through the end of coverage.
    pub months_after: Option<u32>,
    /// An employer counts in `employers` when its hours in the month are > 0 and >= this.
    pub min_hours_per_employer: f64,
    pub statuses: StatusParams,
}

impl Default for PanelOptions {
    fn default() -> Self {
        PanelOptions {
            months_before: 36,
            months_after: None,
            min_hours_per_employer: 0.0,
            statuses: StatusParams::default(),
        }
    }
}

/// The person-month panel and the person-level facts metrics need beside it.
pub struct Panel {
    /// One row per person and observed month: `person` (cohort row index), `month` (month index,
    /// see [`Month::index`]), `rel_month`, `weeks`, `benefit_weeks`, `weeks_<category>`, `hours`,
    /// `wage`, `n_employers`, then the statuses. Sorted by person, then month.
    pub months: DataFrame,
    /// One row per cohort person: `person`, `person_id`, `start_date`, `start_month`,
    /// `start_week`, `first_observed_rel_month` and `followup_months` (first and last observed
    /// `rel_month`, from coverage alone), `end_date`, then the cohort's
    /// covariates as text.
    pub persons: DataFrame,
    /// The week matrix, for metrics that need weeks (spells, history).
    pub weeks: WeekStates,
    /// The income rows, for metrics that need employers (same-employer retention).
    pub income: Income,
    pub coverage: Coverage,
    pub options: PanelOptions,
}

/// Builds the panel from a loaded dataset.
pub fn build(loaded: Loaded, options: &PanelOptions) -> Result<Panel> {
    let Loaded {
        cohort,
        weeks,
        income,
        coverage,
        ..
    } = loaded;
    let counts = month_counts(&cohort, &weeks, &income, &coverage, options);
    let months = counts
        .into_frame(income.has_wage)?
        .lazy()
        .with_columns(statuses::status_exprs(&options.statuses))
        .collect()
        .map_err(|err| anyhow::anyhow!("computing the panel's statuses: {err}"))?;
    let persons = person_frame(&cohort, &coverage)?;
    Ok(Panel {
        months,
        persons,
        weeks,
        income,
        coverage,
        options: options.clone(),
    })
}

/// The panel's count columns, built row by row before becoming a frame.
struct MonthCounts {
    person: Vec<u32>,
    month: Vec<i32>,
    rel_month: Vec<i32>,
    weeks: Vec<u8>,
    benefit_weeks: Vec<u8>,
    category_weeks: [Vec<u8>; CATEGORIES.len()],
    hours: Vec<f64>,
    wage: Vec<f64>,
    n_employers: Vec<u32>,
}

impl MonthCounts {
    /// Exact capacity, so a 60-million-row panel is not built by repeated doubling.
    fn with_capacity(rows: usize) -> MonthCounts {
        MonthCounts {
            person: Vec::with_capacity(rows),
            month: Vec::with_capacity(rows),
            rel_month: Vec::with_capacity(rows),
            weeks: Vec::with_capacity(rows),
            benefit_weeks: Vec::with_capacity(rows),
            category_weeks: std::array::from_fn(|_| Vec::with_capacity(rows)),
            hours: Vec::with_capacity(rows),
            wage: Vec::with_capacity(rows),
            n_employers: Vec::with_capacity(rows),
        }
    }

    fn into_frame(self, has_wage: bool) -> Result<DataFrame> {
        let height = self.person.len();
        let mut columns: Vec<Column> = vec![
            UInt32Chunked::from_vec("person".into(), self.person).into_column(),
            Int32Chunked::from_vec("month".into(), self.month).into_column(),
            Int32Chunked::from_vec("rel_month".into(), self.rel_month).into_column(),
            UInt8Chunked::from_vec("weeks".into(), self.weeks).into_column(),
            UInt8Chunked::from_vec("benefit_weeks".into(), self.benefit_weeks).into_column(),
        ];
        for (category, counts) in CATEGORIES.iter().zip(self.category_weeks) {
            columns.push(
                UInt8Chunked::from_vec(format!("weeks_{category}").into(), counts).into_column(),
            );
        }
        columns.push(Float64Chunked::from_vec("hours".into(), self.hours).into_column());
        columns.push(if has_wage {
            Float64Chunked::from_vec("wage".into(), self.wage).into_column()
        } else {
            Column::full_null("wage".into(), height, &DataType::Float64)
        });
        columns.push(UInt32Chunked::from_vec("n_employers".into(), self.n_employers).into_column());
        Ok(DataFrame::new(height, columns)?)
    }
}

/// The months of the panel for a person who started in `start_month`.
pub fn person_months(
    start_month: Month,
    coverage: &Coverage,
    options: &PanelOptions,
) -> Option<(Month, Month)> {
    let (first_observed, last_observed) = coverage.months?;
    let first = first_observed.max(start_month.offset(-(options.months_before as i32)));
    let last = match options.months_after {
        Some(after) => last_observed.min(start_month.offset(after as i32)),
        None => last_observed,
    };
    (first <= last).then_some((first, last))
}

fn month_counts(
    cohort: &crate::load::Cohort,
    weeks: &WeekStates,
    income: &Income,
    coverage: &Coverage,
    options: &PanelOptions,
) -> MonthCounts {
    let rows = cohort
        .start_dates
        .iter()
        .filter_map(|date| person_months(Month::of_date(*date), coverage, options))
        .map(|(first, last)| last.since(first) as usize + 1)
        .sum();
    let mut counts = MonthCounts::with_capacity(rows);
    let mut jobs = income.jobs.iter().peekable();
    for (person, start_date) in cohort.start_dates.iter().enumerate() {
        let person = person as u32;
        let start_month = Month::of_date(*start_date);
        let states = weeks.person(person);
        if let Some((first, last)) = person_months(start_month, coverage, options) {
            for index in first.index()..=last.index() {
                let month = Month::from_index(index);
                counts.person.push(person);
                counts.month.push(index);
                counts.rel_month.push(month.since(start_month));
                let (mut n_weeks, mut benefit_weeks) = (0u8, 0u8);
                let mut per_category = [0u8; CATEGORIES.len()];
                let month_weeks = month.weeks();
                let from = month_weeks.start().since(weeks.first_week) as usize;
                let to = month_weeks.end().since(weeks.first_week) as usize;
                for &byte in &states[from..=to] {
                    let state = WeekState::from_byte(byte);
                    n_weeks += 1;
                    benefit_weeks += state.public_support() as u8;
                    if let Some(category) = state.category() {
                        per_category[category] += 1;
                    }
                }
                counts.weeks.push(n_weeks);
                counts.benefit_weeks.push(benefit_weeks);
                for (column, count) in counts.category_weeks.iter_mut().zip(per_category) {
                    column.push(count);
                }
                let (mut hours, mut wage, mut employers) = (0.0, 0.0, 0u32);
                while let Some(job) = jobs.peek() {
                    if (job.person, job.month) > (person, month) {
                        break;
                    }
                    if (job.person, job.month) == (person, month) {
                        hours += job.hours;
                        wage += job.wage;
                        employers += counts_as_employer(job.hours, options) as u32;
                    }
                    jobs.next();
                }
                counts.hours.push(hours);
                counts
                    .wage
                    .push(if income.has_wage { wage } else { f64::NAN });
                counts.n_employers.push(employers);
            }
        }
        while jobs.peek().is_some_and(|job| job.person == person) {
            jobs.next();
        }
    }
    counts
}

/// Whether an employer's hours in a month make it one of the month's `employers`.
pub fn counts_as_employer(hours: f64, options: &PanelOptions) -> bool {
    hours > 0.0 && hours >= options.min_hours_per_employer
}

fn person_frame(cohort: &crate::load::Cohort, coverage: &Coverage) -> Result<DataFrame> {
    let n = cohort.len();
    let start_months: Vec<i32> = cohort
        .start_dates
        .iter()
        .map(|d| Month::of_date(*d).index())
        .collect();
    let followup: Vec<Option<i32>> = start_months
        .iter()
        .map(|&start| coverage.months.map(|(_, last)| last.index() - start))
        .collect();
    let first_observed: Vec<Option<i32>> = start_months
        .iter()
        .map(|&start| coverage.months.map(|(first, _)| first.index() - start))
        .collect();
    let mut columns = vec![
        UInt32Chunked::from_vec("person".into(), (0..n as u32).collect()).into_column(),
        Column::new("person_id".into(), &cohort.person_ids),
        Column::new(
            "start_date".into(),
            cohort
                .start_dates
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>(),
        ),
        Int32Chunked::from_vec("start_month".into(), start_months).into_column(),
        Int32Chunked::from_vec(
            "start_week".into(),
            cohort
                .start_dates
                .iter()
                .map(|d| crate::calendar::Week::of_date(*d).index())
                .collect(),
        )
        .into_column(),
        Column::new("first_observed_rel_month".into(), first_observed),
        Column::new("followup_months".into(), followup),
        Column::new(
            "end_date".into(),
            cohort
                .end_dates
                .iter()
                .map(|d| d.map(|d| d.to_string()))
                .collect::<Vec<_>>(),
        ),
    ];
    for attribute in &cohort.attributes {
        columns.push(Column::new(
            attribute.name.as_str().into(),
            &attribute.values,
        ));
    }
    Ok(DataFrame::new(n, columns)?)
}

/// The panel columns a query expression may use: counts, hours and the built-in statuses.
pub fn expression_columns() -> Vec<String> {
    ["rel_month", "weeks", "benefit_weeks"]
        .into_iter()
        .map(String::from)
        .chain(CATEGORIES.iter().map(|c| format!("weeks_{c}")))
        .chain(["hours", "wage", "n_employers"].map(String::from))
        .chain(STATUSES.iter().map(|s| s.to_string()))
        .collect()
}
