//! The linear relations among a table's cells, and the check that they hold.

use super::{Table, Value, ALL};
use crate::calendar::Month;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A linear relation among a table's cells, by column name. Rows are matched on `keys`: the
/// relation holds within each set of rows with equal values in those columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "relation", rename_all = "snake_case")]
pub enum Relation {
    /// Within each row, the parts add up to the whole: `count_rose + count_unchanged +
    /// count_fell = n`.
    Sum { parts: Vec<String>, whole: String },
    /// In each of `columns`, the rows whose `group` is not `(all)` add up to the row whose
    /// `group` is `(all)`, among rows with the same `keys`: groups add up to the total.
    GroupsSumToTotal {
        group: String,
        keys: Vec<String>,
        columns: Vec<String>,
    },
    /// Among rows with the same `keys`, `part` adds up to `whole` (the same in each of them):
    /// categories add up to n.
    PartsSumToWhole {
        keys: Vec<String>,
        part: String,
        whole: String,
    },
    /// Among rows with the same `keys`, in the order of `along`, `cumulative` is the running sum
    /// of `column`.
    RunningSum {
        keys: Vec<String>,
        along: String,
        column: String,
        cumulative: String,
    },
    /// Among rows with the same `keys`, in the order of `along`: the next row's `at_risk` is this
    /// row's `at_risk` minus its `leaving` columns (events and censored).
    RiskSet {
        keys: Vec<String>,
        along: String,
        at_risk: String,
        leaving: Vec<String>,
    },
    /// Among rows with the same `keys`, the `column` cells of the rows whose `label` (a text
    /// column) reads one of `parts` add up to the `whole_column` cell of the row whose `label`
    /// reads `whole`: categories printed one per row adding up to their total's row (`referred`
    /// = `deregistered` + `not_started` + `active`), or a curve's month rows adding up to its
    /// summary row (`events` of the `month` rows = `events_total` of the `summary` row).
    /// With `whole_label`, the whole's row is the one whose `whole_label` reads `whole` (a
    /// curve's first month row against its summary row: `n_at_risk` at `from_month` 0 is `n`).
    /// A label reads a number as it prints.
    RowsSumToRow {
        keys: Vec<String>,
        label: String,
        parts: Vec<String>,
        column: String,
        whole: String,
        whole_column: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        whole_label: Option<String>,
    },
    /// Within each row, `smaller` is at most `larger`: an inequality a reader knows from the
    /// definitions (persons with social assistance are among those with public support; those
    /// with the same employer among those still employed).
    AtMost { smaller: String, larger: String },
    /// In each row (of those whose `rows` column reads its value, when given), `columns` add up
    /// to the persons of the query's population in the row's groups (and of `arm`'s value, when
    /// given): a count no column prints, but the same in every table of the same persons, so it
    /// links them (spec `disclosure.md` §3: "a curve and a share table of the same persons are
    /// one system"). It relates no two cells of one table; the joint audit of a run's tables
    /// reads it (`disclosure::release`), and the runner checks it against the population.
    /// With `subset`, the columns add up to those of the persons observed at a month (or in a
    /// status then): a curve's `n` at month k is `share_at`'s `n` at k.
    Population {
        columns: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rows: Option<CellIs>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        arm: Option<CellIs>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        subset: Option<Subset>,
    },
}

/// Which of a group's persons a [`Relation::Population`] count is of, when not all: those
/// observed at a `rel_month` (a panel month there), or in a calendar month (with a `rel_month`
/// in a window), or those of them in a status that month. Two tables' counts of the same subset
/// are one number, so the key says all a reader needs to know they are: the month, the status
/// with its definition, and where follow-up ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Subset {
    /// The `rel_month` (or, with `calendar`, the calendar month): a number, or the column of the
    /// row that holds it (a curve's month, a requirement's best month).
    pub rel_month: MonthOf,
    /// The month is a calendar month (`YYYY-MM` in its column), counting only the panel months
    /// whose `rel_month` lies in this window, as a curve by calendar month counts them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<RelWindow>,
    /// The status the persons are in that month; none: every person observed then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The status's definition as the query sets it (built-in thresholds, its own statuses),
    /// filled by the runner: a status of one name may be defined otherwise in another query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<String>,
    /// Where follow-up ends when not at the data's end (`"end_date"`): it decides who is
    /// observed at a month.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followup: Option<String>,
}

