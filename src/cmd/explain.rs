//! `udfald explain`: the fully resolved definition of a query — every parameter with its value and
//! whether the file gave it or it is the default, the population, window, statuses and their
//! definitions. It is the reproducibility statement for a report's method appendix.

use crate::error::EXIT_OK;
use crate::output;
use crate::query::{explain, Query};
use crate::runner::SMALL_CELL;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The query file.
    #[arg(value_name = "QUERY")]
    pub query: PathBuf,
}

pub fn run(args: &ExplainArgs) -> Result<i32> {
    let query = Query::load(&args.query)?;
    output::write(None, explain(&query, Some(SMALL_CELL)).as_bytes())?;
    Ok(EXIT_OK)
}
