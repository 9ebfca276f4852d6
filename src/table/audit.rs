//! The audit (spec `disclosure.md` §5): for every hidden count of a released table, the range of
//! values consistent with everything the table shows. A reader who holds the table knows its
//! declared relations (they are in the JSON output), the shown cells (exact in JSON), that counts
//! are whole and not negative, that shares lie in [0, 1] and that a shown share is its count over
//! its n. The least and the greatest value a hidden count can take under all that is a pair of
//! linear programmes; counts being whole, the range is rounded inward.
//!
//! The audit reads only the released cells, as an outsider would: it is the same whether it runs
//! inside `run` before writing, or on a saved JSON result (`udfald audit`).

use super::relations::{Cell, Equation};
use super::{Kind, Table, Value};
use good_lp::{
    constraint, microlp, variable, Expression, ProblemVariables, ResolutionError, Solution,
    SolverModel, Variable,
};

/// The values a hidden count can take, given the released table.
#[derive(Debug, Clone, PartialEq)]
pub struct HiddenRange {
    pub row: usize,
    pub column: usize,
    pub low: u64,
    /// `None`: no upper bound.
    pub high: Option<u64>,
}

impl HiddenRange {
    /// How many whole values the count can take (`None`: unboundedly many).
    pub fn values(&self) -> Option<u64> {
        self.high.map(|high| (high + 1).saturating_sub(self.low))
    }

    /// Whether the range is narrower than "hidden" alone says: fewer than `threshold − 1`
    /// values (with T = 5, four, like 1–4).
    pub fn too_narrow(&self, threshold: u64) -> bool {
        self.values()
            .is_some_and(|values| values < threshold.saturating_sub(1))
    }
}

impl std::fmt::Display for HiddenRange {
    /// The range as a reader sees it: `0–12`, or `3 or more` when unbounded.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.high {
            Some(high) if high == self.low => write!(f, "exactly {high}"),
            Some(high) => write!(f, "{}–{high}", self.low),
            None => write!(f, "{} or more", self.low),
        }
    }
}

impl Table {
    /// A cell by its row's group values (or number) and column name, for messages.
    pub fn describe_cell(&self, row: usize, column: usize) -> String {
        format!(
            "{}, column {}",
            self.describe_row(row),
            self.columns[column].name
        )
    }

    /// A row by its group and label values (or its number), for messages.
    pub fn describe_row(&self, row: usize) -> String {
        let groups: Vec<String> = self
            .columns
            .iter()
            .zip(&self.rows[row])
            .filter(|(c, _)| matches!(c.kind, Kind::Group | Kind::Text))
            .filter_map(|(c, v)| match v {
                Value::Text(text) => Some(format!("{}={text}", c.name)),
                Value::Int(v) => Some(format!("{}={v}", c.name)),
                _ => None,
            })
            .collect();
        if groups.is_empty() {
            format!("row {}", row + 1)
        } else {
            format!("row {} ({})", row + 1, groups.join(", "))
        }
    }
}

/// A linear constraint over unknowns (a table's hidden cells, or more): `low ≤ Σ coefficient ×
/// unknown ≤ high` (`low` may be minus infinity).
pub(crate) struct Constraint<V = Cell> {
    pub terms: Vec<(V, f64)>,
    pub low: f64,
    pub high: f64,
}

/// What a reader knows of an unknown before any constraint: a count is not negative, a share
/// lies in [0, 1], anything else may be any number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Bound {
    Count,
    Share,
    Free,
}

/// Why a linear programme has no answer.
pub(crate) enum Unsolved {
    /// No values satisfy the constraints: the shown cells contradict the relations.
    Infeasible,
    /// The solver failed, in words.
    Failed(String),
}

impl Bound {
    /// The bound of a hidden cell of a column of `kind`.
    pub(crate) fn of(kind: &Kind) -> Bound {
        match kind {
            Kind::Persons => Bound::Count,
            Kind::Share { .. } => Bound::Share,
            _ => Bound::Free,
        }
    }
}

