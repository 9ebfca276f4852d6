//! Provenance: JSON results carry their inputs' hashes and resolved definitions but no time, a
//! `--provenance` manifest adds the start time and the output's hash, and `reproduce` re-runs it.

use crate::harness::{udfald, Workdir};

fn setup() -> (Workdir, String, String) {
    let work = Workdir::with_sample("tiny");
    let query = work.file("q.toml");
    std::fs::write(
        &query,
        "name = \"q\"\ntitle = \"Q\"\nmetric = \"share_ever\"\ngroup_by = [\"arm\"]\n[params]\nfollowup = \"available\"\n",
    )
    .unwrap();
    let data = work.path().display().to_string();
    (work, query.display().to_string(), data)
}

#[test]
fn json_results_carry_provenance_without_a_time() {
    let (_work, query, data) = setup();
    let first = udfald(&["run", &query, "--data", &data, "--format", "json"])
        .expect_status(0)
        .stdout;
    let second = udfald(&["run", &query, "--data", &data, "--format", "json"])
        .expect_status(0)
        .stdout;
    assert_eq!(first, second);
    for fragment in [
        "\"provenance\"",
        "\"commit\"",
        "\"sha256\"",
        "\"role\": \"dream\"",
        "\"followup\": \"available\"",
        "\"rows_read\"",
    ] {
        assert!(first.contains(fragment), "{fragment} missing:\n{first}");
    }
    assert!(!first.contains("\"started\""));
}

#[test]
fn manifest_reproduces_and_names_a_changed_input() {
    let (work, query, data) = setup();
    let manifest = work.file("run.json");
    let out = work.file("out.csv");
    udfald(&[
        "run",
        &query,
        "--data",
        &data,
        "--format",
        "csv",
        "--out",
        out.to_str().unwrap(),
        "--provenance",
        manifest.to_str().unwrap(),
    ])
    .expect_status(0);
    let text = work.read("run.json");
    assert!(
        text.contains("\"started\"") && text.contains("\"output_sha256\""),
        "{text}"
    );
    udfald(&["reproduce", manifest.to_str().unwrap()])
        .expect_status(0)
        .stdout_has(&["identical"]);
    // 150 paid hours become 0.5: P01 still has paid hours that month, so the table is the same,
    // but the data file is not; then a change that moves the result.
    work.replace(
        "income.csv",
        "P01,2021-05,E500,150.00",
        "P01,2021-05,E500,0.50",
    );
    udfald(&["reproduce", manifest.to_str().unwrap()])
        .expect_status(0)
        .stdout_has(&["identical"]);
    work.replace("income.csv", "P09,2021-05,", "P09,2021-04,");
    let run = udfald(&["reproduce", manifest.to_str().unwrap()]).expect_status(1);
    run.stdout_has(&["differs", "income.csv: content changed"]);
}
