//! The per-month counts behind `share_at`, `monthly_curve` and `requirement`: for each group and
//! each month index (a `rel_month`, or a calendar month), the number of persons observed and the
//! number of them in a status, optionally over a rolling window of months.
//!
//! Which person-months count: the observed months (panel rows) whose `rel_month` lies in
//! `rel_from..=rel_to`. With `rolling = w`, the point at index i is over the months i-w+1..=i
//! (spec §3.3). A person's period ends at i, or at their last counted month by `rel_to` if that
//! comes sooner; n is the persons whose follow-up reaches that end (a counted month there), count
//! those of them in the status in at least one of their counted months of the period. A person
//! with counted months in the period whose follow-up ends inside it is censored at i, never
//! counted as "not in the status". Months before a person's observation begins are simply not
//! counted. With w = 1 this is the plain monthly share, and nobody is censored.

use super::common::{group_exprs, ints, person_index, smallest_count, texts};
use super::persons::Persons;
use super::{MetricInput, Window};
use crate::calendar::Month;
use anyhow::{anyhow, Result};
use polars::prelude::*;
use std::collections::HashMap;

/// What to count.
pub struct CurveRequest<'a> {
    /// The status (a boolean column of the months).
    pub status: &'a str,
    /// Index by calendar month (`month`) instead of `rel_month`.
    pub calendar: bool,
    /// Months per point (>= 1).
    pub rolling: u32,
    /// The `rel_month` bounds of the person-months that count (inclusive; `None`: no bound).
    pub rel_from: i32,
    pub rel_to: Option<i32>,
    /// The first and last index reported; `None`: the first / last index with a counted month.
    pub first: Option<i32>,
    pub last: Option<i32>,
}

impl<'a> CurveRequest<'a> {
    /// The request for a query's window: calendar months from `from_month`..`to_month`, or
    /// `rel_month`s from..to; the counted person-months are those with `rel_month` in from..to.
    pub fn for_window(
        status: &'a str,
        calendar: bool,
        rolling: u32,
        window: &super::Window,
    ) -> Result<CurveRequest<'a>> {
        let (first, last) = if calendar {
            (
                parse_month("from_month", &window.from_month).map_err(|e| anyhow::anyhow!(e))?,
                parse_month("to_month", &window.to_month).map_err(|e| anyhow::anyhow!(e))?,
            )
        } else {
            (Some(window.from()), window.to)
        };
        Ok(CurveRequest {
            status,
            calendar,
            rolling,
            rel_from: window.from(),
            rel_to: window.to,
            first,
            last,
        })
    }
}

/// The counts, on a full grid of groups × indices.
pub struct Curve {
    /// The population's groups, sorted, then the total row's key ([`ALL`] in every group
    /// column); with no group columns, only the total (an empty key).
    pub groups: Vec<Vec<String>>,
    /// The reported indices (inclusive); `None` when there is no month to report.
    pub range: Option<(i32, i32)>,
    /// (group position, index) → (n, count, censored); absent means (0, 0, 0).
    cells: HashMap<(usize, i32), (i64, i64, i64)>,
    /// Persons of the population per group.
    pub population: Vec<i64>,
    /// Persons with at least one counted month in the rel bounds (whatever the index range).
    pub observed: Vec<i64>,
}

impl Curve {
    /// (n, count) of a group at an index.
    pub fn cell(&self, group: usize, index: i32) -> (i64, i64) {
        let (n, count, _) = self.cells.get(&(group, index)).copied().unwrap_or_default();
        (n, count)
    }

    /// Persons of a group with counted months in the period of a rolling point whose follow-up
    /// ends inside it (always 0 without a rolling window).
    pub fn censored(&self, group: usize, index: i32) -> i64 {
        self.cells
            .get(&(group, index))
            .map_or(0, |&(_, _, censored)| censored)
    }

    pub fn indices(&self) -> std::ops::RangeInclusive<i32> {
        match self.range {
            Some((first, last)) => first..=last,
            #[allow(clippy::reversed_empty_ranges)]
            None => 1..=0,
        }
    }
}

/// The unweighted mean of monthly shares, over the months with anyone observed.
pub struct MeanOfShares {
    /// Months with n > 0.
    pub months: i64,
    /// The smallest non-zero monthly n, count or n − count the mean rests on: a zero protects
    /// nobody, and would let a small count beside it through. It carries suppression.
    pub min_cell: i64,
    pub n_mean: f64,
    pub share: f64,
}

