//! `udfald validate`: read and check a dataset, print what it holds and what is wrong with it.

use crate::cmd::args::DataArgs;
use crate::dataset::{Dataset, Format};
use crate::error::{EXIT_DATA, EXIT_OK};
use crate::load::{self, Loaded, WeekState, CATEGORIES};
use crate::output;
use crate::progress::Progress;
use anyhow::Result;
use clap::Args;
use std::fmt::Write;

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ValidateArgs, progress: &Progress) -> Result<i32> {
    let dataset = Dataset::open(&args.data.data)?;
    let loaded = load::load(&dataset, &args.data.load.load_options(), progress)?;
    output::write(None, summary(&loaded).as_bytes())?;
    let dropped: u64 = loaded.report.dropped_rows.values().sum();
    Ok(if dropped > 0 || loaded.report.problems.is_empty() {
        EXIT_OK
    } else {
        EXIT_DATA
    })
}

/// The human-readable summary of a loaded dataset.
pub fn summary(loaded: &Loaded) -> String {
    let mut out = String::new();
    let (dataset, report) = (&loaded.dataset, &loaded.report);
    let _ = writeln!(out, "dataset  {} ({})", dataset.name, dataset.dir.display());
    if !dataset.description.is_empty() {
        let _ = writeln!(out, "         {}", dataset.description);
    }
    let _ = writeln!(out, "\nfiles");
    let _ = writeln!(
        out,
        "  cohort  {}: {} rows, {} persons",
        dataset.cohort.name,
        report.cohort_rows,
        loaded.cohort.len()
    );
    let _ = writeln!(out, "{}", how_read(&dataset.cohort));
    let dream = &report.dream;
    let _ = writeln!(
        out,
        "  dream   {}: {} layout, {} rows: {} cohort persons, {} person(s) not in the cohort (not used)",
        dataset.dream.name, dream.layout, dream.rows, dream.cohort_persons, dream.persons_not_in_cohort
    );
    let _ = writeln!(out, "{}", how_read(&dataset.dream));
    let _ = writeln!(out, "{}", keys_met(&dream.keys));
    by_file(&mut out, &dream.by_file);
    let weeks = &loaded.weeks;
    let _ = writeln!(
        out,
        "          weeks {} .. {} ({} weeks)",
        weeks.first_week,
        weeks.last_week(),
        weeks.n_weeks
    );
    if !dream.passthrough_columns.is_empty() {
        let _ = writeln!(
            out,
            "          pass-through columns: {}",
            dream.passthrough_columns.join(", ")
        );
    }
    if dream.monthly_columns > 0 {
        let _ = writeln!(
            out,
            "          grad_/branche_ monthly columns: {} (not used by the panel)",
            dream.monthly_columns
        );
    }
    let income = &report.income;
    let _ = writeln!(
        out,
        "  income  {}: {} rows: {} rows of {} cohort persons, {} rows of {} person(s) not in the cohort (not used)",
        dataset.income.name,
        income.rows,
        income.cohort_rows,
        income.cohort_persons,
        income.rows_not_in_cohort,
        income.persons_not_in_cohort
    );
    let _ = writeln!(out, "{}", how_read(&dataset.income));
    let _ = writeln!(out, "{}", keys_met(&income.keys));
    by_file(&mut out, &income.by_file);
    let present = match (
        loaded.income.first_month_present,
        loaded.income.last_month_present,
    ) {
        (Some(first), Some(last)) => format!("months present {first} .. {last}"),
        _ => "no months present".to_string(),
    };
    let through = match loaded.income.through {
        Some(month) if loaded.income.through_declared => {
            format!("covers through {month} (income_through)")
        }
        Some(month) => format!("covers through {month} (last month present)"),
        None => "coverage unknown (no rows, no income_through): taken as DREAM's".to_string(),
    };
    let _ = writeln!(out, "          {present}; {through}");
    if income.duplicates_summed > 0 {
        let _ = writeln!(
            out,
            "          {} duplicate rows added up (sum_duplicate_income)",
            income.duplicates_summed
        );
    }
    let _ = writeln!(
        out,
        "  codes   {}: {} codes",
        loaded.codes.name,
        loaded.codes.entries.len()
    );

    let _ = writeln!(out, "\ncoverage");
    match loaded.coverage.months {
        Some((first, last)) => {
            let _ = writeln!(
                out,
                "  observed months {first} .. {last} ({} months)",
                last.since(first) + 1
            );
        }
        None => {
            let _ = writeln!(out, "  observed months: none (DREAM's weeks and the income register do not share a whole month)");
        }
    }

    let _ = writeln!(out, "\nperson-weeks of cohort persons by category");
    let mut per_state = [0u64; 256];
    for person in 0..loaded.cohort.len() as u32 {
        for &byte in weeks.person(person) {
            per_state[byte as usize] += 1;
        }
    }
    for (index, category) in CATEGORIES.iter().enumerate() {
        let public = per_state[WeekState::benefit(index, true).byte() as usize];
        let private = per_state[WeekState::benefit(index, false).byte() as usize];
        if public + private > 0 {
            let flag = match (public > 0, private > 0) {
                (true, false) => "public support",
                (false, true) => "not public support",
                _ => "partly public support",
            };
            let _ = writeln!(out, "  {category:<24} {:>12}  {flag}", public + private);
        }
    }
    let _ = writeln!(
        out,
        "  {:<24} {:>12}",
        "no benefit",
        per_state[WeekState::NO_BENEFIT.byte() as usize]
    );

    let mut paid_months = 0u64;
    let mut jobs = loaded.income.jobs.iter().peekable();
    while let Some(job) = jobs.next() {
        let mut hours = job.hours;
        while let Some(next) =
            jobs.next_if(|next| (next.person, next.month) == (job.person, job.month))
        {
            hours += next.hours;
        }
        paid_months += (hours > 0.0) as u64;
    }
    let _ = writeln!(
        out,
        "\nincome\n  person-months of cohort persons with paid hours > 0: {paid_months}"
    );

    let _ = writeln!(out);
    if report.problems.is_empty() {
        let _ = writeln!(out, "problems: none");
    } else {
        let _ = writeln!(
            out,
            "problems: {} (the rows concerned were dropped on request)",
            report.problems.total()
        );
        for (file, rows) in &report.dropped_rows {
            let _ = writeln!(out, "  dropped {rows} row(s) of {file}");
        }
        let _ = write!(out, "{}", report.problems);
    }
    out
}

