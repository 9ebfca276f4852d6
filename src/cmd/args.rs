//! Option groups several subcommands share, flattened into each (`#[command(flatten)]`), so a flag
//! means the same and has the same default wherever it appears.

use crate::error::{DataError, DEFAULT_PROBLEM_CAP};
use crate::load::LoadOptions;
use crate::provenance::RunSpec;
use crate::render::{CsvDialect, Format};
use crate::runner::{check_min_cell, SMALL_CELL};
use clap::Args;
use std::path::PathBuf;

/// How to read a dataset's rows.
#[derive(Debug, Clone, Args)]
pub struct LoadArgs {
    /// Drop rows with problems (and report how many) instead of stopping.
    #[arg(long)]
    pub drop_invalid: bool,
    /// How many problems to list in full; the rest are counted.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_PROBLEM_CAP)]
    pub max_problems: usize,
}

impl LoadArgs {
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            drop_invalid: self.drop_invalid,
            max_problems: self.max_problems,
        }
    }
}

/// The dataset of a command that works on one dataset (`validate`, `panel`).
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// The dataset folder (holding dataset.toml).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// The dataset of a command that runs queries (`run`, `check`): each query names its own, and
/// `--data` replaces it for all of them.
#[derive(Debug, Clone, Args)]
pub struct QueryDataArgs {
    /// Run every query on this dataset instead of the one it names.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(flatten)]
    pub load: LoadArgs,
}

/// Where results go and which of their cells are shown. `--format` is not here: each command has
/// its own set of formats.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Write here instead of stdout (`-` is stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Small-cell threshold: cells with fewer persons are suppressed.
    #[arg(long, value_name = "N", default_value_t = SMALL_CELL, value_parser = min_cell)]
    pub min_cell: u64,
    /// Show every cell, however small (local work only: never for output leaving the machine).
    #[arg(long)]
    pub no_suppress: bool,
}

/// `--min-cell`: a number of persons, at least the floor.
pub fn min_cell(text: &str) -> Result<u64, String> {
    let n: u64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of persons"))?;
    check_min_cell(n)
}

impl OutputArgs {
    /// The suppression threshold, `None` when suppression is off.
    pub fn suppress_below(&self) -> Option<u64> {
        (!self.no_suppress).then_some(self.min_cell)
    }
}

/// How a command that runs queries prints their tables (`run`, `diff`).
#[derive(Debug, Clone, Args)]
pub struct FormatArgs {
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// With --format csv: `danish` writes `;` between fields, a decimal comma and a byte-order
    /// mark, for Excel on a Danish machine [default: default].
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub csv_dialect: Option<CsvDialect>,
}

impl FormatArgs {
    /// Refuses, before any data is read, what the format cannot do: a workbook for a terminal or
    /// a pipe, a CSV dialect for another format.
    pub fn check(&self, output: &OutputArgs) -> Result<(), DataError> {
        let to_stdout = output
            .out
            .as_deref()
            .is_none_or(|out| out.as_os_str() == "-");
        if self.format.is_binary() && to_stdout {
            return Err(DataError::Usage(
                "--format xlsx writes a workbook, not text: give --out FILE.xlsx".into(),
            ));
        }
        if self.csv_dialect.is_some() && self.format != Format::Csv {
            return Err(DataError::Usage(
                "--csv-dialect applies to --format csv only".into(),
            ));
        }
        Ok(())
    }

    /// What a manifest records of a run of `queries` with these options.
    pub fn run_spec(
        &self,
        queries: &[PathBuf],
        data: &QueryDataArgs,
        output: &OutputArgs,
    ) -> RunSpec {
        RunSpec {
            // The default dialect is not recorded, so manifests stay as they were before the
            // choice.
            csv_dialect: self
                .csv_dialect
                .filter(|dialect| *dialect != CsvDialect::Default)
                .map(|dialect| name(&dialect)),
            data: data.data.clone(),
            drop_invalid: data.load.drop_invalid,
            format: name(&self.format),
            queries: queries.to_vec(),
            suppress_below: output.suppress_below(),
        }
    }
}

/// A value's name on the command line.
fn name<T: clap::ValueEnum>(value: &T) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}
