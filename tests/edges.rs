//! Hard edges (issue 15): inputs built to crash udfald or to slip past its checks. Each test names
//! the kind of mistake it guards, and checks the exit status and the exact message (file, key and
//! value) or, for what is allowed, that the run says what happened.

use crate::harness::{udfald, Workdir, BY_ARM};

/// A copy of tiny whose DREAM file is broken: a run that fails with a usage error on it stopped
/// before reading any register.
fn broken_registers() -> Workdir {
    let work = Workdir::with_sample("tiny");
    work.replace("dream.csv", "P07,740,", "P07,XXX,");
    work
}

/// The message for an expression nesting too deep at `character`.
fn too_deep(query: &str, key: &str, character: usize) -> String {
    format!("{query}: {key}: the expression nests more than 64 levels deep at character {character} (each parenthesis, `not` and operator in a chain is a level): define parts of it as statuses of their own")
}

#[test]
fn deep_nesting_is_a_usage_error_before_any_register() {
    // Thousands deep overflowed the stack (abort): parentheses, `not`s, and long chains of an
    // operator, in a status and in population.at_start.
    let work = broken_registers();
    let deep = 100_000;
    for (key, expression, character) in [
        (
            "[statuses] key s",
            format!("{}paid_hours{}", "(".repeat(deep), ")".repeat(deep)),
            65,
        ),
        ("[statuses] key s", "not ".repeat(deep) + "paid_hours", 257),
        (
            "[statuses] key s",
            vec!["hours"; deep].join(" + ") + " > 1",
            1,
        ),
        (
            "[population] key at_start",
            vec!["paid_hours"; deep].join(" or "),
            1,
        ),
    ] {
        let body = if key.starts_with("[statuses]") {
            format!("{BY_ARM}status = \"s\"\n[statuses]\ns = \"{expression}\"\n")
        } else {
            format!("{BY_ARM}[population]\nat_start = \"{expression}\"\n")
        };
        let query = work.query(&body);
        work.run(&["run", &query])
            .expect_error(2, &too_deep(&query, key, character));
    }
}

#[test]
fn nesting_at_the_limit_runs() {
    // 63 parentheses around a name, and a chain of 63 names and a `not`: 64 levels.
    let work = Workdir::with_sample("tiny");
    let parens = format!("{}paid_hours{}", "(".repeat(63), ")".repeat(63));
    let chain = vec!["paid_hours"; 63].join(" or ");
    let query = work.query(&format!(
        "{BY_ARM}status = \"s\"\n[statuses]\ns = \"{parens}\"\n[population]\nat_start = \"{chain} or not paid_hours\"\n"
    ));
    work.run(&["run", &query, "--no-suppress"])
        .expect_status(0)
        .stdout_has(&["(all)      9      7   77.8           0"]);
}

#[test]
fn statuses_building_on_each_other_are_limited_like_nesting() {
    // Each status may read the one before: 3,000 of them overflowed polars' stack.
    let work = broken_registers();
    let statuses: String = (1..=65)
        .map(|i| format!("s{i} = \"s{} and paid_hours\"\n", i - 1))
        .collect();
    let query = work.query(&format!(
        "{BY_ARM}status = \"s65\"\n[statuses]\ns0 = \"paid_hours\"\n{statuses}"
    ));
    work.run(&["run", &query]).expect_error(
        2,
        &format!("{query}: [statuses]: 66 statuses; a query defines at most 64 of its own"),
    );
}

#[test]
fn a_long_list_of_population_values_is_no_deep_chain() {
    // 5,000 values were combined into a chain of 5,000 `or`s, which polars took minutes over.
    let work = Workdir::with_sample("tiny");
    let values: Vec<String> = (0..5_000).map(|i| format!("\"v{i}\"")).collect();
    let query = work.query(&format!(
        "{BY_ARM}[population]\narm = [{}, \"control\"]\n",
        values.join(", ")
    ));
    work.run(&["run", &query, "--no-suppress"])
        .expect_status(0)
        .stdout_has(&[
            "control  4      4  100.0           1\n(all)    4      4  100.0           1\n",
        ]);
}