/// The whole-number range `[low, high]` of a count whose least and greatest real values under
/// the reader's constraints are these (`None`: unbounded), rounded inward.
pub(crate) fn whole_range(low: Option<f64>, high: Option<f64>) -> (u64, Option<u64>) {
    (
        (low.unwrap_or(0.0) - 1e-6).ceil().max(0.0) as u64,
        high.map(|h| (h + 1e-6).floor().max(0.0) as u64),
    )
}

/// The least (or greatest) value of `target` under `constraints`, each unknown bounded as
/// `bound` says; `None` when unbounded.
pub(crate) fn extreme<V: Copy + Ord>(
    constraints: &[&Constraint<V>],
    target: V,
    greatest: bool,
    bound: impl Fn(V) -> Bound,
) -> Result<Option<f64>, Unsolved> {
    let mut unknowns: Vec<V> = constraints
        .iter()
        .flat_map(|c| c.terms.iter().map(|&(v, _)| v))
        .chain([target])
        .collect();
    unknowns.sort_unstable();
    unknowns.dedup();
    let mut problem = ProblemVariables::new();
    let variables: Vec<Variable> = unknowns
        .iter()
        .map(|&v| match bound(v) {
            Bound::Count => problem.add(variable().min(0.0)),
            Bound::Share => problem.add(variable().min(0.0).max(1.0)),
            Bound::Free => problem.add(variable()),
        })
        .collect();
    let variable_of = |v: V| variables[unknowns.binary_search(&v).unwrap_or(0)];
    let objective = variable_of(target);
    let mut model = if greatest {
        problem.maximise(objective)
    } else {
        problem.minimise(objective)
    }
    .using(microlp);
    for constraint in constraints {
        let sum: Expression = constraint
            .terms
            .iter()
            .map(|&(v, coefficient)| coefficient * variable_of(v))
            .sum();
        if constraint.low == constraint.high {
            model = model.with(constraint!(sum == constraint.low));
        } else {
            if constraint.low.is_finite() {
                model = model.with(constraint!(sum.clone() >= constraint.low));
            }
            model = model.with(constraint!(sum <= constraint.high));
        }
    }
    // The solver is young: a panic in it is an audit failure, reported, not a crash.
    let solved = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.solve()))
        .map_err(|_| Unsolved::Failed("the linear-programme solver failed".into()))?;
    match solved {
        Ok(solution) => Ok(Some(solution.value(objective))),
        Err(ResolutionError::Unbounded) => Ok(None),
        Err(ResolutionError::Infeasible) => Err(Unsolved::Infeasible),
        Err(err) => Err(Unsolved::Failed(format!(
            "the linear-programme solver failed: {err}"
        ))),
    }
}

/// A shown share is exact in JSON; this much slack keeps floating-point error from making the
/// reader's system infeasible, far below what could tell two whole counts apart.
const SHARE_SLACK: f64 = 1e-7;

impl Table {
    /// The feasible range of every hidden count (`Persons` cell), in table order. An error is
    /// a released table no values satisfy (its shown cells contradict its relations) or a solver
    /// failure: both bugs, not the user's.
    pub fn audit(&self) -> Result<Vec<HiddenRange>, String> {
        let constraints = self.reader_constraints();
        let counts: Vec<Cell> = self.hidden_cells(|kind| *kind == Kind::Persons);
        // Cells linked by a constraint form one system; each count's programme is its system.
        let mut systems = Systems::new(self);
        for constraint in &constraints {
            systems.join(&constraint.terms);
        }
        let roots: Vec<usize> = constraints
            .iter()
            .map(|c| systems.root(c.terms[0].0))
            .collect();
        let mut ranges = Vec::with_capacity(counts.len());
        for (row, column) in counts {
            let root = systems.root((row, column));
            let members: Vec<&Constraint> = constraints
                .iter()
                .zip(&roots)
                .filter(|(_, r)| **r == root)
                .map(|(c, _)| c)
                .collect();
            let (low, high) = if members.is_empty() {
                (None, None)
            } else {
                let low = self.solve(&members, (row, column), false)?;
                let high = self.solve(&members, (row, column), true)?;
                (low, high)
            };
            let (low, high) = whole_range(low, high);
            ranges.push(HiddenRange {
                row,
                column,
                low,
                high,
            });
        }
        Ok(ranges)
    }

