//! `hazard_ratio` (the stability of a status, JobFirst's "23% less likely to lose their paid
//! hours", S3-stab): for each person whose first month in a status S lies in the window, the time
//! from that month to the first later month out of S (the event: S lost), censored at the end of
//! follow-up while still in S; the arms are compared by a Cox proportional-hazards model with
//! the arm as the only covariate (treatment = 1, Efron's method for tied times): the hazard ratio
//! of treatment against control, its Wald interval and the Wald p-value, with n and events per
//! arm. The estimator is `crate::stats::cox::hazard_ratio`.
//!
//! Time scale (months since entering S): the first month in S is time 0. The event time is the
//! number of months from it to the first later month not in S (= the length of the spell of
//! consecutive months in S, at least 1). A person still in S in their last observed month is
//! censored at that month's distance from the first month (0 when the first month in S is the
//! last observed one). The window restricts where the first month may lie; the spell is followed
//! to the end of follow-up.

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::measure::common::check_level;
use crate::measure::persons::{cohort_text, Persons};
use crate::stats::cox::hazard_ratio;
use crate::table::chart::{plain, Forest};
use crate::table::{Chart, Relation, Table, TableBuilder, Value};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};

pub const DEF: MetricDef = MetricDef {
    name: "hazard_ratio",
    summary:
        "hazard of leaving a status after first entering it, treatment vs control (Cox, Efron ties)",
    resolve: resolve::<HazardRatio>,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: false,
    example: "",
};

/// How tied times are handled (only Efron's approximation is implemented; the parameter is
/// there so that `explain` states it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ties {
    Efron,
}

/// The interval and test of the hazard ratio (only Wald's is implemented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaldOnly {
    Wald,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HazardRatio {
    /// The status S whose loss is the event.
    pub status: String,
    /// The cohort column holding the arm.
    pub arm: String,
    /// Its value for the treatment arm (the covariate = 1).
    pub treatment: String,
    /// Its value for the control arm (the covariate = 0).
    pub control: String,
    /// Confidence level of the interval.
    pub level: f64,
    pub ties: Ties,
    /// The interval: exp(β ± z·se).
    pub ci: WaldOnly,
    /// The test: two-sided Wald test of β = 0.
    pub test: WaldOnly,
}

impl Default for HazardRatio {
    fn default() -> Self {
        HazardRatio {
            status: "paid_hours".into(),
            arm: "arm".into(),
            treatment: "treatment".into(),
            control: "control".into(),
            level: 0.95,
            ties: Ties::Efron,
            ci: WaldOnly::Wald,
            test: WaldOnly::Wald,
        }
    }
}

/// One person with a first month in S in the window.
struct Spell {
    /// Months from the first month in S to the event or the censoring.
    time: u32,
    /// S lost (else censored).
    lost: bool,
    /// `Some(true)` treatment, `Some(false)` control, `None` another (or no) arm value.
    treated: Option<bool>,
}

impl HazardRatio {
    /// The spell of each of `persons` (in their order), if any.
    fn spells(&self, input: &MetricInput<'_>, persons: &Persons) -> Result<Vec<Option<Spell>>> {
        let failed = |err: PolarsError| anyhow!("computing {}: {err}", DEF.name);
        let arm = cohort_text(&input.panel.persons, &self.arm, "arm")?;
        let size = input.panel.persons.height();
        let (person, rel, status) =
            crate::measure::common::person_month_status(&input.months, &self.status)
                .map_err(failed)?;
        let (from, to) = (input.window.from(), input.window.to.unwrap_or(i32::MAX));
        // First pass: the first month in S in the window. Second: the first later month out of
        // S. Both independent of the row order.
        let mut first: Vec<Option<i32>> = vec![None; size];
        for ((p, m), s) in person.iter().zip(rel.iter()).zip(status.iter()) {
            if let (Some(p), Some(m), Some(true)) = (p, m, s) {
                let f = &mut first[p as usize];
                if m >= from && m <= to && f.is_none_or(|f| m < f) {
                    *f = Some(m);
                }
            }
        }
        let mut exit: Vec<Option<i32>> = vec![None; size];
        for ((p, m), s) in person.iter().zip(rel.iter()).zip(status.iter()) {
            if let (Some(p), Some(m)) = (p, m) {
                let p = p as usize;
                if s != Some(true)
                    && first[p].is_some_and(|f| m > f)
                    && exit[p].is_none_or(|x| m < x)
                {
                    exit[p] = Some(m);
                }
            }
        }
        let mut out = Vec::with_capacity(persons.len());
        for (&p, last) in persons.ids.iter().zip(&persons.followup) {
            let p = p as usize;
            let spell = match (first[p], exit[p], *last) {
                (Some(f), Some(x), _) => Some((x - f, true)),
                (Some(f), None, Some(last)) => Some((last.max(f) - f, false)),
                _ => None,
            }
            .map(|(time, lost)| Spell {
                time: time as u32,
                lost,
                treated: match arm[p].as_deref() {
                    Some(a) if a == self.treatment => Some(true),
                    Some(a) if a == self.control => Some(false),
                    _ => None,
                },
            });
            out.push(spell);
        }
        Ok(out)
    }
}

