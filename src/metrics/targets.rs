//! `targets` (spec `metrics.md` §3.16): achieved counts against a table of targets (per row and
//! group), with the fulfilment (achieved / target) and the traffic-light rule of 001 Table 5:
//! green when short of the target by less than 10%, yellow when short by 10% to 25% (both ends
//! included), red when short by more than 25%; meeting or exceeding the target is green.
//! Reproduces 000's table of achieved figures against targets (VTA) and 001 Table 5 (Tre
//! hovedveje's referral milestones).
//!
//! Each row of the targets table gives its achieved count either as a published number
//! (`achieved`) or as a count from the data (`count`: every person of the group, or the persons
//! with a status in at least one observed month of the window). A table of published numbers only
//! needs no dataset.

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::common::{any_in_window, polars};
use crate::table::chart::Bars;
use crate::table::{Chart, Table, TableBuilder, Value, ALL};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "targets",
    summary:
        "achieved counts against targets, with fulfilment % and a green/yellow/red traffic light",
    resolve: resolve::<Targets>,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: false,
    example: "[[params.rows]]\nrow = \"referred\"\ntarget = 120\nachieved = 138\n",
};

/// `count` value: every person of the row's group.
const ALL_PERSONS: &str = "persons";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Targets {
    /// The targets table, in the order printed.
    pub rows: Vec<TargetRow>,
    /// Green when the shortfall (target − achieved) / target, in percent, is below this.
    pub green_short_below: f64,
    /// Red when the shortfall in percent is above this; in between (both ends included) yellow.
    pub red_short_above: f64,
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            rows: Vec::new(),
            // 001 Table 5's footnote: green < 10%, yellow >= 10% and <= 25%, red > 25%.
            green_short_below: 10.0,
            red_short_above: 25.0,
        }
    }
}

/// One row of the targets table.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRow {
    /// What is counted (e.g. "referred").
    pub row: String,
    /// The group (e.g. "original target group"); absent: the total over all groups, printed
    /// `(all)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The target; absent (the report's "—"): no fulfilment and no light.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// The published achieved count; absent and no `count`: not given ("—").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub achieved: Option<f64>,
    /// The achieved count from the data: `"persons"` (every person of the group) or a status
    /// (persons of the group with it in at least one observed month of the window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<String>,
    /// A remark printed beside the row (e.g. "of which 31 wage subsidy").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The traffic light of an achieved count against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Light {
    Green,
    Yellow,
    Red,
}

impl Light {
    pub fn name(self) -> &'static str {
        match self {
            Light::Green => "green",
            Light::Yellow => "yellow",
            Light::Red => "red",
        }
    }
}

impl Targets {
    fn validate(&self) -> Result<(), String> {
        if self.rows.is_empty() {
            return Err("rows: targets needs at least one row, e.g. [[params.rows]] row = \"referred\", group = \"original\", target = 120, achieved = 138".into());
        }
        if !(self.green_short_below.is_finite() && self.green_short_below >= 0.0) {
            return Err(format!(
                "green_short_below: must be a percentage >= 0, got {}",
                self.green_short_below
            ));
        }
        if !(self.red_short_above.is_finite() && self.red_short_above >= self.green_short_below) {
            return Err(format!(
                "red_short_above: must be a percentage >= green_short_below ({}), got {}",
                self.green_short_below, self.red_short_above
            ));
        }
        for (i, r) in self.rows.iter().enumerate() {
            let key = |field: &str| format!("rows[{i}].{field} (row \"{}\")", r.row);
            for (field, value) in [("target", r.target), ("achieved", r.achieved)] {
                if let Some(v) = value {
                    if !(v.is_finite() && v >= 0.0) {
                        return Err(format!("{}: must be a number >= 0, got {v}", key(field)));
                    }
                }
            }
            if r.achieved.is_some() && r.count.is_some() {
                return Err(format!(
                    "{}: give either achieved (a published count) or count (from the data), not both",
                    key("count")
                ));
            }
            if let Some(count) = &r.count {
                if count.trim().is_empty() {
                    return Err(format!(
                        "{}: \"{ALL_PERSONS}\" or a status name",
                        key("count")
                    ));
                }
            }
            if self.rows[..i]
                .iter()
                .any(|other| other.row == r.row && other.group == r.group)
            {
                return Err(format!(
                    "{}: the row \"{}\" of group {} is given twice",
                    key("group"),
                    r.row,
                    r.group.as_deref().unwrap_or(ALL)
                ));
            }
        }
        Ok(())
    }