    /// The hidden numeric cells of columns of a kind `wanted` says, in table order.
    fn hidden_cells(&self, wanted: impl Fn(&Kind) -> bool) -> Vec<Cell> {
        let columns: Vec<usize> = (0..self.columns.len())
            .filter(|&c| wanted(&self.columns[c].kind))
            .collect();
        (0..self.rows.len())
            .flat_map(|r| columns.iter().map(move |&c| (r, c)))
            .filter(|&(r, c)| self.rows[r][c] == Value::Suppressed)
            .collect()
    }

    /// What a reader of the released table knows, as constraints over its hidden cells.
    pub(crate) fn reader_constraints(&self) -> Vec<Constraint> {
        let mut constraints = Vec::new();
        for equation in self.equations() {
            if let Some(constraint) = self.fold_shown(&equation) {
                constraints.push(constraint);
            }
        }
        for inequality in self.inequalities() {
            if let Some(mut constraint) = self.fold_shown(&inequality) {
                constraint.low = f64::NEG_INFINITY;
                constraints.push(constraint);
            }
        }
        // A shown share over a hidden count or n: count − share × n = 0.
        for (s, num, den) in self.share_columns() {
            let counts = [num, den].map(|c| self.columns[c].kind == Kind::Persons);
            for r in 0..self.rows.len() {
                // Those with the outcome are among the persons: count ≤ n.
                if counts == [true, true] {
                    if let Some(mut constraint) =
                        self.fold_shown(&vec![((r, num), 1.0), ((r, den), -1.0)])
                    {
                        constraint.low = f64::NEG_INFINITY;
                        constraints.push(constraint);
                    }
                }
                let Value::Float(share) = self.rows[r][s] else {
                    continue;
                };
                let equation = vec![((r, num), 1.0), ((r, den), -share)];
                if let Some(mut constraint) = self.fold_shown(&equation) {
                    constraint.low -= SHARE_SLACK;
                    constraint.high += SHARE_SLACK;
                    constraints.push(constraint);
                }
            }
        }
        constraints
    }

    /// An equation with its shown cells moved to the right-hand side; `None` when no cell is
    /// hidden (nothing to learn) or a cell holds no number (no value, text: the relation does not
    /// apply to that instance).
    fn fold_shown(&self, equation: &Equation) -> Option<Constraint> {
        let mut terms = Vec::new();
        let mut rest = 0.0;
        for &((r, c), coefficient) in equation {
            match &self.rows[r][c] {
                Value::Suppressed => terms.push(((r, c), coefficient)),
                Value::Int(v) => rest -= coefficient * *v as f64,
                Value::Float(v) => rest -= coefficient * v,
                Value::Null | Value::Text(_) => return None,
            }
        }
        (!terms.is_empty()).then_some(Constraint {
            terms,
            low: rest,
            high: rest,
        })
    }

    /// The least (or greatest) value of `target` under `constraints`; `None` when unbounded.
    fn solve(
        &self,
        constraints: &[&Constraint],
        target: Cell,
        greatest: bool,
    ) -> Result<Option<f64>, String> {
        extreme(constraints, target, greatest, |(_, c)| {
            Bound::of(&self.columns[c].kind)
        })
        .map_err(|unsolved| match unsolved {
            Unsolved::Infeasible => format!(
                "row {}, column {}: no values of the hidden cells agree with the shown ones",
                target.0 + 1,
                self.columns[target.1].name
            ),
            Unsolved::Failed(why) => why,
        })
    }
}

/// Union–find over cells: which hidden cells are linked through constraints.
struct Systems {
    width: usize,
    parent: Vec<usize>,
}

impl Systems {
    fn new(table: &Table) -> Systems {
        let width = table.columns.len();
        Systems {
            width,
            parent: (0..table.rows.len() * width).collect(),
        }
    }

    fn root(&mut self, cell: Cell) -> usize {
        let mut i = cell.0 * self.width + cell.1;
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }

    fn join(&mut self, terms: &[(Cell, f64)]) {
        let first = self.root(terms[0].0);
        for &(cell, _) in &terms[1..] {
            let root = self.root(cell);
            self.parent[root] = first;
        }
    }
}
