//! Problems with input data, as values: each names the file, the line (or row), the column, the
//! value and what was expected (spec `data-formats.md`, "Bad input"). Readers collect every
//! problem they find into [`Problems`] instead of stopping at the first, so one run shows the user
//! the whole list (capped, with a count of the rest).

use std::fmt;

/// Exit status for a run that finished and found nothing wrong.
pub const EXIT_OK: i32 = 0;
/// Exit status when the input data (or a query's check) has problems that stop the analysis.
pub const EXIT_DATA: i32 = 1;
/// Exit status for a command line or query file that cannot be understood.
pub const EXIT_USAGE: i32 = 2;

/// Where in a file a problem sits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Location {
    /// 1-based line of a CSV file (the header is line 1).
    Line(u64),
    /// 1-based row of a Parquet file.
    Row(u64),
    /// The header (column names).
    Header,
    /// The file as a whole.
    File,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(line) => write!(f, "line {line}"),
            Location::Row(row) => write!(f, "row {row}"),
            Location::Header => write!(f, "header"),
            Location::File => Ok(()),
        }
    }
}

/// One thing wrong with the input.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    pub location: Location,
    pub column: Option<String>,
    pub value: Option<String>,
    /// What was expected, or what is wrong, in words.
    pub message: String,
}

impl Problem {
    pub fn new(file: impl Into<String>, location: Location, message: impl Into<String>) -> Problem {
        Problem {
            file: file.into(),
            location,
            column: None,
            value: None,
            message: message.into(),
        }
    }

    pub fn column(mut self, column: impl Into<String>) -> Problem {
        self.column = Some(column.into());
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Problem {
        self.value = Some(value.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if self.location != Location::File {
            write!(f, ", {}", self.location)?;
        }
        if let Some(column) = &self.column {
            write!(f, ", column {column}")?;
        }
        if let Some(value) = &self.value {
            write!(f, ", value {value:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// How many problems are kept in full; the rest are only counted.
pub const DEFAULT_PROBLEM_CAP: usize = 50;

/// A capped list of problems, plus the rows dropped on request (`--drop-invalid`).
#[derive(Debug, Clone)]
pub struct Problems {
    kept: Vec<Problem>,
    total: u64,
    cap: usize,
}

impl Default for Problems {
    fn default() -> Self {
        Problems::with_cap(DEFAULT_PROBLEM_CAP)
    }
}

impl Problems {
    pub fn with_cap(cap: usize) -> Problems {
        Problems {
            kept: Vec::new(),
            total: 0,
            cap,
        }
    }

    pub fn push(&mut self, problem: Problem) {
        self.total += 1;
        if self.kept.len() < self.cap {
            self.kept.push(problem);
        }
    }

    pub fn extend_from(&mut self, problems: impl IntoIterator<Item = Problem>) {
        for problem in problems {
            self.push(problem);
        }
    }

    pub fn extend(&mut self, other: Problems) {
        let skipped = other.total - other.kept.len() as u64;
        for problem in other.kept {
            self.push(problem);
        }
        self.total += skipped;
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn kept(&self) -> &[Problem] {
        &self.kept
    }

    /// `Ok(())` when nothing was found, otherwise the whole list as an error.
    pub fn into_result(self) -> Result<(), DataError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DataError::Invalid(self))
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for problem in &self.kept {
            writeln!(f, "  {problem}")?;
        }
        let rest = self.total - self.kept.len() as u64;
        if rest > 0 {
            writeln!(f, "  ... and {rest} more problem(s) not shown")?;
        }
        Ok(())
    }
}

/// Errors a user can act on by fixing their data or their command.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("the dataset has {} problem(s) that stop the analysis:\n{}", .0.total(), .0)]
    Invalid(Problems),
    #[error("{0}")]
    Usage(String),
}

impl DataError {
    /// The exit status the error ends a run with.
    pub fn code(&self) -> i32 {
        match self {
            DataError::Invalid(_) => EXIT_DATA,
            DataError::Usage(_) => EXIT_USAGE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_names_file_line_column_value() {
        let problem = Problem::new(
            "cohort.csv",
            Location::Line(14),
            "expected a date YYYY-MM-DD",
        )
        .column("start_date")
        .value("2021-13-01");
        assert_eq!(
            problem.to_string(),
            "cohort.csv, line 14, column start_date, value \"2021-13-01\": expected a date YYYY-MM-DD"
        );
    }

    #[test]
    fn a_usage_error_exits_2_under_any_context() {
        use anyhow::Context;
        let err = Err::<(), _>(DataError::Usage("key group_by: listed twice".into()))
            .context("q.toml")
            .context("planning the run")
            .unwrap_err();
        let code = err
            .chain()
            .find_map(|cause| cause.downcast_ref::<DataError>())
            .map(DataError::code);
        assert_eq!(code, Some(EXIT_USAGE));
        assert_eq!(
            format!("{err:#}"),
            "planning the run: q.toml: key group_by: listed twice"
        );
        assert_eq!(DataError::Invalid(Problems::default()).code(), EXIT_DATA);
    }

    #[test]
    fn cap_keeps_count_of_the_rest() {
        let mut problems = Problems::with_cap(2);
        for line in 2..7 {
            problems.push(Problem::new("x.csv", Location::Line(line), "bad"));
        }
        assert_eq!(problems.total(), 5);
        assert_eq!(problems.kept().len(), 2);
        assert!(problems
            .to_string()
            .contains("... and 3 more problem(s) not shown"));
    }
}
