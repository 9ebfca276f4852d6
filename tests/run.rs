//! `udfald run`, `list` and `explain`: every shipped query runs on the bundled data, output is
//! byte-identical between runs, formats carry n behind every share, small cells are suppressed.

use crate::harness::{udfald, Workdir};

#[test]
fn every_shipped_query_runs_on_the_bundled_sample() {
    // A shipped query must not silently break: all of queries/ in one run (one panel per dataset).
    let run = udfald(&["run", "queries/"]).expect_status(0);
    let files = std::fs::read_dir(crate::harness::repo().join("queries"))
        .unwrap()
        .count();
    let tables = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("metric "))
        .count();
    assert_eq!(tables, files, "{}", run.stdout);
}

#[test]
fn output_is_byte_identical_between_runs() {
    for format in ["table", "csv", "json", "markdown"] {
        let first = udfald(&["run", "queries/", "--format", format]).expect_status(0);
        let second = udfald(&["run", "queries/", "--format", format]).expect_status(0);
        assert_eq!(first.stdout, second.stdout, "format {format}");
    }
}

fn tiny_query(work: &Workdir, body: &str) -> String {
    let path = work.file("q.toml");
    std::fs::write(
        &path,
        format!("name = \"q\"\ntitle = \"Q\"\nmetric = \"share_ever\"\n{body}"),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn formats_show_counts_and_shares() {
    let work = Workdir::with_sample("tiny");
    let query = tiny_query(
        &work,
        "group_by = [\"arm\"]\n[params]\nfollowup = \"available\"\n",
    );
    let data = work.path().display().to_string();
    let run = |format: &str| {
        udfald(&[
            "run",
            &query,
            "--data",
            &data,
            "--no-suppress",
            "--format",
            format,
        ])
        .expect_status(0)
        .stdout
    };
    // Treatment: P10, P08, P06, P05, P01, P03 (6, all observed from start), 4 with paid hours
    // (P10, P06, P05, P01); control: P07, P04, P02, P09 observed, P11 not, all 4 paid.
    let csv = run("csv");
    assert!(csv.contains("arm,n,count,share,n_censored\ncontrol,4,4,100.0,1\ntreatment,6,4,66.7,0\n(all),10,8,80.0,1\n"), "{csv}");
    let markdown = run("markdown");
    assert!(markdown.contains("| arm | n | count | share | n_censored |\n|---|---:|---:|---:|---:|\n| control | 4 | 4 | 100.0 | 1 |"), "{markdown}");
    let json = run("json");
    assert!(json.contains("\"share\": 0.6666666666666666"), "{json}");
    assert!(json.contains("\"followup\": \"available\""), "{json}");
    let table = run("table");
    assert!(
        table.contains("control     4      4  100.0           1"),
        "{table}"
    );
}

#[test]
fn small_cells_are_suppressed_by_default() {
    let work = Workdir::with_sample("tiny");
    let query = tiny_query(
        &work,
        "group_by = [\"arm\"]\n[params]\nfollowup = \"available\"\n",
    );
    let data = work.path().display().to_string();
    let csv = udfald(&["run", &query, "--data", &data, "--format", "csv"])
        .expect_status(0)
        .stdout;
    // Control has 4 persons: n, count and share hidden; n_censored 1 hidden; treatment's count 4
    // and share hidden. Treatment's n (6) and n_censored (0) are hidden too, complementarily:
    // shown beside the total (10, 1) they would give control's 4 and 1 back.
    assert!(
        csv.contains("control,.,.,.,.\ntreatment,.,.,.,.\n(all),10,8,80.0,.\n"),
        "{csv}"
    );
    assert!(csv.contains("# note: 9 cell(s) suppressed"), "{csv}");
    let csv = udfald(&[
        "run",
        &query,
        "--data",
        &data,
        "--format",
        "csv",
        "--min-cell",
        "3",
    ])
    .expect_status(0)
    .stdout;
    assert!(csv.contains("control,4,4,100.0,.\n"), "{csv}");
}

#[test]
fn a_bad_query_stops_before_any_data_is_read() {
    let work = Workdir::with_sample("tiny");
    let query = tiny_query(
        &work,
        "group_by = [\"armm\"]\n[params]\nfollowup = \"available\"\n",
    );
    // The DREAM file is broken too, but the query's error comes first: the plan is checked
    // before any register is read.
    work.replace("dream.csv", "P07,750,", "P07,XXX,");
    udfald(&["run", &query, "--data", work.path().to_str().unwrap()])
        .expect_status(2)
        .stderr_has(&["q.toml: key group_by: column \"armm\" is not in cohort.csv (columns to group by: arm, project, municipality, sex, birth_year)"]);
}

#[test]
fn query_without_dataset_needs_data() {
    let work = Workdir::empty();
    let query = tiny_query(&work, "[params]\nfollowup = \"available\"\n");
    udfald(&["run", &query])
        .expect_status(2)
        .stderr_has(&["no dataset: set dataset = \"...\" in the query or give --data DIR"]);
}

#[test]
fn out_file_receives_the_output() {
    let work = Workdir::with_sample("tiny");
    let query = tiny_query(&work, "[params]\nfollowup = \"available\"\n");
    let out = work.file("result.json");
    udfald(&[
        "run",
        &query,
        "--data",
        work.path().to_str().unwrap(),
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ])
    .expect_status(0);
    assert!(work.read("result.json").contains("\"results\""));
}

#[test]
fn list_shows_every_query() {
    let run = udfald(&["list", "queries/"]).expect_status(0);
    run.stdout_has(&["name", "s4-t3-paid", "share_ever", "S4-T3-paid"]);
}

#[test]
fn explain_marks_given_and_defaulted() {
    let run = udfald(&["explain", "queries/s4-t3-empl.toml"]).expect_status(0);
    run.stdout_has(&[
        "status = \"employment\" (given)",
        "min_weeks_without_benefit = 4 (default)",
        "employment: paid_hours (>= 1 h) and weeks - benefit_weeks >= 4",
        "source       S4-T3-empl",
    ]);
}

#[test]
fn at_start_says_how_many_persons_it_could_not_test() {
    // P10 started before DREAM's coverage and P11 after the last observed month: their start
    // months are not observed, so an at_start filter cannot test them. They are left out, and
    // the table says so.
    let work = Workdir::with_sample("tiny");
    let query = tiny_query(
        &work,
        "[population]\nat_start = \"weeks >= 0\"\n[params]\nfollowup = \"available\"\n",
    );
    let data = work.path().display().to_string();
    let csv = udfald(&[
        "run",
        &query,
        "--data",
        &data,
        "--format",
        "csv",
        "--no-suppress",
    ])
    .expect_status(0)
    .stdout;
    assert!(csv.contains("# note: population.at_start: 2 person(s) whose start month is not observed could not be tested and are left out"), "{csv}");
    // Of the 9 tested (all start months observed), P10 no longer counts: 7 with paid hours.
    assert!(
        csv.contains("n,count,share,n_censored\n9,7,77.8,0\n"),
        "{csv}"
    );
}

/// What needs only the query is refused before the dataset is even opened: exit 2 with the file,
/// the key and the value, whatever the dataset's size (here it does not exist at all).
#[test]
fn query_mistakes_exit_2_before_any_data_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "group_by = [\"arm\"]\n[params]\noutcome = \"share_at\"\noutcome_params = { at = 6 }\n",
            "effect",
            "[params] of metric effect: arm: the arm column \"arm\" is also in group_by; effect compares the arms within each group, so leave it out of group_by",
        ),
        (
            "group_by = [\"arm\", \"arm\"]\n[params]\nat = 6\n",
            "share_at",
            "key group_by: column \"arm\" is listed twice",
        ),
        (
            "[window]\nto = 6\nto_month = \"2021-06\"\n",
            "share_ever",
            "[window] key to_month: metric share_ever does not read it; it counts rel_months from each person's start: use from / to",
        ),
    ];
    for (i, (body, metric, message)) in cases.into_iter().enumerate() {
        let path = dir.path().join(format!("q{i}.toml"));
        std::fs::write(
            &path,
            format!(
                "name = \"q{i}\"\ntitle = \"t\"\nmetric = \"{metric}\"\ndataset = \"no-such-dataset\"\n{body}"
            ),
        )
        .unwrap();
        let run = udfald(&[
            "run".as_ref(),
            path.as_os_str(),
            "--max-problems".as_ref(),
            "5".as_ref(),
        ])
        .expect_status(2);
        assert_eq!(
            run.stderr,
            format!("udfald: error: {}: {message}\n", path.display())
        );
    }
}
