//! `udfald synth`: a generated dataset passes `validate` and builds a panel, the same seed gives
//! the same bytes, and a bad scenario is refused with the key named.

use crate::harness::{udfald, Workdir};

fn synth(work: &Workdir, persons: &str, seed: &str) {
    udfald(&[
        "synth",
        "--persons",
        persons,
        "--seed",
        seed,
        "--out",
        work.path().to_str().unwrap(),
    ])
    .expect_status(0);
}

#[test]
fn generated_dataset_validates_and_builds_a_panel() {
    let work = Workdir::empty();
    synth(&work, "300", "3");
    let run = work.run(&["validate"]).expect_status(0);
    run.stdout_has(&[
        "cohort.csv: 300 rows, 300 persons",
        "wide layout",
        "problems: none",
    ]);
    let out = work.file("panel.csv");
    work.run(&[
        "panel",
        "--out",
        out.to_str().unwrap(),
        "--months-before",
        "12",
    ])
    .expect_status(0);
    let panel = std::fs::read_to_string(out).unwrap();
    // Someone in 300 persons over years has paid hours, and someone is on benefit.
    assert!(panel.lines().skip(1).any(|l| l.contains(",true,")));
    assert!(panel.lines().count() > 300);
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (first, second, third) = (Workdir::empty(), Workdir::empty(), Workdir::empty());
    synth(&first, "200", "11");
    synth(&second, "200", "11");
    synth(&third, "200", "12");
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
    udfald(&[
        "synth",
        "--persons",
        "50",
        "--seed",
        "1",
        "--scenario",
        "data-samples/scenarios/default.toml",
        "--out",
        work.path().to_str().unwrap(),
    ])
    .expect_status(0);
    work.run(&["validate"]).expect_status(0);
}

#[test]
fn scenario_with_unknown_key_is_refused() {
    let work = Workdir::empty();
    work.write("bad.toml", "treatment_efect = 2.0\n");
    udfald(&[
        "synth",
        "--persons",
        "10",
        "--scenario",
        work.file("bad.toml").to_str().unwrap(),
        "--out",
        work.file("out").to_str().unwrap(),
    ])
    .expect_status(2)
    .stderr_has(&["bad.toml", "treatment_efect"]);
}
