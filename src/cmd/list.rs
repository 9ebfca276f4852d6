//! `udfald list`: the queries of a folder, one line each.

use crate::error::EXIT_OK;
use crate::output;
use crate::session;
use anyhow::Result;
use clap::Args;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Query files or folders (default: queries/).
    #[arg(value_name = "DIR", default_value = "queries")]
    pub dirs: Vec<PathBuf>,
}

pub fn run(args: &ListArgs) -> Result<i32> {
    let queries = session::load_queries(&args.dirs)?;
    let rows: Vec<[String; 4]> = queries
        .iter()
        .map(|q| {
            [
                q.name.clone(),
                q.metric_def.name.to_string(),
                q.source.clone().unwrap_or_else(|| "-".into()),
                q.title.clone(),
            ]
        })
        .collect();
    let header = ["name", "metric", "source", "title"].map(String::from);
    let widths: Vec<usize> = (0..3)
        .map(|c| {
            rows.iter()
                .chain([&header])
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
    }
    output::write(None, out.as_bytes())?;
    Ok(EXIT_OK)
}
