//! Stage 4, the result table every metric produces and every renderer and checker reads. A table
//! knows what kind of number each column holds (a count of persons, a share with its numerator
//! and denominator, a mean with its n), so small-cell suppression and formatting are done here
//! once, never by a metric, and renderers never know which metric made the table.
//!
//! Values are exact (`f64` shares computed from integer counts); rounding happens only in
//! [`Table::format`].

use serde::Serialize;

/// What a column holds; decides suppression and printing.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    /// A mean (or other statistic) over `n` persons (a `Persons` column): suppressed with it.
    Mean { n: String, decimals: usize },
    /// A number that is not about persons (a month index, a threshold, a test statistic).
    Number { decimals: usize },
    /// Free text (a label, "not reached").
    Text,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
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
}

/// A linear relation among a table's cells, by column name. Rows are matched on `keys`: the
/// relation holds within each set of rows with equal values in those columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    RowsSumToRow {
        keys: Vec<String>,
        label: String,
        parts: Vec<String>,
        column: String,
        whole: String,
        whole_column: String,
    },
}

/// The group value printed for the row over all groups.
pub const ALL: &str = "(all)";
/// The group value printed for persons with an empty cohort cell.
pub const MISSING: &str = "(missing)";

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
            notes: Vec::new(),
            suppressed: 0,
            relations: Vec::new(),
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
                Kind::Mean { n, .. } => vec![n],
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

    pub fn push_row(&mut self, row: Vec<Value>) {
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

    /// The declared relations that do not hold in the table's cells, in words; empty when all
    /// hold. Instances that involve a hidden, empty or text cell are skipped. A declared relation
    /// that is false is a bug in the metric that declared it.
    pub fn relation_violations(&self) -> Vec<String> {
        let mut violations = Vec::new();
        let index = |name: &str| {
            self.column_index(name)
                .unwrap_or_else(|| panic!("a relation names no column {name}"))
        };
        let number = |row: &[Value], c: usize| match row[c] {
            Value::Int(v) => Some(v as f64),
            Value::Float(v) => Some(v),
            _ => None,
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0);
        // Rows grouped by their values in `keys`, in table order.
        let blocks = |keys: &[String]| {
            let keys: Vec<usize> = keys.iter().map(|k| index(k)).collect();
            let mut blocks: Vec<(Vec<&Value>, Vec<usize>)> = Vec::new();
            for (r, row) in self.rows.iter().enumerate() {
                let key: Vec<&Value> = keys.iter().map(|&k| &row[k]).collect();
                match blocks.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, rows)) => rows.push(r),
                    None => blocks.push((key, vec![r])),
                }
            }
            blocks
        };
        // Rows in the order of their `along` column.
        let in_order = |x: usize, y: usize, a: usize| {
            let (x, y) = (number(&self.rows[x], a), number(&self.rows[y], a));
            x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal)
        };
        for relation in &self.relations {
            match relation {
                Relation::Sum { parts, whole } => {
                    let (parts, whole): (Vec<usize>, usize) =
                        (parts.iter().map(|p| index(p)).collect(), index(whole));
                    for (r, row) in self.rows.iter().enumerate() {
                        let sum: Option<f64> = parts.iter().map(|&p| number(row, p)).sum();
                        if let (Some(sum), Some(whole_value)) = (sum, number(row, whole)) {
                            if !close(sum, whole_value) {
                                violations.push(format!(
                                    "row {r}: the parts of {} add up to {sum}, not {whole_value}",
                                    self.columns[whole].name
                                ));
                            }
                        }
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
                            if let (Some(sum), Some(total_value)) =
                                (sum, number(&self.rows[total], c))
                            {
                                if !close(sum, total_value) {
                                    violations.push(format!(
                                        "row {total}: the groups of {column} add up to {sum}, not {total_value}"
                                    ));
                                }
                            }
                        }
                    }
                }
                Relation::PartsSumToWhole { keys, part, whole } => {
                    let (p, w) = (index(part), index(whole));
                    for (_, rows) in blocks(keys) {
                        let sum: Option<f64> = rows.iter().map(|&r| number(&self.rows[r], p)).sum();
                        for &r in &rows {
                            if let (Some(sum), Some(whole_value)) = (sum, number(&self.rows[r], w))
                            {
                                if !close(sum, whole_value) {
                                    violations.push(format!(
                                        "row {r}: {part} adds up to {sum}, not {whole} {whole_value}"
                                    ));
                                }
                            }
                        }
                    }
                }
                Relation::RunningSum {
                    keys,
                    along,
                    column,
                    cumulative,
                } => {
                    let (a, c, cum) = (index(along), index(column), index(cumulative));
                    for (_, mut rows) in blocks(keys) {
                        rows.sort_by(|x, y| in_order(*x, *y, a));
                        let mut running = Some(0.0);
                        for &r in &rows {
                            running = running.zip(number(&self.rows[r], c)).map(|(s, v)| s + v);
                            if let (Some(sum), Some(shown)) = (running, number(&self.rows[r], cum))
                            {
                                if !close(sum, shown) {
                                    violations.push(format!(
                                        "row {r}: the running sum of {column} is {sum}, not {cumulative} {shown}"
                                    ));
                                }
                            }
                        }
                    }
                }
                Relation::RiskSet {
                    keys,
                    along,
                    at_risk,
                    leaving,
                } => {
                    let (a, risk) = (index(along), index(at_risk));
                    let leaving: Vec<usize> = leaving.iter().map(|l| index(l)).collect();
                    for (_, mut rows) in blocks(keys) {
                        rows.sort_by(|x, y| in_order(*x, *y, a));
                        for pair in rows.windows(2) {
                            let (this, next) = (&self.rows[pair[0]], &self.rows[pair[1]]);
                            let left: Option<f64> = leaving.iter().map(|&l| number(this, l)).sum();
                            let expected = number(this, risk).zip(left).map(|(n, l)| n - l);
                            if let (Some(expected), Some(shown)) = (expected, number(next, risk)) {
                                if !close(expected, shown) {
                                    violations.push(format!(
                                        "row {}: {at_risk} is {shown}, not {expected} (the row before, less those leaving)",
                                        pair[1]
                                    ));
                                }
                            }
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
                } => {
                    let (l, c, w) = (index(label), index(column), index(whole_column));
                    let reads = |r: usize, want: &str| matches!(&self.rows[r][l], Value::Text(t) if t == want);
                    for (_, rows) in blocks(keys) {
                        let sum: Option<f64> = rows
                            .iter()
                            .filter(|&&r| parts.iter().any(|p| reads(r, p)))
                            .map(|&r| number(&self.rows[r], c))
                            .sum();
                        for &r in rows.iter().filter(|&&r| reads(r, whole)) {
                            if let (Some(sum), Some(whole_value)) = (sum, number(&self.rows[r], w))
                            {
                                if !close(sum, whole_value) {
                                    violations.push(format!(
                                        "row {r}: {column} of the rows {} adds up to {sum}, not {whole_column} {whole_value}",
                                        parts.join(" + ")
                                    ));
                                }
                            }
                        }
                    }
                }
            }
        }
        violations
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
        self.complementary(&persons_columns, &mut small);
        let mut hidden = 0;
        for (row, small) in self.rows.iter_mut().zip(&small) {
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
                    Kind::Mean { n, .. } => is_small(n),
                    _ => false,
                };
                if hide && row[c] != Value::Suppressed {
                    row[c] = Value::Suppressed;
                    hidden += 1;
                }
            }
        }
        self.suppressed += hidden;
        hidden
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

