//! One file per subcommand. Each parses nothing itself (clap did), builds a validated plan, runs
//! the stages and prints; each returns the exit status.

pub mod args;
pub mod check;
pub mod explain;
pub mod list;
pub mod panel;
pub mod reproduce;
pub mod run;
pub mod synth;
pub mod validate;
