//! Stage 1, load and validate: read a dataset's files (cohort, DREAM, income, code table), check
//! every cell, and hand the next stage typed, person-indexed data plus a report of what was read.
//!
//! Headers of all files are checked before any rows are read, so a misnamed column fails in
//! milliseconds, not after a 1.5 GB DREAM file. By default any problem stops the run with the
//! whole (capped) list; `drop_invalid` drops the offending rows instead and counts them.

pub mod binary;
pub mod codes;
pub mod cohort;
pub mod dream;
pub mod income;
pub mod keys;
pub mod source;

use crate::calendar::{Month, Week};
use crate::dataset::Dataset;
use crate::error::{DataError, Problem, Problems};
use crate::progress::Progress;
use anyhow::Result;
use std::collections::BTreeMap;

pub use codes::{CodeTable, WeekState, CATEGORIES};
pub use cohort::Cohort;
pub use dream::{DreamReport, WeekStates};
pub use income::{Income, IncomeReport, Job};

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Drop rows with problems (and count them) instead of stopping.
    pub drop_invalid: bool,
    /// How many problems to list in full.
    pub max_problems: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            drop_invalid: false,
            max_problems: crate::error::DEFAULT_PROBLEM_CAP,
        }
    }
}

/// What was read, for `validate` and for provenance.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub cohort_rows: u64,
    pub dream: DreamReport,
    pub income: IncomeReport,
    /// Rows dropped per file (only with `drop_invalid`).
    pub dropped_rows: BTreeMap<String, u64>,
    /// Problems found; with `drop_invalid` these describe the dropped rows.
    pub problems: Problems,
}

impl LoadReport {
    /// The register persons not in the cohort, in words, for stderr on every run (spec
    /// `data-formats.md`, "Person keys must meet"); `None` when every person met.
    pub fn strangers(&self, dataset: &Dataset) -> Option<String> {
        let (dream, income) = (self.dream.keys.strangers, self.income.keys.strangers);
        (dream + income > 0).then(|| {
            format!(
                "dataset {}: {dream} person(s) in {} and {income} in {} are not in the cohort (not used)",
                dataset.name, dataset.dream.name, dataset.income.name
            )
        })
    }
}

/// Threaded through the readers: collects problems and dropped rows.
pub struct LoadContext {
    pub problems: Problems,
    pub report: LoadReport,
}

impl LoadContext {
    /// A row with problems: its problems are recorded and the row is not used.
    pub fn reject_row(&mut self, problems: Vec<Problem>) {
        if let Some(first) = problems.first() {
            *self
                .report
                .dropped_rows
                .entry(first.file.clone())
                .or_default() += 1;
        }
        self.problems.extend_from(problems);
    }
}

/// The observed window (spec `metrics.md` §1, "Coverage").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Coverage {
    pub first_week: Week,
    pub last_week: Week,
    pub income_from: Option<Month>,
    pub income_through: Month,
    /// First and last month whose weeks all lie in DREAM's coverage and that the income register
    /// covers; `None` when no month is observed.
    pub months: Option<(Month, Month)>,
}

impl Coverage {
    pub fn new(
        first_week: Week,
        last_week: Week,
        income_from: Option<Month>,
        income_through: Month,
    ) -> Coverage {
        let mut first = first_week.month();
        if *first.weeks().start() < first_week {
            first = first.offset(1);
        }
        let mut last = last_week.month();
        if *last.weeks().end() > last_week {
            last = last.offset(-1);
        }
        if let Some(from) = income_from {
            first = first.max(from);
        }
        last = last.min(income_through);
        Coverage {
            first_week,
            last_week,
            income_from,
            income_through,
            months: (first <= last).then_some((first, last)),
        }
    }

    pub fn observes(&self, month: Month) -> bool {
        self.months
            .is_some_and(|(first, last)| month >= first && month <= last)
    }
}

/// A dataset read and checked, ready for the panel.
pub struct Loaded {
    pub dataset: Dataset,
    pub codes: CodeTable,
    pub cohort: Cohort,
    pub weeks: WeekStates,
    pub income: Income,
    pub coverage: Coverage,
    pub report: LoadReport,
}

