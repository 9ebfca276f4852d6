//! Writing simulated persons in the register layouts of `spec/data-formats.md`: the cohort, wide
//! DREAM (one `y_YYWW` column per ISO week) and the long income register.
//!
//! A million persons make a DREAM file of about a gigabyte, so cells are written as bytes
//! straight into large buffers (no `String` per cell, no CSV library in the hot loop). Persons are
//! rendered in batches, optionally on several threads; batches are written strictly in person
//! order, so the bytes do not depend on the number of threads.

use super::scenario::Category;
use super::simulate::{simulate, IncomeRow, Plan, Trajectory};
use crate::calendar::Month;
use anyhow::{anyhow, Result};
use chrono::{Datelike, NaiveDate};
use std::io::Write;
use std::sync::mpsc;

/// The cohort's header; the project column takes the scenario's `project_column` name.
pub(crate) fn cohort_header(plan: &Plan) -> Vec<u8> {
    let mut header = b"person_id,start_date,arm,".to_vec();
    header.extend_from_slice(&csv_field(&plan.scenario.project_column));
    header.extend_from_slice(b",municipality,sex,birth_year,origin,benefit_group");
    if plan.scenario.has_exits() {
        header.extend_from_slice(b",end_date");
    }
    header.push(b'\n');
    header
}
pub(crate) const INCOME_HEADER: &[u8] = b"person_id,month,employer_id,hours,wage\n";

/// Persons per batch: large enough to amortise channel traffic, small enough to keep a few
/// batches in memory (about 1.2 MB of DREAM text per thousand persons over 280 weeks).
const BATCH: u64 = 1024;

/// The three outputs.
pub(crate) struct Sinks<'a> {
    pub cohort: &'a mut dyn Write,
    pub dream: &'a mut dyn Write,
    pub income: &'a mut dyn Write,
}

pub(crate) fn dream_header(plan: &Plan) -> Vec<u8> {
    let mut header = b"pnr".to_vec();
    for i in 0..plan.dream_weeks {
        header.push(b',');
        header.extend_from_slice(plan.dream_first.offset(i as i32).dream_column().as_bytes());
    }
    header.push(b'\n');
    header
}

/// Simulates persons `0..persons` and writes them (headers included); returns the number of
/// income rows.
pub(crate) fn write_persons(
    plan: &Plan,
    seed: u64,
    persons: u64,
    threads: usize,
    sinks: &mut Sinks<'_>,
) -> Result<u64> {
    sinks.cohort.write_all(&cohort_header(plan))?;
    sinks.dream.write_all(&dream_header(plan))?;
    sinks.income.write_all(INCOME_HEADER)?;
    let names = Names::new(plan);
    let batches = persons.div_ceil(BATCH);
    let range = |b: u64| b * BATCH..((b + 1) * BATCH).min(persons);
    let mut income_rows = 0;
    if threads <= 1 || batches <= 1 {
        let mut trajectory = Trajectory::default();
        let mut batch = Batch::default();
        for b in 0..batches {
            batch.clear();
            batch.render(plan, &names, seed, range(b), &mut trajectory);
            income_rows += batch.write(sinks)?;
        }
        return Ok(income_rows);
    }
    std::thread::scope(|scope| {
        let mut receivers = Vec::with_capacity(threads);
        for worker in 0..threads as u64 {
            // Two batches in flight per worker: enough to keep the writer busy, little memory.
            let (sender, receiver) = mpsc::sync_channel::<Batch>(2);
            receivers.push(receiver);
            let names = &names;
            scope.spawn(move || {
                let mut trajectory = Trajectory::default();
                let mut b = worker;
                while b < batches {
                    let mut batch = Batch::default();
                    batch.render(plan, names, seed, range(b), &mut trajectory);
                    if sender.send(batch).is_err() {
                        return; // the writer stopped on an error
                    }
                    b += threads as u64;
                }
            });
        }
        for b in 0..batches {
            let batch = receivers[(b % threads as u64) as usize]
                .recv()
                .map_err(|_| anyhow!("a generator thread stopped unexpectedly"))?;
            income_rows += batch.write(sinks)?;
        }
        Ok(income_rows)
    })
}

/// CSV-ready bytes of the names that persons refer to by index.
struct Names {
    projects: Vec<Vec<u8>>,
    /// Per project: its municipalities.
    municipalities: Vec<Vec<Vec<u8>>>,
    origins: Vec<Vec<u8>>,
}

impl Names {
    fn new(plan: &Plan) -> Names {
        let fields =
            |names: &mut dyn Iterator<Item = &String>| names.map(|n| csv_field(n)).collect();
        Names {
            projects: fields(&mut plan.scenario.projects.iter().map(|p| &p.name)),
            municipalities: plan
                .project_municipalities()
                .map(|names| fields(&mut names.iter()))
                .collect(),
            origins: fields(&mut plan.origins.iter()),
        }
    }
}

#[derive(Default)]
struct Batch {
    cohort: Vec<u8>,
    dream: Vec<u8>,
    income: Vec<u8>,
    income_rows: u64,
}

impl Batch {
    fn clear(&mut self) {
        self.cohort.clear();
        self.dream.clear();
        self.income.clear();
        self.income_rows = 0;
    }

