//! `udfald run`: run one query, several, or a folder of them, and print or write the tables;
//! `--provenance` writes the manifest that `udfald reproduce` re-runs.

use crate::cmd::args::{OutputArgs, QueryDataArgs};
use crate::error::{DataError, EXIT_OK};
use crate::hash::sha256;
use crate::output;
use crate::progress::Progress;
use crate::provenance::RunSpec;
use crate::render::{CsvDialect, Format};
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
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// With --format csv: `danish` writes `;` between fields, a decimal comma and a byte-order
    /// mark, for Excel on a Danish machine [default: default].
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub csv_dialect: Option<CsvDialect>,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write the run's provenance manifest (inputs, hashes, parameters, start time) here.
    #[arg(long, value_name = "FILE")]
    pub provenance: Option<PathBuf>,
}

/// Refuses, before any data is read, what the format cannot do: a workbook for a terminal or a
/// pipe, a CSV dialect for another format.
fn check_format(args: &RunArgs) -> Result<(), DataError> {
    let to_stdout = args
        .output
        .out
        .as_deref()
        .is_none_or(|out| out.as_os_str() == "-");
    if args.format.is_binary() && to_stdout {
        return Err(DataError::Usage(
            "--format xlsx writes a workbook, not text: give --out FILE.xlsx".into(),
        ));
    }
    if args.csv_dialect.is_some() && args.format != Format::Csv {
        return Err(DataError::Usage(
            "--csv-dialect applies to --format csv only".into(),
        ));
    }
    Ok(())
}

fn name<T: clap::ValueEnum>(value: &T) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

pub fn run(args: &RunArgs, progress: &Progress) -> Result<i32> {
    check_format(args)?;
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let spec = RunSpec {
        // The default dialect is not recorded, so manifests stay as they were before the choice.
        csv_dialect: args
            .csv_dialect
            .filter(|dialect| *dialect != CsvDialect::Default)
            .map(|dialect| name(&dialect)),
        data: args.data.data.clone(),
        drop_invalid: args.data.load.drop_invalid,
        format: name(&args.format),
        queries: args.queries.clone(),
        suppress_below: args.output.suppress_below(),
    };
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
