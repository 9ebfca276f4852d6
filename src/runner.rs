//! Runs a batch of queries: validate the whole plan first (every query file, every dataset's
//! manifest and cohort header), then per dataset load the registers and build the panel once,
//! and run each query's metric on it. Results come back in the order the queries were given.

use crate::dataset::Dataset;
use crate::disclosure::{check_fineness, release, Populations};
use crate::error::DataError;
use crate::load::{self, source::Table as FileTable, LoadOptions};
use crate::measure::common::person_index;
use crate::measure::input::{prepare, Scope};
use crate::measure::persons::Persons;
use crate::measure::population::population_violations;
use crate::measure::FollowupEnd;
use crate::metrics::OutcomeKind;
use crate::panel::{self, PanelOptions};
use crate::progress::Progress;
use crate::query::Query;
use crate::result::{Outcomes, QueryResult};
use crate::table::Table;
use anyhow::{Context, Result};
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct RunOptions {
    /// A dataset for every query (overrides the queries' own `dataset`).
    pub data: Option<PathBuf>,
    /// Cells with fewer persons than this are suppressed; `None` turns suppression off.
    pub suppress_below: Option<u64>,
    pub load: LoadOptions,
    /// Keep each table's exact values beside the released one ([`QueryResult::exact`]).
    pub keep_exact: bool,
    /// Keep each person's yes/no outcome, where the metric has one ([`QueryResult::outcomes`]).
    pub keep_outcomes: bool,
}

/// The default small-cell threshold, and the lowest one whose output may be released (spec
/// `disclosure.md` §1).
pub const SMALL_CELL: u64 = 5;

/// The lowest threshold a run may set: below it only `--no-suppress`, which marks its output.
pub const MIN_CELL_FLOOR: u64 = 3;

/// Why output made with `suppress_below` may not leave the server, if it may not: suppression
/// off, or a threshold below [`SMALL_CELL`]. Every format prints it first.
pub fn not_for_release(suppress_below: Option<u64>) -> Option<String> {
    match suppress_below {
        None => Some(
            "NOT FOR RELEASE: small-cell suppression is off (--no-suppress); every cell is shown, for local work only".into(),
        ),
        Some(t) if t < SMALL_CELL => Some(format!(
            "NOT FOR RELEASE: the small-cell threshold is {t}, below the {SMALL_CELL} persons output must have to leave the server; for local work only"
        )),
        Some(_) => None,
    }
}

/// Refuses a threshold below [`MIN_CELL_FLOOR`].
pub fn check_min_cell(min_cell: u64) -> Result<u64, String> {
    if min_cell < MIN_CELL_FLOOR {
        Err(format!(
            "the small-cell threshold may not be below {MIN_CELL_FLOOR} (use --no-suppress to show every cell, for local work only)"
        ))
    } else {
        Ok(min_cell)
    }
}

/// The dataset folder a query runs on. A scenario file (`*.toml`) stands for the dataset it
/// generates, which is made (or found in the cache) here.
fn dataset_of(query: &Query, options: &RunOptions, progress: &Progress) -> Result<PathBuf> {
    let path = options
        .data
        .clone()
        .or_else(|| query.dataset.clone())
        .ok_or_else(|| {
            DataError::Usage(format!(
                "{}: no dataset: set dataset = \"...\" in the query or give --data DIR",
                query.path.display()
            ))
        })?;
    if path.is_file() && path.extension().is_some_and(|ext| ext == "toml") {
        // A scenario that cannot be used is a usage error (exit 2); a cache that cannot be
        // trusted or written is not (exit 1).
        return crate::synth::materialise(&path, progress)
            .with_context(|| format!("{}: dataset {}", query.path.display(), path.display()));
    }
    Ok(path)
}

/// Checks the queries `reading` (indices into `queries`) against their datasets' manifests and
/// cohort headers, reading no rows (a scenario standing for a dataset is generated, though).
pub fn plan(
    queries: &[Query],
    reading: &[usize],
    options: &RunOptions,
    progress: &Progress,
) -> Result<Vec<(Dataset, Vec<usize>)>> {
    let mut groups: Vec<(PathBuf, Vec<usize>)> = Vec::new();
    for &index in reading {
        let query = &queries[index];
        let dir = dataset_of(query, options, progress)?;
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, members)) => members.push(index),
            None => groups.push((dir, vec![index])),
        }
    }
    let mut planned = Vec::new();
    for (dir, members) in groups {
        let dataset = Dataset::open(&dir)?;
        let cohort = FileTable::open(&dataset.cohort)?;
        for &index in &members {
            queries[index].check_columns(
                &cohort.names,
                &dataset.cohort.name,
                &dataset.identifiers,
            )?;
        }
        planned.push((dataset, members));
    }
    Ok(planned)
}