/// The mean of the shares of monthly `(n, count)` cells; `None` when nobody is observed in any.
pub fn mean_of_shares(cells: impl IntoIterator<Item = (i64, i64)>) -> Option<MeanOfShares> {
    let cells: Vec<(i64, i64)> = cells.into_iter().filter(|&(n, _)| n > 0).collect();
    if cells.is_empty() {
        return None;
    }
    let months = cells.len() as f64;
    Some(MeanOfShares {
        months: cells.len() as i64,
        min_cell: smallest_count(cells.iter().flat_map(|&(n, c)| [n, c, n - c])),
        n_mean: cells.iter().map(|&(n, _)| n as f64).sum::<f64>() / months,
        share: cells.iter().map(|&(n, c)| c as f64 / n as f64).sum::<f64>() / months,
    })
}

/// An index as printed: a calendar month as `YYYY-MM`, a `rel_month` as its number.
pub fn index_label(calendar: bool, index: i32) -> String {
    if calendar {
        Month::from_index(index).to_string()
    } else {
        index.to_string()
    }
}

/// Checks a curve's calendar window: `from_month`/`to_month` are months in order, and given only
/// when the curve is `calendar`.
pub fn check_calendar_window(window: &Window, calendar: bool) -> Result<(), String> {
    if calendar {
        let from = parse_month("from_month", &window.from_month)?;
        let to = parse_month("to_month", &window.to_month)?;
        if let (Some(from), Some(to)) = (from, to) {
            if from > to {
                return Err("window.from_month is after window.to_month".into());
            }
        }
    } else if window.from_month.is_some() || window.to_month.is_some() {
        return Err("window.from_month / window.to_month need calendar = true (by rel_month use window.from / window.to)".into());
    }
    Ok(())
}

/// Parses a window's `YYYY-MM` bound into a month index; the error names the key.
pub fn parse_month(key: &str, value: &Option<String>) -> Result<Option<i32>, String> {
    match value {
        None => Ok(None),
        Some(text) => Month::parse(text)
            .map(|m| Some(m.index()))
            .ok_or_else(|| format!("window.{key}: expected a month YYYY-MM, got {text:?}")),
    }
}

/// The group key of each row of `frame` (group columns in order).
fn keys(frame: &DataFrame, group_by: &[String]) -> Result<Vec<Vec<String>>> {
    let columns = group_by
        .iter()
        .map(|g| texts(frame, g))
        .collect::<Result<Vec<_>>>()?;
    Ok((0..frame.height())
        .map(|row| columns.iter().map(|c| c[row].clone()).collect())
        .collect())
}