/// The `rel_month`s a calendar [`Subset`] counts: `from..=to` (`None`: no end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RelWindow {
    pub from: i32,
    pub to: Option<i32>,
}

impl RelWindow {
    pub fn contains(&self, rel_month: i32) -> bool {
        rel_month >= self.from && self.to.is_none_or(|to| rel_month <= to)
    }
}

/// A [`Subset`]'s month: fixed, or read from a column of each row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MonthOf {
    Fixed(i32),
    Column(String),
}

/// A [`Subset`] at one row: the month read (a `rel_month`, or a calendar month's index with
/// the window of `rel_month`s counted), for the runner's check against the months.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubsetAt {
    pub month: i32,
    pub calendar: Option<RelWindow>,
    pub status: Option<String>,
}

/// The key a [`Subset`] adds to the persons it narrows (see [`PersonsOf`]): one pair, after
/// every column name a cohort may have, since it starts with a space.
const SUBSET_KEY: &str = " subset";

/// A column and a value: the rows whose label reads it, or the arm a count is of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellIs {
    pub column: String,
    pub value: String,
}

impl Relation {
    /// The columns whose cells the relation relates (the sums' terms and totals).
    pub fn related(&self) -> Vec<&String> {
        match self {
            Relation::Sum { parts, whole } => parts.iter().chain([whole]).collect(),
            Relation::GroupsSumToTotal { columns, .. } => columns.iter().collect(),
            Relation::PartsSumToWhole { part, whole, .. } => vec![part, whole],
            Relation::RunningSum {
                column, cumulative, ..
            } => vec![column, cumulative],
            Relation::RiskSet {
                at_risk, leaving, ..
            } => leaving.iter().chain([at_risk]).collect(),
            Relation::RowsSumToRow {
                column,
                whole_column,
                ..
            } => vec![column, whole_column],
            Relation::AtMost { smaller, larger } => vec![smaller, larger],
            Relation::Population { columns, .. } => columns.iter().collect(),
        }
    }

    /// Every column the relation names: those it relates, and those that match or order rows.
    pub fn columns(&self) -> Vec<&String> {
        let mut columns = self.related();
        match self {
            Relation::Sum { .. } | Relation::AtMost { .. } => {}
            Relation::Population { rows, subset, .. } => {
                columns.extend(rows.iter().map(|r| &r.column));
                if let Some(Subset {
                    rel_month: MonthOf::Column(month),
                    ..
                }) = subset
                {
                    columns.push(month);
                }
            }
            Relation::GroupsSumToTotal { group, keys, .. } => {
                columns.extend(keys.iter().chain([group]));
            }
            Relation::PartsSumToWhole { keys, .. } => columns.extend(keys),
            Relation::RunningSum { keys, along, .. } | Relation::RiskSet { keys, along, .. } => {
                columns.extend(keys.iter().chain([along]));
            }
            Relation::RowsSumToRow {
                keys,
                label,
                whole_label,
                ..
            } => {
                columns.extend(keys.iter().chain([label]).chain(whole_label));
            }
        }
        columns
    }
}

/// The persons a count is of: (column, value) pairs, sorted; empty: the whole population. A
/// [`Subset`] is one more pair, its key a name no cohort column has.
pub type PersonsOf = Vec<(String, String)>;

/// One row's instance of a [`Relation::Population`]: its `columns` add up to the persons of
/// the query's population that `persons` says (of them, those of `subset`).
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationInstance {
    pub row: usize,
    pub columns: Vec<usize>,
    pub persons: PersonsOf,
    pub subset: Option<SubsetAt>,
    /// Persons `persons` are among, as a reader knows: for a subset, the row's groups' persons
    /// and, for a status at a month, those observed then.
    pub within: Vec<PersonsOf>,
}

