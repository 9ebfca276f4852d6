//! A run as a command asks for it: the query files named on the command line, and a
//! [`RunSpec`] executed to rendered output and its manifest. `run` and `reproduce` execute specs
//! (so a manifest re-runs exactly as it was recorded); `check` and `list` load queries.

use crate::error::DataError;
use crate::load::LoadOptions;
use crate::progress::Progress;
use crate::provenance::{Manifest, RunSpec};
use crate::query::{self, explain, Query};
use crate::render::{self, CsvDialect, Format};
use crate::runner::{self, RunOptions};
use anyhow::Result;
use std::path::{Path, PathBuf};

/// Reads every query file of the files and folders given, or fails with the first one that is
/// wrong; no query file at all, and two queries of the same name, are usage errors (results,
/// checks and provenance are told apart by name).
pub fn load_queries(paths: &[PathBuf]) -> Result<Vec<Query>> {
    let files = query::collect(paths)?;
    if files.is_empty() {
        return Err(DataError::Usage("no query files (*.toml) found".into()).into());
    }
    let queries = files
        .iter()
        .map(|f| Query::load(f))
        .collect::<Result<Vec<_>, _>>()?;
    for (index, query) in queries.iter().enumerate() {
        if let Some(first) = queries[..index].iter().find(|q| q.name == query.name) {
            let same = |a: &Path, b: &Path| {
                a == b
                    || a.canonicalize()
                        .ok()
                        .is_some_and(|a| b.canonicalize().ok() == Some(a))
            };
            let message = if same(&first.path, &query.path) {
                format!(
                    "{}: the query file is named twice (itself and its folder, or twice); the queries of one run need distinct names",
                    query.path.display()
                )
            } else {
                format!(
                    "{}: key name: {:?} is also the name of {}; the queries of one run need distinct names",
                    query.path.display(),
                    query.name,
                    first.path.display()
                )
            };
            return Err(DataError::Usage(message).into());
        }
    }
    Ok(queries)
}

/// A spec's rendered output and its manifest (without start time or output hash).
pub struct Executed {
    pub output: Vec<u8>,
    pub manifest: Manifest,
}

fn parse_format(name: &str) -> Result<Format> {
    <Format as clap::ValueEnum>::from_str(name, true)
        .map_err(|_| DataError::Usage(format!("unknown format {name:?}")).into())
}

/// The spec's CSV dialect: the default when it names none; one for another format than CSV is a
/// usage error (it would change nothing, so the spec is not what it says).
fn parse_dialect(spec: &RunSpec, format: Format) -> Result<CsvDialect> {
    let Some(name) = &spec.csv_dialect else {
        return Ok(CsvDialect::Default);
    };
    if format != Format::Csv {
        return Err(DataError::Usage(format!(
            "csv dialect {name:?} applies to format csv only, not {:?}",
            spec.format
        ))
        .into());
    }
    <CsvDialect as clap::ValueEnum>::from_str(name, true)
        .map_err(|_| DataError::Usage(format!("unknown csv dialect {name:?}")).into())
}

/// Runs a spec, reporting on `progress`. `max_problems` only caps how many problems an error
/// lists, so the spec does not record it.
pub fn execute(spec: &RunSpec, max_problems: usize, progress: &Progress) -> Result<Executed> {
    if let Some(min_cell) = spec.suppress_below {
        runner::check_min_cell(min_cell)
            .map_err(|err| DataError::Usage(format!("suppress_below = {min_cell}: {err}")))?;
    }
    let format = parse_format(&spec.format)?;
    let dialect = parse_dialect(spec, format)?;
    let queries = load_queries(&spec.queries)?;
    let options = RunOptions {
        data: spec.data.clone(),
        suppress_below: spec.suppress_below,
        load: LoadOptions {
            drop_invalid: spec.drop_invalid,
            max_problems,
        },
        keep_exact: false,
        keep_outcomes: false,
    };
    let output = runner::run_recorded(&queries, &options, progress)?;
    let manifest = Manifest::new(&queries, &output.datasets, spec.clone())?;
    let definitions: Vec<String> = queries
        .iter()
        .map(|query| explain(query, spec.suppress_below))
        .collect();
    let output = render::render(format, dialect, &output.results, &manifest, &definitions)?;
    Ok(Executed { output, manifest })
}
