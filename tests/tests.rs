//! The one integration-test binary (`autotests = false`): each module exercises one subcommand or
//! stage through the real `udfald` executable or the library.

// Temp dirs with a copy of a sample dataset, and running the binary.
mod harness;
// An independent attacker recovers hidden counts from released JSON by linear programming.
mod attacker;
// diff: one query under several definitions, figures side by side, movers.
mod diff;
// Files as a research server delivers them: register names, encodings, several files a role.
mod delivered;
// Every bad input the spec lists gets an error naming file, line, column and value.
mod bad_input;
// Hard edges (issue 15): deep nesting, huge windows, closed stdout, duplicate names, empty
// populations: no crash, and every mistake its exit status and message.
mod edges;
// Faults: the synthetic-dataset cache trusts only what it can check; --out is never half-written.
mod faults;
// run --format xlsx (read back with calamine) and --csv-dialect danish; what they refuse.
mod formats;
// check: expectations against published figures, reports for CI.
mod check;
// The tiny dataset's panel, cell by cell, against the independent reference; layouts and options.
mod panel;
// Progress bars only on a terminal; --quiet silences notes, never errors or results.
mod progress;
// Property tests (proptest): calendar round trips, readers and the query parser never panic on
// arbitrary or mutated input, the panel's invariants on random registers.
mod properties;
// provenance: manifests, hashes, reproduce.
mod provenance;
// report: the HTML report, self-contained, with charts, in headless Chromium.
mod report;
// run, list and explain: queries end to end, formats, suppression, determinism.
mod run;
// The complete stdout of run (every format), check, list, explain and validate, against insta
// snapshots in tests/snapshots/.
mod snapshots;
// The synthetic generator round-trips through validate and panel, deterministically.
mod synth;
// The validate summary's facts on the tiny dataset.
mod validate;
