//! An independent attacker on released output (spec `disclosure.md` §3, §5): it holds only what
//! `udfald run --format json` writes with the default threshold, plus the metrics' documented
//! definitions, and tries to recover every hidden person count by linear programming. A hidden
//! count must keep at least T − 1 = 4 consistent values (max − min >= 3 after rounding inward);
//! a test fails, naming the query, row, column and range, where the attacker narrows one further.
//!
//! The attacker reads JSON only, never udfald's disclosure code. The same run with
//! `--no-suppress` is used for two things an attacker would not have: to check that the true
//! values satisfy every constraint the attacker wrote (so a wrong reading of a definition shows
//! up as a bug here, not as a false leak), and to print the true value beside a recovered range.

use crate::harness::{udfald, Workdir};
use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The threshold T: a hidden count must keep at least T − 1 consistent values.
const THRESHOLD: f64 = 5.0;
/// Slack for the solver's floating point when rounding bounds inward, and for strict inequalities.
const EPS: f64 = 1e-6;
/// A bound no count in these small test datasets reaches: big-M for 0/1 indicators.
const BIG_M: f64 = 10_000.0;

// ---------------------------------------------------------------------------------------------
// The released table, as a reader of the JSON sees it.

/// One result table of the JSON output.
struct Released {
    query: String,
    metric: String,
    columns: Vec<(String, Map<String, Value>)>,
    rows: Vec<Map<String, Value>>,
    relations: Vec<Map<String, Value>>,
}

impl Released {
    fn from_json(result: &Value) -> Released {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Released {
            query: text(&result["name"]),
            metric: text(&result["metric"]),
            columns: result["columns"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (text(&c["name"]), c["kind"].as_object().unwrap().clone()))
                .collect(),
            rows: result["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_object().unwrap().clone())
                .collect(),
            relations: result["relations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_object().unwrap().clone())
                .collect(),
        }
    }

    /// The label a report would give a row: its group and text cells.
    fn row_label(&self, row: usize) -> String {
        self.columns
            .iter()
            .filter(|(_, kind)| matches!(kind["kind"].as_str(), Some("group" | "text")))
            .filter_map(|(name, _)| match &self.rows[row][name] {
                Value::String(s) => Some(format!("{name}={s}")),
                Value::Number(n) => Some(format!("{name}={n}")),
                _ => None,
            })
            .chain(
                self.rows[row]
                    .get("rel_month")
                    .and_then(Value::as_i64)
                    .map(|m| format!("rel_month={m}")),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The rows grouped by their values in `keys` (rows lacking a key value are left out).
    fn rows_by(&self, keys: &[String]) -> BTreeMap<String, Vec<usize>> {
        let mut out: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, row) in self.rows.iter().enumerate() {
            // A long table's row leaves out the cells of its other parts: read as null.
            let key: Vec<String> = keys
                .iter()
                .map(|k| row.get(k).unwrap_or(&Value::Null).to_string())
                .collect();
            out.entry(key.join("\u{1f}")).or_default().push(i);
        }
        out
    }

    fn text(&self, row: usize, column: &str) -> Option<&str> {
        self.rows[row].get(column).and_then(Value::as_str)
    }

    fn number(&self, row: usize, column: &str) -> Option<f64> {
        self.rows[row].get(column).and_then(Value::as_f64)
    }
}

fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => vec![],
    }
}

// ---------------------------------------------------------------------------------------------
// The linear programme: one variable per hidden numeric cell, shown cells as constants.

/// An affine expression over the hidden cells: Σ coefficient × cell + constant.
#[derive(Clone, Default, Debug)]
struct Affine {
    terms: Vec<(usize, f64)>,
    constant: f64,
}

impl Affine {
    fn constant(value: f64) -> Affine {
        Affine {
            terms: vec![],
            constant: value,
        }
    }

    fn plus(mut self, other: &Affine, factor: f64) -> Affine {
        self.terms
            .extend(other.terms.iter().map(|&(v, c)| (v, c * factor)));
        self.constant += other.constant * factor;
        self
    }

    fn minus(self, other: &Affine) -> Affine {
        self.plus(other, -1.0)
    }

    fn times(self, factor: f64) -> Affine {
        Affine::default().plus(&self, factor)
    }

    fn sum<'a>(items: impl IntoIterator<Item = &'a Affine>) -> Affine {
        items
            .into_iter()
            .fold(Affine::default(), |acc, a| acc.plus(a, 1.0))
    }

    fn at(&self, values: &[f64]) -> f64 {
        self.constant + self.terms.iter().map(|&(v, c)| c * values[v]).sum::<f64>()
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Sense {
    /// expression == 0
    Zero,
    /// expression >= 0
    NonNegative,
}

/// What a hidden cell is, which decides its bounds and whether it is reported.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Hidden {
    /// A number of persons: >= 0, and the subject of the attack.
    Persons,
    /// A 0/1 indicator (a threshold flag): an integer variable.
    Flag,
    /// Any other figure (a mean, a total of weeks): free, used only through relations.
    Other,
    /// The persons of a group, which no table need print but tables of the same persons share
    /// (their `population` relations): >= 0, used only through them.
    Group,
}

struct Cell {
    row: usize,
    column: String,
    hidden: Hidden,
}

/// The attacker's system of one table: its hidden cells and what is known about them.
struct Attack<'a> {
    table: &'a Released,
    cells: Vec<Cell>,
    index: BTreeMap<(usize, String), usize>,
    constraints: Vec<(Affine, Sense, String)>,
}