    /// The light for `achieved` against `target`; `None` without a target (or a target of 0) or
    /// without an achieved count. Compared exactly: short × 100 against threshold × target.
    pub fn light(&self, achieved: f64, target: f64) -> Option<Light> {
        if target <= 0.0 {
            return None;
        }
        let short = (target - achieved) * 100.0;
        Some(if short < self.green_short_below * target {
            Light::Green
        } else if short > self.red_short_above * target {
            Light::Red
        } else {
            Light::Yellow
        })
    }

    /// The achieved value of each row: published, counted (from `counted`), or none.
    ///
    /// No relation is declared: whether a total row is the sum of its groups' rows is up to the
    /// targets table the query gives (the notes say where it is not), not a property of the
    /// metric.
    fn table(&self, counted: &[Option<i64>]) -> Table {
        let mut t = TableBuilder::new();
        let row_col = t.text("row");
        let group = t.group("group");
        let achieved_col = t.persons("achieved");
        let target = t.number("target", 0);
        let fulfilment_col = t.share("fulfilment", achieved_col, target);
        let light_col = t.label("light", achieved_col);
        let source_col = t.text("source");
        let note = t.text("note");
        for (r, counted) in self.rows.iter().zip(counted) {
            let (achieved, source) = match (r.achieved, counted) {
                (Some(v), _) => (Some(v), "published"),
                (None, Some(v)) => (Some(*v as f64), "data"),
                (None, None) => (None, "not given"),
            };
            let fulfilment = match (achieved, r.target) {
                (Some(a), Some(t)) if t > 0.0 => Value::Float(a / t),
                _ => Value::Null,
            };
            let light = match (achieved, r.target) {
                (Some(a), Some(t)) => self.light(a, t),
                _ => None,
            };
            let number = |v: Option<f64>| {
                v.map_or(Value::Null, |v| {
                    if v.fract() == 0.0 && v.abs() < 9e15 {
                        Value::Int(v as i64)
                    } else {
                        Value::Float(v)
                    }
                })
            };
            let mut row = t.row();
            row.text(row_col, r.row.as_str())
                .text(group, r.group.clone().unwrap_or_else(|| ALL.to_string()))
                .set(achieved_col, number(achieved))
                .set(target, r.target.map_or(Value::Null, Value::Float))
                .set(fulfilment_col, fulfilment)
                .text(source_col, source);
            if let Some(light) = light {
                row.text(light_col, light.name());
            }
            if let Some(text) = &r.note {
                row.text(note, text.as_str());
            }
        }
        t.note(format!(
            "fulfilment = achieved / target; light: green when short of the target by less than {}%, yellow when short by {}% to {}% (both included), red when short by more than {}%; meeting the target is green; no target (or 0): no fulfilment and no light",
            fmt(self.green_short_below),
            fmt(self.green_short_below),
            fmt(self.red_short_above),
            fmt(self.red_short_above)
        ));
        t.chart(Chart::Bars(
            Bars::shares(
                &[("fulfilment", "fulfilment")],
                Some("achieved"),
                "achieved, of the target (%)",
            )
            .labelled_by("row")
            .line("target", 1.0),
        ));
        let mut table = t.build();
        self.sum_notes(&mut table, counted);
        table
    }

    /// Notes where a total row (no group) differs from the sum of its groups' rows.
    fn sum_notes(&self, table: &mut Table, counted: &[Option<i64>]) {
        let achieved: Vec<Option<f64>> = self
            .rows
            .iter()
            .zip(counted)
            .map(|(r, c)| r.achieved.or(c.map(|v| v as f64)))
            .collect();
        let target: Vec<Option<f64>> = self.rows.iter().map(|r| r.target).collect();
        for (t, total) in self.rows.iter().enumerate() {
            if total.group.is_some() {
                continue;
            }
            let parts: Vec<usize> = (0..self.rows.len())
                .filter(|&i| self.rows[i].row == total.row && self.rows[i].group.is_some())
                .collect();
            if parts.len() < 2 {
                continue;
            }
            for (what, values) in [("achieved", &achieved), ("target", &target)] {
                let Some(printed) = values[t] else { continue };
                let sum: Option<f64> = parts.iter().map(|&i| values[i]).sum();
                if let Some(sum) = sum {
                    if (sum - printed).abs() > 1e-9 {
                        table.notes.push(format!(
                            "row \"{}\": the groups' {what} sum to {}, the total row gives {}",
                            total.row,
                            fmt(sum),
                            fmt(printed)
                        ));
                    }
                }
            }
        }
    }
}

