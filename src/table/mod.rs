//! Stage 4, the result table every metric produces and every renderer and checker reads. A table
//! knows what kind of number each column holds (a count of persons, a share with its numerator
//! and denominator, a mean with its n), so small-cell suppression and formatting are done here
//! once, never by a metric, and renderers never know which metric made the table.
//!
//! Values are exact (`f64` shares computed from integer counts); rounding happens only in
//! [`Table::format`].

use serde::{Deserialize, Serialize};

mod audit;
mod builder;
pub mod chart;
mod joint;
mod parts;
mod relations;

pub use audit::HiddenRange;
pub use builder::{Col, Row, TableBuilder};
pub use chart::Chart;
pub use joint::{joint_audit, joint_range, JointRange};
pub use parts::{Condition, Part};
use relations::Equation;
pub use relations::{
    is_subset_pair, CellIs, MonthOf, Partition, PersonsOf, PopulationInstance, RelWindow, Relation,
    Subset, SubsetAt,
};

/// What a column holds; decides suppression and printing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Kind {
    /// A group value (text).
    Group,
    /// A number of persons: suppressed when below the threshold.
    Persons,
    /// A share in [0, 1] of `numerator` / `denominator` (column names of `Persons` columns):
    /// printed as a percentage, suppressed with either.
    Share {
        numerator: String,
        denominator: String,
    },
    /// A mean (or other statistic) over `n` persons (a `Persons` column): suppressed with it,
    /// and with any of the counts `also` names, which its value would bound (a mean number of
    /// spells beside the ladder of persons with 1, 2, 3 or more).
    Mean {
        n: String,
        decimals: usize,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        also: Vec<String>,
    },
    /// A number that is not about persons (a month index, a threshold, a test statistic).
    Number { decimals: usize },
    /// Free text (a label, "not reached").
    Text,
    /// Text computed from a count (a traffic light against a target): hidden with `n`, since
    /// the words bracket the count as well as a number would.
    Label { n: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Int(i64),
    Float(f64),
    /// No value (an empty group, a share of nobody, a median not reached).
    Null,
    /// Hidden by small-cell suppression.
    Suppressed,
}

impl Value {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(v) => Some(*v as f64),
            Value::Float(v) => Some(*v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// Remarks printed under the table (suppression count, definitions that matter for reading).
    pub notes: Vec<String>,
    /// Cells hidden by suppression.
    pub suppressed: usize,
    /// The linear relations among the cells: what a reader can compute from the shown cells, so
    /// what disclosure control must take into account. (A mean times its n is a sum: implied by
    /// every `Mean` column, not listed.)
    pub relations: Vec<Relation>,
    /// Cells (row, column) a rule other than the small count hides, like a small count: a mean or
    /// sum of a magnitude one person dominates (more than [`DOMINANCE`] of it), a quantile with
    /// fewer than the threshold's events on a side.
    pub sensitive: Vec<(usize, usize)>,
    /// How the HTML report draws the table, when a person would rather look than read.
    pub chart: Option<Chart>,
    /// The tables a long table whose rows differ in kind is printed as; empty: printed whole.
    pub parts: Vec<Part>,
}

/// The (1, 85%) dominance rule (spec `disclosure.md` §2; Statistics Denmark's rule for
/// magnitude tables): no single person may make up more than this share of a sum behind a
/// shown mean or total.
pub const DOMINANCE: f64 = 0.85;

/// The group value printed for the row over all groups.
pub const ALL: &str = "(all)";
/// The group value printed for persons with an empty cohort cell.
pub const MISSING: &str = "(missing)";

impl Table {
    /// A table by position: for the table module's own tests only; metrics use [`TableBuilder`],
    /// which checks what a share or mean rests on.
    #[cfg(test)]
    pub(crate) fn new(columns: Vec<Column>) -> Table {
        Table::empty(columns)
    }

    /// The columns with no rows, notes, relations or chart.
    pub(crate) fn empty(columns: impl IntoIterator<Item = Column>) -> Table {
        Table {
            columns: columns.into_iter().collect(),
            rows: Vec::new(),
            notes: Vec::new(),
            suppressed: 0,
            relations: Vec::new(),
            sensitive: Vec::new(),
            chart: None,
            parts: Vec::new(),
        }
    }

    /// The table with its chart. Panics when the chart names a column the table does not have
    /// (a test failure, never a chart silently drawing nothing).
    pub fn with_chart(mut self, chart: Chart) -> Table {
        for name in chart.columns() {
            assert!(
                self.columns.iter().any(|c| c.name == name),
                "the chart names no column {name}"
            );
        }
        self.chart = Some(chart);
        self
    }

