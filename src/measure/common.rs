//! Pieces several metrics share: the window filter, per-group aggregation with a total row, and
//! turning a polars result into a [`Table`] with the right column kinds.

use super::{FollowupEnd, MetricInput, Window};
use crate::table::{
    share, Col, Kind, MonthOf, RelWindow, Relation, Row, Subset, Table, TableBuilder, Value, ALL,
    MISSING,
};
use anyhow::{anyhow, Result};
use polars::prelude::*;

/// A polars failure inside a metric, as a readable error.
pub fn polars(metric: &str, err: PolarsError) -> anyhow::Error {
    anyhow!("computing {metric}: {err}")
}

/// The expressions combined pairwise into a balanced tree (`None` for none): `any` of n statuses
/// or values nests log2(n) levels deep instead of n, so no list in a query file (population
/// values, statuses to combine) builds a tree deeper than an expression may nest
/// (`query::expr::MAX_DEPTH`), or one polars' optimiser takes long over.
pub fn balanced(exprs: Vec<Expr>, combine: fn(Expr, Expr) -> Expr) -> Option<Expr> {
    let mut level = exprs;
    while level.len() > 1 {
        let mut items = level.into_iter();
        let mut next = Vec::new();
        while let Some(left) = items.next() {
            next.push(match items.next() {
                Some(right) => combine(left, right),
                None => left,
            });
        }
        level = next;
    }
    level.pop()
}

/// The months of `months` whose `rel_month` lies in the window.
pub fn in_window(months: LazyFrame, window: &Window) -> LazyFrame {
    let mut keep = col("rel_month").gt_eq(lit(window.from()));
    if let Some(to) = window.to {
        keep = keep.and(col("rel_month").lt_eq(lit(to)));
    }
    months.filter(keep)
}

/// The group columns as expressions.
pub fn group_exprs(group_by: &[String]) -> Vec<Expr> {
    group_by.iter().map(|g| col(g.as_str())).collect()
}

/// Aggregates `frame` per group (sorted by the group values) and over everyone (a last row whose
/// group columns read [`ALL`]); with no groups, only the total row.
pub fn by_group(
    mut frame: LazyFrame,
    group_by: &[String],
    aggs: &[Expr],
) -> PolarsResult<DataFrame> {
    // Joins and group-bys upstream return rows in an order that varies between runs (hashing),
    // and a float sum depends on the order of its terms: sorting by person first makes every
    // mean the same to the last digit in every run.
    // Chunk boundaries move between runs too, and a sum is taken chunk by chunk: one chunk.
    if frame.collect_schema()?.contains("person") {
        frame = frame.sort(["person"], SortMultipleOptions::default());
    }
    let mut collected = frame.collect()?;
    collected.rechunk_mut();
    let frame = collected.lazy();
    // Group columns first, then the aggregates, in both parts, so they stack.
    let total = frame.clone().select(
        group_by
            .iter()
            .map(|g| lit(ALL).alias(g.as_str()))
            .chain(aggs.iter().cloned())
            .collect::<Vec<_>>(),
    );
    if group_by.is_empty() {
        return total.collect();
    }
    let groups = frame.group_by(group_exprs(group_by)).agg(aggs).sort(
        group_by.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
        SortMultipleOptions::default(),
    );
    concat([groups, total], UnionArgs::default())?.collect()
}

/// A table column to read from a result frame.
pub struct Spec<'a> {
    pub name: &'a str,
    pub kind: Kind,
}

pub fn group(name: &str) -> Spec<'_> {
    Spec {
        name,
        kind: Kind::Group,
    }
}

pub fn persons(name: &str) -> Spec<'_> {
    Spec {
        name,
        kind: Kind::Persons,
    }
}

/// A share computed from two persons columns of the same table (not read from the frame).
pub fn share_of<'a>(name: &'a str, numerator: &str, denominator: &str) -> Spec<'a> {
    Spec {
        name,
        kind: Kind::Share {
            numerator: numerator.to_string(),
            denominator: denominator.to_string(),
        },
    }
}

pub fn mean<'a>(name: &'a str, n: &str, decimals: usize) -> Spec<'a> {
    mean_bounding(name, n, &[], decimals)
}

/// A mean over `n` whose value would also bound the counts `also` (hidden with any of them).
pub fn mean_bounding<'a>(name: &'a str, n: &str, also: &[&str], decimals: usize) -> Spec<'a> {
    Spec {
        name,
        kind: Kind::Mean {
            n: n.to_string(),
            decimals,
            also: also.iter().map(|a| a.to_string()).collect(),
        },
    }
}