impl<'a> Attack<'a> {
    fn new(table: &'a Released) -> Attack<'a> {
        let mut attack = Attack {
            table,
            cells: vec![],
            index: BTreeMap::new(),
            constraints: vec![],
        };
        for (row, cells) in table.rows.iter().enumerate() {
            for (column, kind) in &table.columns {
                let numeric = matches!(kind["kind"].as_str(), Some("persons" | "mean" | "number"));
                if numeric && cells.get(column).and_then(Value::as_str) == Some("suppressed") {
                    let hidden = if kind["kind"] == "persons" {
                        Hidden::Persons
                    } else {
                        Hidden::Other
                    };
                    attack
                        .index
                        .insert((row, column.clone()), attack.cells.len());
                    attack.cells.push(Cell {
                        row,
                        column: column.clone(),
                        hidden,
                    });
                }
            }
        }
        attack
    }

    /// A cell as an expression: a shown number is a constant, a hidden one its variable; `None`
    /// for no value (Null, text, a hidden share).
    fn cell(&self, row: usize, column: &str) -> Option<Affine> {
        if let Some(&v) = self.index.get(&(row, column.to_string())) {
            return Some(Affine {
                terms: vec![(v, 1.0)],
                constant: 0.0,
            });
        }
        self.table.number(row, column).map(Affine::constant)
    }

    fn is_hidden(&self, row: usize, column: &str) -> bool {
        self.table.text(row, column) == Some("suppressed")
    }

    fn require(&mut self, expression: Affine, sense: Sense, why: impl Into<String>) {
        // A constraint among shown cells only teaches nothing (and must hold anyway).
        if !expression.terms.is_empty() {
            self.constraints.push((expression, sense, why.into()));
        }
    }

    fn equal(&mut self, a: Affine, b: &Affine, why: impl Into<String>) {
        self.require(a.minus(b), Sense::Zero, why);
    }

    fn at_least(&mut self, a: Affine, b: &Affine, why: impl Into<String>) {
        self.require(a.minus(b), Sense::NonNegative, why);
    }

    fn make_flag(&mut self, row: usize, column: &str) -> Option<Affine> {
        let v = *self.index.get(&(row, column.to_string()))?;
        self.cells[v].hidden = Hidden::Flag;
        self.cell(row, column)
    }

    /// `indicator` (a 0/1 cell) is 1 exactly when `expression >= 0` (and 0 when it is < 0):
    /// linear for a shown indicator, big-M with an integer variable for a hidden one.
    fn indicator(&mut self, indicator: &Affine, expression: Affine, why: &str) {
        if indicator.terms.is_empty() {
            if indicator.constant >= 0.5 {
                self.require(expression, Sense::NonNegative, why);
            } else {
                // expression < 0, i.e. -expression - EPS >= 0
                self.require(
                    expression.times(-1.0).plus(&Affine::constant(-EPS), 1.0),
                    Sense::NonNegative,
                    why,
                );
            }
        } else {
            // indicator = 1 ⇒ expression >= 0:   expression + M(1 − indicator) >= 0
            let on = expression
                .clone()
                .plus(&Affine::constant(BIG_M), 1.0)
                .minus(&indicator.clone().times(BIG_M));
            self.require(on, Sense::NonNegative, why);
            // indicator = 0 ⇒ expression < 0:    −expression − EPS + M·indicator >= 0
            let off = expression
                .times(-1.0)
                .plus(&Affine::constant(-EPS), 1.0)
                .plus(indicator, BIG_M);
            self.require(off, Sense::NonNegative, why);
        }
    }

    // -- what every table says -----------------------------------------------------------------

    /// Shares: numerator <= denominator, and a shown share pins numerator = share × denominator
    /// exactly (JSON holds exact proportions).
    fn shares(&mut self) {
        let shares: Vec<(String, String, String)> = self
            .table
            .columns
            .iter()
            .filter(|(_, k)| k["kind"] == "share")
            .map(|(name, k)| {
                (
                    name.clone(),
                    k["numerator"].as_str().unwrap().to_string(),
                    k["denominator"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        for row in 0..self.table.rows.len() {
            for (share, numerator, denominator) in &shares {
                let (Some(num), Some(den)) =
                    (self.cell(row, numerator), self.cell(row, denominator))
                else {
                    continue;
                };
                self.at_least(den.clone(), &num, format!("{numerator} <= {denominator}"));
                if let Some(s) = self.table.number(row, share) {
                    self.equal(num, &den.times(s), format!("{share} × {denominator}"));
                }
            }
        }
    }

    /// The relations the table declares, each encoded from its JSON description.
    fn relations(&mut self) {
        for relation in self.table.relations.clone() {
            let kind = relation["relation"].as_str().unwrap();
            let keys = strings(relation.get("keys").unwrap_or(&Value::Null));
            match kind {
                "sum" => {
                    let parts = strings(&relation["parts"]);
                    let whole = relation["whole"].as_str().unwrap();
                    for row in 0..self.table.rows.len() {
                        let terms: Option<Vec<Affine>> =
                            parts.iter().map(|p| self.cell(row, p)).collect();
                        if let (Some(terms), Some(whole_cell)) = (terms, self.cell(row, whole)) {
                            self.equal(Affine::sum(&terms), &whole_cell, format!("sum {whole}"));
                        }
                    }
                }
                "groups_sum_to_total" => {
                    let group = relation["group"].as_str().unwrap().to_string();
                    for rows in self.table.rows_by(&keys).into_values() {
                        let (total, groups): (Vec<usize>, Vec<usize>) = rows
                            .into_iter()
                            .partition(|&r| self.table.text(r, &group) == Some("(all)"));
                        let [total] = total[..] else { continue };
                        for column in strings(&relation["columns"]) {
                            let terms: Option<Vec<Affine>> =
                                groups.iter().map(|&r| self.cell(r, &column)).collect();
                            if let (Some(terms), Some(whole)) = (terms, self.cell(total, &column)) {
                                self.equal(
                                    Affine::sum(&terms),
                                    &whole,
                                    format!("groups of {group} sum to (all) in {column}"),
                                );
                            }
                        }
                    }
                }
                "parts_sum_to_whole" => {
                    let part = relation["part"].as_str().unwrap();
                    let whole = relation["whole"].as_str().unwrap();
                    for rows in self.table.rows_by(&keys).into_values() {
                        let terms: Option<Vec<Affine>> =
                            rows.iter().map(|&r| self.cell(r, part)).collect();
                        let Some(terms) = terms else { continue };
                        for &r in &rows {
                            if let Some(whole_cell) = self.cell(r, whole) {
                                self.equal(
                                    Affine::sum(&terms),
                                    &whole_cell,
                                    format!("{part} sum to {whole}"),
                                );
                            }
                        }
                    }
                }
                "running_sum" => {
                    let along = relation["along"].as_str().unwrap();
                    let column = relation["column"].as_str().unwrap();
                    let cumulative = relation["cumulative"].as_str().unwrap();
                    for rows in self.along(&keys, along) {
                        let mut previous = Affine::default();
                        for r in rows {
                            let (Some(step), Some(total)) =
                                (self.cell(r, column), self.cell(r, cumulative))
                            else {
                                break;
                            };
                            self.equal(
                                previous.plus(&step, 1.0),
                                &total,
                                format!("{cumulative} is the running sum of {column}"),
                            );
                            previous = total;
                        }
                    }
                }
                "risk_set" => {
                    let along = relation["along"].as_str().unwrap();
                    let at_risk = relation["at_risk"].as_str().unwrap();
                    let leaving = strings(&relation["leaving"]);
                    for rows in self.along(&keys, along) {
                        for pair in rows.windows(2) {
                            let this = self.cell(pair[0], at_risk);
                            let next = self.cell(pair[1], at_risk);
                            let gone: Option<Vec<Affine>> =
                                leaving.iter().map(|c| self.cell(pair[0], c)).collect();
                            if let (Some(this), Some(next), Some(gone)) = (this, next, gone) {
                                self.equal(
                                    next,
                                    &this.minus(&Affine::sum(&gone)),
                                    format!("next {at_risk} = {at_risk} − leaving"),
                                );
                            }
                        }
                        // Nobody leaves who was not at risk.
                        for &r in &rows {
                            let gone: Option<Vec<Affine>> =
                                leaving.iter().map(|c| self.cell(r, c)).collect();
                            if let (Some(this), Some(gone)) = (self.cell(r, at_risk), gone) {
                                self.at_least(this, &Affine::sum(&gone), "leaving <= at risk");
                            }
                        }
                    }
                }
                "rows_sum_to_row" => {
                    let label = relation["label"].as_str().unwrap();
                    let parts = strings(&relation["parts"]);
                    let column = relation["column"].as_str().unwrap();
                    let whole = relation["whole"].as_str().unwrap();
                    let whole_column = relation["whole_column"].as_str().unwrap();
                    for rows in self.table.rows_by(&keys).into_values() {
                        let is = |r: usize, l: &str| self.table.text(r, label) == Some(l);
                        let terms: Option<Vec<Affine>> = rows
                            .iter()
                            .filter(|&&r| parts.iter().any(|p| is(r, p)))
                            .map(|&r| self.cell(r, column))
                            .collect();
                        let total = rows
                            .iter()
                            .find(|&&r| is(r, whole))
                            .and_then(|&r| self.cell(r, whole_column));
                        if let (Some(terms), Some(total)) = (terms, total) {
                            self.equal(
                                Affine::sum(&terms),
                                &total,
                                format!("{parts:?} rows sum to the {whole} row"),
                            );
                        }
                    }
                }
                "at_most" => {
                    let smaller = relation["smaller"].as_str().unwrap();
                    let larger = relation["larger"].as_str().unwrap();
                    for row in 0..self.table.rows.len() {
                        ordered(self, row, larger, smaller);
                    }
                }
                // Relates the table to others of the same persons: read by `joint`.
                "population" => {}
                other => panic!("relation {other} is unknown to the attacker"),
            }
        }
    }

    /// The rows of each `keys` instance that have a value in `along`, in its order.
    fn along(&self, keys: &[String], along: &str) -> Vec<Vec<usize>> {
        self.table
            .rows_by(keys)
            .into_values()
            .map(|rows| {
                let mut rows: Vec<(f64, usize)> = rows
                    .into_iter()
                    .filter_map(|r| self.table.number(r, along).map(|x| (x, r)))
                    .collect();
                rows.sort_by(|a, b| a.0.total_cmp(&b.0));
                rows.into_iter().map(|(_, r)| r).collect()
            })
            .filter(|rows: &Vec<usize>| !rows.is_empty())
            .collect()
    }

    // -- solving -------------------------------------------------------------------------------

    /// For every hidden person count, its range of consistent whole values: (min, max) with max
    /// `None` when unbounded. Each connected set of cells is its own small programme.
    fn ranges(&self) -> Vec<(usize, f64, Option<f64>)> {
        let components = self.components();
        let mut out = vec![];
        for component in components {
            for &v in &component {
                if self.cells[v].hidden != Hidden::Persons {
                    continue;
                }
                let lo = self
                    .optimise(&component, v, false)
                    .map(|x| (x - EPS).ceil());
                let hi = self
                    .optimise(&component, v, true)
                    .map(|x| (x + EPS).floor());
                out.push((v, lo.unwrap_or(0.0).max(0.0), hi));
            }
        }
        out
    }

    /// Sets of cells linked by some constraint (union-find).
    fn components(&self) -> Vec<Vec<usize>> {
        let mut parent: Vec<usize> = (0..self.cells.len()).collect();
        fn root(parent: &mut [usize], mut v: usize) -> usize {
            while parent[v] != v {
                parent[v] = parent[parent[v]];
                v = parent[v];
            }
            v
        }
        for (expression, _, _) in &self.constraints {
            let first = expression.terms[0].0;
            for &(v, _) in &expression.terms[1..] {
                let (a, b) = (root(&mut parent, first), root(&mut parent, v));
                parent[a] = b;
            }
        }
        let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for v in 0..self.cells.len() {
            let r = root(&mut parent, v);
            groups.entry(r).or_default().push(v);
        }
        groups.into_values().collect()
    }

    /// The smallest (or largest) value of cell `target` over the component; `None` when
    /// unbounded. Panics when infeasible: the true values satisfy every constraint, so an
    /// infeasible programme is a wrong constraint in the attacker.
    fn optimise(&self, component: &[usize], target: usize, maximise: bool) -> Option<f64> {
        let mut problem = ProblemVariables::new();
        let mut vars = BTreeMap::new();
        for &v in component {
            let definition = match self.cells[v].hidden {
                Hidden::Persons => variable().min(0.0),
                Hidden::Flag => variable().integer().clamp(0, 1),
                Hidden::Other => variable(),
                Hidden::Group => variable().min(0.0),
            };
            vars.insert(v, problem.add(definition));
        }
        let expression = |a: &Affine| -> Expression {
            a.terms
                .iter()
                .fold(Expression::from(a.constant), |e, &(v, c)| e + c * vars[&v])
        };
        let objective = Expression::from(vars[&target]);
        let mut model = if maximise {
            problem.maximise(objective)
        } else {
            problem.minimise(objective)
        }
        .using(microlp);
        for (a, sense, _) in &self.constraints {
            if !vars.contains_key(&a.terms[0].0) {
                continue;
            }
            let e = expression(a);
            model = model.with(match sense {
                Sense::Zero => e.eq(0.0),
                Sense::NonNegative => e.geq(0.0),
            });
        }
        match model.solve() {
            Ok(solution) => Some(solution.value(vars[&target])),
            Err(good_lp::ResolutionError::Unbounded) => None,
            Err(err) => panic!(
                "{}: the attacker's programme is {err} for {} {}: a constraint is wrong",
                self.table.query,
                self.table.row_label(self.cells[target].row),
                self.cells[target].column
            ),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What each metric's documentation lets a reader derive, beyond the declared relations.

/// The extra constraints a reader of `docs/metrics/<metric>.md` can write for a table.
fn metric_knowledge(attack: &mut Attack, params: &Value, window: &Value) {
    let rows = attack.table.rows.len();
    match attack.table.metric.as_str() {
        "time_to_event" => kaplan_meier(attack),
        "requirement" => threshold_ladder(attack, params),
        "targets" => traffic_lights(attack, params),
        "history" => history_degrees_and_spells(attack, params),
        "hours_progression" => {
            // A person with one paid month counts as unchanged.
            for r in 0..rows {
                ordered(attack, r, "count_unchanged", "n_one_month");
                ordered(attack, r, "n", "n_one_month");
            }
        }
        "first_outcome" => {
            // Among a first outcome's persons, some reach the goal later, and of those some
            // passed through the other route.
            for r in 0..rows {
                ordered(attack, r, "count", "reached_goal_later");
                ordered(attack, r, "reached_goal_later", "via_other_route");
            }
        }
        "retention" => {
            // Still in the status with the same employer implies still in the status.
            for r in 0..rows {
                ordered(attack, r, "count_still", "count_same_employer");
            }
        }
        "spell" => longest_runs(attack, params, window),
        "outcome_payment" => observed_weeks(attack, params),
        "funnel" => {
            // The last three rows' `active` column is the active persons observed in the
            // measured month: at most the `active` stage's count.
            for block in attack
                .table
                .rows_by(&group_columns(attack.table))
                .into_values()
            {
                let stage = |s: &str| {
                    block
                        .iter()
                        .copied()
                        .find(|&r| attack.table.text(r, "stage") == Some(s))
                };
                let (Some(active), Some(effect)) = (stage("active"), stage("effect")) else {
                    continue;
                };
                if let (Some(all_active), Some(observed)) =
                    (attack.cell(active, "count"), attack.cell(effect, "active"))
                {
                    attack.at_least(all_active, &observed, "observed active <= active");
                }
            }
        }
        "effect" | "hazard_ratio" => {
            // min_cell is the smallest of the counts behind the statistics: a lower bound on
            // each of them.
            for r in 0..rows {
                let Some(min_cell) = attack.cell(r, "min_cell") else {
                    continue;
                };
                for column in [
                    "count_treatment",
                    "count_control",
                    "events_treatment",
                    "events_control",
                ] {
                    if let Some(c) = attack.cell(r, column) {
                        if attack.table.number(r, "min_cell").is_some() {
                            attack.at_least(c, &min_cell, "min_cell <= each count");
                        }
                    }
                }
                // Events are persons of their arm.
                ordered(attack, r, "n_treatment", "events_treatment");
                ordered(attack, r, "n_control", "events_control");
                ordered(attack, r, "n_treatment", "count_treatment");
                ordered(attack, r, "n_control", "count_control");
                effect_difference(attack, r);
            }
        }
        _ => {}
    }
}

/// `big >= small` in row `r`, when both cells have values.
fn ordered(attack: &mut Attack, r: usize, big: &str, small: &str) {
    if let (Some(b), Some(s)) = (attack.cell(r, big), attack.cell(r, small)) {
        attack.at_least(b, &s, format!("{small} <= {big}"));
    }
}

fn group_columns(table: &Released) -> Vec<String> {
    table
        .columns
        .iter()
        .filter(|(_, k)| k["kind"] == "group")
        .map(|(name, _)| name.clone())
        .collect()
}

/// time_to_event: the curve's n is everyone at risk at its first month, events never exceed
/// those at risk, and a Kaplan–Meier step between two shown consecutive points gives that
/// month's events: events(t) = n_at_risk(t) × (1 − S(t)/S(t−1)), S = 1 − share_reached.
fn kaplan_meier(attack: &mut Attack) {
    let table = attack.table;
    for rows in table.rows_by(&group_columns(table)).into_values() {
        let summary = rows
            .iter()
            .copied()
            .find(|&r| table.text(r, "row") == Some("summary"));
        let mut months: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| table.text(r, "row") == Some("month"))
            .collect();
        months.sort_by(|&a, &b| {
            let m = |r| table.number(r, "rel_month").unwrap();
            m(a).total_cmp(&m(b))
        });
        if let (Some(summary), Some(&first)) = (summary, months.first()) {
            if let (Some(n), Some(at_risk)) =
                (attack.cell(summary, "n"), attack.cell(first, "n_at_risk"))
            {
                attack.equal(at_risk, &n, "everyone is at risk in the first month");
            }
        }
        let mut survival_before = Some(1.0);
        let mut month_before: Option<f64> = None;
        for &r in &months {
            let month = table.number(r, "rel_month").unwrap();
            let survival = table.number(r, "share_reached").map(|s| 1.0 - s);
            // One month's step, from the end of the row before; a pooled period's is a product
            // of steps, not linear in its counts.
            let single = table
                .number(r, "from_month")
                .is_none_or(|from| from == month);
            let consecutive = single && month_before.is_none_or(|m| month == m + 1.0);
            if let (Some(s0), Some(s1), true) = (survival_before, survival, consecutive) {
                if s0 > 0.0 {
                    if let (Some(events), Some(at_risk)) =
                        (attack.cell(r, "events"), attack.cell(r, "n_at_risk"))
                    {
                        attack.equal(
                            events,
                            &at_risk.times(1.0 - s1 / s0),
                            "Kaplan–Meier step: events = at risk × (1 − S(t)/S(t−1))",
                        );
                    }
                }
            }
            // min_cell: the smaller of n_at_risk and events_cumulative (n_at_risk before any
            // event), so never above n_at_risk.
            if let (Some(at_risk), Some(min_cell)) =
                (attack.cell(r, "n_at_risk"), attack.cell(r, "min_cell"))
            {
                attack.at_least(at_risk, &min_cell, "min_cell <= n_at_risk");
            }
            survival_before = survival;
            month_before = Some(month);
        }
    }
}

/// requirement: a group's `met_<t>` is 1 exactly when its best share count / n >= t; the (all)
/// row's `met_<t>` counts the groups meeting t (declared), and `share_met_<t>` is met / groups.
fn threshold_ladder(attack: &mut Attack, params: &Value) {
    let table = attack.table;
    let thresholds: Vec<f64> = params["thresholds"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_f64).collect())
        .unwrap_or_default();
    for t in thresholds {
        let met = format!("met_{}", (t * 100.0).round());
        let share_met = format!("share_met_{}", (t * 100.0).round());
        for r in 0..table.rows.len() {
            let is_total = group_columns(table)
                .iter()
                .any(|g| table.text(r, g) == Some("(all)"));
            if is_total {
                // share_met × groups = met
                if let (Some(s), Some(met_cell), Some(groups)) = (
                    table.number(r, &share_met),
                    attack.cell(r, &met),
                    attack.cell(r, "groups"),
                ) {
                    attack.equal(met_cell, &groups.times(s), "share_met × groups = met");
                }
                continue;
            }
            let flag = if attack.is_hidden(r, &met) {
                attack.make_flag(r, &met)
            } else {
                attack.cell(r, &met)
            };
            let (Some(flag), Some(count), Some(n)) =
                (flag, attack.cell(r, "count"), attack.cell(r, "n"))
            else {
                continue;
            };
            attack.indicator(
                &flag,
                count.minus(&n.times(t)),
                &format!("{met}: count >= t × n"),
            );
        }
    }
}

/// targets: a light says how far the achieved count falls short of its target:
/// green when achieved > (1 − green/100) × target, red when achieved < (1 − red/100) × target,
/// yellow in between (both ends included); fulfilment = achieved / target.
fn traffic_lights(attack: &mut Attack, params: &Value) {
    let table = attack.table;
    let green = params["green_short_below"].as_f64().unwrap_or(10.0);
    let red = params["red_short_above"].as_f64().unwrap_or(25.0);
    for r in 0..table.rows.len() {
        let (Some(achieved), Some(target)) =
            (attack.cell(r, "achieved"), table.number(r, "target"))
        else {
            continue;
        };
        if let Some(f) = table.number(r, "fulfilment") {
            attack.equal(
                achieved.clone(),
                &Affine::constant(f * target),
                "fulfilment × target",
            );
        }
        let green_above = Affine::constant((1.0 - green / 100.0) * target);
        let red_below = Affine::constant((1.0 - red / 100.0) * target);
        let strictly = Affine::constant(EPS);
        match table.text(r, "light") {
            Some("green") => attack.at_least(
                achieved,
                &green_above.plus(&strictly, 1.0),
                "green: short by < 10%",
            ),
            Some("red") => {
                attack.at_least(red_below.minus(&strictly), &achieved, "red: short by > 25%")
            }
            Some("yellow") => {
                attack.at_least(achieved.clone(), &red_below, "yellow: short by <= 25%");
                attack.at_least(green_above, &achieved, "yellow: short by >= 10%");
            }
            _ => {}
        }
    }
}

/// history: with `W = weeks_before` window weeks, a person's degree is in (0, 1] when touched
/// and 0 otherwise, and each touched person has at least 1/W of a degree: so
/// mean_degree × n <= touched <= mean_degree × n × W. Employment weeks are self-supporting
/// weeks, social assistance is public support, and every week is public support or
/// self-supporting. Spells: the mean number of spells × n is the total, at least
/// spells_1plus + spells_2plus + spells_3plus, and beyond that only persons with 3+ spells
/// add (at most W/2 spells each).
fn history_degrees_and_spells(attack: &mut Attack, params: &Value) {
    let weeks = params["weeks_before"].as_f64().unwrap_or(104.0);
    let in_weeks = params["unit"].as_str() == Some("weeks");
    let table = attack.table;
    for r in 0..table.rows.len() {
        let Some(n) = attack.cell(r, "n") else {
            continue;
        };
        for m in [
            "public_support",
            "social_assistance",
            "employment",
            "self_support",
            "sickness",
        ] {
            let touched = format!("touched_{m}");
            let mean = if in_weeks {
                format!("mean_weeks_{m}")
            } else {
                format!("mean_degree_{m}")
            };
            let (Some(touched), Some(mean)) = (attack.cell(r, &touched), table.number(r, &mean))
            else {
                continue;
            };
            // total = mean × n, in degrees (each <= 1) or in weeks (each <= W)
            let (per_person_max, per_person_min) = if in_weeks {
                (weeks, 1.0)
            } else {
                (1.0, 1.0 / weeks)
            };
            let total = n.clone().times(mean);
            attack.at_least(
                touched.clone().times(per_person_max),
                &total,
                format!("touched_{m} >= total / most per person"),
            );
            attack.at_least(
                total,
                &touched.times(per_person_min),
                format!("touched_{m} <= total / least per person"),
            );
        }
        ordered(attack, r, "touched_self_support", "touched_employment");
        ordered(
            attack,
            r,
            "touched_public_support",
            "touched_social_assistance",
        );
        if let (Some(public), Some(own)) = (
            attack.cell(r, "touched_public_support"),
            attack.cell(r, "touched_self_support"),
        ) {
            attack.at_least(public.plus(&own, 1.0), &n, "every week is one or the other");
        }
        for (more, fewer) in [
            ("spells_1plus", "spells_2plus"),
            ("spells_2plus", "spells_3plus"),
        ] {
            ordered(attack, r, more, fewer);
        }
        let ladder: Option<Vec<Affine>> = ["spells_1plus", "spells_2plus", "spells_3plus"]
            .iter()
            .map(|c| attack.cell(r, c))
            .collect();
        if let (Some(ladder), Some(mean)) = (ladder, table.number(r, "mean_spells")) {
            let total = n.clone().times(mean);
            let at_least = Affine::sum(&ladder);
            attack.at_least(total.clone(), &at_least, "spells: total >= Σ ladder");
            let at_most = at_least.plus(&ladder[2], (weeks / 2.0).ceil() - 3.0);
            attack.at_least(at_most, &total, "spells: total <= Σ ladder + tail");
        }
        ordered(attack, r, "n", "n_short");
    }
}

/// spell: the mean longest run × n is the total of longest runs; a person counted has a run of
/// at least L weeks, the others fewer than L, and no run is longer than the window's weeks
/// (at most 5 per month).
fn longest_runs(attack: &mut Attack, params: &Value, window: &Value) {
    let table = attack.table;
    let l = params["min_weeks"].as_f64().unwrap_or(13.0);
    let (Some(from), Some(to)) = (window["from"].as_f64().or(Some(0.0)), window["to"].as_f64())
    else {
        return;
    };
    let most = (to - from + 1.0) * 5.0;
    for r in 0..table.rows.len() {
        let (Some(n), Some(count), Some(mean)) = (
            attack.cell(r, "n"),
            attack.cell(r, "count"),
            table.number(r, "mean_longest_run"),
        ) else {
            continue;
        };
        let total = n.clone().times(mean);
        attack.at_least(total.clone(), &count.clone().times(l), "counted runs >= L");
        let at_most = n.times(l - 1.0).plus(&count, most - (l - 1.0));
        attack.at_least(at_most, &total, "other runs < L, none above the window");
    }
}

/// outcome_payment: `weeks_observed` is the total of observed horizon weeks; a complete person
/// has all H of them, any other observed person 1 to H − 1.
fn observed_weeks(attack: &mut Attack, params: &Value) {
    let h = params["horizon_weeks"].as_f64().unwrap_or(156.0);
    for r in 0..attack.table.rows.len() {
        let (Some(n), Some(complete), Some(weeks)) = (
            attack.cell(r, "n"),
            attack.cell(r, "n_complete"),
            attack.cell(r, "weeks_observed"),
        ) else {
            continue;
        };
        let incomplete = n.minus(&complete);
        let least = complete.clone().times(h).plus(&incomplete, 1.0);
        let most = complete.times(h).plus(&incomplete, h - 1.0);
        attack.at_least(weeks.clone(), &least, "incomplete persons have >= 1 week");
        attack.at_least(most, &weeks, "incomplete persons have < H weeks");
        ordered(attack, r, "n", "n_complete");
    }
}

/// effect: the difference in percentage points is 100 × (share_treatment − share_control); a
/// shown difference with one shown share gives the other.
fn effect_difference(attack: &mut Attack, r: usize) {
    let table = attack.table;
    let Some(d) = table.number(r, "difference_pp") else {
        return;
    };
    for (shown, other, count, n) in [
        (
            "share_treatment",
            "share_control",
            "count_control",
            "n_control",
        ),
        (
            "share_control",
            "share_treatment",
            "count_treatment",
            "n_treatment",
        ),
    ] {
        let sign = if shown == "share_treatment" {
            -1.0
        } else {
            1.0
        };
        if let (Some(s), None, Some(count), Some(n)) = (
            table.number(r, shown),
            table.number(r, other),
            attack.cell(r, count),
            attack.cell(r, n),
        ) {
            attack.equal(count, &n.times(s + sign * d / 100.0), "difference_pp");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running a query and judging the attack.

/// A dataset with small groups.
#[derive(Clone, Copy)]
enum Data {
    /// `udfald synth --persons N --seed S` (the built-in scenario).
    Synth { persons: u32, seed: u32 },
    /// A synthetic dataset whose cohort gains the funnel's columns (a deregistration reason for
    /// every fourth person, weeks in the programme for most others).
    SynthFunnel { persons: u32, seed: u32 },
}

impl Data {
    fn make(self) -> (Workdir, String) {
        match self {
            Data::Synth { persons, seed } | Data::SynthFunnel { persons, seed } => {
                let work = Workdir::empty();
                let (p, s) = (persons.to_string(), seed.to_string());
                let out = work.path().display().to_string();
                udfald(&["synth", "--persons", &p, "--seed", &s, "--out", &out]).expect_status(0);
                let mut command = format!("udfald synth --persons {p} --seed {s} --out DIR");
                if let Data::SynthFunnel { .. } = self {
                    add_funnel_columns(&work);
                    command.push_str(" (+ funnel columns, see add_funnel_columns)");
                }
                (work, command)
            }
        }
    }
}

/// Appends `deregistration_reason` and `weeks_in_programme` to a synthetic cohort: person i is
/// deregistered (reason by i mod 3) when i mod 4 = 0, not started when i mod 7 = 1, else in the
/// programme for i mod 9 weeks.
fn add_funnel_columns(work: &Workdir) {
    let cohort = work.read("cohort.csv");
    let mut out = String::new();
    for (i, line) in cohort.lines().enumerate() {
        if i == 0 {
            writeln!(out, "{line},deregistration_reason,weeks_in_programme").unwrap();
            continue;
        }
        let reasons = ["moved_away", "never_showed", "not_in_target_group"];
        let (reason, weeks) = if i % 4 == 0 {
            (reasons[i % 3].to_string(), String::new())
        } else if i % 7 == 1 {
            (String::new(), String::new())
        } else {
            (String::new(), (i % 9).to_string())
        };
        writeln!(out, "{line},{reason},{weeks}").unwrap();
    }
    work.write("cohort.csv", &out);
}

/// A hidden count the attacker narrowed below T − 1 values.
struct Leak {
    data: String,
    query: String,
    row: String,
    column: String,
    range: (f64, Option<f64>),
    truth: f64,
}

/// Runs `metric` with `body` on every dataset, attacks every result table, and fails listing
/// each hidden person count whose consistent whole values span fewer than T − 1 (or that is
/// determined). Fails too when nothing was hidden, since then the test would prove nothing.
fn assert_protected(metric: &str, body: &str, datasets: &[Data]) {
    let query_toml =
        format!("name = \"{metric}\"\ntitle = \"attacked\"\nmetric = \"{metric}\"\n{body}");
    let mut hidden = 0;
    let mut leaks: Vec<Leak> = vec![];
    for &data in datasets {
        let (work, command) = data.make();
        work.write("attacked.toml", &query_toml);
        let query = work.file("attacked.toml").display().to_string();
        let dir = work.path().display().to_string();
        let run = |extra: &[&str]| -> Value {
            let mut args = vec![
                "run",
                query.as_str(),
                "--data",
                dir.as_str(),
                "--format",
                "json",
            ];
            args.extend_from_slice(extra);
            let run = udfald(&args).expect_status(0);
            serde_json::from_str(&run.stdout).expect("JSON output")
        };
        let released = run(&[]);
        let truth = run(&["--no-suppress"]);
        assert_eq!(released["release"], true);
        let windows = &released["provenance"]["queries"];
        for (result, true_result) in released["results"]
            .as_array()
            .unwrap()
            .iter()
            .zip(truth["results"].as_array().unwrap())
        {
            let table = Released::from_json(result);
            let window = windows
                .as_array()
                .unwrap()
                .iter()
                .find(|q| q["name"] == result["name"])
                .map(|q| q["window"].clone())
                .unwrap_or(Value::Null);
            let mut attack = Attack::new(&table);
            attack.shares();
            attack.relations();
            metric_knowledge(&mut attack, &result["params"], &window);
            let true_values = true_cells(&attack, true_result);
            check_sound(&attack, &true_values, &command);
            for (v, lo, hi) in attack.ranges() {
                hidden += 1;
                let narrow = match hi {
                    Some(hi) => hi - lo < THRESHOLD - 2.0,
                    None => false,
                };
                if narrow {
                    let cell = &attack.cells[v];
                    leaks.push(Leak {
                        data: command.clone(),
                        query: table.query.clone(),
                        row: table.row_label(cell.row),
                        column: cell.column.clone(),
                        range: (lo, hi),
                        truth: true_values[v],
                    });
                }
            }
        }
    }
    assert!(
        hidden > 0,
        "{metric}: no hidden person count on any dataset: the attack proves nothing"
    );
    let mut report = String::new();
    for leak in &leaks {
        let hi = leak.range.1.map_or("∞".to_string(), |h| h.to_string());
        writeln!(
            report,
            "  {} on {}: row [{}] column {}: consistent values {}..={} (true {})",
            leak.query, leak.data, leak.row, leak.column, leak.range.0, hi, leak.truth
        )
        .unwrap();
    }
    assert!(
        leaks.is_empty(),
        "{metric}: {} of {hidden} hidden counts recovered to fewer than {} values\nquery:\n{query_toml}\n{report}",
        leaks.len(),
        THRESHOLD - 1.0
    );
}

/// The true value of every hidden cell, from the unsuppressed run (not the attacker's).
fn true_cells(attack: &Attack, true_result: &Value) -> Vec<f64> {
    let rows = true_result["rows"].as_array().unwrap();
    let table = attack.table;
    // A row's identity: its labels, and the period it covers where months are pooled. The
    // unsuppressed run pools nothing, so a pooled period has no true row (NaN below).
    let identity = |row: &Map<String, Value>| -> Vec<Value> {
        table
            .columns
            .iter()
            .filter(|(name, kind)| {
                matches!(kind["kind"].as_str(), Some("group" | "text"))
                    || name == "from_month"
                    || name == "rel_month"
            })
            .map(|(name, _)| row.get(name).cloned().unwrap_or(Value::Null))
            .collect()
    };
    let pooled = table.columns.iter().any(|(name, _)| name == "from_month");
    attack
        .cells
        .iter()
        .map(|cell| {
            let true_row = if pooled {
                let want = identity(&table.rows[cell.row]);
                rows.iter()
                    .find(|r| identity(r.as_object().unwrap()) == want)
            } else {
                rows.get(cell.row)
            };
            // A figure with no number behind it (a median "not reached") is NaN: no constraint
            // may use it.
            true_row
                .and_then(|r| r[&cell.column].as_f64())
                .unwrap_or(f64::NAN)
        })
        .collect()
}

/// Every constraint the attacker wrote holds for the true values: otherwise the attacker misread
/// a definition and its ranges mean nothing.
fn check_sound(attack: &Attack, truth: &[f64], data: &str) {
    for (expression, sense, why) in &attack.constraints {
        // A released row the unsuppressed run lays out differently (time_to_event's pooled
        // periods) has no true value to check against.
        if expression.terms.iter().any(|(v, _)| truth[*v].is_nan()) {
            continue;
        }
        let value = expression.at(truth);
        let scale = 1.0
            + expression
                .terms
                .iter()
                .map(|(v, c)| (c * truth[*v]).abs())
                .sum::<f64>();
        let holds = match sense {
            Sense::Zero => value.abs() <= 1e-7 * scale,
            Sense::NonNegative => value >= -1e-7 * scale,
        };
        if holds {
            continue;
        }
        // In a joint attack a cell may be of another table than `attack.table` (`why` names it).
        let cells: Vec<String> = expression
            .terms
            .iter()
            .map(|(v, c)| {
                let cell = &attack.cells[*v];
                let row = if cell.row < attack.table.rows.len() {
                    attack.table.row_label(cell.row)
                } else {
                    format!("row {}", cell.row + 1)
                };
                format!("{c} × [{row}] {} (true {})", cell.column, truth[*v])
            })
            .collect();
        assert!(
            holds,
            "{} on {data}: the attacker's constraint '{why}' is false for the true values: {} + {} = {value} ({sense:?})",
            attack.table.query,
            cells.join(" + "),
            expression.constant
        );
    }
}

// ---------------------------------------------------------------------------------------------
// One test per metric: each registry entry's example, grouped so that groups are small.

/// Synthetic cohorts of 40 persons: three projects of roughly 13, two arms.
const SMALL: &[Data] = &[
    Data::Synth {
        persons: 40,
        seed: 1,
    },
    Data::Synth {
        persons: 40,
        seed: 2,
    },
    Data::Synth {
        persons: 40,
        seed: 3,
    },
];

#[test]
fn share_ever() {
    assert_protected(
        "share_ever",
        "group_by = [\"arm\", \"project\"]\n[window]\nto = 6\n[params]\nstatus = \"paid_hours\"\n",
        SMALL,
    );
}

#[test]
fn share_at() {
    assert_protected(
        "share_at",
        "group_by = [\"arm\", \"project\"]\n[params]\nstatus = \"paid_hours\"\nat = 3\n",
        SMALL,
    );
}

#[test]
fn monthly_curve() {
    assert_protected(
        "monthly_curve",
        "group_by = [\"project\"]\n[window]\nfrom_month = \"2021-01\"\nto_month = \"2021-05\"\n[params]\nstatus = \"any_result\"\ncalendar = true\nrolling = 3\n",
        SMALL,
    );
}

#[test]
fn mean_hours() {
    assert_protected(
        "mean_hours",
        "group_by = [\"arm\", \"project\"]\n[params]\nat = 3\namong = \"paid_hours\"\n",
        SMALL,
    );
}

#[test]
fn requirement() {
    assert_protected(
        "requirement",
        "group_by = [\"project\"]\n[window]\nfrom_month = \"2020-10\"\nto_month = \"2021-01\"\n[params]\nstatus = \"paid_hours\"\nthresholds = [0.5, 0.3]\n",
        SMALL,
    );
}

#[test]
fn retention() {
    assert_protected(
        "retention",
        "group_by = [\"project\"]\n[window]\nto = 6\n[params]\nstatus = \"paid_hours\"\nk = 2\n",
        SMALL,
    );
}

#[test]
fn hours_progression() {
    assert_protected(
        "hours_progression",
        "group_by = [\"project\"]\n[window]\nto = 8\n",
        SMALL,
    );
}

#[test]
fn first_outcome() {
    assert_protected(
        "first_outcome",
        "group_by = [\"project\"]\n[window]\nto = 8\n",
        SMALL,
    );
}

#[test]
fn spell() {
    assert_protected(
        "spell",
        "group_by = [\"project\"]\n[window]\nto = 6\n[params]\nmin_weeks = 13\n",
        SMALL,
    );
}

#[test]
fn history() {
    assert_protected(
        "history",
        "group_by = [\"project\"]\n[params]\nweeks_before = 26\n",
        SMALL,
    );
}

#[test]
fn describe() {
    assert_protected(
        "describe",
        "group_by = [\"project\"]\n[params]\ncategorical = [\"sex\", \"origin\", \"benefit_group\"]\n",
        SMALL,
    );
}

#[test]
fn effect() {
    assert_protected(
        "effect",
        "[params]\noutcome = \"share_at\"\nby = \"project\"\n[params.outcome_params]\nat = 3\n",
        SMALL,
    );
}

#[test]
fn funnel() {
    assert_protected(
        "funnel",
        "group_by = [\"project\"]\n",
        &[
            Data::SynthFunnel {
                persons: 40,
                seed: 1,
            },
            Data::SynthFunnel {
                persons: 40,
                seed: 2,
            },
        ],
    );
}

#[test]
fn outcome_payment() {
    assert_protected(
        "outcome_payment",
        "group_by = [\"arm\", \"project\"]\n[params]\nhorizon_weeks = 156\n",
        SMALL,
    );
}

#[test]
fn targets() {
    // Per project, persons with paid hours in the first 6 months against targets of 4 to 6.
    let mut body = String::from("group_by = [\"project\"]\n[window]\nto = 6\n");
    for target in [4, 5, 6] {
        for project in ["AP", "BIR", "FSM2"] {
            write!(
                body,
                "[[params.rows]]\nrow = \"paid hours, target {target}\"\ngroup = \"{project}\"\ncount = \"paid_hours\"\ntarget = {target}\n"
            )
            .unwrap();
        }
    }
    assert_protected("targets", &body, SMALL);
}

#[test]
fn time_to_event() {
    assert_protected(
        "time_to_event",
        "group_by = [\"project\"]\n[window]\nto = 12\n[params]\nstatus = \"paid_hours\"\n",
        SMALL,
    );
}

#[test]
fn hazard_ratio() {
    assert_protected(
        "hazard_ratio",
        "[population]\nproject = \"BIR\"\n[window]\nto = 12\n",
        SMALL,
    );
}

// ---------------------------------------------------------------------------------------------
// `udfald audit`: the same audit on a saved result, from its JSON alone.

/// A grouped share query on the tiny dataset (11 persons): every group's count is small.
fn tiny_result(work: &Workdir, extra: &[&str]) -> String {
    work.write(
        "q.toml",
        "name = \"q\"\ntitle = \"t\"\nmetric = \"share_ever\"\ngroup_by = [\"arm\"]\n[window]\nto = 6\n[params]\nstatus = \"paid_hours\"\n",
    );
    let (query, data) = (work.file("q.toml"), work.path().display().to_string());
    let mut args = vec![
        "run",
        query.to_str().unwrap(),
        "--data",
        data.as_str(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    udfald(&args).expect_status(0).stdout
}

// ---------------------------------------------------------------------------------------------
// Tables of the same persons, read together (spec `disclosure.md` §3: "a curve and a share
// table of the same persons are one system").

/// One pair of a [`PersonsKey`]: a column and its value, or a subset's.
type KeyPair = (String, String);

/// Whose persons: (column, value) pairs, sorted.
type PersonsKey = Vec<KeyPair>;

/// A row's persons as a `population` relation says: its group cells not at `(all)`, and the
/// arm the counts are of.
fn persons_of(table: &Released, row: usize, arm: Option<&Value>) -> PersonsKey {
    let mut key: PersonsKey = table
        .columns
        .iter()
        .filter(|(_, kind)| kind["kind"] == "group")
        .filter_map(|(name, _)| match &table.rows[row][name] {
            Value::String(v) if v != "(all)" => Some((name.clone(), v.clone())),
            _ => None,
        })
        .collect();
    if let Some(arm) = arm {
        key.push((
            arm["column"].as_str().unwrap().to_string(),
            arm["value"].as_str().unwrap().to_string(),
        ));
    }
    key.sort();
    key
}

/// The subset of a row's persons a `population` relation names, as a key pair: the month
/// (a number, or read from the row's column), the status with its definition, where follow-up
/// ends; `None` without a subset. Also the pair of the persons observed that month, which a
/// status's persons are among. A row without a month has no instance (`Some(None)`).
fn subset_of(
    table: &Released,
    row: usize,
    relation: &serde_json::Map<String, Value>,
) -> Option<Option<(KeyPair, KeyPair)>> {
    let subset = relation.get("subset")?;
    // A month read from the row: a number, or text (a calendar month, a best month).
    let month = match &subset["rel_month"] {
        Value::String(column) => match &table.rows[row][column] {
            Value::Number(month) => month.to_string(),
            Value::String(month) => month.clone(),
            _ => return Some(None),
        },
        month => month.to_string(),
    };
    let text = |key: &str| subset.get(key).map(|v| v.to_string()).unwrap_or_default();
    let observed = format!(
        "month {month} (calendar: {}), follow-up {}",
        text("calendar"),
        text("followup")
    );
    let own = format!(
        "{observed}, status {} defined {}",
        text("status"),
        text("definition")
    );
    let pair = |key: String| ("~subset".to_string(), key);
    Some(Some((pair(own), pair(observed))))
}

/// The attacks on tables of the same persons merged into one system: every table's hidden
/// cells and constraints, and one unknown per group of persons that a table's `population`
/// relation names, which that table's counts add up to; a table lists every group, so the
/// groups' persons add up to the total's. Also returns, per merged cell, its table.
fn joint<'a>(attacks: &[Attack<'a>]) -> (Attack<'a>, Vec<usize>) {
    let mut merged = Attack {
        table: attacks[0].table,
        cells: vec![],
        index: BTreeMap::new(),
        constraints: vec![],
    };
    let mut table_of = vec![];
    let mut offsets = vec![];
    for (t, attack) in attacks.iter().enumerate() {
        let offset = merged.cells.len();
        offsets.push(offset);
        for cell in &attack.cells {
            merged.cells.push(Cell {
                row: cell.row,
                column: cell.column.clone(),
                hidden: cell.hidden,
            });
            table_of.push(t);
        }
        for (expression, sense, why) in &attack.constraints {
            let mut moved = expression.clone();
            moved.terms.iter_mut().for_each(|(v, _)| *v += offset);
            merged
                .constraints
                .push((moved, *sense, format!("{}: {why}", attack.table.query)));
        }
    }
    let mut groups: BTreeMap<PersonsKey, usize> = BTreeMap::new();
    let mut group = |merged: &mut Attack, table_of: &mut Vec<usize>, key: PersonsKey| {
        *groups.entry(key).or_insert_with(|| {
            merged.cells.push(Cell {
                row: 0,
                column: "(persons of a group)".into(),
                hidden: Hidden::Group,
            });
            table_of.push(usize::MAX);
            merged.cells.len() - 1
        })
    };
    for (t, attack) in attacks.iter().enumerate() {
        let table = attack.table;
        let mut keys = vec![];
        for relation in table
            .relations
            .iter()
            .filter(|r| r["relation"] == "population")
        {
            let columns = strings(&relation["columns"]);
            for row in 0..table.rows.len() {
                if let Some(rows) = relation.get("rows") {
                    let label = rows["column"].as_str().unwrap();
                    if table.text(row, label) != rows["value"].as_str() {
                        continue;
                    }
                }
                let mut key = persons_of(table, row, relation.get("arm"));
                if let Some(subset) = subset_of(table, row, relation) {
                    let Some((own, observed)) = subset else {
                        continue;
                    };
                    // A subset's persons are among its group's, and a status's among those
                    // observed that month.
                    let mut outer = vec![key.clone()];
                    if relation["subset"].get("status").is_some() {
                        let mut within = key.clone();
                        within.push(observed);
                        within.sort();
                        outer.push(within);
                    }
                    key.push(own);
                    key.sort();
                    let g = group(&mut merged, &mut table_of, key.clone());
                    for outer in outer {
                        let o = group(&mut merged, &mut table_of, outer);
                        let persons = |v| Affine {
                            terms: vec![(v, 1.0)],
                            constant: 0.0,
                        };
                        merged.at_least(persons(o), &persons(g), "subset within its group");
                    }
                }
                keys.push(key.clone());
                let Some(terms) = columns
                    .iter()
                    .map(|c| attack.cell(row, c))
                    .collect::<Option<Vec<Affine>>>()
                else {
                    continue;
                };
                let mut sum = Affine::sum(&terms);
                sum.terms.iter_mut().for_each(|(v, _)| *v += offsets[t]);
                let g = group(&mut merged, &mut table_of, key);
                let persons = Affine {
                    terms: vec![(g, 1.0)],
                    constant: 0.0,
                };
                merged.equal(sum, &persons, format!("{}: population", table.query));
            }
        }
        // The groups of a table add up to its total, per arm.
        let groups_of_table = group_columns(table).len();
        if groups_of_table == 0 {
            continue;
        }
        let mut by_arm: BTreeMap<PersonsKey, (bool, Vec<PersonsKey>)> = BTreeMap::new();
        for key in keys {
            let (groups_part, arm): (Vec<_>, Vec<_>) = key
                .iter()
                .cloned()
                .partition(|(c, _)| group_columns(table).contains(c));
            let entry = by_arm.entry(arm).or_default();
            if groups_part.is_empty() {
                entry.0 = true;
            } else if groups_part.len() == groups_of_table && !entry.1.contains(&key) {
                entry.1.push(key);
            }
        }
        for (arm, (whole, parts)) in by_arm {
            if !whole || parts.is_empty() {
                continue;
            }
            let total = group(&mut merged, &mut table_of, arm);
            let parts: Vec<Affine> = parts
                .into_iter()
                .map(|key| Affine {
                    terms: vec![(group(&mut merged, &mut table_of, key), 1.0)],
                    constant: 0.0,
                })
                .collect();
            let whole = Affine {
                terms: vec![(total, 1.0)],
                constant: 0.0,
            };
            merged.equal(
                Affine::sum(&parts),
                &whole,
                format!("{}: groups' persons", table.query),
            );
        }
    }
    (merged, table_of)
}

/// Runs `queries` (name, TOML body) together on every dataset; attacks the tables of the same
/// persons as one system ([`joint`]) and fails listing each hidden person count narrowed below
/// T − 1 values. Fails too when no hidden count is linked to another table, since then the test
/// proves nothing.
fn assert_protected_jointly(queries: &[(&str, &str)], datasets: &[Data]) {
    let mut linked = 0;
    let mut leaks: Vec<String> = vec![];
    for &data in datasets {
        let (work, command) = data.make();
        let mut files = vec![];
        for (name, body) in queries {
            let file = format!("{name}.toml");
            work.write(
                &file,
                &format!("name = \"{name}\"\ntitle = \"attacked\"\n{body}"),
            );
            files.push(work.file(&file).display().to_string());
        }
        let dir = work.path().display().to_string();
        let run = |extra: &[&str]| -> Value {
            let mut args = vec!["run"];
            args.extend(files.iter().map(String::as_str));
            args.extend(["--data", dir.as_str(), "--format", "json"]);
            args.extend_from_slice(extra);
            serde_json::from_str(&udfald(&args).expect_status(0).stdout).expect("JSON output")
        };
        let released = run(&[]);
        let truth = run(&["--no-suppress"]);
        let results = released["results"].as_array().unwrap();
        let tables: Vec<Released> = results.iter().map(Released::from_json).collect();
        let mut labels: Vec<&str> = results
            .iter()
            .filter_map(|r| r["population"].as_str())
            .collect();
        labels.sort();
        labels.dedup();
        assert!(
            !labels.is_empty(),
            "no tables of the same persons on {command}"
        );
        for label in labels {
            let members: Vec<usize> = (0..results.len())
                .filter(|&i| results[i]["population"] == label)
                .collect();
            let mut attacks = vec![];
            let mut truth_values = vec![];
            for &i in &members {
                let mut attack = Attack::new(&tables[i]);
                attack.shares();
                attack.relations();
                metric_knowledge(&mut attack, &results[i]["params"], &Value::Null);
                truth_values.extend(true_cells(&attack, &truth["results"][i]));
                attacks.push(attack);
            }
            let (merged, table_of) = joint(&attacks);
            // A group's true persons: from the first of its equations whose cells are all known.
            truth_values.resize(merged.cells.len(), f64::NAN);
            for (expression, _, why) in &merged.constraints {
                if !why.ends_with(": population") {
                    continue;
                }
                let g = expression.terms.last().unwrap().0;
                let rest = &expression.terms[..expression.terms.len() - 1];
                if truth_values[g].is_nan() && rest.iter().all(|(v, _)| !truth_values[*v].is_nan())
                {
                    truth_values[g] = expression.constant
                        + rest.iter().map(|(v, c)| c * truth_values[*v]).sum::<f64>();
                }
            }
            check_sound(&merged, &truth_values, &command);
            let components = merged.components();
            for (v, lo, hi) in merged.ranges() {
                let reaches = components
                    .iter()
                    .find(|c| c.contains(&v))
                    .is_some_and(|c| c.iter().any(|&u| merged.cells[u].hidden == Hidden::Group));
                linked += usize::from(reaches);
                if hi.is_some_and(|hi| hi - lo < THRESHOLD - 2.0) {
                    let cell = &merged.cells[v];
                    let table = attacks[table_of[v]].table;
                    leaks.push(format!(
                        "  {} on {command}: row [{}] column {}: consistent values {lo}..={} (true {})",
                        table.query,
                        table.row_label(cell.row),
                        cell.column,
                        hi.unwrap(),
                        truth_values[v]
                    ));
                }
            }
        }
    }
    assert!(
        linked > 0,
        "no hidden count is linked to another table: the joint attack proves nothing"
    );
    assert!(
        leaks.is_empty(),
        "{} hidden counts recovered to fewer than {} values from the tables read together:\n{}",
        leaks.len(),
        THRESHOLD - 1.0,
        leaks.join("\n")
    );
}

#[test]
fn tables_of_the_same_persons_read_together() {
    // Everyone, by arm: a characteristics table prints each arm's persons, which the other
    // tables' counts (n with n_censored, n with n_not_observed, ...) add up to.
    let by_arm = "group_by = [\"arm\"]\n";
    let queries = [
        (
            "characteristics",
            &*format!("metric = \"describe\"\n{by_arm}[params]\ncategorical = [\"sex\"]\n"),
        ),
        (
            "paid_at_12",
            &*format!("metric = \"share_at\"\n{by_arm}[params]\nstatus = \"paid_hours\"\nat = 12\n"),
        ),
        (
            "paid_ever",
            &*format!("metric = \"share_ever\"\n{by_arm}[window]\nto = 18\n[params]\nstatus = \"paid_hours\"\nfollowup = \"complete\"\n"),
        ),
        (
            "to_employment",
            &*format!("metric = \"time_to_event\"\n{by_arm}[params]\nstatus = \"employment\"\nhorizon = 12\n"),
        ),
        (
            "effect_at_12",
            "metric = \"effect\"\n[params]\noutcome = \"share_at\"\n[params.outcome_params]\nstatus = \"paid_hours\"\nat = 12\n",
        ),
    ];
    assert_protected_jointly(&queries, SMALL);
}

#[test]
fn counts_of_the_same_month_read_together() {
    // The persons observed at a month, and those in a status then, are counted by a curve's
    // row, a share at that month, a mean of hours then, an effect's arms and a requirement's
    // best month: one number each, whatever the table.
    let by_arm = "group_by = [\"arm\"]\n";
    let calendar = "[window]\nfrom_month = \"2020-06\"\nto_month = \"2021-06\"\n";
    let queries = [
        (
            "curve",
            &*format!("metric = \"monthly_curve\"\n{by_arm}[window]\nto = 8\n[params]\nstatus = \"paid_hours\"\n"),
        ),
        (
            "paid_at_6",
            &*format!("metric = \"share_at\"\n{by_arm}[params]\nstatus = \"paid_hours\"\nat = 6\n"),
        ),
        (
            "hours_at_6",
            &*format!("metric = \"mean_hours\"\n{by_arm}[params]\nat = 6\n"),
        ),
        (
            "hours_employed_at_6",
            &*format!("metric = \"mean_hours\"\n{by_arm}[params]\nat = 6\namong = \"paid_hours\"\n"),
        ),
        (
            "effect_at_6",
            "metric = \"effect\"\n[params]\noutcome = \"share_at\"\n[params.outcome_params]\nstatus = \"paid_hours\"\nat = 6\n",
        ),
        // By calendar month: a requirement's best month is a row of the curve.
        (
            "curve_calendar",
            &*format!("metric = \"monthly_curve\"\n{by_arm}{calendar}[params]\nstatus = \"paid_hours\"\ncalendar = true\n"),
        ),
        (
            "requirement",
            &*format!("metric = \"requirement\"\n{by_arm}{calendar}[params]\nstatus = \"paid_hours\"\ncalendar = true\nthresholds = [0.3]\n"),
        ),
    ];
    assert_protected_jointly(&queries, SMALL);
}

#[test]
fn audit_of_a_saved_result_prints_each_hidden_range() {
    let work = Workdir::with_sample("tiny");
    work.write("result.json", &tiny_result(&work, &[]));
    let result = work.file("result.json");
    let run = udfald(&["audit", result.to_str().unwrap()]).expect_status(0);
    // Tiny: 11 persons, 6 and 5 an arm; 7 with paid hours. The arms' counts are small, so with
    // the total shown their range is 0 to the total's count: at least four values.
    run.stdout_has(&[
        "q: ",
        "row 1 (arm=control), column count: 0–",
        "audit: 1 table(s),",
        "threshold 5: passed",
    ]);
    assert!(!run.stdout.contains("too narrow"), "{}", run.stdout);

    // A hand-edited result that shows every count the run hid but control's: the groups add up
    // to the total, so the audit finds control's count pinned.
    let mut json: Value = serde_json::from_str(&work.read("result.json")).unwrap();
    let truth: Value = serde_json::from_str(&tiny_result(&work, &["--no-suppress"])).unwrap();
    let rows = json["results"][0]["rows"].as_array_mut().unwrap();
    for (r, row) in rows.iter_mut().enumerate() {
        for column in ["n", "count"] {
            if row[column] == "suppressed" && (r, column) != (0, "count") {
                row[column] = truth["results"][0]["rows"][r][column].clone();
            }
        }
    }
    work.write("edited.json", &json.to_string());
    let edited = work.file("edited.json");
    udfald(&["audit", edited.to_str().unwrap()])
        .expect_status(1)
        .stdout_has(&[
            "row 1 (arm=control), column count: exactly",
            "<- too narrow",
            "FAILED",
        ]);
}

#[test]
fn audit_reads_counts_of_one_month_across_tables() {
    // A share and an effect at month 12 of the same persons (40 synthetic, seed 3: 1 of control's
    // 15 and 9 of treatment's 25 with paid hours then). The run hides what they would give back
    // together; shown anyway, the effect's treatment count pins the share table's.
    let (work, _) = Data::Synth {
        persons: 40,
        seed: 3,
    }
    .make();
    let at_12 = "[params]\nstatus = \"paid_hours\"\nat = 12\n";
    work.write(
        "share.toml",
        &format!(
            "name = \"share\"\ntitle = \"t\"\nmetric = \"share_at\"\ngroup_by = [\"arm\"]\n{at_12}"
        ),
    );
    work.write(
        "effect.toml",
        "name = \"effect\"\ntitle = \"t\"\nmetric = \"effect\"\n[params]\noutcome = \"share_at\"\n[params.outcome_params]\nstatus = \"paid_hours\"\nat = 12\n",
    );
    let dir = work.path().display().to_string();
    let (share, effect) = (work.file("share.toml"), work.file("effect.toml"));
    let run = |extra: &[&str]| -> Value {
        let mut args = vec![
            "run",
            share.to_str().unwrap(),
            effect.to_str().unwrap(),
            "--data",
            dir.as_str(),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&udfald(&args).expect_status(0).stdout).unwrap()
    };
    let (mut released, truth) = (run(&[]), run(&["--no-suppress"]));
    assert_eq!(truth["results"][0]["rows"][0]["count"], 1);
    assert_eq!(truth["results"][1]["rows"][0]["count_treatment"], 9);
    work.write("result.json", &released.to_string());
    let result = work.file("result.json");
    udfald(&["audit", result.to_str().unwrap()])
        .expect_status(0)
        .stdout_has(&["tables of the same persons (share, effect), read together: passed"]);
    // Every count the run hid in the effect, shown: the share's hidden arms come back.
    let row = &mut released["results"][1]["rows"][0];
    for column in ["n_treatment", "count_treatment", "n_control"] {
        row[column] = truth["results"][1]["rows"][0][column].clone();
    }
    work.write("edited.json", &released.to_string());
    let edited = work.file("edited.json");
    udfald(&["audit", edited.to_str().unwrap()])
        .expect_status(1)
        .stdout_has(&[
            "read together: FAILED",
            "share: row 2 (arm=treatment), column count: exactly 9  <- too narrow",
        ]);
}

#[test]
fn audit_refuses_output_marked_not_for_release_and_files_that_are_not_results() {
    let work = Workdir::with_sample("tiny");
    work.write("open.json", &tiny_result(&work, &["--no-suppress"]));
    let open = work.file("open.json");
    udfald(&["audit", open.to_str().unwrap()])
        .expect_status(1)
        .stdout_has(&["NOT FOR RELEASE: this result says so itself", "FAILED"]);
    work.write("other.json", "{\"results\": []}");
    let other = work.file("other.json");
    udfald(&["audit", other.to_str().unwrap()]).expect_error(
        2,
        &format!(
            "{}: no \"release\" key: not a JSON result of udfald run",
            other.display()
        ),
    );
    udfald(&["audit", "result.json", "--min-cell", "2"])
        .expect_status(2)
        .stderr_has(&["the small-cell threshold may not be below 3"]);
}
