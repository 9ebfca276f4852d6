//! `udfald report`: run queries and write one self-contained HTML file with each query's chart,
//! table, definition and published figures, and the run's provenance.

use crate::check;
use crate::cmd::args::{OutputArgs, QueryDataArgs};
use crate::error::{DataError, EXIT_OK};
use crate::output;
use crate::progress::Progress;
use crate::provenance::{Manifest, RunSpec};
use crate::query::explain;
use crate::render::html::{self, ReportQuery};
use crate::runner::{self, RunOptions};
use crate::session;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Query files or folders of them (`*.toml`).
    #[arg(required = true, value_name = "QUERY_OR_DIR")]
    pub queries: Vec<PathBuf>,
    #[command(flatten)]
    pub data: QueryDataArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &ReportArgs, progress: &Progress) -> Result<i32> {
    // Checked before any register is read: a report is a file to hand over, not terminal text.
    let out =
        match args.output.out.as_deref() {
            Some(path) if path.as_os_str() != "-" => path,
            _ => return Err(DataError::Usage(
                "report: give --out FILE.html (the report is one HTML file to open in a browser)"
                    .into(),
            )
            .into()),
        };
    let queries = session::load_queries(&args.queries)?;
    let suppress_below = args.output.suppress_below();
    let options = RunOptions {
        data: args.data.data.clone(),
        suppress_below,
        load: args.data.load.load_options(),
        // The published figures are compared exactly, and printed only where the table shows them.
        keep_exact: true,
        keep_outcomes: false,
    };
    let ran = runner::run_recorded(&queries, &options, progress)?;
    let spec = RunSpec {
        data: args.data.data.clone(),
        drop_invalid: args.data.load.drop_invalid,
        format: "html".into(),
        csv_dialect: None,
        queries: args.queries.clone(),
        suppress_below,
    };
    let manifest = Manifest::new(&queries, &ran.datasets, spec)?;
    let parts: Vec<ReportQuery<'_>> = queries
        .iter()
        .zip(&ran.results)
        .map(|(query, result)| ReportQuery {
            result,
            description: query.description.clone(),
            definition: explain(query, suppress_below),
            expectations: check::evaluate(query, result)
                .iter()
                .map(check::Outcome::expected)
                .collect(),
        })
        .collect();
    output::write(Some(out), html::report(&parts, &manifest).as_bytes())?;
    Ok(EXIT_OK)
}
