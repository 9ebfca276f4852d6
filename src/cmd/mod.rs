//! One file per subcommand. Each parses nothing itself (clap did): it builds options, calls
//! library functions and prints, and returns the exit status. No command calls into another's
//! file; what two commands share lives in a library module, or in `args` for option groups.

pub mod args;
pub mod audit;
pub mod check;
pub mod diff;
pub mod explain;
pub mod list;
pub mod panel;
pub mod report;
pub mod reproduce;
pub mod run;
pub mod synth;
pub mod validate;
