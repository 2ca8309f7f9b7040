//! Eligibility: a call's rules (data) applied to an applicant's facts, one failure per rule
//! broken, each explainable in the applicant's language. Pure, so it is tested directly.

use chrono::{Datelike, NaiveDate};

use super::model::*;
use crate::kernel::messages::Message;
use crate::msg;

/// One person on the team, as the rules see them.
#[derive(Debug, Clone)]
pub struct PersonFacts {
    pub gender: &'static str,
    pub birth_date: NaiveDate,
    pub neet: bool,
    pub graduate: bool,
    pub rural: bool,
}

/// What the rules are applied to.
#[derive(Debug, Clone)]
pub struct ApplicantFacts {
    pub kind: ApplicantKind,
    pub region_code: String,
    pub legal_form: &'static str,
    pub team: Vec<PersonFacts>,
    /// For an existing cooperative: its registration date.
    pub registered_on: Option<NaiveDate>,
}

/// Full years between `born` and `on`.
pub fn age_on(born: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    age
}

/// The groups an applicant belongs to: a group counts when at least half of the team is in it.
pub fn target_groups(facts: &ApplicantFacts, on: NaiveDate, youth: (i32, i32)) -> Vec<TargetGroup> {
    let n = facts.team.len();
    if n == 0 {
        return Vec::new();
    }
    let half = |count: usize| count * 2 >= n;
    let young = |p: &PersonFacts| (youth.0..=youth.1).contains(&age_on(p.birth_date, on));
    let mut groups = Vec::new();
    if half(facts.team.iter().filter(|p| p.gender == "F").count()) {
        groups.push(TargetGroup::Women);
    }
    if half(facts.team.iter().filter(|p| young(p)).count()) {
        groups.push(TargetGroup::Youth);
    }
    if half(facts.team.iter().filter(|p| young(p) && p.neet).count()) {
        groups.push(TargetGroup::NeetYouth);
    }
    if half(facts.team.iter().filter(|p| p.graduate).count()) {
        groups.push(TargetGroup::Graduates);
    }
    if half(facts.team.iter().filter(|p| p.rural).count()) {
        groups.push(TargetGroup::Rural);
    }
    groups
}

/// Every rule of `rules` that `facts` break, in the rules' order.
pub fn evaluate(
    rules: &EligibilityRules,
    facts: &ApplicantFacts,
    on: NaiveDate,
    youth: (i32, i32),
) -> Vec<RuleFailure> {
    let mut failures = Vec::new();
    let fail = |rule, member: Option<usize>, value: Option<i64>, min: Option<i32>, max: Option<i32>| RuleFailure {
        rule,
        member: member.map(|m| m as i32 + 1),
        value,
        min: min.map(i64::from),
        max: max.map(i64::from),
    };
    if !rules.applicant_kinds.is_empty() && !rules.applicant_kinds.contains(&facts.kind) {
        failures.push(fail(EligibilityRule::ApplicantKind, None, None, None, None));
    }
    let size = facts.team.len() as i32;
    if rules.team_size_min.is_some_and(|m| size < m) || rules.team_size_max.is_some_and(|m| size > m) {
        failures.push(fail(
            EligibilityRule::TeamSize,
            None,
            Some(size as i64),
            rules.team_size_min,
            rules.team_size_max,
        ));
    }
    if !rules.region_codes.is_empty() && !rules.region_codes.contains(&facts.region_code) {
        failures.push(fail(EligibilityRule::Region, None, None, None, None));
    }
    if !rules.legal_forms.is_empty() && !rules.legal_forms.iter().any(|f| f == facts.legal_form) {
        failures.push(fail(EligibilityRule::LegalForm, None, None, None, None));
    }
    for (i, person) in facts.team.iter().enumerate() {
        let age = age_on(person.birth_date, on);
        if rules.age_min.is_some_and(|m| age < m) || rules.age_max.is_some_and(|m| age > m) {
            failures.push(fail(EligibilityRule::Age, Some(i), Some(age as i64), rules.age_min, rules.age_max));
        }
        if !rules.genders.is_empty() && !rules.genders.iter().any(|g| g == person.gender) {
            failures.push(fail(EligibilityRule::Gender, Some(i), None, None, None));
        }
    }
    if !rules.target_groups.is_empty() {
        let groups = target_groups(facts, on, youth);
        if !rules.target_groups.iter().any(|g| groups.contains(g)) {
            failures.push(fail(EligibilityRule::TargetGroup, None, None, None, None));
        }
    }
    if let (Some(max), Some(registered)) = (rules.enterprise_age_max_years, facts.registered_on) {
        let years = age_on(registered, on);
        if years > max {
            failures.push(fail(EligibilityRule::EnterpriseAge, None, Some(years as i64), None, Some(max)));
        }
    }
    failures
}

