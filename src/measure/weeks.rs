//! Pieces the week-level metrics (`spell`, `history`) share: the population's persons as plain
//! rows, a per-person lookup of one boolean status by month, category names checked against the
//! code table's categories, and counting runs of consecutive weeks.

use super::MetricInput;
use crate::calendar::{Month, Week};
use crate::load::CATEGORIES;
use anyhow::{anyhow, Result};
use polars::prelude::*;

/// One person of the population, in `input.persons` order.
pub struct PersonRow {
    pub person: u32,
    pub start_month: Month,
    pub start_week: Week,
    /// First and last observed `rel_month` (`None`: nothing observed at all).
    pub first_observed: Option<i32>,
    pub followup: Option<i32>,
}

/// The persons of `input.persons`, in its order.
pub fn person_rows(input: &MetricInput<'_>, metric: &str) -> Result<Vec<PersonRow>> {
    let failed = |err: PolarsError| anyhow!("computing {metric}: reading the persons: {err}");
    let frame = &input.persons;
    let column = |name: &str| -> Result<Column> {
        frame
            .column(name)
            .map_err(failed)?
            .cast(&DataType::Int64)
            .map_err(failed)
    };
    let person = column("person")?;
    let start_month = column("start_month")?;
    let start_week = column("start_week")?;
    let first_observed = column("first_observed_rel_month")?;
    let followup = column("followup_months")?;
    let (person, start_month, start_week, first_observed, followup) = (
        person.i64().map_err(failed)?,
        start_month.i64().map_err(failed)?,
        start_week.i64().map_err(failed)?,
        first_observed.i64().map_err(failed)?,
        followup.i64().map_err(failed)?,
    );
    let mut rows = Vec::with_capacity(frame.height());
    for i in 0..frame.height() {
        let missing = || anyhow!("computing {metric}: person row {i} lacks its start");
        rows.push(PersonRow {
            person: person.get(i).ok_or_else(missing)? as u32,
            start_month: Month::from_index(start_month.get(i).ok_or_else(missing)? as i32),
            start_week: Week::from_index(start_week.get(i).ok_or_else(missing)? as i32),
            first_observed: first_observed.get(i).map(|v| v as i32),
            followup: followup.get(i).map(|v| v as i32),
        });
    }
    Ok(rows)
}

/// A boolean status of each person's panel months with `rel_month` in `lo..=hi`, dense per
/// person: `None` when the month is not in the panel (not observed, or outside the panel's range).
pub struct MonthFlags {
    lo: i32,
    span: usize,
    /// person index → row in `persons` (`usize::MAX`: not among them). A vector, not a hash map:
    /// it is looked up once per person-week (150 million times for a million persons).
    rows: Vec<usize>,
    /// `rows.len() × span` cells: 0 absent, 1 false, 2 true.
    cells: Vec<u8>,
}

impl MonthFlags {
    /// `flag` is an expression over the panel's columns (e.g. an `or` of statuses).
    pub fn build(
        input: &MetricInput<'_>,
        persons: &[PersonRow],
        flag: Expr,
        lo: i32,
        hi: i32,
        metric: &str,
    ) -> Result<MonthFlags> {
        let failed = |err: PolarsError| anyhow!("computing {metric}: {err}");
        let span = (hi - lo + 1).max(0) as usize;
        let size = input.panel.persons.height().max(
            persons
                .iter()
                .map(|p| p.person as usize + 1)
                .max()
                .unwrap_or(0),
        );
        let mut rows = vec![usize::MAX; size];
        for (i, p) in persons.iter().enumerate() {
            rows[p.person as usize] = i;
        }
        let mut cells = vec![0u8; persons.len() * span];
        let months = input
            .months
            .clone()
            .lazy()
            .filter(
                col("rel_month")
                    .gt_eq(lit(lo))
                    .and(col("rel_month").lt_eq(lit(hi))),
            )
            .select([
                col("person").cast(DataType::Int64),
                col("rel_month").cast(DataType::Int64),
                flag.fill_null(lit(false)).alias("flag"),
            ])
            .collect()
            .map_err(failed)?;
        let person = months
            .column("person")
            .map_err(failed)?
            .i64()
            .map_err(failed)?;
        let rel = months
            .column("rel_month")
            .map_err(failed)?
            .i64()
            .map_err(failed)?;
        let value = months.column("flag").map_err(failed)?;
        let value = value.bool().map_err(failed)?;
        for ((person, rel), value) in person.iter().zip(rel.iter()).zip(value.iter()) {
            let (Some(person), Some(rel)) = (person, rel) else {
                continue;
            };
            if let Some(&row) = rows.get(person as usize).filter(|&&row| row != usize::MAX) {
                cells[row * span + (rel as i32 - lo) as usize] = 1 + value.unwrap_or(false) as u8;
            }
        }
        Ok(MonthFlags {
            lo,
            span,
            rows,
            cells,
        })
    }

    /// The flag of `person`'s month at `rel_month`; `None` when the month is not in the panel (or
    /// outside `lo..=hi`).
    pub fn get(&self, person: u32, rel_month: i32) -> Option<bool> {
        let row = *self
            .rows
            .get(person as usize)
            .filter(|&&row| row != usize::MAX)?;
        let offset = rel_month - self.lo;
        if offset < 0 || offset as usize >= self.span {
            return None;
        }
        match self.cells[row * self.span + offset as usize] {
            0 => None,
            cell => Some(cell == 2),
        }
    }
}

/// The index of a DREAM category named in parameter `key`; the error names the key and lists the
/// categories.
pub fn category_index(name: &str, key: &str) -> Result<usize, String> {
    CATEGORIES.iter().position(|c| *c == name).ok_or_else(|| {
        format!(
            "{key}: unknown DREAM category \"{name}\" (the categories are {})",
            CATEGORIES.join(", ")
        )
    })
}

/// The statuses named in `key` that the months frame lacks; the error names the key.
pub fn require_columns(input: &MetricInput<'_>, names: &[String], key: &str) -> Result<()> {
    for name in names {
        if input.months.column(name).is_err() {
            return Err(anyhow!(
                "{key}: the panel has no status \"{name}\" (a built-in status or one the query defines)"
            ));
        }
    }
    Ok(())
}

/// Runs of consecutive `true` in a sequence: (number of maximal runs, length of the longest).
pub fn runs(weeks: impl IntoIterator<Item = bool>) -> (u32, u32) {
    let (mut count, mut longest, mut current) = (0, 0, 0);
    for week in weeks {
        if week {
            if current == 0 {
                count += 1;
            }
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    (count, longest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_are_maximal_and_the_longest_is_found() {
        let week = |s: &str| s.chars().map(|c| c == '#').collect::<Vec<_>>();
        assert_eq!(runs(week("")), (0, 0));
        assert_eq!(runs(week("....")), (0, 0));
        assert_eq!(runs(week("####")), (1, 4));
        // Three runs of 2, 3 and 1 (one at each edge).
        assert_eq!(runs(week("##.###..#")), (3, 3));
        assert_eq!(runs(week(".#.#.")), (2, 1));
    }

    #[test]
    fn unknown_category_names_the_key() {
        assert_eq!(category_index("internship", "categories"), Ok(10));
        let err = category_index("praktik", "categories").unwrap_err();
        assert!(
            err.starts_with("categories: unknown DREAM category \"praktik\""),
            "{err}"
        );
        assert!(err.contains("wage_subsidy"), "{err}");
    }
}
