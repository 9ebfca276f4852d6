//! Option groups several subcommands share, flattened into each (`#[command(flatten)]`), so a flag
//! means the same and has the same default wherever it appears.

use crate::error::DEFAULT_PROBLEM_CAP;
use crate::load::LoadOptions;
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
