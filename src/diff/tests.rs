use super::movers::movers;
use super::side_by_side::side_by_side;
use super::*;
use crate::result::Outcomes;
use crate::table::{share, TableBuilder, Value};

#[test]
fn a_vary_reads_its_values_as_toml_or_text() {
    let vary: Vary = "params.status=employment,\"a, b\",4,[1, 2],true"
        .parse()
        .unwrap();
    assert_eq!(vary.key, "params.status");
    assert_eq!(
        vary.values,
        [
            toml::Value::String("employment".into()),
            toml::Value::String("a, b".into()),
            toml::Value::Integer(4),
            toml::Value::Array(vec![toml::Value::Integer(1), toml::Value::Integer(2)]),
            toml::Value::Boolean(true),
        ]
    );
    assert_eq!(
        "status".parse::<Vary>().unwrap_err(),
        "\"status\": expected KEY=V1,V2,... (e.g. params.status=employment,paid_hours)"
    );
    assert_eq!(
        "params.status=a,,b".parse::<Vary>().unwrap_err(),
        "\"params.status=a,,b\": an empty value"
    );
    assert_eq!("=1".parse::<Vary>().unwrap_err(), "\"=1\": no key before =");
}

/// A share table by arm: (arm, count, n) per row.
fn shares(rows: &[(&str, i64, i64)]) -> crate::table::Table {
    let mut t = TableBuilder::new();
    let arm = t.group("arm");
    let n = t.persons("n");
    let count = t.persons("count");
    let share_col = t.share("share", count, n);
    for &(a, c, total) in rows {
        t.row()
            .text(arm, a)
            .int(n, total)
            .int(count, c)
            .set(share_col, share(c as u64, total as u64));
    }
    t.build()
}

#[test]
fn figures_are_set_side_by_side_with_their_differences() {
    let first = shares(&[("control", 10, 40), ("(all)", 30, 80)]);
    let mut second = shares(&[
        ("control", 14, 40),
        ("treatment", 20, 40),
        ("(all)", 34, 80),
    ]);
    // A count the second variant's run hid: its difference is hidden too.
    second.rows[0][2] = Value::Suppressed;
    second.rows[0][3] = Value::Suppressed;
    let table = side_by_side(&[&first, &second]);
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "arm",
            "n [1]",
            "count [1]",
            "share [1]",
            "n [2]",
            "count [2]",
            "share [2]",
            "Δ n [2]",
            "Δ count [2]",
            "Δ share [2]"
        ]
    );
    let printed: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|row| (0..row.len()).map(|c| table.format(c, &row[c])).collect())
        .collect();
    assert_eq!(
        printed,
        [
            ["control", "40", "10", "25.0", "40", ".", ".", "0", ".", "."],
            // (all): 30/80 = 37.5%, 34/80 = 42.5%: 5 points more.
            ["(all)", "80", "30", "37.5", "80", "34", "42.5", "0", "4", "5.0"],
            // A row only the second variant has: the first's cells and the differences empty.
            ["treatment", "", "", "", "40", "20", "50.0", "", "", ""],
        ]
    );
    // The shares rest on their own block's counts.
    assert_eq!(
        table.columns[6].kind,
        crate::table::Kind::Share {
            numerator: "count [2]".into(),
            denominator: "n [2]".into()
        }
    );
}

#[test]
fn a_column_only_one_variant_has_is_its_figure_not_a_label() {
    // The second reading prints a number of months the first lacks (a moving average's
    // `months`): rows are still matched on `arm`, and the months sit in the second block.
    let first = shares(&[("control", 10, 40), ("(all)", 30, 80)]);
    let mut second = shares(&[("control", 12, 40), ("(all)", 33, 80)]);
    second.columns.push(crate::table::Column {
        name: "months".into(),
        kind: crate::table::Kind::Number { decimals: 0 },
    });
    for row in &mut second.rows {
        row.push(Value::Int(3));
    }
    let table = side_by_side(&[&first, &second]);
    let names: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "arm",
            "n [1]",
            "count [1]",
            "share [1]",
            "months [1]",
            "n [2]",
            "count [2]",
            "share [2]",
            "months [2]",
            "Δ n [2]",
            "Δ count [2]",
            "Δ share [2]"
        ]
    );
    assert_eq!(table.rows.len(), 2);
    let control: Vec<String> = (0..table.columns.len())
        .map(|c| table.format(c, &table.rows[0][c]))
        .collect();
    assert_eq!(
        control,
        ["control", "40", "10", "25.0", "", "40", "12", "30.0", "3", "0", "2", "5.0"]
    );
}

/// Outcomes of persons 0..counted.len() in groups `groups`.
fn outcomes(groups: &[&str], counted: &[bool]) -> Outcomes {
    Outcomes {
        label: "paid_hours ever".into(),
        persons: (0..counted.len() as u32).collect(),
        groups: groups.iter().map(|g| vec![g.to_string()]).collect(),
        counted: counted.to_vec(),
    }
}

#[test]
fn movers_are_counted_per_group_and_hidden_in_pairs() {
    // Twelve persons, six an arm. From [1] to [2]: in treatment persons 0, 1 come in and 2
    // goes out; in control 6..=11 all come in.
    let arms: Vec<&str> = (0..12)
        .map(|p| if p < 6 { "treatment" } else { "control" })
        .collect();
    let before = outcomes(
        &arms,
        &[
            false, false, true, true, false, false, false, false, false, false, false, false,
        ],
    );
    let after = outcomes(
        &arms,
        &[
            true, true, false, true, false, false, true, true, true, true, true, true,
        ],
    );
    let group_by = ["arm".to_string()];
    let exact = movers(&[&before, &after], &group_by, None).unwrap();
    let cells = |table: &crate::table::Table| -> Vec<Vec<String>> {
        table
            .rows
            .iter()
            .map(|row| (0..row.len()).map(|c| table.format(c, &row[c])).collect())
            .collect()
    };
    assert_eq!(
        cells(&exact),
        [
            ["control", "[1]", "[2]", "6", "0"],
            ["treatment", "[1]", "[2]", "2", "1"],
            ["(all)", "[1]", "[2]", "8", "1"],
        ]
    );
    // At 5: treatment's 2 and 1 are small; control's 0 out is shown beside its 6 in, but the
    // total's out (1) would give treatment's back, and an in beside a hidden out gives it back.
    let released = movers(&[&before, &after], &group_by, Some(5)).unwrap();
    for row in cells(&released) {
        assert_eq!(row[3] == ".", row[4] == ".", "{row:?}");
    }
    assert_eq!(cells(&released)[1][3..], [".", "."]);
    let ranges = released.audit().unwrap();
    assert!(!ranges.is_empty());
    assert!(
        ranges.iter().all(|range| !range.too_narrow(5)),
        "{ranges:?}"
    );
    assert!(exact.notes[0].starts_with("in: persons counted (paid_hours ever) under"));
    // Another status under [2]: the note names no one variant's.
    let other = Outcomes {
        label: "employment ever".into(),
        ..after.clone()
    };
    let notes = movers(&[&before, &other], &group_by, None).unwrap().notes;
    assert!(notes[0].starts_with("in: persons counted (the outcome as each variant defines it)"));
    // Different persons: no movers.
    let fewer = outcomes(&arms[..11], &[false; 11]);
    assert!(movers(&[&before, &fewer], &group_by, None).is_none());
}