/// A column of a [`TableBuilder`], by position: what shares, means and rows refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Col(usize);

/// Builds a [`Table`] by construction: a share is declared on its count and denominator columns
/// and a mean on its n, by [`Col`], and must rest on count columns (or the build panics, which is
/// a test failure, never a silently unsuppressed column); rows set cells by column and leave the
/// rest `Null`; the linear relations among cells are declared with the columns they relate.
#[derive(Debug, Default)]
pub struct TableBuilder {
    columns: Vec<Column>,
    /// The printed order of the columns (positions in `columns`).
    order: Vec<usize>,
    rows: Vec<Vec<Value>>,
    relations: Vec<Relation>,
    notes: Vec<String>,
}

impl TableBuilder {
    pub fn new() -> TableBuilder {
        TableBuilder::default()
    }

    fn add(&mut self, name: impl Into<String>, kind: Kind) -> Col {
        let name = name.into();
        assert!(
            self.columns.iter().all(|c| c.name != name),
            "column {name} declared twice"
        );
        assert!(self.rows.is_empty(), "column {name} declared after a row");
        self.columns.push(Column { name, kind });
        self.order.push(self.columns.len() - 1);
        Col(self.columns.len() - 1)
    }

    /// Prints `col` here, after the columns declared so far, rather than where it was declared:
    /// for a count that statistics printed before it rest on (which must be declared before
    /// them).
    pub fn place(&mut self, col: Col) {
        assert!(
            self.rows.is_empty(),
            "column {} placed after a row",
            self.columns[col.0].name
        );
        self.order.retain(|&c| c != col.0);
        self.order.push(col.0);
    }