/// The persons of a table's groups adding up to its total's: `parts` to `whole`, all of
/// `subset`'s when there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    pub whole: PersonsOf,
    pub parts: Vec<PersonsOf>,
    pub subset: Option<SubsetAt>,
}

/// Whether a pair of a [`PersonsOf`] is a subset's rather than a column's.
pub fn is_subset_pair(pair: &(String, String)) -> bool {
    pair.0 == SUBSET_KEY
}

impl Subset {
    /// This subset at one row, with its key's pair and (for a status) the pair of the persons
    /// observed then; `None`: the row has no month, so no instance.
    fn at(&self, table: &Table, row: usize) -> Option<(SubsetAt, Vec<(String, String)>)> {
        let month = match &self.rel_month {
            MonthOf::Fixed(month) => *month,
            MonthOf::Column(column) => match &table.rows[row][table.relation_column(column)] {
                Value::Int(month) => i32::try_from(*month).ok()?,
                Value::Text(text) if self.calendar.is_some() => Month::parse(text)?.index(),
                Value::Text(text) => text.parse().ok()?,
                _ => return None,
            },
        };
        let when = match self.calendar {
            None => format!("at rel_month {month}"),
            Some(RelWindow { from, to }) => format!(
                "in calendar month {} (counting rel_month {from}..{})",
                Month::from_index(month),
                to.map_or(String::new(), |to| to.to_string())
            ),
        };
        let followup = match &self.followup {
            Some(followup) => format!(", follow-up to {followup}"),
            None => String::new(),
        };
        let observed = format!("observed {when}{followup}");
        let mut keys = vec![observed];
        if let Some(status) = &self.status {
            let definition = match &self.definition {
                Some(definition) => format!(" ({definition})"),
                None => String::new(),
            };
            keys.insert(
                0,
                format!("observed {when} with {status}{definition}{followup}"),
            );
        }
        let at = SubsetAt {
            month,
            calendar: self.calendar,
            status: self.status.clone(),
        };
        let pairs = keys
            .into_iter()
            .map(|key| (SUBSET_KEY.to_string(), key))
            .collect();
        Some((at, pairs))
    }
}

/// A cell by (row, column).
pub(super) type Cell = (usize, usize);

/// One instance of a relation: the sum of each cell times its coefficient is zero.
pub(super) type Equation = Vec<(Cell, f64)>;

/// Whether a label cell reads `want`: its text, or a number as it prints.
fn reads(value: &Value, want: &str) -> bool {
    match value {
        Value::Text(text) => text == want,
        Value::Int(number) => number.to_string() == want,
        _ => false,
    }
}

/// A cell's value as a number, if it is one.
fn number(row: &[Value], c: usize) -> Option<f64> {
    match row[c] {
        Value::Int(v) => Some(v as f64),
        Value::Float(v) => Some(v),
        _ => None,
    }
}

impl Table {
    fn relation_column(&self, name: &str) -> usize {
        self.column_index(name)
            .unwrap_or_else(|| panic!("a relation names no column {name}"))
    }

