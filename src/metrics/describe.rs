//! `describe` (spec `metrics.md` §3.13): the background table. Per group, for each categorical
//! cohort column the count and share of persons in each category, and for each numeric cohort
//! column the mean. Reproduces 004 Table 1 (women %, mean age, age bands, origin, ...).
//!
//! The result is a long table: the group columns, then `variable` and `category` (text), then
//! `n`, `count`, `share`, `mean` and `n_missing`. A categorical row has `n` = the persons of the
//! group, `count` in the category and `share` = count / n; an empty cell is its own category,
//! `(missing)`. A numeric row has `category` = `(mean)`, `n` = the persons with a value, the
//! `mean` over them and `n_missing` = the persons without one.
//!
//! Two derived columns are available when the cohort has `birth_year` and no column of the same
//! name: `age_at_start` (start year − birth year) and `age_band_at_start` (that age in the bands
//! of `age_bands`).

use super::{resolve, Compute, MetricDef, MetricInput, Window};
use crate::calendar::Month;
use crate::disclosure::check_fineness;
use crate::measure::common::{self, groups_sum_to_total, parts_sum_to_whole, set_groups};
use crate::measure::persons::{cohort_text, Persons};
use crate::table::{share, Col, Table, TableBuilder, Value, MISSING};
use anyhow::{anyhow, Result};
use polars::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const DEF: MetricDef = MetricDef {
    name: "describe",
    summary: "background table: shares per category and means of numeric cohort columns, per group",
    resolve: resolve::<Describe>,
    outcome: None,
    window: super::WindowKeys::None,
    followup_end: false,
    example: "group_by = [\"arm\"]\n[params]\ncategorical = [\"sex\", \"project\"]\n",
};

/// The derived columns.
const AGE: &str = "age_at_start";
const AGE_BAND: &str = "age_band_at_start";
const BIRTH_YEAR: &str = "birth_year";
/// The `category` of a numeric row.
const MEAN_ROW: &str = "(mean)";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Describe {
    /// Cohort columns reported as shares per category.
    pub categorical: Vec<String>,
    /// Cohort columns reported as means.
    pub numeric: Vec<String>,
    /// Lower bounds of the age bands of `age_band_at_start`, increasing.
    pub age_bands: Vec<u32>,
}

impl Default for Describe {
    fn default() -> Self {
        Describe {
            categorical: Vec::new(),
            numeric: Vec::new(),
            // 004 Table 1's bands.
            age_bands: vec![18, 20, 30, 40, 50, 60],
        }
    }
}

impl Describe {
    fn validate(&self) -> Result<(), String> {
        if self.categorical.is_empty() && self.numeric.is_empty() {
            return Err("categorical, numeric: describe needs at least one cohort column to describe (e.g. categorical = [\"sex\"], numeric = [\"age_at_start\"])".into());
        }
        for (key, columns) in [
            ("categorical", &self.categorical),
            ("numeric", &self.numeric),
        ] {
            for (i, column) in columns.iter().enumerate() {
                if columns[..i].contains(column) {
                    return Err(format!("{key}: {column:?} is listed twice"));
                }
            }
        }
        if self.age_bands.is_empty() {
            return Err("age_bands: needs at least one lower bound".into());
        }
        if self.age_bands.windows(2).any(|w| w[0] >= w[1]) {
            return Err(format!(
                "age_bands: the lower bounds must increase, got {:?}",
                self.age_bands
            ));
        }
        Ok(())
    }

    /// The band label of an age.
    fn band(&self, age: f64) -> String {
        let bands = &self.age_bands;
        if age < bands[0] as f64 {
            return format!("under {}", bands[0]);
        }
        let i = bands.iter().rposition(|&b| age >= b as f64).unwrap_or(0);
        match bands.get(i + 1) {
            Some(next) => format!("{}-{}", bands[i], next - 1),
            None => format!("{}+", bands[i]),
        }
    }

    /// Every band label, in order.
    fn band_labels(&self) -> Vec<String> {
        std::iter::once(format!("under {}", self.age_bands[0]))
            .chain(self.age_bands.iter().map(|&b| self.band(b as f64)))
            .collect()
    }
}

/// The cohort covariates, read from the panel's person table.
struct Cohort<'a> {
    persons: &'a DataFrame,
    /// person → row of `persons`
    row_of: Vec<usize>,
    /// Start year per row.
    start_year: Vec<i32>,
    person_id: Vec<String>,
}

