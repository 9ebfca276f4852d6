//! `first_outcome`, "paths to job" (spec `metrics.md` §3.8): for each person, the first month in
//! the window reaching the goal or one of the routes, then whether the goal is reached in a later
//! month and whether another route came in between. Reproduces 004 Figures 11–14 (S4-F11 … F14).
//!
//! - The goal is reached in a month when any of the `goal` statuses holds (default employment or
//!   flexjob: "employment without benefit incl. flexjob").
//! - First outcome: in the person's first month (in the window) with the goal or a route, the goal
//!   outranks the routes ("direct"); else the one route that holds; two or more routes in that
//!   month are "simultaneous" (004 leaves them out; they are reported apart here). Persons with
//!   observed months in the window but no outcome are "none"; persons with no observed month in
//!   the window are "unobserved" (never counted as "none").
//! - `reached_goal_later`: the goal in a month after the first month (in the window);
//!   `via_other_route`: of those, the ones with a month in another route than their first, strictly
//!   between the first month and the first later goal month.
//! - Every share is of the whole group (`n`, all persons of the population in the group), as 004
//!   prints them ("of the whole target group"); the rows of a group sum to `n`.

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::common::{
    balanced, by_group, every_person, groups_sum_to_total, in_window, ints, parts_sum_to_whole,
    polars, population, set_groups, texts,
};
use crate::table::chart::Bars;
use crate::table::{share, Chart, Col, Table, TableBuilder};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "first_outcome",
    summary:
        "paths to job: the first of goal or routes, then the goal reached later, via another route",
    resolve: resolve::<FirstOutcome>,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: true,
    example: "[window]\nto = 8\n",
};

const DIRECT: &str = "direct";
const SIMULTANEOUS: &str = "simultaneous";
const NONE: &str = "none";
const UNOBSERVED: &str = "unobserved";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirstOutcome {
    /// Statuses that make up the goal (any of them).
    pub goal: Vec<String>,
    /// The routes towards the goal, in the order their rows are reported.
    pub routes: Vec<String>,
    /// Who is `simultaneous` (004's "samtidigt", which it leaves out): two or more routes in the
    /// first month (`"first_month"`), or in any month from the first up to the goal
    /// (`"any_overlap"`).
    pub simultaneous: Simultaneous,
}

/// [`FirstOutcome::simultaneous`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Simultaneous {
    FirstMonth,
    AnyOverlap,
}

impl Default for FirstOutcome {
    fn default() -> Self {
        FirstOutcome {
            goal: vec!["employment".into(), "flexjob".into()],
            routes: vec!["paid_hours_on_benefit".into(), "internship".into()],
            simultaneous: Simultaneous::FirstMonth,
        }
    }
}

impl FirstOutcome {
    /// The row labels in order: direct, each route, simultaneous, none, unobserved.
    fn labels(&self) -> Vec<&str> {
        std::iter::once(DIRECT)
            .chain(self.routes.iter().map(|r| r.as_str()))
            .chain([SIMULTANEOUS, NONE, UNOBSERVED])
            .collect()
    }
}

/// A person's first outcome, as an index into [`FirstOutcome::labels`].
struct Path {
    outcome: usize,
    reached_goal_later: Option<bool>,
    via_other_route: Option<bool>,
}

impl Compute for FirstOutcome {
    fn statuses(&self) -> Vec<String> {
        self.goal.iter().chain(&self.routes).cloned().collect()
    }

