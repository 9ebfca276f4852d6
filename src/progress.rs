//! What udfald tells the person at the terminal while it works, on stderr: progress bars for the
//! long steps (reading a register file, building the panel, each query) and the notes beside the
//! results (persons outside the cohort, rows dropped, a generated dataset).
//!
//! One [`Progress`] handle per command, made by `cli` and passed down to the library functions
//! that do long steps; library code never decides on its own whether to draw. Bars are drawn
//! only when stderr is a terminal and `--quiet` is not given, and then by `indicatif`; otherwise
//! no bar exists at all, so a pipe or a CI log receives not one byte of progress, and counting
//! rows costs an addition and a comparison. Notes are lines `udfald: …`, printed unless `--quiet`
//! (errors are `cli`'s, never silenced). Nothing here writes to stdout, and nothing panics: a
//! note that cannot be written is dropped.
//!
//! It must not know about datasets, queries or tables: callers say what a step is in words.

use indicatif::{
    HumanCount, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle,
};
use std::io::{IsTerminal, Write};
use std::time::Duration;

/// Rows (or persons) counted between two updates of a bar: an update reads the clock and takes
/// a few atomic operations (some 50 ns), so the readers' hot loops pay for one every this many
/// rows, not one per row; a wide DREAM file read at a few thousand rows a second still moves.
pub const BATCH: u64 = 1024;

/// How often a drawn bar redraws by itself, so that elapsed time moves while a step computes.
const TICK: Duration = Duration::from_millis(120);

/// The reporter of one command: where its bars are drawn (if anywhere) and whether its notes are
/// printed. Cheap to clone (clones share the bars). The default draws no bars and prints notes,
/// which is what the library did before progress existed, and what tests get.
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// `None`: no bars (stderr is not a terminal, `--quiet`, or a test).
    bars: Option<MultiProgress>,
    quiet: bool,
}

impl Progress {
    /// For a command run by a person: bars when stderr is a terminal, notes, and neither with
    /// `quiet`.
    pub fn for_stderr(quiet: bool) -> Progress {
        let bars = (!quiet && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
            // indicatif hides a terminal whose TERM is unset or `dumb`: then no bars either.
            .filter(|bars| !bars.is_hidden());
        Progress { bars, quiet }
    }

    /// Silent: no bars and no notes.
    pub fn quiet() -> Progress {
        Progress {
            bars: None,
            quiet: true,
        }
    }

    /// Whether notes are silenced.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// Whether bars are drawn.
    pub fn draws(&self) -> bool {
        self.bars.is_some()
    }

    /// A note beside the results (`udfald: {text}`), unless quiet.
    pub fn note(&self, text: impl std::fmt::Display) {
        if !self.quiet {
            self.print(&format!("udfald: {text}"));
        }
    }

    /// A warning `--quiet` does not silence: only for what the user must see whatever they asked
    /// (person-level data leaving udfald).
    pub fn warn(&self, text: impl std::fmt::Display) {
        self.print(&format!("udfald: {text}"));
    }

    /// Prints a line on stderr, above the bars when some are drawn. A line that cannot be
    /// written is dropped (`MultiProgress::suspend` would panic on a failed redraw; `println`
    /// returns the error).
    fn print(&self, line: &str) {
        let _ = match &self.bars {
            Some(bars) => bars.println(line),
            None => writeln!(std::io::stderr().lock(), "{line}"),
        };
    }

    /// A counter of rows read, e.g. `reading dream.csv`; `total` when the file says how many.
    pub fn rows(&self, what: impl Into<String>, total: Option<u64>) -> Counter {
        self.counter(what.into(), "rows", total)
    }

    /// A counter of persons done, e.g. `building the panel`.
    pub fn persons(&self, what: impl Into<String>, total: Option<u64>) -> Counter {
        self.counter(what.into(), "persons", total)
    }

    fn counter(&self, what: String, unit: &str, total: Option<u64>) -> Counter {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = match total {
                Some(total) => ProgressBar::new(total),
                None => ProgressBar::no_length(),
            };
            start(bars, bar, &counter_template(unit, total.is_some()), what)
        });
        Counter {
            bar,
            pending: 0,
            owner: true,
        }
    }

    /// A step with no count, e.g. `query 3/36 s4-t3-paid`: a spinner with the elapsed time.
    pub fn step(&self, what: impl Into<String>) -> Step {
        Step {
            bar: self
                .bars
                .as_ref()
                .map(|bars| start(bars, ProgressBar::no_length(), STEP_TEMPLATE, what.into())),
        }
    }
}

