use super::*;

/// A column `name` of `kind`, for tables built by position.
fn column(name: &str, kind: Kind) -> Column {
    Column {
        name: name.into(),
        kind,
    }
}

fn table() -> Table {
    let share_of_n = Kind::Share {
        numerator: "count".into(),
        denominator: "n".into(),
    };
    let mean_of_count = Kind::Mean {
        n: "count".into(),
        decimals: 1,
        also: Vec::new(),
    };
    let mut table = Table::new(vec![
        column("arm", Kind::Group),
        column("n", Kind::Persons),
        column("count", Kind::Persons),
        column("share", share_of_n),
        column("mean_hours", mean_of_count),
    ]);
    // 40 persons an arm: arm, n, count, share, mean_hours.
    for (arm, count, mean_hours) in [("control", 3, 12.25), ("treatment", 10, 20.0)] {
        table.push_row(vec![
            Value::Text(arm.into()),
            Value::Int(40),
            Value::Int(count as i64),
            share(count, 40),
            Value::Float(mean_hours),
        ]);
    }
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
fn a_small_complement_hides_the_count_and_its_share() {
    // n 40: count 37 leaves 3 persons without the outcome, a small cell by difference; count 35
    // leaves 5, and count 40 leaves nobody (a zero is shown).
    let mut table = table();
    for (row, count) in [(0, 37), (1, 35)] {
        table.rows[row][2] = Value::Int(count);
        table.rows[row][3] = share(count as u64, 40);
    }
    table.push_row(vec![
        Value::Text("other".into()),
        Value::Int(40),
        Value::Int(40),
        share(40, 40),
        Value::Float(1.0),
    ]);
    table.suppress(5);
    let shown: Vec<Vec<String>> = table
        .rows
        .iter()
        .map(|r| (1..4).map(|c| table.format(c, &r[c])).collect())
        .collect();
    assert_eq!(
        shown,
        [
            ["40", ".", "."],
            ["40", "35", "87.5"],
            ["40", "40", "100.0"]
        ]
    );
    // The mean over the count is hidden with it.
    assert_eq!(table.rows[0][4], Value::Suppressed);
}

#[test]
fn a_cell_one_relation_would_give_back_takes_another_with_it() {
    // rose + unchanged + fell = n: rose (3) is small; shown beside the others it would be
    // 20 - 10 - 7. The smallest other, fell (7), is hidden too; n and unchanged stay.
    let mut table = Table::new(
        ["n", "rose", "unchanged", "fell"]
            .map(|name| column(name, Kind::Persons))
            .to_vec(),
    );
    table.push_row([20, 3, 10, 7].map(Value::Int).to_vec());
    table.relations.push(Relation::Sum {
        parts: vec!["rose".into(), "unchanged".into(), "fell".into()],
        whole: "n".into(),
    });
    table.suppress(5);
    assert_eq!(
        table.rows[0],
        [
            Value::Int(20),
            Value::Suppressed,
            Value::Int(10),
            Value::Suppressed
        ]
    );
}

#[test]
fn groups_within_another_group_are_protected_too() {
    // By project and arm: in P1, arm a (3) is small and b (10) with the total (13) would give
    // it back, so b goes too; P2 has nothing small and stays whole.
    let mut table = Table::new(vec![
        column("project", Kind::Group),
        column("arm", Kind::Group),
        column("n", Kind::Persons),
    ]);
    for (project, arm, n) in [
        ("P1", "a", 3),
        ("P1", "b", 10),
        ("P1", ALL, 13),
        ("P2", "a", 6),
        ("P2", "b", 8),
        ("P2", ALL, 14),
    ] {
        table.push_row(vec![
            Value::Text(project.into()),
            Value::Text(arm.into()),
            Value::Int(n),
        ]);
    }
    table.relations.push(Relation::GroupsSumToTotal {
        group: "arm".into(),
        keys: vec!["project".into()],
        columns: vec!["n".into()],
    });
    table.suppress(5);
    let shown: Vec<String> = table.rows.iter().map(|r| table.format(2, &r[2])).collect();
    assert_eq!(shown, [".", ".", "13", "6", "8", "14"]);
}

#[test]
fn a_lone_hidden_group_takes_the_smallest_other_with_it() {
    let mut table = Table::new(vec![column("arm", Kind::Group), column("n", Kind::Persons)]);
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
        also: Vec::new(),
    };
    assert_eq!(
        table.check_references(),
        Err(
            "column mean_hours rests on \"share\", which is not a count column of the table".into()
        )
    );
}

