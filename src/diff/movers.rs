//! The persons who make the difference: for each pair of variants of a query with a yes/no
//! outcome, per group, how many persons are counted under the second but not the first (`in`)
//! and under the first but not the second (`out`), so `in − out` is the change in the count.
//!
//! Counts of persons, so suppressed like any (spec `disclosure.md`). `in − out` is public (the
//! two variants' counts are printed), so a row shows both or neither: one alone would give the
//! other back. Groups add up to `(all)`, a relation secondary suppression closes.

use crate::measure::common::groups_sum_to_total;
use crate::result::Outcomes;
use crate::table::{Table, TableBuilder};
use std::collections::HashMap;

/// Per pair (i < j, by position in `outcomes`), per group in the order of the first variant's
/// groups and then `(all)`: `in` and `out`. `None` when the variants' populations are not the
/// same persons: movers between different persons mean nothing.
pub fn movers(
    outcomes: &[&Outcomes],
    group_by: &[String],
    threshold: Option<u64>,
) -> Option<Table> {
    let first = outcomes.first()?;
    if outcomes.iter().any(|o| o.persons != first.persons) {
        return None;
    }
    // Groups in print order (sorted), then the total.
    let mut keys: Vec<Vec<String>> = first.groups.clone();
    keys.sort();
    keys.dedup();
    if !group_by.is_empty() {
        keys.push(vec![crate::table::ALL.to_string(); group_by.len()]);
    }
    let total = keys.len() - 1;
    let position: HashMap<&Vec<String>, usize> =
        keys.iter().enumerate().map(|(g, k)| (k, g)).collect();

    let mut t = TableBuilder::new();
    let group_cols = t.groups(group_by);
    let from_col = t.text("from");
    let to_col = t.text("to");
    let in_col = t.persons("in");
    let out_col = t.persons("out");
    let mut pairs = Vec::new();
    for i in 0..outcomes.len() {
        for j in i + 1..outcomes.len() {
            let (mut ins, mut outs) = (vec![0i64; keys.len()], vec![0i64; keys.len()]);
            for (p, group) in first.groups.iter().enumerate() {
                let (before, after) = (outcomes[i].counted[p], outcomes[j].counted[p]);
                if before == after {
                    continue;
                }
                let g = position[group];
                let tally = if after { &mut ins } else { &mut outs };
                tally[g] += 1;
                if g != total {
                    tally[total] += 1;
                }
            }
            for (g, key) in keys.iter().enumerate() {
                let mut row = t.row();
                for (&col, value) in group_cols.iter().zip(key) {
                    row.text(col, value.clone());
                }
                row.text(from_col, format!("[{}]", i + 1))
                    .text(to_col, format!("[{}]", j + 1))
                    .int(in_col, ins[g])
                    .int(out_col, outs[g]);
            }
            pairs.push((i, j));
        }
    }
    if let Some(relation) = groups_sum_to_total(group_by, &["from", "to"], &["in", "out"]) {
        t.relation(relation);
    }
    // Varying the status changes what is counted: then no one variant's label describes it.
    let counted = if outcomes.iter().all(|o| o.label == first.label) {
        first.label.as_str()
    } else {
        "the outcome as each variant defines it"
    };
    t.note(format!(
        "in: persons counted ({counted}) under the second variant (to) but not the first (from); out: the reverse; in − out is the change in the count"
    ));
    let exact = t.build();
    Some(match threshold {
        Some(threshold) => suppress_in_pairs(exact, threshold),
        None => exact,
    })
}

/// Suppresses `exact`, hiding a row's `in` and `out` together: while some row shows one of them
/// beside the other hidden, both are marked and suppression starts again from the exact table.
fn suppress_in_pairs(exact: Table, threshold: u64) -> Table {
    let (Some(in_col), Some(out_col)) = (exact.column_index("in"), exact.column_index("out"))
    else {
        return exact;
    };
    let mut marked: Vec<(usize, usize)> = Vec::new();
    loop {
        let mut table = exact.clone();
        table.sensitive.extend(marked.iter().copied());
        table.suppress(threshold);
        let hidden = |r: usize, c: usize| table.rows[r][c] == crate::table::Value::Suppressed;
        let lone: Vec<usize> = (0..table.rows.len())
            .filter(|&r| hidden(r, in_col) != hidden(r, out_col))
            .collect();
        if lone.is_empty() {
            return table;
        }
        for r in lone {
            for c in [in_col, out_col] {
                if !marked.contains(&(r, c)) {
                    marked.push((r, c));
                }
            }
        }
    }
}