/// How a role's files were read: format, encoding and the column mapping used.
fn how_read(source: &crate::dataset::Source) -> String {
    let formats: std::collections::BTreeSet<&str> = source
        .files
        .iter()
        .map(|file| match file.format {
            Format::Csv => "CSV",
            Format::Parquet => "Parquet",
            Format::Sas => "SAS",
            Format::Stata => "Stata",
        })
        .collect();
    let formats: Vec<&str> = formats.into_iter().collect();
    let files = match source.files.len() {
        1 => String::new(),
        n => format!(", {n} files read as one"),
    };
    let columns = if source.columns.is_empty() {
        "the spec's column names".to_string()
    } else {
        let mapped: Vec<String> = source
            .columns
            .iter()
            .map(|c| match c.digits {
                None => format!("{} = {}", c.spec, c.file),
                Some(digits) => format!(
                    "{} = {} ({})",
                    c.spec,
                    c.file,
                    format!("{digits:?}").to_lowercase()
                ),
            })
            .collect();
        format!("columns {}", mapped.join(", "))
    };
    let encoding = source.encoding.name().to_lowercase();
    // A SAS file declares its own encoding; the dataset's is for those that do not.
    let text = if formats.iter().all(|f| *f == "CSV" || *f == "Parquet") {
        format!("text {encoding}")
    } else {
        format!("text as the file declares it, else {encoding}")
    };
    format!(
        "          read as {}{files}, {text}; {columns}",
        formats.join(" and ")
    )
}

/// For a role read from several files, how each file's keys met the cohort's.
fn by_file(out: &mut String, by_file: &crate::load::keys::ByFile) {
    for file in &by_file.files {
        let _ = writeln!(
            out,
            "            {}: {}",
            file.file,
            keys_met(&file.keys).trim_start()
        );
    }
}

/// How a register's keys met the cohort's, with example keys that met no one.
fn keys_met(keys: &crate::load::keys::KeyMatch) -> String {
    let examples = if keys.stranger_examples.is_empty() {
        String::new()
    } else {
        let quoted: Vec<String> = keys
            .stranger_examples
            .iter()
            .map(|k| format!("\"{k}\""))
            .collect();
        format!(" (e.g. {})", quoted.join(", "))
    };
    format!(
        "          keys: {} cohort persons matched, {} key(s) matched no cohort person{examples}",
        keys.cohort_persons(),
        keys.strangers
    )
}
