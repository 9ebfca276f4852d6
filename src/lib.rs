//! udfald: register-based outcome analysis of active labour-market programmes.
//!
//! The data flow, one module per stage:
//! `dataset` (the manifest) → `load` (read and validate the registers) → `panel` (the
//! person-month panel) → metrics, tables and rendering (later stages). `calendar` holds the
//! time rules every stage shares; `cmd` holds one file per subcommand; `synth` simulates
//! register extracts for tests and benchmarks.

pub mod calendar;
pub mod check;
pub mod cli;
pub mod cmd;
pub mod dataset;
pub mod diff;
pub mod disclosure;
pub mod error;
pub mod hash;
pub mod leftovers;
pub mod load;
pub mod measure;
pub mod metrics;
pub mod output;
pub mod panel;
pub mod progress;
pub mod provenance;
pub mod query;
pub mod render;
pub mod result;
pub mod runner;
pub mod session;
pub mod stats;
pub mod synth;
pub mod table;
