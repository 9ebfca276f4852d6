//! `udfald run`: run one query, several, or a folder of them, and print or write the tables;
//! `--provenance` writes the manifest that `udfald reproduce` re-runs.

use crate::cmd::args::{OutputArgs, QueryDataArgs};
use crate::error::{DataError, EXIT_OK};
use crate::load::LoadOptions;
use crate::provenance;
use crate::query::{self, Query};
use crate::render::{self, Format};
use crate::runner::{self, RunOptions};
use anyhow::{anyhow, Result};
use clap::Args;
use serde::{Deserialize, Serialize};
use std::io::Write;
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
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also write the run's provenance manifest (inputs, hashes, parameters, start time) here.
    #[arg(long, value_name = "FILE")]
    pub provenance: Option<PathBuf>,
}

/// What a run is, as recorded in a provenance manifest and re-run by `reproduce`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunSpec {
    pub queries: Vec<PathBuf>,
    pub data: Option<PathBuf>,
    pub format: String,
    pub suppress_below: Option<u64>,
    pub drop_invalid: bool,
}

/// Reads every query file, or fails with the first one that is wrong.
pub fn load_queries(paths: &[PathBuf]) -> Result<Vec<Query>> {
    let files = query::collect(paths)?;
    if files.is_empty() {
        return Err(DataError::Usage("no query files (*.toml) found".into()).into());
    }
    Ok(files
        .iter()
        .map(|f| Query::load(f))
        .collect::<Result<Vec<_>, _>>()?)
}

fn parse_format(name: &str) -> Result<Format> {
    <Format as clap::ValueEnum>::from_str(name, true)
        .map_err(|_| DataError::Usage(format!("unknown format {name:?}")).into())
}

/// Runs a spec: the rendered output and the provenance (without start time or output hash).
/// `max_problems` only caps how many problems an error lists, so the spec does not record it.
pub fn execute(spec: &RunSpec, max_problems: usize) -> Result<(Vec<u8>, serde_json::Value)> {
    let queries = load_queries(&spec.queries)?;
    let options = RunOptions {
        data: spec.data.clone(),
        suppress_below: spec.suppress_below,
        load: LoadOptions {
            drop_invalid: spec.drop_invalid,
            max_problems,
        },
    };
    let output = runner::run_recorded(&queries, &options)?;
    let record = serde_json::to_value(spec)?;
    let provenance = provenance::manifest(&queries, &output.datasets, record)?;
    let rendered = render::render(parse_format(&spec.format)?, &output.results, &provenance);
    Ok((rendered.into_bytes(), provenance))
}

pub fn run(args: &RunArgs) -> Result<i32> {
    let started = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let spec = RunSpec {
        queries: args.queries.clone(),
        data: args.data.data.clone(),
        format: <Format as clap::ValueEnum>::to_possible_value(&args.format)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default(),
        suppress_below: args.output.suppress_below(),
        drop_invalid: args.data.load.drop_invalid,
    };
    let (bytes, mut provenance) = execute(&spec, args.data.load.max_problems)?;
    write_output(args.output.out.as_ref(), &bytes)?;
    if let Some(path) = &args.provenance {
        provenance["started"] = serde_json::Value::String(started);
        provenance["output_sha256"] = serde_json::Value::String(crate::hash::sha256(&bytes));
        let text = serde_json::to_string_pretty(&provenance)? + "\n";
        std::fs::write(path, text)
            .map_err(|err| anyhow!("cannot write {}: {err}", path.display()))?;
    }
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
