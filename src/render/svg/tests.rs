use super::*;

#[test]
fn ticks_are_round_and_cover_the_range() {
    assert_eq!(ticks(0.0, 0.78, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8]);
    assert_eq!(
        ticks(0.0, 24.0, 12),
        vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 20.0, 22.0, 24.0]
    );
    assert_eq!(
        ticks(-3.2, 30.3, 6),
        vec![-10.0, 0.0, 10.0, 20.0, 30.0, 40.0]
    );
}

#[test]
fn tick_labels_print_shares_as_percentages() {
    assert_eq!(tick_label(0.2, true), "20%");
    assert_eq!(tick_label(0.025, true), "2.5%");
    assert_eq!(tick_label(12.0, false), "12");
    assert_eq!(tick_label(0.25, false), "0.25");
}

#[test]
fn text_is_escaped() {
    assert_eq!(escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}