pub fn number(name: &str, decimals: usize) -> Spec<'_> {
    Spec {
        name,
        kind: Kind::Number { decimals },
    }
}

/// Reads the columns of `specs` from `frame` into a table. Shares are computed exactly from their
/// numerator and denominator counts; everything else is read as it is. A share or mean names its
/// counts among the specs before it (the builder refuses anything else).
pub fn to_table(frame: &DataFrame, specs: &[Spec<'_>]) -> Result<Table> {
    let mut builder = TableBuilder::new();
    let mut cols: Vec<Col> = Vec::with_capacity(specs.len());
    let col_of = |cols: &[Col], name: &str| -> Result<Col> {
        specs
            .iter()
            .position(|s| s.name == name)
            .and_then(|i| cols.get(i).copied())
            .ok_or_else(|| anyhow!("internal: column {name} must come before what rests on it"))
    };
    for spec in specs {
        let col = match &spec.kind {
            Kind::Group => builder.group(spec.name),
            Kind::Persons => builder.persons(spec.name),
            Kind::Share {
                numerator,
                denominator,
            } => {
                let (num, den) = (col_of(&cols, numerator)?, col_of(&cols, denominator)?);
                builder.share(spec.name, num, den)
            }
            Kind::Mean { n, decimals, also } => {
                let n = col_of(&cols, n)?;
                let col = builder.mean(spec.name, n, *decimals);
                for count in also {
                    let count = col_of(&cols, count)?;
                    builder.also_bounds(col, count);
                }
                col
            }
            Kind::Number { decimals } => builder.number(spec.name, *decimals),
            Kind::Text => builder.text(spec.name),
            Kind::Label { n } => {
                let n = col_of(&cols, n)?;
                builder.label(spec.name, n)
            }
        };
        cols.push(col);
    }
    let read = |name: &str, kind: &Kind| -> Result<Vec<Value>> {
        let column = frame
            .column(name)
            .map_err(|_| anyhow!("internal: result has no column {name}"))?;
        let values = match kind {
            Kind::Group | Kind::Text => column
                .cast(&DataType::String)?
                .str()?
                .iter()
                .map(|v| v.map_or(Value::Null, |t| Value::Text(t.to_string())))
                .collect(),
            Kind::Persons => column
                .cast(&DataType::Int64)?
                .i64()?
                .iter()
                .map(|v| v.map_or(Value::Int(0), Value::Int))
                .collect(),
            _ => column
                .cast(&DataType::Float64)?
                .f64()?
                .iter()
                .map(|v| {
                    v.filter(|v| v.is_finite())
                        .map_or(Value::Null, Value::Float)
                })
                .collect(),
        };
        Ok(values)
    };
    let mut columns: Vec<Vec<Value>> = Vec::with_capacity(specs.len());
    for spec in specs {
        columns.push(match &spec.kind {
            Kind::Share { .. } => Vec::new(),
            kind => read(spec.name, kind)?,
        });
    }
    for (c, spec) in specs.iter().enumerate() {
        if let Kind::Share {
            numerator,
            denominator,
        } = &spec.kind
        {
            let position = |name: &str| specs.iter().position(|s| s.name == name);
            let (num, den) = (
                position(numerator).expect("checked above"),
                position(denominator).expect("checked above"),
            );
            columns[c] = (0..frame.height())
                .map(|row| {
                    let count = |c: usize| columns[c][row].as_f64().unwrap_or(0.0) as u64;
                    share(count(num), count(den))
                })
                .collect();
        }
    }
    for r in 0..frame.height() {
        let mut row = builder.row();
        for (c, values) in cols.iter().zip(&columns) {
            row.set(*c, values[r].clone());
        }
    }
    Ok(builder.build())
}

/// Sets a row's group cells: `key`'s values in the columns `groups`, in order.
pub fn set_groups(row: &mut Row<'_>, groups: &[Col], key: &[String]) {
    for (&c, k) in groups.iter().zip(key) {
        row.text(c, k.clone());
    }
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// In each of `columns`, the group rows add up to the `(all)` row, among rows with equal `keys`:
/// true of a count when every person is in exactly one group. `None` without groups (the table
/// is the total row alone). The relation names the first group column: only the total row has
/// [`ALL`] in it.
pub fn groups_sum_to_total(
    group_by: &[String],
    keys: &[&str],
    columns: &[&str],
) -> Option<Relation> {
    group_by.first().map(|group| Relation::GroupsSumToTotal {
        group: group.clone(),
        keys: names(keys),
        columns: names(columns),
    })
}

/// In each row, `columns` add up to the persons of the population in the row's groups
/// ([`Relation::Population`]).
pub fn population(columns: &[&str]) -> Relation {
    Relation::Population {
        columns: names(columns),
        rows: None,
        arm: None,
        subset: None,
    }
}

/// In each row, `columns` add up to the persons of the row's groups in `subset` (observed at a
/// month, or in a status then): a count a table of other definitions may show too.
pub fn population_in(columns: &[&str], subset: Subset) -> Relation {
    Relation::Population {
        columns: names(columns),
        rows: None,
        arm: None,
        subset: Some(subset),
    }
}

/// `n` is the persons observed at `month` and `count` those of them in `status` then (a share
/// of persons in a status at a month, as `share_at` and a curve count it); with `calendar`,
/// `month` is a calendar month, counting only the months whose `rel_month` lies in the window.
pub fn observed_and_in_status(
    input: &MetricInput<'_>,
    (month, calendar): (MonthOf, Option<RelWindow>),
    [n, count]: [&str; 2],
    status: &str,
) -> [Relation; 2] {
    let subset = |status: Option<&str>| Subset {
        calendar,
        ..observed_at(input, month.clone(), status)
    };
    [
        population_in(&[n], subset(None)),
        population_in(&[count], subset(Some(status))),
    ]
}

/// The persons of `input`'s population observed at `rel_month` (a panel month there), or with
/// `status` then: a [`Subset`] whose follow-up is the query's.
pub fn observed_at(input: &MetricInput<'_>, rel_month: MonthOf, status: Option<&str>) -> Subset {
    Subset {
        rel_month,
        calendar: None,
        status: status.map(str::to_string),
        definition: None,
        followup: match input.followup_end {
            FollowupEnd::Coverage => None,
            FollowupEnd::EndDate => Some(input.followup_end.as_str().to_string()),
        },
    }
}

/// Within each row, `parts` add up to `whole`.
pub fn row_sum(parts: &[&str], whole: &str) -> Relation {
    Relation::Sum {
        parts: names(parts),
        whole: whole.to_string(),
    }
}

/// Among rows with equal `keys`, `part` adds up to `whole` (the same in each of them).
pub fn parts_sum_to_whole(keys: &[&str], part: &str, whole: &str) -> Relation {
    Relation::PartsSumToWhole {
        keys: names(keys),
        part: part.to_string(),
        whole: whole.to_string(),
    }
}

/// Every person of the population with the columns of `per_person` (one row per person, keyed
/// by `person`); a person without a row there gets nulls, so that a group where nobody had the
/// outcome still shows its n.
pub fn every_person(input: &MetricInput<'_>, per_person: LazyFrame) -> LazyFrame {
    left_join(input.persons.clone().lazy(), per_person)
}

/// `frame` with the columns of `per_person` joined on `person` (nulls where it has no row).
pub fn left_join(frame: LazyFrame, per_person: LazyFrame) -> LazyFrame {
    frame.join(
        per_person,
        [col("person")],
        [col("person")],
        JoinArgs::new(JoinType::Left),
    )
}

/// A confidence level parameter: strictly between 0 and 1.
pub fn check_level(level: f64) -> Result<(), String> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(format!(
            "level = {level}: must lie strictly between 0 and 1 (e.g. 0.95)"
        ))
    }
}

