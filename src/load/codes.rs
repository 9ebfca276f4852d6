//! The DREAM code table (spec `data-formats.md`, "The code table"): code → category and whether it
//! counts as public support. Metrics never name codes, only categories, so a week is stored as a
//! one-byte [`WeekState`] (category + public-support flag) as soon as it is read.
//!
//! The default table is a data file (`default_codes.csv` beside this file), built in; a dataset may
//! name its own.

use super::source::Table;
use crate::dataset::{DataFile, Format, Source};
use crate::error::{DataError, Location, Problem, Problems};
use anyhow::{Context, Result};
use std::collections::HashMap;

/// The categories metrics may name, in the panel's column order.
pub const CATEGORIES: [&str; 15] = [
    "unemployment_insurance",
    "social_assistance",
    "resource_course",
    "job_clarification",
    "sickness",
    "flexjob",
    "flexjob_unemployment",
    "disability_pension",
    "early_retirement",
    "education",
    "internship",
    "wage_subsidy",
    "other_guidance",
    "leave",
    "other_benefit",
];

pub const DEFAULT_TABLE_NAME: &str = "built-in DREAM code table";
const DEFAULT_TABLE: &str = include_str!("default_codes.csv");

/// Index into [`CATEGORIES`].
pub fn category_index(name: &str) -> Option<usize> {
    CATEGORIES.iter().position(|category| *category == name)
}

/// Whether a category counts as public support when the table leaves the flag empty.
pub fn default_public_support(category: usize) -> bool {
    CATEGORIES[category] != "education"
}

/// What one person-week holds, in one byte: no benefit, or a category with its public-support flag.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub struct WeekState(u8);

impl WeekState {
    pub const NO_BENEFIT: WeekState = WeekState(u8::MAX);

    pub fn benefit(category: usize, public_support: bool) -> WeekState {
        WeekState((category as u8) << 1 | public_support as u8)
    }

    pub fn from_byte(byte: u8) -> WeekState {
        WeekState(byte)
    }

    pub fn byte(self) -> u8 {
        self.0
    }

    pub fn category(self) -> Option<usize> {
        (self != WeekState::NO_BENEFIT).then_some((self.0 >> 1) as usize)
    }

    pub fn public_support(self) -> bool {
        self != WeekState::NO_BENEFIT && self.0 & 1 == 1
    }
}

#[derive(Debug, Clone)]
pub struct CodeEntry {
    pub code: u16,
    pub category: usize,
    pub public_support: bool,
    pub label: String,
    pub source: String,
}

/// DREAM codes are numbers below 1000; this is the lookup's size.
const CODE_SPACE: usize = 1000;

#[derive(Debug, Clone)]
pub struct CodeTable {
    /// Where the table came from, for messages and provenance.
    pub name: String,
    pub entries: Vec<CodeEntry>,
    lookup: Vec<Option<WeekState>>,
}

/// A week cell that is neither empty nor a DREAM code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotACode;

/// Parses a DREAM week cell: `Ok(None)` for an empty cell, `Ok(Some(code))` for a code of at most
/// three digits (spaces around it are ignored).
pub fn parse_code(cell: &str) -> Result<Option<u16>, NotACode> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    if cell.len() > 3 || !cell.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NotACode);
    }
    cell.parse().map(Some).map_err(|_| NotACode)
}

impl CodeTable {
    pub fn builtin() -> CodeTable {
        CodeTable::parse(DEFAULT_TABLE_NAME, DEFAULT_TABLE.as_bytes())
            .expect("the built-in code table is valid")
    }