    /// The rows grouped by their values in `keys` (each group in table order), with those values.
    fn blocks(&self, keys: &[String]) -> Vec<(Vec<&Value>, Vec<usize>)> {
        let keys: Vec<usize> = keys.iter().map(|k| self.relation_column(k)).collect();
        let mut blocks: Vec<(Vec<&Value>, Vec<usize>)> = Vec::new();
        for (r, row) in self.rows.iter().enumerate() {
            let key: Vec<&Value> = keys.iter().map(|&k| &row[k]).collect();
            match blocks.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(r),
                None => blocks.push((key, vec![r])),
            }
        }
        blocks
    }

    /// Rows `x` and `y` in the order of their values in column `along`.
    fn in_order(&self, x: usize, y: usize, along: usize) -> std::cmp::Ordering {
        let (x, y) = (number(&self.rows[x], along), number(&self.rows[y], along));
        x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
    }

    /// The blocks of rows with equal `keys`, each in the order of its values in `along`.
    fn ordered_blocks(&self, keys: &[String], along: usize) -> Vec<Vec<usize>> {
        self.blocks(keys)
            .into_iter()
            .map(|(_, mut rows)| {
                rows.sort_by(|x, y| self.in_order(*x, *y, along));
                rows
            })
            .collect()
    }

    /// Per block of rows with equal `keys`: the rows whose `label` reads one of `parts`, and
    /// those whose `label` reads `whole`.
    fn labelled(
        &self,
        keys: &[String],
        (label, parts): (&String, &[String]),
        (whole_label, whole): (Option<&String>, &str),
    ) -> Vec<(Vec<usize>, Vec<usize>)> {
        let label = self.relation_column(label);
        let whole_label = whole_label.map_or(label, |l| self.relation_column(l));
        let reads = |r: usize, label: usize, want: &str| reads(&self.rows[r][label], want);
        self.blocks(keys)
            .into_iter()
            .map(|(_, rows)| {
                let part_rows = rows
                    .iter()
                    .copied()
                    .filter(|&r| parts.iter().any(|p| reads(r, label, p)))
                    .collect();
                let whole_rows = rows
                    .into_iter()
                    .filter(|&r| reads(r, whole_label, whole))
                    .collect();
                (part_rows, whole_rows)
            })
            .collect()
    }

    /// Every instance of every declared relation, as an equation over cells (row, column): the
    /// sum of each cell times its coefficient is zero. A reader who sees all of an instance's
    /// cells but one can compute that one.
    pub(super) fn equations(&self) -> Vec<Equation> {
        let index = |name: &String| self.relation_column(name);
        // Parts add up to a whole: parts +1, whole −1.
        let sum = |parts: &mut dyn Iterator<Item = Cell>, whole: Cell| -> Equation {
            let mut terms: Equation = parts.map(|cell| (cell, 1.0)).collect();
            terms.push((whole, -1.0));
            terms
        };
        let mut equations = Vec::new();
        for relation in &self.relations {
            match relation {
                Relation::Sum { parts, whole } => {
                    let parts: Vec<usize> = parts.iter().map(index).collect();
                    let whole = index(whole);
                    for r in 0..self.rows.len() {
                        equations.push(sum(&mut parts.iter().map(|&c| (r, c)), (r, whole)));
                    }
                }
                Relation::GroupsSumToTotal {
                    group,
                    keys,
                    columns,
                } => {
                    let g = index(group);
                    let is_total =
                        |r: usize| matches!(&self.rows[r][g], Value::Text(t) if t == ALL);
                    for (_, rows) in self.blocks(keys) {
                        let Some(&total) = rows.iter().find(|&&r| is_total(r)) else {
                            continue;
                        };
                        for c in columns.iter().map(index) {
                            let mut parts = rows.iter().filter(|&&r| !is_total(r)).map(|&r| (r, c));
                            equations.push(sum(&mut parts, (total, c)));
                        }
                    }
                }
                Relation::PartsSumToWhole { keys, part, whole } => {
                    let (p, w) = (index(part), index(whole));
                    for (_, rows) in self.blocks(keys) {
                        equations.push(sum(&mut rows.iter().map(|&r| (r, p)), (rows[0], w)));
                        // The whole is the same in every row: one shown gives the others.
                        for &r in &rows[1..] {
                            equations.push(vec![((rows[0], w), 1.0), ((r, w), -1.0)]);
                        }
                    }
                }
                Relation::RunningSum {
                    keys,
                    along,
                    column,
                    cumulative,
                } => {
                    let (c, cum) = (index(column), index(cumulative));
                    for rows in self.ordered_blocks(keys, index(along)) {
                        equations.push(vec![((rows[0], c), 1.0), ((rows[0], cum), -1.0)]);
                        for pair in rows.windows(2) {
                            equations.push(sum(
                                &mut [(pair[0], cum), (pair[1], c)].into_iter(),
                                (pair[1], cum),
                            ));
                        }
                    }
                }
                Relation::RiskSet {
                    keys,
                    along,
                    at_risk,
                    leaving,
                } => {
                    let risk = index(at_risk);
                    let leaving: Vec<usize> = leaving.iter().map(index).collect();
                    for rows in self.ordered_blocks(keys, index(along)) {
                        for pair in rows.windows(2) {
                            // The next at-risk count plus those leaving is this one.
                            let mut parts = leaving
                                .iter()
                                .map(|&l| (pair[0], l))
                                .chain([(pair[1], risk)]);
                            equations.push(sum(&mut parts, (pair[0], risk)));
                        }
                    }
                }
                Relation::RowsSumToRow {
                    keys,
                    label,
                    parts,
                    column,
                    whole,
                    whole_column,
                    whole_label,
                } => {
                    let (c, w) = (index(column), index(whole_column));
                    let labelled =
                        self.labelled(keys, (label, parts), (whole_label.as_ref(), whole));
                    for (part_rows, whole_rows) in labelled {
                        if let Some(&r) = whole_rows.first() {
                            equations.push(sum(&mut part_rows.iter().map(|&p| (p, c)), (r, w)));
                        }
                    }
                }
                Relation::AtMost { .. } | Relation::Population { .. } => {}
            }
        }
        equations
    }

    /// Writes into each declared [`Subset`] with a status that status's definition, as
    /// `define` gives it (the runner's query knows it; a metric knows only the name).
    pub fn define_subsets(&mut self, define: impl Fn(&str) -> String) {
        for relation in &mut self.relations {
            if let Relation::Population {
                subset:
                    Some(Subset {
                        status: Some(status),
                        definition,
                        ..
                    }),
                ..
            } = relation
            {
                *definition = Some(define(status));
            }
        }
    }

    /// Every instance of every declared [`Relation::Population`]: a row, the columns that add
    /// up to its persons, and whose persons they are.
    pub fn population_instances(&self) -> Vec<PopulationInstance> {
        let mut instances = Vec::new();
        for relation in &self.relations {
            let Relation::Population {
                columns,
                rows,
                arm,
                subset,
            } = relation
            else {
                continue;
            };
            let columns: Vec<usize> = columns.iter().map(|c| self.relation_column(c)).collect();
            let label = rows
                .as_ref()
                .map(|rows| (self.relation_column(&rows.column), rows.value.as_str()));
            for (r, row) in self.rows.iter().enumerate() {
                if label.is_some_and(|(l, want)| !reads(&row[l], want)) {
                    continue;
                }
                let group = self.persons_of(r, arm.as_ref());
                let (persons, subset, within) = match subset {
                    None => (group, None, Vec::new()),
                    Some(subset) => {
                        let Some((at, pairs)) = subset.at(self, r) else {
                            continue;
                        };
                        // The subset's own pair first, then those it lies within.
                        let with = |pair: &(String, String)| {
                            let mut persons = group.clone();
                            persons.push(pair.clone());
                            persons.sort();
                            persons
                        };
                        let mut within = vec![group.clone()];
                        within.extend(pairs[1..].iter().map(with));
                        (with(&pairs[0]), Some(at), within)
                    }
                };
                instances.push(PopulationInstance {
                    row: r,
                    columns: columns.clone(),
                    persons,
                    subset,
                    within,
                });
            }
        }
        instances
    }

    /// What the persons of the groups of one table say of each other: a table lists every group
    /// its population has, so the persons of the rows without `(all)` add up to those of the total
    /// row (and likewise within each arm a count is of, and each subset). From the table's
    /// `instances` ([`Table::population_instances`]).
    pub fn population_partitions(&self, instances: &[PopulationInstance]) -> Vec<Partition> {
        let group_columns: Vec<&str> = self
            .columns
            .iter()
            .filter(|c| c.kind == super::Kind::Group)
            .map(|c| c.name.as_str())
            .collect();
        if group_columns.is_empty() {
            return Vec::new();
        }
        // By what else than the groups a key says (an arm, a subset): the whole and its parts.
        let mut by_rest: BTreeMap<PersonsOf, (bool, Partition)> = BTreeMap::new();
        for instance in instances {
            let (groups, rest): (PersonsOf, PersonsOf) = instance
                .persons
                .iter()
                .cloned()
                .partition(|(column, _)| group_columns.contains(&column.as_str()));
            let (has_whole, partition) = by_rest.entry(rest.clone()).or_insert_with(|| {
                let partition = Partition {
                    whole: rest,
                    parts: Vec::new(),
                    subset: instance.subset.clone(),
                };
                (false, partition)
            });
            if groups.is_empty() {
                *has_whole = true;
            } else if groups.len() == group_columns.len()
                && !partition.parts.contains(&instance.persons)
            {
                partition.parts.push(instance.persons.clone());
            }
        }
        by_rest
            .into_values()
            .filter(|(has_whole, partition)| *has_whole && !partition.parts.is_empty())
            .map(|(_, partition)| partition)
            .collect()
    }

    /// Whose persons a row's counts are: its groups' values, leaving out those at `(all)` (a row
    /// by `arm` at `municipality = (all)` is the row of a table by `arm` alone), with `arm`'s.
    fn persons_of(&self, row: usize, arm: Option<&CellIs>) -> PersonsOf {
        let mut of: PersonsOf = self
            .columns
            .iter()
            .zip(&self.rows[row])
            .filter(|(column, _)| column.kind == super::Kind::Group)
            .filter_map(|(column, value)| match value {
                Value::Text(text) if text != ALL => Some((column.name.clone(), text.clone())),
                _ => None,
            })
            .collect();
        if let Some(arm) = arm {
            of.push((arm.column.clone(), arm.value.clone()));
        }
        of.sort();
        of
    }

    /// Every instance of every declared inequality: the sum of each cell times its coefficient
    /// is at most zero.
    pub(super) fn inequalities(&self) -> Vec<Equation> {
        let mut inequalities = Vec::new();
        for relation in &self.relations {
            if let Relation::AtMost { smaller, larger } = relation {
                let (s, l) = (self.relation_column(smaller), self.relation_column(larger));
                for r in 0..self.rows.len() {
                    inequalities.push(vec![((r, s), 1.0), ((r, l), -1.0)]);
                }
            }
        }
        inequalities
    }

    /// The declared relations that do not hold in the table's cells, in words; empty when all
    /// hold. Instances that involve a hidden, empty or text cell are skipped. A declared relation
    /// that is false is a bug in the metric that declared it.
    pub fn relation_violations(&self) -> Vec<String> {
        let mut violations = Vec::new();
        let index = |name: &str| self.relation_column(name);
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0);
        // A computed and a shown value that both exist and differ: `say` words the violation.
        let mut differ =
            |computed: Option<f64>, shown: Option<f64>, say: &dyn Fn(f64, f64) -> String| {
                if let (Some(a), Some(b)) = (computed, shown) {
                    if !close(a, b) {
                        violations.push(say(a, b));
                    }
                }
            };
        let blocks = |keys: &[String]| self.blocks(keys);
        for relation in &self.relations {
            match relation {
                Relation::Sum { parts, whole } => {
                    let (parts, whole): (Vec<usize>, usize) =
                        (parts.iter().map(|p| index(p)).collect(), index(whole));
                    for (r, row) in self.rows.iter().enumerate() {
                        let sum: Option<f64> = parts.iter().map(|&p| number(row, p)).sum();
                        differ(sum, number(row, whole), &|sum, whole_value| {
                            format!(
                                "row {r}: the parts of {} add up to {sum}, not {whole_value}",
                                self.columns[whole].name
                            )
                        });
                    }
                }
                Relation::GroupsSumToTotal {
                    group,
                    keys,
                    columns,
                } => {
                    let g = index(group);
                    for (_, rows) in blocks(keys) {
                        let is_total =
                            |r: &usize| matches!(&self.rows[*r][g], Value::Text(t) if t == ALL);
                        let Some(&total) = rows.iter().find(|r| is_total(r)) else {
                            continue;
                        };
                        for column in columns {
                            let c = index(column);
                            let sum: Option<f64> = rows
                                .iter()
                                .filter(|r| !is_total(r))
                                .map(|&r| number(&self.rows[r], c))
                                .sum();
                            differ(sum, number(&self.rows[total], c), &|sum, total_value| {
                                format!("row {total}: the groups of {column} add up to {sum}, not {total_value}")
                            });
                        }
                    }
                }
                Relation::PartsSumToWhole { keys, part, whole } => {
                    let (p, w) = (index(part), index(whole));
                    for (_, rows) in blocks(keys) {
                        let sum: Option<f64> = rows.iter().map(|&r| number(&self.rows[r], p)).sum();
                        for &r in &rows {
                            differ(sum, number(&self.rows[r], w), &|sum, whole_value| {
                                format!(
                                    "row {r}: {part} adds up to {sum}, not {whole} {whole_value}"
                                )
                            });
                        }
                    }
                }
                Relation::RunningSum {
                    keys,
                    along,
                    column,
                    cumulative,
                } => {
                    let (c, cum) = (index(column), index(cumulative));
                    for rows in self.ordered_blocks(keys, index(along)) {
                        let mut running = Some(0.0);
                        for &r in &rows {
                            running = running.zip(number(&self.rows[r], c)).map(|(s, v)| s + v);
                            differ(running, number(&self.rows[r], cum), &|sum, shown| {
                                format!("row {r}: the running sum of {column} is {sum}, not {cumulative} {shown}")
                            });
                        }
                    }
                }
                Relation::RiskSet {
                    keys,
                    along,
                    at_risk,
                    leaving,
                } => {
                    let risk = index(at_risk);
                    let leaving: Vec<usize> = leaving.iter().map(|l| index(l)).collect();
                    for rows in self.ordered_blocks(keys, index(along)) {
                        for pair in rows.windows(2) {
                            let (this, next) = (&self.rows[pair[0]], &self.rows[pair[1]]);
                            let left: Option<f64> = leaving.iter().map(|&l| number(this, l)).sum();
                            let expected = number(this, risk).zip(left).map(|(n, l)| n - l);
                            differ(expected, number(next, risk), &|expected, shown| {
                                format!("row {}: {at_risk} is {shown}, not {expected} (the row before, less those leaving)",
                                        pair[1])
                            });
                        }
                    }
                }
                Relation::AtMost { smaller, larger } => {
                    let (s, l) = (index(smaller), index(larger));
                    for (r, row) in self.rows.iter().enumerate() {
                        if let (Some(a), Some(b)) = (number(row, s), number(row, l)) {
                            // Differs (so is named) exactly when a > b.
                            differ(Some(a.min(b)), Some(a), &|_, _| {
                                format!("row {r}: {smaller} is {a}, more than {larger} {b}")
                            });
                        }
                    }
                }
                // Against the population, which the table does not hold: the runner checks it.
                Relation::Population { .. } => {}
                Relation::RowsSumToRow {
                    keys,
                    label,
                    parts,
                    column,
                    whole,
                    whole_column,
                    whole_label,
                } => {
                    let (c, w) = (index(column), index(whole_column));
                    let labelled =
                        self.labelled(keys, (label, parts), (whole_label.as_ref(), whole));
                    for (part_rows, whole_rows) in labelled {
                        let sum: Option<f64> =
                            part_rows.iter().map(|&r| number(&self.rows[r], c)).sum();
                        for r in whole_rows {
                            differ(sum, number(&self.rows[r], w), &|sum, whole_value| {
                                format!("row {r}: {column} of the rows {} adds up to {sum}, not {whole_column} {whole_value}",
                                        parts.join(" + "))
                            });
                        }
                    }
                }
            }
        }
        violations
    }
}
