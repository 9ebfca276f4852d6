use super::*;

#[test]
fn default_is_valid_and_matches_the_documented_file() {
    Scenario::default().validate().unwrap();
    let documented =
        Scenario::from_toml_str(include_str!("../../../data-samples/scenarios/default.toml"))
            .unwrap();
    assert_eq!(documented, Scenario::default());
}

#[test]
fn empty_file_means_defaults() {
    assert_eq!(Scenario::from_toml_str("").unwrap(), Scenario::default());
}

/// The scenario text must be refused with a message that contains `fragment`.
fn assert_rejected(text: &str, fragment: &str) {
    let message = format!("{:#}", Scenario::from_toml_str(text).unwrap_err());
    assert!(message.contains(fragment), "{text}: {message}");
}

#[test]
fn unknown_keys_are_rejected_by_name() {
    for (text, key) in [
        ("treatment_efect = 2.0\n", "treatment_efect"),
        ("[programme]\ntreatment_efect = 2.0\n", "treatment_efect"),
        (
            "[activities]\ninternship = { hazard = 0.1, mean_wks = 3 }\n",
            "mean_wks",
        ),
        (
            "[[projects]]\nname = \"X\"\nbenefit_mix = { social_asistance = 1.0 }\n",
            "social_asistance",
        ),
    ] {
        assert_rejected(text, key);
    }
    let dir = std::env::temp_dir().join(format!("udfald-synth-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.toml");
    std::fs::write(&path, "[jobs]\nfinding_hazzard = 0.1\n").unwrap();
    let message = format!("{:#}", Scenario::from_toml_file(&path).unwrap_err());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        message.contains("finding_hazzard") && message.contains("bad.toml"),
        "{message}"
    );
}

#[test]
fn invalid_values_are_named() {
    let mut scenario = Scenario::default();
    scenario.jobs.loss_hazard = 1.5;
    let message = scenario.validate().unwrap_err().to_string();
    assert!(message.contains("jobs.loss_hazard"), "{message}");

    let scenario = Scenario {
        start_through: "2023-01-01".to_string(),
        ..Scenario::default()
    };
    assert!(scenario
        .validate()
        .unwrap_err()
        .to_string()
        .contains("data window"));
    // 2017-01-01 is a Sunday in 2016-W52, whose Thursday is in December: not a DREAM week.
    let scenario = Scenario {
        start_from: "2017-01-01".to_string(),
        ..Scenario::default()
    };
    assert!(scenario.validate().is_err());
    let scenario = Scenario {
        start_from: "2017-01-02".to_string(),
        burn_in_weeks: 0,
        ..Scenario::default()
    };
    scenario.validate().unwrap();

    let mut scenario = Scenario::default();
    scenario.projects[0]
        .benefit_mix
        .insert(Category::Internship, 1.0);
    assert!(scenario
        .validate()
        .unwrap_err()
        .to_string()
        .contains("base benefit"));
}

#[test]
fn new_mechanisms_name_bad_values() {
    for (text, fragment) in [
        ("start_burst_share = 1.5", "start_burst_share"),
        (
            "start_burst_weeks = 0",
            "start_burst_weeks must be at least 1",
        ),
        (
            "[clarification]\nflexjob_after_internship = -0.1",
            "clarification.flexjob_after_internship",
        ),
        (
            "[jobs]\nfinding_by_benefit = { flexjob = 2.0 }",
            "flexjob cannot be a base benefit",
        ),
        ("[jobs]\nshort_share = 2.0", "jobs.short_share"),
        (
            "[clarification]\nflexjob_loss_hazard = 1.5",
            "clarification.flexjob_loss_hazard",
        ),
        (
            "[jobs]\nfinding_by_benefit = { resource_course = -1.0 }",
            "jobs.finding_by_benefit.resource_course",
        ),
        (
            "[exit]\nhazard = 1.5",
            "exit.hazard must be a probability in 0 .. 1 (got 1.5)",
        ),
        (
            "[[projects]]\nname = \"A\"\n[projects.overrides.exit]\nwithout_work_hazard = -0.1",
            "projects[A].overrides: exit.without_work_hazard must be a probability in 0 .. 1 (got -0.1)",
        ),
    ] {
        assert_rejected(text, fragment);
    }
}

