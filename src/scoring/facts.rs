//! The facts a score is computed from, gathered for every cooperative at once: a handful of
//! grouped queries through the owning domains' services (register, marketplace, academy) and
//! this domain's findings, joined in memory. [`measure`] then reads one measure off one
//! cooperative's facts; it is pure, so the known-inputs tests pin every measure down.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};

use super::model::{Measure, RiskInputs};
use crate::kernel::config::RegistryRules;
use crate::registry::model::{FilingRow, FilingStatus};
use crate::registry::service::{self as registry, MemberCounts, ScoredCooperative};

/// Filings of this many fiscal years before the run's year count for "on time".
pub const FILING_YEARS: i32 = 3;

/// Everything known about one cooperative on the run's day.
#[derive(Debug, Clone)]
pub struct Facts {
    pub cooperative_id: i64,
    pub region_id: i64,
    pub sector_id: i64,
    pub registration_date: NaiveDate,
    /// Of the last [`FILING_YEARS`] fiscal years: filings owed (deadline passed or filed), on time, missing.
    pub filings_due: u32,
    pub filings_on_time: u32,
    pub filings_missing: u32,
    pub last_assembly: Option<NaiveDate>,
    pub last_filed_on: Option<NaiveDate>,
    pub members: MemberCounts,
    pub last_filing: Option<FilingRow>,
    /// Members at the end of the year filed before the last one.
    pub previous_members: Option<i32>,
    /// Has products on sale (or sold in the last 12 months).
    pub sells: bool,
    pub sales_minor: i64,
    pub fulfilments_due: u32,
    pub fulfilments_on_time: u32,
    pub last_sale: Option<NaiveDate>,
    pub certificates: i64,
    pub last_certificate: Option<NaiveDate>,
    /// Open findings weighted by severity.
    pub open_findings: f64,
}

/// What the other domains and this one's findings answered, before they are joined.
pub struct Gathered {
    pub register: registry::RegisterScoringInputs,
    pub fulfilments: Vec<crate::orders::service::FulfilmentTiming>,
    pub selling: Vec<i64>,
    pub certificates: Vec<crate::academy::service::CooperativeCertificates>,
    /// Cooperative → severity-weighted open findings.
    pub open_findings: HashMap<i64, f64>,
}

#[derive(Default)]
struct Sales {
    minor: i64,
    due: u32,
    on_time: u32,
    last: Option<NaiveDate>,
}

