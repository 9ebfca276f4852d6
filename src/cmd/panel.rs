//! `udfald panel`: build the person-month panel and write it. This is person-level output, so it
//! happens only on this explicit command, which says so on stderr.

use crate::cmd::args::DataArgs;
use crate::dataset::Dataset;
use crate::error::EXIT_OK;
use crate::load;
use crate::measure::MAX_MONTHS;
use crate::panel::statuses::{check_min_hours, check_min_weeks_without_benefit};
use crate::panel::{self, PanelOptions, StatusParams};
use crate::progress::Progress;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct PanelArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the panel: a .parquet or .csv file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Months before each person's start month to include (at most 1200).
    #[arg(long, value_name = "N", default_value_t = 36, value_parser = months)]
    pub months_before: u32,
    /// Months after the start month to include (default: through the end of coverage; at most
    /// 1200).
    #[arg(long, value_name = "N", value_parser = months)]
    pub months_after: Option<u32>,
    /// `paid_hours`: at least this many paid hours in the month.
    #[arg(long, value_name = "HOURS", default_value_t = 1.0, value_parser = min_hours)]
    pub min_hours: f64,
    /// `employment`: at least this many weeks of the month without benefit (at most 5).
    #[arg(long, value_name = "WEEKS", default_value_t = 4, value_parser = min_weeks)]
    pub min_weeks_without_benefit: u32,
    /// An employer counts in `employers` with hours above 0 and at least this.
    #[arg(long, value_name = "HOURS", default_value_t = 0.0, value_parser = hours)]
    pub min_hours_per_employer: f64,
}

/// `--months-before`, `--months-after`: a number of months, at most [`MAX_MONTHS`] (100 years).
fn months(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(months) if months <= MAX_MONTHS.unsigned_abs() => Ok(months),
        Ok(months) => Err(format!(
            "{months} is more than {MAX_MONTHS} months (100 years)"
        )),
        Err(_) => Err(format!("{text:?} is not a number of months")),
    }
}

/// `--min-hours`: a number of hours above 0, as `[definitions] min_hours`.
fn min_hours(text: &str) -> Result<f64, String> {
    let hours = number(text)?;
    check_min_hours(hours)?;
    Ok(hours)
}

/// `--min-weeks-without-benefit`: at most the weeks a month has.
fn min_weeks(text: &str) -> Result<u32, String> {
    let weeks = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of weeks"))?;
    check_min_weeks_without_benefit(weeks)?;
    Ok(weeks)
}

/// `--min-hours-per-employer`: a number of hours, 0 or more.
fn hours(text: &str) -> Result<f64, String> {
    let hours = number(text)?;
    if !(hours.is_finite() && hours >= 0.0) {
        return Err(format!("{hours} is not a number of hours >= 0"));
    }
    Ok(hours)
}

fn number(text: &str) -> Result<f64, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

pub fn run(args: &PanelArgs, progress: &Progress) -> Result<i32> {
    let options = PanelOptions {
        months_before: args.months_before,
        months_after: args.months_after,
        min_hours_per_employer: args.min_hours_per_employer,
        statuses: StatusParams {
            min_hours: args.min_hours,
            min_weeks_without_benefit: args.min_weeks_without_benefit,
        },
    };
    // Before any register is read: building a panel only to refuse its file name wastes minutes.
    panel::write::format_of(&args.out)?;
    let dataset = Dataset::open(&args.data.data)?;
    let loaded = load::load(&dataset, &args.data.load.load_options(), progress)?;
    if let Some(strangers) = loaded.report.strangers(&dataset) {
        progress.note(strangers);
    }
    for (file, rows) in &loaded.report.dropped_rows {
        progress.note(format!(
            "dropped {rows} invalid row(s) of {file} (--drop-invalid)"
        ));
    }
    let panel = panel::build(loaded, &options, progress)?;
    // Not silenced by --quiet: person-level data is about to leave udfald.
    progress.warn(format!(
        "writing PERSON-LEVEL data ({} person-months of {} persons) to {}",
        panel.months.height(),
        panel.persons.height(),
        args.out.display()
    ));
    let _writing = progress.step(format!("writing {}", args.out.display()));
    panel::write::write(&panel, &args.out)?;
    Ok(EXIT_OK)
}
