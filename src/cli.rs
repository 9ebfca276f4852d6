//! The command line: clap definitions with worked examples, and the mapping of outcomes to exit
//! statuses (0 success, 1 data problems or a failed run, 2 usage errors).

use crate::cmd;
use crate::error::{DataError, EXIT_DATA, EXIT_OK, EXIT_USAGE};
use crate::progress::Progress;
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write;

#[derive(Debug, Parser)]
#[command(
    name = "udfald",
    version,
    // The global --quiet would make it `udfald [OPTIONS] <COMMAND>`; options go after the
    // command as well, where each command's usage shows them.
    override_usage = "udfald <COMMAND>",
    about = "Register-based outcome analysis of active labour-market programmes",
    long_about = "Register-based outcome analysis of active labour-market programmes.\n\n\
        Reads a dataset (a folder with dataset.toml naming a cohort, the weekly DREAM benefit \
        register and the monthly income register), checks it, and builds the person-month panel \
        the outcome metrics are computed from.",
    after_help = "Examples:\n  \
        udfald run queries/\n  \
        udfald explain queries/s4-t3-paid.toml\n  \
        udfald validate --data data-samples/sample\n  \
        udfald panel --data data-samples/tiny --out /tmp/tiny-panel.csv\n  \
        udfald synth --persons 2000 --seed 7 --out /tmp/synthetic"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// No notes on stderr (persons outside the cohort, rows dropped, a dataset generated, …) and
    /// no progress bars; errors and `panel`'s person-level warning are still printed, and the
    /// results do not change.
    #[arg(long, short, global = true)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run queries (files or folders) and print their tables.
    #[command(after_help = "Examples:\n  \
        udfald run queries/\n  \
        udfald run queries/s4-t3-paid.toml --data data-samples/sample --format markdown\n  \
        udfald run queries/ --format json --out results.json\n  \
        udfald run queries/ --format xlsx --out results.xlsx\n  \
        udfald run queries/ --format csv --csv-dialect danish --out results.csv")]
    Run(cmd::run::RunArgs),
    /// Check that queries reproduce the published figures they expect; exit 1 if any does not.
    #[command(after_help = "Examples:\n  \
        udfald check queries/\n  \
        udfald check queries/ --format junit --out check.xml")]
    Check(cmd::check::CheckArgs),
    /// Run one query under several definitions, or two queries, and set the figures side by side.
    #[command(after_help = "Examples:\n  \
        udfald diff queries/s4-t3-empl.toml --vary definitions.min_weeks_without_benefit=0,4,5\n  \
        udfald diff queries/s4-t3-empl.toml --vary params.followup=available,complete --vary window.to=12,24\n  \
        udfald diff queries/s4-t3-empl.toml queries/s4-t3-paid.toml")]
    Diff(cmd::diff::DiffArgs),
    /// Re-run a run recorded with --provenance and say whether the result is identical.
    #[command(after_help = "Example:\n  \
        udfald run queries/ --format json --out results.json --provenance run.json\n  \
        udfald reproduce run.json")]
    Reproduce(cmd::reproduce::ReproduceArgs),
    /// Write an HTML report: per query a chart, the table, its definition and published figures.
    #[command(after_help = "Examples:\n  \
        udfald report queries/ --out report.html\n  \
        udfald report queries/s4-t3-paid.toml queries/s1-m9.toml --out /tmp/report.html")]
    Report(cmd::report::ReportArgs),
    /// List the queries of a folder.
    #[command(after_help = "Example:\n  udfald list queries/")]
    List(cmd::list::ListArgs),
    /// Print a query's fully resolved definition (for a report's method appendix).
    #[command(after_help = "Example:\n  udfald explain queries/s4-t3-paid.toml")]
    Explain(cmd::explain::ExplainArgs),
    /// Check a dataset and print a summary of what it holds.
    #[command(after_help = "Example:\n  udfald validate --data data-samples/sample")]
    Validate(cmd::validate::ValidateArgs),
    /// Build the person-month panel and write it (person-level output).
    #[command(after_help = "Examples:\n  \
        udfald panel --data data-samples/tiny --out /tmp/tiny-panel.csv\n  \
        udfald panel --data data-samples/sample --out /tmp/panel.parquet --months-before 12")]
    Panel(cmd::panel::PanelArgs),
    /// Simulate a register extract (cohort, wide DREAM, income) from a scenario.
    #[command(after_help = "Examples:\n  \
        udfald synth --persons 2000 --seed 7 --out /tmp/synthetic\n  \
        udfald synth --persons 1000000 --seed 1 --out /tmp/big --scenario data-samples/scenarios/default.toml")]
    Synth(cmd::synth::SynthArgs),
    /// Audit a saved JSON result: the range a reader could narrow each hidden count down to.
    #[command(
        after_help = "Exit status 0 when every hidden count spans at least N - 1 values (N the \
        threshold), 1 when one does not or the result is marked not for release.\n\nExamples:\n  \
        udfald run queries/ --format json --out result.json && udfald audit result.json"
    )]
    Audit(cmd::audit::AuditArgs),
}

/// Runs the command line and returns the exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
        }
    };
    // Bars on stderr when it is a terminal; notes unless --quiet.
    let progress = &Progress::for_stderr(cli.quiet);
    let result = match &cli.command {
        Command::Run(args) => cmd::run::run(args, progress),
        Command::Check(args) => cmd::check::run(args, progress),
        Command::List(args) => cmd::list::run(args),
        Command::Reproduce(args) => cmd::reproduce::run(args, progress),
        Command::Report(args) => cmd::report::run(args, progress),
        Command::Diff(args) => cmd::diff::run(args, progress),
        Command::Explain(args) => cmd::explain::run(args),
        Command::Validate(args) => cmd::validate::run(args, progress),
        Command::Panel(args) => cmd::panel::run(args, progress),
        Command::Synth(args) => cmd::synth::run(args, progress),
        Command::Audit(args) => cmd::audit::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

fn report(err: &anyhow::Error) -> i32 {
    if err
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    {
        return EXIT_OK;
    }
    // Not eprintln!, which panics when stderr cannot be written (a full disk).
    let _ = writeln!(std::io::stderr(), "udfald: error: {err:#}");
    // A usage error keeps its exit status under any context added on the way up.
    err.chain()
        .find_map(|cause| cause.downcast_ref::<DataError>())
        .map_or(EXIT_DATA, DataError::code)
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