/// Joins what was gathered into one [`Facts`] per scored cooperative, in id order.
pub fn join(gathered: Gathered, rules: &RegistryRules, ship_within_days: i64, as_of: NaiveDate) -> Vec<Facts> {
    let Gathered { register, fulfilments, selling, certificates, open_findings } = gathered;
    let mut members: HashMap<i64, MemberCounts> = register.members.into_iter().map(|m| (m.cooperative_id, m)).collect();
    let mut filings: HashMap<i64, Vec<FilingRow>> = HashMap::new();
    for f in register.filings {
        filings.entry(f.cooperative_id).or_default().push(f);
    }
    let assemblies: HashMap<i64, NaiveDate> =
        register.last_assemblies.into_iter().filter_map(|(c, d)| d.map(|d| (c, d))).collect();
    let end_of_day = as_of.and_hms_opt(23, 59, 59).unwrap_or_default();
    let mut sales: HashMap<i64, Sales> = HashMap::new();
    for f in fulfilments {
        let s = sales.entry(f.cooperative_id).or_default();
        s.minor += f.net_sales_minor;
        let day = f.created_at.date();
        s.last = s.last.max(Some(day));
        let promised = f.created_at + Duration::days(ship_within_days);
        match f.shipped_at {
            Some(shipped) => {
                s.due += 1;
                if shipped <= promised {
                    s.on_time += 1;
                }
            }
            None if promised < end_of_day => s.due += 1,
            None => {}
        }
    }
    let selling: HashSet<i64> = selling.into_iter().collect();
    let certificates: HashMap<i64, (i64, Option<NaiveDate>)> = certificates
        .into_iter()
        .map(|c| (c.cooperative_id, (c.certificates, c.last_issued_at.map(|t| t.date()))))
        .collect();
    let years: Vec<i32> = (1..=FILING_YEARS).map(|back| as_of.year() - back).collect();
    let deadlines: Vec<_> = years.iter().map(|y| (*y, registry::deadlines(rules, *y))).collect();

    register
        .cooperatives
        .into_iter()
        .map(|ScoredCooperative { id, region_id, sector_id, registration_date }| {
            let own = filings.remove(&id).unwrap_or_default();
            let (mut due, mut on_time, mut missing) = (0, 0, 0);
            for (year, d) in &deadlines {
                let filed = own.iter().find(|f| f.fiscal_year == *year).map(|f| (f.assembly_date, f.filed_on));
                match d.status(*year, registration_date, filed, as_of) {
                    FilingStatus::OnTime => {
                        due += 1;
                        on_time += 1;
                    }
                    FilingStatus::Late => due += 1,
                    FilingStatus::Missing => {
                        due += 1;
                        missing += 1;
                    }
                    FilingStatus::NotYetDue | FilingStatus::NotRequired => {}
                }
            }
            let last = own.iter().max_by_key(|f| f.fiscal_year);
            let previous =
                last.and_then(|l| own.iter().filter(|f| f.fiscal_year < l.fiscal_year).max_by_key(|f| f.fiscal_year));
            let s = sales.remove(&id).unwrap_or_default();
            let (certs, last_certificate) = certificates.get(&id).copied().unwrap_or((0, None));
            Facts {
                cooperative_id: id,
                region_id,
                sector_id,
                registration_date,
                filings_due: due,
                filings_on_time: on_time,
                filings_missing: missing,
                last_assembly: assemblies.get(&id).copied(),
                last_filed_on: own.iter().map(|f| f.filed_on).max(),
                members: members.remove(&id).unwrap_or(MemberCounts { cooperative_id: id, ..Default::default() }),
                last_filing: last.cloned(),
                previous_members: previous.map(|p| p.members_at_year_end),
                sells: selling.contains(&id) || s.minor > 0,
                sales_minor: s.minor,
                fulfilments_due: s.due,
                fulfilments_on_time: s.on_time,
                last_sale: s.last,
                certificates: certs,
                last_certificate,
                open_findings: open_findings.get(&id).copied().unwrap_or(0.0),
            }
        })
        .collect()
}

fn share(part: impl Into<f64>, whole: impl Into<f64>) -> Option<f64> {
    let whole = whole.into();
    (whole > 0.0).then(|| part.into() / whole)
}

fn years_between(from: NaiveDate, to: NaiveDate) -> f64 {
    (to - from).num_days().max(0) as f64 / 365.25
}

/// The last sign of life: registration, a filing or assembly, a new member, a sale, a certificate.
pub fn last_activity(f: &Facts) -> NaiveDate {
    [f.last_assembly, f.last_filed_on, f.members.last_joined, f.last_sale, f.last_certificate]
        .into_iter()
        .flatten()
        .fold(f.registration_date, NaiveDate::max)
}

/// One measure's raw value for one cooperative; `None` when there is no data for it (never a
/// silent zero: a cooperative that does not sell online has no sales figure, not zero sales).
pub fn measure(m: Measure, f: &Facts, as_of: NaiveDate) -> Option<f64> {
    let members = f.members.members;
    match m {
        Measure::FilingsOnTimeShare => share(f.filings_on_time, f.filings_due),
        Measure::YearsSinceAssembly => match f.last_assembly {
            Some(d) => Some(years_between(d, as_of)),
            None if f.filings_due > 0 => Some(years_between(f.registration_date, as_of)),
            None => None,
        },
        Measure::MembersCount => (members > 0).then_some(members as f64),
        Measure::MembersChange => match (&f.last_filing, f.previous_members) {
            (Some(last), Some(previous)) if previous > 0 => {
                Some(f64::from(last.members_at_year_end - previous) / f64::from(previous))
            }
            _ => None,
        },
        Measure::WomenShare => share(f.members.women as f64, f.members.gendered as f64),
        Measure::YouthShare => share(f.members.young as f64, f.members.dated as f64),
        Measure::Jobs => f.last_filing.as_ref().map(|l| f64::from(l.employees_at_year_end)),
        Measure::ResultMargin => {
            f.last_filing.as_ref().and_then(|l| share(l.result_minor as f64, l.turnover_minor as f64))
        }
        Measure::EquityRatio => f.last_filing.as_ref().and_then(|l| {
            let base = l.equity_minor.max(0) + l.debts_minor.max(0);
            share(l.equity_minor as f64, base as f64)
        }),
        Measure::MarketplaceSales => f.sells.then(|| f.sales_minor as f64 / 100.0),
        Measure::FulfilmentOnTimeShare => share(f.fulfilments_on_time, f.fulfilments_due),
        Measure::CertificatesPerMember => share(f.certificates as f64, members as f64),
        Measure::OpenFindings => Some(f.open_findings),
        Measure::MonthsWithoutActivity => Some((as_of - last_activity(f)).num_days().max(0) as f64 / 30.4375),
    }
}