    fn check(&self, _window: &Window) -> Result<(), String> {
        if self.goal.is_empty() {
            return Err("goal = []: name at least one status".into());
        }
        for (i, route) in self.routes.iter().enumerate() {
            if self.routes[..i].contains(route) {
                return Err(format!("routes: {route} is listed twice"));
            }
            if self.goal.contains(route) {
                return Err(format!("routes: {route} is also in goal"));
            }
            if [DIRECT, SIMULTANEOUS, NONE, UNOBSERVED].contains(&route.as_str()) {
                return Err(format!(
                    "routes: {route} is a row label of this metric; define the status under another name"
                ));
            }
        }
        Ok(())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let failed = |err| polars(DEF.name, err);
        let goal = balanced(
            self.goal.iter().map(|s| col(s.as_str())).collect(),
            Expr::or,
        )
        .ok_or_else(|| anyhow!("first_outcome: goal is empty"))?;
        let mut columns = vec![col("person"), col("rel_month"), goal.alias("__goal")];
        columns.extend(
            self.routes
                .iter()
                .enumerate()
                .map(|(i, r)| col(r.as_str()).alias(format!("__route{i}"))),
        );
        let months = in_window(input.months.clone().lazy(), input.window)
            .select(columns)
            .sort(["person", "rel_month"], SortMultipleOptions::default())
            .collect()
            .map_err(failed)?;
        let paths = self.paths(&months)?;
        let n_routes = self.routes.len();
        let unobserved = n_routes + 3;
        let mut person_frame = df!(
            "person" => paths.iter().map(|(p, _)| *p).collect::<Vec<u32>>(),
            "outcome" => paths.iter().map(|(_, path)| path.outcome as i32).collect::<Vec<_>>(),
            "reached" => paths.iter().map(|(_, path)| path.reached_goal_later).collect::<Vec<_>>(),
            "via" => paths.iter().map(|(_, path)| path.via_other_route).collect::<Vec<_>>(),
        )
        .map_err(failed)?
        .lazy();
        // Every person of the population; no observed month in the window: unobserved.
        person_frame = every_person(input, person_frame)
            .with_column(col("outcome").fill_null(lit(unobserved as i32)));
        let count = |flag: Expr, name: String| flag.cast(DataType::Int64).sum().alias(name);
        let mut aggs = vec![len().cast(DataType::Int64).alias("n")];
        for outcome in 0..=unobserved {
            let is = col("outcome").eq(lit(outcome as i32));
            aggs.push(count(is.clone(), format!("count{outcome}")));
            aggs.push(count(
                is.clone().and(col("reached").fill_null(lit(false))),
                format!("reached{outcome}"),
            ));
            aggs.push(count(
                is.and(col("via").fill_null(lit(false))),
                format!("via{outcome}"),
            ));
        }
        let result = by_group(person_frame, input.group_by, &aggs).map_err(failed)?;
        let mut table = self.table(&result, input.group_by)?;
        let range = input.window.range();
        table.notes.push(format!(
            "first_outcome: the first month with rel_month {range} in the goal ({goal}: \"direct\", outranking the routes) or a route ({routes}); {simultaneous}; no such month: none; no observed month: unobserved. reached_goal_later: the goal in a later month; via_other_route: of those, a month in another route before it. Shares are of n, all persons of the group",
            goal = self.goal.join(" or "),
            routes = self.routes.join(", "),
            simultaneous = match self.simultaneous {
                Simultaneous::FirstMonth => "two routes at once: simultaneous",
                Simultaneous::AnyOverlap =>
                    "two routes in one month, from the first month up to the goal: simultaneous",
            },
        ));
        Ok(table)
    }
}

impl FirstOutcome {
    /// Each observed person's path, from their window months sorted by person and month.
    fn paths(&self, months: &DataFrame) -> Result<Vec<(u32, Path)>> {
        let person: Vec<u32> = months.column("person")?.u32()?.iter().flatten().collect();
        let flags = |name: &str| -> Result<Vec<bool>> {
            Ok(months
                .column(name)?
                .bool()?
                .iter()
                .map(|v| v.unwrap_or(false))
                .collect())
        };
        let goal = flags("__goal")?;
        let routes: Vec<Vec<bool>> = (0..self.routes.len())
            .map(|i| flags(&format!("__route{i}")))
            .collect::<Result<_>>()?;
        let mut paths = Vec::new();
        let mut start = 0;
        while start < person.len() {
            let end = start
                + person[start..]
                    .iter()
                    .take_while(|&&p| p == person[start])
                    .count();
            paths.push((person[start], self.path(start..end, &goal, &routes)));
            start = end;
        }
        Ok(paths)
    }