    fn render(
        &mut self,
        plan: &Plan,
        names: &Names,
        seed: u64,
        persons: std::ops::Range<u64>,
        trajectory: &mut Trajectory,
    ) {
        let n = (persons.end - persons.start) as usize;
        self.cohort.reserve(n * 80);
        self.dream.reserve(n * (10 + 4 * plan.dream_weeks));
        let end_dates = plan.scenario.has_exits();
        for index in persons {
            simulate(plan, seed, index, trajectory);
            push_cohort_row(&mut self.cohort, names, trajectory, end_dates);
            if trajectory.in_dream {
                push_dream_row(&mut self.dream, trajectory);
            }
            for row in &trajectory.income {
                push_income_row(&mut self.income, trajectory.index, row);
            }
            self.income_rows += trajectory.income.len() as u64;
        }
    }

    fn write(&self, sinks: &mut Sinks<'_>) -> Result<u64> {
        sinks.cohort.write_all(&self.cohort)?;
        sinks.dream.write_all(&self.dream)?;
        sinks.income.write_all(&self.income)?;
        Ok(self.income_rows)
    }
}

/// One cohort row; with `end_dates`, the `end_date` column last (empty for a person who stayed).
fn push_cohort_row(buf: &mut Vec<u8>, names: &Names, t: &Trajectory, end_dates: bool) {
    push_person_id(buf, t.index);
    buf.push(b',');
    push_date(buf, t.start_date);
    buf.extend_from_slice(if t.treatment {
        b",treatment,"
    } else {
        b",control,"
    });
    buf.extend_from_slice(&names.projects[t.project]);
    buf.push(b',');
    buf.extend_from_slice(&names.municipalities[t.project][t.municipality]);
    buf.extend_from_slice(if t.female { b",F," } else { b",M," });
    push_uint(buf, t.birth_year as u64, 4);
    buf.push(b',');
    buf.extend_from_slice(&names.origins[t.origin]);
    buf.push(b',');
    buf.extend_from_slice(t.benefit_group.map_or("none", Category::name).as_bytes());
    if end_dates {
        buf.push(b',');
        if let Some(date) = t.end_date {
            push_date(buf, date);
        }
    }
    buf.push(b'\n');
}

fn push_dream_row(buf: &mut Vec<u8>, t: &Trajectory) {
    push_person_id(buf, t.index);
    for &code in &t.codes {
        if code == 0 {
            buf.push(b',');
        } else {
            buf.extend_from_slice(&[
                b',',
                b'0' + (code / 100) as u8,
                b'0' + (code / 10 % 10) as u8,
                b'0' + (code % 10) as u8,
            ]);
        }
    }
    buf.push(b'\n');
}

fn push_income_row(buf: &mut Vec<u8>, person: u64, row: &IncomeRow) {
    push_person_id(buf, person);
    buf.push(b',');
    push_month(buf, row.month);
    buf.extend_from_slice(b",E");
    push_uint(buf, u64::from(row.employer), 6);
    buf.push(b',');
    push_uint(buf, row.centihours / 100, 1);
    buf.push(b'.');
    push_uint(buf, row.centihours % 100, 2);
    buf.push(b',');
    push_uint(buf, row.wage, 1);
    buf.push(b'\n');
}

/// `P0000001` for person 0: one-based, zero-padded to 7 digits (wider beyond ten million).
fn push_person_id(buf: &mut Vec<u8>, index: u64) {
    buf.push(b'P');
    push_uint(buf, index + 1, 7);
}

fn push_date(buf: &mut Vec<u8>, date: NaiveDate) {
    push_uint(buf, date.year() as u64, 4);
    buf.push(b'-');
    push_uint(buf, u64::from(date.month()), 2);
    buf.push(b'-');
    push_uint(buf, u64::from(date.day()), 2);
}

fn push_month(buf: &mut Vec<u8>, month: Month) {
    push_uint(buf, month.year() as u64, 4);
    buf.push(b'-');
    push_uint(buf, u64::from(month.month_of_year()), 2);
}

/// Decimal digits of `n`, left-padded with zeros to at least `width`.
fn push_uint(buf: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for _ in len..width {
        buf.push(b'0');
    }
    buf.extend(digits[..len].iter().rev());
}

/// A CSV cell, quoted when it holds a delimiter or a quote.
fn csv_field(text: &str) -> Vec<u8> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into_bytes()
    } else {
        text.as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_formatted_without_floats() {
        let mut buf = Vec::new();
        push_uint(&mut buf, 7, 3);
        buf.push(b' ');
        push_uint(&mut buf, 12345, 2);
        buf.push(b' ');
        push_person_id(&mut buf, 0);
        buf.push(b' ');
        push_income_row(
            &mut buf,
            41,
            &IncomeRow {
                month: Month::new(2020, 3).unwrap(),
                employer: 17,
                centihours: 12305,
                wage: 20000,
            },
        );
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "007 12345 P0000001 P0000042,2020-03,E000017,123.05,20000\n"
        );
        assert_eq!(csv_field("Kommune 01"), b"Kommune 01");
        assert_eq!(csv_field("A, \"B\""), b"\"A, \"\"B\"\"\"");
    }
}