    /// The name of a count column `col` a share or mean rests on; panics on any other.
    fn count_name(&self, col: Col, of: &str) -> String {
        let column = &self.columns[col.0];
        assert!(
            matches!(
                column.kind,
                Kind::Persons | Kind::Number { .. } | Kind::Mean { .. }
            ),
            "{of} rests on {}, which is not a count column",
            column.name
        );
        column.name.clone()
    }

    /// A group column (text; `(all)` in the total row).
    pub fn group(&mut self, name: impl Into<String>) -> Col {
        self.add(name, Kind::Group)
    }

    /// A number of persons: suppressed below the threshold.
    pub fn persons(&mut self, name: impl Into<String>) -> Col {
        self.add(name, Kind::Persons)
    }

    /// A share of `numerator` / `denominator`, suppressed with either.
    pub fn share(&mut self, name: impl Into<String>, numerator: Col, denominator: Col) -> Col {
        let name = name.into();
        let kind = Kind::Share {
            numerator: self.count_name(numerator, &name),
            denominator: self.count_name(denominator, &name),
        };
        self.add(name, kind)
    }

    /// A mean (or other statistic) over the persons of `n`, suppressed with it.
    pub fn mean(&mut self, name: impl Into<String>, n: Col, decimals: usize) -> Col {
        let name = name.into();
        let kind = Kind::Mean {
            n: self.count_name(n, &name),
            decimals,
        };
        self.add(name, kind)
    }

    /// A number that is not about persons (an index, a threshold, a test statistic).
    pub fn number(&mut self, name: impl Into<String>, decimals: usize) -> Col {
        self.add(name, Kind::Number { decimals })
    }

    /// Free text.
    pub fn text(&mut self, name: impl Into<String>) -> Col {
        self.add(name, Kind::Text)
    }

    /// A new row, every cell `Null` until set.
    pub fn row(&mut self) -> Row<'_> {
        self.rows.push(vec![Value::Null; self.columns.len()]);
        let row = self.rows.last_mut().expect("a row was just pushed");
        Row { cells: row }
    }

    /// The name of a declared column: for relations, which name columns.
    pub fn name(&self, col: Col) -> String {
        self.columns[col.0].name.clone()
    }

    pub fn relation(&mut self, relation: Relation) {
        self.relations.push(relation);
    }

    pub fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    pub fn build(self) -> Table {
        let order = self.order;
        let in_order = |mut cells: Vec<Value>| -> Vec<Value> {
            order
                .iter()
                .map(|&c| std::mem::replace(&mut cells[c], Value::Null))
                .collect()
        };
        let mut columns: Vec<Option<Column>> = self.columns.into_iter().map(Some).collect();
        Table {
            columns: order
                .iter()
                .map(|&c| columns[c].take().expect("each column once"))
                .collect(),
            rows: self.rows.into_iter().map(in_order).collect(),
            notes: self.notes,
            suppressed: 0,
            relations: self.relations,
        }
    }
}

/// A row being filled.
pub struct Row<'a> {
    cells: &'a mut Vec<Value>,
}