    /// Marks the cells of `column` in the rows where one person makes up more than
    /// [`DOMINANCE`] of the sum behind them (`top_shares`, one per row: the largest person's
    /// part of the sum, `None` where there is no sum).
    pub fn mark_dominated(&mut self, column: &str, top_shares: &[Option<f64>]) {
        let Some(c) = self.column_index(column) else {
            return;
        };
        for (r, top) in top_shares.iter().enumerate() {
            if top.is_some_and(|top| top > DOMINANCE) {
                self.sensitive.push((r, c));
            }
        }
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Checks that every share names its numerator and denominator, and every mean its n, as
    /// count columns of the table (`Persons`; a `Number` that is no one's data, such as a
    /// published target; or a `Mean` that is an implied count, hidden with its own n): a
    /// reference that resolves to nothing would leave the column without the suppression it
    /// rests on.
    pub fn check_references(&self) -> Result<(), String> {
        for column in &self.columns {
            let references: Vec<&String> = match &column.kind {
                Kind::Share {
                    numerator,
                    denominator,
                } => vec![numerator, denominator],
                Kind::Mean { n, also, .. } => std::iter::once(n).chain(also).collect(),
                Kind::Label { n } => vec![n],
                _ => continue,
            };
            for reference in references {
                let kind = self
                    .columns
                    .iter()
                    .find(|c| &c.name == reference)
                    .map(|c| &c.kind);
                if !matches!(
                    kind,
                    Some(Kind::Persons | Kind::Number { .. } | Kind::Mean { .. })
                ) {
                    return Err(format!(
                        "column {} rests on {reference:?}, which is not a count column of the table",
                        column.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// A row by position: for the table module's own tests only; metrics use [`TableBuilder`].
    #[cfg(test)]
    pub(crate) fn push_row(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    /// The cell of the row whose group columns equal `group` (in order), in `column`.
    pub fn cell(&self, group: &[&str], column: &str) -> Option<&Value> {
        let column = self.column_index(column)?;
        let group_columns: Vec<usize> = (0..self.columns.len())
            .filter(|&c| self.columns[c].kind == Kind::Group)
            .collect();
        self.rows
            .iter()
            .find(|row| {
                group_columns.len() == group.len()
                    && group_columns
                        .iter()
                        .zip(group)
                        .all(|(&c, want)| matches!(&row[c], Value::Text(t) if t == want))
            })
            .map(|row| &row[column])
    }

    /// Hides every count of 1 to `threshold - 1` persons, and the shares and means resting on
    /// one. Zero is shown: Statistics Denmark's rule is about cells of 1–4 persons, and a zero
    /// reveals nothing about anyone. Returns the number of cells hidden.
    pub fn suppress(&mut self, threshold: u64) -> usize {
        let persons_columns: Vec<usize> = (0..self.columns.len())
            .filter(|&c| self.columns[c].kind == Kind::Persons)
            .collect();
        // Primary: counts of 1 to threshold - 1 persons.
        let mut small: Vec<Vec<bool>> = self
            .rows
            .iter()
            .map(|row| {
                (0..self.columns.len())
                    .map(|c| {
                        persons_columns.contains(&c)
                            && row[c]
                                .as_f64()
                                .is_some_and(|v| v > 0.0 && v < threshold as f64)
                    })
                    .collect()
            })
            .collect();
        for &(r, c) in &self.sensitive {
            small[r][c] = true;
        }
        self.complements(threshold, &mut small);
        self.complementary(&persons_columns, &mut small);
        // The relations' instances, expanded once: they depend on the table's layout, which
        // suppression leaves as it is. Inequalities pin cells too (a hidden 0 at most a shown
        // 0), so widening looks through both.
        let equations = self.equations();
        let mut neighbours = equations.clone();
        neighbours.extend(self.inequalities());
        self.secondary(&equations, &mut small);
        let mut released = self.released(&small);
        // The audit decides: while some hidden count's feasible range is narrower than the
        // threshold allows, a further cell next to it is hidden. Each round hides at least one
        // more cell, so this ends; a range still narrow at the end is the run's self-audit's to
        // refuse.
        while let Ok(ranges) = released.audit() {
            let mut widened = false;
            for range in ranges.iter().filter(|r| r.too_narrow(threshold)) {
                let cell = (range.row, range.column);
                widened |= self.widen(&neighbours, &released, cell, &mut small);
            }
            if !widened {
                break;
            }
            self.secondary(&equations, &mut small);
            released = self.released(&small);
        }
        let hidden = released
            .rows
            .iter()
            .flatten()
            .filter(|v| **v == Value::Suppressed)
            .count()
            - self
                .rows
                .iter()
                .flatten()
                .filter(|v| **v == Value::Suppressed)
                .count();
        self.rows = released.rows;
        self.suppressed += hidden;
        hidden
    }

    /// The table with the cells `small` marks hidden, and the shares and means resting on them.
    fn released(&self, small: &[Vec<bool>]) -> Table {
        let mut released = self.clone();
        for (row, small) in released.rows.iter_mut().zip(small) {
            // A reference to no column hides the cell: suppression fails closed.
            let is_small = |name: &str| {
                self.columns
                    .iter()
                    .position(|c| c.name == name)
                    .is_none_or(|c| small[c])
            };
            for (c, column) in self.columns.iter().enumerate() {
                let hide = match &column.kind {
                    Kind::Persons => small[c],
                    Kind::Share {
                        numerator,
                        denominator,
                    } => is_small(numerator) || is_small(denominator),
                    Kind::Mean { n, also, .. } => {
                        is_small(n) || also.iter().any(|a| is_small(a)) || small[c]
                    }
                    Kind::Label { n } => is_small(n) || small[c],
                    Kind::Number { .. } => small[c],
                    _ => false,
                };
                if hide {
                    row[c] = Value::Suppressed;
                }
            }
        }
        released
    }

    /// Hides one more shown number related to the hidden `cell`, whose range the audit found too
    /// narrow: from the relations it is in, or failing that the relations of the hidden cells
    /// those reach, and so on; a positive value first, then the smallest. False when there is
    /// none left to hide.
    fn widen(
        &self,
        equations: &[Equation],
        released: &Table,
        cell: (usize, usize),
        small: &mut [Vec<bool>],
    ) -> bool {
        let value = |(r, c): (usize, usize)| self.rows[r][c].as_f64();
        let mut reached = vec![cell];
        let mut used = vec![false; equations.len()];
        while !reached.is_empty() {
            let mut candidates = Vec::new();
            let mut next = Vec::new();
            for (e, equation) in equations.iter().enumerate() {
                if used[e] || !equation.iter().any(|(c, _)| reached.contains(c)) {
                    continue;
                }
                used[e] = true;
                for &((r, c), _) in equation {
                    if value((r, c)).is_none() {
                        continue;
                    }
                    if released.rows[r][c] == Value::Suppressed {
                        next.push((r, c));
                    } else {
                        candidates.push((r, c));
                    }
                }
            }
            let best = candidates.into_iter().min_by(|&a, &b| {
                let (x, y) = (value(a).unwrap_or(0.0), value(b).unwrap_or(0.0));
                (x <= 0.0).cmp(&(y <= 0.0)).then(x.total_cmp(&y))
            });
            if let Some((r, c)) = best {
                small[r][c] = true;
                return true;
            }
            reached = next;
        }
        false
    }

    /// Each share column with the columns of its numerator and denominator, by position:
    /// (share, numerator, denominator). A share naming no column is left out (and fails
    /// [`Table::check_references`]).
    fn share_columns(&self) -> Vec<(usize, usize, usize)> {
        self.columns
            .iter()
            .enumerate()
            .filter_map(|(s, column)| match &column.kind {
                Kind::Share {
                    numerator,
                    denominator,
                } => Some((
                    s,
                    self.column_index(numerator)?,
                    self.column_index(denominator)?,
                )),
                _ => None,
            })
            .collect()
    }

    /// A share's counts publish their difference, `denominator − numerator`, a count of persons
    /// too (those without the outcome): when it is 1 to `threshold − 1`, the numerator counts as
    /// small, so it and the share are hidden. The denominator stays: it is no small group, and the
    /// other figures of its row rest on it (decision 33).
    fn complements(&self, threshold: u64, small: &mut [Vec<bool>]) {
        for (_, num, den) in self.share_columns() {
            if self.columns[num].kind != Kind::Persons || self.columns[den].kind != Kind::Persons {
                continue;
            }
            for (row, small) in self.rows.iter().zip(small.iter_mut()) {
                let (Some(count), Some(n)) = (row[num].as_f64(), row[den].as_f64()) else {
                    continue;
                };
                // A hidden n publishes no difference (and a zero count under it may be shown).
                let rest = n - count;
                if !small[den] && rest > 0.0 && rest < threshold as f64 {
                    small[num] = true;
                }
            }
        }
    }

    /// Secondary suppression over the declared relations: while some instance of a relation has
    /// exactly one hidden cell among its numbers, whose value the others would give back, the
    /// smallest other number of that instance (a positive one if there is one) is hidden too.
    /// This closes every recovery through one relation; combinations of relations are the
    /// audit's to check.
    fn secondary(&self, equations: &[Equation], small: &mut [Vec<bool>]) {
        let value = |(r, c): (usize, usize)| self.rows[r][c].as_f64();
        // A mean is hidden with its n: a mean column in a relation (summed weeks, person-months)
        // counts as hidden where its n is.
        let means: Vec<(usize, Vec<Option<usize>>)> = (0..self.columns.len())
            .filter_map(|c| match &self.columns[c].kind {
                Kind::Mean { n, also, .. } => Some((
                    c,
                    std::iter::once(n)
                        .chain(also)
                        .map(|name| self.column_index(name))
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        loop {
            let mut changed = false;
            for row in small.iter_mut() {
                for (c, counts) in &means {
                    if !row[*c] && counts.iter().any(|n| n.is_none_or(|n| row[n])) {
                        row[*c] = true;
                    }
                }
            }
            for cells in equations {
                let numbers: Vec<(usize, usize)> = cells
                    .iter()
                    .map(|&(cell, _)| cell)
                    .filter(|&cell| value(cell).is_some())
                    .collect();
                let hidden = numbers.iter().filter(|&&(r, c)| small[r][c]).count();
                // A figure that is not a count of persons (a threshold flag, summed weeks) has
                // no range the audit can bound: where one of an instance's is hidden, its other
                // such figures go too (the number of groups meeting a threshold, whose hidden
                // flags it would pin).
                let is_count = |c: usize| self.columns[c].kind == Kind::Persons;
                if numbers.iter().any(|&(r, c)| small[r][c] && !is_count(c)) {
                    for &(r, c) in &numbers {
                        if !is_count(c) && !small[r][c] {
                            small[r][c] = true;
                            changed = true;
                        }
                    }
                }
                if hidden != 1 {
                    continue;
                }
                let partner = numbers
                    .iter()
                    .copied()
                    .filter(|&(r, c)| !small[r][c])
                    .min_by(|&a, &b| {
                        let (x, y) = (value(a).unwrap_or(0.0), value(b).unwrap_or(0.0));
                        // Positive values first, then the smallest.
                        (x <= 0.0).cmp(&(y <= 0.0)).then(x.total_cmp(&y))
                    });
                if let Some((r, c)) = partner {
                    small[r][c] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Complementary suppression for a plain grouped table (one group column, each group once,
    /// and the `(all)` row): a single hidden group in a column could be recovered as the total
    /// minus the other groups, so the smallest other group's cell is hidden too.
    fn complementary(&self, persons_columns: &[usize], small: &mut [Vec<bool>]) {
        let groups: Vec<usize> = (0..self.columns.len())
            .filter(|&c| self.columns[c].kind == Kind::Group)
            .collect();
        let [group] = groups[..] else { return };
        let is_total = |row: &Vec<Value>| matches!(&row[group], Value::Text(t) if t == ALL);
        let parts: Vec<usize> = (0..self.rows.len())
            .filter(|&r| !is_total(&self.rows[r]))
            .collect();
        let mut seen = std::collections::HashSet::new();
        let unique = parts
            .iter()
            .all(|&r| seen.insert(format!("{:?}", self.rows[r][group])));
        if !unique || parts.len() == self.rows.len() {
            return;
        }
        for &c in persons_columns {
            let hidden: Vec<usize> = parts.iter().copied().filter(|&r| small[r][c]).collect();
            if hidden.len() != 1 {
                continue;
            }
            let other = parts
                .iter()
                .copied()
                .filter(|&r| !small[r][c])
                .filter_map(|r| self.rows[r][c].as_f64().map(|v| (v, r)))
                .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            if let Some((_, r)) = other {
                small[r][c] = true;
            }
        }
    }

    /// A cell as printed: shares as percentages with one decimal, means and numbers with their
    /// decimals, `.` for suppressed, empty for null.
    pub fn format(&self, column: usize, value: &Value) -> String {
        match value {
            Value::Suppressed => ".".to_string(),
            Value::Null => String::new(),
            Value::Text(text) => text.clone(),
            Value::Int(v) => v.to_string(),
            Value::Float(v) => match &self.columns[column].kind {
                Kind::Share { .. } => format!("{:.1}", v * 100.0),
                Kind::Mean { decimals, .. } | Kind::Number { decimals } => {
                    format!("{v:.decimals$}")
                }
                _ => format!("{v}"),
            },
        }
    }
}

/// Builds a share cell from exact counts (`Null` for a share of nobody).
pub fn share(numerator: u64, denominator: u64) -> Value {
    if denominator == 0 {
        Value::Null
    } else {
        Value::Float(numerator as f64 / denominator as f64)
    }
}

#[cfg(test)]
mod tests;