impl<'a> Cohort<'a> {
    fn new(persons: &'a DataFrame) -> Result<Cohort<'a>> {
        let failed = |e: PolarsError| anyhow!("computing describe: reading the cohort: {e}");
        let person = persons
            .column("person")
            .map_err(failed)?
            .cast(&DataType::Int64)
            .map_err(failed)?;
        let person = person.i64().map_err(failed)?;
        let mut row_of = vec![usize::MAX; persons.height()];
        for (row, p) in person.iter().enumerate() {
            let p = p.ok_or_else(|| anyhow!("internal: a cohort row lacks its person index"))?;
            if p as usize >= row_of.len() {
                row_of.resize(p as usize + 1, usize::MAX);
            }
            row_of[p as usize] = row;
        }
        let start_month = persons
            .column("start_month")
            .map_err(failed)?
            .cast(&DataType::Int64)
            .map_err(failed)?;
        let start_year = start_month
            .i64()
            .map_err(failed)?
            .iter()
            .map(|m| m.map_or(0, |m| Month::from_index(m as i32).year()))
            .collect();
        let person_id = cohort_text(persons, "person_id", "person_id")?
            .into_iter()
            .map(Option::unwrap_or_default)
            .collect();
        Ok(Cohort {
            persons,
            row_of,
            start_year,
            person_id,
        })
    }

    fn has(&self, name: &str) -> bool {
        self.persons.column(name).is_ok()
    }

    /// The column's cells as text, per row.
    fn text(&self, name: &str, key: &str) -> Result<Vec<Option<String>>> {
        if !self.has(name) {
            let names: Vec<&str> = self
                .persons
                .get_column_names()
                .into_iter()
                .map(|n| n.as_str())
                .filter(|n| *n != "person")
                .collect();
            return Err(anyhow!(
                "{key}: the cohort has no column \"{name}\" (its columns: {}; derived: {AGE}, {AGE_BAND})",
                names.join(", ")
            ));
        }
        cohort_text(self.persons, name, key)
    }

    /// The column's cells as numbers, per row; a cell that is not a number is an error naming
    /// the column, the value and the person.
    fn numbers(&self, name: &str, key: &str) -> Result<Vec<Option<f64>>> {
        self.text(name, key)?
            .into_iter()
            .enumerate()
            .map(|(row, cell)| match cell {
                None => Ok(None),
                Some(text) => match text.parse::<f64>() {
                    Ok(v) if v.is_finite() => Ok(Some(v)),
                    _ => Err(anyhow!(
                        "{key}: column \"{name}\" has the non-numeric value \"{text}\" (person_id {}); list it under `categorical` or fix the cohort",
                        self.person_id[row]
                    )),
                },
            })
            .collect()
    }

    /// Age at start (start year − birth year), per row.
    fn ages(&self, key: &str) -> Result<Vec<Option<f64>>> {
        if !self.has(BIRTH_YEAR) {
            return Err(anyhow!(
                "{key}: {AGE} and {AGE_BAND} are computed from the cohort column \"{BIRTH_YEAR}\", which the cohort does not have"
            ));
        }
        Ok(self
            .numbers(BIRTH_YEAR, key)?
            .into_iter()
            .zip(&self.start_year)
            .map(|(birth, &year)| birth.map(|b| year as f64 - b))
            .collect())
    }
}

/// One described variable, its cells per cohort row.
enum Variable {
    /// Cells, and the category order (the `(missing)` category comes last when present).
    Categorical(Vec<Option<String>>, Vec<String>),
    Numeric(Vec<Option<f64>>),
}

impl Compute for Describe {
    fn statuses(&self) -> Vec<String> {
        Vec::new()
    }

    fn check(&self, _window: &Window) -> Result<(), String> {
        self.validate()
    }

