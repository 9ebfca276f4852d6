//! `udfald run`, `list` and `explain`: every shipped query runs on the bundled data, output is
//! byte-identical between runs, formats carry n behind every share, small cells are suppressed.

use crate::harness::{udfald, Workdir, BY_ARM};

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

/// The first line of output made with suppression off.
const NO_SUPPRESS: &str = "NOT FOR RELEASE: small-cell suppression is off (--no-suppress); every cell is shown, for local work only";

/// The note under every share_ever table over the available follow-up.
const SHARE_NOTE: &str = "share: persons with paid_hours in at least one month of rel_month 0..the end of follow-up, of n (available follow-up); n_censored: persons not counted for lack of follow-up";

#[test]
fn formats_show_counts_and_shares() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    // Treatment: P10, P08, P06, P05, P01, P03 (6, all observed from start), 4 with paid hours
    // (P10, P06, P05, P01); control: P07, P04, P02, P09 observed, P11 not, all 4 paid.
    for (format, expected) in [
        (
            "csv",
            format!("# {NO_SUPPRESS}\n# q: Q\n# note: {SHARE_NOTE}\narm,n,count,share,n_censored\ncontrol,4,4,100.0,1\ntreatment,6,4,66.7,0\n(all),10,8,80.0,1\n"),
        ),
        (
            "markdown",
            format!("{NO_SUPPRESS}\n\n### q: Q\n\n| arm | n | count | share | n_censored |\n|---|---:|---:|---:|---:|\n| control | 4 | 4 | 100.0 | 1 |\n| treatment | 6 | 4 | 66.7 | 0 |\n| (all) | 10 | 8 | 80.0 | 1 |\n\n- {SHARE_NOTE}\n"),
        ),
        (
            "table",
            format!("{NO_SUPPRESS}\n\nq: Q\nmetric share_ever on dataset tiny\narm         n  count  share  n_censored\ncontrol     4      4  100.0           1\ntreatment   6      4   66.7           0\n(all)      10      8   80.0           1\nnote: {SHARE_NOTE}\n"),
        ),
    ] {
        work.run(&["run", &query, "--no-suppress", "--format", format])
            .expect_status(0)
            .stdout_is(&expected);
    }
    work.run(&["run", &query, "--no-suppress", "--format", "json"])
        .expect_status(0)
        .stdout_has(&[
            "{\n  \"release\": false,\n",
            "\"share\": 0.6666666666666666",
            "\"followup\": \"available\"",
        ]);
}

#[test]
fn small_cells_are_suppressed_by_default() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let csv = |options: &[&str], first: &str, suppressed: &str, rows: &str| {
        let mut args = vec!["run", &query, "--format", "csv"];
        args.extend_from_slice(options);
        work.run(&args).expect_status(0).stdout_is(&format!(
            "{first}# q: Q\n# note: {SHARE_NOTE}\n# note: {suppressed} cell(s) suppressed (shown as .): fewer persons than the small-cell threshold\narm,n,count,share,n_censored\n{rows}"
        ));
    };
    // Control has 4 persons: n, count and share hidden; n_censored 1 hidden; treatment's count 4
    // and share hidden. Treatment's n (6) and n_censored (0) are hidden too, complementarily:
    // shown beside the total (10, 1) they would give control's 4 and 1 back. The total's count
    // 8 of 10 leaves 2 without paid hours, a small cell by difference: count and share hidden.
    csv(
        &[],
        "",
        "11",
        "control,.,.,.,.\ntreatment,.,.,.,.\n(all),10,.,.,.\n",
    );
    // At 3 the n_censored cells are small (control's 1, treatment's 0 and the total's 1), and
    // treatment's 4 of 6 and the total's 8 of 10 leave 2: their counts and shares are hidden.
    // Control's count then goes too, complementarily (the total's being hidden as well is not
    // yet taken into account: the relations-based suppression of issue 12 will).
    csv(
        &["--min-cell", "3"],
        "# NOT FOR RELEASE: the small-cell threshold is 3, below the 5 persons output must have to leave the server; for local work only\n",
        "9",
        "control,4,.,.,.\ntreatment,6,.,.,.\n(all),10,.,.,.\n",
    );
    // Below 3 the threshold is refused.
    work.run(&["run", &query, "--min-cell", "2"])
        .expect_status(2)
        .stderr_has(&["the small-cell threshold may not be below 3"]);
}

#[test]
fn a_bad_query_stops_before_any_data_is_read() {
    let work = Workdir::with_sample("tiny");
    let query = work.query("group_by = [\"armm\"]\n[params]\nfollowup = \"available\"\n");
    // The DREAM file is broken too, but the query's error comes first: the plan is checked
    // before any register is read.
    work.replace("dream.csv", "P07,740,", "P07,XXX,");
    work.run(&["run", &query]).expect_error(
        2,
        &format!("{query}: key group_by: column \"armm\" is not in cohort.csv (columns to group by: arm, project, municipality, sex, birth_year)"),
    );
}