/// What a dataset contributed to a run, for provenance.
#[derive(Debug, Clone)]
pub struct DatasetRun {
    pub dataset: Dataset,
    pub report: crate::load::LoadReport,
    pub code_table: String,
}

/// The results of a run, in query order, and the datasets read.
pub struct RunOutput {
    pub results: Vec<QueryResult>,
    pub datasets: Vec<DatasetRun>,
}

/// Said under every table of a query with `followup_end = "end_date"`: the metric's own notes
/// speak of observed months and censoring, which this note says where they end.
pub const END_DATE_NOTE: &str = "follow-up ends at each person's end_date (followup_end = \"end_date\"): the month of end_date is followed, later months are censored like months after coverage, never counted as without the outcome; persons without an end_date, or whose end_date comes after coverage, are followed to the end of coverage";

/// Runs the queries, reporting on `progress`; the panel of each dataset is built once.
pub fn run(
    queries: &[Query],
    options: &RunOptions,
    progress: &Progress,
) -> Result<Vec<QueryResult>> {
    Ok(run_recorded(queries, options, progress)?.results)
}

/// [`run`], keeping what each dataset contributed.
pub fn run_recorded(
    queries: &[Query],
    options: &RunOptions,
    progress: &Progress,
) -> Result<RunOutput> {
    let mut datasets = Vec::new();
    // Tables from published counts need no dataset.
    let published: Vec<Option<Result<crate::table::Table>>> =
        queries.iter().map(|q| q.metric.published()).collect();
    let reading: Vec<usize> = (0..queries.len())
        .filter(|&i| published[i].is_none())
        .collect();
    let planned = plan(queries, &reading, options, progress)?;
    let mut results: Vec<Option<QueryResult>> = (0..queries.len()).map(|_| None).collect();
    for ((index, query), table) in queries.iter().enumerate().zip(published) {
        if let Some(table) = table {
            let table = table.with_context(|| query.path.display().to_string())?;
            // Published counts are public already: nothing to protect, and suppressing them would
            // hide the very figures a query reproduces.
            let options = RunOptions {
                suppress_below: None,
                ..options.clone()
            };
            results[index] = Some(finish(query, "(published counts)", table, None, &options)?);
        }
    }
    // The run's queries so far, for "query 3/36": those of published counts are done already.
    let mut done = queries.len() - reading.len();
    for (dataset, members) in planned {
        let months_before = members
            .iter()
            .filter_map(|&i| queries[i].window.from)
            .map(|from| (-from).max(0) as u32)
            .fold(PanelOptions::default().months_before, u32::max);
        let timing = std::env::var_os("UDFALD_TIMING").is_some();
        let stage = std::time::Instant::now();
        let loaded = load::load(&dataset, &options.load, progress)?;
        if let Some(strangers) = loaded.report.strangers(&dataset) {
            progress.note(strangers);
        }
        // Rows dropped on request are said under every table of the dataset, in every format
        // (spec data-formats.md, "Bad input"), not only in provenance.
        let dropped = (!loaded.report.dropped_rows.is_empty()).then(|| {
            let files: Vec<String> = loaded
                .report
                .dropped_rows
                .iter()
                .map(|(file, rows)| format!("{rows} row(s) of {file}"))
                .collect();
            format!(
                "--drop-invalid: {} dropped for problems (udfald validate lists them); the figures leave those rows out",
                files.join(", ")
            )
        });
        if timing {
            progress.note(format!(
                "timing: {:.1} s {} loaded; peak memory {}",
                stage.elapsed().as_secs_f64(),
                dataset.name,
                peak_memory()
            ));
        }
        datasets.push(DatasetRun {
            dataset: dataset.clone(),
            report: loaded.report.clone(),
            code_table: loaded.codes.name.clone(),
        });
        let stage = std::time::Instant::now();
        let panel = panel::build(
            loaded,
            &PanelOptions {
                months_before,
                ..PanelOptions::default()
            },
            progress,
        )?;
        if timing {
            progress.note(format!(
                "timing: {:.1} s {} panel built; peak memory {}",
                stage.elapsed().as_secs_f64(),
                dataset.name,
                peak_memory()
            ));
        }
        let mut populations = Populations::new(panel.persons.height());
        // The dataset's tables before suppression (and their queries' indices), in the order
        // their populations were added.
        let mut computed: Vec<Table> = Vec::new();
        let mut indices: Vec<usize> = Vec::new();
        let mut outcomes: Vec<Option<Outcomes>> = Vec::new();
        for index in members {
            let started = std::time::Instant::now();
            let query = &queries[index];
            done += 1;
            let _step = progress.step(format!("query {done}/{} {}", queries.len(), query.name));
            let statuses = query.definitions.resolve();
            let custom: Vec<(String, polars::prelude::Expr)> = query
                .statuses
                .iter()
                .map(|s| (s.name.clone(), s.expr.clone()))
                .collect();
            let mut input = prepare(
                &panel,
                Scope {
                    population: query.population_expr(),
                    at_start: query.at_start.as_ref().map(|s| s.expr.clone()),
                    group_by: &query.group_by,
                    window: &query.window,
                    statuses: &statuses,
                    custom: &custom,
                    followup_end: query.followup_end,
                },
            )?;
            input.pool_below = options.suppress_below;
            // Nobody matching is a result, not an error (a project or municipality may have no
            // participants yet), but never a silent one: said on stderr and under the table.
            let empty = input.persons.height() == 0;
            if empty {
                progress.note(format!(
                    "{}: {}",
                    query.path.display(),
                    empty_note(&dataset.name)
                ));
            }
            if let Some(threshold) = options.suppress_below {
                for column in &query.group_by {
                    let distinct = input
                        .persons
                        .column(column)
                        .and_then(|values| values.n_unique())
                        .map_err(|err| anyhow::anyhow!("internal: group {column}: {err}"))?;
                    check_fineness(
                        "group_by",
                        column,
                        distinct,
                        input.persons.height(),
                        threshold,
                    )
                    .map_err(|err| {
                        anyhow::anyhow!(err).context(query.path.display().to_string())
                    })?;
                }
            }
            populations.add(
                &query.name,
                person_index(&input.persons)
                    .map_err(|err| anyhow::anyhow!("internal: the population's persons: {err}"))?
                    .iter()
                    .flatten(),
            );
            let mut table = query
                .metric
                .compute(&input)
                .with_context(|| query.path.display().to_string())?;
            // The counts that link this table to others of the same persons must be what the
            // metric declares, or the joint audit reasons from a falsehood.
            let violations = population_violations(&table, &input)?;
            if let Some(first) = violations.first() {
                anyhow::bail!(
                    "query {}: the table's declared population identity does not hold ({first}); this is a bug in udfald's metric {}: please report it with the query",
                    query.name,
                    query.metric_def.name
                );
            }
            table.define_subsets(|status| query.status_definition(status));
            if empty {
                table.notes.insert(0, empty_note(&dataset.name));
            }
            if let Some(note) = &dropped {
                table.notes.push(note.clone());
            }
            if query.followup_end == FollowupEnd::EndDate {
                table.notes.push(END_DATE_NOTE.into());
            }
            if options.keep_outcomes {
                outcomes.push(
                    person_outcomes(query, &input)
                        .with_context(|| query.path.display().to_string())?,
                );
            }
            if input.untestable > 0 {
                table
                    .notes
                    .push(untestable_note(input.untestable, options.suppress_below));
            }
            computed.push(table);
            indices.push(index);
            if timing {
                progress.note(format!(
                    "timing: {:.1} s {}; peak memory {}",
                    started.elapsed().as_secs_f64(),
                    query.name,
                    peak_memory()
                ));
            }
        }
        // Before any output is written: no two populations may differ by a few persons, and
        // tables of the same persons are suppressed as one system.
        let alike = populations.alike();
        let released: Vec<Option<Table>> = match options.suppress_below {
            Some(threshold) => {
                populations.check(threshold)?;
                release(&mut computed, &populations, &alike, threshold)
                    .map_err(|err| anyhow::anyhow!(err))?
                    .into_iter()
                    .map(Some)
                    .collect()
            }
            None => vec![None; computed.len()],
        };
        outcomes.resize(indices.len(), None);
        let mut same_persons: Vec<Option<String>> = vec![None; indices.len()];
        for (k, members) in alike.iter().enumerate() {
            for &i in members {
                same_persons[i] = Some(format!("{}#{}", dataset.name, k + 1));
            }
        }
        for ((((index, exact), released), outcomes), population) in indices
            .into_iter()
            .zip(computed)
            .zip(released)
            .zip(outcomes)
            .zip(same_persons)
        {
            let query = &queries[index];
            let mut result = finish(query, &dataset.name, exact, released, options)?;
            result.outcomes = outcomes;
            result.population = population;
            results[index] = Some(result);
        }
    }
    Ok(RunOutput {
        results: results.into_iter().flatten().collect(),
        datasets,
    })
}