const STEP_TEMPLATE: &str = "{spinner} {msg} ({elapsed})";

/// A counter's line: `⠁ reading dream.csv: 16,384 rows, 4,349/s, 4s`, or with a total a bar and
/// the time left.
fn counter_template(unit: &str, with_total: bool) -> String {
    if with_total {
        format!("{{spinner}} {{msg}} [{{bar:24}}] {{human_pos}}/{{human_len}} {unit}, {{rate}}, {{elapsed}}, eta {{eta}}")
    } else {
        format!("{{spinner}} {{msg}}: {{human_pos}} {unit}, {{rate}}, {{elapsed}}")
    }
}

/// `{rate}`: whole units a second, `36,550/s` (indicatif's `{per_sec}` shows four decimals).
fn rate(state: &ProgressState, out: &mut dyn std::fmt::Write) {
    let _ = write!(out, "{}/s", HumanCount(state.per_sec().max(0.0) as u64));
}

/// Adds a bar to the drawn ones, styled, and draws it at once, past the rate limit (a step
/// shorter than a tick is still seen: a run says what it did even when every step is quick).
fn start(bars: &MultiProgress, bar: ProgressBar, template: &str, what: String) -> ProgressBar {
    // The templates are constants of this file (a test parses each), so the fallback is never
    // taken; it keeps a typo from panicking.
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_spinner())
        .with_key("rate", rate);
    let bar = bars.add(bar.with_style(style).with_message(what));
    bar.force_draw();
    bar.enable_steady_tick(TICK);
    bar
}

/// Counts rows or persons into a bar, [`BATCH`] at a time. Dropping it adds what is left and
/// (for the counter a [`Progress`] made) clears the bar. With no bar drawn it only counts.
pub struct Counter {
    bar: Option<ProgressBar>,
    pending: u64,
    /// The counter [`Progress`] made clears the bar when dropped; its [`Counter::share`]s only add.
    owner: bool,
}

impl Counter {
    /// One more row or person.
    #[inline]
    pub fn tick(&mut self) {
        self.pending += 1;
        if self.pending >= BATCH {
            self.flush();
        }
    }

    /// A counter into the same bar, for another thread; it adds what it counted when dropped.
    pub fn share(&self) -> Counter {
        Counter {
            bar: self.bar.clone(),
            pending: 0,
            owner: false,
        }
    }

    fn flush(&mut self) {
        if let Some(bar) = &self.bar {
            bar.inc(self.pending);
        }
        self.pending = 0;
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.flush();
        if let (Some(bar), true) = (&self.bar, self.owner) {
            bar.finish_and_clear();
        }
    }
}

/// A step's spinner; dropping it clears it.
pub struct Step {
    bar: Option<ProgressBar>,
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse() {
        for unit in ["rows", "persons"] {
            for with_total in [false, true] {
                let template = counter_template(unit, with_total);
                assert!(
                    ProgressStyle::with_template(&template).is_ok(),
                    "{template}"
                );
            }
        }
        assert!(ProgressStyle::with_template(STEP_TEMPLATE).is_ok());
    }

    #[test]
    fn hidden_progress_counts_without_a_bar() {
        // What every test and every piped run gets: no bar is made at all.
        let progress = Progress::quiet();
        assert!(!progress.draws() && progress.is_quiet());
        let mut counter = progress.rows("reading a file", None);
        for _ in 0..(3 * BATCH + 5) {
            counter.tick();
        }
        assert_eq!(counter.pending, 5, "flushed every BATCH rows");
        let share = counter.share();
        assert!(share.bar.is_none() && !share.owner);
        drop(progress.step("a step"));
        assert!(!Progress::default().is_quiet() && !Progress::default().draws());
    }

    #[test]
    fn a_drawn_bar_receives_every_row() {
        // Drawn into a hidden target, so the test writes nothing, but the counts are real.
        let progress = Progress {
            bars: Some(MultiProgress::with_draw_target(ProgressDrawTarget::hidden())),
            quiet: false,
        };
        // No total: finishing a bar with one moves it to its total.
        let mut counter = progress.persons("building", None);
        let bar = counter.bar.clone().expect("a bar");
        let mut other = counter.share();
        for _ in 0..BATCH + 1 {
            counter.tick();
            other.tick();
        }
        assert_eq!(bar.position(), 2 * BATCH);
        drop(other);
        assert_eq!(bar.position(), 2 * BATCH + 1);
        drop(counter);
        assert_eq!(bar.position(), 2 * BATCH + 2);
        assert!(bar.is_finished());
    }
}
