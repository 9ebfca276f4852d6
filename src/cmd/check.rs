//! `udfald check`: run the queries that expect published figures and compare; exit 1 when any
//! figure is not reproduced.

use crate::check::{self, Format};
use crate::cmd::args::{OutputArgs, QueryDataArgs};
use crate::error::{EXIT_DATA, EXIT_OK};
use crate::output;
use crate::progress::Progress;
use crate::runner::{self, RunOptions};
use crate::session;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Query files or folders (default: queries/).
    #[arg(value_name = "QUERY_OR_DIR", default_value = "queries")]
    pub queries: Vec<PathBuf>,
    #[command(flatten)]
    pub data: QueryDataArgs,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(args: &CheckArgs, progress: &Progress) -> Result<i32> {
    let queries: Vec<_> = session::load_queries(&args.queries)?
        .into_iter()
        .filter(|q| !q.expect.is_empty())
        .collect();
    let options = RunOptions {
        data: args.data.data.clone(),
        suppress_below: args.output.suppress_below(),
        load: args.data.load.load_options(),
        keep_exact: true,
        keep_outcomes: false,
    };
    let results = runner::run(&queries, &options, progress)?;
    let outcomes = check::evaluate_all(&queries, &results);
    output::write(
        args.output.out.as_deref(),
        check::render(
            args.format,
            &outcomes,
            runner::not_for_release(options.suppress_below).as_deref(),
        )
        .as_bytes(),
    )?;
    Ok(if outcomes.iter().all(|o| o.pass) {
        EXIT_OK
    } else {
        EXIT_DATA
    })
}
