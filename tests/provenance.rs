//! Provenance: JSON results carry their inputs' hashes and resolved definitions but no time, a
//! `--provenance` manifest adds the start time and the output's hash, and `reproduce` re-runs it.

use crate::harness::{udfald, Workdir, BY_ARM};
use sha2::{Digest, Sha256};

/// Lower-case hex SHA-256.
fn sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn json_results_carry_provenance_without_a_time() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let json = || {
        work.run(&["run", &query, "--format", "json"])
            .expect_status(0)
    };
    let first = json();
    assert_eq!(first.stdout, json().stdout);
    first.stdout_has(&[
        "\"provenance\"",
        "\"commit\"",
        "\"sha256\"",
        "\"role\": \"dream\"",
        "\"followup\": \"available\"",
        "\"rows_read\"",
    ]);
    assert!(!first.stdout.contains("\"started\""));
}

#[test]
fn manifest_reproduces_and_names_a_changed_input() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let manifest = work.file("run.json").display().to_string();
    let out = work.file("out.csv").display().to_string();
    // Suppression off, so that the change below moves a printed cell (by arm on tiny, every
    // count but the total's n is hidden).
    let csv = ["run", &query, "--format", "csv", "--no-suppress"];
    work.run(&[&csv[..], &["--out", &out, "--provenance", &manifest]].concat())
        .expect_status(0)
        .stdout_is("");
    let recorded = sha256(&work.read("out.csv"));
    let text = work.read("run.json");
    assert!(
        text.contains("\"started\"")
            && text.contains(&format!("\"output_sha256\": \"{recorded}\"")),
        "{text}"
    );
    let reproduce = || udfald(&["reproduce", &manifest]);
    let identical = format!("identical: the result reproduces byte for byte (sha256 {recorded})\n");
    reproduce().expect_status(0).stdout_is(&identical);
    // 150 paid hours become 0.5: P01 still has paid hours that month, so the table is the same,
    // but the data file is not; then a change that moves the result.
    work.replace(
        "income.csv",
        "P01,2021-05,E500,150.00",
        "P01,2021-05,E500,0.50",
    );
    reproduce().expect_status(0).stdout_is(&identical);
    work.replace("income.csv", "P09,2021-05,", "P09,2021-04,");
    let now = sha256(&work.run(&csv).expect_status(0).stdout);
    reproduce().expect_status(1).stdout_is(&format!(
        "differs: the result's sha256 is {now}, the manifest recorded {recorded}\n  changed input: {}: content changed\n",
        work.file("income.csv").display()
    ));
}