    fn cohort_columns(&self) -> Vec<(&'static str, String)> {
        // The age columns are derived from birth_year.
        let cohort = |name: &String| {
            if name == AGE || name == AGE_BAND {
                BIRTH_YEAR.to_string()
            } else {
                name.clone()
            }
        };
        self.categorical
            .iter()
            .map(|c| ("categorical", cohort(c)))
            .chain(self.numeric.iter().map(|c| ("numeric", cohort(c))))
            .collect()
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Table> {
        self.validate().map_err(|e| anyhow!(e))?;
        let cohort = Cohort::new(&input.panel.persons)?;

        // The population's persons as cohort rows.
        let population = Persons::of(input)?;
        let rows: Vec<usize> = population
            .ids
            .iter()
            .map(|&p| {
                cohort
                    .row_of
                    .get(p as usize)
                    .copied()
                    .filter(|&r| r != usize::MAX)
                    .ok_or_else(|| {
                        anyhow!("internal: a person of the population is not in the cohort")
                    })
            })
            .collect::<Result<_>>()?;
        // Groups in sorted order, then everyone: their members as cohort rows.
        let groups: Vec<(Vec<String>, Vec<usize>)> = population
            .groups
            .keys()
            .iter()
            .cloned()
            .zip(population.groups.members())
            .map(|(key, members)| (key, members.into_iter().map(|i| rows[i]).collect()))
            .collect();

        // The variables, in the order given: categorical first, then numeric.
        let mut variables: Vec<(String, Variable)> = Vec::new();
        for name in &self.categorical {
            let (cells, order) = if name == AGE_BAND && !cohort.has(AGE_BAND) {
                let cells: Vec<Option<String>> = cohort
                    .ages("categorical")?
                    .into_iter()
                    .map(|age| age.map(|a| self.band(a)))
                    .collect();
                (cells, self.band_labels())
            } else {
                let cells = if name == AGE && !cohort.has(AGE) {
                    cohort
                        .ages("categorical")?
                        .into_iter()
                        .map(|a| a.map(|a| a.to_string()))
                        .collect()
                } else {
                    cohort.text(name, "categorical")?
                };
                let present: BTreeSet<&String> =
                    rows.iter().filter_map(|&r| cells[r].as_ref()).collect();
                let order = present.into_iter().cloned().collect();
                (cells, order)
            };
            let mut order: Vec<String> = order;
            if rows.iter().any(|&r| cells[r].is_none()) {
                order.push(MISSING.to_string());
            }
            // Age bands are binned by the query itself; any other column must be coarse enough.
            if let (Some(threshold), false) = (input.pool_below, name == AGE_BAND) {
                check_fineness("categorical", name, order.len(), rows.len(), threshold)?;
            }
            variables.push((name.clone(), Variable::Categorical(cells, order)));
        }
        for name in &self.numeric {
            let cells = if name == AGE && !cohort.has(AGE) {
                cohort.ages("numeric")?
            } else {
                cohort.numbers(name, "numeric")?
            };
            variables.push((name.clone(), Variable::Numeric(cells)));
        }

        let mut t = TableBuilder::new();
        let group_cols: Vec<Col> = t.groups(input.group_by);
        let variable_col = t.text("variable");
        let category_col = t.text("category");
        let n_col = t.persons("n");
        let count_col = t.persons("count");
        let share_col = t.share("share", count_col, n_col);
        let mean_col = t.mean("mean", n_col, 1);
        let missing_col = t.persons("n_missing");
        // Printed as two tables: a categorical variable's counts, a numeric variable's means.
        let grouped =
            |columns: &[Col]| -> Vec<Col> { group_cols.iter().chain(columns).copied().collect() };
        t.part_not(
            "categories",
            category_col,
            MEAN_ROW,
            &grouped(&[variable_col, category_col, n_col, count_col, share_col]),
        );
        t.part(
            "means",
            &[(category_col, MEAN_ROW)],
            &grouped(&[variable_col, n_col, mean_col, missing_col]),
        );
        for (key, members) in &groups {
            for (name, variable) in &variables {
                match variable {
                    Variable::Categorical(cells, order) => {
                        let n = members.len() as u64;
                        for category in order {
                            let count = members
                                .iter()
                                .filter(|&&r| {
                                    cells[r].as_deref().unwrap_or(MISSING) == category.as_str()
                                })
                                .count() as u64;
                            let mut row = t.row();
                            set_groups(&mut row, &group_cols, key);
                            row.text(variable_col, name.clone())
                                .text(category_col, category.clone())
                                .int(n_col, n as i64)
                                .int(count_col, count as i64)
                                .set(share_col, share(count, n));
                        }
                    }
                    Variable::Numeric(cells) => {
                        let values: Vec<f64> = members.iter().filter_map(|&r| cells[r]).collect();
                        let n = values.len();
                        let mean = if n == 0 {
                            Value::Null
                        } else {
                            Value::Float(values.iter().sum::<f64>() / n as f64)
                        };
                        let mut row = t.row();
                        set_groups(&mut row, &group_cols, key);
                        row.text(variable_col, name.clone())
                            .text(category_col, MEAN_ROW)
                            .int(n_col, n as i64)
                            .set(mean_col, mean)
                            .int(missing_col, (members.len() - n) as i64);
                    }
                }
            }
        }
        // Every person is in one category of a categorical variable, so the counts of a
        // variable's rows add up to n; and in one group, so the groups add up to the total in
        // each (variable, category) row. Both only while the rows they match on are unique: a
        // variable listed twice (or as both categorical and numeric, whose numeric row has
        // another n) would repeat rows. (A numeric row's n + n_missing is the group's n of the
        // categorical rows: another row, no relation kind says it.)
        let mut seen = BTreeSet::new();
        if variables.iter().all(|(name, _)| seen.insert(name.as_str())) {
            let keys: Vec<&str> = input
                .group_by
                .iter()
                .map(|g| g.as_str())
                .chain(["variable"])
                .collect();
            t.relation(parts_sum_to_whole(&keys, "count", "n"));
        }
        let mut seen = BTreeSet::new();
        let rows_distinct = variables
            .iter()
            .flat_map(|(name, variable)| match variable {
                Variable::Categorical(_, order) => {
                    order.iter().map(|c| (name, c.as_str())).collect()
                }
                Variable::Numeric(_) => vec![(name, MEAN_ROW)],
            })
            .all(|row| seen.insert(row));
        if rows_distinct {
            if let Some(relation) = groups_sum_to_total(
                input.group_by,
                &["variable", "category"],
                &["n", "count", "n_missing"],
            ) {
                t.relation(relation);
            }
        }
        // n is the group's persons, less those without a value of a numeric variable.
        t.relation(common::population(&["n", "n_missing"]));
        t.note(
            "categories: count and share of the group's n persons in each category of a categorical variable ((missing): an empty cell); means: a numeric variable's mean over the n persons with a value, n_missing without",
        );
        let derived: Vec<&str> = [AGE, AGE_BAND]
            .into_iter()
            .filter(|d| {
                !cohort.has(d) && self.categorical.iter().chain(&self.numeric).any(|v| v == d)
            })
            .collect();
        if !derived.is_empty() {
            t.note(format!(
                "{}: age at start = the start date's year − {BIRTH_YEAR}{}",
                derived.join(", "),
                if derived.contains(&AGE_BAND) {
                    format!(", in bands from {:?}", self.age_bands)
                } else {
                    String::new()
                }
            ));
        }
        Ok(t.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::common::parts_sum_to_whole;
    use crate::metrics::testing::{
        assert_relations, check_err, groups_relation, resolve_err, run, run_err,
    };
    use crate::table::ALL;

    /// The row of (group values…, variable, category).
    fn row<'t>(table: &'t Table, key: &[&str]) -> &'t [Value] {
        table
            .rows
            .iter()
            .find(|r| {
                key.iter()
                    .zip(r.iter())
                    .all(|(k, v)| matches!(v, Value::Text(t) if t == k))
            })
            .unwrap_or_else(|| panic!("no row {key:?}"))
    }

    fn get<'t>(table: &'t Table, key: &[&str], column: &str) -> &'t Value {
        &row(table, key)[table.column_index(column).unwrap()]
    }