    /// The dataset's own table, or the built-in one. A CSV table is read as it always was; a
    /// Parquet, SAS or Stata table is read through the same row walk as the registers (spec
    /// `data-formats.md`: every role is read from every format), in `encoding` where its file
    /// declares none, and checked row by row alike.
    pub fn load(
        file: Option<&DataFile>,
        encoding: &'static encoding_rs::Encoding,
    ) -> Result<CodeTable> {
        let Some(file) = file else {
            return Ok(CodeTable::builtin());
        };
        if file.format == Format::Csv {
            let bytes = std::fs::read(&file.path)
                .with_context(|| format!("cannot read {}", file.path.display()))?;
            return Ok(CodeTable::parse(&file.name, &bytes)?);
        }
        let source = Source {
            role: "codes",
            files: vec![file.clone()],
            columns: Vec::new(),
            encoding,
            name: file.name.clone(),
        };
        let table = Table::open(&source)?;
        let mut rows = Rows::new(&file.name, &table.headers)?;
        table.for_each_row(|location, record| {
            let problems = record.problems();
            if problems.is_empty() {
                rows.row(location, |c| record.get(c));
            }
            for problem in problems {
                rows.problems.push(problem);
            }
            Ok(())
        })?;
        Ok(rows.finish()?)
    }

    /// A code table from CSV text (the built-in table, a dataset's `.csv` table).
    pub fn parse(name: &str, bytes: &[u8]) -> Result<CodeTable, DataError> {
        let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
        let headers: Vec<String> = match reader.headers() {
            Ok(headers) => headers.iter().map(|h| h.to_string()).collect(),
            Err(err) => {
                let mut problems = Problems::default();
                problems.push(Problem::new(name, Location::File, err.to_string()));
                return Err(DataError::Invalid(problems));
            }
        };
        let mut rows = Rows::new(name, &headers)?;
        for (index, record) in reader.records().enumerate() {
            let line = Location::Line(index as u64 + 2);
            match record {
                Ok(record) => rows.row(line, |c| record.get(c).unwrap_or("")),
                Err(err) => rows
                    .problems
                    .push(Problem::new(name, line, err.to_string())),
            }
        }
        rows.finish()
    }

    /// The week state of a code, `None` when the table lacks it.
    pub fn state(&self, code: u16) -> Option<WeekState> {
        self.lookup.get(code as usize).copied().flatten()
    }

    /// The first code of a category (what the synthetic generator and examples use).
    pub fn code_for(&self, category: &str) -> Option<u16> {
        let category = category_index(category)?;
        self.entries
            .iter()
            .find(|entry| entry.category == category)
            .map(|entry| entry.code)
    }
}

/// A code table being read row by row, whatever the file's format: the checks of every row and
/// the problems found, so a CSV and a SAS or Stata table are held to the same rules.
struct Rows<'a> {
    name: &'a str,
    code: usize,
    category: usize,
    public_support: Option<usize>,
    label: Option<usize>,
    source: Option<usize>,
    entries: Vec<CodeEntry>,
    /// Where each code was first seen, for a code that appears twice.
    seen: HashMap<u16, Location>,
    problems: Problems,
}

