//! `udfald synth`: a generated dataset passes `validate` and builds a panel, the same seed gives
//! the same bytes, and a bad scenario is refused with the key named.

use crate::harness::{udfald, udfald_with_env, Run, Workdir};
use std::path::Path;

/// `udfald synth ARGS --out OUT`.
fn synth(args: &[&str], out: &Path) -> Run {
    let mut all = vec!["synth"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().unwrap()]);
    udfald(&all)
}

/// Generates `persons` persons from `seed` into the work dir.
fn synth_persons(work: &Workdir, persons: &str, seed: &str) {
    synth(&["--persons", persons, "--seed", seed], work.path()).expect_status(0);
}

#[test]
fn generated_dataset_validates_and_builds_a_panel() {
    let work = Workdir::empty();
    synth_persons(&work, "300", "3");
    let run = work.run(&["validate"]).expect_status(0);
    run.stdout_has(&[
        "cohort.csv: 300 rows, 300 persons",
        "wide layout",
        "problems: none",
    ]);
    let (_, panel) = work.panel(&["--months-before", "12"]);
    // Someone in 300 persons over years has paid hours, and someone is on benefit.
    assert!(panel.lines().skip(1).any(|l| l.contains(",true,")));
    assert!(panel.lines().count() > 300);
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (first, second, third) = (Workdir::empty(), Workdir::empty(), Workdir::empty());
    synth_persons(&first, "200", "11");
    synth_persons(&second, "200", "11");
    synth_persons(&third, "200", "12");
    for name in ["dataset.toml", "cohort.csv", "dream.csv", "income.csv"] {
        assert_eq!(
            first.read(name),
            second.read(name),
            "{name} differs for the same seed"
        );
    }
    assert_ne!(first.read("dream.csv"), third.read("dream.csv"));
}

#[test]
fn shipped_scenario_runs() {
    let work = Workdir::empty();
    synth(
        &[
            "--persons",
            "50",
            "--seed",
            "1",
            "--scenario",
            "data-samples/scenarios/default.toml",
        ],
        work.path(),
    )
    .expect_status(0);
    work.run(&["validate"]).expect_status(0);
}

#[test]
fn sizes_nobody_can_mean_are_refused_before_anything_is_written() {
    let work = Workdir::empty();
    let out = work.file("out");
    synth(&["--persons", "20000001"], &out).expect_error(
        2,
        "--persons 20000001: at most 20000000 persons (about 1.5 GB of files a million persons)",
    );
    synth(&["--persons", "0"], &out)
        .expect_error(2, "--persons 0: a dataset needs at least 1 person");
    // A scenario's own size, and projects whose sizes would overflow when summed.
    for (text, key, value) in [
        ("persons = 30000000\n", "persons", "30000000"),
        (
            "[[projects]]\nname = \"A\"\npersons = 9223372036854775807\n[[projects]]\nname = \"B\"\npersons = 9223372036854775807\n[[projects]]\nname = \"C\"\npersons = 5\n",
            "projects.persons (their sum)",
            "18446744073709551615",
        ),
    ] {
        work.write("big.toml", text);
        let scenario = work.file("big.toml");
        synth(&["--scenario", scenario.to_str().unwrap()], &out).expect_error(
            2,
            &format!(
                "scenario file {}: {key} = {value}: at most 20000000 persons (about 1.5 GB of files a million persons)",
                scenario.display()
            ),
        );
    }
    assert!(!out.exists());
}

#[test]
fn scenario_with_unknown_key_is_refused() {
    let work = Workdir::empty();
    work.write("bad.toml", "treatment_efect = 2.0\n");
    let scenario = work.file("bad.toml");
    synth(
        &["--persons", "10", "--scenario", scenario.to_str().unwrap()],
        &work.file("out"),
    )
    .expect_status(2)
    // Then the list of the keys there are.
    .stderr_has(&[&format!(
        "udfald: error: scenario file {}: unknown field `treatment_efect`, expected one of `name`, ",
        scenario.display()
    )]);
}

/// Two projects of exact sizes, the second with its own referral window, in a `pathway` column.
const TWO_PATHWAYS: &str = r#"
name = "two-pathways"
persons = 120
seed = 5
project_column = "pathway"
[[projects]]
name = "P1"
persons = 80
[[projects]]
name = "P2"
persons = 40
overrides = { start_from = "2021-01-04", jobs = { finding_hazard = 0.02 } }
"#;

