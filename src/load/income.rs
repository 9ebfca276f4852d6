//! The monthly income register (spec `data-formats.md` §3): paid hours and wage per person, month
//! and employer. Rows of cohort persons are kept as [`Job`]s sorted by person, month and employer,
//! which is what the panel walks; rows of other persons are counted and reported.

use super::source::{Reading, Table};
use super::LoadContext;
use crate::calendar::Month;
use crate::error::{Location, Problem};
use anyhow::Result;
use std::collections::{HashMap, HashSet};

const PERSON_ID: &[&str] = &["person_id", "pnr"];

/// One income-register row of a cohort person.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub person: u32,
    pub month: Month,
    /// Index into [`Income::employer_ids`].
    pub employer: u32,
    pub hours: f64,
    /// `NaN` when the register has no wage column.
    pub wage: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Income {
    /// Sorted by (person, month, employer); at most one row per triple.
    pub jobs: Vec<Job>,
    pub employer_ids: Vec<String>,
    pub has_wage: bool,
    /// The last month the register covers: declared in the manifest or the last month present.
    pub through: Option<Month>,
    pub through_declared: bool,
    pub first_month_present: Option<Month>,
    pub last_month_present: Option<Month>,
}

#[derive(Debug, Clone, Default)]
pub struct IncomeReport {
    pub rows: u64,
    pub cohort_rows: u64,
    pub rows_not_in_cohort: u64,
    pub persons_not_in_cohort: u64,
    pub cohort_persons: u64,
    pub duplicates_summed: u64,
    pub keys: super::keys::KeyMatch,
    pub by_file: super::keys::ByFile,
}

pub struct Coverage {
    pub from: Option<Month>,
    pub through: Option<Month>,
    pub sum_duplicates: bool,
}

pub fn read(
    table: &Table,
    cohort: &super::cohort::Cohort,
    declared: &Coverage,
    context: &mut LoadContext,
) -> Result<Option<(Income, IncomeReport)>> {
    let required = [
        table.require_column(PERSON_ID),
        table.require_column(&["month"]),
        table.require_column(&["employer_id"]),
        table.require_column(&["hours"]),
    ];
    if required.iter().any(|c| c.is_err()) {
        context
            .problems
            .extend_from(required.into_iter().filter_map(|c| c.err()));
        return Ok(None);
    }
    let [id_col, month_col, employer_col, hours_col] = required.map(|c| c.expect("checked"));
    let wage_col = table.column("wage");
    let mut income = Income {
        has_wage: wage_col.is_some(),
        through: declared.through,
        through_declared: declared.through.is_some(),
        ..Income::default()
    };
    let mut report = IncomeReport {
        keys: super::keys::KeyMatch::new(cohort),
        by_file: super::keys::ByFile::new(&table.file_names(), cohort),
        ..IncomeReport::default()
    };
    let mut employers: HashMap<String, u32> = HashMap::new();
    let mut others: HashSet<String> = HashSet::new();
    // Where each kept row is, for duplicate messages: (file, line or row).
    let mut lines: Vec<(u16, Location)> = Vec::new();
    let reading = Reading {
        text: vec![id_col, employer_col],
        numbers: [month_col, hours_col].into_iter().chain(wage_col).collect(),
    };
    report.rows = table.for_each_row_reading(Some(&reading), |location, record| {
        let mut row_problems = record.problems();
        let at = |column: &str, value: &str, message: &str| {
            Problem::new(record.file(), location.clone(), message)
                .column(column)
                .value(value)
        };
        let person_id = record.get(id_col).trim();
        if person_id.is_empty() {
            row_problems.push(at(&table.headers[id_col], "", "person key is empty"));
        }
        let month = record.month(month_col);
        match month {
            None => row_problems.push(at(&table.headers[month_col], &record.text(month_col), "expected a month YYYY-MM")),
            Some(month) => {
                if let Some(through) = declared.through.filter(|&t| month > t) {
                    row_problems.push(at(&table.headers[month_col], &record.text(month_col), &format!("month outside coverage: the manifest says the register covers months through {through} (income_through)")));
                }
                if let Some(from) = declared.from.filter(|&f| month < f) {
                    row_problems.push(at(&table.headers[month_col], &record.text(month_col), &format!("month outside coverage: the manifest says the register covers months from {from} (income_from)")));
                }
            }
        }
        let employer = record.get(employer_col).trim();
        if employer.is_empty() {
            row_problems.push(at(&table.headers[employer_col], "", "employer id is empty"));
        }
        let hours = record.amount(hours_col);
        if hours.is_none() {
            row_problems.push(at(&table.headers[hours_col], &record.text(hours_col), "expected paid hours as a number >= 0"));
        }
        let wage = match wage_col {
            None => Some(f64::NAN),
            Some(c) => {
                let wage = record.amount(c);
                if wage.is_none() {
                    row_problems.push(at(&table.headers[c], &record.text(c), "expected a wage in DKK as a number >= 0"));
                }
                wage
            }
        };
        if !row_problems.is_empty() {
            context.reject_row(row_problems);
            return Ok(());
        }
        let month = month.expect("checked");
        income.first_month_present = Some(income.first_month_present.map_or(month, |m| m.min(month)));
        income.last_month_present = Some(income.last_month_present.map_or(month, |m| m.max(month)));
        let file = table.file_index(record.file()) as usize;
        let Some(person) = cohort.person(person_id) else {
            report.rows_not_in_cohort += 1;
            if others.insert(person_id.to_string()) {
                report.keys.stranger(&cohort.loose, person_id);
            }
            report.by_file.stranger(file, &cohort.loose, person_id);
            return Ok(());
        };
        report.keys.met(person);
        report.by_file.met(file, person);
        let next_id = employers.len() as u32;
        let employer = *employers.entry(employer.to_string()).or_insert(next_id);
        income.jobs.push(Job {
            person,
            month,
            employer,
            hours: hours.expect("checked"),
            wage: wage.expect("checked"),
        });
        lines.push((table.file_index(record.file()), location));
        Ok(())
    })?;
    report.cohort_rows = income.jobs.len() as u64;
    report.persons_not_in_cohort = others.len() as u64;
    income.employer_ids = vec![String::new(); employers.len()];
    for (id, index) in employers {
        income.employer_ids[index as usize] = id;
    }
    if income.through.is_none() {
        income.through = income.last_month_present;
    }
    merge_duplicates(
        table,
        &mut income,
        lines,
        declared.sum_duplicates,
        &mut report,
        context,
    );
    let mut persons = income.jobs.iter().map(|job| job.person).collect::<Vec<_>>();
    persons.dedup();
    report.cohort_persons = persons.len() as u64;
    Ok(Some((income, report)))
}

