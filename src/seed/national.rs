//! `taawun seed national`: a deterministic register the size of the country — exactly the
//! office's published totals (cooperatives, members, women, young members), spread over the
//! 12 regions, the sectors and the legal forms, with filings for the last fiscal years.

use chrono::{Datelike, Duration, NaiveDate};

use std::collections::HashMap;

use super::Rng;
use super::words::{FAMILY, GIVEN_F, GIVEN_M, PLACES, WORDS};
use crate::kernel::config::RegistryRules;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::text::slug;
use crate::msg;
use crate::registry::model::*;
use crate::registry::service::{self as registry, RegisterBatch, RegisterFacts};

/// What to generate. [`NationalSpec::country`] is the register at the end of November 2025.
#[derive(Debug, Clone)]
pub struct NationalSpec {
    pub cooperatives: usize,
    pub members: usize,
    pub women: usize,
    /// Members younger than the youth age limit on `as_of`.
    pub young: usize,
    /// The day the totals hold: every date generated is on or before it.
    pub as_of: NaiveDate,
    /// Filings are generated for this many fiscal years before `as_of`'s year.
    pub filing_years: i32,
    pub seed: u64,
}

impl NationalSpec {
    pub fn country(as_of: NaiveDate) -> NationalSpec {
        NationalSpec {
            cooperatives: 65_315,
            members: 788_969,
            women: 272_583,
            young: 18_036,
            as_of,
            filing_years: 3,
            seed: 20_251_130,
        }
    }
}

/// Shares of the register per region (codes 01–12), in per mille.
const REGION_WEIGHTS: [(&str, u64); 12] = [
    ("01", 80),
    ("02", 90),
    ("03", 110),
    ("04", 80),
    ("05", 90),
    ("06", 90),
    ("07", 130),
    ("08", 100),
    ("09", 120),
    ("10", 50),
    ("11", 40),
    ("12", 20),
];

/// Shares per sector code, in per mille (sectors not listed share what is left equally).
const SECTOR_WEIGHTS: [(&str, u64); 9] = [
    ("agriculture", 560),
    ("handicrafts", 150),
    ("housing", 70),
    ("argan", 40),
    ("food-products", 30),
    ("aromatic-medicinal-plants", 25),
    ("beekeeping", 25),
    ("fishing", 15),
    ("transport", 15),
];

