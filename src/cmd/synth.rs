//! `udfald synth`: simulate a register extract from a scenario file and write it as a dataset.

use crate::error::{DataError, EXIT_OK};
use crate::synth::{self, Scenario, SynthOptions};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// How many persons to simulate.
    #[arg(long, value_name = "N")]
    pub persons: u64,
    /// Seed of the random process: the same seed gives byte-identical files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// The dataset folder to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The scenario: the process parameters (default: the built-in FSM II-like scenario).
    #[arg(long, value_name = "FILE.toml")]
    pub scenario: Option<PathBuf>,
}

pub fn run(args: &SynthArgs) -> Result<i32> {
    let scenario = match &args.scenario {
        Some(path) => {
            Scenario::from_toml_file(path).map_err(|err| DataError::Usage(format!("{err:#}")))?
        }
        None => Scenario::default(),
    };
    scenario
        .validate()
        .map_err(|err| DataError::Usage(format!("{err:#}")))?;
    let summary = synth::generate(&SynthOptions {
        persons: args.persons,
        seed: args.seed,
        out: args.out.clone(),
        scenario,
    })?;
    eprintln!(
        "udfald: wrote {} persons, {} weeks, {} income rows to {}",
        summary.persons,
        summary.weeks,
        summary.income_rows,
        args.out.display()
    );
    Ok(EXIT_OK)
}