/// What control targeting reads besides the score.
pub fn risk_inputs(f: &Facts, as_of: NaiveDate) -> RiskInputs {
    let filed_turnover = f.last_filing.as_ref().map_or(0.0, |l| l.turnover_minor as f64 / 100.0);
    RiskInputs {
        missing_filings: f.filings_missing,
        open_findings: f.open_findings,
        months_inactive: measure(Measure::MonthsWithoutActivity, f, as_of).unwrap_or(0.0),
        members: f.members.members as f64,
        jobs: f.last_filing.as_ref().map_or(0.0, |l| f64::from(l.employees_at_year_end)),
        turnover_mad: filed_turnover.max(f.sales_minor as f64 / 100.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn bare(as_of: NaiveDate) -> Facts {
        Facts {
            cooperative_id: 1,
            region_id: 1,
            sector_id: 1,
            registration_date: as_of - Duration::days(100),
            filings_due: 0,
            filings_on_time: 0,
            filings_missing: 0,
            last_assembly: None,
            last_filed_on: None,
            members: MemberCounts { cooperative_id: 1, ..Default::default() },
            last_filing: None,
            previous_members: None,
            sells: false,
            sales_minor: 0,
            fulfilments_due: 0,
            fulfilments_on_time: 0,
            last_sale: None,
            certificates: 0,
            last_certificate: None,
            open_findings: 0.0,
        }
    }

    #[test]
    fn a_new_cooperative_has_missing_measures_not_zeros() {
        let as_of = date(2026, 11, 30);
        let f = bare(as_of);
        for m in [
            Measure::FilingsOnTimeShare,
            Measure::YearsSinceAssembly,
            Measure::MembersCount,
            Measure::MembersChange,
            Measure::WomenShare,
            Measure::YouthShare,
            Measure::Jobs,
            Measure::ResultMargin,
            Measure::EquityRatio,
            Measure::MarketplaceSales,
            Measure::FulfilmentOnTimeShare,
            Measure::CertificatesPerMember,
        ] {
            assert_eq!(measure(m, &f, as_of), None, "{m:?}");
        }
        assert_eq!(measure(Measure::OpenFindings, &f, as_of), Some(0.0));
        let months = measure(Measure::MonthsWithoutActivity, &f, as_of).unwrap();
        assert!((months - 100.0 / 30.4375).abs() < 1e-9);
    }

    #[test]
    fn no_assembly_although_one_was_due_counts_from_registration() {
        let as_of = date(2026, 11, 30);
        let mut f = bare(as_of);
        f.registration_date = date(2022, 11, 30);
        f.filings_due = 3;
        f.filings_missing = 3;
        let years = measure(Measure::YearsSinceAssembly, &f, as_of).unwrap();
        assert!((years - 1461.0 / 365.25).abs() < 1e-9);
    }

    fn filing(year: i32, assembly: NaiveDate, filed: NaiveDate, members: i32) -> FilingRow {
        FilingRow {
            id: 0,
            cooperative_id: 7,
            fiscal_year: year,
            assembly_date: assembly,
            filed_on: filed,
            turnover_minor: 40_000_000,
            result_minor: -2_000_000,
            equity_minor: 10_000_000,
            debts_minor: 30_000_000,
            members_at_year_end: members,
            employees_at_year_end: 2,
            submitted_by: None,
            created_at: date(2024, 1, 1).and_hms_opt(0, 0, 0).unwrap(),
        }
    }

    fn timing(
        created: NaiveDate,
        hour: u32,
        shipped: Option<NaiveDate>,
        net: i64,
    ) -> crate::orders::service::FulfilmentTiming {
        crate::orders::service::FulfilmentTiming {
            cooperative_id: 7,
            net_sales_minor: net,
            created_at: created.and_hms_opt(hour, 0, 0).unwrap(),
            shipped_at: shipped.map(|d| d.and_hms_opt(hour, 0, 0).unwrap()),
        }
    }

    #[test]
    fn joined_facts_count_filings_fulfilments_and_certificates_as_the_rules_say() {
        let as_of = date(2026, 11, 30);
        let register = registry::RegisterScoringInputs {
            cooperatives: vec![ScoredCooperative {
                id: 7,
                region_id: 3,
                sector_id: 4,
                registration_date: date(2020, 1, 1),
            }],
            members: vec![MemberCounts {
                cooperative_id: 7,
                members: 12,
                gendered: 12,
                women: 3,
                dated: 10,
                young: 5,
                last_joined: Some(date(2022, 2, 1)),
            }],
            filings: vec![
                // On time; late (assembly after 30 June); 2025 is missing (last deadline 30 July 2026).
                filing(2023, date(2024, 5, 1), date(2024, 5, 10), 12),
                filing(2024, date(2025, 7, 15), date(2025, 7, 20), 9),
            ],
            last_assemblies: vec![(7, Some(date(2025, 7, 15)))],
        };
        let gathered = Gathered {
            register,
            fulfilments: vec![
                timing(date(2026, 10, 1), 9, Some(date(2026, 10, 2)), 10_000),
                timing(date(2026, 10, 10), 9, Some(date(2026, 10, 20)), 20_000),
                timing(date(2026, 11, 1), 9, None, 30_000),
                // Created yesterday and not shipped: not due yet.
                timing(date(2026, 11, 29), 9, None, 40_000),
            ],
            selling: vec![7],
            certificates: vec![crate::academy::service::CooperativeCertificates {
                cooperative_id: 7,
                certificates: 3,
                last_issued_at: Some(date(2026, 3, 1).and_hms_opt(0, 0, 0).unwrap()),
            }],
            open_findings: [(7, 5.0)].into_iter().collect(),
        };
        let facts = join(gathered, &RegistryRules::default(), 3, as_of);
        let f = &facts[0];
        assert_eq!((f.filings_due, f.filings_on_time, f.filings_missing), (3, 1, 1));
        assert_eq!((f.fulfilments_due, f.fulfilments_on_time, f.sales_minor), (3, 1, 100_000));
        let value = |m| measure(m, f, as_of).unwrap();
        assert!((value(Measure::FilingsOnTimeShare) - 1.0 / 3.0).abs() < 1e-9);
        assert!((value(Measure::YearsSinceAssembly) - 503.0 / 365.25).abs() < 1e-9);
        assert_eq!(value(Measure::MembersCount), 12.0);
        assert_eq!(value(Measure::MembersChange), -0.25);
        assert_eq!(value(Measure::WomenShare), 0.25);
        assert_eq!(value(Measure::YouthShare), 0.5);
        assert_eq!(value(Measure::Jobs), 2.0);
        assert_eq!(value(Measure::ResultMargin), -0.05);
        assert_eq!(value(Measure::EquityRatio), 0.25);
        assert_eq!(value(Measure::MarketplaceSales), 1_000.0);
        assert!((value(Measure::FulfilmentOnTimeShare) - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(value(Measure::CertificatesPerMember), 0.25);
        assert_eq!(value(Measure::OpenFindings), 5.0);
        assert!((value(Measure::MonthsWithoutActivity) - 1.0 / 30.4375).abs() < 1e-9, "the last sale was yesterday");
        let risk = risk_inputs(f, as_of);
        assert_eq!((risk.missing_filings, risk.members, risk.jobs, risk.turnover_mad), (1, 12.0, 2.0, 400_000.0));
    }
}