fn fmt(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

impl Compute for Targets {
    fn statuses(&self) -> Vec<String> {
        let mut statuses: Vec<String> = Vec::new();
        for r in &self.rows {
            if let Some(count) = &r.count {
                if count != ALL_PERSONS && !statuses.contains(count) {
                    statuses.push(count.clone());
                }
            }
        }
        statuses
    }

    fn check(&self, _window: &Window) -> Result<(), String> {
        self.validate()
    }

    fn published(&self) -> Option<Result<Table>> {
        // With a `count` row the table is computed from a dataset, the published rows with it.
        if self.rows.iter().any(|r| r.count.is_some()) {
            return None;
        }
        Some(
            self.validate()
                .map_err(|e| anyhow!(e))
                .map(|()| self.table(&vec![None; self.rows.len()])),
        )
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.validate().map_err(|e| anyhow!(e))?;
        let mut counted = vec![None; self.rows.len()];
        for (i, r) in self.rows.iter().enumerate() {
            let Some(count) = &r.count else { continue };
            let key = format!("rows[{i}].group (row \"{}\")", r.row);
            let mut frame = if count == ALL_PERSONS {
                input
                    .persons
                    .clone()
                    .lazy()
                    .with_column(lit(true).alias("hit"))
            } else {
                if input.months.column(count).is_err() {
                    return Err(anyhow!(
                        "rows[{i}].count (row \"{}\"): the panel has no status \"{count}\"",
                        r.row
                    ));
                }
                any_in_window(input, col(count.as_str()), "hit")
            };
            if let Some(group) = &r.group {
                let [column] = input.group_by else {
                    return Err(anyhow!(
                        "{key}: a counted row with a group needs the query's group_by to name the one cohort column holding \"{group}\" (group_by = {:?})",
                        input.group_by
                    ));
                };
                frame = frame.filter(col(column.as_str()).eq(lit(group.clone())));
            }
            let result = frame
                .select([col("hit").cast(DataType::Int64).sum().alias("hit")])
                .collect()
                .map_err(|e| polars(DEF.name, e))?;
            let hits = result
                .column("hit")
                .map_err(|e| polars(DEF.name, e))?
                .cast(&DataType::Int64)
                .map_err(|e| polars(DEF.name, e))?
                .i64()
                .map_err(|e| polars(DEF.name, e))?
                .get(0)
                .unwrap_or(0);
            counted[i] = Some(hits);
        }
        let mut table = self.table(&counted);
        if counted.iter().any(Option::is_some) {
            table.notes.push(format!(
                "source data: \"{ALL_PERSONS}\" counts every person of the group; a status counts the persons of the group with it in at least one observed month of rel_month {}",
                input.window.range()
            ));
        }
        Ok(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        check_err, input, resolve, resolve_err, run, run_err, tiny_panel,
    };

    fn published(params: &str) -> Table {
        let m = resolve(&DEF, params);
        m.check(&Window::default()).unwrap();
        m.published().expect("published counts").unwrap()
    }

    /// The cell of the row with `row` and `group` in `column`.
    fn cell<'t>(table: &'t Table, row: &str, group: &str, column: &str) -> &'t Value {
        let c = table.column_index(column).unwrap();
        let found = table
            .rows
            .iter()
            .find(|r| r[0] == Value::Text(row.into()) && r[1] == Value::Text(group.into()))
            .unwrap_or_else(|| panic!("no row {row} / {group}"));
        &found[c]
    }

    fn light(table: &Table, row: &str, group: &str) -> Option<String> {
        match cell(table, row, group, "light") {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        }
    }

    const VTA: &str = r#"
        [[rows]]
        row = "referred"
        group = "original"
        target = 120
        achieved = 138
        [[rows]]
        row = "referred"
        group = "ukrainian"
        target = 50
        achieved = 90
        [[rows]]
        row = "referred"
        achieved = 228
        [[rows]]
        row = "small job or job"
        group = "original"
        target = 48
        achieved = 34
        [[rows]]
        row = "small job or job"
        group = "ukrainian"
        target = 32
        achieved = 44
        note = "of which 31 wage subsidy"
        [[rows]]
        row = "small job or job"
        achieved = 80
        [[rows]]
        row = "still in a job after 6 months"
        group = "ukrainian"
    "#;

    #[test]
    fn vta_fulfilment_and_lights() {
        let table = published(VTA);
        // 138 / 120 = 115%: over the target, green.
        assert_eq!(
            cell(&table, "referred", "original", "fulfilment"),
            &Value::Float(1.15)
        );
        assert_eq!(
            light(&table, "referred", "original").as_deref(),
            Some("green")
        );
        // 34 / 48 = 70.8%: short by 29.2% > 25%, red.
        assert_eq!(
            cell(&table, "small job or job", "original", "fulfilment"),
            &Value::Float(34.0 / 48.0)
        );
        assert_eq!(
            light(&table, "small job or job", "original").as_deref(),
            Some("red")
        );
        // 44 / 32 = 137.5%, green; the note is kept.
        assert_eq!(
            light(&table, "small job or job", "ukrainian").as_deref(),
            Some("green")
        );
        assert_eq!(
            cell(&table, "small job or job", "ukrainian", "note"),
            &Value::Text("of which 31 wage subsidy".into())
        );
        // The total row has no target: achieved only, no fulfilment, no light.
        assert_eq!(cell(&table, "referred", ALL, "achieved"), &Value::Int(228));
        assert_eq!(cell(&table, "referred", ALL, "fulfilment"), &Value::Null);
        assert_eq!(light(&table, "referred", ALL), None);
        // "—" / "—": nothing given, nothing computed.
        assert_eq!(
            cell(
                &table,
                "still in a job after 6 months",
                "ukrainian",
                "achieved"
            ),
            &Value::Null
        );
        assert_eq!(
            cell(
                &table,
                "still in a job after 6 months",
                "ukrainian",
                "source"
            ),
            &Value::Text("not given".into())
        );
        // Rows in the order given.
        assert_eq!(table.rows.len(), 7);
        assert_eq!(table.rows[2][0], Value::Text("referred".into()));
        assert_eq!(table.rows[3][0], Value::Text("small job or job".into()));
    }

    #[test]
    fn a_total_that_is_not_the_sum_of_its_groups_is_noted() {
        // 138 + 90 = 228 agrees; 34 + 44 = 78, but the report prints 80.
        let table = published(VTA);
        let sums: Vec<&String> = table
            .notes
            .iter()
            .filter(|n| n.contains("sum to"))
            .collect();
        assert_eq!(sums.len(), 1, "{:?}", table.notes);
        assert!(sums[0].contains("\"small job or job\""), "{}", sums[0]);
        assert!(sums[0].contains("achieved sum to 78"), "{}", sums[0]);
        assert!(sums[0].contains("gives 80"), "{}", sums[0]);
    }

    #[test]
    fn tre_hovedveje_milestones() {
        // 001 Table 5: realised against the milestone (expected) figure.
        let table = published(
            r#"
            [[rows]]
            row = "referred"
            group = "pathway 1"
            target = 1940
            achieved = 2231
            [[rows]]
            row = "referred"
            group = "pathway 2"
            target = 630
            achieved = 522
            [[rows]]
            row = "referred"
            group = "pathway 3"
            target = 832
            achieved = 877
            [[rows]]
            row = "referred"
            target = 3402
            achieved = 3630
            [[rows]]
            row = "referred (original target)"
            group = "pathway 3"
            target = 975
            achieved = 877
            "#,
        );
        // 2231 / 1940 = 115.0%: green.
        assert_eq!(
            light(&table, "referred", "pathway 1").as_deref(),
            Some("green")
        );
        // 522 / 630 = 82.9%: short by 108 / 630 = 17.1%, yellow.
        assert_eq!(
            cell(&table, "referred", "pathway 2", "fulfilment"),
            &Value::Float(522.0 / 630.0)
        );
        assert_eq!(
            light(&table, "referred", "pathway 2").as_deref(),
            Some("yellow")
        );
        // 877 / 832: over, green; but against the original 975, short by 98 / 975 = 10.05%:
        // yellow.
        assert_eq!(
            light(&table, "referred", "pathway 3").as_deref(),
            Some("green")
        );
        assert_eq!(
            light(&table, "referred (original target)", "pathway 3").as_deref(),
            Some("yellow")
        );
        // 3630 / 3402: green; 1940 + 630 + 832 = 3402 and 2231 + 522 + 877 = 3630: no sum note.
        assert_eq!(light(&table, "referred", ALL).as_deref(), Some("green"));
        assert!(
            !table.notes.iter().any(|n| n.contains("sum to")),
            "{:?}",
            table.notes
        );
    }

    #[test]
    fn boundaries_are_exact() {
        let t = Targets::default();
        // Exactly 10% short (90 of 100, 9 of 10): yellow, as 001's footnote says (>= 10%).
        assert_eq!(t.light(90.0, 100.0), Some(Light::Yellow));
        assert_eq!(t.light(9.0, 10.0), Some(Light::Yellow));
        // Just under 10% short: green. 10.05% short (877 of 975): yellow.
        assert_eq!(t.light(90.01, 100.0), Some(Light::Green));
        assert_eq!(t.light(877.0, 975.0), Some(Light::Yellow));
        // Exactly 25% short (75 of 100, 3 of 4): yellow (<= 25%); beyond: red.
        assert_eq!(t.light(75.0, 100.0), Some(Light::Yellow));
        assert_eq!(t.light(3.0, 4.0), Some(Light::Yellow));
        assert_eq!(t.light(74.99, 100.0), Some(Light::Red));
        // On or over target: green; nothing achieved: red.
        assert_eq!(t.light(100.0, 100.0), Some(Light::Green));
        assert_eq!(t.light(250.0, 100.0), Some(Light::Green));
        assert_eq!(t.light(0.0, 100.0), Some(Light::Red));
        // No target to measure against.
        assert_eq!(t.light(5.0, 0.0), None);
    }

    #[test]
    fn a_target_of_zero_or_none_gives_no_fulfilment() {
        let table = published(
            r#"
            [[rows]]
            row = "upskilling"
            group = "original"
            achieved = 21
            [[rows]]
            row = "upskilling"
            group = "ukrainian"
            target = 0
            achieved = 85
            "#,
        );
        for group in ["original", "ukrainian"] {
            assert_eq!(
                cell(&table, "upskilling", group, "fulfilment"),
                &Value::Null
            );
            assert_eq!(cell(&table, "upskilling", group, "light"), &Value::Null);
        }
        assert_eq!(
            cell(&table, "upskilling", "ukrainian", "target"),
            &Value::Float(0.0)
        );
    }

    #[test]
    fn counts_from_the_data() {
        // Tiny, by arm. Treatment: P10, P08, P06, P05, P01, P03 (6); control: P07, P04, P02,
        // P09, P11 (5).
        // flexjob in some observed month from rel_month 0: only P07 (control).
        // paid_hours from rel_month 0 (observed months): treatment P10 (Dec 2020, Feb 2021),
        // P06, P05, P01 = 4; control P07, P04, P02, P09 = 4; P11 has no month from start.
        let m = resolve(
            &DEF,
            r#"
            [[rows]]
            row = "referred"
            group = "treatment"
            target = 6
            count = "persons"
            [[rows]]
            row = "paid hours"
            group = "treatment"
            target = 5
            count = "paid_hours"
            [[rows]]
            row = "paid hours"
            group = "control"
            target = 6
            count = "paid_hours"
            [[rows]]
            row = "paid hours"
            count = "paid_hours"
            target = 12
            [[rows]]
            row = "flexjob"
            group = "control"
            target = 2
            count = "flexjob"
            [[rows]]
            row = "published"
            group = "control"
            target = 10
            achieved = 9
            "#,
        );
        assert!(m.published().is_none());
        assert_eq!(m.statuses(), ["paid_hours", "flexjob"]);
        let panel = tiny_panel();
        let table = m
            .compute(&input(&panel, &["arm"], Window::default()))
            .unwrap();
        assert_eq!(
            cell(&table, "referred", "treatment", "achieved"),
            &Value::Int(6)
        );
        assert_eq!(
            light(&table, "referred", "treatment").as_deref(),
            Some("green")
        );
        // 4 of 5: short by 20%, yellow.
        assert_eq!(
            cell(&table, "paid hours", "treatment", "achieved"),
            &Value::Int(4)
        );
        assert_eq!(
            light(&table, "paid hours", "treatment").as_deref(),
            Some("yellow")
        );
        // 4 of 6: short by 33.3%, red.
        assert_eq!(
            cell(&table, "paid hours", "control", "achieved"),
            &Value::Int(4)
        );
        assert_eq!(
            light(&table, "paid hours", "control").as_deref(),
            Some("red")
        );
        // The total: 8 of 12, short by 33.3%: red. The groups' achieved sum to 4 + 4 = 8, the
        // total's: no note; their targets to 5 + 6 = 11, not the total's 12: a note.
        assert_eq!(cell(&table, "paid hours", ALL, "achieved"), &Value::Int(8));
        assert_eq!(light(&table, "paid hours", ALL).as_deref(), Some("red"));
        let sums: Vec<&String> = table
            .notes
            .iter()
            .filter(|n| n.contains("sum to"))
            .collect();
        assert_eq!(
            sums,
            ["row \"paid hours\": the groups' target sum to 11, the total row gives 12"]
        );
        // 1 of 2: short by 50%, red.
        assert_eq!(
            cell(&table, "flexjob", "control", "achieved"),
            &Value::Int(1)
        );
        assert_eq!(light(&table, "flexjob", "control").as_deref(), Some("red"));
        // A published row among counted ones stays published: 9 of 10, short by exactly 10%.
        assert_eq!(
            cell(&table, "published", "control", "source"),
            &Value::Text("published".into())
        );
        assert_eq!(
            light(&table, "published", "control").as_deref(),
            Some("yellow")
        );
    }

    #[test]
    fn no_relations_are_declared() {
        // Whether a total row is the sum of its groups' rows is up to the query's targets
        // table (VTA's "small job or job": 34 + 44 is not 80), so none is declared, from
        // published figures or from the data.
        let table = published(VTA);
        assert_eq!(table.relations, []);
        assert_eq!(table.relation_violations(), Vec::<String>::new());
        let rows = "[[rows]]\nrow = \"paid\"\ngroup = \"treatment\"\ntarget = 5\ncount = \"paid_hours\"\n[[rows]]\nrow = \"paid\"\ngroup = \"control\"\ntarget = 6\ncount = \"paid_hours\"\n[[rows]]\nrow = \"paid\"\ncount = \"paid_hours\"\n[[rows]]\nrow = \"referred\"\ncount = \"persons\"\ntarget = 10\n";
        for (params, group_by, to) in [
            (rows, &["arm"][..], None),
            (rows, &["arm"][..], Some(3)),
            (
                "[[rows]]\nrow = \"all\"\ncount = \"persons\"\ntarget = 12\n",
                &[][..],
                None,
            ),
        ] {
            let table = run(&DEF, params, group_by, Window::rel(None, to));
            assert_eq!(table.relations, [], "{params}");
            assert_eq!(table.relation_violations(), Vec::<String>::new());
        }
    }

    #[test]
    fn a_counted_group_needs_group_by() {
        let params =
            "[[rows]]\nrow = \"r\"\ngroup = \"treatment\"\ntarget = 1\ncount = \"persons\"";
        let err = run_err(&DEF, params, &[], Window::default());
        assert!(err.starts_with("rows[0].group"), "{err}");
    }

    #[test]
    fn bad_parameters_name_the_key() {
        let resolve_err = |params: &str| resolve_err(&DEF, params);
        let check_err = |params: &str| check_err(&DEF, params, &Window::default());
        let err = resolve_err("[[rows]]\nrow = \"a\"\ntargt = 3");
        assert!(err.contains("unknown field `targt`"), "{err}");
        let err = resolve_err("rowz = []");
        assert!(err.contains("unknown field `rowz`"), "{err}");
        assert!(check_err("").starts_with("rows:"));
        let err = check_err("[[rows]]\nrow = \"a\"\ntarget = -3\nachieved = 1");
        assert!(err.starts_with("rows[0].target"), "{err}");
        let err = check_err("[[rows]]\nrow = \"a\"\nachieved = 1\ncount = \"persons\"");
        assert!(err.starts_with("rows[0].count"), "{err}");
        let err =
            check_err("[[rows]]\nrow = \"a\"\nachieved = 1\n[[rows]]\nrow = \"a\"\nachieved = 2");
        assert!(err.starts_with("rows[1].group"), "{err}");
        let err = check_err("red_short_above = 5\n[[rows]]\nrow = \"a\"\nachieved = 1");
        assert!(err.starts_with("red_short_above"), "{err}");
    }
}