    /// One person's path over their rows `rows` (consecutive months in the window, in order).
    fn path(&self, rows: std::ops::Range<usize>, goal: &[bool], routes: &[Vec<bool>]) -> Path {
        let n_routes = routes.len();
        let routes_at =
            |row: usize| -> Vec<usize> { (0..n_routes).filter(|&r| routes[r][row]).collect() };
        let Some(first) = rows
            .clone()
            .find(|&row| goal[row] || routes.iter().any(|route| route[row]))
        else {
            return Path {
                outcome: n_routes + 2,
                reached_goal_later: None,
                via_other_route: None,
            };
        };
        if goal[first] {
            return Path {
                outcome: 0,
                reached_goal_later: None,
                via_other_route: None,
            };
        }
        let goal_later = (first + 1..rows.end).find(|&row| goal[row]);
        let first_routes = routes_at(first);
        let overlap = match self.simultaneous {
            Simultaneous::FirstMonth => first_routes.len() > 1,
            Simultaneous::AnyOverlap => {
                (first..goal_later.unwrap_or(rows.end)).any(|row| routes_at(row).len() > 1)
            }
        };
        if overlap {
            return Path {
                outcome: n_routes + 1,
                reached_goal_later: Some(goal_later.is_some()),
                via_other_route: None,
            };
        }
        let route = first_routes[0];
        let via = goal_later.map(|goal_row| {
            (first + 1..goal_row).any(|row| routes_at(row).iter().any(|&r| r != route))
        });
        Path {
            outcome: route + 1,
            reached_goal_later: Some(goal_later.is_some()),
            via_other_route: Some(via.unwrap_or(false)),
        }
    }

    /// Reshapes the per-group counts into one row per group and first outcome.
    fn table(&self, result: &DataFrame, group_by: &[String]) -> Result<Table> {
        let mut t = TableBuilder::new();
        let group_cols: Vec<Col> = t.groups(group_by);
        let outcome_col = t.text("first_outcome");
        let n_col = t.persons("n");
        let count_col = t.persons("count");
        let share_col = t.share("share", count_col, n_col);
        let reached_col = t.persons("reached_goal_later");
        let reached_share_col = t.share("share_reached_goal_later", reached_col, n_col);
        let via_col = t.persons("via_other_route");
        let via_share_col = t.share("share_via_other_route", via_col, n_col);
        let ints = |name: &str| ints(result, name);
        let groups: Vec<Vec<String>> = group_by
            .iter()
            .map(|g| texts(result, g))
            .collect::<Result<_>>()?;
        let n = ints("n")?;
        let labels = self.labels();
        let n_routes = self.routes.len();
        let per_outcome: Vec<[Vec<i64>; 3]> = (0..labels.len())
            .map(|o| {
                Ok([
                    ints(&format!("count{o}"))?,
                    ints(&format!("reached{o}"))?,
                    ints(&format!("via{o}"))?,
                ])
            })
            .collect::<Result<_>>()?;
        for row in 0..result.height() {
            let key: Vec<String> = groups.iter().map(|g| g[row].clone()).collect();
            let total = n[row] as u64;
            for (o, label) in labels.iter().enumerate() {
                let [count, reached, via] = &per_outcome[o];
                let mut cells = t.row();
                set_groups(&mut cells, &group_cols, &key);
                cells
                    .text(outcome_col, *label)
                    .int(n_col, n[row])
                    .int(count_col, count[row])
                    .set(share_col, share(count[row] as u64, total));
                // Reaching the goal later means something for a route or simultaneous start;
                // another route in between only for a single route.
                if (1..=n_routes + 1).contains(&o) {
                    cells
                        .int(reached_col, reached[row])
                        .set(reached_share_col, share(reached[row] as u64, total));
                }
                if (1..=n_routes).contains(&o) {
                    cells
                        .int(via_col, via[row])
                        .set(via_share_col, share(via[row] as u64, total));
                }
            }
        }
        // Every person has exactly one first outcome, so a group's counts add up to its n; and
        // every person is in one group, so per outcome the groups add up to the total.
        let keys: Vec<&str> = group_by.iter().map(|g| g.as_str()).collect();
        t.relation(parts_sum_to_whole(&keys, "count", "n"));
        // Unobserved persons are a first outcome too: n is the group.
        t.relation(population(&["n"]));
        if let Some(relation) = groups_sum_to_total(
            group_by,
            &["first_outcome"],
            &["n", "count", "reached_goal_later", "via_other_route"],
        ) {
            t.relation(relation);
        }
        t.chart(Chart::Bars(
            Bars::shares(
                &[
                    ("share", "first outcome"),
                    ("share_reached_goal_later", "reached the goal later"),
                ],
                Some("n"),
                "persons by their first outcome (%)",
            )
            .labelled_by("first_outcome"),
        ));
        Ok(t.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::common::parts_sum_to_whole;
    use crate::metrics::testing::{
        assert_relations, check_err, first_column, groups_relation, resolve_err, run, window,
    };
    use crate::table::Value;

    /// The row of `group` (its group columns, in order) and `outcome`.
    fn row<'t>(table: &'t Table, group: &[&str], outcome: &str) -> &'t [Value] {
        let at = table.column_index("first_outcome").unwrap();
        table
            .rows
            .iter()
            .find(|r| {
                r[at] == Value::Text(outcome.into())
                    && group
                        .iter()
                        .enumerate()
                        .all(|(i, g)| r[i] == Value::Text(g.to_string()))
            })
            .unwrap_or_else(|| panic!("no row {group:?} {outcome}"))
    }