/// arm, month, n, events, censored, at_risk, cumulative: two arms and their total over two
/// months, every relation holding.
fn curve() -> Table {
    let mut t = TableBuilder::new();
    let arm = t.group("arm");
    let month = t.number("month", 0);
    let [at_risk, events, censored, cumulative] =
        ["at_risk", "events", "censored", "cumulative"].map(|name| t.persons(name));
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
        whole_label: None,
    });
    t.relation(Relation::RowsSumToRow {
        keys,
        label: t.name(stage),
        parts: vec!["active".into()],
        column: t.name(count),
        whole: "summary".into(),
        whole_column: t.name(total),
        whole_label: None,
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

#[test]
#[should_panic(expected = "a relation names no column N")]
fn a_relation_naming_no_column_is_refused_when_built() {
    let mut t = TableBuilder::new();
    t.persons("n");
    t.persons("count");
    t.relation(Relation::Sum {
        parts: vec!["count".into()],
        whole: "N".into(),
    });
    t.build();
}

/// A one-group table of person counts `n` by `group`, with the groups adding up to `(all)`.
fn groups_table(counts: &[(&str, i64)]) -> Table {
    let mut table = Table::new(vec![
        column("group", Kind::Group),
        column("n", Kind::Persons),
    ]);
    for &(group, n) in counts {
        table.push_row(vec![Value::Text(group.into()), Value::Int(n)]);
    }
    table.relations.push(Relation::GroupsSumToTotal {
        group: "group".into(),
        keys: vec![],
        columns: vec!["n".into()],
    });
    table
}

/// The audit's ranges as (row, low, high).
fn ranges(table: &Table) -> Vec<(usize, u64, Option<u64>)> {
    table
        .audit()
        .expect("a consistent table")
        .iter()
        .map(|r| (r.row, r.low, r.high))
        .collect()
}

#[test]
fn two_hidden_ones_beside_a_shown_total_take_a_third_group_with_them() {
    // a = 1 and b = 1 are small; each relation instance has two hidden cells, so one subtraction
    // gives nothing back, but a + b = 32 - 10 - 20 = 2 pins each to 0–2: three values, fewer than
    // the four "hidden" alone says. The audit has c (10) hidden too: a + b + c = 12.
    let mut table = groups_table(&[("a", 1), ("b", 1), ("c", 10), ("d", 20), (ALL, 32)]);
    assert_eq!(table.suppress(5), 3);
    let shown: Vec<String> = table.rows.iter().map(|r| table.format(1, &r[1])).collect();
    assert_eq!(shown, [".", ".", ".", "20", "32"]);
    assert_eq!(
        ranges(&table),
        [(0, 0, Some(12)), (1, 0, Some(12)), (2, 0, Some(12))]
    );
}

#[test]
fn the_audit_gives_the_range_a_reader_can_compute() {
    // Released: a and b hidden, c 6, total 10, so a + b = 4: each lies in 0–4, five values.
    let mut table = groups_table(&[("a", 0), ("b", 0), ("c", 6), (ALL, 10)]);
    table.rows[0][1] = Value::Suppressed;
    table.rows[1][1] = Value::Suppressed;
    assert_eq!(ranges(&table), [(0, 0, Some(4)), (1, 0, Some(4))]);
    let range = &table.audit().unwrap()[0];
    assert_eq!(range.values(), Some(5));
    assert!(!range.too_narrow(5));
    assert!(range.too_narrow(7));
    // A hidden count in no relation is bounded only by zero.
    table.relations.clear();
    assert_eq!(ranges(&table), [(0, 0, None), (1, 0, None)]);
}

#[test]
fn a_shown_share_ties_its_hidden_count_to_its_hidden_n() {
    // A saved result from elsewhere shows a share of 25% over a hidden n and count; the groups
    // give n = 8, so the count is 2 exactly: the audit says so.
    let mut table = groups_table(&[("a", 0), ("b", 92), (ALL, 100)]);
    table.columns.push(column("count", Kind::Persons));
    table.columns.push(column(
        "share",
        Kind::Share {
            numerator: "count".into(),
            denominator: "n".into(),
        },
    ));
    table.rows[0][1] = Value::Suppressed;
    table.rows[0].extend([Value::Suppressed, Value::Float(0.25)]);
    table.rows[1].extend([Value::Int(46), Value::Float(0.5)]);
    table.rows[2].extend([Value::Int(48), Value::Float(0.48)]);
    let audit = table.audit().unwrap();
    let found: Vec<(usize, usize, u64, Option<u64>)> = audit
        .iter()
        .map(|r| (r.row, r.column, r.low, r.high))
        .collect();
    assert_eq!(found, [(0, 1, 8, Some(8)), (0, 2, 2, Some(2))]);
    assert!(audit[1].too_narrow(5));
}

#[test]
fn a_released_table_that_contradicts_its_relations_fails_the_audit() {
    // Shown groups add up to more than the total: no hidden value can be negative.
    let mut table = groups_table(&[("a", 0), ("b", 12), (ALL, 10)]);
    table.rows[0][1] = Value::Suppressed;
    assert_eq!(
        table.audit(),
        Err("row 1, column n: no values of the hidden cells agree with the shown ones".into())
    );
}

#[test]
fn a_declared_inequality_bounds_a_hidden_count_and_is_widened() {
    // Persons in employment are among the self-supporting: with 2 self-supporting shown, a
    // hidden employment count lies in 0–2, three values: too narrow at T = 5.
    let mut table = Table::new(vec![
        column("group", Kind::Group),
        column("employment", Kind::Persons),
        column("self_support", Kind::Persons),
    ]);
    table.push_row(vec![
        Value::Text("a".into()),
        Value::Suppressed,
        Value::Int(2),
    ]);
    table.relations.push(Relation::AtMost {
        smaller: "employment".into(),
        larger: "self_support".into(),
    });
    assert_eq!(ranges(&table), [(0, 0, Some(2))]);
    // Suppression hides the bound too: employment 1 and self_support 2 are both hidden.
    table.rows[0][1] = Value::Int(1);
    table.suppress(5);
    assert_eq!(table.rows[0][1..], [Value::Suppressed, Value::Suppressed]);
    assert_eq!(ranges(&table), [(0, 0, None), (0, 0, None)]);
    // An inequality that does not hold is named.
    table.rows[0] = vec![Value::Text("a".into()), Value::Int(7), Value::Int(6)];
    assert_eq!(
        table.relation_violations(),
        ["row 0: employment is 7, more than self_support 6"]
    );
}

#[test]
fn a_mean_one_person_dominates_is_hidden_like_a_small_count() {
    // Both arms have 40 persons; control's mean is marked dominated (one person above 85% of
    // its sum): it is hidden though its n and count are large, and nothing else is.
    let mut table = table();
    table.rows[0][2] = Value::Int(20);
    table.rows[0][3] = share(20, 40);
    table.mark_dominated("mean_hours", &[Some(0.9), Some(0.85)]);
    assert_eq!(table.sensitive, [(0, 4)]);
    assert_eq!(table.suppress(5), 1);
    assert_eq!(table.rows[0][4], Value::Suppressed);
    assert_eq!(table.rows[1][4], Value::Float(20.0));
}

/// A long table of two kinds of row, as time_to_event makes: month rows per arm with their
/// counts, a summary row per arm with its total, and a test on the total's summary row.
fn long_table() -> Table {
    let mut t = TableBuilder::new();
    let arm = t.group("arm");
    let row = t.text("row");
    let month = t.number("month", 0);
    let events = t.persons("events");
    let total = t.persons("events_total");
    let p_value = t.number("p_value", 4);
    for (name, per_month, test) in [("a", [3, 4], None), ("(all)", [9, 11], Some(0.0321))] {
        for (m, e) in per_month.into_iter().enumerate() {
            t.row()
                .text(arm, name)
                .text(row, "month")
                .int(month, m as i64)
                .int(events, e);
        }
        let mut summary = t.row();
        summary
            .text(arm, name)
            .text(row, "summary")
            .int(total, per_month.iter().sum());
        if let Some(p) = test {
            summary.set(p_value, Value::Float(p));
        }
    }
    t.part("curve", &[(row, "month")], &[arm, month, events]);
    t.part("summary", &[(row, "summary")], &[arm, total]);
    t.part("test", &[(row, "summary"), (arm, ALL)], &[p_value]);
    t.part("none", &[(row, "week")], &[arm, month]);
    t.part_not("not (all)", arm, ALL, &[arm, events]);
    t.build()
}

#[test]
fn a_long_table_is_printed_as_its_parts_with_their_own_columns_and_rows() {
    let table = long_table();
    let parts = table.printed_parts();
    let names: Vec<Option<&str>> = parts.iter().map(|(name, _)| *name).collect();
    // No row is a week: no rows, no part.
    assert_eq!(
        names,
        [
            Some("curve"),
            Some("summary"),
            Some("test"),
            Some("not (all)")
        ]
    );
    let cells = |t: &Table| -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|row| (0..row.len()).map(|c| t.format(c, &row[c])).collect())
            .collect()
    };
    let (_, curve) = &parts[0];
    let header: Vec<&str> = curve.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(header, ["arm", "month", "events"]);
    assert_eq!(
        cells(curve),
        [
            ["a", "0", "3"],
            ["a", "1", "4"],
            ["(all)", "0", "9"],
            ["(all)", "1", "11"]
        ]
    );
    assert_eq!(cells(&parts[1].1), [["a", "7"], ["(all)", "20"]]);
    // The test is on the total's summary row only.
    assert_eq!(cells(&parts[2].1), [["0.0321"]]);
    // Rows are chosen by their labels, whatever their cells hold (a's summary row, with no
    // events, is there).
    assert_eq!(cells(&parts[3].1), [["a", "3"], ["a", "4"], ["a", ""]]);
    // Kinds travel with the columns (a printed part formats as the whole table would).
    assert_eq!(parts[1].1.columns[1].kind, Kind::Persons);
}