#[test]
fn query_without_dataset_needs_data() {
    let work = Workdir::empty();
    let query = work.query("[params]\nfollowup = \"available\"\n");
    udfald(&["run", &query]).expect_error(
        2,
        &format!("{query}: no dataset: set dataset = \"...\" in the query or give --data DIR"),
    );
}

#[test]
fn out_file_receives_the_output() {
    let work = Workdir::with_sample("tiny");
    let query = work.query("[params]\nfollowup = \"available\"\n");
    let out = work.file("result.json");
    work.run(&[
        "run",
        &query,
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
    let query =
        work.query("[population]\nat_start = \"weeks >= 0\"\n[params]\nfollowup = \"available\"\n");
    // Of the 9 tested (all start months observed), P10 no longer counts: 7 with paid hours.
    work.run(&["run", &query, "--format", "csv", "--no-suppress"])
        .expect_status(0)
        .stdout_is(&format!(
            "# {NO_SUPPRESS}\n# q: Q\n# note: {SHARE_NOTE}\n# note: population.at_start: 2 person(s) whose start month is not observed could not be tested and are left out\nn,count,share,n_censored\n9,7,77.8,0\n"
        ));
    // The 2 are a count of persons too: suppressed, the note does not print it. (7 of 9 leaves
    // 2 without paid hours: count and share are hidden by their complement.)
    work.run(&["run", &query, "--format", "csv"])
        .expect_status(0)
        .stdout_is(&format!(
            "# q: Q\n# note: {SHARE_NOTE}\n# note: population.at_start: fewer than 5 person(s) whose start month is not observed could not be tested and are left out\n# note: 2 cell(s) suppressed (shown as .): fewer persons than the small-cell threshold\nn,count,share,n_censored\n9,.,.,0\n"
        ));
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
        udfald(&[
            "run".as_ref(),
            path.as_os_str(),
            "--max-problems".as_ref(),
            "5".as_ref(),
        ])
        .expect_error(2, &format!("{}: {message}", path.display()));
    }
}

/// Two queries whose populations differ by a few persons, one nested in the other, would publish
/// those persons' outcome as the difference of their tables: the run refuses (exit 2) naming
/// both, and writes nothing. Without suppression (local work) it runs.
#[test]
fn populations_a_few_persons_apart_are_refused() {
    let work = Workdir::with_sample("tiny");
    let everyone = work.query("[params]\nfollowup = \"available\"\n");
    // Without FSM2's 4 persons: 7 of the 11.
    work.write(
        "r.toml",
        "name = \"r\"\ntitle = \"R\"\nmetric = \"share_ever\"\n[population]\nproject = [\"AP\", \"BIR\"]\n[params]\nfollowup = \"available\"\n",
    );
    let without_fsm2 = work.file("r.toml").display().to_string();
    work.run(&["run", &everyone, &without_fsm2]).expect_error(
        2,
        "queries q and r: the population of r is that of q less 4 person(s), fewer than 5: the difference of their tables would publish those persons' outcome (spec disclosure.md §3); widen or narrow one population, or leave one query out of this run",
    );
    work.run(&["run", &everyone, &without_fsm2, "--no-suppress"])
        .expect_status(0);
    // At a threshold of 3, four persons are no small group: it runs.
    work.run(&["run", &everyone, &without_fsm2, "--min-cell", "3"])
        .expect_status(0);
}

/// The tiny dataset with an `end_date` column in its cohort: P10 2020-05-31 (before coverage
/// reaches it), P08 2020-12-15, P05 2020-09-20 (its start month), P01 2021-01-10, P07 2021-12-31
/// (after coverage), P03 2021-02-28, P04 2021-01-31, P02 2021-03-01, P11 2021-07-01; P06 and P09
/// have none.
fn tiny_with_end_dates() -> Workdir {
    let work = Workdir::with_sample("tiny");
    let ends = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny_end_dates.csv"),
    )
    .unwrap();
    let ends: Vec<(&str, &str)> = ends
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .collect();
    let cohort: String = work
        .read("cohort.csv")
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let end = match i {
                0 => "end_date",
                _ => ends
                    .iter()
                    .find(|(p, _)| line.starts_with(&format!("{p},")))
                    .map_or("", |(_, d)| *d),
            };
            format!("{line},{end}\n")
        })
        .collect();
    work.write("cohort.csv", &cohort);
    work
}