fn bound(value: Option<i64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_else(|| "—".into())
}

/// Why a rule failed, for the applicant (translated when the answer is written).
pub fn reason(f: &RuleFailure) -> Message {
    let member = f.member.unwrap_or(0);
    match f.rule {
        EligibilityRule::Age => msg!(
            "team member {member} is {age}; the call accepts ages {min} to {max}",
            member = member,
            age = bound(f.value),
            min = bound(f.min),
            max = bound(f.max)
        ),
        EligibilityRule::Region => msg!("the call does not cover the project's region"),
        EligibilityRule::Gender => msg!("team member {member} does not meet the call's gender rule", member = member),
        EligibilityRule::TargetGroup => msg!("the team does not belong to any of the call's target groups"),
        EligibilityRule::LegalForm => msg!("the call does not finance this legal form"),
        EligibilityRule::ApplicantKind => msg!("the call does not accept this kind of applicant"),
        EligibilityRule::TeamSize => msg!(
            "the team has {size} people; the call requires {min} to {max}",
            size = bound(f.value),
            min = bound(f.min),
            max = bound(f.max)
        ),
        EligibilityRule::EnterpriseAge => msg!(
            "the cooperative is {years} years old; the call accepts up to {max}",
            years = bound(f.value),
            max = bound(f.max)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(gender: &'static str, born: (i32, u32, u32)) -> PersonFacts {
        PersonFacts {
            gender,
            birth_date: NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap(),
            neet: true,
            graduate: false,
            rural: true,
        }
    }

    fn facts(team: Vec<PersonFacts>) -> ApplicantFacts {
        ApplicantFacts {
            kind: ApplicantKind::Group,
            region_code: "09".into(),
            legal_form: "COOPERATIVE",
            team,
            registered_on: None,
        }
    }

    #[test]
    fn each_broken_rule_is_one_failure_with_its_values() {
        let on = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let rules = EligibilityRules {
            age_min: Some(18),
            age_max: Some(35),
            region_codes: vec!["09".into(), "10".into()],
            genders: vec![],
            target_groups: vec![TargetGroup::NeetYouth, TargetGroup::Women],
            legal_forms: vec!["COOPERATIVE".into()],
            applicant_kinds: vec![ApplicantKind::Group],
            team_size_min: Some(5),
            team_size_max: None,
            enterprise_age_max_years: None,
        };
        let young = (18, 35);
        let team: Vec<_> = (0..5).map(|_| person("F", (2000, 1, 1))).collect();
        assert!(evaluate(&rules, &facts(team.clone()), on, young).is_empty());

        // Four people, one of them 36 on the day of the evaluation.
        let mut short = team[..4].to_vec();
        short[2] = person("M", (1990, 11, 30));
        let failures = evaluate(&rules, &facts(short), on, young);
        assert_eq!(
            failures.iter().map(|f| f.rule).collect::<Vec<_>>(),
            vec![EligibilityRule::TeamSize, EligibilityRule::Age]
        );
        assert_eq!((failures[0].value, failures[0].min, failures[0].max), (Some(4), Some(5), None));
        assert_eq!((failures[1].member, failures[1].value), (Some(3), Some(36)));

        let mut elsewhere = facts(team);
        elsewhere.region_code = "01".into();
        elsewhere.legal_form = "UNION";
        let rules_women = EligibilityRules { genders: vec!["F".into()], ..rules };
        let mut men = elsewhere.clone();
        men.team[0].gender = "M";
        let failures = evaluate(&rules_women, &men, on, young);
        assert_eq!(
            failures.iter().map(|f| f.rule).collect::<Vec<_>>(),
            vec![EligibilityRule::Region, EligibilityRule::LegalForm, EligibilityRule::Gender]
        );
        assert_eq!(failures[2].member, Some(1));
    }

    #[test]
    fn a_group_counts_when_half_the_team_is_in_it() {
        let on = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let mut team: Vec<_> = (0..4).map(|_| person("M", (1980, 1, 1))).collect();
        team[0] = person("F", (2001, 5, 5));
        team[1] = person("F", (2002, 5, 5));
        let groups = target_groups(&facts(team), on, (18, 35));
        assert_eq!(groups, vec![TargetGroup::Women, TargetGroup::Youth, TargetGroup::NeetYouth, TargetGroup::Rural]);
        assert_eq!(age_on(NaiveDate::from_ymd_opt(2000, 12, 1).unwrap(), on), 25);
    }
}