    fn close(value: &Value, want: f64) -> bool {
        matches!(value, Value::Float(v) if (v - want).abs() < 1e-9)
    }

    #[test]
    fn sex_and_age_by_arm() {
        // Treatment: P10 M 1957 (start 2019), P08 M 1966, P06 M 2000, P05 F 1988, P01 F 1985,
        // P03 F 1979 (all start 2020). Control: P07 F 1970 (2020), P04 M 1995 (2020), P02 M 1990
        // (2021), P09 F 1993 (2021), P11 M 1998 (2021).
        let params = "categorical = [\"sex\"]\nnumeric = [\"birth_year\", \"age_at_start\"]";
        let table = run(&DEF, params, &["arm"], Window::default());
        // Rows: control, treatment, (all); each sex F, M, then the two means → 12 rows.
        assert_eq!(table.rows.len(), 12);
        assert_eq!(table.rows[0][0], Value::Text("control".into()));
        assert_eq!(table.rows[11][0], Value::Text(ALL.into()));
        // Treatment F: P05, P01, P03 = 3 of 6.
        assert_eq!(
            get(&table, &["treatment", "sex", "F"], "count"),
            &Value::Int(3)
        );
        assert_eq!(get(&table, &["treatment", "sex", "F"], "n"), &Value::Int(6));
        assert!(close(get(&table, &["treatment", "sex", "F"], "share"), 0.5));
        // Control M: P04, P02, P11 = 3 of 5.
        assert!(close(get(&table, &["control", "sex", "M"], "share"), 0.6));
        // Everyone: F 5 of 11.
        assert_eq!(get(&table, &[ALL, "sex", "F"], "count"), &Value::Int(5));
        assert_eq!(get(&table, &[ALL, "sex", "F"], "n"), &Value::Int(11));
        // Birth year, treatment: (1957+1966+2000+1988+1985+1979)/6 = 11875/6.
        let by = get(&table, &["treatment", "birth_year", MEAN_ROW], "mean");
        assert!(close(by, 11875.0 / 6.0), "{by:?}");
        // Age at start, treatment: 62+54+20+32+35+41 = 244 → 244/6; control: 50+25+31+28+23 =
        // 157 → 31.4 (P02's start, 1 Jan 2021, is in 2021 though its week is 2020-W53); all
        // 401/11.
        assert!(close(
            get(&table, &["treatment", AGE, MEAN_ROW], "mean"),
            244.0 / 6.0
        ));
        assert!(close(
            get(&table, &["control", AGE, MEAN_ROW], "mean"),
            31.4
        ));
        assert!(close(
            get(&table, &[ALL, AGE, MEAN_ROW], "mean"),
            401.0 / 11.0
        ));
        assert_eq!(get(&table, &[ALL, AGE, MEAN_ROW], "n"), &Value::Int(11));
        assert_eq!(
            get(&table, &[ALL, AGE, MEAN_ROW], "n_missing"),
            &Value::Int(0)
        );
        assert_eq!(get(&table, &[ALL, AGE, MEAN_ROW], "count"), &Value::Null);
        assert_eq!(get(&table, &[ALL, "sex", "M"], "mean"), &Value::Null);
    }