impl<'a> Rows<'a> {
    /// The table's columns found by name, or a problem listing the ones it has.
    fn new(name: &'a str, headers: &[String]) -> Result<Rows<'a>, DataError> {
        let find = |column: &str| headers.iter().position(|h| h.trim() == column);
        let (Some(code), Some(category)) = (find("code"), find("category")) else {
            let mut problems = Problems::default();
            let found: Vec<&str> = headers.iter().map(|h| h.trim()).collect();
            problems.push(Problem::new(
                name,
                Location::Header,
                format!(
                    "a code table needs columns code and category (optional: public_support, label, source); found {}",
                    found.join(", ")
                ),
            ));
            return Err(DataError::Invalid(problems));
        };
        Ok(Rows {
            name,
            code,
            category,
            public_support: find("public_support"),
            label: find("label"),
            source: find("source"),
            entries: Vec::new(),
            seen: HashMap::new(),
            problems: Problems::default(),
        })
    }

    /// Checks one row, whose column `c` holds `cell(c)`, and keeps its entry or its problem.
    fn row<'r>(&mut self, location: Location, cell: impl Fn(usize) -> &'r str) {
        let cell = |col: Option<usize>| col.map_or("", &cell).trim();
        let at = |column: &str, value: &str, message: String| {
            Problem::new(self.name, location.clone(), message)
                .column(column)
                .value(value)
        };
        let code_text = cell(Some(self.code));
        let code = match parse_code(code_text) {
            Ok(Some(code)) => code,
            _ => {
                let problem = at(
                    "code",
                    code_text,
                    "expected a DREAM code (a number of at most 3 digits)".into(),
                );
                self.problems.push(problem);
                return;
            }
        };
        if let Some(first) = self.seen.get(&code) {
            let problem = at(
                "code",
                code_text,
                format!("code {code} appears twice (first on {first}); a code may appear once"),
            );
            self.problems.push(problem);
            return;
        }
        self.seen.insert(code, location.clone());
        let category_text = cell(Some(self.category));
        let Some(category) = category_index(category_text) else {
            let problem = at(
                "category",
                category_text,
                format!(
                    "unknown category; expected one of {}",
                    CATEGORIES.join(", ")
                ),
            );
            self.problems.push(problem);
            return;
        };
        let public_support = match cell(self.public_support).to_ascii_lowercase().as_str() {
            "" => default_public_support(category),
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            other => {
                let problem = at(
                    "public_support",
                    other,
                    "expected true, false or empty (the category's default)".into(),
                );
                self.problems.push(problem);
                return;
            }
        };
        self.entries.push(CodeEntry {
            code,
            category,
            public_support,
            label: cell(self.label).to_string(),
            source: cell(self.source).to_string(),
        });
    }

    fn finish(self) -> Result<CodeTable, DataError> {
        self.problems.into_result()?;
        let mut lookup = vec![None; CODE_SPACE];
        for entry in &self.entries {
            lookup[entry.code as usize] =
                Some(WeekState::benefit(entry.category, entry.public_support));
        }
        Ok(CodeTable {
            name: self.name.to_string(),
            entries: self.entries,
            lookup,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_knows_documented_codes() {
        let table = CodeTable::builtin();
        let su = table.state(651).unwrap();
        assert_eq!(CATEGORIES[su.category().unwrap()], "education");
        assert!(!su.public_support());
        let sick = table.state(890).unwrap();
        assert_eq!(CATEGORIES[sick.category().unwrap()], "sickness");
        assert!(sick.public_support());
        assert!(table.state(999).is_none());
        // Every category is reachable from the default table.
        for category in CATEGORIES {
            assert!(table.code_for(category).is_some(), "{category}");
        }
    }

    #[test]
    fn cells_are_trimmed_and_checked() {
        assert_eq!(parse_code(" 651"), Ok(Some(651)));
        assert_eq!(parse_code(""), Ok(None));
        assert_eq!(parse_code("  "), Ok(None));
        assert_eq!(parse_code("65a"), Err(NotACode));
        assert_eq!(parse_code("6510"), Err(NotACode));
        assert_eq!(parse_code("-65"), Err(NotACode));
    }

    #[test]
    fn bad_table_rows_are_located() {
        let text = "code,category,public_support\n651,education,false\n651,sickness,\n12x,sickness,\n890,sick,\n893,sickness,maybe\n";
        let err = CodeTable::parse("codes.csv", text.as_bytes()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("codes.csv, line 3, column code, value \"651\": code 651 appears twice (first on line 2)"), "{message}");
        assert!(
            message.contains("codes.csv, line 4, column code, value \"12x\""),
            "{message}"
        );
        assert!(
            message
                .contains("codes.csv, line 5, column category, value \"sick\": unknown category"),
            "{message}"
        );
        assert!(
            message.contains("codes.csv, line 6, column public_support, value \"maybe\""),
            "{message}"
        );
    }

    #[test]
    fn empty_flag_takes_category_default() {
        let table =
            CodeTable::parse("c.csv", b"code,category,public_support\n661,education,\n701,social_assistance,\n521,internship,false\n")
                .unwrap();
        assert!(!table.state(661).unwrap().public_support());
        assert!(table.state(701).unwrap().public_support());
        assert!(!table.state(521).unwrap().public_support());
    }
}