/// Writes `q.toml`, a query of `metric` named `q` whose other keys are `body`; returns its path.
fn query_of(work: &Workdir, metric: &str, body: &str) -> String {
    work.write(
        "q.toml",
        &format!("name = \"q\"\ntitle = \"Q\"\nmetric = \"{metric}\"\n{body}"),
    );
    work.file("q.toml").display().to_string()
}

#[test]
fn windows_and_spans_beyond_100_years_are_usage_errors_before_any_register() {
    // A window of 2^31 months allocated until the machine ran out of memory; one of 10 million
    // printed 10 million rows. Every parameter that sizes a table or an allocation is bounded.
    let work = broken_registers();
    for (metric, body, message) in [
        ("share_ever", "[window]\nto = 2147483647\n", "[window] to = 2147483647: more than 1200 months (100 years) from the start month"),
        ("share_ever", "[window]\nfrom = -10000000\nto = 3\n", "[window] from = -10000000: more than 1200 months (100 years) from the start month"),
        ("monthly_curve", "[window]\nto = 1201\n", "[window] to = 1201: more than 1200 months (100 years) from the start month"),
        ("monthly_curve", "[window]\nfrom_month = \"0001-01\"\nto_month = \"9999-12\"\n[params]\ncalendar = true\n", "[window] from_month = \"0001-01\": outside the years 1900 to 2200"),
        ("monthly_curve", "[window]\nto = 12\n[params]\nrolling = 10000000\n", "[params] of metric monthly_curve: rolling = 10000000: more than 1200 months (100 years)"),
        ("share_at", "[params]\nat = -2147483648\n", "[params] of metric share_at: at = -2147483648: more than 1200 months (100 years) from the start month"),
        ("retention", "[params]\nk = 2147483647\n", "[params] of metric retention: k = 2147483647: more than 1200 months (100 years)"),
        ("time_to_event", "[params]\nhorizon = 4294967295\n", "[params] of metric time_to_event: horizon = 4294967295: more than 1200 months (100 years)"),
        ("history", "[params]\nweeks_before = 4294967295\n", "[params] of metric history: weeks_before = 4294967295: more than 5218 weeks (100 years)"),
        ("outcome_payment", "[params]\nhorizon_weeks = 5219\n", "[params] of metric outcome_payment: horizon_weeks = 5219: more than 5218 weeks (100 years)"),
        ("spell", "[window]\nto = 17\n[params]\nmin_weeks = 100000\n", "[params] of metric spell: min_weeks = 100000: more than 5218 weeks (100 years)"),
        ("funnel", "[params]\nmeasured_month = 100000\n", "[params] of metric funnel: measured_month = 100000: more than 1200 months (100 years) from the start month"),
        ("funnel", "[params]\nmeasured_month = \"1000-01\"\n", "[params] of metric funnel: measured_month = \"1000-01\": outside the years 1900 to 2200"),
        ("effect", "[params]\noutcome = \"share_at\"\noutcome_params = { at = 5000 }\n", "[params] of metric effect: outcome share_at: at = 5000: more than 1200 months (100 years) from the start month"),
    ] {
        let query = query_of(&work, metric, body);
        work.run(&["run", &query])
            .expect_error(2, &format!("{query}: {message}"));
    }
}

#[test]
fn a_window_at_the_bound_runs() {
    // 1200 months either way: the curve has a row per month of the window, 2,401, and no more.
    let work = Workdir::with_sample("tiny");
    let query = query_of(
        &work,
        "monthly_curve",
        "[window]\nfrom = -1200\nto = 1200\n[params]\nstatus = \"paid_hours\"\n",
    );
    let run = work
        .run(&["run", &query, "--no-suppress", "--format", "csv"])
        .expect_status(0);
    let months: Vec<&str> = run
        .stdout
        .lines()
        .filter(|line| line.starts_with(|c: char| c == '-' || c.is_ascii_digit()))
        .collect();
    assert_eq!(months.len(), 2401);
    assert_eq!(
        (months[0], months[1200], months[2400]),
        ("-1200,0,0,", "0,9,5,55.6", "1200,0,0,")
    );
}