impl Compute for HazardRatio {
    fn statuses(&self) -> Vec<String> {
        vec![self.status.clone()]
    }

    fn check_groups(&self, group_by: &[String]) -> Result<(), String> {
        if group_by.contains(&self.arm) {
            return Err(format!(
                "arm: the arm column {:?} is also in group_by; hazard_ratio compares the arms within each group, so leave it out of group_by",
                self.arm
            ));
        }
        Ok(())
    }

    fn cohort_columns(&self) -> Vec<(&'static str, String)> {
        vec![("arm", self.arm.clone())]
    }

    fn check(&self, _window: &Window) -> Result<(), String> {
        if self.treatment == self.control {
            return Err(format!(
                "treatment = control = \"{}\": the two arms must differ",
                self.treatment
            ));
        }
        check_level(self.level)
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let persons = Persons::of(input)?;
        let spells = self.spells(input, &persons)?;
        let mut t = TableBuilder::new();
        let groups: Vec<_> = t.groups(input.group_by);
        let [n, events, n_treatment, events_treatment, n_control, events_control, n_other_arm, min_cell] =
            [
                "n",
                "events",
                "n_treatment",
                "events_treatment",
                "n_control",
                "events_control",
                "n_other_arm",
                "min_cell",
            ]
            .map(|name| t.persons(name));
        let [hr, lower, upper] =
            ["hazard_ratio", "lower", "upper"].map(|name| t.mean(name, min_cell, 3));
        let p_value = t.mean("p_value", min_cell, 4);
        // n and events are the two arms' (persons of another arm are apart, in n_other_arm);
        // every person is in one group, so the groups' counts add up to (all)'s. (min_cell, the
        // smaller arm's events, is in no linear relation.)
        for (whole, parts) in [
            (n, [n_treatment, n_control]),
            (events, [events_treatment, events_control]),
        ] {
            t.relation(Relation::Sum {
                parts: parts.iter().map(|&c| t.name(c)).collect(),
                whole: t.name(whole),
            });
        }
        if let Some(&first) = groups.first() {
            t.relation(Relation::GroupsSumToTotal {
                group: t.name(first),
                keys: Vec::new(),
                columns: [
                    n,
                    events,
                    n_treatment,
                    events_treatment,
                    n_control,
                    events_control,
                    n_other_arm,
                ]
                .iter()
                .map(|&c| t.name(c))
                .collect(),
            });
        }
        let mut failures = Vec::new();
        let keys = persons.groups.keys();
        for (key, members) in keys.iter().zip(persons.groups.members()) {
            let (mut time, mut lost, mut treated) = (Vec::new(), Vec::new(), Vec::new());
            let mut other = 0i64;
            let mut counts = [[0i64; 2]; 2]; // [control, treatment] × [n, events]
            for i in members {
                let Some(spell) = &spells[i] else {
                    continue;
                };
                match spell.treated {
                    Some(arm) => {
                        time.push(f64::from(spell.time));
                        lost.push(spell.lost);
                        treated.push(arm);
                        counts[usize::from(arm)][0] += 1;
                        counts[usize::from(arm)][1] += i64::from(spell.lost);
                    }
                    None => other += 1,
                }
            }
            let [control, treatment] = counts;
            let mut row = t.row();
            for (&g, k) in groups.iter().zip(key) {
                row.text(g, k.as_str());
            }
            row.int(n, control[0] + treatment[0])
                .int(events, control[1] + treatment[1])
                .int(n_treatment, treatment[0])
                .int(events_treatment, treatment[1])
                .int(n_control, control[0])
                .int(events_control, control[1])
                .int(n_other_arm, other)
                .int(min_cell, treatment[1].min(control[1]));
            let label = if key.is_empty() {
                "everyone".to_string()
            } else {
                key.join(" × ")
            };
            let fit = if time.is_empty() {
                Err("nobody with a first month in the status in either arm".to_string())
            } else {
                hazard_ratio(&time, &lost, &treated, self.level).map_err(|err| err.to_string())
            };
            match fit {
                Ok(fit) => {
                    let c = fit.coefficients[0];
                    row.set(hr, Value::Float(c.hazard_ratio))
                        .set(lower, Value::Float(c.lower))
                        .set(upper, Value::Float(c.upper))
                        .set(p_value, Value::Float(c.p_value));
                }
                Err(err) => failures.push(format!("{label}: no hazard ratio: {err}")),
            }
        }
        let range = input.window.range();
        let status = &self.status;
        t.note(format!(
            "persons whose first month in {status} has rel_month {range}; time 0 = that month; event = the first later month not in {status}, at its distance in months (the spell's length); censored at the last observed month while still in {status}"
        ));
        t.note(format!(
            "hazard_ratio of losing {status}, treatment ({arm} = {t}) vs control ({arm} = {c}): Cox proportional hazards with the arm as the only covariate, Efron's method for tied times; {pct}% Wald interval exp(beta ± z·se) and two-sided Wald p_value; below 1: the treatment arm loses {status} less often; min_cell (the smaller arm's events) carries suppression; n_other_arm: persons with another {arm}, left out",
            arm = self.arm,
            t = self.treatment,
            c = self.control,
            pct = self.level * 100.0,
        ));
        for failure in failures {
            t.note(failure);
        }
        t.chart(Chart::Forest(Forest::new(
            "hazard_ratio",
            "lower",
            "upper",
            1.0,
            &format!(
                "hazard ratio of losing {}, treatment vs control ({}% interval)",
                plain(&self.status),
                self.level * 100.0
            ),
        )));
        Ok(t.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::testing::{
        check_err, first_column, float, groups_relation, int, resolve, resolve_err, run, run_err,
        strings, window,
    };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1e-3)
    }

