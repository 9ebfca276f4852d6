//! `udfald synth`: simulate a register extract from a scenario file and write it as a dataset.

use crate::error::{DataError, EXIT_OK};
use crate::progress::Progress;
use crate::synth::{self, Scenario, SynthFormat, SynthOptions};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// How many persons to simulate (default: the scenario's `persons`, or its projects' sum).
    #[arg(long, value_name = "N")]
    pub persons: Option<u64>,
    /// Seed of the random process: the same seed gives byte-identical files (default: the
    /// scenario's `seed`, else 1).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// The dataset folder to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The scenario: the process parameters (default: the built-in FSM II-like scenario).
    #[arg(long, value_name = "FILE.toml")]
    pub scenario: Option<PathBuf>,
    /// The files' format: csv, parquet (text columns, as in the CSV) or dta (Stata 118: codes,
    /// dates as day counts, hours and wages as numbers). For SAS, convert the .dta with ReadStat:
    /// `readstat dream.dta dream.sas7bdat`.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SynthFormat,
}

pub fn run(args: &SynthArgs, progress: &Progress) -> Result<i32> {
    let scenario = match &args.scenario {
        Some(path) => {
            Scenario::from_toml_file(path).map_err(|err| DataError::Usage(format!("{err:#}")))?
        }
        None => Scenario::default(),
    };
    scenario
        .validate()
        .map_err(|err| DataError::Usage(format!("{err:#}")))?;
    let persons = match (args.persons, scenario.total_persons()) {
        (Some(n), Some(fixed)) if scenario.project_persons().is_some() && n != fixed => {
            return Err(DataError::Usage(format!(
                "--persons {n}: the scenario's projects fix the cohort at {fixed} persons"
            ))
            .into())
        }
        (Some(n), _) | (None, Some(n)) => n,
        (None, None) => {
            return Err(DataError::Usage(
                "give --persons N (the scenario does not set persons)".to_string(),
            )
            .into())
        }
    };
    if let Some(n) = args.persons {
        synth::check_persons(n).map_err(|err| DataError::Usage(format!("--persons {n}: {err}")))?;
    }
    let generating = progress.step(format!("simulating {persons} persons"));
    let summary = synth::generate(&SynthOptions {
        persons,
        seed: args.seed.or(scenario.seed).unwrap_or(1),
        out: args.out.clone(),
        scenario,
        format: args.format,
    })?;
    drop(generating);
    progress.note(format!(
        "wrote {} persons, {} weeks, {} income rows to {}",
        summary.persons,
        summary.weeks,
        summary.income_rows,
        args.out.display()
    ));
    Ok(EXIT_OK)
}
