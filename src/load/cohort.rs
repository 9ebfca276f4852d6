//! The cohort file (spec `data-formats.md` §1): who is evaluated and from when. Every other
//! register is read against it: a person is known by its row index here (`person`, a `u32`).

use super::keys::LooseKeys;
use super::source::Table;
use super::LoadContext;
use crate::calendar::parse_date;
use crate::error::{Location, Problem};
use anyhow::Result;
use chrono::NaiveDate;
use std::collections::HashMap;

/// Columns with a meaning of their own; every other column is a covariate kept as text.
const PERSON_ID: &[&str] = &["person_id", "pnr"];
const START_DATE: &str = "start_date";
const END_DATE: &str = "end_date";

#[derive(Debug, Clone)]
pub struct Cohort {
    pub person_ids: Vec<String>,
    pub start_dates: Vec<NaiveDate>,
    pub end_dates: Vec<Option<NaiveDate>>,
    /// Covariates (`arm`, `project`, `municipality`, …) in file order; `None` for an empty cell.
    pub attributes: Vec<Attribute>,
    index: HashMap<String, u32>,
    /// The keys written loosely, to tell a register key that lost its leading zeros.
    pub loose: LooseKeys,
}

#[derive(Debug, Clone)]
pub struct Attribute {
    pub name: String,
    pub values: Vec<Option<String>>,
}

impl Cohort {
    pub fn len(&self) -> usize {
        self.person_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.person_ids.is_empty()
    }

    /// The person's index, or `None` for someone not in the cohort.
    pub fn person(&self, person_id: &str) -> Option<u32> {
        self.index.get(person_id).copied()
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

pub fn read(table: &Table, context: &mut LoadContext) -> Result<Cohort> {
    let id_col = table.require_column(PERSON_ID);
    let start_col = table.require_column(&[START_DATE]);
    let (id_col, start_col) = match (id_col, start_col) {
        (Ok(id), Ok(start)) => (id, start),
        (id, start) => {
            context
                .problems
                .extend_from([id.err(), start.err()].into_iter().flatten());
            return Ok(Cohort::empty());
        }
    };
    let end_col = table.column(END_DATE);
    let attribute_cols: Vec<usize> = (0..table.headers.len())
        .filter(|&c| c != id_col && c != start_col && Some(c) != end_col)
        .collect();
    let mut cohort = Cohort::empty();
    cohort.attributes = attribute_cols
        .iter()
        .map(|&c| Attribute {
            name: table.names[c].clone(),
            values: Vec::new(),
        })
        .collect();
    // Where each key was first seen: (file, line or row).
    let mut first_line: HashMap<String, (u16, u64)> = HashMap::new();
    let rows = table.for_each_row(|location, record| {
        let line = match location {
            Location::Line(n) | Location::Row(n) => n,
            _ => 0,
        };
        let mut row_problems = record.problems();
        let at = |column: &str, value: &str, message: String| {
            Problem::new(record.file(), location.clone(), message)
                .column(column)
                .value(value)
        };
        let person_id = record.get(id_col).trim();
        if person_id.is_empty() {
            row_problems.push(at(&table.headers[id_col], "", "person key is empty".into()));
        } else if let Some(&(first_file, first)) = first_line.get(person_id) {
            // The earlier row's file, when the cohort comes in several and it is another.
            let of_file = if first_file == table.file_index(record.file()) {
                String::new()
            } else {
                format!(" of {}", table.source.files[first_file as usize].name)
            };
            row_problems.push(at(
                &table.headers[id_col],
                person_id,
                format!(
                    "duplicate person key: already on {} {first}{of_file}",
                    location_word(&location)
                ),
            ));
        }
        let start_text = record.get(start_col);
        let start = parse_date(start_text);
        if start.is_none() {
            row_problems.push(at(
                &table.headers[start_col],
                start_text,
                "expected a date YYYY-MM-DD".into(),
            ));
        }
        let mut end = None;
        if let Some(end_col) = end_col {
            let end_text = record.get(end_col);
            if !end_text.trim().is_empty() {
                match parse_date(end_text) {
                    None => row_problems.push(at(
                        &table.headers[end_col],
                        end_text,
                        "expected a date YYYY-MM-DD or an empty cell".into(),
                    )),
                    Some(date) if start.is_some_and(|s| date < s) => row_problems.push(at(
                        &table.headers[end_col],
                        end_text,
                        format!("end_date is before start_date {}", start_text.trim()),
                    )),
                    Some(date) => end = Some(date),
                }
            }
        }
        if !row_problems.is_empty() {
            context.reject_row(row_problems);
            return Ok(());
        }
        first_line.insert(
            person_id.to_string(),
            (table.file_index(record.file()), line),
        );
        cohort
            .index
            .insert(person_id.to_string(), cohort.person_ids.len() as u32);
        cohort.person_ids.push(person_id.to_string());
        cohort.start_dates.push(start.expect("checked"));
        cohort.end_dates.push(end);
        for (attribute, &c) in cohort.attributes.iter_mut().zip(&attribute_cols) {
            let value = record.get(c).trim();
            attribute
                .values
                .push((!value.is_empty()).then(|| value.to_string()));
        }
        Ok(())
    })?;
    context.report.cohort_rows = rows;
    cohort.loose = LooseKeys::of(&cohort);
    Ok(cohort)
}

fn location_word(location: &Location) -> &'static str {
    match location {
        Location::Row(_) => "row",
        _ => "line",
    }
}

impl Cohort {
    fn empty() -> Cohort {
        Cohort {
            person_ids: Vec::new(),
            start_dates: Vec::new(),
            end_dates: Vec::new(),
            attributes: Vec::new(),
            index: HashMap::new(),
            loose: LooseKeys::default(),
        }
    }
}