/// Reads and validates every file of the dataset, counting each file's rows on `progress`. Fails
/// with the list of problems unless `drop_invalid` is set (then the problems stay in the report
/// and the rows are dropped).
pub fn load(dataset: &Dataset, options: &LoadOptions, progress: &Progress) -> Result<Loaded> {
    let mut context = LoadContext {
        problems: Problems::with_cap(options.max_problems),
        report: LoadReport::default(),
    };
    let codes = CodeTable::load(dataset.codes.as_ref(), dataset.cohort.encoding)?;
    let tables = [&dataset.cohort, &dataset.dream, &dataset.income]
        .map(|source| source::Table::open(source).map(|table| table.reporting(progress)));
    let [cohort_table, dream_table, income_table] = tables;
    let (cohort_table, dream_table, income_table) = (cohort_table?, dream_table?, income_table?);

    let cohort = cohort::read(&cohort_table, &mut context)?;
    let declared = income::Coverage {
        from: dataset.income_from,
        through: dataset.income_through,
        sum_duplicates: dataset.sum_duplicate_income,
    };
    // DREAM and the income register only share the (read-only) cohort, so they are read at the
    // same time: each is a single-threaded parse of a large file. The income reader collects its
    // problems apart, and they are appended after DREAM's so the list stays in a fixed order.
    let mut income_context = LoadContext {
        problems: Problems::with_cap(options.max_problems),
        report: LoadReport::default(),
    };
    let (dream, income) = std::thread::scope(|scope| {
        let income =
            scope.spawn(|| income::read(&income_table, &cohort, &declared, &mut income_context));
        let dream = dream::read(&dream_table, &codes, &cohort, &mut context);
        let income = income
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (dream, income)
    });
    let (dream, income) = (dream?, income?);
    context.problems.extend(income_context.problems);
    for (file, rows) in income_context.report.dropped_rows {
        *context.report.dropped_rows.entry(file).or_default() += rows;
    }

    // Problems that no row can be dropped for (a header, an unknown code) always stop the run.
    let undroppable = context.problems.kept().iter().any(|p| {
        matches!(
            p.location,
            crate::error::Location::Header | crate::error::Location::File
        )
    });
    if !context.problems.is_empty() && (!options.drop_invalid || undroppable) {
        return Err(DataError::Invalid(context.problems).into());
    }
    let (Some((weeks, dream_report)), Some((income, income_report))) = (dream, income) else {
        return Err(DataError::Invalid(context.problems).into());
    };
    let income_through = income.through.unwrap_or_else(|| weeks.last_week().month());
    let coverage = Coverage::new(
        weeks.first_week,
        weeks.last_week(),
        dataset.income_from,
        income_through,
    );
    keys::check(
        &cohort,
        &dataset.cohort.name,
        &[
            (&dataset.dream.name, &dream_report.keys),
            (&dataset.income.name, &income_report.keys),
        ],
    )?;
    context.report.dream = dream_report;
    context.report.income = income_report;
    context.report.problems = context.problems;
    Ok(Loaded {
        dataset: dataset.clone(),
        codes,
        cohort,
        weeks,
        income,
        coverage,
        report: context.report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_needs_every_week_of_a_month() {
        // DREAM 2020-W27 (Mon 06-29, Thu 07-02: July) .. 2021-W26 (Thu 07-01: July 2021).
        let first = Week::parse("2027").unwrap();
        let last = Week::parse("2126").unwrap();
        let through = Month::new(2021, 5).unwrap();
        let coverage = Coverage::new(first, last, None, through);
        assert_eq!(
            coverage.months,
            Some((Month::new(2020, 7).unwrap(), through))
        );
        // Without the income limit, July 2021 lacks its later weeks: June 2021 is the last.
        let coverage = Coverage::new(first, last, None, Month::new(2030, 1).unwrap());
        assert_eq!(coverage.months.unwrap().1, Month::new(2021, 6).unwrap());
        // Starting mid-month (2020-W28 is July's second week) loses July.
        let coverage = Coverage::new(first.next(), last, None, through);
        assert_eq!(coverage.months.unwrap().0, Month::new(2020, 8).unwrap());
        assert!(!coverage.observes(Month::new(2020, 7).unwrap()));
    }
}