/// The note on a population no person matches.
fn empty_note(dataset: &str) -> String {
    format!("the population is empty: no person of dataset {dataset} matches the query's [population], so every count is 0")
}

/// The note on persons `population.at_start` could not test. The number is a count of persons
/// like any other: below the threshold it is not printed (spec `disclosure.md` §2).
fn untestable_note(persons: u64, suppress_below: Option<u64>) -> String {
    let how_many = match suppress_below {
        Some(threshold) if persons < threshold => format!("fewer than {threshold}"),
        _ => persons.to_string(),
    };
    format!(
        "population.at_start: {how_many} person(s) whose start month is not observed could not be tested and are left out"
    )
}

/// The self-audit of the released table (`None`: the run does not suppress), and the result's
/// labels.
fn finish(
    query: &Query,
    dataset: &str,
    exact: Table,
    released: Option<Table>,
    options: &RunOptions,
) -> Result<QueryResult> {
    // A table whose shares rest on no count, or whose declared relations do not hold, is a bug
    // in its metric: every debug run (the tests run every shipped query) says which.
    debug_assert_eq!(exact.check_references(), Ok(()), "query {}", query.name);
    debug_assert_eq!(
        exact.relation_violations(),
        Vec::<String>::new(),
        "query {}: declared relations",
        query.name
    );
    let (table, exact) = match released {
        Some(released) => (released, options.keep_exact.then_some(exact)),
        None => {
            let kept = options.keep_exact.then(|| exact.clone());
            (exact, kept)
        }
    };
    if let Some(threshold) = options.suppress_below {
        self_audit(&query.name, &table, threshold)?;
    }
    Ok(QueryResult {
        name: query.name.clone(),
        title: query.title.clone(),
        source: query.source.clone(),
        metric: query.metric_def.name.to_string(),
        dataset: dataset.to_string(),
        params: query.resolved_params(),
        table,
        exact,
        outcomes: None,
        population: None,
    })
}