/// The group columns, then persons `n` and `count` with `share` = count / n, and `n_censored`:
/// the columns of a share of persons (`by_group` of the aggregations of the same names).
pub fn share_specs(group_by: &[String]) -> Vec<Spec<'_>> {
    let mut specs: Vec<Spec<'_>> = group_by.iter().map(|g| group(g)).collect();
    specs.extend([
        persons("n"),
        persons("count"),
        share_of("share", "count", "n"),
        persons("n_censored"),
    ]);
    specs
}

/// A result column as text per row (null: [`MISSING`]).
pub fn texts(frame: &DataFrame, name: &str) -> Result<Vec<String>> {
    Ok(frame
        .column(name)?
        .cast(&DataType::String)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or(MISSING).to_string())
        .collect())
}

/// A result column of counts per row (null: 0).
pub fn ints(frame: &DataFrame, name: &str) -> Result<Vec<i64>> {
    Ok(frame
        .column(name)?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect())
}

/// The `person` column (panel person indices) of a frame.
pub fn person_index(frame: &DataFrame) -> PolarsResult<&UInt32Chunked> {
    frame.column("person")?.u32()
}

/// The aggregations of a share of persons, from a boolean column `eligible` (the person counts
/// in n) and `hit` (the person has the outcome): `n`, `count` (hit among the eligible) and
/// `n_censored` (not eligible), as [`share_specs`] reads them.
pub fn share_aggs(hit: Expr) -> [Expr; 3] {
    [
        col("eligible").cast(DataType::Int64).sum().alias("n"),
        hit.and(col("eligible"))
            .cast(DataType::Int64)
            .sum()
            .alias("count"),
        col("eligible")
            .not()
            .cast(DataType::Int64)
            .sum()
            .alias("n_censored"),
    ]
}