#[test]
fn followup_end_date_follows_each_person_while_in_the_project() {
    let work = tiny_with_end_dates();
    let curve = "name = \"q\"\ntitle = \"Q\"\nmetric = \"monthly_curve\"\n[window]\nto = 4\n";
    work.write(
        "q.toml",
        &format!("{curve}[params]\nfollowup_end = \"end_date\"\n"),
    );
    let query = work.file("q.toml").display().to_string();
    // n is the persons still in the project each month (paid hours among them):
    // 0: all 9 started and observed (5 paid); 1: P05 ended in its start month, P09's coverage
    // ends at 0 (7: P07, P02 paid); 2: the same 7, P04 and P02 in their end month; 3: P08 P06
    // P01 P07 P03 (P06 40 h, P01 80 h); 4: the same 5 (P01 120 h, P07 72.5 h).
    let note = "follow-up ends at each person's end_date (followup_end = \"end_date\"): the month of end_date is followed, later months are censored like months after coverage, never counted as without the outcome; persons without an end_date, or whose end_date comes after coverage, are followed to the end of coverage";
    work.run(&["run", &query, "--no-suppress", "--format", "csv"])
        .expect_status(0)
        .stdout_is(&format!(
            "# {NO_SUPPRESS}\n# q: Q\n# note: share: per rel_month, persons with paid_hours that month, of n, the persons observed that month (counting only months with rel_month 0..4)\n# note: {note}\nrel_month,n,count,share\n0,9,5,55.6\n1,7,2,28.6\n2,7,2,28.6\n3,5,2,40.0\n4,5,2,40.0\n"
        ));
    // Results and provenance record it; explain prints it, given or not.
    work.run(&["run", &query, "--no-suppress", "--format", "json"])
        .expect_status(0)
        .stdout_has(&["\"followup_end\": \"end_date\""]);
    udfald(&["explain", &query])
        .expect_status(0)
        .stdout_has(&["  rolling = 1 (default)\n  rolling_share = \"touched\" (default)\n  followup_end = \"end_date\" (given)\n"]);
    // The default reads no end_date: the table is tiny's without the column (8 observed from
    // month 1), and neither results nor provenance name the key.
    work.write("q.toml", curve);
    let plain = Workdir::with_sample("tiny");
    plain.write("q.toml", curve);
    let default = work
        .run(&["run", &query, "--no-suppress", "--format", "csv"])
        .expect_status(0);
    default.stdout_has(&["rel_month,n,count,share\n0,9,5,55.6\n1,8,3,37.5\n"]);
    let without = plain
        .run(&[
            "run",
            &plain.file("q.toml").display().to_string(),
            "--no-suppress",
            "--format",
            "csv",
        ])
        .expect_status(0);
    assert_eq!(default.stdout, without.stdout);
    let json = work
        .run(&["run", &query, "--no-suppress", "--format", "json"])
        .expect_status(0);
    assert!(!json.stdout.contains("followup_end"), "{}", json.stdout);
    udfald(&["explain", &query])
        .expect_status(0)
        .stdout_has(&["  followup_end = \"coverage\" (default)\n"]);
}

/// followup_end is refused where it means nothing, and with a value it does not know: exit 2
/// naming the file, the key, the value and what is allowed, before any data is read.
#[test]
fn followup_end_mistakes_exit_2_before_any_data_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let allowed = "allowed: \"coverage\" (the default: follow each person to the end of coverage) or \"end_date\" (end follow-up in the month of the person's end_date in the cohort, or at coverage when that comes first or there is none)";
    let takers = "share_ever, share_at, monthly_curve, mean_hours, requirement, retention, hours_progression, first_outcome, spell, time_to_event";
    let cases = [
        (
            "[params]\nfollowup_end = \"end\"\n",
            "monthly_curve",
            format!("[params] of metric monthly_curve: followup_end = \"end\": unknown value; {allowed}"),
        ),
        (
            "[params]\nfollowup_end = true\n",
            "time_to_event",
            format!("[params] of metric time_to_event: followup_end = true: expected text in quotes; {allowed}"),
        ),
        (
            "[params]\ncategorical = [\"sex\"]\nfollowup_end = \"end_date\"\n",
            "describe",
            format!("[params] of metric describe: followup_end: describe does not take it, so remove it; the metrics that take it (spec metrics.md §6): {takers}"),
        ),
        (
            "[params]\nfollowup_end = \"coverage\"\n",
            "history",
            format!("[params] of metric history: followup_end: history does not take it, so remove it; the metrics that take it (spec metrics.md §6): {takers}"),
        ),
        (
            "[params]\noutcome = \"share_at\"\noutcome_params = { at = 6, followup_end = \"end_date\" }\n",
            "effect",
            "[params] of metric effect: outcome_params.followup_end: effect compares the arms over each person's follow-up to coverage; ending it at end_date would censor persons by leaving the programme, which the arms differ in. Remove it (a single metric such as share_at takes followup_end)".to_string(),
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
        udfald(&["run".as_ref(), path.as_os_str()])
            .expect_error(2, &format!("{}: {message}", path.display()));
    }
}
