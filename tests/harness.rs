//! A fresh temp dir per test holding a copy of a sample dataset, and a runner for the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const BIN: &str = env!("CARGO_BIN_EXE_udfald");

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The outcome of one `udfald` run.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the run exited with `status`.
    pub fn expect_status(self, status: i32) -> Run {
        assert_eq!(
            self.status, status,
            "expected exit {status}, got {}\n--- stdout\n{}\n--- stderr\n{}",
            self.status, self.stdout, self.stderr
        );
        self
    }

    /// Panics unless stdout is exactly `expected`.
    pub fn stdout_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stdout, expected, "stdout\n--- stderr\n{}", self.stderr);
        self
    }

    /// Panics unless stderr is exactly `expected`.
    pub fn stderr_is(&self, expected: &str) -> &Run {
        assert_eq!(self.stderr, expected, "stderr\n--- stdout\n{}", self.stdout);
        self
    }

    /// Panics unless the run exited with `status`, printed nothing on stdout and exactly
    /// `udfald: error: {message}` on stderr (after the note of tiny's persons outside the cohort,
    /// which every run that reads tiny gives first).
    pub fn expect_error(self, status: i32, message: &str) -> Run {
        let run = self.expect_status(status);
        let error = format!("udfald: error: {message}\n");
        if run.stderr != error {
            run.stderr_is(&format!("{TINY_STRANGERS}{error}"));
        }
        run.stdout_is("");
        run
    }

    /// Panics unless stdout contains every fragment.
    pub fn stdout_has(&self, fragments: &[&str]) -> &Run {
        assert_has("stdout", &self.stdout, fragments);
        self
    }

    /// Panics unless stderr contains every fragment.
    pub fn stderr_has(&self, fragments: &[&str]) -> &Run {
        assert_has("stderr", &self.stderr, fragments);
        self
    }
}

fn assert_has(stream: &str, text: &str, fragments: &[&str]) {
    for fragment in fragments {
        assert!(
            text.contains(fragment),
            "{stream} lacks {fragment:?}\n--- {stream}\n{text}"
        );
    }
}

/// `name: call;` rows, each the test `fn name() { call; }`: for tests that are one call with their
/// data, so that a list of them reads as a table.
macro_rules! test_cases {
    ($($(#[$meta:meta])* $name:ident: $call:expr;)+) => {
        $(
            $(#[$meta])*
            #[test]
            fn $name() {
                $call;
            }
        )+
    };
}
pub(crate) use test_cases;

/// Query keys for [`Workdir::query`]: by arm, over the available follow-up. On the tiny dataset,
/// paid hours ever from start: treatment 4 of 6, control 4 of 4 (and 1 censored), all 8 of 10.
pub const BY_ARM: &str = "group_by = [\"arm\"]\n[params]\nfollowup = \"available\"\n";

pub fn udfald<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    udfald_with_env(args, &[])
}

/// [`udfald`] with extra environment variables.
pub fn udfald_with_env<S: AsRef<std::ffi::OsStr>>(args: &[S], env: &[(&str, &Path)]) -> Run {
    let output = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(repo())
        .output()
        .expect("run udfald");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A temp dir holding a copy of `data-samples/<sample>`, whose files a test may edit.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn with_sample(sample: &str) -> Workdir {
        let dir = tempfile::tempdir().expect("temp dir");
        let from = repo().join("data-samples").join(sample);
        for entry in std::fs::read_dir(&from).expect("sample exists") {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
        }
        Workdir { dir }
    }

    pub fn empty() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.file(name)).unwrap()
    }

    pub fn write(&self, name: &str, text: &str) {
        std::fs::write(self.file(name), text).unwrap();
    }

    /// Replaces the one occurrence of `from` in a file (panics if it is not there exactly once,
    /// so a test cannot silently stop testing what it says).
    pub fn replace(&self, name: &str, from: &str, to: &str) {
        let text = self.read(name);
        assert_eq!(
            text.matches(from).count(),
            1,
            "{from:?} must occur once in {name}"
        );
        self.write(name, &text.replacen(from, to, 1));
    }

    /// Appends `text` to a file.
    pub fn append(&self, name: &str, text: &str) {
        let old = self.read(name);
        self.write(name, &format!("{old}{text}"));
    }

    /// Writes `q.toml`, a share_ever query named `q` titled `Q` whose other keys are `body`, and
    /// returns its path.
    pub fn query(&self, body: &str) -> String {
        self.write(
            "q.toml",
            &format!("name = \"q\"\ntitle = \"Q\"\nmetric = \"share_ever\"\n{body}"),
        );
        self.file("q.toml").display().to_string()
    }

    /// Runs `panel --out panel.csv EXTRA` on the dataset, expects exit 0 and the person-level
    /// warning on stderr, and returns the run and the CSV it wrote.
    pub fn panel(&self, extra: &[&str]) -> (Run, String) {
        let out = self.file("panel.csv");
        let mut args = vec!["panel", "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let run = self.run(&args).expect_status(0);
        run.stderr_has(&["PERSON-LEVEL data"]);
        (run, self.read("panel.csv"))
    }

    /// The 1-based line of the file holding `fragment`.
    pub fn line_of(&self, name: &str, fragment: &str) -> usize {
        self.read(name)
            .lines()
            .position(|line| line.contains(fragment))
            .unwrap_or_else(|| panic!("{fragment:?} not in {name}"))
            + 1
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let mut all: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        all.push("--data".into());
        all.push(self.path().display().to_string());
        udfald(&all)
    }
}

/// What every run that reads the tiny dataset says on stderr: one person in each register is not
/// in the cohort (an edge case of the fixture).
pub const TINY_STRANGERS: &str =
    "udfald: dataset tiny: 1 person(s) in dream.csv and 1 in income.csv are not in the cohort (not used)\n";
