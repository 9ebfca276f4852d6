#[cfg(test)]
mod codes_and_starts {
    use super::super::*;

    fn codes_in_table() -> Vec<u16> {
        include_str!("../../load/default_codes.csv")
            .lines()
            .skip(1)
            .filter_map(|line| line.split(',').next()?.trim().parse().ok())
            .collect()
    }

    #[test]
    fn every_category_maps_to_a_code_in_the_default_table() {
        let table = codes_in_table();
        let categories = [
            Category::UnemploymentInsurance,
            Category::SocialAssistance,
            Category::ResourceCourse,
            Category::JobClarification,
            Category::Sickness,
            Category::Flexjob,
            Category::FlexjobUnemployment,
            Category::DisabilityPension,
            Category::EarlyRetirement,
            Category::Education,
            Category::Internship,
            Category::WageSubsidy,
            Category::OtherGuidance,
            Category::Leave,
            Category::OtherBenefit,
        ];
        for category in categories {
            for young in [false, true] {
                let code = code(category, young);
                assert!(table.contains(&code), "{category:?} -> {code}");
            }
        }
    }

    #[test]
    fn a_person_is_the_same_whatever_came_before() {
        let plan = Plan::new(&Scenario::default(), 11).unwrap();
        let mut first = Trajectory::default();
        let mut second = Trajectory::default();
        simulate(&plan, 11, 5, &mut first);
        for other in 0..5 {
            simulate(&plan, 11, other, &mut second);
        }
        simulate(&plan, 11, 5, &mut second);
        assert_eq!(first.codes, second.codes);
        assert_eq!(first.income, second.income);
        assert_eq!(first.codes.len(), plan.dream_weeks);
    }

    #[test]
    fn cohort_is_on_benefit_at_start() {
        let plan = Plan::new(&Scenario::default(), 3).unwrap();
        let mut t = Trajectory::default();
        for index in 0..300 {
            simulate(&plan, 3, index, &mut t);
            let start = Week::of_date(t.start_date).since(plan.dream_first) as usize;
            assert_ne!(
                t.codes[start], 0,
                "person {index} has no code in the start week"
            );
            assert!(t.benefit_group.is_some());
        }
    }

    #[test]
    fn starts_at_the_edges_of_the_window_are_simulated() {
        let scenario = Scenario {
            burn_in_weeks: 0,
            start_from: "2017-01-02".to_string(),
            start_through: "2017-01-02".to_string(),
            ..Scenario::default()
        };
        let plan = Plan::new(&scenario, 1).unwrap();
        let mut t = Trajectory::default();
        simulate(&plan, 1, 0, &mut t);
        assert_ne!(t.codes[0], 0);
        let scenario = Scenario {
            start_from: "2022-06-30".to_string(),
            start_through: "2022-06-30".to_string(),
            ..Scenario::default()
        };
        let plan = Plan::new(&scenario, 1).unwrap();
        simulate(&plan, 1, 0, &mut t);
        assert_ne!(*t.codes.last().unwrap(), 0);
        assert!(t.benefit_group.is_some());
    }
}

#[cfg(test)]
mod mechanism_tests {
    use super::super::*;

    fn plan(text: &str) -> Plan {
        Plan::new(&Scenario::from_toml_str(text).unwrap(), 5).unwrap()
    }

    fn people(plan: &Plan, n: u64) -> Vec<Trajectory> {
        (0..n)
            .map(|index| {
                let mut t = Trajectory::default();
                simulate(plan, 5, index, &mut t);
                t
            })
            .collect()
    }

    #[test]
    fn an_opening_intake_starts_in_its_first_weeks() {
        let text = "start_from = \"2020-01-06\"\nstart_through = \"2021-06-30\"\n";
        let everyone = plan(&format!(
            "{text}start_burst_share = 1.0\nstart_burst_weeks = 2\n"
        ));
        let from = NaiveDate::from_ymd_opt(2020, 1, 6).unwrap();
        for t in people(&everyone, 200) {
            assert!((0..14).contains(&(t.start_date - from).num_days()), "{t:?}");
        }
        // Half in the intake: far more than the 2 of 77 weeks a uniform draw would put there.
        let half = plan(&format!(
            "{text}start_burst_share = 0.5\nstart_burst_weeks = 2\n"
        ));
        let early = people(&half, 1000)
            .iter()
            .filter(|t| (t.start_date - from).num_days() < 14)
            .count();
        assert!((450..560).contains(&early), "{early} of 1000 in the intake");
    }