#[test]
fn a_table_without_parts_is_printed_whole_and_every_cell_of_it() {
    let table = table();
    let parts = table.printed_parts();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].0, None);
    assert_eq!(parts[0].1.rows, table.rows);
    assert_eq!(parts[0].1.columns, table.columns);
    assert!(table.printed_cells().iter().flatten().all(|&shown| shown));
}

#[test]
fn a_long_table_row_keeps_only_its_parts_cells_and_its_kind() {
    let table = long_table();
    let printed = table.printed_cells();
    let shown = |r: usize| -> Vec<&str> {
        table
            .columns
            .iter()
            .zip(&printed[r])
            .filter(|(_, &shown)| shown)
            .map(|(c, _)| c.name.as_str())
            .collect()
    };
    assert_eq!(shown(0), ["arm", "row", "month", "events"]);
    assert_eq!(shown(2), ["arm", "row", "events", "events_total"]);
    assert_eq!(shown(3), ["arm", "row", "month", "events"]);
    assert_eq!(shown(5), ["arm", "row", "events_total", "p_value"]);
}

#[test]
fn hidden_cells_choose_no_rows() {
    // Suppression hides a cell that was empty too (a mean of a hidden n): the part's rows are
    // the same, so an empty cell and a hidden one look alike.
    let mut table = long_table();
    let p = table.column_index("p_value").expect("p_value");
    table.rows[2][p] = Value::Suppressed;
    table.rows[5][p] = Value::Suppressed;
    let parts = table.printed_parts();
    assert_eq!(parts[2].1.rows, [[Value::Suppressed]]);
}