/// Counts the curve of `request` over `input`'s population.
pub fn curve(input: &MetricInput<'_>, request: &CurveRequest<'_>) -> Result<Curve> {
    let failed = |err: PolarsError| anyhow!("counting monthly shares: {err}");
    let group_by = input.group_by;

    // The population's groups and their sizes.
    let persons = Persons::of(input)?;
    let groups = persons.groups.keys().to_vec();
    let total = persons.groups.total();
    let mut population = vec![0i64; groups.len()];
    // Each person's group, by person index, so counted persons need no string keys.
    let mut group_of = vec![usize::MAX; input.panel.persons.height()];
    for (row, &person) in persons.ids.iter().enumerate() {
        for g in persons.groups.counted_in(row) {
            population[g] += 1;
        }
        group_of[person as usize] = persons.groups.of_row(row);
    }

    // The counted person-months.
    let mut keep = col("rel_month").gt_eq(lit(request.rel_from));
    if let Some(to) = request.rel_to {
        keep = keep.and(col("rel_month").lt_eq(lit(to)));
    }
    let index = if request.calendar {
        col("month")
    } else {
        col("rel_month")
    };
    let base = input.months.clone().lazy().filter(keep).select(
        group_exprs(group_by)
            .into_iter()
            .chain([
                col("person"),
                index.cast(DataType::Int32).alias("index"),
                col(request.status).fill_null(lit(false)).alias("s"),
                // The person's last counted month by rel_to: the end of every later point's
                // period, when that comes before the point itself.
                match request.rel_to {
                    Some(to) => col("rel_month").eq(lit(to)),
                    None => lit(false),
                }
                .alias("last"),
            ])
            .collect::<Vec<_>>(),
    );

    // Persons with a counted month, per group (distinct person indices, then their group).
    let counted = base
        .clone()
        .select([col("person")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()
        .map_err(failed)?;
    let mut observed = vec![0i64; groups.len()];
    for person in person_index(&counted).map_err(failed)?.iter().flatten() {
        let group = group_of[person as usize];
        observed[group] += 1;
        if group != total {
            observed[total] += 1;
        }
    }

    // The reported range.
    let bounds = base
        .clone()
        .select([
            col("index").min().alias("lo"),
            col("index").max().alias("hi"),
        ])
        .collect()
        .map_err(failed)?;
    let lo = bounds.column("lo").map_err(failed)?.get(0).ok();
    let hi = bounds.column("hi").map_err(failed)?.get(0).ok();
    let as_i32 = |v: Option<AnyValue<'_>>| v.and_then(|v| v.extract::<i32>());
    let first = request.first.or(as_i32(lo));
    let last = request.last.or(as_i32(hi));
    let range = match (first, last) {
        (Some(first), Some(last)) if first <= last => Some((first, last)),
        _ => None,
    };
    let mut cells = HashMap::new();
    if let Some((first, last)) = range {
        // Each counted month feeds the points at its index and the w-1 indices after it; it ends
        // the period of the point at its own index, and of the later points when it is the
        // person's last counted month by rel_to.
        let rolling = request.rolling.max(1) as i32;
        let spread: Vec<LazyFrame> = (0..rolling)
            .map(|j| {
                let ends = if j == 0 { lit(true) } else { col("last") };
                base.clone()
                    .with_columns([(col("index") + lit(j)).alias("index"), ends.alias("end")])
            })
            .collect();
        let mut per_person = concat(spread, UnionArgs::default())
            .map_err(failed)?
            .filter(
                col("index")
                    .gt_eq(lit(first))
                    .and(col("index").lt_eq(lit(last))),
            );
        if rolling > 1 {
            let mut by: Vec<Expr> = group_exprs(group_by);
            by.extend([col("index"), col("person")]);
            per_person = per_person
                .group_by(by)
                .agg([col("s").any(true), col("end").any(true)]);
        }
        // n: persons whose follow-up reaches the period's end; count: those of them in S in some
        // counted month of it; censored: the rest of those with a counted month in the period.
        let aggs = [
            col("end").cast(DataType::Int64).sum().alias("n"),
            col("s")
                .and(col("end"))
                .cast(DataType::Int64)
                .sum()
                .alias("count"),
            col("end")
                .not()
                .cast(DataType::Int64)
                .sum()
                .alias("censored"),
        ];
        // With a rolling window both aggregations below read the same (person-level, small)
        // result: materialise it once. Without one it is a plain filter, cheaper to redo than to
        // hold.
        if rolling > 1 {
            per_person = per_person.collect().map_err(failed)?.lazy();
        }
        let mut by: Vec<Expr> = group_exprs(group_by);
        by.push(col("index"));
        let per_group = per_person
            .clone()
            .group_by(by)
            .agg(aggs.clone())
            .collect()
            .map_err(failed)?;
        let per_index = per_person
            .group_by([col("index")])
            .agg(aggs)
            .collect()
            .map_err(failed)?;
        let mut add = |frame: &DataFrame, groups: Vec<usize>| -> Result<()> {
            let (index, n, count, censored) = (
                ints(frame, "index")?,
                ints(frame, "n")?,
                ints(frame, "count")?,
                ints(frame, "censored")?,
            );
            for (row, group) in groups.into_iter().enumerate() {
                cells.insert(
                    (group, index[row] as i32),
                    (n[row], count[row], censored[row]),
                );
            }
            Ok(())
        };
        if !group_by.is_empty() {
            let positions = keys(&per_group, group_by)?
                .iter()
                .map(|key| {
                    persons
                        .groups
                        .position(key)
                        .ok_or_else(|| anyhow!("internal: a counted month outside the groups"))
                })
                .collect::<Result<_>>()?;
            add(&per_group, positions)?;
        }
        add(&per_index, vec![total; per_index.height()])?;
    }
    Ok(Curve {
        groups,
        range,
        cells,
        population,
        observed,
    })
}