    fn cell(table: &Table, group: &[&str], outcome: &str, column: &str) -> Value {
        row(table, group, outcome)[table.column_index(column).unwrap()].clone()
    }

    /// count, reached_goal_later, via_other_route of a row (Null as -1).
    fn counts(table: &Table, group: &[&str], outcome: &str) -> [i64; 3] {
        ["count", "reached_goal_later", "via_other_route"].map(|c| {
            match cell(table, group, outcome, c) {
                Value::Int(v) => v,
                Value::Null => -1,
                other => panic!("{c}: {other:?}"),
            }
        })
    }

    #[test]
    fn default_paths_from_start() {
        // goal = employment or flexjob, routes = paid_hours_on_benefit, internship; rel >= 0.
        // P10: 13 paid hours on benefit (30 h, 2 of 5 weeks on benefit: 3 without, not
        //   employment), no goal later.
        // P08: nothing (other_benefit and upskilling are not in the lists): none.
        // P06: 3 employment (student job on SU): direct.
        // P05: 0 paid hours on benefit; 1 employment (4 of 5 weeks without benefit): reached,
        //   no internship between.
        // P01: 1 internship; 3, 4, 5 paid hours on benefit; 6 employment: reached via the other
        //   route.
        // P07: 0 paid hours on benefit and flexjob: the goal outranks: direct.
        // P03 (no register rows): none. P04: 0 employment: direct.
        // P02: 0 paid hours on benefit (week-53 start, rel 0 = Jan 2021); 1 employment: reached.
        // P09: 0 paid hours on benefit, no later month. P11: no month in the window: unobserved.
        let table = run(&DEF, "", &[], window(0, None));
        assert_eq!(counts(&table, &[], "direct"), [3, -1, -1]);
        assert_eq!(counts(&table, &[], "paid_hours_on_benefit"), [4, 2, 0]);
        assert_eq!(counts(&table, &[], "internship"), [1, 1, 1]);
        assert_eq!(counts(&table, &[], "simultaneous"), [0, 0, -1]);
        assert_eq!(counts(&table, &[], "none"), [2, -1, -1]);
        assert_eq!(counts(&table, &[], "unobserved"), [1, -1, -1]);
        assert_eq!(cell(&table, &[], "direct", "n"), Value::Int(11));
        assert_eq!(
            cell(&table, &[], "paid_hours_on_benefit", "share"),
            Value::Float(4.0 / 11.0)
        );
        assert_eq!(
            cell(
                &table,
                &[],
                "paid_hours_on_benefit",
                "share_reached_goal_later"
            ),
            Value::Float(2.0 / 11.0)
        );
        assert_eq!(
            cell(&table, &[], "direct", "share_reached_goal_later"),
            Value::Null
        );
        assert_eq!(
            first_column(&table),
            [
                "direct",
                "paid_hours_on_benefit",
                "internship",
                "simultaneous",
                "none",
                "unobserved"
            ]
        );
    }

    #[test]
    fn simultaneous_first_month() {
        // From rel_month 3: P01's first month (Dec 2020) has internship and paid hours on
        // benefit, no goal: simultaneous; employment at 6: reached later.
        // Direct: P06 (3 employment), P05 (3 employment), P07 (3 flexjob without pay), P04 (3),
        // P02 (3). P10: 13 paid hours on benefit. None: P08, P03. Unobserved: P09 (last month
        // 0), P11.
        let table = run(&DEF, "", &[], window(3, None));
        assert_eq!(counts(&table, &[], "direct"), [5, -1, -1]);
        assert_eq!(counts(&table, &[], "paid_hours_on_benefit"), [1, 0, 0]);
        assert_eq!(counts(&table, &[], "internship"), [0, 0, 0]);
        assert_eq!(counts(&table, &[], "simultaneous"), [1, 1, -1]);
        assert_eq!(counts(&table, &[], "none"), [2, -1, -1]);
        assert_eq!(counts(&table, &[], "unobserved"), [2, -1, -1]);
    }