/// Runs udfald (in the repository) with stdout going to `stdout`; returns the exit status and
/// stderr. With `None`, stdout is a pipe whose reader is gone before udfald writes to it.
fn with_stdout(args: &[&str], stdout: Option<std::fs::File>) -> (i32, String) {
    use std::process::{Command, Stdio};
    let mut command = Command::new(crate::harness::BIN);
    command
        .args(args)
        .current_dir(crate::harness::repo())
        .stderr(Stdio::piped());
    let child = match stdout {
        Some(file) => command.stdout(file).spawn(),
        None => command.stdout(Stdio::piped()).spawn().map(|mut child| {
            // Closed at once: udfald reads its input first, and writes only after.
            drop(child.stdout.take());
            child
        }),
    };
    let output = child.expect("run udfald").wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_quietly_and_a_full_disk_is_an_error() {
    // list, validate and explain panicked (exit 101, a backtrace) on both; run and check did not.
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let result = work.file("result.json").display().to_string();
    let manifest = work.file("run.json").display().to_string();
    let data = work.path().display().to_string();
    work.run(&[
        "run",
        &query,
        "--format",
        "json",
        "--out",
        &result,
        "--provenance",
        &manifest,
    ])
    .expect_status(0);
    let strangers = crate::harness::TINY_STRANGERS;
    for (args, note) in [
        (vec!["list", "queries/"], ""),
        (vec!["explain", "queries/s4-t3-paid.toml"], ""),
        (vec!["validate", "--data", &data], ""),
        (vec!["run", &query, "--data", &data], strangers),
        (vec!["audit", &result], ""),
        (vec!["reproduce", &manifest], strangers),
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        assert_eq!(
            with_stdout(&args, Some(full)),
            (
                1,
                format!("{note}udfald: error: cannot write to stdout: No space left on device (os error 28)\n")
            ),
            "{args:?} on a full disk"
        );
        assert_eq!(
            with_stdout(&args, None),
            (0, note.to_string()),
            "{args:?} into a closed pipe"
        );
    }
}

#[test]
fn numbers_that_must_be_finite_and_not_negative_are_usage_errors_before_any_register() {
    // A negative min_hours made every share 100%, a NaN one 0%; NaN and infinity pass or fail
    // every comparison. Every such number a query gives is refused with its key and value.
    let work = broken_registers();
    let expect = "[window]\nto = 6\n[[expect]]\nid = \"X\"\ncolumn = \"share\"\n";
    let published = |treatment: &str| {
        format!("[params.published]\ntreatment = {{ n = 10, {treatment} }}\ncontrol = {{ n = 10, mean = 1.0, sd = 1.0 }}\n")
    };
    for (metric, body, message) in [
        ("share_ever", "[window]\nto = 6\n[definitions]\nmin_hours = -1.0\n".to_string(), "[definitions] key min_hours: -1 is not a number of hours above 0 (paid_hours is hours >= min_hours; default 1)"),
        ("share_ever", "[window]\nto = 6\n[definitions]\nmin_hours = nan\n".to_string(), "[definitions] key min_hours: NaN is not a number of hours above 0 (paid_hours is hours >= min_hours; default 1)"),
        ("share_ever", "[window]\nto = 6\n[definitions]\nmin_weeks_without_benefit = 6\n".to_string(), "[definitions] key min_weeks_without_benefit: 6 is more weeks than a month has (4 or 5), so no month would count (employment is paid_hours and weeks without benefit >= min_weeks_without_benefit; default 4)"),
        ("share_ever", format!("{expect}value = nan\ntolerance = 0.01\n"), "[[expect]] number 1 (X): value = NaN: not a finite number"),
        ("share_ever", format!("{expect}value = 0.5\ntolerance = inf\n"), "[[expect]] number 1 (X): tolerance = inf: not a finite number"),
        ("share_ever", format!("{expect}min = nan\n"), "[[expect]] number 1 (X): min = NaN: not a finite number"),
        ("share_ever", format!("{expect}max = -inf\n"), "[[expect]] number 1 (X): max = -inf: not a finite number"),
        ("hours_progression", "[window]\nto = 6\n[params]\nunchanged_tolerance = -1.0\n".to_string(), "[params] of metric hours_progression: unchanged_tolerance = -1: must be a number of hours >= 0"),
        ("outcome_payment", "[params]\nprice_full = nan\n".to_string(), "[params] of metric outcome_payment: price_full: must be a price in DKK >= 0, got NaN"),
        ("hazard_ratio", "[params]\nlevel = nan\n".to_string(), "[params] of metric hazard_ratio: level = NaN: must lie strictly between 0 and 1 (e.g. 0.95)"),
        ("effect", "[params]\noutcome = \"share_at\"\noutcome_params = { at = 3 }\nlevel = inf\n".to_string(), "[params] of metric effect: level: inf is not strictly between 0 and 1 (e.g. 0.95 for a 95% interval)"),
        ("effect", published("mean = nan, sd = 1.0"), "[params] of metric effect: published.treatment.mean: NaN is not a number"),
        ("effect", published("mean = 1.0, sd = -1.0"), "[params] of metric effect: published.treatment.sd: -1 must be a number >= 0"),
        ("funnel", "[params]\nactive_weeks = -1.0\n".to_string(), "[params] of metric funnel: active_weeks: must be a number of weeks >= 0, got -1"),
        ("requirement", "group_by = [\"arm\"]\n[params]\nthresholds = [nan]\n".to_string(), "[params] of metric requirement: thresholds: NaN is not a share in (0, 1] (write 20% as 0.20)"),
        ("targets", "[params]\ngreen_short_below = nan\n[[params.rows]]\nrow = \"r\"\ntarget = 1.0\nachieved = 1.0\n".to_string(), "[params] of metric targets: green_short_below: must be a percentage >= 0, got NaN"),
    ] {
        let query = query_of(&work, metric, &body);
        work.run(&["run", &query])
            .expect_error(2, &format!("{query}: {message}"));
    }
}

#[test]
fn panel_options_are_checked_like_the_query_keys_they_mirror() {
    let work = broken_registers();
    for (option, message) in [
        ("--min-hours=-1", "invalid value '-1' for '--min-hours <HOURS>': -1 is not a number of hours above 0"),
        ("--min-hours=nan", "invalid value 'nan' for '--min-hours <HOURS>': NaN is not a number of hours above 0"),
        ("--min-hours-per-employer=-0.5", "invalid value '-0.5' for '--min-hours-per-employer <HOURS>': -0.5 is not a number of hours >= 0"),
        ("--min-weeks-without-benefit=6", "invalid value '6' for '--min-weeks-without-benefit <WEEKS>': 6 is more weeks than a month has (4 or 5), so no month would count"),
        ("--months-before=5000", "invalid value '5000' for '--months-before <N>': 5000 is more than 1200 months (100 years)"),
        ("--months-after=4294967295", "invalid value '4294967295' for '--months-after <N>': 4294967295 is more than 1200 months (100 years)"),
    ] {
        work.run(&["panel", "--out", "panel.csv", option])
            .expect_status(2)
            .stdout_is("")
            .stderr_is(&format!("error: {message}\n\nFor more information, try '--help'.\n"));
    }
}

#[test]
fn a_number_where_a_yes_no_status_belongs_is_a_usage_error_before_any_register() {
    // A status that is not yes/no counted as always true: an expression, or a number column a
    // metric's parameter names as its status.
    let work = broken_registers();
    let number =
        "the expression is a number, not a yes/no condition: compare it (e.g. `hours >= 1`)";
    let column = |metric: &str, name: &str| {
        format!("[params] of metric {metric}: \"{name}\" is a number, not a yes/no status: compare it in a status of the query's own (e.g. [statuses] with_{name} = \"{name} >= 1\")")
    };
    for (metric, body, message) in [
        (
            "share_ever",
            format!("{BY_ARM}[statuses]\ns = \"hours + 1\"\n"),
            format!("[statuses] key s: {number}"),
        ),
        (
            "share_ever",
            format!("{BY_ARM}[statuses]\ns = \"3\"\n"),
            format!("[statuses] key s: {number}"),
        ),
        (
            "share_ever",
            format!("{BY_ARM}[statuses]\ns = \"(wage)\"\n"),
            format!("[statuses] key s: {number}"),
        ),
        (
            "share_ever",
            format!("{BY_ARM}[statuses]\ns = 3\n"),
            "[statuses] key s: expected an expression in quotes".to_string(),
        ),
        (
            "share_ever",
            format!("{BY_ARM}[population]\nat_start = \"benefit_weeks\"\n"),
            format!("[population] key at_start: {number}"),
        ),
        (
            "share_ever",
            format!("{BY_ARM}status = \"weeks\"\n"),
            column("share_ever", "weeks"),
        ),
        (
            "mean_hours",
            "[window]\nto = 3\n[params]\namong = \"hours\"\n".to_string(),
            column("mean_hours", "hours"),
        ),
        (
            "first_outcome",
            "[window]\nto = 3\n[params]\ngoal = [\"paid_hours\", \"n_employers\"]\n".to_string(),
            column("first_outcome", "n_employers"),
        ),
        (
            "targets",
            "[params]\n[[params.rows]]\nrow = \"r\"\ntarget = 1.0\ncount = \"weeks_education\"\n"
                .to_string(),
            column("targets", "weeks_education"),
        ),
    ] {
        let query = query_of(&work, metric, &body);
        work.run(&["run", &query])
            .expect_error(2, &format!("{query}: {message}"));
    }
}

#[test]
fn two_queries_of_one_name_are_a_usage_error_naming_both_files() {
    // They were accepted: two tables of one name, and checks and provenance keyed by it.
    let work = broken_registers();
    let first = work.query(BY_ARM);
    std::fs::create_dir(work.file("more")).unwrap();
    let second = work.file("more/other.toml").display().to_string();
    std::fs::copy(&first, &second).unwrap();
    let message = format!("{second}: key name: \"q\" is also the name of {first}; the queries of one run need distinct names");
    let folder = work.file("more").display().to_string();
    let report = work.file("report.html").display().to_string();
    for command in ["run", "check", "report"] {
        let mut args = vec![command, first.as_str(), folder.as_str()];
        if command == "report" {
            args.extend(["--out", report.as_str()]);
        }
        work.run(&args).expect_error(2, &message);
    }
    udfald(&["list", &first, &folder]).expect_error(2, &message);
    // The same file named twice is the same mistake, said as such.
    let twice = format!("{first}: the query file is named twice (itself and its folder, or twice); the queries of one run need distinct names");
    work.run(&["run", &first, &first]).expect_error(2, &twice);
    work.run(&["run", &folder, &second]).expect_error(
        2,
        &format!("{second}: the query file is named twice (itself and its folder, or twice); the queries of one run need distinct names"),
    );
}

#[test]
fn a_population_of_nobody_is_said_on_stderr_and_under_the_table() {
    // It gave n = 0 and exit 0 without a word. It is still exit 0 (a result, not an error), but
    // said on stderr (a note --quiet silences) and under the table, in every format.
    let work = Workdir::with_sample("tiny");
    let query = work.query(&format!("{BY_ARM}[population]\narm = \"nobody\"\n"));
    let note = "the population is empty: no person of dataset tiny matches the query's [population], so every count is 0";
    let share = "share: persons with paid_hours in at least one month of rel_month 0..the end of follow-up, of n (available follow-up); n_censored: persons not counted for lack of follow-up";
    let run = work.run(&["run", &query]).expect_status(0);
    run.stderr_is(&format!(
        "{}udfald: {query}: {note}\n",
        crate::harness::TINY_STRANGERS
    ))
    .stdout_is(&format!(
        "q: Q\nmetric share_ever on dataset tiny\narm    n  count  share  n_censored\n(all)  0      0                  0\nnote: {note}\nnote: {share}\n"
    ));
    for (format, line) in [
        ("csv", format!("# note: {note}\n")),
        ("markdown", format!("- {note}\n")),
        ("json", format!("\"{note}\"")),
    ] {
        work.run(&["run", &query, "--format", format, "--quiet"])
            .expect_status(0)
            .stderr_is("")
            .stdout_has(&[&line]);
    }
    // Persons the at_start expression leaves out count the same way.
    let query = work.query(&format!("{BY_ARM}[population]\nat_start = \"false\"\n"));
    work.run(&["run", &query, "--quiet"])
        .expect_status(0)
        .stdout_has(&[&format!("note: {note}\n")]);
}

#[test]
fn a_panel_file_of_unknown_kind_is_a_usage_error_before_any_register() {
    // It failed with exit 1 after building the whole panel.
    let work = broken_registers();
    for name in ["x.txt", "panel", "panel.csv.gz"] {
        let out = work.file(name).display().to_string();
        work.run(&["panel", "--out", &out]).expect_error(
            2,
            &format!("{out}: the panel is written as .parquet or .csv; name the file with one of those extensions"),
        );
        assert!(!work.file(name).exists(), "{name} was written");
    }
}