impl Row<'_> {
    pub fn set(&mut self, col: Col, value: Value) -> &mut Self {
        self.cells[col.0] = value;
        self
    }

    pub fn text(&mut self, col: Col, text: impl Into<String>) -> &mut Self {
        self.set(col, Value::Text(text.into()))
    }

    pub fn int(&mut self, col: Col, value: i64) -> &mut Self {
        self.set(col, Value::Int(value))
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
mod tests {
    use super::*;

    fn table() -> Table {
        let mut table = Table::new(vec![
            Column {
                name: "arm".into(),
                kind: Kind::Group,
            },
            Column {
                name: "n".into(),
                kind: Kind::Persons,
            },
            Column {
                name: "count".into(),
                kind: Kind::Persons,
            },
            Column {
                name: "share".into(),
                kind: Kind::Share {
                    numerator: "count".into(),
                    denominator: "n".into(),
                },
            },
            Column {
                name: "mean_hours".into(),
                kind: Kind::Mean {
                    n: "count".into(),
                    decimals: 1,
                },
            },
        ]);
        table.push_row(vec![
            Value::Text("control".into()),
            Value::Int(40),
            Value::Int(3),
            share(3, 40),
            Value::Float(12.25),
        ]);
        table.push_row(vec![
            Value::Text("treatment".into()),
            Value::Int(40),
            Value::Int(10),
            share(10, 40),
            Value::Float(20.0),
        ]);
        table
    }

    #[test]
    fn suppression_hides_small_counts_and_what_rests_on_them() {
        let mut table = table();
        assert_eq!(table.suppress(5), 3);
        assert_eq!(table.rows[0][1], Value::Int(40));
        assert_eq!(table.rows[0][2], Value::Suppressed);
        assert_eq!(table.rows[0][3], Value::Suppressed);
        assert_eq!(table.rows[0][4], Value::Suppressed);
        assert_eq!(table.rows[1][3], share(10, 40));
    }

    #[test]
    fn a_lone_hidden_group_takes_the_smallest_other_with_it() {
        let mut table = Table::new(vec![
            Column {
                name: "arm".into(),
                kind: Kind::Group,
            },
            Column {
                name: "n".into(),
                kind: Kind::Persons,
            },
        ]);
        for (arm, n) in [("a", 3), ("b", 12), ("c", 40), (ALL, 55)] {
            table.push_row(vec![Value::Text(arm.into()), Value::Int(n)]);
        }
        table.suppress(5);
        // a (3) is hidden; 55 - 12 - 40 would give it back, so b (12) is hidden too.
        let shown: Vec<String> = table.rows.iter().map(|r| table.format(1, &r[1])).collect();
        assert_eq!(shown, [".", ".", "40", "55"]);
    }

    #[test]
    fn a_reference_to_no_column_fails_the_check_and_hides_the_cell() {
        let mut table = table();
        assert_eq!(table.check_references(), Ok(()));
        table.columns[3].kind = Kind::Share {
            numerator: "count".into(),
            denominator: "N".into(),
        };
        assert_eq!(
            table.check_references(),
            Err("column share rests on \"N\", which is not a count column of the table".into())
        );
        table.suppress(5);
        // Both shares are hidden, though their counts (3 of 40 hidden, 10 of 40 shown) would
        // hide only the first.
        assert_eq!(table.rows[0][3], Value::Suppressed);
        assert_eq!(table.rows[1][3], Value::Suppressed);
        let mut table = self::table();
        table.columns[4].kind = Kind::Mean {
            n: "share".into(),
            decimals: 1,
        };
        assert_eq!(
            table.check_references(),
            Err(
                "column mean_hours rests on \"share\", which is not a count column of the table"
                    .into()
            )
        );
    }

    /// arm, month, n, events, censored, at_risk, cumulative: two arms and their total over two
    /// months, every relation holding.
    fn curve() -> Table {
        let mut t = TableBuilder::new();
        let arm = t.group("arm");
        let month = t.number("month", 0);
        let at_risk = t.persons("at_risk");
        let events = t.persons("events");
        let censored = t.persons("censored");
        let cumulative = t.persons("cumulative");
        let share = t.share("share", events, at_risk);
        let rows = [
            ("a", 0, 10, 2, 1, 2),
            ("a", 1, 7, 3, 0, 5),
            ("b", 0, 20, 5, 0, 5),
            ("b", 1, 15, 1, 2, 6),
            (ALL, 0, 30, 7, 1, 7),
            (ALL, 1, 22, 4, 2, 11),
        ];
        for (group, m, n, e, c, cum) in rows {
            let mut row = t.row();
            row.text(arm, group)
                .int(month, m)
                .int(at_risk, n)
                .int(events, e)
                .int(censored, c)
                .int(cumulative, cum);
        }
        let name = |s: &str| s.to_string();
        t.relation(Relation::GroupsSumToTotal {
            group: name("arm"),
            keys: vec![name("month")],
            columns: vec![name("at_risk"), name("events"), name("censored")],
        });
        t.relation(Relation::RunningSum {
            keys: vec![name("arm")],
            along: name("month"),
            column: name("events"),
            cumulative: name("cumulative"),
        });
        t.relation(Relation::RiskSet {
            keys: vec![name("arm")],
            along: name("month"),
            at_risk: name("at_risk"),
            leaving: vec![name("events"), name("censored")],
        });
        let _ = share;
        t.build()
    }

    #[test]
    fn the_builder_sets_cells_by_column_and_leaves_the_rest_null() {
        let table = curve();
        assert_eq!(
            table.columns[6].kind,
            Kind::Share {
                numerator: "events".into(),
                denominator: "at_risk".into()
            }
        );
        // The share was never set: null, not a zero.
        assert_eq!(table.rows[0][6], Value::Null);
        assert_eq!(table.rows[0][2], Value::Int(10));
        assert_eq!(table.relation_violations(), Vec::<String>::new());
    }

    #[test]
    fn a_column_placed_later_is_printed_there() {
        let mut t = TableBuilder::new();
        let n = t.persons("n");
        let min_cell = t.persons("min_cell");
        let difference = t.mean("difference", min_cell, 1);
        t.place(min_cell);
        let censored = t.persons("censored");
        t.row()
            .int(n, 10)
            .int(min_cell, 3)
            .set(difference, Value::Float(0.5))
            .int(censored, 2);
        assert_eq!(t.name(min_cell), "min_cell");
        let table = t.build();
        let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["n", "difference", "min_cell", "censored"]);
        assert_eq!(
            table.rows[0],
            [
                Value::Int(10),
                Value::Float(0.5),
                Value::Int(3),
                Value::Int(2)
            ]
        );
        assert_eq!(table.check_references(), Ok(()));
    }

    #[test]
    #[should_panic(expected = "share rests on label, which is not a count column")]
    fn a_share_on_a_text_column_is_refused_when_declared() {
        let mut t = TableBuilder::new();
        let label = t.text("label");
        let n = t.persons("n");
        t.share("share", label, n);
    }

    #[test]
    fn a_relation_that_does_not_hold_is_named() {
        let mut table = curve();
        table.rows[1][3] = Value::Int(4); // arm a, month 1: 4 events, not 3
        table.rows[2][2] = Value::Int(21); // arm b, month 0: 21 at risk
        assert_eq!(
            table.relation_violations(),
            [
                "row 4: the groups of at_risk add up to 31, not 30",
                "row 5: the groups of events add up to 5, not 4",
                "row 1: the running sum of events is 6, not cumulative 5",
                "row 3: at_risk is 15, not 16 (the row before, less those leaving)",
            ]
        );
        // Hidden cells are skipped.
        table.rows[1][3] = Value::Suppressed;
        table.rows[2][2] = Value::Suppressed;
        assert_eq!(table.relation_violations(), Vec::<String>::new());
        let mut table = curve();
        table.relations = vec![
            Relation::Sum {
                parts: vec!["events".into(), "censored".into()],
                whole: "at_risk".into(),
            },
            Relation::PartsSumToWhole {
                keys: vec!["month".into()],
                part: "events".into(),
                whole: "cumulative".into(),
            },
        ];
        let violations = table.relation_violations();
        assert_eq!(
            violations[0],
            "row 0: the parts of at_risk add up to 3, not 10"
        );
        assert_eq!(
            violations[6],
            "row 0: events adds up to 14, not cumulative 2"
        );
    }

    #[test]
    fn rows_adding_up_to_a_row() {
        // Two groups' funnels: referred = deregistered + active, in count; the (all) summary of
        // each group's months in another column.
        let mut t = TableBuilder::new();
        let group = t.group("group");
        let stage = t.text("stage");
        let count = t.persons("count");
        let total = t.persons("total");
        let rows = [
            ("a", "referred", Some(10), None),
            ("a", "deregistered", Some(4), None),
            ("a", "active", Some(6), None),
            ("a", "summary", None, Some(6)),
            ("b", "referred", Some(7), None),
            ("b", "deregistered", Some(0), None),
            ("b", "active", Some(7), None),
            ("b", "summary", None, Some(7)),
        ];
        for (g, s, c, n) in rows {
            let mut row = t.row();
            row.text(group, g).text(stage, s);
            if let Some(c) = c {
                row.int(count, c);
            }
            if let Some(n) = n {
                row.int(total, n);
            }
        }
        let keys = vec![t.name(group)];
        t.relation(Relation::RowsSumToRow {
            keys: keys.clone(),
            label: t.name(stage),
            parts: vec!["deregistered".into(), "active".into()],
            column: t.name(count),
            whole: "referred".into(),
            whole_column: t.name(count),
        });
        t.relation(Relation::RowsSumToRow {
            keys,
            label: t.name(stage),
            parts: vec!["active".into()],
            column: t.name(count),
            whole: "summary".into(),
            whole_column: t.name(total),
        });
        let mut table = t.build();
        assert_eq!(table.relation_violations(), Vec::<String>::new());
        table.rows[2][2] = Value::Int(5); // a: 5 active
        assert_eq!(
            table.relation_violations(),
            [
                "row 0: count of the rows deregistered + active adds up to 9, not count 10",
                "row 3: count of the rows active adds up to 5, not total 6",
            ]
        );
        table.rows[2][2] = Value::Suppressed;
        assert_eq!(table.relation_violations(), Vec::<String>::new());
    }

    #[test]
    fn formatting_is_fixed() {
        let table = table();
        assert_eq!(table.format(3, &table.rows[1][3]), "25.0");
        assert_eq!(table.format(4, &table.rows[0][4]), "12.2");
        assert_eq!(table.format(3, &Value::Suppressed), ".");
        assert_eq!(table.cell(&["treatment"], "count"), Some(&Value::Int(10)));
    }
}
