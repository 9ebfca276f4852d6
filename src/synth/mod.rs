//! The synthetic data generator (`udfald synth`): a dataset folder in the register layouts of
//! `spec/data-formats.md`, simulated week by week from a scenario of mechanisms (see
//! `scenario.rs`), so that every reader and metric can run on data of realistic shape and size
//! without access to the real registers.
//!
//! Output is a function of (persons, seed, scenario) only: the generator has its own PRNG
//! (`rng.rs`), each person its own random stream, and threads only change how fast the same bytes
//! come out. Owns nothing outside `out` (and, in `cache.rs`, the per-user cache of datasets that
//! scenario files stand for); uses `crate::calendar` for all week and month arithmetic. Every file
//! is written whole or not at all (`crate::output::AtomicFile`).

mod cache;
mod formats;
mod rng;
mod scenario;
mod simulate;
mod write;

pub use cache::materialise;
pub use formats::SynthFormat;
pub use scenario::{
    Activities, Benefit, Category, Clarification, HoursBand, Income, Jobs, Municipalities,
    Population, Programme, Project, Scenario, Spell,
};

use crate::output::AtomicFile;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

pub struct SynthOptions {
    pub persons: u64,
    pub seed: u64,
    pub out: PathBuf,
    pub scenario: Scenario,
    /// The files' format (the generator writes CSV, then converts).
    pub format: SynthFormat,
}

pub struct SynthSummary {
    pub persons: u64,
    /// DREAM week columns.
    pub weeks: usize,
    pub income_rows: u64,
    /// Every file written, the manifest first.
    pub files: Vec<PathBuf>,
}

/// The most persons a synthetic dataset may have: over three times Denmark's population, about
/// 30 GB of CSV. A mistyped `--persons` would otherwise fill the disk of a shared server before
/// anyone noticed.
pub const MAX_PERSONS: u64 = 20_000_000;

/// Refuses no persons, or more than [`MAX_PERSONS`]; the caller names where the number came from.
pub fn check_persons(persons: u64) -> Result<(), String> {
    if persons == 0 {
        return Err("a dataset needs at least 1 person".into());
    }
    if persons > MAX_PERSONS {
        return Err(format!(
            "at most {MAX_PERSONS} persons (about 1.5 GB of files a million persons)"
        ));
    }
    Ok(())
}

/// Writes `dataset.toml`, `cohort.csv`, `dream.csv` and `income.csv` into `options.out`
/// (created if missing; existing files of those names are replaced).
pub fn generate(options: &SynthOptions) -> Result<SynthSummary> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    generate_with_threads(options, threads)
}