    /// The spells of paid hours from rel_month 0 (first paid month, first later month without):
    ///   treatment: P10 first 13 (its coverage starts at 8), 14 not paid -> lost at 1;
    ///     P06 3, 4 not paid -> 1; P05 0, paid 0..3, 4 not -> 4; P01 3, paid through its last
    ///     month 8 -> censored at 5; P08, P03 never paid.
    ///   control: P07 0, 1, 2 paid, 3 not (flexjob without pay) -> 3; P04 0, 1 not -> 1;
    ///     P02 0 (week-53 start: January is month 0), paid through its last month 4 ->
    ///     censored at 4; P09 0 = its last month -> censored at 0; P11 has no month from 0.
    #[test]
    fn paid_hours_spells_by_hand() {
        let table = run(&DEF, "", &[], Window::default());
        assert_eq!(int(&table, &[], "n_treatment"), 4);
        assert_eq!(int(&table, &[], "events_treatment"), 3);
        assert_eq!(int(&table, &[], "n_control"), 4);
        assert_eq!(int(&table, &[], "events_control"), 2);
        assert_eq!(int(&table, &[], "n"), 8);
        assert_eq!(int(&table, &[], "events"), 5);
        assert_eq!(int(&table, &[], "n_other_arm"), 0);
        assert_eq!(int(&table, &[], "min_cell"), 2);
        // statsmodels PHReg(ties="efron") on times (1, 1, 4, 5c | 3, 1, 4c, 0c), treatment first:
        // beta 0.14417995476251166, se 0.9185410089022433.
        assert!(close(
            float(&table, &[], "hazard_ratio"),
            1.1550919541212332
        ));
        assert!(close(float(&table, &[], "lower"), 0.1908767511781934));
        assert!(close(float(&table, &[], "upper"), 6.990046793231664));
        assert!(close(float(&table, &[], "p_value"), 0.8752714322387799));
        // The same vectors straight into the estimator: the wiring adds nothing.
        assert_fitted(&table, &[], [1.0, 1.0, 4.0, 5.0, 3.0, 1.0, 4.0, 0.0]);
        assert!(table.notes.iter().any(|n| n.contains("Efron")));
        assert!(table.notes.iter().any(|n| n.contains("Wald")));
    }

    /// The row's hazard ratio is the estimator's on `times`: four treatment persons (losing at
    /// the first three), then four control persons (losing at the first two).
    fn assert_fitted(table: &Table, group: &[&str], times: [f64; 8]) {
        let lost = [true, true, true, false, true, true, false, false];
        let treated = [true, true, true, true, false, false, false, false];
        let fit = hazard_ratio(&times, &lost, &treated, 0.95).unwrap();
        assert_eq!(
            table.cell(group, "hazard_ratio"),
            Some(&Value::Float(fit.coefficients[0].hazard_ratio))
        );
    }