/// The query's yes/no outcome person by person, when its metric has one.
fn person_outcomes(
    query: &Query,
    input: &crate::measure::MetricInput<'_>,
) -> Result<Option<Outcomes>> {
    let Some(outcome) = query.metric.person_outcome(input)? else {
        return Ok(None);
    };
    if outcome.kind != OutcomeKind::Share {
        return Ok(None);
    }
    let failed =
        |err: polars::prelude::PolarsError| anyhow::anyhow!("internal: the outcome: {err}");
    let counted_persons: std::collections::HashSet<u32> = person_index(&outcome.frame)
        .map_err(failed)?
        .iter()
        .zip(
            outcome
                .frame
                .column("value")
                .map_err(failed)?
                .bool()
                .map_err(failed)?
                .iter(),
        )
        .filter_map(|(person, value)| (value == Some(true)).then_some(person).flatten())
        .collect();
    let persons = Persons::of(input)?;
    let keys = persons.groups.keys();
    let groups = (0..persons.len())
        .map(|row| keys[persons.groups.of_row(row)].clone())
        .collect();
    let counted = persons
        .ids
        .iter()
        .map(|p| counted_persons.contains(p))
        .collect();
    Ok(Some(Outcomes {
        label: outcome.label,
        persons: persons.ids,
        groups,
        counted,
    }))
}

/// The self-audit (spec `disclosure.md` §5): the released table of query `name`, read as an
/// outsider would, must leave every hidden count as uncertain as "hidden" says. A failure is a
/// bug in udfald's suppression, not the user's: exit 1, nothing written.
pub fn self_audit(name: &str, table: &Table, threshold: u64) -> Result<()> {
    let narrow = audit_failures(table, threshold)
        .map_err(|err| anyhow::anyhow!("query {name}: the disclosure audit failed: {err}"))?;
    if let Some(first) = narrow.first() {
        anyhow::bail!(
            "query {name}: the disclosure audit found {} hidden count(s) a reader could narrow down, first {first}; nothing was written. This is a bug in udfald's suppression: please report it with the query",
            narrow.len()
        );
    }
    Ok(())
}

/// The hidden counts of a released table whose feasible range spans fewer than `threshold − 1`
/// values, in words (row and column); an error when the audit itself fails. The range itself is
/// left out: it would print what the table hides, on the way to a bug report.
fn audit_failures(table: &Table, threshold: u64) -> Result<Vec<String>, String> {
    Ok(table
        .audit()?
        .iter()
        .filter(|range| range.too_narrow(threshold))
        .map(|range| {
            format!(
                "{} (fewer than {} possible values)",
                table.describe_cell(range.row, range.column),
                threshold - 1
            )
        })
        .collect())
}

/// The process's peak resident memory so far (Linux), for `UDFALD_TIMING=1` runs.
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}
