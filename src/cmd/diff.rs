//! `udfald diff`: one query under several definitions (`--vary KEY=V1,V2`, repeatable for a cross
//! product), or two queries of one metric; the figures side by side with their differences, and
//! for a yes/no outcome the persons who change outcome between the variants.

use crate::cmd::args::{FormatArgs, OutputArgs, QueryDataArgs};
use crate::diff::{self, movers::movers, side_by_side::side_by_side, Vary};
use crate::error::{DataError, EXIT_OK};
use crate::output;
use crate::progress::Progress;
use crate::provenance::Manifest;
use crate::query::{explain, Query};
use crate::render::{self, Format};
use crate::result::QueryResult;
use crate::runner::{self, RunOptions};
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// One query file with --vary, or two query files of one metric.
    #[arg(required = true, num_args = 1..=2, value_name = "QUERY")]
    pub queries: Vec<PathBuf>,
    /// KEY=V1,V2,...: run the query with KEY (any key `explain` prints, as
    /// `definitions.min_weeks_without_benefit` or `params.status`) set to each value; several
    /// make the cross product. A value is read as TOML, else as text.
    #[arg(long, value_name = "KEY=V1,V2,...")]
    pub vary: Vec<Vary>,
    #[command(flatten)]
    pub data: QueryDataArgs,
    #[command(flatten)]
    pub print: FormatArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The variants the arguments ask for; a usage error when they ask for none or a mix.
fn variants(args: &DiffArgs) -> Result<Vec<diff::Variant>> {
    match (&args.queries[..], args.vary.is_empty()) {
        ([one], false) => {
            let text = std::fs::read_to_string(one).map_err(|err| {
                DataError::Usage(format!(
                    "{}: cannot read the query file: {err}",
                    one.display()
                ))
            })?;
            diff::vary(one, &text, &args.vary)
        }
        ([a, b], true) => diff::pair(Query::load(a)?, Query::load(b)?),
        ([_], true) => Err(DataError::Usage(
            "diff: give --vary KEY=V1,V2,... for one query, or two query files".into(),
        )
        .into()),
        _ => Err(DataError::Usage(
            "diff: --vary varies one query; two query files are compared as they are".into(),
        )
        .into()),
    }
}

pub fn run(args: &DiffArgs, progress: &Progress) -> Result<i32> {
    args.print.check(&args.output)?;
    let variants = variants(args)?;
    let suppress_below = args.output.suppress_below();
    let (queries, varies): (Vec<Query>, Vec<Vec<(String, toml::Value)>>) =
        variants.into_iter().map(|v| (v.query, v.vary)).unzip();
    let options = RunOptions {
        data: args.data.data.clone(),
        suppress_below,
        load: args.data.load.load_options(),
        keep_exact: false,
        keep_outcomes: true,
    };
    let ran = runner::run_recorded(&queries, &options, progress)?;
    let spec = args.print.run_spec(&args.queries, &args.data, &args.output);
    let manifest = Manifest::new(&queries, &ran.datasets, spec)?;
    let first = &queries[0];
    let outcomes: Option<Vec<_>> = ran.results.iter().map(|r| r.outcomes.as_ref()).collect();
    let movers = outcomes.and_then(|o| movers(&o, &first.group_by, suppress_below));
    if let (Some(table), Some(threshold)) = (&movers, suppress_below) {
        runner::self_audit(&format!("{} (movers)", first.name), table, threshold)?;
    }
    let bytes = if args.print.format == Format::Json {
        let pairs: Vec<(Vec<(String, toml::Value)>, &QueryResult)> =
            varies.iter().cloned().zip(&ran.results).collect();
        render::diff_json(&pairs, movers.as_ref(), &manifest)
    } else {
        let labels: Vec<String> = varies.iter().map(|vary| diff::label(vary)).collect();
        let tables: Vec<&crate::table::Table> = ran.results.iter().map(|r| &r.table).collect();
        let mut figures = side_by_side(&tables);
        for (v, label) in labels.iter().enumerate() {
            figures.notes.push(format!(
                "[{}]: {label}{}",
                v + 1,
                if v == 0 {
                    " (the differences Δ are from it)"
                } else {
                    ""
                }
            ));
        }
        figures.notes.push(
            "Δ: the variant's figure less the first's: counts in persons, shares in percentage points, means in their unit; hidden (.) where either figure is".into(),
        );
        // A note every variant has is said once; one that differs, per variant.
        let all_notes: Vec<&Vec<String>> = ran.results.iter().map(|r| &r.table.notes).collect();
        for (v, notes) in all_notes.iter().enumerate() {
            for note in notes.iter() {
                if all_notes.iter().all(|other| other.contains(note)) {
                    if v == 0 {
                        figures.notes.push(note.clone());
                    }
                } else {
                    figures.notes.push(format!("[{}] {note}", v + 1));
                }
            }
        }
        figures.suppressed = ran.results.iter().map(|r| r.table.suppressed).sum();
        let base = &ran.results[0];
        let mut results = vec![QueryResult {
            name: format!("diff {}", first.name.trim_end_matches("[1]")),
            title: format!("{} under {} definitions", first.title, queries.len()),
            source: base.source.clone(),
            metric: base.metric.clone(),
            dataset: base.dataset.clone(),
            params: toml::Table::new(),
            table: figures,
            exact: None,
            outcomes: None,
            population: None,
        }];
        match movers {
            Some(table) => results.push(QueryResult {
                name: format!("movers {}", first.name.trim_end_matches("[1]")),
                title: "Persons who change outcome between the variants".into(),
                table,
                params: toml::Table::new(),
                exact: None,
                outcomes: None,
                population: None,
                ..results[0].clone()
            }),
            None => results[0].table.notes.push(movers_absent(&ran.results)),
        }
        let definitions: Vec<String> = queries
            .iter()
            .map(|query| explain(query, suppress_below))
            .collect();
        let dialect = args.print.csv_dialect.unwrap_or_default();
        render::render(
            args.print.format,
            dialect,
            &results,
            &manifest,
            &definitions,
        )?
    };
    output::write(args.output.out.as_deref(), &bytes)?;
    Ok(EXIT_OK)
}

/// Why a diff has no movers.
fn movers_absent(results: &[QueryResult]) -> String {
    if results.iter().any(|r| r.outcomes.is_none()) {
        "no movers: the metric has no yes/no outcome per person with these parameters, so only the figures are compared".into()
    } else {
        "no movers: the variants' populations are not the same persons, so only the figures are compared".into()
    }
}