    #[test]
    fn by_project_with_failures_as_notes() {
        // BIR: P10 (treatment, lost at 1) and P04 (control, lost at 1), a tie with both at risk.
        //   Efron: l(b) = b - 2 log(1 + e^b) + log 2, maximal at b = 0: HR 1; information
        //   2 e^b / (1 + e^b)^2 = 1/2, se = sqrt 2; p = 1; CI exp(±1.959964 * sqrt 2).
        // AP: P05 (treatment, lost at 4) and P07 (control, lost at 3): at 3 the control loses
        //   with both at risk, at 4 the treatment alone: the likelihood rises without end as
        //   b -> -inf: no estimate.
        // FSM2: P06 (treatment, lost at 1), P01 (treatment, censored 5), P02, P09 (control,
        //   censored): no control events: no estimate.
        let table = run(&DEF, "", &["project"], Window::default());
        assert_eq!(int(&table, &["BIR"], "n"), 2);
        assert!(close(float(&table, &["BIR"], "hazard_ratio"), 1.0));
        let half = (1.959_963_984_540_054 * 2f64.sqrt()).exp();
        assert!(close(float(&table, &["BIR"], "upper"), half));
        assert!(close(float(&table, &["BIR"], "lower"), 1.0 / half));
        assert!(close(float(&table, &["BIR"], "p_value"), 1.0));
        assert_eq!(table.cell(&["AP"], "hazard_ratio"), Some(&Value::Null));
        assert_eq!(int(&table, &["AP"], "events"), 2);
        assert_eq!(table.cell(&["FSM2"], "hazard_ratio"), Some(&Value::Null));
        assert_eq!(int(&table, &["FSM2"], "events_control"), 0);
        assert_eq!(int(&table, &["FSM2"], "n_control"), 2);
        assert_eq!(int(&table, &["(all)"], "n"), 8);
        assert_eq!(first_column(&table), ["AP", "BIR", "FSM2", "(all)"]);
        assert!(
            table
                .notes
                .iter()
                .any(|n| n.starts_with("AP: no hazard ratio") && n.contains("infinite")),
            "{:?}",
            table.notes
        );
        assert!(table
            .notes
            .iter()
            .any(|n| n.starts_with("FSM2: no hazard ratio")));
    }

    #[test]
    fn other_arms_window_and_no_events() {
        // Arms from project: treatment FSM2, control AP; BIR persons with a spell (P10, P04)
        // are left out as another arm. FSM2: P06 lost 1, P01 c5, P02 c4, P09 c0; AP: P05 lost
        // 4, P07 lost 3.
        let params = "arm = \"project\"\ntreatment = \"FSM2\"\ncontrol = \"AP\"";
        let table = run(&DEF, params, &[], Window::default());
        assert_eq!(int(&table, &[], "n_other_arm"), 2);
        assert_eq!(int(&table, &[], "n_treatment"), 4);
        assert_eq!(int(&table, &[], "events_treatment"), 1);
        assert_eq!(int(&table, &[], "n_control"), 2);
        assert_eq!(int(&table, &[], "events_control"), 2);
        assert!(matches!(
            table.cell(&[], "hazard_ratio"),
            Some(Value::Float(_))
        ));
        // Window 4..6: first paid month in it: P10 none (13); P06 none (3, 7); P05 none;
        // P01 4 (paid through 8: censored at 4); P07 4 (paid through 7: censored 3); P04 4
        // (through 6: censored 2); P02 4 = its last month: censored 0. Nobody loses: no
        // events, no estimate; n 4.
        let table = run(&DEF, "", &[], window(4, Some(6)));
        assert_eq!(int(&table, &[], "n"), 4);
        assert_eq!(int(&table, &[], "events"), 0);
        assert_eq!(table.cell(&[], "hazard_ratio"), Some(&Value::Null));
        assert!(
            table.notes.iter().any(|n| n.contains("no events")),
            "{:?}",
            table.notes
        );
        // A status nobody has: n 0, a note.
        let params =
            "status = \"other_benefit\"\narm = \"sex\"\ntreatment = \"F\"\ncontrol = \"M\"";
        let table = run(&DEF, params, &[], window(0, Some(0)));
        assert_eq!(int(&table, &[], "n"), 0);
        assert_eq!(table.cell(&[], "p_value"), Some(&Value::Null));
    }