#[test]
fn a_scenario_file_as_dataset_is_generated_once_and_cached() {
    let work = Workdir::empty();
    work.write("two.toml", TWO_PATHWAYS);
    work.write(
        "q.toml",
        "name = \"q\"\ntitle = \"t\"\ndataset = \"two.toml\"\nmetric = \"share_ever\"\n\
         group_by = [\"pathway\"]\n[window]\nfrom = 0\n\
         [params]\nstatus = \"paid_hours\"\nfollowup = \"available\"\n",
    );
    let cache = work.file("cache");
    let env = [("UDFALD_SYNTH_CACHE", cache.as_path())];
    let query = work.file("q.toml");
    let args = ["run", query.to_str().unwrap(), "--format", "csv"];
    let first = udfald_with_env(&args, &env).expect_status(0);
    first.stderr_has(&["generated", "two.toml", "120 persons, seed 5"]);
    // The exact project sizes, under the scenario's column name.
    first.stdout_has(&["pathway,", "\nP1,80,", "\nP2,40,", "(all),120,"]);
    let second = udfald_with_env(&args, &env).expect_status(0);
    assert!(!second.stderr.contains("generated"), "{}", second.stderr);
    assert_eq!(first.stdout, second.stdout);
    let folders = || std::fs::read_dir(&cache).unwrap().count();
    assert_eq!(folders(), 1, "one cached dataset");
    // A changed scenario is generated anew. The older dataset was used a moment ago, so a
    // concurrent run may still read it: it stays.
    work.replace("two.toml", "seed = 5", "seed = 6");
    udfald_with_env(&args, &env)
        .expect_status(0)
        .stderr_has(&["generated", "seed 6"]);
    assert_eq!(folders(), 2, "a dataset used minutes ago is kept");
    // Once unused for longer than the grace period, the next generation removes it.
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    for entry in std::fs::read_dir(&cache).unwrap().flatten() {
        std::fs::File::options()
            .append(true)
            .open(entry.path().join("dataset.toml"))
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    }
    work.replace("two.toml", "seed = 6", "seed = 7");
    udfald_with_env(&args, &env)
        .expect_status(0)
        .stderr_has(&["generated", "seed 7"]);
    assert_eq!(folders(), 1, "the older datasets are removed");

    // The same scenario through `synth`: persons and seed come from the file.
    let out = work.file("out");
    let scenario = work.file("two.toml");
    synth(&["--scenario", scenario.to_str().unwrap()], &out).expect_status(0);
    let cohort = std::fs::read_to_string(out.join("cohort.csv")).unwrap();
    assert!(cohort.starts_with("person_id,start_date,arm,pathway,"));
    let p2: Vec<&str> = cohort.lines().filter(|l| l.contains(",P2,")).collect();
    assert_eq!(p2.len(), 40);
    // P2's own referral window.
    assert!(p2
        .iter()
        .all(|l| l.split(',').nth(1).unwrap() >= "2021-01-04"));
    let cohort_rows = cohort.lines().count() - 1;
    assert_eq!(cohort_rows, 120);
}

#[test]
fn fixed_project_sizes_refuse_another_persons_count() {
    let work = Workdir::empty();
    work.write("two.toml", TWO_PATHWAYS);
    let scenario = work.file("two.toml");
    synth(
        &["--scenario", scenario.to_str().unwrap(), "--persons", "100"],
        &work.file("out"),
    )
    .expect_error(
        2,
        "--persons 100: the scenario's projects fix the cohort at 120 persons",
    );
}

#[test]
fn a_scenario_without_persons_is_not_a_dataset() {
    let work = Workdir::empty();
    work.write("s.toml", "name = \"s\"\n");
    work.write(
        "q.toml",
        "name = \"q\"\ntitle = \"t\"\ndataset = \"s.toml\"\nmetric = \"share_ever\"\n\
         [window]\nfrom = 0\n[params]\nstatus = \"paid_hours\"\nfollowup = \"available\"\n",
    );
    let cache = work.file("cache");
    let scenario = work.file("s.toml").display().to_string();
    udfald_with_env(
        &["run", work.file("q.toml").to_str().unwrap()],
        &[("UDFALD_SYNTH_CACHE", cache.as_path())],
    )
    .expect_error(
        2,
        &format!(
            "{}: dataset {scenario}: scenario file {scenario}: a scenario used as a query's dataset must set persons",
            work.file("q.toml").display()
        ),
    );
}

#[test]
fn parquet_and_stata_datasets_give_the_csv_figures() {
    let work = Workdir::empty();
    let queries = ["s3-paid18", "s4-t3-paid", "months-to-employment-arm"].map(|q| {
        crate::harness::repo()
            .join(format!("queries/{q}.toml"))
            .display()
            .to_string()
    });
    let figures = |format: &str| {
        let out = work.file(format);
        synth(
            &["--persons", "400", "--seed", "5", "--format", format],
            &out,
        )
        .expect_status(0);
        let mut args: Vec<String> = vec!["run".into()];
        args.extend(queries.iter().cloned());
        args.extend([
            "--data".into(),
            out.display().to_string(),
            "--format".into(),
            "csv".into(),
        ]);
        let files: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        (udfald(&args).expect_status(0).stdout, files)
    };
    let (csv, _) = figures("csv");
    for format in ["parquet", "dta"] {
        let (other, mut files) = figures(format);
        files.sort();
        assert_eq!(
            files,
            ["cohort", "dataset", "dream", "income"].map(|f| if f == "dataset" {
                "dataset.toml".to_string()
            } else {
                format!("{f}.{format}")
            })
        );
        assert_eq!(other, csv, "{format}");
    }
}
