//! `taawun seed national`: a deterministic register the size of the country — exactly the
//! office's published totals (cooperatives, members, women, young members), spread over the
//! 12 regions, the sectors and the legal forms, with filings for the last fiscal years.

use chrono::{Datelike, Duration, NaiveDate};

use super::model::*;
use super::names;
use super::store;
use crate::catalog::model::{CooperativeFields, CooperativeStatus};
use crate::catalog::service as catalog;
use crate::config::RegistryRules;
use crate::db::{DbConn, now, write_tx};
use crate::error::AppError;

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

/// Distinctive words of cooperative names (Arabic, Latin spelling).
const WORDS: [(&str, &str); 40] = [
    ("الأمل", "Al Amal"),
    ("النور", "Annour"),
    ("الخير", "Al Khair"),
    ("الفتح", "Al Fath"),
    ("السلام", "Assalam"),
    ("الوحدة", "Al Wahda"),
    ("الواحة", "Al Waha"),
    ("الزيتون", "Zitoune"),
    ("أركان", "Argane"),
    ("تيفاوين", "Tifawin"),
    ("تودرت", "Toudert"),
    ("إيمان", "Imane"),
    ("الرحمة", "Arrahma"),
    ("البركة", "Al Baraka"),
    ("المستقبل", "Al Moustakbal"),
    ("الفلاح", "Al Falah"),
    ("النجاح", "Annajah"),
    ("التضامن", "Attadamoun"),
    ("الإخلاص", "Al Ikhlas"),
    ("الصفاء", "Assafaa"),
    ("تازيري", "Taziri"),
    ("تيليلا", "Tilila"),
    ("أزرو", "Azrou"),
    ("تافوكت", "Tafoukt"),
    ("أمود", "Amoud"),
    ("إيدرارن", "Idrarn"),
    ("النخيل", "Annakhil"),
    ("الياسمين", "Yasmine"),
    ("الورود", "Al Wouroud"),
    ("الزعفران", "Azzaafarane"),
    ("الأطلس", "Atlas"),
    ("الريف", "Rif"),
    ("الجبل", "Al Jabal"),
    ("السهل", "Assahl"),
    ("العين", "Al Ain"),
    ("الكرامة", "Al Karama"),
    ("الهدى", "Al Houda"),
    ("الشروق", "Achourouk"),
    ("الغد", "Al Ghad"),
    ("المنار", "Al Manar"),
];

/// Places per region code (Arabic, Latin), the province first.
const PLACES: [(&str, &[(&str, &str)]); 12] = [
    ("01", &[("شفشاون", "Chefchaouen"), ("تطوان", "Tétouan"), ("الحسيمة", "Al Hoceïma"), ("وزان", "Ouezzane")]),
    ("02", &[("فكيك", "Figuig"), ("بركان", "Berkane"), ("جرادة", "Jerada"), ("تاوريرت", "Taourirt")]),
    ("03", &[("إفران", "Ifrane"), ("صفرو", "Sefrou"), ("تاونات", "Taounate"), ("بولمان", "Boulemane")]),
    ("04", &[("الخميسات", "Khémisset"), ("سيدي قاسم", "Sidi Kacem"), ("القنيطرة", "Kénitra"), ("سلا", "Salé")]),
    (
        "05",
        &[("أزيلال", "Azilal"), ("خنيفرة", "Khénifra"), ("الفقيه بن صالح", "Fquih Ben Salah"), ("خريبكة", "Khouribga")],
    ),
    ("06", &[("سطات", "Settat"), ("الجديدة", "El Jadida"), ("برشيد", "Berrechid"), ("بنسليمان", "Benslimane")]),
    ("07", &[("الحوز", "Al Haouz"), ("الصويرة", "Essaouira"), ("شيشاوة", "Chichaoua"), ("آسفي", "Safi")]),
    ("08", &[("تنغير", "Tinghir"), ("زاكورة", "Zagora"), ("ورزازات", "Ouarzazate"), ("الرشيدية", "Errachidia")]),
    (
        "09",
        &[("تارودانت", "Taroudant"), ("اشتوكة آيت باها", "Chtouka Aït Baha"), ("تيزنيت", "Tiznit"), ("طاطا", "Tata")],
    ),
    ("10", &[("كلميم", "Guelmim"), ("سيدي إفني", "Sidi Ifni"), ("طانطان", "Tan-Tan"), ("أسا الزاك", "Assa-Zag")]),
    ("11", &[("العيون", "Laâyoune"), ("بوجدور", "Boujdour"), ("طرفاية", "Tarfaya"), ("السمارة", "Es-Semara")]),
    ("12", &[("الداخلة", "Dakhla"), ("أوسرد", "Aousserd"), ("بئر كندوز", "Bir Gandouz"), ("العركوب", "El Argoub")]),
];

