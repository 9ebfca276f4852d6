//! `history` (spec `metrics.md` §3.10): labour-market history in a window of weeks before the
//! start week. Per person, the degree (share of the window's covered weeks) on public support, on
//! social assistance, in employment, in self-support and on sickness benefit, and the number of
//! internship spells (maximal runs of consecutive internship weeks); per group the mean degree
//! and the share touched (degree > 0) of each, and the shares with 0 / >= 1 / >= 2 / >= 3 spells.
//! Reproduces 004 Table 2 and 003's history ("2 weeks employed in the last 3 years").
//!
//! A week is *covered* when it lies inside DREAM's coverage and its month (Thursday rule) is a
//! panel month (observed, and inside the panel's range before start). Degrees are over the
//! covered weeks; a person with fewer covered weeks than the window is counted in `n_short` (and
//! still counted over the weeks there are); a person with none is left out and counted in
//! `n_no_weeks`.

use super::{resolve, Compute, MetricDef, MetricInput};
use crate::calendar::Week;
use crate::measure::check_weeks;
use crate::measure::common::{
    by_group, group, groups_sum_to_total, mean, mean_bounding, persons, polars, population,
    row_sum, share_of, stable_mean, texts, to_table, Spec,
};
use crate::measure::weeks::{
    category_index, person_rows, require_columns, runs, MonthFlags, PersonRow,
};
use crate::table::chart::{plain, Bars};
use crate::table::{Chart, Relation, Table};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const DEF: MetricDef = MetricDef {
    name: "history",
    summary: "degree on public support, social assistance, employment, self-support, sickness and internship spells in the weeks before start",
    resolve: resolve::<History>,
    outcome: None,
    window: super::WindowKeys::Rel,
    followup_end: false,
    example: "[params]\nweeks_before = 26\n",
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Mean share of the covered weeks (0..1).
    Degree,
    /// Mean number of weeks.
    Weeks,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct History {
    /// The window: the `weeks_before` ISO weeks before the start week (start week − weeks_before
    /// .. start week − 1).
    pub weeks_before: u32,
    /// Report mean degrees or mean weeks.
    pub unit: Unit,
    /// The panel status whose months make a self-supporting week an employed one.
    pub employment_status: String,
    /// The DREAM category whose runs of consecutive weeks are counted as spells.
    pub spell_category: String,
    /// Where the window ends: at each person's start week (`"start"`), or at the first start week
    /// of the person's group (`"first_start"`: the weeks before the project began, one window
    /// for everyone of a `group_by` group).
    pub anchor: Anchor,
}

/// [`History::anchor`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    Start,
    FirstStart,
}

impl Default for History {
    fn default() -> Self {
        History {
            weeks_before: 104,
            unit: Unit::Degree,
            employment_status: "paid_hours".into(),
            spell_category: "internship".into(),
            anchor: Anchor::Start,
        }
    }
}

/// The week measures, in column order.
const MEASURES: [&str; 5] = [
    "public_support",
    "social_assistance",
    "employment",
    "self_support",
    "sickness",
];

impl History {
    fn validate(&self) -> Result<usize, String> {
        if self.weeks_before == 0 {
            return Err("weeks_before: must be at least 1 week".into());
        }
        check_weeks("weeks_before", self.weeks_before)?;
        category_index(&self.spell_category, "spell_category")
    }

    /// The week each person's window ends before: their start week, or their group's first.
    fn anchors(&self, input: &MetricInput<'_>, people: &[PersonRow]) -> Result<Vec<Week>> {
        let starts = people.iter().map(|p| p.start_week);
        if self.anchor == Anchor::Start {
            return Ok(starts.collect());
        }
        let columns: Vec<Vec<String>> = input
            .group_by
            .iter()
            .map(|g| texts(&input.persons, g))
            .collect::<Result<_>>()?;
        let key = |i: usize| -> Vec<&str> { columns.iter().map(|c| c[i].as_str()).collect() };
        let mut first: HashMap<Vec<&str>, Week> = HashMap::new();
        for (i, start) in starts.enumerate() {
            first
                .entry(key(i))
                .and_modify(|w| *w = (*w).min(start))
                .or_insert(start);
        }
        Ok((0..people.len()).map(|i| first[&key(i)]).collect())
    }

