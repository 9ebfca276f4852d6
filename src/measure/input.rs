//! Cuts the panel down to what one query's metric sees: the population's persons with their group
//! columns, and their months with the query's status definitions applied; with
//! `followup_end = "end_date"`, each person's follow-up ends in the month of their `end_date`
//! (spec `metrics.md` §6), so every metric sees that month as the end of coverage.

use super::common::person_index;
use super::{FollowupEnd, MetricInput, Window};
use crate::calendar::{parse_date, Month};
use crate::panel::{statuses::status_exprs, Panel, StatusParams};
use crate::table::MISSING;
use anyhow::{anyhow, Result};
use polars::prelude::*;

/// The query-specific parts of a metric's input.
pub struct Scope<'a> {
    /// Which persons (an expression over the person table's columns); `None`: everyone.
    pub population: Option<Expr>,
    /// Only persons whose start month (`rel_month = 0`) satisfies this panel expression.
    pub at_start: Option<Expr>,
    pub group_by: &'a [String],
    pub window: &'a Window,
    /// The built-in statuses' parameters (recomputed when they differ from the panel's).
    pub statuses: &'a StatusParams,
    /// The query's own statuses, in order (each may use the ones before it).
    pub custom: &'a [(String, Expr)],
    /// Where each person's follow-up ends (`[params] followup_end`).
    pub followup_end: FollowupEnd,
}

impl<'a> Scope<'a> {
    /// Everyone, the default statuses.
    pub fn everyone(
        group_by: &'a [String],
        window: &'a Window,
        statuses: &'a StatusParams,
    ) -> Self {
        Scope {
            population: None,
            at_start: None,
            group_by,
            window,
            statuses,
            custom: &[],
            followup_end: FollowupEnd::Coverage,
        }
    }
}

/// The person-level columns every metric may read besides the group columns.
const PERSON_COLUMNS: [&str; 5] = [
    "person",
    "start_month",
    "start_week",
    "first_observed_rel_month",
    "followup_months",
];

/// A group column as text, an empty cell reading [`MISSING`].
fn group_text(group: &str) -> Expr {
    col(group)
        .cast(DataType::String)
        .fill_null(lit(MISSING))
        .alias(group)
}

pub fn prepare<'a>(panel: &'a Panel, scope: Scope<'a>) -> Result<MetricInput<'a>> {
    let failed = |err: PolarsError| anyhow!("selecting the population: {err}");
    let mut months = panel.months.clone().lazy();
    if scope.statuses != &panel.options.statuses {
        months = months.with_columns(status_exprs(scope.statuses));
    }
    for (name, expr) in scope.custom {
        months = months.with_column(expr.clone().alias(name.as_str()));
    }
    let mut persons = panel.persons.clone().lazy();
    if let Some(population) = scope.population {
        persons = persons.filter(population);
    }
    let mut untestable = 0;
    if let Some(at_start) = scope.at_start {
        // Persons whose start month is outside the observed months cannot be tested: say how
        // many are left out rather than lose them silently.
        untestable = persons
            .clone()
            .filter(
                col("first_observed_rel_month")
                    .gt(lit(0))
                    .or(col("followup_months").lt(lit(0)))
                    .fill_null(lit(true)),
            )
            .select([len().alias("n")])
            .collect()
            .map_err(failed)?
            .column("n")
            .map_err(failed)?
            .get(0)
            .ok()
            .and_then(|v| v.extract::<u64>())
            .unwrap_or(0);
        let starters = months
            .clone()
            .filter(col("rel_month").eq(lit(0)).and(at_start))
            .select([col("person")]);
        persons = persons.join(
            starters,
            [col("person")],
            [col("person")],
            JoinArgs::new(JoinType::Semi),
        );
    }
    let group_columns: Vec<Expr> = scope.group_by.iter().map(|g| group_text(g)).collect();
    let mut persons = persons
        .select(
            PERSON_COLUMNS
                .iter()
                .map(|c| col(*c))
                .chain(group_columns)
                .collect::<Vec<_>>(),
        )
        .collect()
        .map_err(failed)?;
    let mut months = months.collect().map_err(failed)?;
    // Each person's last followed rel_month by end_date, by person index (i32::MAX: none).
    let ends = match scope.followup_end {
        FollowupEnd::Coverage => None,
        FollowupEnd::EndDate => Some(end_rel_months(panel)?),
    };
    if let Some(ends) = &ends {
        end_followup(&mut persons, ends).map_err(failed)?;
    }
    // Restrict the months to the population (and to each person's follow-up) by a mask over
    // person indices, and give them the group columns by gathering from the person table: both
    // avoid a join, which would copy every panel column (gigabytes for a million persons).
    let person = person_index(&months).map_err(failed)?.clone();
    let everyone = persons.height() == panel.persons.height();
    if !everyone || ends.is_some() {
        let mut member = vec![everyone; panel.persons.height()];
        if !everyone {
            for p in person_index(&persons).map_err(failed)?.iter().flatten() {
                member[p as usize] = true;
            }
        }
        let rel = months
            .column("rel_month")
            .and_then(|c| c.i32().cloned())
            .map_err(failed)?;
        let mask: BooleanChunked = person
            .iter()
            .zip(rel.iter())
            .map(|(p, rel)| {
                p.is_some_and(|p| {
                    member[p as usize]
                        && ends
                            .as_ref()
                            .is_none_or(|ends| rel.is_some_and(|r| r <= ends[p as usize]))
                })
            })
            .collect();
        months = months.filter(&mask).map_err(failed)?;
    }
    let indices: Vec<IdxSize> = person_index(&months)
        .map_err(failed)?
        .iter()
        .map(|p| p.unwrap_or(0) as IdxSize)
        .collect();
    if !scope.group_by.is_empty() {
        let filled = panel
            .persons
            .clone()
            .lazy()
            .select(
                scope
                    .group_by
                    .iter()
                    .map(|g| group_text(g))
                    .collect::<Vec<_>>(),
            )
            .collect()
            .map_err(failed)?;
        for column in filled.columns() {
            months
                .with_column(column.take_slice(&indices).map_err(failed)?)
                .map_err(failed)?;
        }
    }
    Ok(MetricInput {
        followup_end: scope.followup_end,
        untestable,
        pool_below: None,
        panel,
        persons,
        months,
        group_by: scope.group_by,
        window: scope.window,
    })
}