/// The `min_cell` of a figure resting on several counts: the least of the non-zero `counts`, 0
/// when all are 0. A zero protects nobody, and taken as the minimum it would let a small count
/// beside it through (spec `disclosure.md` §2). Callers pass the persons without a share's
/// outcome (`n − count`) too: they are a count as well.
pub fn smallest_count(counts: impl IntoIterator<Item = i64>) -> i64 {
    counts.into_iter().filter(|&c| c > 0).min().unwrap_or(0)
}

/// `len()` as a persons count, for aggregations.
pub fn count_persons(name: &str) -> Expr {
    len().cast(DataType::Int64).alias(name)
}

/// The number of `true` in a boolean column, for aggregations.
pub fn count_true(column: &str, name: &str) -> Expr {
    col(column).cast(DataType::Int64).sum().alias(name)
}

/// The persons of the population with, for each, whether `flag_expr` held in any of their months
/// in the window, and how many months of the window were observed for them.
pub fn any_in_window(input: &MetricInput<'_>, flag: Expr, name: &str) -> LazyFrame {
    let observed = in_window(input.months.clone().lazy(), input.window)
        .group_by([col("person")])
        .agg([
            flag.any(true).alias(name),
            len().cast(DataType::Int64).alias("observed_months"),
        ]);
    every_person(input, observed).with_columns([
        col(name).fill_null(lit(false)),
        col("observed_months").fill_null(lit(0i64)),
    ])
}

/// The sum of a float column rounded term by term to `decimals` decimals and added as integers.
/// Float addition depends on the order of its terms, and polars' group-bys do not keep an order
/// from run to run; integer addition does not care, so the result is the same in every run.
pub fn stable_sum(expr: Expr, decimals: u32) -> Expr {
    let scale = 10f64.powi(decimals as i32);
    (expr * lit(scale))
        .round(0, RoundMode::HalfToEven)
        .cast(DataType::Int64)
        .sum()
        .cast(DataType::Float64)
        / lit(scale)
}

/// The mean of the non-null values, via [`stable_sum`].
pub fn stable_mean(expr: Expr, decimals: u32) -> Expr {
    stable_sum(expr.clone(), decimals) / expr.count().cast(DataType::Float64)
}

/// The panel months' `person`, `rel_month` and a status as plain arrays, for metrics that walk
/// each person's months in Rust.
pub fn person_month_status(
    months: &DataFrame,
    status: &str,
) -> PolarsResult<(UInt32Chunked, Int32Chunked, BooleanChunked)> {
    let person = person_index(months)?.clone();
    let rel_month = months.column("rel_month")?.i32()?.clone();
    let flag = months
        .column(status)?
        .cast(&DataType::Boolean)?
        .bool()?
        .clone();
    Ok((person, rel_month, flag))
}

/// The largest single value's part of the sum of `values` (non-negative magnitudes: hours,
/// weeks, payments), for the (1, 85%) dominance rule; null where the sum is 0.
pub fn top_share(values: Expr) -> Expr {
    let total = values.clone().sum().cast(DataType::Float64);
    when(total.clone().gt(lit(0.0)))
        .then(values.max().cast(DataType::Float64) / total)
        .otherwise(lit(NULL).cast(DataType::Float64))
}

/// Marks the `columns` of `table` dominated by one person in the rows where the frame's
/// `top_share` column (from [`top_share`], the frame the table was read from, row for row) is
/// above [`crate::table::DOMINANCE`].
pub fn mark_dominated(
    table: &mut Table,
    frame: &DataFrame,
    top_share: &str,
    columns: &[&str],
) -> PolarsResult<()> {
    let shares = frame.column(top_share)?.cast(&DataType::Float64)?;
    let shares: Vec<Option<f64>> = shares.f64()?.iter().collect();
    for column in columns {
        table.mark_dominated(column, &shares);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_count_passes_over_zeros() {
        // A month-0 count of 0 beside a count of 2: the figure rests on the 2.
        assert_eq!(smallest_count([40, 2, 38, 40, 0, 40]), 2);
        assert_eq!(smallest_count([0, 0]), 0);
        assert_eq!(smallest_count([]), 0);
        assert_eq!(smallest_count([7, 12]), 7);
    }
}