/// Splits `total` in proportion to `weights`, exactly (largest remainders).
pub fn apportion(total: usize, weights: &[u64]) -> Vec<usize> {
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let exact: Vec<(usize, u64)> =
        weights.iter().map(|w| ((total as u64 * w / sum) as usize, (total as u64 * w) % sum)).collect();
    let mut out: Vec<usize> = exact.iter().map(|e| e.0).collect();
    let mut left = total - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for i in order.into_iter().cycle() {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// Whether the `k`-th of `n` items is among `count` chosen, spread evenly over a scrambled order
/// so exactly `count` are chosen and neighbours do not cluster.
fn chosen(k: usize, n: usize, count: usize, multiplier: usize) -> bool {
    let p = k as u128 * multiplier as u128 % n as u128;
    (p + 1) * count as u128 / n as u128 > p * count as u128 / n as u128
}

/// A multiplier coprime with `n`, so `k ↦ k·m mod n` is a permutation.
fn coprime_multiplier(n: usize, start: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    (start..).find(|m| gcd(*m, n.max(1)) == 1).unwrap_or(1)
}

const BATCH: usize = 1000;

/// What the generation is spread over, computed once from the spec and the reference data.
struct Plan<'a> {
    spec: &'a NationalSpec,
    rules: &'a RegistryRules,
    /// Cooperatives in a stable order: region by region (region index, region id, code).
    order: Vec<(usize, i64, &'static str)>,
    sectors: Vec<SectorRow>,
    sector_cumulative: Vec<u64>,
    /// Members per cooperative beyond the legal five.
    extra_members: Vec<usize>,
    base_members: usize,
    women_mul: usize,
    young_mul: usize,
}

impl<'a> Plan<'a> {
    fn new(
        conn: &mut DbConn,
        spec: &'a NationalSpec,
        rules: &'a RegistryRules,
        rng: &mut Rng,
    ) -> Result<Plan<'a>, AppError> {
        let (regions, sectors) = registry::regions_and_sectors(conn)?;
        let region_ids: Vec<(i64, &'static str)> = REGION_WEIGHTS
            .iter()
            .filter_map(|(code, _)| regions.iter().find(|r| r.code == *code).map(|r| (r.id, *code)))
            .collect();
        if region_ids.len() != 12 {
            return Err(AppError::internal("the 12 regions are missing; run the migrations"));
        }
        let per_region = apportion(spec.cooperatives, &REGION_WEIGHTS.map(|(_, w)| w));
        let mut order = Vec::with_capacity(spec.cooperatives);
        for (r, (region_id, code)) in region_ids.iter().enumerate() {
            order.extend(std::iter::repeat_n((r, *region_id, *code), per_region[r]));
        }
        let listed: u64 = SECTOR_WEIGHTS.iter().map(|(_, w)| w).sum();
        let unlisted =
            sectors.iter().filter(|s| !SECTOR_WEIGHTS.iter().any(|(c, _)| *c == s.code)).count().max(1) as u64;
        let sector_cumulative: Vec<u64> = sectors
            .iter()
            .map(|s| {
                SECTOR_WEIGHTS.iter().find(|(c, _)| *c == s.code).map(|(_, w)| *w * unlisted).unwrap_or(1000 - listed)
            })
            .scan(0, |acc, w| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        // Members per cooperative: the legal five at least, the rest skewed (a few large ones).
        let base_members = 5.min(spec.members / spec.cooperatives);
        let member_weights: Vec<u64> = (0..spec.cooperatives)
            .map(|_| match rng.below(1000) {
                r if r < 700 => 1 + rng.below(8),
                r if r < 970 => 8 + rng.below(30),
                _ => 40 + rng.below(400),
            })
            .collect();
        Ok(Plan {
            spec,
            rules,
            order,
            sectors,
            sector_cumulative,
            extra_members: apportion(spec.members - base_members * spec.cooperatives, &member_weights),
            base_members,
            women_mul: coprime_multiplier(spec.members, 7919),
            young_mul: coprime_multiplier(spec.members, 104_729),
        })
    }
}

/// One generated cooperative before it is written: its fields and its register facts.
struct Generated {
    fields: CooperativeFields,
    legal_form: LegalForm,
    province: &'static str,
    registered_on: NaiveDate,
}

/// Generates the register; `progress(done, total)` is called as cooperatives are written.
/// Refuses to run on a database that already has a register.
pub fn seed(
    conn: &mut DbConn,
    rules: &RegistryRules,
    spec: &NationalSpec,
    mut progress: impl FnMut(usize, usize),
) -> Result<(), AppError> {
    if !registry::register_is_empty(conn)? {
        return Err(AppError::user(
            ErrorCode::Conflict,
            &[],
            msg!("the register is not empty; seed the national register on a fresh database"),
        ));
    }
    if spec.cooperatives == 0
        || spec.members < spec.cooperatives
        || spec.women > spec.members
        || spec.young > spec.members
    {
        return Err(AppError::bad_input(&[], msg!("inconsistent totals")));
    }
    let mut rng = Rng(spec.seed);
    let plan = Plan::new(conn, spec, rules, &mut rng)?;
    write_tx(conn, |conn| {
        let mut sequences: HashMap<(i64, i32), i64> = HashMap::new();
        let mut member_index = 0usize;
        let at = now();
        for (chunk_no, chunk) in plan.order.chunks(BATCH).enumerate() {
            let start = chunk_no * BATCH;
            let generated = chunk
                .iter()
                .enumerate()
                .map(|(offset, place)| {
                    generate_cooperative(&plan, &mut rng, &mut sequences, start + offset, *place, at)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let fields: Vec<CooperativeFields> = generated.iter().map(|g| g.fields.clone()).collect();
            let created = registry::insert_cooperatives_in_bulk(conn, &fields)?;
            let mut batch = RegisterBatch::default();
            for (offset, g) in generated.iter().enumerate() {
                let cooperative = &created[&g.fields.registration_number];
                let members = plan.base_members + plan.extra_members[start + offset];
                register_rows(&plan, &mut rng, &mut batch, cooperative, g, members, &mut member_index, at);
            }
            registry::insert_register_batch(conn, &batch)?;
            progress(start + chunk.len(), spec.cooperatives);
        }
        for ((region_id, year), value) in &sequences {
            registry::raise_registration_sequence(conn, *region_id, *year, *value)?;
        }
        Ok(())
    })
}

const FIRST_YEAR: i32 = 1975;

/// The `i`-th cooperative: registration date (most are recent), number, sector, name, form.
fn generate_cooperative(
    plan: &Plan<'_>,
    rng: &mut Rng,
    sequences: &mut HashMap<(i64, i32), i64>,
    i: usize,
    (r, region_id, code): (usize, i64, &str),
    at: chrono::NaiveDateTime,
) -> Result<Generated, AppError> {
    let as_of = plan.spec.as_of;
    let last_year = as_of.year();
    let span = (last_year - FIRST_YEAR + 1) as u64;
    let u = rng.below(1_000_000) as f64 / 1_000_000.0;
    let year = (FIRST_YEAR + ((span as f64) * u.sqrt()) as i32).min(last_year);
    let day_limit = if year == last_year { as_of.ordinal0() as u64 } else { 364 };
    let date =
        (NaiveDate::from_yo_opt(year, 1).unwrap_or(as_of) + Duration::days(rng.below(day_limit + 1) as i64)).min(as_of);
    let seq = sequences.entry((region_id, year)).or_insert(0);
    *seq += 1;
    let number = format_registration_number(&plan.rules.number_format, code, year, *seq).map_err(AppError::internal)?;
    let sector_total = *plan.sector_cumulative.last().unwrap_or(&1);
    let pick = rng.below(sector_total);
    let s = plan.sector_cumulative.iter().position(|c| pick < *c).unwrap_or(0);
    let (word_ar, word_fr) = WORDS[rng.below(WORDS.len() as u64) as usize];
    let places = PLACES[r].1;
    let (place_ar, place_fr) = places[rng.below(places.len() as u64) as usize];
    let legal_form = match rng.below(1000) {
        0..=1 => LegalForm::Federation,
        2..=14 => LegalForm::Union,
        _ => LegalForm::Cooperative,
    };
    let (prefix_ar, prefix_fr) = match legal_form {
        LegalForm::Cooperative => ("تعاونية", "Coopérative"),
        LegalForm::Union => ("اتحاد تعاونيات", "Union des coopératives"),
        LegalForm::Federation => ("جامعة تعاونيات", "Fédération des coopératives"),
    };
    let status = if rng.below(100) < 3 { CooperativeStatus::NonCompliant } else { CooperativeStatus::Active };
    Ok(Generated {
        fields: CooperativeFields {
            slug: format!("{}-{}", slug(&format!("{word_fr} {place_fr}")), i + 1),
            registration_number: number,
            name_ar: Some(format!("{prefix_ar} {word_ar} {place_ar}")),
            name_fr: Some(format!("{prefix_fr} {word_fr} {place_fr}")),
            name_en: None,
            name_zgh: None,
            description_ar: None,
            description_fr: None,
            description_en: None,
            description_zgh: None,
            region_id,
            sector_id: plan.sectors[s].id,
            logo_url: None,
            contact_email: None,
            contact_phone: None,
            is_women_cooperative: false,
            is_youth_cooperative: false,
            status: status.as_str().into(),
            updated_at: at,
            commission_rate_bps: None,
        },
        legal_form,
        province: place_fr,
        registered_on: date,
    })
}

/// The register's rows of a written cooperative: its entry, its status history, its members
/// (women and young members spread so the totals are exact) and its filings.
#[allow(clippy::too_many_arguments)]
fn register_rows(
    plan: &Plan<'_>,
    rng: &mut Rng,
    batch: &mut RegisterBatch,
    cooperative: &CooperativeRow,
    g: &Generated,
    count: usize,
    member_index: &mut usize,
    at: chrono::NaiveDateTime,
) {
    let spec = plan.spec;
    batch.entries.push(registry::entry_row(
        cooperative,
        &RegisterFacts {
            legal_form: g.legal_form,
            province: Some(g.province.to_string()),
            registration_date: g.registered_on,
        },
    ));
    batch.changes.push(registry::entered(cooperative, "entered in the register"));
    let days_since = (spec.as_of - g.registered_on).num_days().max(0) as u64;
    for m in 0..count {
        let k = *member_index;
        *member_index += 1;
        let woman = chosen(k, spec.members, spec.women, plan.women_mul);
        let young = chosen(k, spec.members, spec.young, plan.young_mul);
        // Young: 18 to 33 on `as_of` (still young a year later); others 36 to 76.
        let age_days =
            if young { 18 * 365 + 5 + rng.below(15 * 365) as i64 } else { 36 * 366 + rng.below(40 * 365) as i64 };
        let joined =
            if m < 5 { g.registered_on } else { g.registered_on + Duration::days(rng.below(days_since + 1) as i64) };
        let given = if woman { GIVEN_F } else { GIVEN_M }[rng.below(12) as usize];
        let family = FAMILY[rng.below(12) as usize];
        batch.members.push(MemberRow {
            id: 0,
            cooperative_id: cooperative.id,
            kind: PartyKind::Person.as_str().into(),
            full_name: format!("{given} {family}"),
            national_id: Some(format!(
                "{}{}{:06}",
                (b'A' + (k % 26) as u8) as char,
                (b'A' + (k / 26 % 26) as u8) as char,
                k % 1_000_000
            )),
            gender: Some(if woman { "F" } else { "M" }.into()),
            birth_date: Some(spec.as_of - Duration::days(age_days)),
            phone: None,
            legal_registration_number: None,
            role: match m {
                0 => MemberRole::President,
                1 => MemberRole::Treasurer,
                2..=4 => MemberRole::BoardMember,
                _ => MemberRole::Member,
            }
            .as_str()
            .into(),
            is_employee: rng.below(100) < 3,
            shares: 1 + rng.below(10) as i64,
            joined_on: joined.min(spec.as_of),
            left_on: None,
            created_at: at,
        });
    }
    generated_filings(plan, rng, batch, cooperative, g.registered_on, count, at);
}

/// Filings of the last fiscal years: most on time, some late, about one in ten missing.
fn generated_filings(
    plan: &Plan<'_>,
    rng: &mut Rng,
    batch: &mut RegisterBatch,
    cooperative: &CooperativeRow,
    registered_on: NaiveDate,
    members: usize,
    at: chrono::NaiveDateTime,
) {
    let spec = plan.spec;
    let last_year = spec.as_of.year();
    for fy in (last_year - spec.filing_years)..last_year {
        if registered_on.year() > fy {
            continue;
        }
        let roll = rng.below(100);
        if roll >= 90 {
            continue; // missing
        }
        let assembly = NaiveDate::from_ymd_opt(fy + 1, 3, 1).unwrap_or(spec.as_of)
            + Duration::days(rng.below(if roll < 80 { 110 } else { 200 }) as i64);
        let filed_on = assembly + Duration::days(if roll < 80 { rng.below(30) } else { 30 + rng.below(90) } as i64);
        if filed_on > spec.as_of {
            continue;
        }
        let turnover = (rng.below(2_000_000) as i64 + 20_000) * 100;
        batch.filings.push(FilingRow {
            id: 0,
            cooperative_id: cooperative.id,
            fiscal_year: fy,
            assembly_date: assembly,
            filed_on,
            turnover_minor: turnover,
            result_minor: turnover / 10 - (rng.below(30) as i64) * turnover / 100,
            equity_minor: (rng.below(500_000) as i64 + 1_000) * 100,
            debts_minor: (rng.below(200_000) as i64) * 100,
            members_at_year_end: members as i32,
            employees_at_year_end: rng.below(5) as i32,
            submitted_by: None,
            created_at: at,
        });
    }
}

/// The demo cooperatives' register: entries dated from their numbers (`RR/YYYY/NNNNN`), a
/// handful of members each, and filings for the last fiscal years (some late, some missing).
pub fn seed_demo(conn: &mut DbConn, cooperatives: &[CooperativeRow]) -> Result<(), AppError> {
    let today = registry::today();
    let mut rng = Rng(20_261_129);
    let at = now();
    let mut entries = Vec::new();
    let mut changes = Vec::new();
    let mut members = Vec::new();
    let mut filings = Vec::new();
    for (n, c) in cooperatives.iter().enumerate() {
        let year: i32 = c.registration_number.split('/').nth(1).and_then(|y| y.parse().ok()).unwrap_or(2015);
        let date = NaiveDate::from_ymd_opt(year, 3, 1 + (n as u32 % 28)).unwrap_or(today);
        entries.push(registry::entry_row(
            c,
            &RegisterFacts { legal_form: LegalForm::Cooperative, province: None, registration_date: date },
        ));
        changes.push(registry::entered(c, "entered in the register"));
        let count = 5 + rng.below(8) as usize;
        for m in 0..count {
            let woman = c.is_women_cooperative || rng.below(2) == 0;
            let given = if woman { GIVEN_F } else { GIVEN_M }[rng.below(12) as usize];
            members.push(MemberRow {
                id: 0,
                cooperative_id: c.id,
                kind: PartyKind::Person.as_str().into(),
                full_name: format!("{given} {}", FAMILY[rng.below(12) as usize]),
                national_id: Some(format!("J{:06}", 100_000 + n * 100 + m)),
                gender: Some(if woman { "F" } else { "M" }.into()),
                birth_date: Some(today - Duration::days(20 * 365 + rng.below(45 * 365) as i64)),
                phone: Some(format!("+2126{:08}", 10_000_000 + n * 1000 + m)),
                legal_registration_number: None,
                role: match m {
                    0 => MemberRole::President,
                    1 => MemberRole::Treasurer,
                    2 => MemberRole::BoardMember,
                    _ => MemberRole::Member,
                }
                .as_str()
                .into(),
                is_employee: m == count - 1,
                shares: 1 + rng.below(5) as i64,
                joined_on: date,
                left_on: None,
                created_at: at,
            });
        }
        for fy in (today.year() - 3)..today.year() {
            let assembly = NaiveDate::from_ymd_opt(fy + 1, 5, 10 + (n as u32 % 15)).unwrap_or(today);
            let late = n % 5 == 1;
            if n % 7 == 3 || assembly + Duration::days(75) > today {
                continue; // missing, or not due yet
            }
            filings.push(FilingRow {
                id: 0,
                cooperative_id: c.id,
                fiscal_year: fy,
                assembly_date: assembly,
                filed_on: assembly + Duration::days(if late { 75 } else { 12 }),
                turnover_minor: (150_000 + rng.below(900_000) as i64) * 100,
                result_minor: (rng.below(90_000) as i64 - 20_000) * 100,
                equity_minor: (40_000 + rng.below(200_000) as i64) * 100,
                debts_minor: rng.below(60_000) as i64 * 100,
                members_at_year_end: count as i32,
                employees_at_year_end: 1,
                submitted_by: None,
                created_at: at,
            });
        }
    }
    registry::insert_register_batch(conn, &RegisterBatch { entries, changes, members, filings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        let parts = apportion(65_315, &REGION_WEIGHTS.map(|(_, w)| w));
        assert_eq!(parts.iter().sum::<usize>(), 65_315);
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
    }

    #[test]
    fn chosen_picks_exactly_the_count() {
        let n = 788_969;
        let m = coprime_multiplier(n, 7919);
        assert_eq!((0..n).filter(|k| chosen(*k, n, 272_583, m)).count(), 272_583);
        let m = coprime_multiplier(n, 104_729);
        assert_eq!((0..n).filter(|k| chosen(*k, n, 18_036, m)).count(), 18_036);
    }
}