/// Exits are off unless a key is set, for the scenario or any one project: only then does the
/// cohort get an `end_date` column.
#[test]
fn exits_are_on_only_when_a_key_is_set() {
    assert!(!Scenario::default().has_exits());
    let project = "[[projects]]\nname = \"A\"\n[[projects]]\nname = \"B\"\n";
    let off = Scenario::from_toml_str(&format!("{project}[exit]\nat_clarification = false\n"));
    assert!(!off.unwrap().has_exits());
    let b = Scenario::from_toml_str(&format!(
        "{project}[projects.overrides.exit]\nat_clarification = true\n"
    ))
    .unwrap();
    assert!(b.has_exits());
    assert!(!b.for_project(0).exit.is_on() && b.for_project(1).exit.is_on());
}

#[test]
fn municipalities_take_a_count_or_names() {
    let scenario = Scenario::from_toml_str("[population]\nmunicipalities = 3\n").unwrap();
    assert_eq!(
        scenario.population.municipalities.names(),
        ["Kommune 01", "Kommune 02", "Kommune 03"]
    );
    let scenario =
        Scenario::from_toml_str("[population]\nmunicipalities = [\"Aarhus\", \"Odense\"]\n")
            .unwrap();
    assert_eq!(
        scenario.population.municipalities.names(),
        ["Aarhus", "Odense"]
    );
}

#[test]
fn project_overrides_merge_key_by_key() {
    let scenario = Scenario::from_toml_str(
        "[jobs]\nloss_hazard = 0.03\nchange_hazard = 0.002\n\
         [[projects]]\nname = \"A\"\n\
         [[projects]]\nname = \"B\"\n\
         overrides = { jobs = { loss_hazard = 0.01 }, start_from = \"2020-01-06\" }\n",
    )
    .unwrap();
    let (a, b) = (scenario.for_project(0), scenario.for_project(1));
    assert_eq!(a.jobs.loss_hazard, 0.03);
    assert_eq!(b.jobs.loss_hazard, 0.01);
    // Keys the override leaves alone keep the scenario's value, not the default.
    assert_eq!(b.jobs.change_hazard, 0.002);
    assert_eq!(b.start_from, "2020-01-06");
    assert_eq!(a.start_from, Scenario::default().start_from);
    assert_eq!(b.projects.len(), 2);
}

#[test]
fn project_overrides_name_what_cannot_differ() {
    for (over, fragment) in [
        ("data_through = \"2021-01\"", "data_through cannot differ"),
        (
            "population = { origin = { a = 1.0 } }",
            "population.origin cannot differ",
        ),
        ("jobs = { los_hazard = 0.1 }", "los_hazard"),
        ("jobs = { loss_hazard = 2.0 }", "jobs.loss_hazard"),
    ] {
        let text = format!("[[projects]]\nname = \"B\"\noverrides = {{ {over} }}\n");
        let message = format!("{:#}", Scenario::from_toml_str(&text).unwrap_err());
        assert!(
            message.contains("projects[B].overrides") && message.contains(fragment),
            "{over}: {message}"
        );
    }
}

#[test]
fn project_sizes_are_all_or_none_and_agree_with_persons() {
    let two = |a: &str, b: &str| {
        format!("[[projects]]\nname = \"A\"\n{a}\n[[projects]]\nname = \"B\"\n{b}\n")
    };
    let message = Scenario::from_toml_str(&two("persons = 10", ""))
        .unwrap_err()
        .to_string();
    assert!(message.contains("every project or for none"), "{message}");
    let scenario = Scenario::from_toml_str(&two("persons = 10", "persons = 5")).unwrap();
    assert_eq!(scenario.total_persons(), Some(15));
    let text = format!("persons = 20\n{}", two("persons = 10", "persons = 5"));
    let message = Scenario::from_toml_str(&text).unwrap_err().to_string();
    assert!(message.contains("sum to 15"), "{message}");
    assert_eq!(Scenario::default().total_persons(), None);
}