    #[test]
    fn simultaneous_as_any_overlap() {
        // From rel_month 0, P01's first route is internship (1), but in 3 internship and paid
        // hours on benefit overlap before the goal (6): simultaneous, reached later. Nobody else
        // has two routes in one month before their goal, so only P01 moves.
        let table = run(&DEF, "simultaneous = \"any_overlap\"", &[], window(0, None));
        assert_eq!(counts(&table, &[], "internship"), [0, 0, 0]);
        assert_eq!(counts(&table, &[], "simultaneous"), [1, 1, -1]);
        assert_eq!(counts(&table, &[], "paid_hours_on_benefit"), [4, 2, 0]);
        assert_eq!(counts(&table, &[], "direct"), [3, -1, -1]);
        assert!(table.notes[0].contains("up to the goal: simultaneous"));
    }

    #[test]
    fn by_arm_with_a_fourth_route() {
        // AP's routes: other_benefit added. P08's first outcome is other_benefit (rel 2,
        // resource course). Treatment: P10 paid hours, P08 other_benefit, P06 direct, P05 paid
        // hours (reached), P01 internship (reached via), P03 none. Control: P07 direct, P04
        // direct, P02 paid hours (reached), P09 paid hours, P11 unobserved.
        let params = "routes = [\"paid_hours_on_benefit\", \"internship\", \"other_benefit\"]";
        let table = run(&DEF, params, &["arm"], window(0, None));
        assert_eq!(
            counts(&table, &["treatment"], "paid_hours_on_benefit"),
            [2, 1, 0]
        );
        assert_eq!(counts(&table, &["treatment"], "other_benefit"), [1, 0, 0]);
        assert_eq!(counts(&table, &["treatment"], "internship"), [1, 1, 1]);
        assert_eq!(counts(&table, &["treatment"], "direct"), [1, -1, -1]);
        assert_eq!(counts(&table, &["treatment"], "none"), [1, -1, -1]);
        assert_eq!(cell(&table, &["treatment"], "none", "n"), Value::Int(6));
        assert_eq!(counts(&table, &["control"], "direct"), [2, -1, -1]);
        assert_eq!(
            counts(&table, &["control"], "paid_hours_on_benefit"),
            [2, 1, 0]
        );
        assert_eq!(counts(&table, &["control"], "unobserved"), [1, -1, -1]);
        assert_eq!(cell(&table, &["control"], "direct", "n"), Value::Int(5));
        assert_eq!(counts(&table, &["(all)"], "other_benefit"), [1, 0, 0]);
        // Rows: control's 7 outcomes, treatment's 7, then (all)'s 7.
        assert_eq!(table.rows.len(), 21);
        assert_eq!(table.format(0, &table.rows[7][0]), "treatment");
        assert_eq!(table.format(0, &table.rows[14][0]), "(all)");
    }

    #[test]
    fn upskilling_first_as_in_figure_14() {
        // goal = employment only (flexjob no longer counts), routes = upskilling, internship,
        // paid_hours_on_benefit. P08: upskilling (rel 4, ØVO) first. P07: 0 paid hours on
        // benefit (its flexjob is not the goal now), never employment. Direct: P06, P04.
        // Paid hours on benefit: P10, P05 (reached 1), P07, P02 (reached 1), P09.
        // Internship: P01 (reached 6, via paid hours at 3). None: P03. Unobserved: P11.
        let params = "goal = [\"employment\"]\nroutes = [\"upskilling\", \"internship\", \"paid_hours_on_benefit\"]";
        let table = run(&DEF, params, &[], window(0, None));
        assert_eq!(counts(&table, &[], "upskilling"), [1, 0, 0]);
        assert_eq!(counts(&table, &[], "internship"), [1, 1, 1]);
        assert_eq!(counts(&table, &[], "paid_hours_on_benefit"), [5, 2, 0]);
        assert_eq!(counts(&table, &[], "direct"), [2, -1, -1]);
        assert_eq!(counts(&table, &[], "none"), [1, -1, -1]);
        assert_eq!(
            cell(&table, &[], "upskilling", "share"),
            Value::Float(1.0 / 11.0)
        );
    }

    #[test]
    fn another_route_after_the_goal_does_not_count() {
        // goal = paid_hours_on_benefit, routes = internship, employment. P01: internship at 1,
        // goal at 3; its employment months (6-8) come after the goal: not via. P06 and P04
        // start with employment and never have paid hours on benefit later. Direct: P10, P05,
        // P07, P02, P09.
        let params =
            "goal = [\"paid_hours_on_benefit\"]\nroutes = [\"internship\", \"employment\"]";
        let table = run(&DEF, params, &[], window(0, None));
        assert_eq!(counts(&table, &[], "internship"), [1, 1, 0]);
        assert_eq!(counts(&table, &[], "employment"), [2, 0, 0]);
        assert_eq!(counts(&table, &[], "direct"), [5, -1, -1]);
    }