    #[test]
    fn age_bands_keep_their_order_and_zero_rows() {
        // Ages at start: 62 (60+), 54, 50 (50-59), 20, 25, 28, 23 (20-29), 32, 35, 31 (30-39),
        // 41 (40-49); nobody under 20.
        let params = "categorical = [\"age_band_at_start\"]";
        let table = run(&DEF, params, &[], Window::default());
        let categories: Vec<String> = table.rows.iter().map(|r| table.format(1, &r[1])).collect();
        assert_eq!(
            categories,
            ["under 18", "18-19", "20-29", "30-39", "40-49", "50-59", "60+"]
        );
        let count = |c: &str| get(&table, &[AGE_BAND, c], "count").clone();
        assert_eq!(count("under 18"), Value::Int(0));
        assert_eq!(count("18-19"), Value::Int(0));
        assert_eq!(count("20-29"), Value::Int(4));
        assert_eq!(count("30-39"), Value::Int(3));
        assert_eq!(count("40-49"), Value::Int(1));
        assert_eq!(count("50-59"), Value::Int(2));
        assert_eq!(count("60+"), Value::Int(1));
        // Other bands: [25, 50] → under 25 (P06 20, P11 23), 25-49, 50+ (P10, P08, P07).
        let params = "categorical = [\"age_band_at_start\"]\nage_bands = [25, 50]";
        let table = run(&DEF, params, &[], Window::default());
        assert_eq!(
            get(&table, &[AGE_BAND, "under 25"], "count"),
            &Value::Int(2)
        );
        assert_eq!(get(&table, &[AGE_BAND, "25-49"], "count"), &Value::Int(6));
        assert_eq!(get(&table, &[AGE_BAND, "50+"], "count"), &Value::Int(3));
    }

    #[test]
    fn categories_sorted_per_group_with_zero_counts() {
        // Municipalities, by project: every group lists all four municipalities.
        // BIR = P10 Aarhus, P03 Odense, P04 Odense.
        let params = "categorical = [\"municipality\"]";
        let table = run(&DEF, params, &["project"], Window::default());
        let bir: Vec<String> = table
            .rows
            .iter()
            .filter(|r| r[0] == Value::Text("BIR".into()))
            .map(|r| table.format(2, &r[2]))
            .collect();
        assert_eq!(bir, ["Aalborg", "Aarhus", "København", "Odense"]);
        assert_eq!(
            get(&table, &["BIR", "municipality", "Odense"], "count"),
            &Value::Int(2)
        );
        assert_eq!(
            get(&table, &["BIR", "municipality", "Aalborg"], "count"),
            &Value::Int(0)
        );
        assert!(close(
            get(&table, &["BIR", "municipality", "Aalborg"], "share"),
            0.0
        ));
    }