fn generate_with_threads(options: &SynthOptions, threads: usize) -> Result<SynthSummary> {
    if let Some(fixed) = options.scenario.project_persons() {
        let sum = fixed.iter().fold(0u64, |sum, &n| sum.saturating_add(n));
        if sum != options.persons {
            anyhow::bail!(
                "the scenario's projects fix the cohort at {sum} persons, not {}",
                options.persons
            );
        }
    }
    let plan = simulate::Plan::new(&options.scenario, options.seed)?;
    let out = &options.out;
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create output folder {}", out.display()))?;
    let paths = ["dataset.toml", "cohort.csv", "dream.csv", "income.csv"].map(|f| out.join(f));
    let [manifest, cohort_path, dream_path, income_path] = &paths;

    // Each file is written under a temporary name beside its own and put in place only when
    // complete (`crate::output::AtomicFile`): a failed or killed run leaves the previous files.
    let mut cohort = AtomicFile::create(cohort_path)?;
    let mut dream = AtomicFile::create(dream_path)?;
    let mut income = AtomicFile::create(income_path)?;
    let income_rows = {
        fn buffered(file: &mut AtomicFile) -> BufWriter<&mut File> {
            BufWriter::with_capacity(1 << 22, file.file())
        }
        let (mut cohort, mut dream, mut income) = (
            buffered(&mut cohort),
            buffered(&mut dream),
            buffered(&mut income),
        );
        let rows = write::write_persons(
            &plan,
            options.seed,
            options.persons,
            threads,
            &mut write::Sinks {
                cohort: &mut cohort,
                dream: &mut dream,
                income: &mut income,
            },
        )
        .with_context(|| format!("cannot write the dataset in {}", out.display()))?;
        for (writer, path) in [
            (cohort, cohort_path),
            (dream, dream_path),
            (income, income_path),
        ] {
            writer
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        rows
    };
    let mut files = vec![manifest.clone()];
    for (file, path) in [
        (cohort, cohort_path),
        (dream, dream_path),
        (income, income_path),
    ] {
        files.push(formats::finish(file, path, options.format)?);
    }
    // The manifest comes last, so an interrupted run leaves no folder that looks complete.
    crate::output::write_file(manifest, manifest_text(options, &plan).as_bytes())?;

    Ok(SynthSummary {
        persons: options.persons,
        weeks: plan.dream_weeks,
        income_rows,
        files,
    })
}

fn manifest_text(options: &SynthOptions, plan: &simulate::Plan) -> String {
    let quote = |text: &str| toml::Value::String(text.to_string()).to_string();
    let scenario = &options.scenario;
    let description = format!(
        "synthetic data (udfald synth): scenario {}, seed {}, {} persons",
        scenario.name, options.seed, options.persons
    );
    let ext = options.format.extension();
    format!(
        "name = {}\ndescription = {}\ncohort = \"cohort.{ext}\"\ndream = \"dream.{ext}\"\nincome = \"income.{ext}\"\nincome_through = \"{}\"\n",
        quote(&scenario.name),
        quote(&description),
        plan.income_through
    )
}

/// Generates into memory; for tests that look at the bytes.
#[cfg(test)]
fn generate_in_memory(
    scenario: &Scenario,
    persons: u64,
    seed: u64,
    threads: usize,
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let plan = simulate::Plan::new(scenario, seed).unwrap();
    let (mut cohort, mut dream, mut income) = (Vec::new(), Vec::new(), Vec::new());
    write::write_persons(
        &plan,
        seed,
        persons,
        threads,
        &mut write::Sinks {
            cohort: &mut cohort,
            dream: &mut dream,
            income: &mut income,
        },
    )
    .unwrap();
    (cohort, dream, income)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Month, Week};
    use std::collections::{BTreeMap, BTreeSet, HashSet};

    fn rows(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
        let mut reader = csv::Reader::from_reader(bytes);
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        (header, rows)
    }

    #[test]
    fn same_seed_same_bytes_whatever_the_threads() {
        let scenario = Scenario::default();
        let one = generate_in_memory(&scenario, 2500, 42, 1);
        let again = generate_in_memory(&scenario, 2500, 42, 1);
        let threaded = generate_in_memory(&scenario, 2500, 42, 3);
        assert!(one == again, "two runs with seed 42 differ");
        assert!(one == threaded, "threads change the output");
        let other_seed = generate_in_memory(&scenario, 2500, 43, 1);
        assert!(one.1 != other_seed.1);
        // A person's rows do not depend on how many persons are generated.
        let fewer = generate_in_memory(&scenario, 1000, 42, 2);
        assert!(one.0.starts_with(&fewer.0) && one.1.starts_with(&fewer.1));
        assert!(one.2.starts_with(&fewer.2));
    }

    #[test]
    fn week_columns_are_contiguous_and_include_week_53() {
        let (_, dream, _) = generate_in_memory(&Scenario::default(), 3, 1, 1);
        let (header, rows) = rows(&dream);
        assert_eq!(header[0], "pnr");
        let weeks: Vec<Week> = header[1..]
            .iter()
            .map(|c| Week::parse(c.strip_prefix("y_").unwrap()).unwrap())
            .collect();
        assert_eq!(weeks[0].to_string(), "2017-W01");
        assert_eq!(weeks.last().unwrap().to_string(), "2022-W26");
        assert!(weeks.windows(2).all(|w| w[1] == w[0].next()));
        assert!(header.contains(&"y_2053".to_string()));
        assert_eq!(weeks[0].month(), Month::new(2017, 1).unwrap());
        assert_eq!(weeks.last().unwrap().month(), Month::new(2022, 6).unwrap());
        assert!(rows.iter().all(|r| r.len() == header.len()));
    }

    #[test]
    fn codes_income_and_cohort_keep_the_formats_rules() {
        let table: HashSet<&str> = include_str!("../load/default_codes.csv")
            .lines()
            .skip(1)
            .map(|line| line.split(',').next().unwrap())
            .collect();
        let scenario = Scenario {
            income_through: Some("2021-12".to_string()),
            dream_absent_share: 0.02,
            ..Scenario::default()
        };
        let (cohort, dream, income) = generate_in_memory(&scenario, 3000, 9, 2);

        let (header, cohort) = rows(&cohort);
        assert_eq!(
            header.join(","),
            "person_id,start_date,arm,project,municipality,sex,birth_year,origin,benefit_group"
        );
        let ids: BTreeSet<&str> = cohort.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids.len(), 3000);
        assert_eq!(cohort[0][0], "P0000001");
        for row in &cohort {
            let start = crate::calendar::parse_date(&row[1]).unwrap();
            assert!(start.to_string().as_str() >= "2019-01-01" && row[1].as_str() <= "2021-06-30");
            assert!(row[2] == "treatment" || row[2] == "control");
            assert!(row[5] == "F" || row[5] == "M");
        }

        let (_, dream) = rows(&dream);
        assert!(
            dream.len() < 3000 && dream.len() > 2850,
            "{} DREAM rows",
            dream.len()
        );
        let mut emitted = BTreeSet::new();
        for row in &dream {
            assert!(ids.contains(row[0].as_str()));
            for cell in &row[1..] {
                if !cell.is_empty() {
                    emitted.insert(cell.clone());
                }
            }
        }
        for code in &emitted {
            assert!(
                table.contains(code.as_str()),
                "code {code} is not in the table"
            );
        }
        for expected in ["730", "737", "733", "735", "810", "771", "890"] {
            assert!(
                emitted.contains(expected),
                "no {expected} in 3000 persons: {emitted:?}"
            );
        }
        // Persons without a DREAM row never had a benefit, so they have no benefit group.
        let in_dream: HashSet<&str> = dream.iter().map(|r| r[0].as_str()).collect();
        for row in cohort.iter().filter(|r| !in_dream.contains(r[0].as_str())) {
            assert_eq!(row[8], "none");
        }

        let (header, income) = rows(&income);
        assert_eq!(header.join(","), "person_id,month,employer_id,hours,wage");
        assert!(income.len() > 10_000);
        let mut keys = HashSet::new();
        let mut months = BTreeSet::new();
        let mut two_employers = BTreeMap::<(&str, &str), u32>::new();
        for row in &income {
            assert!(ids.contains(row[0].as_str()));
            let month = Month::parse(&row[1]).unwrap();
            assert!(
                month <= Month::new(2021, 12).unwrap() && month >= Month::new(2017, 1).unwrap()
            );
            months.insert(month);
            let (whole, cents) = row[3].split_once('.').unwrap();
            assert_eq!(cents.len(), 2);
            assert!(row[3].parse::<f64>().unwrap() > 0.0, "{row:?}");
            assert!(!whole.is_empty() && row[4].bytes().all(|b| b.is_ascii_digit()));
            assert!(
                keys.insert((row[0].clone(), row[1].clone(), row[2].clone())),
                "{row:?}"
            );
            *two_employers.entry((&row[0], &row[1])).or_default() += 1;
        }
        assert_eq!(*months.last().unwrap(), Month::new(2021, 12).unwrap());
        assert!(
            two_employers.values().any(|&n| n >= 2),
            "nobody ever has two employers"
        );
    }

    /// Share of (treatment-arm) persons with at least one paid hour 6..18 months after start.
    fn paid_hours_share(scenario: &Scenario, persons: u64) -> f64 {
        let (cohort, _, income) = generate_in_memory(scenario, persons, 5, 2);
        let (_, cohort) = rows(&cohort);
        let start: BTreeMap<String, Month> = cohort
            .iter()
            .map(|r| {
                let date = crate::calendar::parse_date(&r[1]).unwrap();
                (r[0].clone(), Month::of_date(date))
            })
            .collect();
        let (_, income) = rows(&income);
        let mut paid = BTreeSet::new();
        for row in &income {
            let rel = Month::parse(&row[1]).unwrap().since(start[&row[0]]);
            if (6..=18).contains(&rel) {
                paid.insert(row[0].clone());
            }
        }
        paid.len() as f64 / persons as f64
    }

    #[test]
    fn treatment_effect_raises_paid_hours_after_start() {
        let mut scenario = Scenario::default();
        scenario.population.treatment_share = 1.0;
        scenario.programme.treatment_effect = 1.0;
        let without = paid_hours_share(&scenario, 2000);
        scenario.programme.treatment_effect = 3.0;
        let with = paid_hours_share(&scenario, 2000);
        assert!(
            with > without + 0.05,
            "paid hours {without:.3} -> {with:.3}"
        );
    }

    /// Project exits draw from a stream of their own (decision 87): switching them on adds the
    /// `end_date` column and changes nothing else, not a cohort cell, DREAM week or income row.
    #[test]
    fn exits_add_end_date_and_change_no_other_byte() {
        let off = Scenario::default();
        let mut on = Scenario::default();
        on.exit.hazard = 0.01;
        on.exit.without_work_hazard = 0.01;
        on.exit.at_clarification = true;
        let (cohort_off, dream_off, income_off) = generate_in_memory(&off, 1500, 7, 2);
        let (cohort_on, dream_on, income_on) = generate_in_memory(&on, 1500, 7, 2);
        assert!(dream_off == dream_on, "exits changed DREAM");
        assert!(income_off == income_on, "exits changed the income register");
        let (header_off, rows_off) = rows(&cohort_off);
        let (header_on, rows_on) = rows(&cohort_on);
        assert_eq!(header_on.last().unwrap(), "end_date");
        assert_eq!(header_on[..header_on.len() - 1], header_off[..]);
        let mut left = 0;
        for (with, without) in rows_on.iter().zip(&rows_off) {
            assert_eq!(with[..with.len() - 1], without[..]);
            let end = with.last().unwrap();
            if end.is_empty() {
                continue;
            }
            left += 1;
            let (start, end) = (
                crate::calendar::parse_date(&with[1]).unwrap(),
                crate::calendar::parse_date(end).unwrap(),
            );
            // The Thursday of a week after the start week.
            assert_eq!(end, Week::of_date(end).thursday(), "{with:?}");
            assert!(Week::of_date(end) > Week::of_date(start), "{with:?}");
        }
        // The last start (2021-06-30) has 52 weeks in the data after it: at 1% a week or more,
        // each person leaves with a probability of at least 1 - 0.99^52 = 41%.
        assert!(left > 600, "{left} of 1500 left");
    }

    /// With a weekly hazard of 1 everyone leaves in the first week after their start week: its
    /// Thursday. The first person starts on Friday 2020-01-17 (ISO week 2020-W03, Monday 13 to
    /// Sunday 19 January), so leaves on Thursday 2020-01-23 (2020-W04).
    #[test]
    fn a_certain_exit_is_the_thursday_after_the_start_week() {
        let mut scenario = Scenario::default();
        scenario.exit.hazard = 1.0;
        let (cohort, _, _) = generate_in_memory(&scenario, 200, 5, 1);
        let (_, rows) = rows(&cohort);
        for row in &rows {
            let start = crate::calendar::parse_date(&row[1]).unwrap();
            let want = Week::of_date(start).next().thursday().to_string();
            assert_eq!(row.last().unwrap(), &want, "{row:?}");
        }
        assert_eq!(
            (rows[0][1].as_str(), rows[0].last().unwrap().as_str()),
            ("2020-01-17", "2020-01-23")
        );
    }

    /// `at_clarification`: nobody is still in the project after a week on disability pension or
    /// early retirement (DREAM 781, 621) that follows their start week.
    #[test]
    fn clarified_persons_leave_the_project() {
        let mut scenario = Scenario::default();
        scenario.exit.at_clarification = true;
        scenario.clarification.disability_hazard = 0.01;
        let (cohort, dream, _) = generate_in_memory(&scenario, 600, 3, 1);
        let (_, cohort) = rows(&cohort);
        let (header, dream) = rows(&dream);
        let weeks: Vec<Week> = header[1..]
            .iter()
            .map(|c| Week::parse(c.strip_prefix("y_").unwrap()).unwrap())
            .collect();
        let dream: BTreeMap<&str, &Vec<String>> =
            dream.iter().map(|r| (r[0].as_str(), r)).collect();
        let mut clarified = 0;
        for person in &cohort {
            let Some(codes) = dream.get(person[0].as_str()) else {
                continue;
            };
            let start = Week::of_date(crate::calendar::parse_date(&person[1]).unwrap());
            let first = weeks.iter().zip(&codes[1..]).find(|(week, code)| {
                **week > start && (code.as_str() == "781" || code.as_str() == "621")
            });
            if let Some((week, _)) = first {
                clarified += 1;
                let end = crate::calendar::parse_date(person.last().unwrap()).unwrap();
                assert!(end <= week.thursday(), "{person:?}: {week} on {end}");
            }
        }
        assert!(clarified > 50, "{clarified} clarified");
    }

    #[test]
    fn generate_writes_a_dataset_folder() {
        let out = std::env::temp_dir().join(format!("udfald-synth-test-{}", std::process::id()));
        let summary = generate(&SynthOptions {
            format: SynthFormat::Csv,
            persons: 50,
            seed: 3,
            out: out.clone(),
            scenario: Scenario::default(),
        })
        .unwrap();
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(out.join("dataset.toml")).unwrap()).unwrap();
        std::fs::remove_dir_all(&out).unwrap();
        assert_eq!(summary.persons, 50);
        assert_eq!(summary.weeks, 287);
        assert_eq!(summary.files.len(), 4);
        assert_eq!(manifest["name"].as_str(), Some("fsm2-like"));
        assert_eq!(manifest["dream"].as_str(), Some("dream.csv"));
        assert_eq!(manifest["income_through"].as_str(), Some("2022-06"));
        let description = manifest["description"].as_str().unwrap();
        assert!(description.contains("fsm2-like") && description.contains("seed 3"));
        assert!(description.contains("50 persons"));
    }
}
