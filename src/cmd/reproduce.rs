//! `udfald reproduce`: re-run what a provenance manifest records and say whether the result is
//! byte-identical; when it is not, say which input changed (udfald, a query file, a data file).

use crate::error::{DEFAULT_PROBLEM_CAP, EXIT_DATA, EXIT_OK};
use crate::hash::sha256;
use crate::output;
use crate::progress::Progress;
use crate::provenance::Manifest;
use crate::session::{self, Executed};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// A manifest written by `udfald run --provenance FILE`.
    #[arg(value_name = "MANIFEST")]
    pub manifest: PathBuf,
}

pub fn run(args: &ReproduceArgs, progress: &Progress) -> Result<i32> {
    let recorded = Manifest::read(&args.manifest)?;
    let Executed { output, manifest } =
        session::execute(&recorded.run, DEFAULT_PROBLEM_CAP, progress)?;
    let hash = sha256(&output);
    let expected = recorded.output_sha256.as_deref().unwrap_or("");
    if hash == expected {
        output::write(
            None,
            format!("identical: the result reproduces byte for byte (sha256 {hash})\n").as_bytes(),
        )?;
        return Ok(EXIT_OK);
    }
    let mut report =
        format!("differs: the result's sha256 is {hash}, the manifest recorded {expected}\n");
    let changes = recorded.changed_inputs(&manifest);
    if changes.is_empty() {
        report.push_str("no recorded input changed\n");
    }
    for change in changes {
        report.push_str(&format!("  changed input: {change}\n"));
    }
    output::write(None, report.as_bytes())?;
    Ok(EXIT_DATA)
}