    #[test]
    fn empty_cells_are_missing() {
        // end_date is empty for everyone: as a category, all 11 are (missing); as a number, n 0,
        // mean Null (not NaN) and n_missing 11.
        let params = "categorical = [\"end_date\"]\nnumeric = [\"end_date\"]";
        let table = run(&DEF, params, &[], Window::default());
        assert_eq!(table.rows.len(), 2);
        assert_eq!(
            get(&table, &["end_date", MISSING], "count"),
            &Value::Int(11)
        );
        assert_eq!(get(&table, &["end_date", MEAN_ROW], "n"), &Value::Int(0));
        assert_eq!(get(&table, &["end_date", MEAN_ROW], "mean"), &Value::Null);
        assert_eq!(
            get(&table, &["end_date", MEAN_ROW], "n_missing"),
            &Value::Int(11)
        );
    }

    #[test]
    fn categories_add_up_to_n_and_groups_to_the_total() {
        let summed = ["n", "count", "n_missing"];
        let params = "categorical = [\"sex\"]\nnumeric = [\"birth_year\", \"age_at_start\"]";
        let table = run(&DEF, params, &["arm"], Window::default());
        assert_relations(
            &table,
            &[
                parts_sum_to_whole(&["arm", "variable"], "count", "n"),
                groups_relation("arm", &["variable", "category"], &summed),
            ],
        );
        let params = "categorical = [\"age_band_at_start\"]";
        let table = run(&DEF, params, &[], Window::default());
        assert_relations(&table, &[parts_sum_to_whole(&["variable"], "count", "n")]);
        let params = "categorical = [\"municipality\", \"age_band_at_start\", \"end_date\"]\nnumeric = [\"age_at_start\"]";
        let table = run(&DEF, params, &["project", "sex"], Window::default());
        assert_relations(
            &table,
            &[
                parts_sum_to_whole(&["project", "sex", "variable"], "count", "n"),
                groups_relation("project", &["variable", "category"], &summed),
            ],
        );
        // A column both categorical and numeric: its numeric row has another n, so the
        // variable's rows do not add up to one n; the groups still add up row by row.
        let params = "categorical = [\"end_date\", \"sex\"]\nnumeric = [\"end_date\"]";
        let table = run(&DEF, params, &["arm"], Window::default());
        assert_relations(
            &table,
            &[groups_relation("arm", &["variable", "category"], &summed)],
        );
    }

    #[test]
    fn a_text_column_as_a_number_is_an_error_naming_it() {
        // The first cohort row is P10, sex M.
        let err = run_err(&DEF, "numeric = [\"sex\"]", &[], Window::default());
        assert!(
            err.starts_with(
                "numeric: column \"sex\" has the non-numeric value \"M\" (person_id P10)"
            ),
            "{err}"
        );
        let err = run_err(&DEF, "categorical = [\"gender\"]", &[], Window::default());
        assert!(
            err.starts_with("categorical: the cohort has no column \"gender\""),
            "{err}"
        );
        assert!(err.contains("birth_year"), "{err}");
    }

    #[test]
    fn bad_parameters_are_named() {
        let w = Window::default();
        let err = check_err(&DEF, "", &w);
        assert!(err.starts_with("categorical, numeric:"), "{err}");
        let err = check_err(&DEF, "numeric = [\"birth_year\"]\nage_bands = [30, 20]", &w);
        assert!(err.starts_with("age_bands:"), "{err}");
        let err = resolve_err(&DEF, "categorical = \"sex\"");
        assert!(err.contains("categorical"), "{err}");
        let err = resolve_err(&DEF, "numerics = [\"birth_year\"]");
        assert!(err.contains("unknown field `numerics`"), "{err}");
        // A column listed twice would print its rows twice (and break the table's relations).
        let err = check_err(&DEF, "categorical = [\"sex\", \"arm\", \"sex\"]", &w);
        assert_eq!(err, "categorical: \"sex\" is listed twice");
    }
}