    #[test]
    fn an_empty_window() {
        // rel_month 10..12: only P10 is observed there (no outcome in 10-12): none 1; the other
        // 10 are unobserved.
        let table = run(&DEF, "", &["sex"], window(10, Some(12)));
        assert_eq!(counts(&table, &["(all)"], "none"), [1, -1, -1]);
        assert_eq!(counts(&table, &["(all)"], "unobserved"), [10, -1, -1]);
        assert_eq!(counts(&table, &["F"], "direct"), [0, -1, -1]);
        assert_eq!(cell(&table, &["F"], "direct", "share"), Value::Float(0.0));
        assert_eq!(
            cell(&table, &["F"], "internship", "share_reached_goal_later"),
            Value::Float(0.0)
        );
    }

    #[test]
    fn outcomes_add_up_to_n_and_groups_to_the_total() {
        let table = run(&DEF, "", &[], window(0, None));
        assert_relations(&table, &[parts_sum_to_whole(&[], "count", "n")]);
        let summed = ["n", "count", "reached_goal_later", "via_other_route"];
        let params = "routes = [\"paid_hours_on_benefit\", \"internship\", \"other_benefit\"]";
        let table = run(&DEF, params, &["arm"], window(0, None));
        assert_relations(
            &table,
            &[
                parts_sum_to_whole(&["arm"], "count", "n"),
                groups_relation("arm", &["first_outcome"], &summed),
            ],
        );
        let table = run(&DEF, "", &["arm", "sex"], window(3, None));
        assert_relations(
            &table,
            &[
                parts_sum_to_whole(&["arm", "sex"], "count", "n"),
                groups_relation("arm", &["first_outcome"], &summed),
            ],
        );
        let params = "goal = [\"employment\"]\nroutes = [\"upskilling\", \"internship\", \"paid_hours_on_benefit\"]";
        let table = run(&DEF, params, &["municipality"], window(0, Some(8)));
        assert_relations(
            &table,
            &[
                parts_sum_to_whole(&["municipality"], "count", "n"),
                groups_relation("municipality", &["first_outcome"], &summed),
            ],
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = resolve_err(&DEF, "route = [\"internship\"]");
        assert!(err.contains("unknown field `route`"), "{err}");
        let check = |params: &str| check_err(&DEF, params, &window(0, None));
        assert!(check("goal = []").starts_with("goal"));
        assert!(check("routes = [\"internship\", \"internship\"]").starts_with("routes"));
        assert!(check("routes = [\"flexjob\"]").contains("also in goal"));
        assert!(check("routes = [\"none\"]").contains("row label"));
    }

    #[test]
    fn follow_up_to_the_end_date() {
        use crate::metrics::testing::run_to_end_date;
        // The default paths from rel_month 0 with `testing::tiny_end_dates`:
        // direct: P06 (3), P07 (0), P04 (0), as to coverage.
        // paid_hours_on_benefit: P05 (0; ended in its start month, so its employment at 1 is
        //   not followed: not reached), P02 (0; employment at 1, before its end at 2: reached),
        //   P09 (0) → 3, 1 reached, 0 via the other route.
        // internship: P01 (1; employment at 6 is after its end at 4: not reached).
        // none: P08, P03. unobserved: P10 (its paid month 13 is after its end) and P11.
        // To coverage: direct 3, paid hours on benefit 4 (2 reached), internship 1 (reached via
        // paid hours on benefit), none 2, unobserved 1.
        let table = run_to_end_date(&DEF, "", &[], window(0, None));
        assert_eq!(counts(&table, &[], "direct"), [3, -1, -1]);
        assert_eq!(counts(&table, &[], "paid_hours_on_benefit"), [3, 1, 0]);
        assert_eq!(counts(&table, &[], "internship"), [1, 0, 0]);
        assert_eq!(counts(&table, &[], "simultaneous"), [0, 0, -1]);
        assert_eq!(counts(&table, &[], "none"), [2, -1, -1]);
        assert_eq!(counts(&table, &[], "unobserved"), [2, -1, -1]);
        assert_eq!(cell(&table, &[], "direct", "n"), Value::Int(11));
    }
}