/// Sorts the jobs and refuses (or, when the manifest says so, adds up) two rows for the same
/// person, month and employer.
fn merge_duplicates(
    table: &Table,
    income: &mut Income,
    lines: Vec<(u16, Location)>,
    sum_duplicates: bool,
    report: &mut IncomeReport,
    context: &mut LoadContext,
) {
    let mut order: Vec<usize> = (0..income.jobs.len()).collect();
    let key = |job: &Job| (job.person, job.month, job.employer);
    order.sort_by_key(|&i| (key(&income.jobs[i]), i));
    let mut merged: Vec<Job> = Vec::with_capacity(income.jobs.len());
    let mut first_of_last = 0;
    for i in order {
        let job = &income.jobs[i];
        match merged.last_mut() {
            Some(last) if key(last) == key(job) => {
                if sum_duplicates {
                    last.hours += job.hours;
                    last.wage += job.wage;
                    report.duplicates_summed += 1;
                } else {
                    let (file, location) = &lines[i];
                    let (first_file, first) = &lines[first_of_last];
                    // The first row's place, with its file when it is in another.
                    let first = if first_file == file {
                        first.to_string()
                    } else {
                        format!(
                            "{first} of {}",
                            table.source.files[*first_file as usize].name
                        )
                    };
                    context.reject_row(vec![Problem::new(
                        &table.source.files[*file as usize].name,
                        location.clone(),
                        format!(
                            "duplicate row for person, month {} and employer {} (first on {first}); set sum_duplicate_income = true in dataset.toml to add such rows up",
                            job.month, income.employer_ids[job.employer as usize]
                        ),
                    )
                    .column(&table.headers[employer_col(table)])
                    .value(income.employer_ids[job.employer as usize].clone())]);
                }
            }
            _ => {
                first_of_last = i;
                merged.push(job.clone());
            }
        }
    }
    income.jobs = merged;
}

/// A non-negative finite number; spaces around it are ignored.
pub(super) fn parse_amount(text: &str) -> Option<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|value| value.is_finite() && *value >= 0.0)
}

/// The employer column (checked present before any row is read).
fn employer_col(table: &Table) -> usize {
    table.column("employer_id").unwrap_or(0)
}