/// The `rel_month` of each panel person's `end_date` (the month it falls in), by person index;
/// `i32::MAX` for a person without one, who is followed to coverage.
fn end_rel_months(panel: &Panel) -> Result<Vec<i32>> {
    let failed = |err: PolarsError| anyhow!("reading the cohort's end_date: {err}");
    let end = panel.persons.column("end_date").map_err(failed)?;
    let end = end.cast(&DataType::String).map_err(failed)?;
    let start = panel
        .persons
        .column("start_month")
        .and_then(|c| c.i32().cloned())
        .map_err(failed)?;
    end.str()
        .map_err(failed)?
        .iter()
        .zip(start.iter())
        .map(|(end, start)| match (end, start) {
            (None, _) => Ok(i32::MAX),
            (Some(text), Some(start)) => parse_date(text)
                .map(|date| Month::of_date(date).index() - start)
                .ok_or_else(|| anyhow!("internal: end_date {text:?} is not a date")),
            (Some(_), None) => Err(anyhow!("internal: a person without a start month")),
        })
        .collect()
}

/// Ends each person's follow-up at their end month: `followup_months` becomes the earlier of
/// coverage's and end_date's last month. A person whose end comes before their first observed
/// month is observed in no month of follow-up, which the person table says as it says it of a
/// person coverage never reaches: both columns empty.
fn end_followup(persons: &mut DataFrame, ends: &[i32]) -> PolarsResult<()> {
    let person = person_index(persons)?.clone();
    let first = persons.column("first_observed_rel_month")?.i32()?.clone();
    let last = persons.column("followup_months")?.i32()?.clone();
    let (first, last): (Vec<Option<i32>>, Vec<Option<i32>>) = person
        .iter()
        .zip(first.iter().zip(last.iter()))
        .map(|(p, (first, last))| {
            let end = p.map_or(i32::MAX, |p| ends[p as usize]);
            match (first, last.map(|l| l.min(end))) {
                (Some(first), Some(last)) if last < first => (None, None),
                (first, last) => (first, last),
            }
        })
        .unzip();
    persons.with_column(Column::new("first_observed_rel_month".into(), first))?;
    persons.with_column(Column::new("followup_months".into(), last))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tiny dataset's panel with end dates: P10 2020-05-31 (rel 6, before coverage begins at
    /// its rel 8), P08 2020-12-15 (rel 4), P05 2020-09-20 (its start month), P07 2021-12-31
    /// (after coverage, which ends at its rel 7), P11 2021-07-01 (it starts after coverage);
    /// the others have none.
    fn panel() -> Panel {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data-samples/tiny");
        let dataset = crate::dataset::Dataset::open(&dir).unwrap();
        let quiet = crate::progress::Progress::quiet();
        let loaded = crate::load::load(&dataset, &Default::default(), &quiet).unwrap();
        let mut panel = crate::panel::build(loaded, &Default::default(), &quiet).unwrap();
        let ends = [
            ("P10", "2020-05-31"),
            ("P08", "2020-12-15"),
            ("P05", "2020-09-20"),
            ("P07", "2021-12-31"),
            ("P11", "2021-07-01"),
        ];
        let ids = panel.persons.column("person_id").unwrap().str().unwrap();
        let end_dates: Vec<Option<&str>> = ids
            .iter()
            .map(|id| ends.iter().find(|(p, _)| Some(*p) == id).map(|(_, d)| *d))
            .collect();
        let column = Column::new("end_date".into(), end_dates);
        panel.persons.with_column(column).unwrap();
        panel
    }

    /// Per person_id: (first observed, last followed rel_month, months in the input, last
    /// month's rel_month).
    type Followed = (Option<i32>, Option<i32>, usize, Option<i32>);

    fn followed(
        panel: &Panel,
        population: Option<Expr>,
        end: FollowupEnd,
    ) -> Vec<(String, Followed)> {
        let (group_by, window, statuses) = ([], Window::default(), StatusParams::default());
        let scope = Scope {
            population,
            followup_end: end,
            ..Scope::everyone(&group_by, &window, &statuses)
        };
        let input = prepare(panel, scope).unwrap();
        assert_eq!(input.followup_end, end);
        let persons = &input.persons;
        let index = person_index(persons).unwrap();
        let first = persons
            .column("first_observed_rel_month")
            .unwrap()
            .i32()
            .unwrap();
        let last = persons.column("followup_months").unwrap().i32().unwrap();
        let months = person_index(&input.months).unwrap();
        let rel = input.months.column("rel_month").unwrap().i32().unwrap();
        let ids = panel.persons.column("person_id").unwrap().str().unwrap();
        (0..persons.height())
            .map(|row| {
                let p = index.get(row).unwrap();
                let mine: Vec<i32> = months
                    .iter()
                    .zip(rel.iter())
                    .filter(|(m, _)| *m == Some(p))
                    .filter_map(|(_, r)| r)
                    .collect();
                (
                    ids.get(p as usize).unwrap().to_string(),
                    (
                        first.get(row),
                        last.get(row),
                        mine.len(),
                        mine.iter().max().copied(),
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn end_date_ends_follow_up_and_drops_the_months_after_it() {
        let panel = panel();
        // Every person has the 11 months 2020-07..2021-05 (rel_month = month - start month).
        let to_end = followed(&panel, None, FollowupEnd::EndDate);
        let expected: Vec<(&str, Followed)> = vec![
            // End at rel 6, coverage from rel 8: no month followed, said as for a person
            // coverage never reaches.
            ("P10", (None, None, 0, None)),
            // 2020-12 is rel 4: the months -1..4.
            ("P08", (Some(-1), Some(4), 6, Some(4))),
            // No end_date: to coverage.
            ("P06", (Some(-1), Some(9), 11, Some(9))),
            // The end in the start month: rel 0 is followed, with the months before start.
            ("P05", (Some(-2), Some(0), 3, Some(0))),
            ("P01", (Some(-2), Some(8), 11, Some(8))),
            // End after coverage: coverage wins.
            ("P07", (Some(-3), Some(7), 11, Some(7))),
            ("P03", (Some(-3), Some(7), 11, Some(7))),
            ("P04", (Some(-4), Some(6), 11, Some(6))),
            ("P02", (Some(-6), Some(4), 11, Some(4))),
            ("P09", (Some(-10), Some(0), 11, Some(0))),
            // Starts after coverage: nothing after start either way.
            ("P11", (Some(-11), Some(-1), 11, Some(-1))),
        ];
        let expected: Vec<(String, Followed)> = expected
            .into_iter()
            .map(|(id, f)| (id.to_string(), f))
            .collect();
        assert_eq!(to_end, expected);
        // The default reads no end_date: P10 8..18, P08 to 9, P05 to 8, all 121 months.
        let to_coverage = followed(&panel, None, FollowupEnd::Coverage);
        assert_eq!(to_coverage[0].1, (Some(8), Some(18), 11, Some(18)));
        assert_eq!(to_coverage[1].1, (Some(-1), Some(9), 11, Some(9)));
        assert_eq!(to_coverage[3].1, (Some(-2), Some(8), 11, Some(8)));
        let months: usize = to_coverage.iter().map(|(_, f)| f.2).sum();
        assert_eq!(months, 121);
        // With a population too: treatment is P10, P08, P06, P05, P01, P03.
        let treatment = followed(
            &panel,
            Some(col("arm").eq(lit("treatment"))),
            FollowupEnd::EndDate,
        );
        let ids: Vec<&str> = treatment.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["P10", "P08", "P06", "P05", "P01", "P03"]);
        let months: Vec<usize> = treatment.iter().map(|(_, f)| f.2).collect();
        assert_eq!(months, [0, 6, 11, 3, 11, 11]);
    }
}
