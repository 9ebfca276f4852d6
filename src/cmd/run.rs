//! `udfald run`: run one query, several, or a folder of them, and print or write the tables;
//! `--provenance` writes the manifest that `udfald reproduce` re-runs.

use crate::cmd::args::{FormatArgs, OutputArgs, QueryDataArgs};
use crate::error::EXIT_OK;
use crate::hash::sha256;
use crate::output;
use crate::progress::Progress;
use crate::session::{self, Executed};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Query files or folders of them (`*.toml`).
    #[arg(required = true, value_name = "QUERY_OR_DIR")]
    pub queries: Vec<PathBuf>,
    #[command(flatten)]
    pub data: QueryDataArgs,
    #[command(flatten)]
    pub print: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write the run's provenance manifest (inputs, hashes, parameters, start time) here.
    #[arg(long, value_name = "FILE")]
    pub provenance: Option<PathBuf>,
}

pub fn run(args: &RunArgs, progress: &Progress) -> Result<i32> {
    args.print.check(&args.output)?;
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let spec = args.print.run_spec(&args.queries, &args.data, &args.output);
    let Executed {
        output,
        mut manifest,
    } = session::execute(&spec, args.data.load.max_problems, progress)?;
    output::write(args.output.out.as_deref(), &output)?;
    if let Some(path) = &args.provenance {
        manifest.started = Some(started);
        manifest.output_sha256 = Some(sha256(&output));
        manifest.write(path)?;
    }
    Ok(EXIT_OK)
}
