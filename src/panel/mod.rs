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
use crate::progress::{Counter, Progress};
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

/// Builds the panel from a loaded dataset, counting the persons done on `progress`.
pub fn build(loaded: Loaded, options: &PanelOptions, progress: &Progress) -> Result<Panel> {
    let Loaded {
        cohort,
        weeks,
        income,
        coverage,
        ..
    } = loaded;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let done = progress.persons("building the panel", Some(cohort.len() as u64));
    let counts = month_counts(&cohort, &weeks, &income, &coverage, options, threads, &done);
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

/// The panel's count columns, filled in place (see [`month_counts`]) before becoming a frame.
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
    /// Exactly `rows` rows, so a 60-million-row panel is neither grown by doubling nor copied.
    fn zeroed(rows: usize) -> MonthCounts {
        MonthCounts {
            person: vec![0; rows],
            month: vec![0; rows],
            rel_month: vec![0; rows],
            weeks: vec![0; rows],
            benefit_weeks: vec![0; rows],
            category_weeks: std::array::from_fn(|_| vec![0; rows]),
            hours: vec![0.0; rows],
            wage: vec![0.0; rows],
            n_employers: vec![0; rows],
        }
    }

    fn rows(&mut self) -> CountRows<'_> {
        CountRows {
            person: &mut self.person,
            month: &mut self.month,
            rel_month: &mut self.rel_month,
            weeks: &mut self.weeks,
            benefit_weeks: &mut self.benefit_weeks,
            category_weeks: self.category_weeks.each_mut().map(|c| c.as_mut_slice()),
            hours: &mut self.hours,
            wage: &mut self.wage,
            n_employers: &mut self.n_employers,
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

/// A run of consecutive rows of [`MonthCounts`], so that threads can fill disjoint persons.
struct CountRows<'a> {
    person: &'a mut [u32],
    month: &'a mut [i32],
    rel_month: &'a mut [i32],
    weeks: &'a mut [u8],
    benefit_weeks: &'a mut [u8],
    category_weeks: [&'a mut [u8]; CATEGORIES.len()],
    hours: &'a mut [f64],
    wage: &'a mut [f64],
    n_employers: &'a mut [u32],
}

impl<'a> CountRows<'a> {
    fn split_at(self, row: usize) -> (CountRows<'a>, CountRows<'a>) {
        let (person, person_rest) = self.person.split_at_mut(row);
        let (month, month_rest) = self.month.split_at_mut(row);
        let (rel_month, rel_month_rest) = self.rel_month.split_at_mut(row);
        let (weeks, weeks_rest) = self.weeks.split_at_mut(row);
        let (benefit_weeks, benefit_weeks_rest) = self.benefit_weeks.split_at_mut(row);
        let (hours, hours_rest) = self.hours.split_at_mut(row);
        let (wage, wage_rest) = self.wage.split_at_mut(row);
        let (n_employers, n_employers_rest) = self.n_employers.split_at_mut(row);
        let (category_weeks, category_rest): (Vec<_>, Vec<_>) = self
            .category_weeks
            .into_iter()
            .map(|column| column.split_at_mut(row))
            .unzip();
        let whole = |columns: Vec<&'a mut [u8]>| columns.try_into().expect("one per category");
        let (category_weeks, category_rest) = (whole(category_weeks), whole(category_rest));
        (
            CountRows {
                person,
                month,
                rel_month,
                weeks,
                benefit_weeks,
                category_weeks,
                hours,
                wage,
                n_employers,
            },
            CountRows {
                person: person_rest,
                month: month_rest,
                rel_month: rel_month_rest,
                weeks: weeks_rest,
                benefit_weeks: benefit_weeks_rest,
                category_weeks: category_rest,
                hours: hours_rest,
                wage: wage_rest,
                n_employers: n_employers_rest,
            },
        )
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

/// The count columns for every person-month. The persons are cut into one run per core, each
/// filling its own rows and reading its own slice of the (person-sorted) income rows, so the
/// result is the same whatever the number of threads. Each thread counts its persons on `done`.
fn month_counts(
    cohort: &crate::load::Cohort,
    weeks: &WeekStates,
    income: &Income,
    coverage: &Coverage,
    options: &PanelOptions,
    threads: usize,
    done: &Counter,
) -> MonthCounts {
    // Row offsets: person p's months are rows first_row[p]..first_row[p + 1].
    let mut first_row = Vec::with_capacity(cohort.len() + 1);
    first_row.push(0usize);
    let mut spans = Vec::with_capacity(cohort.len());
    for date in &cohort.start_dates {
        let start_month = Month::of_date(*date);
        let span = person_months(start_month, coverage, options);
        let rows = span.map_or(0, |(first, last)| last.since(first) as usize + 1);
        first_row.push(first_row.last().expect("starts with 0") + rows);
        spans.push((start_month, span));
    }
    let rows = *first_row.last().expect("starts with 0");
    // A month's weeks by column offset, computed once per month rather than once per row.
    let month_weeks = |month: Month| {
        let weeks_of_month = month.weeks();
        (
            weeks_of_month.start().since(weeks.first_week) as usize,
            weeks_of_month.end().since(weeks.first_week) as usize,
        )
    };
    let (first_index, week_ranges) = match coverage.months {
        Some((first, last)) => (
            first.index(),
            (first.index()..=last.index())
                .map(|index| month_weeks(Month::from_index(index)))
                .collect(),
        ),
        None => (0, Vec::new()),
    };
    let fill = Fill {
        weeks,
        has_wage: income.has_wage,
        options,
        first_index,
        week_ranges: &week_ranges,
    };

    let mut counts = MonthCounts::zeroed(rows);
    let persons = spans.len();
    // Cut points: persons whose first row is nearest each 1/threads of the rows.
    let mut cuts: Vec<usize> = (1..threads)
        .map(|t| {
            first_row
                .partition_point(|&row| row < rows * t / threads)
                .min(persons)
        })
        .collect();
    cuts.push(persons);
    cuts.dedup();
    std::thread::scope(|scope| {
        let mut rest = counts.rows();
        let mut from = 0usize;
        for &to in &cuts {
            let (part, tail) = rest.split_at(first_row[to] - first_row[from]);
            rest = tail;
            let jobs = person_jobs(&income.jobs, from as u32, to as u32);
            let (fill, spans) = (&fill, &spans[from..to]);
            let mut done = done.share();
            scope.spawn(move || fill.persons(from as u32, spans, jobs, part, &mut done));
            from = to;
        }
    });
    counts
}

/// The income rows of persons `from..to` (the rows are sorted by person).
fn person_jobs(jobs: &[crate::load::Job], from: u32, to: u32) -> &[crate::load::Job] {
    let start = jobs.partition_point(|job| job.person < from);
    let end = jobs.partition_point(|job| job.person < to);
    &jobs[start..end]
}

/// What filling a run of persons' rows reads.
struct Fill<'a> {
    weeks: &'a WeekStates,
    has_wage: bool,
    options: &'a PanelOptions,
    /// Month index of `week_ranges[0]`.
    first_index: i32,
    /// Per observed month, its first and last week as column offsets in `weeks`.
    week_ranges: &'a [(usize, usize)],
}

impl Fill<'_> {
    fn persons(
        &self,
        first_person: u32,
        spans: &[(Month, Option<(Month, Month)>)],
        jobs: &[crate::load::Job],
        mut out: CountRows<'_>,
        done: &mut Counter,
    ) {
        let mut jobs = jobs.iter().peekable();
        let mut row = 0;
        for (offset, (start_month, span)) in spans.iter().enumerate() {
            done.tick();
            let person = first_person + offset as u32;
            let states = self.weeks.person(person);
            let Some((first, last)) = span else {
                continue;
            };
            for index in first.index()..=last.index() {
                let month = Month::from_index(index);
                out.person[row] = person;
                out.month[row] = index;
                out.rel_month[row] = month.since(*start_month);
                let (from, to) = self.week_ranges[(index - self.first_index) as usize];
                let (mut benefit_weeks, mut per_category) = (0u8, [0u8; CATEGORIES.len()]);
                for &byte in &states[from..=to] {
                    let state = WeekState::from_byte(byte);
                    benefit_weeks += state.public_support() as u8;
                    if let Some(category) = state.category() {
                        per_category[category] += 1;
                    }
                }
                out.weeks[row] = (to - from + 1) as u8;
                out.benefit_weeks[row] = benefit_weeks;
                for (column, count) in out.category_weeks.iter_mut().zip(per_category) {
                    column[row] = count;
                }
                let (mut hours, mut wage, mut employers) = (0.0, 0.0, 0u32);
                while let Some(job) = jobs.peek() {
                    if (job.person, job.month) > (person, month) {
                        break;
                    }
                    if (job.person, job.month) == (person, month) {
                        hours += job.hours;
                        wage += job.wage;
                        employers += counts_as_employer(job.hours, self.options) as u32;
                    }
                    jobs.next();
                }
                out.hours[row] = hours;
                out.wage[row] = if self.has_wage { wage } else { f64::NAN };
                out.n_employers[row] = employers;
                row += 1;
            }
            while jobs.peek().is_some_and(|job| job.person == person) {
                jobs.next();
            }
        }
    }
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
    numeric_columns()
        .into_iter()
        .chain(STATUSES.iter().map(|s| s.to_string()))
        .collect()
}

/// The panel's number columns an expression may use (the rest are yes/no statuses).
pub fn numeric_columns() -> Vec<String> {
    ["rel_month", "weeks", "benefit_weeks"]
        .into_iter()
        .map(String::from)
        .chain(CATEGORIES.iter().map(|c| format!("weeks_{c}")))
        .chain(["hours", "wage", "n_employers"].map(String::from))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_do_not_depend_on_the_number_of_threads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples/tiny");
        let dataset = crate::dataset::Dataset::open(&dir).expect("tiny dataset");
        let loaded = crate::load::load(&dataset, &Default::default(), &Progress::quiet())
            .expect("tiny loads");
        let options = PanelOptions::default();
        let done = Progress::quiet().persons("", None);
        let frame = |threads| {
            month_counts(
                &loaded.cohort,
                &loaded.weeks,
                &loaded.income,
                &loaded.coverage,
                &options,
                threads,
                &done,
            )
            .into_frame(loaded.income.has_wage)
            .expect("frame")
        };
        let one = frame(1);
        assert!(
            one.height() > 100,
            "tiny has {} person-months",
            one.height()
        );
        // More threads than persons leaves some runs empty.
        for threads in [2, 3, 4, 7, 20] {
            assert!(one.equals_missing(&frame(threads)), "{threads} threads");
        }
    }
}