    #[test]
    fn a_project_can_have_its_own_municipalities() {
        let plan = plan(
            "[[projects]]\nname = \"A\"\npersons = 100\n\
             [[projects]]\nname = \"B\"\npersons = 100\n\
             overrides = { population = { municipalities = 3 } }\n",
        );
        let names: Vec<_> = plan.project_municipalities().map(Vec::len).collect();
        assert_eq!(names, [30, 3]);
        let b: std::collections::BTreeSet<usize> = people(&plan, 200)
            .iter()
            .filter(|t| t.project == 1)
            .map(|t| t.municipality)
            .collect();
        assert_eq!(b.into_iter().collect::<Vec<_>>(), [0, 1, 2]);
    }

    /// Weeks in which the code goes from `from` to `to`.
    fn transitions(people: &[Trajectory], from: u16, to: u16) -> usize {
        people
            .iter()
            .map(|t| t.codes.windows(2).filter(|w| w == &[from, to]).count())
            .sum()
    }

    #[test]
    fn an_internship_can_end_in_a_flexjob_at_its_company() {
        let base = "[activities]\ninternship = { hazard = 0.05, mean_weeks = 4.0 }\n\
                    internship_hire_share = 0.0\n\
                    [clarification]\nflexjob_hazard = 0.0\n";
        let none = people(&plan(base), 100);
        assert_eq!(transitions(&none, 737, 771), 0);
        let text = format!("{base}flexjob_after_internship = 1.0\n");
        let some = people(&plan(&text), 100);
        assert!(transitions(&some, 737, 771) > 20);
        // Never before start: the cohort is selected on being on benefit there.
        for t in &some {
            let start = Week::of_date(t.start_date).since(plan(base).dream_first) as usize;
            assert!(!t.codes[..start].contains(&771), "flexjob before start");
        }
    }

    #[test]
    fn a_lost_job_can_end_in_flexjob_status() {
        let base = "[jobs]\nfinding_hazard = 0.05\nloss_hazard = 0.1\n";
        let none = people(&plan(base), 100);
        let text = format!("{base}[clarification]\nflexjob_hazard = 0.0\n");
        let without = people(&plan(&text), 100);
        let flexjob = |people: &[Trajectory]| {
            people
                .iter()
                .filter(|t| t.codes.iter().any(|&c| c == 771 || c == 740))
                .count()
        };
        assert_eq!(flexjob(&without), 0);
        let with = people(&plan(&format!("{text}flexjob_after_job_loss = 0.5\n")), 100);
        assert!(flexjob(&with) > 40, "{}", flexjob(&with));
        assert!(flexjob(&none) < flexjob(&with));
    }

    #[test]
    fn job_finding_and_offers_follow_the_person() {
        let plan = plan(
            "[jobs]\nfinding_by_benefit = { social_assistance = 2.5 }\n\
             [activities]\noffer_heterogeneity_sd = 0.5\n",
        );
        let person = Trajectory::default();
        let h = |base, offers| {
            let factors = PersonFactors {
                base,
                frailty: 1.0,
                offers,
            };
            hazards(&plan, &person, &factors)[2]
        };
        let assistance = h(Category::SocialAssistance, 1.0);
        let insurance = h(Category::UnemploymentInsurance, 2.0);
        assert!((assistance.job_finding / insurance.job_finding - 2.5).abs() < 1e-12);
        for i in 0..OFFERS {
            assert!((insurance.activity[i] / assistance.activity[i] - 2.0).abs() < 1e-12);
        }
        // Sickness and leave are not offers.
        assert_eq!(insurance.activity[4], assistance.activity[4]);
    }

    #[test]
    fn a_short_job_ends_within_weeks() {
        let text =
            "[jobs]\nfinding_hazard = 0.05\nchange_hazard = 0.0\nhours_change_hazard = 0.0\n\
                    short_share = 1.0\nshort_loss_hazard = 1.0\n\
                    [activities]\nwage_subsidy = { hazard = 0.0, mean_weeks = 20.0 }\n\
                    [clarification]\nflexjob_hazard = 0.0\n";
        let people = people(&plan(text), 100);
        let mut months = std::collections::BTreeMap::new();
        for t in &people {
            for row in &t.income {
                *months.entry((t.index, row.employer)).or_insert(0) += 1;
            }
        }
        assert!(months.len() > 100);
        // One week at an employer lies in one month.
        assert!(months.values().all(|&n| n == 1), "{months:?}");
    }

    #[test]
    fn a_flexjob_can_be_kept_while_ordinary_jobs_end() {
        let text = "[clarification]\nflexjob_hazard = 0.01\nflexjob_job_at_entry = 1.0\n";
        let default = people(&plan(text), 200);
        assert!(transitions(&default, 771, 740) > 0);
        let kept = people(&plan(&format!("{text}flexjob_loss_hazard = 0.0\n")), 200);
        assert!(kept.iter().any(|t| t.codes.contains(&771)));
        assert_eq!(transitions(&kept, 771, 740), 0);
    }
}