    #[test]
    fn a_spell_starting_before_the_window_is_counted_from_the_window() {
        // Window from -4: P04's first paid month is -4 (paid -4..0, 1 not): lost at 5. The
        // others as from 0 (no paid months in -4..-1): P07 3, P02 c4, P09 c0 (control), so the
        // control events are P07 (3) and P04 (5).
        let table = run(&DEF, "", &["arm"], window(-4, None));
        assert_eq!(int(&table, &["control"], "events_control"), 2);
        assert_eq!(int(&table, &["control"], "n_treatment"), 0);
        assert_eq!(table.cell(&["control"], "hazard_ratio"), Some(&Value::Null));
        assert_fitted(&table, &["(all)"], [1.0, 1.0, 4.0, 5.0, 3.0, 5.0, 4.0, 0.0]);
    }

    #[test]
    fn the_declared_relations_hold() {
        let sums = vec![
            Relation::Sum {
                parts: strings(&["n_treatment", "n_control"]),
                whole: "n".into(),
            },
            Relation::Sum {
                parts: strings(&["events_treatment", "events_control"]),
                whole: "events".into(),
            },
        ];
        let cases: [(&str, &[&str], Window); 7] = [
            ("", &[], Window::default()),
            ("", &["project"], Window::default()),
            ("", &["arm"], window(-4, None)),
            ("", &["sex", "municipality"], window(0, Some(6))),
            (
                "arm = \"project\"\ntreatment = \"FSM2\"\ncontrol = \"AP\"",
                &["arm"],
                Window::default(),
            ),
            (
                "status = \"employment\"",
                &["municipality"],
                Window::default(),
            ),
            (
                "status = \"self_support\"",
                &["project", "sex"],
                Window::default(),
            ),
        ];
        for (params, group_by, window) in cases {
            let table = run(&DEF, params, group_by, window);
            let case = format!("{params} by {group_by:?}");
            assert_eq!(table.relation_violations(), Vec::<String>::new(), "{case}");
            let mut expected = sums.clone();
            if let Some(first) = group_by.first() {
                // Every count but min_cell.
                let counts = "n events n_treatment events_treatment n_control events_control";
                let mut columns: Vec<&str> = counts.split(' ').collect();
                columns.push("n_other_arm");
                expected.push(groups_relation(first, &[], &columns));
            }
            assert_eq!(table.relations, expected, "{case}");
        }
        // Break one arm's count: its row's sum and the total.
        let mut table = run(&DEF, "", &["project"], Window::default());
        let c = table.column_index("n_control").unwrap();
        table.rows[1][c] = Value::Int(2); // BIR: 1 control, not 2
        assert_eq!(
            table.relation_violations(),
            [
                "row 1: the parts of n add up to 3, not 2",
                "row 3: the groups of n_control add up to 5, not 4",
            ]
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = resolve_err(&DEF, "ties = \"breslow\"");
        assert!(err.contains("efron") && err.contains("ties"), "{err}");
        let err = resolve_err(&DEF, "ci = \"profile\"");
        assert!(err.contains("wald") && err.contains("ci"), "{err}");
        let err = resolve_err(&DEF, "arms = \"arm\"");
        assert!(err.contains("unknown field `arms`"), "{err}");
        let err = check_err(&DEF, "control = \"treatment\"", &Window::default());
        assert!(err.starts_with("treatment = control"), "{err}");
        let err = check_err(&DEF, "level = 1.5", &Window::default());
        assert!(err.starts_with("level = 1.5"), "{err}");
        // An arm column the cohort lacks is named at compute time.
        let err = run_err(&DEF, "arm = \"group\"", &[], Window::default());
        assert_eq!(
            err,
            "arm: the cohort has no column \"group\" (its columns: arm, project, municipality, sex, birth_year)"
        );
    }

    #[test]
    fn resolved_parameters_show_the_methods() {
        let resolved = resolve(&DEF, "").resolved();
        assert_eq!(resolved.get("ties").and_then(|v| v.as_str()), Some("efron"));
        assert_eq!(resolved.get("ci").and_then(|v| v.as_str()), Some("wald"));
        assert_eq!(resolved.get("test").and_then(|v| v.as_str()), Some("wald"));
        assert_eq!(
            resolved.get("status").and_then(|v| v.as_str()),
            Some("paid_hours")
        );
        assert_eq!(resolved.get("arm").and_then(|v| v.as_str()), Some("arm"));
    }
}