    fn value_column(&self, measure: &str) -> String {
        match self.unit {
            Unit::Degree => format!("mean_degree_{measure}"),
            Unit::Weeks => format!("mean_weeks_{measure}"),
        }
    }
}

/// One person's counts of covered weeks.
#[derive(Default)]
struct Counts {
    covered: u32,
    /// In [`MEASURES`] order.
    weeks: [u32; 5],
    spells: u32,
    /// DREAM weeks left out because their month is before the panel's range.
    lost_to_panel_range: u32,
}

impl Compute for History {
    fn statuses(&self) -> Vec<String> {
        vec![self.employment_status.clone()]
    }

    fn check(&self, _window: &super::Window) -> Result<(), String> {
        self.validate().map(|_| ())
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        let spell_category = self.validate().map_err(|e| anyhow!(e))?;
        require_columns(
            input,
            std::slice::from_ref(&self.employment_status),
            "employment_status",
        )?;
        let social_assistance = category_index("social_assistance", "social_assistance")
            .map_err(|e| anyhow!("internal: {e}"))?;
        let sickness =
            category_index("sickness", "sickness").map_err(|e| anyhow!("internal: {e}"))?;
        let before = self.weeks_before as i32;
        let people = person_rows(input, DEF.name)?;
        let anchors = self.anchors(input, &people)?;
        // The window's months run from the month of its first week up to the start month (the
        // week before the start week has its Thursday before the start date).
        let lo = people
            .iter()
            .zip(&anchors)
            .map(|(p, anchor)| anchor.offset(-before).month().since(p.start_month))
            .min()
            .unwrap_or(0);
        let flags = MonthFlags::build(
            input,
            &people,
            col(self.employment_status.as_str()),
            lo,
            0,
            DEF.name,
        )?;
        let weeks = &input.panel.weeks;
        let months_before = input.panel.options.months_before as i32;

        let counts: Vec<Counts> = people
            .iter()
            .zip(&anchors)
            .map(|(p, anchor)| {
                let mut c = Counts::default();
                let first = anchor.offset(-before);
                let mut month = first.month();
                let mut month_end = month.weeks().end().index();
                let mut spell_weeks = Vec::with_capacity(self.weeks_before as usize);
                for k in 0..before {
                    let week = first.offset(k);
                    if week.index() > month_end {
                        month = month.offset(1);
                        month_end = month.weeks().end().index();
                    }
                    let rel = month.since(p.start_month);
                    let paid = match (weeks.covers(week), flags.get(p.person, rel)) {
                        (true, Some(paid)) => paid,
                        (covered, _) => {
                            if covered && rel < -months_before {
                                c.lost_to_panel_range += 1;
                            }
                            spell_weeks.push(false);
                            continue;
                        }
                    };
                    let state = weeks.get(p.person, week);
                    let category = state.category();
                    let public = state.public_support();
                    c.covered += 1;
                    let flags = [
                        public,
                        category == Some(social_assistance),
                        !public && paid,
                        !public,
                        category == Some(sickness),
                    ];
                    for (count, flag) in c.weeks.iter_mut().zip(flags) {
                        *count += flag as u32;
                    }
                    spell_weeks.push(category == Some(spell_category));
                }
                c.spells = runs(spell_weeks).0;
                c
            })
            .collect();

        let included = |c: &Counts| c.covered > 0;
        let mut columns = vec![
            Column::new(
                "included".into(),
                counts.iter().map(included).collect::<Vec<_>>(),
            ),
            Column::new(
                "short".into(),
                counts
                    .iter()
                    .map(|c| included(c) && c.covered < self.weeks_before)
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "covered_weeks".into(),
                counts
                    .iter()
                    .map(|c| included(c).then_some(c.covered as f64))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "spells".into(),
                counts
                    .iter()
                    .map(|c| included(c).then_some(c.spells as i64))
                    .collect::<Vec<_>>(),
            ),
        ];
        for (m, measure) in MEASURES.iter().enumerate() {
            columns.push(Column::new(
                format!("value_{measure}").into(),
                counts
                    .iter()
                    .map(|c| {
                        included(c).then(|| match self.unit {
                            Unit::Degree => c.weeks[m] as f64 / c.covered as f64,
                            Unit::Weeks => c.weeks[m] as f64,
                        })
                    })
                    .collect::<Vec<_>>(),
            ));
            columns.push(Column::new(
                format!("touched_{measure}").into(),
                counts
                    .iter()
                    .map(|c| included(c) && c.weeks[m] > 0)
                    .collect::<Vec<_>>(),
            ));
        }
        let frame = input
            .persons
            .hstack(&columns)
            .map_err(|e| polars(DEF.name, e))?
            .lazy();

        let sum = |expr: Expr, name: &str| expr.cast(DataType::Int64).sum().alias(name);
        let mut aggs = vec![
            sum(col("included"), "n"),
            sum(col("short"), "n_short"),
            sum(col("included").not(), "n_no_weeks"),
            col("covered_weeks").mean().alias("mean_covered_weeks"),
        ];
        for measure in MEASURES {
            aggs.push(sum(
                col(format!("touched_{measure}").as_str()),
                &format!("touched_{measure}"),
            ));
            aggs.push(
                stable_mean(col(format!("value_{measure}").as_str()), 9)
                    .alias(self.value_column(measure).as_str()),
            );
        }
        let thresholds = [
            ("0", None),
            ("1plus", Some(1)),
            ("2plus", Some(2)),
            ("3plus", Some(3)),
        ];
        for (suffix, at_least) in thresholds {
            let test = match at_least {
                None => col("spells").eq(lit(0i64)),
                Some(k) => col("spells").gt_eq(lit(k as i64)),
            };
            aggs.push(sum(test.fill_null(lit(false)), &format!("spells_{suffix}")));
        }
        aggs.push(
            col("spells")
                .cast(DataType::Float64)
                .mean()
                .alias("mean_spells"),
        );
        let result = by_group(frame, input.group_by, &aggs).map_err(|e| polars(DEF.name, e))?;

        let names: Vec<[String; 3]> = MEASURES
            .iter()
            .map(|m| {
                [
                    format!("touched_{m}"),
                    format!("share_touched_{m}"),
                    self.value_column(m),
                ]
            })
            .collect();
        let spell_names: Vec<[String; 2]> = thresholds
            .iter()
            .map(|(suffix, _)| [format!("spells_{suffix}"), format!("share_spells_{suffix}")])
            .collect();
        let decimals = match self.unit {
            Unit::Degree => 3,
            Unit::Weeks => 1,
        };
        let mut specs: Vec<Spec<'_>> = input.group_by.iter().map(|g| group(g)).collect();
        specs.extend([
            persons("n"),
            persons("n_short"),
            persons("n_no_weeks"),
            mean("mean_covered_weeks", "n", 1),
        ]);
        // A mean over the n persons is a sum made by those with a value (spec `disclosure.md`
        // §2: a sum needs T persons behind it): its suppression rests on them, so a mean never
        // gives back how many touched a benefit, or had a spell.
        for [touched, share, value] in &names {
            specs.push(persons(touched));
            specs.push(share_of(share, touched, "n"));
            specs.push(mean(value, touched, decimals));
        }
        for [count, share] in &spell_names {
            specs.push(persons(count));
            specs.push(share_of(share, count, "n"));
        }
        // The number of spells is at least spells_1plus + spells_2plus + …: beside the ladder
        // the mean pins a hidden rung, so it is hidden with any of them.
        let rungs: Vec<&str> = spell_names
            .iter()
            .map(|[count, _]| count.as_str())
            .filter(|count| *count != "spells_0")
            .collect();
        specs.push(mean_bounding("mean_spells", "spells_1plus", &rungs, 2));
        let mut table = to_table(&result, &specs)?;
        // Each of the n persons has 0 spells or at least 1 (the n_no_weeks have none counted);
        // every person is in one group, so the groups' counts add up to the total.
        table
            .relations
            .push(row_sum(&["spells_0", "spells_1plus"], "n"));
        let mut summed = vec!["n", "n_short", "n_no_weeks"];
        summed.extend(names.iter().map(|[touched, _, _]| touched.as_str()));
        summed.extend(spell_names.iter().map(|[count, _]| count.as_str()));
        table
            .relations
            .extend(groups_sum_to_total(input.group_by, &[], &summed));
        // What a reader knows from the definitions: employment is self-support with paid hours,
        // and the spell ladder only falls. Social assistance is a public-support benefit in the
        // default code table; a dataset's own table may differ, so that one is declared only
        // where it holds.
        let mut orderings: Vec<(&str, &str)> = vec![("touched_employment", "touched_self_support")];
        orderings.extend(rungs.windows(2).map(|pair| (pair[1], pair[0])));
        orderings.push(("touched_social_assistance", "touched_public_support"));
        for (smaller, larger) in orderings {
            table.relations.push(Relation::AtMost {
                smaller: smaller.into(),
                larger: larger.into(),
            });
        }
        // Every other relation holds by construction: a violation is the last one's.
        if !table.relation_violations().is_empty() {
            table.relations.pop();
        }
        // A person without covered weeks is left out of n, into n_no_weeks.
        table.relations.push(population(&["n", "n_no_weeks"]));

        table.notes.push(format!(
            "window: the {} ISO weeks before {}; a week counts when inside DREAM's coverage and its month (Thursday rule) is a panel month; {}: {} over those weeks; public_support: a public-support code; self_support: none; employment: self-supporting in a month with {}; sickness and social_assistance: a code of that category; touched: at least one such week; spells: maximal runs of consecutive {} weeks",
            self.weeks_before,
            match self.anchor {
                Anchor::Start => "each person's start week",
                Anchor::FirstStart => "the first start week of the person's group",
            },
            match self.unit {
                Unit::Degree => "mean_degree_*",
                Unit::Weeks => "mean_weeks_*",
            },
            match self.unit {
                Unit::Degree => "each person's share of weeks (0..1), averaged",
                Unit::Weeks => "each person's number of weeks, averaged",
            },
            self.employment_status,
            self.spell_category,
        ));
        table.notes.push(
            "n_short: persons with fewer covered weeks than the window, still counted over the weeks there are; n_no_weeks: persons with no covered week, left out of n".into(),
        );
        let lost = counts.iter().filter(|c| c.lost_to_panel_range > 0).count();
        if lost > 0 {
            table.notes.push(format!(
                "{lost} persons have DREAM weeks in the window whose month lies before the panel's {months_before} months before start; those weeks are not covered (build the panel with more months before start to keep them)"
            ));
        }
        let bars: Vec<(&str, String)> = names
            .iter()
            .zip(MEASURES)
            .map(|([_, share, _], measure)| (share.as_str(), plain(measure)))
            .collect();
        let bars: Vec<(&str, &str)> = bars.iter().map(|(c, l)| (*c, l.as_str())).collect();
        Ok(table.with_chart(Chart::Bars(Bars::shares(
            &bars,
            Some("n"),
            &format!(
                "persons with at least one such week in the {} weeks before start (%)",
                self.weeks_before
            ),
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::common::row_sum;
    use crate::metrics::testing::{
        assert_close, assert_relations, check_err, float, groups_relation, resolve_err, run,
        run_err,
    };
    use crate::metrics::Window;
    use crate::table::Value;

    // Degrees are summed as integers of 1e-9 (stable_mean), so they are exact to about 1e-9:
    // `assert_close`.

    // The tiny panel's covered weeks are 2020-W27 .. 2021-W21 (DREAM starts at W27; the last
    // panel month is 2021-05, whose last week is W21). With the default 104 weeks every window
    // reaches back before W27, so each person's covered weeks run from W27 to the week before
    // the start week:
    //   P10 start 2019-W45: window ends 2019-W44 → no covered week (n_no_weeks).
    //   P08 2020-W33 → W27–W32, 6 weeks, all 890 (sickness).
    //   P06 2020-W34 → W27–W33, 7 weeks, all 720 (social assistance).
    //   P05 2020-W38 → W27–W37, 11 weeks, all 111 (UI).
    //   P01 2020-W40 (Wed 30 Sep) → W27–W39, 13 weeks, all 730 (social assistance).
    //   P07 2020-W41 → W27–W40, 14 weeks, all 740 (flexjob_unemployment).
    //   P03 2020-W42 → W27–W41, 15 weeks, no DREAM row: self-supporting, no income.
    //   P04 2020-W45 → W27–W44, 18 weeks, blank row; paid hours Jul–Oct 2020 → 18 employed.
    //   P02 2020-W53 (Fri 1 Jan 2021) → W27–W52, 26 weeks, all 111 (W53 itself is the start
    //     week, so not in the window).
    //   P09 2021-W20 → 2020-W27..2021-W19, 27 + 19 = 46 weeks: 111 ×9, 881 ×18, 412 ×5, 760 ×7,
    //     730 ×7 (W13–W19), all public support.
    //   P11 2021-W23 → 2020-W27..2021-W21 = 48 weeks of 730; 2021-W22 is in DREAM but its month
    //     (June) is after income coverage, so it is not covered.
    // n = 10, all short of 104 weeks.

    #[test]
    fn degrees_two_years_before_start() {
        let table = run(&DEF, "", &[], Window::default());
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(10)));
        assert_eq!(table.cell(&[], "n_short"), Some(&Value::Int(10)));
        assert_eq!(table.cell(&[], "n_no_weeks"), Some(&Value::Int(1)));
        // (6+7+11+13+14+15+18+26+46+48) / 10 = 204 / 10
        assert_close(float(&table, &[], "mean_covered_weeks"), 20.4);
        // Public support: degree 1 for all but P03 and P04 → 8 touched, mean 8/10.
        assert_eq!(
            table.cell(&[], "touched_public_support"),
            Some(&Value::Int(8))
        );
        assert_close(float(&table, &[], "share_touched_public_support"), 0.8);
        assert_close(float(&table, &[], "mean_degree_public_support"), 0.8);
        // Social assistance: P06 1, P01 1, P09 7/46, P11 1 → (3 + 7/46) / 10.
        assert_eq!(
            table.cell(&[], "touched_social_assistance"),
            Some(&Value::Int(4))
        );
        assert_close(
            float(&table, &[], "mean_degree_social_assistance"),
            (3.0 + 7.0 / 46.0) / 10.0,
        );
        // Employment: P04 only (degree 1); P07's paid Oct 2020 is after its window and on
        // benefit anyway.
        assert_eq!(table.cell(&[], "touched_employment"), Some(&Value::Int(1)));
        assert_close(float(&table, &[], "mean_degree_employment"), 0.1);
        // Self-support: P03 and P04 (degree 1 each).
        assert_eq!(
            table.cell(&[], "touched_self_support"),
            Some(&Value::Int(2))
        );
        assert_close(float(&table, &[], "mean_degree_self_support"), 0.2);
        // Sickness: P08 (890 in all 6 weeks).
        assert_eq!(table.cell(&[], "touched_sickness"), Some(&Value::Int(1)));
        assert_close(float(&table, &[], "mean_degree_sickness"), 0.1);
        // No internship before anyone's start (P01's 737 weeks begin after its start).
        assert_eq!(table.cell(&[], "spells_0"), Some(&Value::Int(10)));
        assert_eq!(table.cell(&[], "share_spells_0"), Some(&Value::Float(1.0)));
        assert_eq!(table.cell(&[], "spells_1plus"), Some(&Value::Int(0)));
        assert_eq!(
            table.cell(&[], "share_spells_1plus"),
            Some(&Value::Float(0.0))
        );
        assert_eq!(table.cell(&[], "mean_spells"), Some(&Value::Float(0.0)));
    }

    #[test]
    fn unit_weeks_reports_mean_weeks() {
        // Public: (6+7+11+13+14+0+0+26+46+48)/10 = 17.1; social assistance (7+13+7+48)/10 = 7.5;
        // employment 18/10; self-support (15+18)/10; sickness 6/10.
        let table = run(&DEF, "unit = \"weeks\"", &[], Window::default());
        assert!(table.column_index("mean_degree_public_support").is_none());
        assert_close(float(&table, &[], "mean_weeks_public_support"), 17.1);
        assert_close(float(&table, &[], "mean_weeks_social_assistance"), 7.5);
        assert_close(float(&table, &[], "mean_weeks_employment"), 1.8);
        assert_close(float(&table, &[], "mean_weeks_self_support"), 3.3);
        assert_close(float(&table, &[], "mean_weeks_sickness"), 0.6);
    }

    #[test]
    fn a_short_window_and_short_persons() {
        // weeks_before = 10:
        //   P08 W23–W32 → 6 covered (short); P06 W24–W33 → 7 (short);
        //   P05 W28–W37, P01 W30–W39, P07 W31–W40, P03 W32–W41, P04 W35–W44 (paid Aug–Oct:
        //   10 employed), P02 W43–W52, P09 2021-W10..W19 (760 ×3, 730 ×7) → 10 each;
        //   P11 2021-W13..W22 → W22 (June) not covered → 9 (short), all 730; P10 none.
        let table = run(&DEF, "weeks_before = 10", &[], Window::default());
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(10)));
        assert_eq!(table.cell(&[], "n_short"), Some(&Value::Int(3)));
        // (6+7+10*7+9)/10 = 92/10
        assert_close(float(&table, &[], "mean_covered_weeks"), 9.2);
        // Social assistance: P06 1, P01 1, P09 7/10, P11 1 → 3.7 / 10.
        assert_close(float(&table, &[], "mean_degree_social_assistance"), 0.37);
        assert_close(float(&table, &[], "mean_degree_employment"), 0.1);
    }

    #[test]
    fn windows_before_the_groups_first_start() {
        // anchor = first_start, 10 weeks, by arm. Control (P07, P04, P02, P09, P11) first starts
        // with P07 in 2020-W41, so every control window is W31–W40, all covered: P07 740 ×10,
        // P04 no code but paid Jul–Oct (10 employed), P02 111 ×10, P09 111 ×5 then 881 ×5,
        // P11 730 ×10 (social assistance). Treatment first starts with P10 in 2019-W45: its
        // window 2019-W35..W44 is before DREAM, so nobody of treatment has a covered week.
        let table = run(
            &DEF,
            "weeks_before = 10\nanchor = \"first_start\"",
            &["arm"],
            Window::default(),
        );
        let int = |group: &str, name: &str| table.cell(&[group], name).cloned();
        assert_eq!(int("control", "n"), Some(Value::Int(5)));
        assert_eq!(int("control", "n_short"), Some(Value::Int(0)));
        assert_eq!(int("treatment", "n"), Some(Value::Int(0)));
        assert_eq!(int("treatment", "n_no_weeks"), Some(Value::Int(6)));
        assert_close(float(&table, &["control"], "mean_degree_employment"), 0.2);
        assert_close(
            float(&table, &["control"], "mean_degree_social_assistance"),
            0.2,
        );
        assert!(table.notes[0].contains("the first start week of the person's group"));
    }

    #[test]
    fn the_week_before_a_week_53_start() {
        // weeks_before = 1: each person's window is the week before the start week.
        //   P10 → 2019-W44 and P11 → 2021-W22 (month June, after income coverage): not covered,
        //   so n_no_weeks = 2 and n = 9, none short.
        //   P02 (start week 2020-W53) → 2020-W52, 111; P08 W32 890; P06 W33 720; P05 W37 111;
        //   P01 W39 730; P07 W40 740; P09 2021-W19 730 → 7 on public support; P03 W41 and P04
        //   W44 have no code.
        let table = run(&DEF, "weeks_before = 1", &[], Window::default());
        assert_eq!(table.cell(&[], "n"), Some(&Value::Int(9)));
        assert_eq!(table.cell(&[], "n_no_weeks"), Some(&Value::Int(2)));
        assert_eq!(table.cell(&[], "n_short"), Some(&Value::Int(0)));
        assert_eq!(
            table.cell(&[], "touched_public_support"),
            Some(&Value::Int(7))
        );
        assert_close(float(&table, &[], "mean_covered_weeks"), 1.0);
    }

    #[test]
    fn spells_of_another_category_and_groups() {
        // spell_category = social_assistance: one run each for P06, P01, P09 (W13–W19), P11
        // → 1plus 4 of 10, 2plus 0, mean 0.4.
        let params = "spell_category = \"social_assistance\"";
        let table = run(&DEF, params, &["arm"], Window::default());
        assert_eq!(table.cell(&["(all)"], "spells_1plus"), Some(&Value::Int(4)));
        assert_eq!(table.cell(&["(all)"], "spells_2plus"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&["(all)"], "spells_0"), Some(&Value::Int(6)));
        assert_close(float(&table, &["(all)"], "mean_spells"), 0.4);
        // Treatment: P10 (no weeks), P08, P06, P05, P01, P03 → n 5; spells P06, P01 → 2/5.
        // Control: P07, P04, P02, P09, P11 → n 5; spells P09, P11 → 2/5; employment P04 → 1/5.
        assert_eq!(table.cell(&["treatment"], "n"), Some(&Value::Int(5)));
        assert_eq!(
            table.cell(&["treatment"], "n_no_weeks"),
            Some(&Value::Int(1))
        );
        assert_close(float(&table, &["treatment"], "share_spells_1plus"), 0.4);
        assert_eq!(table.cell(&["control"], "n_no_weeks"), Some(&Value::Int(0)));
        assert_close(float(&table, &["control"], "mean_degree_employment"), 0.2);
        assert_close(float(&table, &["treatment"], "mean_degree_employment"), 0.0);
    }

    #[test]
    fn a_group_with_no_covered_weeks_is_null_not_nan() {
        // One group per person: P10's group has no covered week, so n 0 and every share and
        // mean of it is Null.
        let table = run(&DEF, "", &["person_id"], Window::default());
        assert_eq!(table.cell(&["P10"], "n"), Some(&Value::Int(0)));
        assert_eq!(table.cell(&["P10"], "n_no_weeks"), Some(&Value::Int(1)));
        assert_eq!(
            table.cell(&["P10"], "share_touched_public_support"),
            Some(&Value::Null)
        );
        assert_eq!(
            table.cell(&["P10"], "mean_degree_public_support"),
            Some(&Value::Null)
        );
        assert_eq!(table.cell(&["P10"], "mean_spells"), Some(&Value::Null));
        // P09: social assistance 7 of 46 weeks.
        assert_close(
            float(&table, &["P09"], "mean_degree_social_assistance"),
            7.0 / 46.0,
        );
    }

    #[test]
    fn spells_add_up_to_n_and_groups_to_the_total() {
        // After the sums, the orderings a reader knows: employment within self-support, the
        // spell ladder falling, social assistance within public support (true on tiny).
        let ordered = |mut relations: Vec<Relation>| {
            for (smaller, larger) in [
                ("touched_employment", "touched_self_support"),
                ("spells_2plus", "spells_1plus"),
                ("spells_3plus", "spells_2plus"),
                ("touched_social_assistance", "touched_public_support"),
            ] {
                relations.push(Relation::AtMost {
                    smaller: smaller.into(),
                    larger: larger.into(),
                });
            }
            relations
        };
        let split = row_sum(&["spells_0", "spells_1plus"], "n");
        let summed = [
            "n",
            "n_short",
            "n_no_weeks",
            "touched_public_support",
            "touched_social_assistance",
            "touched_employment",
            "touched_self_support",
            "touched_sickness",
            "spells_0",
            "spells_1plus",
            "spells_2plus",
            "spells_3plus",
        ];
        assert_relations(
            &run(&DEF, "", &[], Window::default()),
            &ordered(vec![split.clone()]),
        );
        let params = "spell_category = \"social_assistance\"";
        let table = run(&DEF, params, &["arm"], Window::default());
        assert_relations(
            &table,
            &ordered(vec![split.clone(), groups_relation("arm", &[], &summed)]),
        );
        let params = "weeks_before = 10\nunit = \"weeks\"";
        let table = run(&DEF, params, &["municipality", "sex"], Window::default());
        assert_relations(
            &table,
            &ordered(vec![
                split.clone(),
                groups_relation("municipality", &[], &summed),
            ]),
        );
        assert_relations(
            &run(&DEF, "weeks_before = 1", &["person_id"], Window::default()),
            &ordered(vec![split, groups_relation("person_id", &[], &summed)]),
        );
    }

    #[test]
    fn bad_parameters_are_named() {
        let err = resolve_err(&DEF, "unit = \"days\"");
        assert!(err.contains("unknown variant `days`"), "{err}");
        assert!(err.contains("unit"), "{err}");
        let err = resolve_err(&DEF, "weeks_befor = 104");
        assert!(err.contains("unknown field `weeks_befor`"), "{err}");
        let w = Window::default();
        let err = check_err(&DEF, "weeks_before = 0", &w);
        assert!(err.starts_with("weeks_before:"), "{err}");
        let err = check_err(&DEF, "spell_category = \"praktik\"", &w);
        assert!(
            err.starts_with("spell_category: unknown DREAM category"),
            "{err}"
        );
        let err = run_err(&DEF, "employment_status = \"job\"", &[], w);
        assert!(
            err.starts_with("employment_status: the panel has no status \"job\""),
            "{err}"
        );
    }
}
