//! `udfald run`: run one query, several, or a folder of them, and print or write the tables.

use crate::error::EXIT_OK;
use crate::load::LoadOptions;
use crate::query::{self, Query};
use crate::render::{self, Format};
use crate::runner::{self, RunOptions, SMALL_CELL};
use anyhow::{anyhow, Result};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Query files or folders of them (`*.toml`).
    #[arg(required = true, value_name = "QUERY_OR_DIR")]
    pub queries: Vec<PathBuf>,
    /// Run every query on this dataset instead of the one it names.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write here instead of stdout (`-` is stdout).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Small-cell threshold: cells with fewer persons are suppressed.
    #[arg(long, value_name = "N", default_value_t = SMALL_CELL)]
    pub min_cell: u64,
    /// Show every cell, however small (local work only: never for output leaving the machine).
    #[arg(long)]
    pub no_suppress: bool,
    /// Drop rows with problems (and report how many) instead of stopping.
    #[arg(long)]
    pub drop_invalid: bool,
}

/// Reads every query file, or fails with the first one that is wrong.
pub fn load_queries(paths: &[PathBuf]) -> Result<Vec<Query>> {
    let files = query::collect(paths)?;
    if files.is_empty() {
        return Err(crate::error::DataError::Usage("no query files (*.toml) found".into()).into());
    }
    Ok(files
        .iter()
        .map(|f| Query::load(f))
        .collect::<Result<Vec<_>, _>>()?)
}

pub fn run(args: &RunArgs) -> Result<i32> {
    let queries = load_queries(&args.queries)?;
    let options = RunOptions {
        data: args.data.clone(),
        suppress_below: (!args.no_suppress).then_some(args.min_cell),
        load: LoadOptions {
            drop_invalid: args.drop_invalid,
            ..LoadOptions::default()
        },
    };
    let results = runner::run(&queries, &options)?;
    write_output(
        args.out.as_ref(),
        render::render(args.format, &results).as_bytes(),
    )?;
    Ok(EXIT_OK)
}

/// Writes to the file, or to stdout for `None` and `-`.
pub fn write_output(out: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) if path.as_os_str() != "-" => std::fs::write(path, bytes)
            .map_err(|err| anyhow!("cannot write {}: {err}", path.display())),
        _ => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()?;
            Ok(())
        }
    }
}
