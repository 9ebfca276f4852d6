//! `udfald check`: run the queries that expect published figures and compare; exit 1 when any
//! figure is not reproduced.

use crate::check::{self, Format};
use crate::error::{EXIT_DATA, EXIT_OK};
use crate::load::LoadOptions;
use crate::runner::{self, RunOptions, SMALL_CELL};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Query files or folders (default: queries/).
    #[arg(value_name = "QUERY_OR_DIR", default_value = "queries")]
    pub queries: Vec<PathBuf>,
    /// Run every query on this dataset instead of the one it names.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Compare cells even below the small-cell threshold (local work only).
    #[arg(long)]
    pub no_suppress: bool,
}

pub fn run(args: &CheckArgs) -> Result<i32> {
    let queries: Vec<_> = super::run::load_queries(&args.queries)?
        .into_iter()
        .filter(|q| !q.expect.is_empty())
        .collect();
    let options = RunOptions {
        data: args.data.clone(),
        suppress_below: (!args.no_suppress).then_some(SMALL_CELL),
        load: LoadOptions::default(),
    };
    let results = runner::run(&queries, &options)?;
    let outcomes: Vec<check::Outcome> = queries
        .iter()
        .zip(&results)
        .flat_map(|(query, result)| check::evaluate(query, result))
        .collect();
    super::run::write_output(
        args.out.as_ref(),
        check::render(args.format, &outcomes).as_bytes(),
    )?;
    Ok(if outcomes.iter().all(|o| o.pass) {
        EXIT_OK
    } else {
        EXIT_DATA
    })
}