const GIVEN_F: [&str; 12] =
    ["Fatima", "Khadija", "Aicha", "Malika", "Naima", "Zahra", "Hafsa", "Samira", "Ijja", "Itto", "Touda", "Meryem"];
const GIVEN_M: [&str; 12] = [
    "Mohamed", "Ahmed", "Youssef", "Brahim", "Lahcen", "Hassan", "Omar", "Abdellah", "Said", "Moha", "Driss", "Rachid",
];
const FAMILY: [&str; 12] = [
    "Bennani",
    "Amrani",
    "Ait Ali",
    "Ouchen",
    "El Idrissi",
    "Alaoui",
    "Boutaleb",
    "Id Brahim",
    "Tazi",
    "Ouali",
    "Berrada",
    "Akdim",
];

/// splitmix64: small, fast and the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }
}

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

/// Generates the register; `progress(done, total)` is called as cooperatives are written.
/// Refuses to run on a database that already has a register.
pub fn seed(
    conn: &mut DbConn,
    rules: &RegistryRules,
    spec: &NationalSpec,
    mut progress: impl FnMut(usize, usize),
) -> Result<(), AppError> {
    if store::count_entries(conn, &Default::default())? > 0 {
        return Err(AppError::conflict(
            &[],
            "the register is not empty; seed the national register on a fresh database",
        ));
    }
    if spec.cooperatives == 0
        || spec.members < spec.cooperatives
        || spec.women > spec.members
        || spec.young > spec.members
    {
        return Err(AppError::bad_input(&[], "inconsistent totals"));
    }
    let (regions, sectors) = catalog::regions_and_sectors(conn)?;
    let region_ids: Vec<(i64, &str)> = REGION_WEIGHTS
        .iter()
        .filter_map(|(code, _)| regions.iter().find(|r| r.code == *code).map(|r| (r.id, *code)))
        .collect();
    if region_ids.len() != 12 {
        return Err(AppError::internal("the 12 regions are missing; run the migrations"));
    }
    let per_region = apportion(spec.cooperatives, &REGION_WEIGHTS.map(|(_, w)| w));
    let listed: u64 = SECTOR_WEIGHTS.iter().map(|(_, w)| w).sum();
    let unlisted = sectors.iter().filter(|s| !SECTOR_WEIGHTS.iter().any(|(c, _)| *c == s.code)).count().max(1) as u64;
    let sector_weights: Vec<u64> = sectors
        .iter()
        .map(|s| SECTOR_WEIGHTS.iter().find(|(c, _)| *c == s.code).map(|(_, w)| *w * unlisted).unwrap_or(1000 - listed))
        .collect();

    let mut rng = Rng(spec.seed);
    // Members per cooperative: the legal five at least, the rest skewed (a few large ones).
    let base = 5.min(spec.members / spec.cooperatives);
    let member_weights: Vec<u64> = (0..spec.cooperatives)
        .map(|_| {
            let r = rng.below(1000);
            if r < 700 {
                1 + rng.below(8)
            } else if r < 970 {
                8 + rng.below(30)
            } else {
                40 + rng.below(400)
            }
        })
        .collect();
    let extra = apportion(spec.members - base * spec.cooperatives, &member_weights);
    let women_mul = coprime_multiplier(spec.members, 7919);
    let young_mul = coprime_multiplier(spec.members, 104_729);

    // Cooperatives in a stable order: region by region, registration years rising.
    let mut plan: Vec<(usize, i64, &str)> = Vec::with_capacity(spec.cooperatives);
    for (r, (region_id, code)) in region_ids.iter().enumerate() {
        for _ in 0..per_region[r] {
            plan.push((r, *region_id, code));
        }
    }
    let first_year = 1975;
    let last_year = spec.as_of.year();
    let mut sequences: std::collections::HashMap<(i64, i32), i64> = std::collections::HashMap::new();
    let sector_cumulative: Vec<u64> = sector_weights
        .iter()
        .scan(0, |acc, w| {
            *acc += w;
            Some(*acc)
        })
        .collect();
    let sector_total = *sector_cumulative.last().unwrap_or(&1);

    write_tx(conn, |conn| {
        let mut member_index = 0usize;
        let at = now();
        for (chunk_no, chunk) in plan.chunks(BATCH).enumerate() {
            let start = chunk_no * BATCH;
            let mut fields = Vec::with_capacity(chunk.len());
            let mut facts = Vec::with_capacity(chunk.len());
            for (offset, (r, region_id, code)) in chunk.iter().enumerate() {
                let i = start + offset;
                // Registrations grow over time: most cooperatives are recent.
                let span = (last_year - first_year + 1) as u64;
                let u = rng.below(1_000_000) as f64 / 1_000_000.0;
                let year = first_year + ((span as f64) * u.sqrt()) as i32;
                let year = year.min(last_year);
                let day_limit = if year == last_year { spec.as_of.ordinal0() as u64 } else { 364 };
                let date = NaiveDate::from_yo_opt(year, 1).unwrap_or(spec.as_of)
                    + Duration::days(rng.below(day_limit + 1) as i64);
                let date = date.min(spec.as_of);
                let seq = sequences.entry((*region_id, year)).or_insert(0);
                *seq += 1;
                let number =
                    format_registration_number(&rules.number_format, code, year, *seq).map_err(AppError::internal)?;
                let pick = rng.below(sector_total);
                let s = sector_cumulative.iter().position(|c| pick < *c).unwrap_or(0);
                let (word_ar, word_fr) = WORDS[rng.below(WORDS.len() as u64) as usize];
                let places = PLACES[*r].1;
                let (place_ar, place_fr) = places[rng.below(places.len() as u64) as usize];
                let form = match rng.below(1000) {
                    0..=1 => LegalForm::Federation,
                    2..=14 => LegalForm::Union,
                    _ => LegalForm::Cooperative,
                };
                let (prefix_ar, prefix_fr) = match form {
                    LegalForm::Cooperative => ("تعاونية", "Coopérative"),
                    LegalForm::Union => ("اتحاد تعاونيات", "Union des coopératives"),
                    LegalForm::Federation => ("جامعة تعاونيات", "Fédération des coopératives"),
                };
                let name_fr = format!("{prefix_fr} {word_fr} {place_fr}");
                let status =
                    if rng.below(100) < 3 { CooperativeStatus::NonCompliant } else { CooperativeStatus::Active };
                fields.push(CooperativeFields {
                    slug: format!("{}-{}", names::slug(&format!("{word_fr} {place_fr}")), i + 1),
                    registration_number: number,
                    name_ar: Some(format!("{prefix_ar} {word_ar} {place_ar}")),
                    name_fr: Some(name_fr),
                    name_en: None,
                    name_zgh: None,
                    description_ar: None,
                    description_fr: None,
                    description_en: None,
                    description_zgh: None,
                    region_id: *region_id,
                    sector_id: sectors[s].id,
                    logo_url: None,
                    contact_email: None,
                    contact_phone: None,
                    is_women_cooperative: false,
                    is_youth_cooperative: false,
                    status: status.as_str().into(),
                    updated_at: at,
                    commission_rate_bps: None,
                });
                facts.push((form, place_fr, date));
            }
            let created = catalog::insert_cooperatives_in_bulk(conn, &fields)?;
            let mut entries = Vec::with_capacity(chunk.len());
            let mut changes = Vec::with_capacity(chunk.len());
            let mut members = Vec::with_capacity(chunk.len() * 14);
            let mut filings = Vec::new();
            for (offset, f) in fields.iter().enumerate() {
                let i = start + offset;
                let cooperative = &created[&f.registration_number];
                let (form, province, date) = facts[offset];
                entries.push(super::service::entry_row(
                    cooperative,
                    &super::service::RegisterFacts {
                        legal_form: form,
                        province: Some(province.to_string()),
                        registration_date: date,
                    },
                ));
                changes.push(super::service::entered(cooperative, "entered in the register"));
                let count = base + extra[i];
                let days_since = (spec.as_of - date).num_days().max(0) as u64;
                for m in 0..count {
                    let k = member_index;
                    member_index += 1;
                    let woman = chosen(k, spec.members, spec.women, women_mul);
                    let young = chosen(k, spec.members, spec.young, young_mul);
                    // Young: 18 to 33 on `as_of` (still young a year later); others 36 to 76.
                    let age_days = if young {
                        18 * 365 + 5 + rng.below(15 * 365) as i64
                    } else {
                        36 * 366 + rng.below(40 * 365) as i64
                    };
                    let joined = if m < 5 { date } else { date + Duration::days(rng.below(days_since + 1) as i64) };
                    let given = if woman { GIVEN_F } else { GIVEN_M }[rng.below(12) as usize];
                    let family = FAMILY[rng.below(12) as usize];
                    members.push(MemberRow {
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
                for fy in (last_year - spec.filing_years)..last_year {
                    if date.year() > fy {
                        continue;
                    }
                    let roll = rng.below(100);
                    if roll >= 90 {
                        continue; // missing
                    }
                    let assembly = NaiveDate::from_ymd_opt(fy + 1, 3, 1).unwrap_or(spec.as_of)
                        + Duration::days(rng.below(if roll < 80 { 110 } else { 200 }) as i64);
                    let filed_on =
                        assembly + Duration::days(if roll < 80 { rng.below(30) } else { 30 + rng.below(90) } as i64);
                    if filed_on > spec.as_of {
                        continue;
                    }
                    let turnover = (rng.below(2_000_000) as i64 + 20_000) * 100;
                    filings.push(FilingRow {
                        id: 0,
                        cooperative_id: cooperative.id,
                        fiscal_year: fy,
                        assembly_date: assembly,
                        filed_on,
                        turnover_minor: turnover,
                        result_minor: turnover / 10 - (rng.below(30) as i64) * turnover / 100,
                        equity_minor: (rng.below(500_000) as i64 + 1_000) * 100,
                        debts_minor: (rng.below(200_000) as i64) * 100,
                        members_at_year_end: count as i32,
                        employees_at_year_end: rng.below(5) as i32,
                        submitted_by: None,
                        created_at: at,
                    });
                }
            }
            store::insert_entries(conn, &entries)?;
            store::insert_status_changes(conn, &changes)?;
            for batch in members.chunks(BATCH) {
                store::insert_members(conn, batch)?;
            }
            for batch in filings.chunks(BATCH) {
                store::insert_filings(conn, batch)?;
            }
            progress(start + chunk.len(), spec.cooperatives);
        }
        for ((region_id, year), value) in &sequences {
            store::raise_sequence(conn, *region_id, *year, *value)?;
        }
        Ok(())
    })
}

/// The demo cooperatives' register: entries dated from their numbers (`RR/YYYY/NNNNN`), a
/// handful of members each, and filings for the last fiscal years (some late, some missing).
pub fn seed_demo(conn: &mut DbConn, cooperatives: &[crate::catalog::model::CooperativeRow]) -> Result<(), AppError> {
    let today = super::service::today();
    let mut rng = Rng(20_261_129);
    let at = now();
    let mut entries = Vec::new();
    let mut changes = Vec::new();
    let mut members = Vec::new();
    let mut filings = Vec::new();
    for (n, c) in cooperatives.iter().enumerate() {
        let year: i32 = c.registration_number.split('/').nth(1).and_then(|y| y.parse().ok()).unwrap_or(2015);
        let date = NaiveDate::from_ymd_opt(year, 3, 1 + (n as u32 % 28)).unwrap_or(today);
        entries.push(super::service::entry_row(
            c,
            &super::service::RegisterFacts {
                legal_form: LegalForm::Cooperative,
                province: None,
                registration_date: date,
            },
        ));
        changes.push(super::service::entered(c, "entered in the register"));
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
    store::insert_entries(conn, &entries)?;
    store::insert_status_changes(conn, &changes)?;
    store::insert_members(conn, &members)?;
    store::insert_filings(conn, &filings)?;
    Ok(())
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
