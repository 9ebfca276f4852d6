//! Progress on stderr only when it is a terminal, and `--quiet`: notes go, errors and results stay.

use crate::harness::{repo, udfald, Workdir, BIN, BY_ARM, TINY_STRANGERS};

/// `run` of the share_ever query by arm on tiny, with arguments `before` the command and `after` it.
fn run_by_arm(work: &Workdir, before: &[&str], after: &[&str]) -> crate::harness::Run {
    let query = work.query(BY_ARM);
    let mut args: Vec<&str> = before.to_vec();
    args.extend(["run", &query, "--no-suppress"]);
    args.extend_from_slice(after);
    work.run(&args)
}

#[test]
fn quiet_silences_notes_and_leaves_stdout_byte_identical() {
    let work = Workdir::with_sample("tiny");
    let loud = run_by_arm(&work, &[], &[]).expect_status(0);
    // Without a terminal there is no progress: stderr is the note and nothing else.
    loud.stderr_is(TINY_STRANGERS);
    assert!(loud.stdout.contains("treatment   6"), "{}", loud.stdout);
    // A global flag: before the command, after it, short.
    for (before, after) in [
        (&["--quiet"][..], &[][..]),
        (&[], &["--quiet"]),
        (&[], &["-q"]),
    ] {
        let quiet = run_by_arm(&work, before, after).expect_status(0);
        quiet.stderr_is("");
        assert_eq!(quiet.stdout, loud.stdout, "{before:?} {after:?}");
    }
}

#[test]
fn quiet_silences_drop_notes_but_not_the_person_level_warning() {
    let work = Workdir::with_sample("tiny");
    work.replace(
        "income.csv",
        "P04,2020-08,E100,148.50",
        "P04,2020-08,E100,lots",
    );
    let (loud, loud_panel) = work.panel(&["--drop-invalid"]);
    let warning = format!(
        "udfald: writing PERSON-LEVEL data (121 person-months of 11 persons) to {}\n",
        work.file("panel.csv").display()
    );
    loud.stderr_is(&format!(
        "{TINY_STRANGERS}udfald: dropped 1 invalid row(s) of income.csv (--drop-invalid)\n{warning}"
    ));
    let (quiet, quiet_panel) = work.panel(&["--drop-invalid", "--quiet"]);
    quiet.stderr_is(&warning);
    assert_eq!(quiet_panel, loud_panel);
    // run and validate with --drop-invalid: the note is in the output, stderr is empty.
    let query = repo().join("queries/months-to-employment-arm.toml");
    let query = query.to_str().unwrap();
    let loud = work.run(&["run", query, "--drop-invalid"]).expect_status(0);
    loud.stderr_is(TINY_STRANGERS);
    let quiet = work
        .run(&["run", query, "--drop-invalid", "--quiet"])
        .expect_status(0);
    quiet.stderr_is("");
    assert_eq!(quiet.stdout, loud.stdout);
    work.run(&["validate", "--drop-invalid", "--quiet"])
        .expect_status(0)
        .stderr_is("");
}

#[test]
fn quiet_never_silences_errors() {
    let work = Workdir::with_sample("tiny");
    work.replace(
        "income.csv",
        "P04,2020-08,E100,148.50",
        "P04,2020-08,E100,lots",
    );
    let run = work.run(&["validate", "--quiet"]).expect_status(1);
    assert!(
        run.stderr.starts_with("udfald: error: ") && run.stderr.contains("value \"lots\""),
        "{}",
        run.stderr
    );
    run.stdout_is("");
}

#[test]
fn quiet_silences_synth_and_check_notes() {
    let work = Workdir::empty();
    let out = work.file("synthetic");
    let out = out.to_str().unwrap();
    let args = ["synth", "--persons", "50", "--seed", "3", "--out", out];
    udfald(&args)
        .expect_status(0)
        .stdout_is("")
        .stderr_has(&["udfald: wrote 50 persons"]);
    let quiet: Vec<&str> = args.iter().copied().chain(["--quiet"]).collect();
    udfald(&quiet).expect_status(0).stdout_is("").stderr_is("");
    // check runs queries as run does: the same note, the same silence.
    let work = Workdir::with_sample("tiny");
    let expect = "[[expect]]\nid = \"T-1\"\ncell = { arm = \"(all)\" }\ncolumn = \"share\"\nvalue = 0.8\ntolerance = 0.001\n";
    let query = work.query(&format!("{BY_ARM}{expect}"));
    let loud = work
        .run(&["check", &query, "--no-suppress"])
        .expect_status(0);
    loud.stderr_is(TINY_STRANGERS);
    assert!(loud.stdout.contains("pass"), "{}", loud.stdout);
    let quiet = work
        .run(&["-q", "check", &query, "--no-suppress"])
        .expect_status(0);
    quiet.stderr_is("");
    assert_eq!(quiet.stdout, loud.stdout);
}

/// Runs `udfald ARGS` with stderr on a terminal (util-linux `script`) and stdout into a file;
/// returns what the terminal showed and stdout, or `None` when `script` is not installed.
fn on_a_terminal(work: &Workdir, args: &[&str]) -> Option<(String, String)> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| std::path::Path::new(p).is_file())?;
    let out = work.file("stdout.txt");
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let command = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let command = format!("{command} > {}", quote(out.to_str().unwrap()));
    let output = std::process::Command::new(script)
        .args(["-qec", &command, "/dev/null"])
        .env("TERM", "xterm")
        .current_dir(repo())
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script");
    assert!(
        output.status.success(),
        "script: {:?}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let terminal = String::from_utf8_lossy(&output.stdout).into_owned();
    Some((terminal, work.read("stdout.txt")))
}

#[test]
fn a_terminal_shows_progress_on_stderr_and_stdout_is_unchanged() {
    let work = Workdir::with_sample("tiny");
    let query = work.query(BY_ARM);
    let data = work.path().to_str().unwrap().to_string();
    let args = ["run", &query, "--no-suppress", "--data", &data];
    let Some((terminal, stdout)) = on_a_terminal(&work, &args) else {
        eprintln!("skipped: util-linux `script` is not installed, so no terminal can be made");
        return;
    };
    let piped = udfald(&args).expect_status(0);
    assert_eq!(stdout, piped.stdout, "stdout with stderr on a terminal");
    for step in [
        "reading cohort.csv",
        "reading dream.csv",
        "reading income.csv",
        "building the panel",
        "query 1/1 q",
    ] {
        assert!(
            terminal.contains(step),
            "{step:?} not on the terminal:\n{terminal}"
        );
    }
    // The note is still printed, once, between the bars.
    assert_eq!(
        terminal.matches("are not in the cohort (not used)").count(),
        1,
        "{terminal}"
    );
    // --quiet: the terminal shows nothing at all.
    let quiet: Vec<&str> = args.iter().copied().chain(["--quiet"]).collect();
    let (terminal, stdout) = on_a_terminal(&work, &quiet).expect("script was found above");
    assert_eq!(terminal, "", "--quiet on a terminal");
    assert_eq!(stdout, piped.stdout);
}
