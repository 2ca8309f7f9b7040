//! The project bank's rules: who edits ideas, programmes and calls; applications with their
//! team, eligibility by the call's rules, the stages and their append-only history, reviews
//! with conflicts of interest, the chain from selection to training to a prefilled
//! registration application, and saved searches. Every write is one transaction with its
//! side effects (index updates and emails go through the outbox).

use std::collections::{HashMap, HashSet};

use async_graphql::ID;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use sha2::{Digest, Sha256};

use super::eligibility::{self, ApplicantFacts, PersonFacts};
use super::inputs::*;
use super::model::*;
use super::store::{self, ApplicationQuery, IdeaQuery};
use crate::academy::service as academy;
use crate::auth;
use crate::kernel::config::RegistryRules;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::graphql::relay::{Key, Page, PageArgs, paginate};
use crate::kernel::i18n::{Localized, LocalizedTextInput, MAX_DESCRIPTION_LEN, MAX_NAME_LEN, localized};
use crate::kernel::money::parse_amount;
use crate::kernel::validate::{is_valid_email, is_valid_phone, normalize_email, normalize_phone};
use crate::kernel::viewer::{Role, Viewer, require_admin, require_office_staff, require_viewer};
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::registry::model::{Gender, normalize_national_id};
use crate::registry::service as registry;
use crate::{msg, path};

pub const MAX_TEAM: usize = 50;
pub const MAX_SAVED_SEARCHES: i64 = 20;
/// A group of future founders is at least the law's five founders (law 112-12).
pub const MIN_GROUP: usize = 5;

/// The youth age band (inclusive) from the register's configured limit.
pub fn youth_band(rules: &RegistryRules) -> (i32, i32) {
    (18, rules.youth_age_limit as i32 - 1)
}

fn today() -> NaiveDate {
    now().date()
}

fn check_code(checks: &mut Checks, code: &str) {
    let ok = (2..=40).contains(&code.len())
        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !code.starts_with('-');
    checks.check(ok, path!["input", "code"], msg!("2 to 40 letters, digits or dashes"));
}

fn text(checks: &mut Checks, field: &str, input: &[LocalizedTextInput], max: usize, required: bool) -> Localized {
    localized(checks, &path!["input", field], input, max, required)
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".into())
}

fn amount(checks: &mut Checks, field: &str, value: &crate::kernel::money::Decimal) -> i64 {
    match parse_amount(&value.0, 2) {
        Ok(v) => v,
        Err(e) => {
            checks.fail_with(e.code(), path!["input", field], e.message());
            0
        }
    }
}

/// `,A,B,`: how lists of enum values are stored, so one value is found with `%,A,%`.
fn stored_list<'a>(values: impl Iterator<Item = &'a str>) -> String {
    let mut seen = Vec::new();
    for v in values {
        if !seen.contains(&v) {
            seen.push(v);
        }
    }
    if seen.is_empty() { String::new() } else { format!(",{},", seen.join(",")) }
}

fn region_id(conn: &mut DbConn, checks: &mut Checks, field: Vec<String>, code: &str) -> Result<i64, AppError> {
    match registry::region_by_code(conn, code.trim())? {
        Some(r) => Ok(r.id),
        None => {
            checks.fail_with(ErrorCode::RegionNotFound, field, msg!("no such region"));
            Ok(0)
        }
    }
}

fn sector_id(conn: &mut DbConn, checks: &mut Checks, field: Vec<String>, code: &str) -> Result<i64, AppError> {
    match registry::sector_by_code(conn, code.trim())? {
        Some(s) => Ok(s.id),
        None => {
            checks.fail_with(ErrorCode::SectorNotFound, field, msg!("no such sector"));
            Ok(0)
        }
    }
}

/// A province by code, which must be in `region_id` (when that is known).
fn province_id(
    conn: &mut DbConn,
    checks: &mut Checks,
    field: Vec<String>,
    code: Option<&str>,
    region_id: i64,
) -> Result<Option<i64>, AppError> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else { return Ok(None) };
    match store::province_by_code(conn, code)? {
        Some(p) if region_id == 0 || p.region_id == region_id => Ok(Some(p.id)),
        Some(_) => {
            checks.fail_with(ErrorCode::ProvinceNotFound, field, msg!("this province is not in the region given"));
            Ok(None)
        }
        None => {
            checks.fail_with(ErrorCode::ProvinceNotFound, field, msg!("no such province or prefecture"));
            Ok(None)
        }
    }
}

fn decode(checks: &mut Checks, id: &ID, type_name: &str, field: Vec<String>) -> i64 {
    ids::decode_input(id, type_name, field, checks).unwrap_or_default()
}

// ---- provinces ----

pub fn provinces(conn: &mut DbConn, region_code: Option<&str>) -> Result<Vec<ProvinceRow>, AppError> {
    let region = match region_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => Some(
            registry::region_by_code(conn, code)?
                .ok_or_else(|| AppError::user(ErrorCode::RegionNotFound, &["regionCode"], msg!("no such region")))?
                .id,
        ),
        None => None,
    };
    Ok(store::provinces(conn, region)?)
}

// ---- programmes ----

pub fn save_programme(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: FundingProgrammeSaveInput,
) -> Result<ProgrammeRow, AppError> {
    require_admin(viewer)?;
    let mut checks = Checks::new();
    let code = input.code.trim().to_string();
    check_code(&mut checks, &code);
    let name = text(&mut checks, "name", &input.name, MAX_NAME_LEN, true);
    let summary = text(&mut checks, "summary", &input.summary, MAX_DESCRIPTION_LEN, false);
    checks.finish()?;
    let fields = ProgrammeFields {
        code: code.clone(),
        name: json(&name),
        summary: json(&summary),
        instrument: input.instrument.as_str().into(),
        updated_at: now(),
    };
    write_tx(conn, |conn| {
        match store::programme_by_code(conn, &code)? {
            Some(p) => store::update_programme(conn, p.id, &fields)?,
            None => {
                store::insert_programme(conn, &fields, now())?;
                1
            }
        };
        store::programme_by_code(conn, &code)?.ok_or_else(|| AppError::internal("programme vanished"))
    })
}

pub fn programmes(conn: &mut DbConn) -> Result<Vec<ProgrammeRow>, AppError> {
    Ok(store::programmes(conn)?)
}

// ---- ideas ----

fn idea_not_found() -> AppError {
    AppError::user(ErrorCode::ProjectIdeaNotFound, &["input", "id"], msg!("no such project idea"))
}

fn feasibility(checks: &mut Checks, input: &FeasibilityInput) -> Feasibility {
    let part = |checks: &mut Checks, name: &str, list: &[LocalizedTextInput]| {
        localized(checks, &path!["input", "feasibility", name], list, MAX_DESCRIPTION_LEN, false)
    };
    Feasibility {
        market: part(checks, "market", &input.market),
        inputs: part(checks, "inputs", &input.inputs),
        land: part(checks, "land", &input.land),
        competition: part(checks, "competition", &input.competition),
    }
}

/// The academy courses and paths an idea names, by code; each must be published.
fn requirements(
    conn: &mut DbConn,
    checks: &mut Checks,
    course_codes: &[String],
    path_codes: &[String],
) -> Result<(Vec<i64>, Vec<i64>), AppError> {
    let mut courses = Vec::new();
    for (i, code) in course_codes.iter().enumerate() {
        match academy::published_course_by_code(conn, code.trim())? {
            Some(c) if !courses.contains(&c.id) => courses.push(c.id),
            Some(_) => {
                checks.fail_with(ErrorCode::Duplicate, path!["input", "requiredCourseCodes", i], msg!("is given twice"))
            }
            None => checks.fail_with(
                ErrorCode::CourseNotFound,
                path!["input", "requiredCourseCodes", i],
                msg!("no published course has this code"),
            ),
        }
    }
    let mut paths = Vec::new();
    for (i, code) in path_codes.iter().enumerate() {
        match academy::published_path_by_code(conn, code.trim())? {
            Some(p) if !paths.contains(&p.id) => paths.push(p.id),
            Some(_) => {
                checks.fail_with(ErrorCode::Duplicate, path!["input", "requiredPathCodes", i], msg!("is given twice"))
            }
            None => checks.fail_with(
                ErrorCode::PathNotFound,
                path!["input", "requiredPathCodes", i],
                msg!("no published learning path has this code"),
            ),
        }
    }
    Ok((courses, paths))
}

pub fn save_idea(conn: &mut DbConn, viewer: Option<&Viewer>, input: ProjectIdeaSaveInput) -> Result<IdeaRow, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let existing_id = input.id.as_ref().map(|id| decode(&mut checks, id, "ProjectIdea", path!["input", "id"]));
    let code = input.code.trim().to_string();
    check_code(&mut checks, &code);
    let title = text(&mut checks, "title", &input.title, MAX_NAME_LEN, true);
    let summary = text(&mut checks, "summary", &input.summary, MAX_DESCRIPTION_LEN, true);
    let description = text(&mut checks, "description", &input.description, MAX_DESCRIPTION_LEN, false);
    let rationale = text(&mut checks, "rationale", &input.rationale, MAX_DESCRIPTION_LEN, false);
    let sector = sector_id(conn, &mut checks, path!["input", "sectorCode"], &input.sector_code)?;
    let region = region_id(conn, &mut checks, path!["input", "regionCode"], &input.region_code)?;
    let province =
        province_id(conn, &mut checks, path!["input", "provinceCode"], input.province_code.as_deref(), region)?;
    let value_chain = input.value_chain.trim().to_string();
    checks.check_with(
        ErrorCode::TooLong,
        value_chain.chars().count() <= 500,
        path!["input", "valueChain"],
        msg!("at most {max} characters", max = 500),
    );
    checks.check_with(
        ErrorCode::Required,
        !input.target_groups.is_empty(),
        path!["input", "targetGroups"],
        msg!("name at least one target group"),
    );
    checks.check_with(
        ErrorCode::Required,
        !input.legal_forms.is_empty(),
        path!["input", "legalForms"],
        msg!("name at least one legal form"),
    );
    checks.check_with(
        ErrorCode::OutOfRange,
        (1..=1000).contains(&input.min_members),
        path!["input", "minMembers"],
        msg!("must be 1 to 1000"),
    );
    let investment_min = amount(&mut checks, "investmentMin", &input.investment_min);
    let investment_max = amount(&mut checks, "investmentMax", &input.investment_max);
    checks.check_with(
        ErrorCode::OutOfRange,
        investment_min <= investment_max,
        path!["input", "investmentMax"],
        msg!("must be at least the minimum investment"),
    );
    checks.check_with(
        ErrorCode::OutOfRange,
        (0..=100_000).contains(&input.expected_jobs),
        path!["input", "expectedJobs"],
        msg!("must be 0 to 100000"),
    );
    let turnover = amount(&mut checks, "expectedTurnover", &input.expected_turnover);
    let feasibility = feasibility(&mut checks, &input.feasibility);
    let (course_ids, path_ids) =
        requirements(conn, &mut checks, &input.required_course_codes, &input.required_path_codes)?;
    let labels: Vec<String> =
        input.requirements.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    checks.check_with(
        ErrorCode::TooLong,
        labels.len() <= 20 && labels.iter().all(|l| l.chars().count() <= 200),
        path!["input", "requirements"],
        msg!("at most 20 requirements of 200 characters each"),
    );
    let source_detail = input.source_detail.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    checks.check_with(
        ErrorCode::TooLong,
        source_detail.as_ref().is_none_or(|s| s.chars().count() <= 500),
        path!["input", "sourceDetail"],
        msg!("at most {max} characters", max = 500),
    );
    checks.finish()?;
    let fields = IdeaFields {
        code: code.clone(),
        title: json(&title),
        summary: json(&summary),
        description: json(&description),
        sector_id: sector,
        value_chain,
        region_id: region,
        province_id: province,
        rationale: json(&rationale),
        target_groups: stored_list(input.target_groups.iter().map(|g| g.as_str())),
        legal_forms: stored_list(input.legal_forms.iter().map(|f| f.as_str())),
        funding_instruments: stored_list(input.funding_instruments.iter().map(|f| f.as_str())),
        min_members: input.min_members,
        investment_min_minor: investment_min,
        investment_max_minor: investment_max,
        expected_jobs: input.expected_jobs,
        expected_turnover_minor: turnover,
        feasibility: json(&feasibility),
        requirements: json(&labels),
        source: input.source.as_str().into(),
        source_detail,
        updated_at: now(),
    };
    write_tx(conn, |conn| {
        if let Some(other) = store::idea_by_code(conn, &code)?
            && Some(other.id) != existing_id
        {
            return Err(AppError::user(ErrorCode::Taken, &["input", "code"], msg!("another idea has this code")));
        }
        let id = match existing_id {
            None => store::insert_idea(conn, &fields, viewer.account_id, now())?,
            Some(id) => {
                let current = store::idea(conn, id)?.ok_or_else(idea_not_found)?;
                if current.status() == IdeaStatus::Archived {
                    return Err(AppError::user(
                        ErrorCode::InvalidTransition,
                        &["input", "id"],
                        msg!("an archived idea is no longer edited"),
                    ));
                }
                let version = input.expected_version.unwrap_or(current.version);
                if version != current.version || store::update_idea(conn, id, version, &fields)? == 0 {
                    return Err(AppError::user(
                        ErrorCode::Conflict,
                        &["input", "expectedVersion"],
                        msg!("someone saved this idea since; reload it and try again"),
                    ));
                }
                if current.status() == IdeaStatus::Published {
                    super::search::enqueue_sync(conn, &[id])?;
                }
                id
            }
        };
        store::replace_idea_requirements(conn, id, &course_ids, &path_ids)?;
        store::idea(conn, id)?.ok_or_else(|| AppError::internal("idea vanished"))
    })
}

pub fn transition_idea(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProjectIdeaTransitionInput,
) -> Result<IdeaRow, AppError> {
    let viewer = require_office_staff(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "ProjectIdea", path!["input", "id"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let idea = store::idea(conn, id)?.ok_or_else(idea_not_found)?;
        let from = idea.status();
        let to = input.to;
        let allowed = matches!(
            (from, to),
            (IdeaStatus::Draft, IdeaStatus::InReview)
                | (IdeaStatus::InReview, IdeaStatus::Draft)
                | (IdeaStatus::InReview, IdeaStatus::Published)
                | (IdeaStatus::Published, IdeaStatus::Archived)
                | (IdeaStatus::Draft, IdeaStatus::Archived)
        );
        if !allowed {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "to"],
                msg!("an idea in {from} cannot move to {to}", from = from.as_str(), to = to.as_str()),
            ));
        }
        if to == IdeaStatus::Published && !viewer.is_admin() && idea.submitted_by == Some(viewer.account_id) {
            return Err(AppError::forbidden(msg!("someone other than who sent the idea to review publishes it")));
        }
        let at = now();
        let submitted_by = if to == IdeaStatus::InReview { Some(viewer.account_id) } else { idea.submitted_by };
        let published_at = match to {
            IdeaStatus::Published => Some(at),
            _ => idea.published_at,
        };
        if store::set_idea_status(conn, id, from, to, submitted_by, published_at, at)? == 0 {
            return Err(AppError::user(
                ErrorCode::Conflict,
                &["input", "id"],
                msg!("the idea changed meanwhile; reload it"),
            ));
        }
        if matches!(to, IdeaStatus::Published | IdeaStatus::Archived) || from == IdeaStatus::Published {
            super::search::enqueue_sync(conn, &[id])?;
        }
        store::idea(conn, id)?.ok_or_else(|| AppError::internal("idea vanished"))
    })
}

fn can_see_idea(viewer: Option<&Viewer>, idea: &IdeaRow) -> bool {
    idea.status() == IdeaStatus::Published || viewer.is_some_and(|v| v.is_office_staff())
}

pub fn visible_idea(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<IdeaRow>, AppError> {
    Ok(store::idea(conn, id)?.filter(|i| can_see_idea(viewer, i)))
}

pub fn visible_idea_by_code(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    code: &str,
) -> Result<Option<IdeaRow>, AppError> {
    Ok(store::idea_by_code(conn, code.trim())?.filter(|i| can_see_idea(viewer, i)))
}

pub fn ideas_by_ids(conn: &mut DbConn, ids: &[i64]) -> Result<HashMap<i64, IdeaRow>, AppError> {
    Ok(store::ideas_by_ids(conn, ids)?)
}

/// The database's reading of a filter: unknown codes are user errors.
pub fn idea_query(conn: &mut DbConn, filter: &IdeaFilter, field: &str) -> Result<IdeaQuery, AppError> {
    let mut checks = Checks::new();
    let mut q = IdeaQuery::default();
    for (i, code) in filter.region_codes.iter().enumerate() {
        q.region_ids.push(region_id(conn, &mut checks, path![field, "regionCodes", i], code)?);
    }
    for (i, code) in filter.province_codes.iter().enumerate() {
        if let Some(p) = province_id(conn, &mut checks, path![field, "provinceCodes", i], Some(code), 0)? {
            q.province_ids.push(p);
        }
    }
    for (i, code) in filter.sector_codes.iter().enumerate() {
        q.sector_ids.push(sector_id(conn, &mut checks, path![field, "sectorCodes", i], code)?);
    }
    check_filter_bounds(&mut checks, filter, field);
    checks.finish()?;
    q.target_groups = filter.target_groups.iter().map(|g| g.as_str()).collect();
    q.funding = filter.funding_instruments.iter().map(|f| f.as_str()).collect();
    q.max_investment_minor = filter.max_investment.map(|m| m.saturating_mul(100));
    q.min_jobs = filter.min_jobs;
    Ok(q)
}

/// The limits of a filter that need no lookup.
fn check_filter_bounds(checks: &mut Checks, filter: &IdeaFilter, field: &str) {
    checks.check_with(
        ErrorCode::TooLong,
        filter.region_codes.len() + filter.province_codes.len() + filter.sector_codes.len() <= 100,
        path![field],
        msg!("at most 100 codes in a filter"),
    );
    if let Some(max) = filter.max_investment {
        checks.check_with(
            ErrorCode::OutOfRange,
            (0..=1_000_000_000).contains(&max),
            path![field, "maxInvestment"],
            msg!("must be 0 to 1000000000"),
        );
    }
}

/// The codes a filter may name (regions, provinces, sectors): reference data that only
/// migrations change, read once per process so that a search checks its filter without a
/// database round trip.
#[derive(Default)]
pub struct ReferenceCodes(tokio::sync::OnceCell<(HashSet<String>, HashSet<String>, HashSet<String>)>);

impl ReferenceCodes {
    /// Checks a filter's codes: the same errors as `idea_query`, from memory.
    pub async fn check(&self, db: &crate::kernel::db::Db, filter: &IdeaFilter, field: &str) -> Result<(), AppError> {
        let (regions, provinces, sectors) = self
            .0
            .get_or_try_init(|| {
                db.run(|conn| {
                    let regions = registry::list_regions(conn)?.into_iter().map(|r| r.code).collect();
                    let provinces = store::provinces(conn, None)?.into_iter().map(|p| p.code).collect();
                    let sectors = registry::list_sectors(conn)?.into_iter().map(|s| s.code).collect();
                    Ok((regions, provinces, sectors))
                })
            })
            .await?;
        let mut checks = Checks::new();
        let lists: [(&[String], &HashSet<String>, &str, ErrorCode); 3] = [
            (&filter.region_codes, regions, "regionCodes", ErrorCode::RegionNotFound),
            (&filter.province_codes, provinces, "provinceCodes", ErrorCode::ProvinceNotFound),
            (&filter.sector_codes, sectors, "sectorCodes", ErrorCode::SectorNotFound),
        ];
        for (codes, known, name, code) in lists {
            for (i, c) in codes.iter().enumerate() {
                if !known.contains(c.trim()) {
                    checks.fail_with(
                        code,
                        path![field, name, i],
                        match code {
                            ErrorCode::RegionNotFound => msg!("no such region"),
                            ErrorCode::ProvinceNotFound => msg!("no such province or prefecture"),
                            _ => msg!("no such sector"),
                        },
                    );
                }
            }
        }
        check_filter_bounds(&mut checks, filter, field);
        checks.finish()
    }
}

/// The ideas list: published ones for everyone, any status for office staff.
pub fn ideas(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    filter: IdeaFilter,
    status: Option<IdeaStatus>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<IdeaRow>, AppError> {
    let staff = viewer.is_some_and(|v| v.is_office_staff());
    let mut q = idea_query(conn, &filter, "filter")?;
    q.statuses = match status {
        Some(s) if s != IdeaStatus::Published && !staff => return Ok(Page::empty()),
        Some(s) => Some(vec![s.as_str()]),
        None if staff => None,
        None => Some(vec![IdeaStatus::Published.as_str()]),
    };
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_ideas(c, &q)?),
        |c, seek| store::list_ideas(c, &q, seek),
        |r| Key::id(r.id),
    )
}

// ---- calls ----

fn call_not_found() -> AppError {
    AppError::user(ErrorCode::CallNotFound, &["input", "id"], msg!("no such call"))
}

fn rules_of(
    conn: &mut DbConn,
    checks: &mut Checks,
    input: &EligibilityRulesInput,
) -> Result<EligibilityRules, AppError> {
    let field = |name: &str| path!["input", "rules", name];
    for (name, value) in [
        ("ageMin", input.age_min),
        ("ageMax", input.age_max),
        ("teamSizeMin", input.team_size_min),
        ("teamSizeMax", input.team_size_max),
        ("enterpriseAgeMaxYears", input.enterprise_age_max_years),
    ] {
        if let Some(v) = value {
            checks.check_with(ErrorCode::OutOfRange, (0..=150).contains(&v), field(name), msg!("must be 0 to 150"));
        }
    }
    if let (Some(a), Some(b)) = (input.age_min, input.age_max) {
        checks.check_with(ErrorCode::OutOfRange, a <= b, field("ageMax"), msg!("must be at least the minimum"));
    }
    if let (Some(a), Some(b)) = (input.team_size_min, input.team_size_max) {
        checks.check_with(ErrorCode::OutOfRange, a <= b, field("teamSizeMax"), msg!("must be at least the minimum"));
    }
    let mut region_codes = Vec::new();
    for (i, code) in input.region_codes.iter().enumerate() {
        if region_id(conn, checks, path!["input", "rules", "regionCodes", i], code)? != 0 {
            region_codes.push(code.trim().to_string());
        }
    }
    Ok(EligibilityRules {
        age_min: input.age_min,
        age_max: input.age_max,
        region_codes,
        genders: input.genders.iter().map(|g| g.as_str().to_string()).collect(),
        target_groups: input.target_groups.clone(),
        legal_forms: input.legal_forms.iter().map(|f| f.as_str().to_string()).collect(),
        applicant_kinds: input.applicant_kinds.clone(),
        team_size_min: input.team_size_min,
        team_size_max: input.team_size_max,
        enterprise_age_max_years: input.enterprise_age_max_years,
    })
}

fn review_rules(checks: &mut Checks, input: &CallSaveInput) -> ReviewRules {
    let mut criteria: Vec<Criterion> = Vec::new();
    for (i, c) in input.criteria.iter().enumerate() {
        let key = c.key.trim().to_string();
        let ok =
            (1..=40).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        checks.check(ok, path!["input", "criteria", i, "key"], msg!("1 to 40 letters, digits, dashes or underscores"));
        if criteria.iter().any(|o| o.key == key) {
            checks.fail_with(ErrorCode::Duplicate, path!["input", "criteria", i, "key"], msg!("is given twice"));
        }
        checks.check_with(
            ErrorCode::OutOfRange,
            (1..=100).contains(&c.weight),
            path!["input", "criteria", i, "weight"],
            msg!("must be 1 to 100"),
        );
        let label = localized(checks, &path!["input", "criteria", i, "label"], &c.label, MAX_NAME_LEN, true);
        criteria.push(Criterion { key, label, weight: c.weight });
    }
    checks.check_with(
        ErrorCode::OutOfRange,
        !criteria.is_empty() && criteria.iter().map(|c| c.weight).sum::<i32>() == 100,
        path!["input", "criteria"],
        msg!("the weights of the criteria must sum to 100"),
    );
    ReviewRules {
        criteria,
        exclude_own_cooperative: input.exclude_own_cooperative,
        exclude_own_region: input.exclude_own_region,
    }
}

pub fn save_call(conn: &mut DbConn, viewer: Option<&Viewer>, input: CallSaveInput) -> Result<CallRow, AppError> {
    let viewer = require_admin(viewer)?;
    let mut checks = Checks::new();
    let existing_id = input.id.as_ref().map(|id| decode(&mut checks, id, "Call", path!["input", "id"]));
    let code = input.code.trim().to_string();
    check_code(&mut checks, &code);
    let programme = store::programme_by_code(conn, input.programme_code.trim())?;
    if programme.is_none() {
        checks.fail_with(ErrorCode::ProgrammeNotFound, path!["input", "programmeCode"], msg!("no such programme"));
    }
    let title = text(&mut checks, "title", &input.title, MAX_NAME_LEN, true);
    let summary = text(&mut checks, "summary", &input.summary, MAX_DESCRIPTION_LEN, false);
    checks.check_with(
        ErrorCode::OutOfRange,
        input.opens_at.0 < input.closes_at.0,
        path!["input", "closesAt"],
        msg!("must be after the opening"),
    );
    let rules = rules_of(conn, &mut checks, &input.rules)?;
    for (name, value) in [
        ("minWomenLedPercent", input.quotas.min_women_led_percent),
        ("minYouthLedPercent", input.quotas.min_youth_led_percent),
    ] {
        if let Some(v) = value {
            checks.check_with(
                ErrorCode::OutOfRange,
                (0..=100).contains(&v),
                path!["input", "quotas", name],
                msg!("must be a percentage from 0 to 100"),
            );
        }
    }
    let quotas = Quotas {
        min_women_led_percent: input.quotas.min_women_led_percent,
        min_youth_led_percent: input.quotas.min_youth_led_percent,
    };
    let review = review_rules(&mut checks, &input);
    let budget = amount(&mut checks, "budget", &input.budget);
    let max_award = amount(&mut checks, "maxAward", &input.max_award);
    checks.check_with(
        ErrorCode::OutOfRange,
        max_award > 0 && max_award <= budget,
        path!["input", "maxAward"],
        msg!("must be more than 0 and at most the budget"),
    );
    let mut reviewers = Vec::new();
    for (i, email) in input.reviewer_emails.iter().flatten().enumerate() {
        match auth::service::find_account_by_email(conn, &normalize_email(email))? {
            Some(a) if !reviewers.contains(&a.id) => reviewers.push(a.id),
            Some(_) => {
                checks.fail_with(ErrorCode::Duplicate, path!["input", "reviewerEmails", i], msg!("is given twice"))
            }
            None => checks.fail_with(
                ErrorCode::AccountNotFound,
                path!["input", "reviewerEmails", i],
                msg!("no account has this email"),
            ),
        }
    }
    checks.finish()?;
    let fields = CallFields {
        code: code.clone(),
        programme_id: programme.map(|p| p.id).unwrap_or_default(),
        title: json(&title),
        summary: json(&summary),
        opens_at: input.opens_at.0,
        closes_at: input.closes_at.0,
        rules: json(&rules),
        quotas: json(&quotas),
        criteria: json(&review),
        budget_minor: budget,
        max_award_minor: max_award,
        updated_at: now(),
    };
    write_tx(conn, |conn| {
        if let Some(other) = store::call_by_code(conn, &code)?
            && Some(other.id) != existing_id
        {
            return Err(AppError::user(ErrorCode::Taken, &["input", "code"], msg!("another call has this code")));
        }
        let id = match existing_id {
            None => store::insert_call(conn, &fields, viewer.account_id, now())?,
            Some(id) => {
                let current = store::call(conn, id)?.ok_or_else(call_not_found)?;
                if current.status() != CallStatus::Forecast {
                    return Err(AppError::user(
                        ErrorCode::InvalidTransition,
                        &["input", "id"],
                        msg!("a call's rules are fixed once it opens"),
                    ));
                }
                store::update_call(conn, id, &fields)?;
                id
            }
        };
        if input.reviewer_emails.is_some() {
            store::replace_reviewers(conn, id, &reviewers)?;
        }
        store::call(conn, id)?.ok_or_else(|| AppError::internal("call vanished"))
    })
}

pub fn transition_call(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: CallTransitionInput,
) -> Result<CallRow, AppError> {
    require_admin(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "Call", path!["input", "id"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let call = store::call(conn, id)?.ok_or_else(call_not_found)?;
        let from = call.status();
        let allowed = matches!(
            (from, input.to),
            (CallStatus::Forecast, CallStatus::Open)
                | (CallStatus::Open, CallStatus::Closed)
                | (CallStatus::Closed, CallStatus::Archived)
        );
        if !allowed || store::set_call_status(conn, id, from, input.to, now())? == 0 {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "to"],
                msg!("a call in {from} cannot move to {to}", from = from.as_str(), to = input.to.as_str()),
            ));
        }
        store::call(conn, id)?.ok_or_else(|| AppError::internal("call vanished"))
    })
}

fn can_see_call(viewer: Option<&Viewer>, call: &CallRow) -> bool {
    call.status() != CallStatus::Archived || viewer.is_some_and(|v| v.is_office_staff())
}

pub fn visible_call(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<CallRow>, AppError> {
    Ok(store::call(conn, id)?.filter(|c| can_see_call(viewer, c)))
}

pub fn visible_call_by_code(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    code: &str,
) -> Result<Option<CallRow>, AppError> {
    Ok(store::call_by_code(conn, code.trim())?.filter(|c| can_see_call(viewer, c)))
}

pub fn calls(conn: &mut DbConn, viewer: Option<&Viewer>, status: Option<CallStatus>) -> Result<Vec<CallRow>, AppError> {
    let staff = viewer.is_some_and(|v| v.is_office_staff());
    let statuses: Vec<&'static str> = match status {
        Some(CallStatus::Archived) if !staff => return Ok(Vec::new()),
        Some(s) => vec![s.as_str()],
        None => [CallStatus::Forecast, CallStatus::Open, CallStatus::Closed].map(|s| s.as_str()).to_vec(),
    };
    Ok(store::calls(conn, &statuses)?)
}

/// How the call's selection stands against its budget and quotas.
pub struct CallProgress {
    pub selected: i64,
    pub committed_minor: i64,
    pub women_led_percent: Option<i32>,
    pub youth_led_percent: Option<i32>,
}

fn award(call: &CallRow, app: &ApplicationRow) -> i64 {
    app.requested_minor.min(call.max_award_minor)
}

pub fn call_progress(conn: &mut DbConn, call: &CallRow, youth: (i32, i32)) -> Result<CallProgress, AppError> {
    let selected = store::selected_of_call(conn, call.id)?;
    let n = selected.len() as i64;
    let year = today().year();
    let percent = |count: usize| (n > 0).then(|| (count as i64 * 100 / n) as i32);
    Ok(CallProgress {
        selected: n,
        committed_minor: selected.iter().map(|a| award(call, a)).sum(),
        women_led_percent: percent(selected.iter().filter(|a| a.lead_gender == Gender::Female.as_str()).count()),
        youth_led_percent: percent(
            selected.iter().filter(|a| (youth.0..=youth.1).contains(&(year - a.lead_birth_year))).count(),
        ),
    })
}

// ---- applications ----

fn application_not_found() -> AppError {
    AppError::user(ErrorCode::ProjectApplicationNotFound, &["input", "id"], msg!("no such project application"))
}

/// Office staff who handle this application: administrators, and agents of its region (or
/// of the whole country when they have no region).
fn handles(viewer: &Viewer, app: &ApplicationRow) -> bool {
    match viewer.role {
        Role::Admin => true,
        Role::Agent => viewer.region_id.is_none_or(|r| r == app.region_id),
        _ => false,
    }
}

/// Whether the viewer follows this application as its applicant (or who filed it).
fn follows(viewer: &Viewer, app: &ApplicationRow) -> bool {
    app.applicant_account_id == Some(viewer.account_id) || app.filed_by == viewer.account_id
}

/// Who sees an application: its applicant, who filed it, the office staff handling it, and
/// the call's reviewers once it is past the eligibility check.
pub fn can_see_application(conn: &mut DbConn, viewer: Option<&Viewer>, app: &ApplicationRow) -> Result<bool, AppError> {
    let Some(viewer) = viewer else { return Ok(false) };
    if follows(viewer, app) || handles(viewer, app) {
        return Ok(true);
    }
    let reviewable = !matches!(
        app.stage(),
        Stage::Draft | Stage::Submitted | Stage::ReturnedIncomplete | Stage::Ineligible | Stage::Withdrawn
    );
    Ok(reviewable && store::is_reviewer(conn, app.call_id, viewer.account_id)?)
}

/// Whether the viewer may read the team's personal data (national IDs, birth dates, contacts).
pub fn can_see_team(viewer: Option<&Viewer>, app: &ApplicationRow) -> bool {
    viewer.is_some_and(|v| follows(v, app) || handles(v, app))
}

pub fn visible_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: i64,
) -> Result<Option<ApplicationRow>, AppError> {
    let Some(app) = store::application(conn, id)? else { return Ok(None) };
    Ok(if can_see_application(conn, viewer, &app)? { Some(app) } else { None })
}

fn own_application(conn: &mut DbConn, viewer: &Viewer, id: &ID) -> Result<ApplicationRow, AppError> {
    let mut checks = Checks::new();
    let id = decode(&mut checks, id, "ProjectApplication", path!["input", "id"]);
    checks.finish()?;
    store::application(conn, id)?.filter(|a| follows(viewer, a) || handles(viewer, a)).ok_or_else(application_not_found)
}

struct ValidTeam {
    members: Vec<MemberRow>,
    women: i32,
    lead_gender: String,
    lead_birth_year: i32,
    lead_national_id: String,
}

fn team(
    conn: &mut DbConn,
    checks: &mut Checks,
    kind: ApplicantKind,
    input: &[TeamMemberInput],
) -> Result<ValidTeam, AppError> {
    let (min, max) = match kind {
        ApplicantKind::Person => (1, 1),
        ApplicantKind::Group => (MIN_GROUP, MAX_TEAM),
        ApplicantKind::Cooperative => (1, MAX_TEAM),
    };
    if input.len() < min {
        checks.fail_with(
            ErrorCode::TeamTooSmall,
            path!["input", "members"],
            match kind {
                ApplicantKind::Group => msg!("a group of future founders has at least {min} people", min = MIN_GROUP),
                _ => msg!("name at least one person"),
            },
        );
    }
    checks.check_with(
        ErrorCode::TooLong,
        input.len() <= max,
        path!["input", "members"],
        msg!("at most {max} people for this kind of applicant", max = max),
    );
    let mut members = Vec::new();
    let mut seen = HashMap::new();
    for (i, m) in input.iter().enumerate() {
        let field = |name: &str| path!["input", "members", i, name];
        let full_name = m.full_name.trim().to_string();
        checks.check(
            (1..=MAX_NAME_LEN).contains(&full_name.chars().count()),
            field("fullName"),
            msg!("must be 1 to {max} characters", max = MAX_NAME_LEN),
        );
        let national_id = normalize_national_id(&m.national_id);
        match &national_id {
            None => checks.fail(
                field("nationalId"),
                msg!("is not a national identity card number (one or two letters and up to six digits)"),
            ),
            Some(id) => {
                if let Some(first) = seen.insert(id.clone(), i) {
                    checks.fail_with(
                        ErrorCode::Duplicate,
                        field("nationalId"),
                        msg!("is already given for team member {number}", number = first + 1),
                    );
                }
            }
        }
        let born = m.birth_date.0;
        checks.check_with(
            ErrorCode::OutOfRange,
            born.year() > 1900 && eligibility::age_on(born, today()) >= 15,
            field("birthDate"),
            msg!("must be the birth date of someone 15 or older"),
        );
        let email = m.email.as_deref().map(normalize_email).filter(|e| !e.is_empty());
        if let Some(e) = &email {
            checks.check(is_valid_email(e), field("email"), msg!("is not a valid email address"));
        }
        let phone = m.phone.as_deref().map(normalize_phone).filter(|p| !p.is_empty());
        if let Some(p) = &phone {
            checks.check(is_valid_phone(p), field("phone"), msg!("must be a phone number such as +212612345678"));
        }
        let account_id = match &email {
            Some(e) if is_valid_email(e) => auth::service::find_account_by_email(conn, e)?.map(|a| a.id),
            _ => None,
        };
        members.push(MemberRow {
            id: 0,
            application_id: 0,
            position: i as i32,
            full_name,
            national_id: national_id.unwrap_or_default(),
            gender: m.gender.as_str().into(),
            birth_date: born,
            email,
            phone,
            account_id,
            neet: m.neet,
            graduate: m.graduate,
            rural: m.rural,
        });
    }
    let lead = members.first();
    Ok(ValidTeam {
        women: members.iter().filter(|m| m.gender == Gender::Female.as_str()).count() as i32,
        lead_gender: lead.map(|l| l.gender.clone()).unwrap_or_else(|| Gender::Female.as_str().into()),
        lead_birth_year: lead.map(|l| l.birth_date.year()).unwrap_or(2000),
        lead_national_id: lead.map(|l| l.national_id.clone()).unwrap_or_default(),
        members,
    })
}

fn accepting_call(call: &CallRow) -> Result<(), AppError> {
    if call.accepts_at(now()) {
        Ok(())
    } else {
        Err(AppError::user(
            ErrorCode::CallNotOpen,
            &["input", "callCode"],
            msg!("this call does not take applications now"),
        ))
    }
}

fn new_reference() -> Result<String, AppError> {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    let code: String = bytes.iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect();
    Ok(format!("PB-{}-{}", &code[..4], &code[4..]))
}

pub fn save_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProjectApplicationSaveInput,
) -> Result<ApplicationRow, AppError> {
    let viewer = require_viewer(viewer)?;
    let mut checks = Checks::new();
    let staff = viewer.is_office_staff();
    if input.channel != Channel::Web && !staff {
        checks.fail_with(
            ErrorCode::Forbidden,
            path!["input", "channel"],
            msg!("only office agents record desk, phone or field applications"),
        );
    }
    let existing = match &input.id {
        Some(id) => Some(own_application(conn, viewer, id)?),
        None => None,
    };
    if let Some(app) = &existing
        && !app.stage().editable()
    {
        return Err(AppError::user(
            ErrorCode::InvalidTransition,
            &["input", "id"],
            msg!("an application in {stage} is no longer edited", stage = app.stage().as_str()),
        ));
    }
    let call = match &existing {
        Some(app) => store::call(conn, app.call_id)?,
        None => match input.call_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
            Some(code) => store::call_by_code(conn, code)?.filter(|c| c.status() != CallStatus::Archived),
            None => {
                checks.fail_with(ErrorCode::Required, path!["input", "callCode"], msg!("name the call you apply to"));
                None
            }
        },
    };
    if call.is_none() && input.call_code.is_some() {
        checks.fail_with(ErrorCode::CallNotFound, path!["input", "callCode"], msg!("no such call"));
    }
    let idea = match input.idea_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => {
            let idea = store::idea_by_code(conn, code)?.filter(|i| i.status() == IdeaStatus::Published);
            if idea.is_none() {
                checks.fail_with(
                    ErrorCode::ProjectIdeaNotFound,
                    path!["input", "ideaCode"],
                    msg!("no published project idea has this code"),
                );
            }
            idea
        }
        None => None,
    };
    let region = region_id(conn, &mut checks, path!["input", "regionCode"], &input.region_code)?;
    let province =
        province_id(conn, &mut checks, path!["input", "provinceCode"], input.province_code.as_deref(), region)?;
    let sector = match (input.sector_code.as_deref().map(str::trim).filter(|c| !c.is_empty()), &idea) {
        (Some(code), _) => sector_id(conn, &mut checks, path!["input", "sectorCode"], code)?,
        (None, Some(idea)) => idea.sector_id,
        (None, None) => {
            checks.fail_with(ErrorCode::Required, path!["input", "sectorCode"], msg!("name the sector, or an idea"));
            0
        }
    };
    let cooperative_id = match (&input.cooperative_id, input.kind) {
        (Some(id), ApplicantKind::Cooperative) => {
            let id = decode(&mut checks, id, "Cooperative", path!["input", "cooperativeId"]);
            let exists = registry::cooperatives_by_ids(conn, &[id])?.contains_key(&id);
            if !exists {
                checks.fail_with(
                    ErrorCode::CooperativeNotFound,
                    path!["input", "cooperativeId"],
                    msg!("no such cooperative"),
                );
            } else if !staff && viewer.cooperative_id != Some(id) {
                return Err(AppError::forbidden(msg!("you may only apply for your own cooperative")));
            }
            Some(id)
        }
        (None, ApplicantKind::Cooperative) => {
            checks.fail_with(
                ErrorCode::Required,
                path!["input", "cooperativeId"],
                msg!("a cooperative applicant names its cooperative"),
            );
            None
        }
        (Some(_), _) => {
            checks.fail(path!["input", "cooperativeId"], msg!("only a cooperative applicant names a cooperative"));
            None
        }
        (None, _) => None,
    };
    let title = input.title.trim().to_string();
    checks.check(
        (1..=MAX_NAME_LEN).contains(&title.chars().count()),
        path!["input", "title"],
        msg!("must be 1 to {max} characters", max = MAX_NAME_LEN),
    );
    let summary = input.summary.trim().to_string();
    checks.check(
        (1..=5000).contains(&summary.chars().count()),
        path!["input", "summary"],
        msg!("must be 1 to {max} characters", max = 5000),
    );
    let requested = amount(&mut checks, "requestedAmount", &input.requested_amount);
    let contact_email = input.contact_email.as_deref().map(normalize_email).filter(|e| !e.is_empty());
    if let Some(e) = &contact_email {
        checks.check(is_valid_email(e), path!["input", "contactEmail"], msg!("is not a valid email address"));
    }
    let contact_phone = input.contact_phone.as_deref().map(normalize_phone).filter(|p| !p.is_empty());
    if let Some(p) = &contact_phone {
        checks.check(
            is_valid_phone(p),
            path!["input", "contactPhone"],
            msg!("must be a phone number such as +212612345678"),
        );
    }
    // Who follows the application: the signed-in applicant, or (assisted) the account an agent names.
    let (applicant_account, assisted) = if staff && input.channel != Channel::Web {
        match input.applicant_email.as_deref().map(normalize_email).filter(|e| !e.is_empty()) {
            Some(email) => match auth::service::find_account_by_email(conn, &email)? {
                Some(a) => (Some(a.id), true),
                None => {
                    checks.fail_with(
                        ErrorCode::AccountNotFound,
                        path!["input", "applicantEmail"],
                        msg!("no account has this email; leave it out to file without an account"),
                    );
                    (None, true)
                }
            },
            None => (None, true),
        }
    } else {
        (Some(viewer.account_id), false)
    };
    let team = team(conn, &mut checks, input.kind, &input.members)?;
    checks.finish()?;
    let call = call.ok_or_else(|| AppError::internal("call checked above"))?;
    accepting_call(&call)?;
    let applicant_key = match cooperative_id {
        Some(c) => format!("coop:{c}"),
        None => format!("nid:{}", team.lead_national_id),
    };
    let locale = crate::kernel::i18n::Locale::parse(
        &auth::service::find_account(conn, viewer.account_id)?.map(|a| a.locale).unwrap_or_default(),
    )
    .unwrap_or(crate::kernel::i18n::Locale::Fr)
    .code()
    .to_string();
    let fields = ApplicationFields {
        idea_id: idea.as_ref().map(|i| i.id),
        applicant_key: applicant_key.clone(),
        kind: input.kind.as_str().into(),
        cooperative_id,
        region_id: region,
        province_id: province,
        sector_id: sector,
        legal_form: input.legal_form.as_str().into(),
        title,
        summary,
        requested_minor: requested,
        locale,
        contact_email,
        contact_phone,
        team_size: team.members.len() as i32,
        women_count: team.women,
        lead_gender: team.lead_gender.clone(),
        lead_birth_year: team.lead_birth_year,
        updated_at: now(),
    };
    let already = || {
        AppError::user(
            ErrorCode::AlreadyApplied,
            &["input", "members", "0", "nationalId"],
            msg!("this applicant already applied to this call"),
        )
    };
    write_tx(conn, |conn| {
        if let Some(other) = store::application_by_key(conn, call.id, &applicant_key)?
            && Some(other.id) != existing.as_ref().map(|a| a.id)
            && other.stage() != Stage::Withdrawn
        {
            return Err(already());
        }
        if existing.is_none()
            && let Some(account) = applicant_account
        {
            let mine = store::applications_of_account_in_call(conn, call.id, account)?;
            if mine.iter().any(|a| a.stage() != Stage::Withdrawn) {
                return Err(already());
            }
        }
        let id = match &existing {
            Some(app) => {
                store::update_application(conn, app.id, &fields)?;
                app.id
            }
            None => {
                // A withdrawn application frees its key for a new one.
                if let Some(old) = store::application_by_key(conn, call.id, &applicant_key)? {
                    store::update_application(
                        conn,
                        old.id,
                        &ApplicationFields {
                            applicant_key: format!("withdrawn:{}:{}", old.id, applicant_key),
                            ..fields.clone()
                        },
                    )?;
                }
                let id = store::insert_application(
                    conn,
                    &NewApplication {
                        reference: new_reference()?,
                        call_id: call.id,
                        applicant_account_id: applicant_account,
                        filed_by: viewer.account_id,
                        channel: input.channel.as_str().into(),
                        assisted,
                        stage: Stage::Draft.as_str().into(),
                        created_at: now(),
                        fields: fields.clone(),
                    },
                )?;
                store::insert_event(
                    conn,
                    &NewEvent {
                        application_id: id,
                        from_stage: None,
                        to_stage: Stage::Draft.as_str().into(),
                        actor_account_id: Some(viewer.account_id),
                        reason: None,
                        created_at: now(),
                    },
                )?;
                id
            }
        };
        let members: Vec<MemberRow> = team.members.into_iter().map(|m| MemberRow { application_id: id, ..m }).collect();
        store::replace_members(conn, id, &members)?;
        store::application(conn, id)?.ok_or_else(|| AppError::internal("application vanished"))
    })
}

/// The facts the call's rules are applied to.
fn facts_of(conn: &mut DbConn, app: &ApplicationRow, members: &[MemberRow]) -> Result<ApplicantFacts, AppError> {
    let region_code =
        registry::regions_by_ids(conn, &[app.region_id])?.remove(&app.region_id).map(|r| r.code).unwrap_or_default();
    let registered_on = match app.cooperative_id {
        Some(c) => registry::registration_dates(conn, &[c])?.remove(&c),
        None => None,
    };
    Ok(ApplicantFacts {
        kind: app.kind(),
        region_code,
        legal_form: app.legal_form().as_str(),
        team: members
            .iter()
            .map(|m| PersonFacts {
                gender: m.gender().as_str(),
                birth_date: m.birth_date,
                neet: m.neet,
                graduate: m.graduate,
                rural: m.rural,
            })
            .collect(),
        registered_on,
    })
}

/// The call's rules applied to an application as it is now (what a draft would meet).
pub fn evaluate(conn: &mut DbConn, app: &ApplicationRow, youth: (i32, i32)) -> Result<Vec<RuleFailure>, AppError> {
    let call = store::call(conn, app.call_id)?.ok_or_else(|| AppError::internal("call missing"))?;
    let members = store::members(conn, &[app.id])?.remove(&app.id).unwrap_or_default();
    let facts = facts_of(conn, app, &members)?;
    Ok(eligibility::evaluate(&call.rules(), &facts, today(), youth))
}

fn record(
    conn: &mut DbConn,
    app: i64,
    from: Stage,
    to: Stage,
    actor: Option<i64>,
    reason: Option<String>,
) -> Result<(), AppError> {
    let at = now();
    if store::set_stage(conn, app, from, to, at)? == 0 {
        return Err(AppError::user(
            ErrorCode::Conflict,
            &["input", "id"],
            msg!("the application changed meanwhile; reload it"),
        ));
    }
    store::insert_event(
        conn,
        &NewEvent {
            application_id: app,
            from_stage: Some(from.as_str().into()),
            to_stage: to.as_str().into(),
            actor_account_id: actor,
            reason,
            created_at: at,
        },
    )?;
    Ok(())
}

/// Submits a draft (or an application returned as incomplete): the call's rules are applied
/// at once and the application becomes `ELIGIBLE` or `INELIGIBLE`, with one reason per rule failed.
pub fn submit_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    youth: (i32, i32),
    input: ProjectApplicationSubmitInput,
) -> Result<ApplicationRow, AppError> {
    let viewer = require_viewer(viewer)?;
    // The rules are applied before the write transaction (SQLite holds its one write lock
    // for the transaction's length); the writes below refuse if the application changed since.
    let app = own_application(conn, viewer, &input.id)?;
    let from = app.stage();
    if !from.editable() {
        return Err(AppError::user(
            ErrorCode::InvalidTransition,
            &["input", "id"],
            msg!("an application in {stage} cannot be submitted", stage = from.as_str()),
        ));
    }
    let call = store::call(conn, app.call_id)?.ok_or_else(|| AppError::internal("call missing"))?;
    accepting_call(&call)?;
    let failures = evaluate(conn, &app, youth)?;
    write_tx(conn, |conn| {
        if store::set_submitted(conn, app.id, app.updated_at, &json(&failures), now())? == 0 {
            return Err(AppError::user(
                ErrorCode::Conflict,
                &["input", "id"],
                msg!("the application changed meanwhile; reload it"),
            ));
        }
        record(conn, app.id, from, Stage::Submitted, Some(viewer.account_id), None)?;
        let (to, reason) = if failures.is_empty() {
            (Stage::Eligible, "the call's rules are met".to_string())
        } else {
            (Stage::Ineligible, format!("{} of the call's rules not met", failures.len()))
        };
        record(conn, app.id, Stage::Submitted, to, None, Some(reason))?;
        notify_applicant(conn, &app, to, None)?;
        store::application(conn, app.id)?.ok_or_else(|| AppError::internal("application vanished"))
    })
}

/// Stages the applicant is told about by email, in the caller's transaction (through the outbox).
fn tells_applicant(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::Eligible
            | Stage::Ineligible
            | Stage::ReturnedIncomplete
            | Stage::Selected
            | Stage::Reserve
            | Stage::Rejected
            | Stage::Funded
            | Stage::Declined
    )
}

/// Emails the applicant (their account, else the application's contact address) that the
/// application reached `stage`, in the application's language.
fn notify_applicant(
    conn: &mut DbConn,
    app: &ApplicationRow,
    stage: Stage,
    reason: Option<&str>,
) -> Result<(), AppError> {
    if !tells_applicant(stage) {
        return Ok(());
    }
    let account = match app.applicant_account_id {
        Some(id) => auth::service::find_account(conn, id)?.filter(|a| !a.disabled),
        None => None,
    };
    let (to, name) = match (&account, &app.contact_email) {
        (Some(a), _) => (a.email.clone(), Some(a.full_name.clone())),
        (None, Some(email)) => (email.clone(), None),
        (None, None) => return Ok(()),
    };
    notify::enqueue(
        conn,
        &EmailJob {
            template: EmailTemplate::ProjectApplicationStage,
            to,
            locale: app.locale.clone(),
            data: serde_json::json!({
                "name": name,
                "reference": app.reference,
                "title": app.title,
                "stage": stage.as_str(),
                "reason": reason,
            }),
        },
    )
}

fn reason_text(reason: Option<String>) -> Result<Option<String>, AppError> {
    let reason = reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(AppError::user(
            ErrorCode::TooLong,
            &["input", "reason"],
            msg!("at most {max} characters", max = 2000),
        ));
    }
    Ok(reason)
}

/// Moves an application on: the office along `Stage::office_moves`, the applicant to
/// `WITHDRAWN` before a decision. Selecting enrols the team in the idea's required courses.
pub fn transition_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    rules: &RegistryRules,
    input: ProjectApplicationTransitionInput,
) -> Result<ApplicationRow, AppError> {
    let viewer = require_viewer(viewer)?;
    let reason = reason_text(input.reason)?;
    write_tx(conn, |conn| {
        let app = own_application(conn, viewer, &input.id)?;
        let from = app.stage();
        let to = input.to;
        if to == Stage::Withdrawn {
            if !from.can_withdraw() {
                return Err(AppError::user(
                    ErrorCode::InvalidTransition,
                    &["input", "to"],
                    msg!("an application in {stage} can no longer be withdrawn", stage = from.as_str()),
                ));
            }
            record(conn, app.id, from, to, Some(viewer.account_id), reason)?;
            return store::application(conn, app.id)?.ok_or_else(|| AppError::internal("application vanished"));
        }
        if !handles(viewer, &app) {
            return Err(AppError::forbidden(msg!("only office agents move an application through its stages")));
        }
        let moves: Vec<Stage> = match from {
            Stage::Eligible => vec![Stage::ReturnedIncomplete, Stage::Scored],
            other => other.office_moves().to_vec(),
        };
        if !moves.contains(&to) {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "to"],
                msg!("an application in {from} cannot move to {to}", from = from.as_str(), to = to.as_str()),
            ));
        }
        if matches!(to, Stage::ReturnedIncomplete | Stage::Rejected | Stage::Declined) && reason.is_none() {
            return Err(AppError::user(ErrorCode::Required, &["input", "reason"], msg!("say why")));
        }
        if to == Stage::Scored && store::reviews(conn, app.id)?.is_empty() {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "to"],
                msg!("no reviewer has scored this application yet"),
            ));
        }
        let call = store::call(conn, app.call_id)?.ok_or_else(|| AppError::internal("call missing"))?;
        if to == Stage::Selected {
            let committed = call_progress(conn, &call, youth_band(rules))?.committed_minor;
            if committed + award(&call, &app) > call.budget_minor {
                return Err(AppError::user(
                    ErrorCode::BudgetExceeded,
                    &["input", "to"],
                    msg!("selecting this application would exceed the call's budget"),
                ));
            }
        }
        record(conn, app.id, from, to, Some(viewer.account_id), reason.clone())?;
        notify_applicant(conn, &app, to, reason.as_deref())?;
        if to == Stage::Selected {
            start_training(conn, rules, &app, viewer.account_id)?;
        }
        store::application(conn, app.id)?.ok_or_else(|| AppError::internal("application vanished"))
    })
}

/// Selected: the team's members with an account are enrolled in the idea's required courses
/// and the application moves to `TRAINING`; when nothing is to be learnt the registration
/// application is prefilled at once.
fn start_training(conn: &mut DbConn, rules: &RegistryRules, app: &ApplicationRow, actor: i64) -> Result<(), AppError> {
    let members = store::members(conn, &[app.id])?.remove(&app.id).unwrap_or_default();
    let accounts: Vec<i64> = members.iter().filter_map(|m| m.account_id).collect::<HashSet<_>>().into_iter().collect();
    let (courses, paths) = match app.idea_id {
        Some(idea) => (
            store::idea_courses(conn, &[idea])?.remove(&idea).unwrap_or_default(),
            store::idea_paths(conn, &[idea])?.remove(&idea).unwrap_or_default(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let made = academy::enroll_team(conn, &accounts, &courses, &paths, actor)?;
    let without_account = members.len() - members.iter().filter(|m| m.account_id.is_some()).count();
    let reason = format!(
        "{made} course enrolments for {} team members with an account; {without_account} without an account",
        accounts.len()
    );
    record(conn, app.id, Stage::Selected, Stage::Training, None, Some(reason))?;
    let required = academy::required_courses(conn, &courses, &paths)?;
    if required.is_empty() || (!accounts.is_empty() && academy::all_completed(conn, &accounts, &required)?) {
        prefill_registration(conn, rules, app, &members)?;
    }
    Ok(())
}

/// The team finished its training: a creation application is prefilled for the applicant.
fn prefill_registration(
    conn: &mut DbConn,
    rules: &RegistryRules,
    app: &ApplicationRow,
    members: &[MemberRow],
) -> Result<(), AppError> {
    let Some(applicant) = app.applicant_account_id.or_else(|| members.iter().find_map(|m| m.account_id)) else {
        return Ok(());
    };
    let province = match app.province_id {
        Some(p) => store::provinces_by_ids(conn, &[p])?.remove(&p).map(|p| p.name_fr),
        None => None,
    };
    let registration = registry::create_prefilled_application(
        conn,
        rules,
        registry::Prefill {
            applicant_account_id: applicant,
            actor_account_id: None,
            legal_form: app.legal_form(),
            proposed_name: app.title.clone(),
            region_id: app.region_id,
            province,
            sector_id: app.sector_id,
            contact_email: app.contact_email.clone(),
            founders: members
                .iter()
                .map(|m| registry::PrefilledFounder {
                    full_name: m.full_name.clone(),
                    national_id: m.national_id.clone(),
                    gender: m.gender(),
                    birth_date: m.birth_date,
                    phone: m.phone.clone(),
                })
                .collect(),
            project_application_id: app.id,
            reason: format!("prefilled from project application {}", app.reference),
        },
    )?;
    store::set_registration_application(conn, app.id, registration)?;
    store::insert_event(
        conn,
        &NewEvent {
            application_id: app.id,
            from_stage: Some(Stage::Training.as_str().into()),
            to_stage: Stage::Training.as_str().into(),
            actor_account_id: None,
            reason: Some("training completed; a registration application was prefilled".into()),
            created_at: now(),
        },
    )?;
    Ok(())
}

/// A learner completed a course (the academy's outbox row): the applications in training
/// whose whole team has now completed everything get their registration application.
pub fn course_completed(conn: &mut DbConn, rules: &RegistryRules, account_id: i64) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        let mut prefilled = 0;
        for app in store::training_applications_of_member(conn, account_id)? {
            let members = store::members(conn, &[app.id])?.remove(&app.id).unwrap_or_default();
            let accounts: Vec<i64> = members.iter().filter_map(|m| m.account_id).collect();
            let Some(idea) = app.idea_id else { continue };
            let courses = store::idea_courses(conn, &[idea])?.remove(&idea).unwrap_or_default();
            let paths = store::idea_paths(conn, &[idea])?.remove(&idea).unwrap_or_default();
            let required = academy::required_courses(conn, &courses, &paths)?;
            if academy::all_completed(conn, &accounts, &required)? {
                prefill_registration(conn, rules, &app, &members)?;
                prefilled += 1;
            }
        }
        Ok(prefilled)
    })
}

/// A reviewer scores an application against the call's rubric.
pub fn score_application(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: ProjectApplicationScoreInput,
) -> Result<ApplicationRow, AppError> {
    let viewer = require_viewer(viewer)?;
    let mut checks = Checks::new();
    let id = decode(&mut checks, &input.id, "ProjectApplication", path!["input", "id"]);
    checks.finish()?;
    write_tx(conn, |conn| {
        let app = store::application(conn, id)?.ok_or_else(application_not_found)?;
        let reviewer = viewer.is_admin() || store::is_reviewer(conn, app.call_id, viewer.account_id)?;
        if !reviewer {
            if can_see_application(conn, Some(viewer), &app)? {
                return Err(AppError::forbidden(msg!("only the call's reviewers score its applications")));
            }
            return Err(application_not_found());
        }
        if !matches!(app.stage(), Stage::Eligible | Stage::Scored) {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &["input", "id"],
                msg!("an application in {stage} is not being scored", stage = app.stage().as_str()),
            ));
        }
        let call = store::call(conn, app.call_id)?.ok_or_else(|| AppError::internal("call missing"))?;
        let review = call.review();
        // Conflicts of interest: one's own team always; one's cooperative or region when the call says so.
        let members = store::members(conn, &[app.id])?.remove(&app.id).unwrap_or_default();
        let account = auth::service::find_account(conn, viewer.account_id)?.ok_or(AppError::Unauthenticated)?;
        let own_team = follows(viewer, &app) || members.iter().any(|m| m.account_id == Some(viewer.account_id));
        let own_cooperative = review.exclude_own_cooperative
            && app.cooperative_id.is_some()
            && account.cooperative_id == app.cooperative_id;
        let reviewer_region = match (account.region_id, account.cooperative_id) {
            (Some(r), _) => Some(r),
            (None, Some(c)) => registry::cooperatives_by_ids(conn, &[c])?.remove(&c).map(|c| c.region_id),
            _ => None,
        };
        let own_region = review.exclude_own_region && reviewer_region == Some(app.region_id);
        if own_team || own_cooperative || own_region {
            return Err(AppError::user(
                ErrorCode::ConflictOfInterest,
                &["input", "id"],
                if own_region && !own_team && !own_cooperative {
                    msg!("this call does not let you score applications from your own region")
                } else {
                    msg!("you may not score an application of your own cooperative or team")
                },
            ));
        }
        let mut checks = Checks::new();
        let mut given: HashMap<&str, i32> = HashMap::new();
        for (i, s) in input.scores.iter().enumerate() {
            let key = s.criterion.trim();
            if !review.criteria.iter().any(|c| c.key == key) {
                checks.fail(path!["input", "scores", i, "criterion"], msg!("is not a criterion of this call"));
            } else if given.insert(key, s.points).is_some() {
                checks.fail_with(
                    ErrorCode::Duplicate,
                    path!["input", "scores", i, "criterion"],
                    msg!("is given twice"),
                );
            }
            checks.check_with(
                ErrorCode::OutOfRange,
                (0..=100).contains(&s.points),
                path!["input", "scores", i, "points"],
                msg!("must be 0 to 100"),
            );
        }
        for c in &review.criteria {
            if !given.contains_key(c.key.as_str()) {
                checks.fail_with(
                    ErrorCode::Required,
                    path!["input", "scores"],
                    msg!("criterion {key} has no score", key = c.key.clone()),
                );
            }
        }
        let comment = input.comment.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_string);
        checks.check_with(
            ErrorCode::TooLong,
            comment.as_ref().is_none_or(|c| c.chars().count() <= 2000),
            path!["input", "comment"],
            msg!("at most {max} characters", max = 2000),
        );
        checks.finish()?;
        let total: i32 = review.criteria.iter().map(|c| given[c.key.as_str()] * c.weight).sum();
        if store::reviews(conn, app.id)?.iter().any(|r| r.reviewer_account_id == viewer.account_id) {
            return Err(AppError::user(
                ErrorCode::AlreadyReviewed,
                &["input", "id"],
                msg!("you already scored this application"),
            ));
        }
        let scores: serde_json::Map<String, serde_json::Value> =
            given.iter().map(|(k, v)| (k.to_string(), (*v).into())).collect();
        store::insert_review(
            conn,
            &NewReview {
                application_id: app.id,
                reviewer_account_id: viewer.account_id,
                scores: serde_json::Value::Object(scores).to_string(),
                total_bp: total,
                comment,
                created_at: now(),
            },
        )?;
        let reviews = store::reviews(conn, app.id)?;
        let average = reviews.iter().map(|r| r.total_bp as i64).sum::<i64>() / reviews.len().max(1) as i64;
        store::set_score(conn, app.id, average as i32)?;
        store::application(conn, app.id)?.ok_or_else(|| AppError::internal("application vanished"))
    })
}

pub fn reviews(conn: &mut DbConn, viewer: Option<&Viewer>, app: &ApplicationRow) -> Result<Vec<ReviewRow>, AppError> {
    let Some(viewer) = viewer else { return Ok(Vec::new()) };
    let rows = store::reviews(conn, app.id)?;
    // Staff see every review; a reviewer their own; the applicant only the average (on the application).
    Ok(if handles(viewer, app) {
        rows
    } else {
        rows.into_iter().filter(|r| r.reviewer_account_id == viewer.account_id).collect()
    })
}

/// The viewer's own applications (as applicant or filer for staff lists use `applications`).
pub fn my_applications(
    conn: &mut DbConn,
    viewer: &Viewer,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ApplicationRow>, AppError> {
    let q = ApplicationQuery { applicant_account_id: Some(viewer.account_id), ..Default::default() };
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_applications(c, &q)?),
        |c, seek| store::list_applications(c, &q, seek),
        |r| Key::id(r.id),
    )
}

/// A call's applications, for the office staff who handle them.
pub fn applications(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    call_code: &str,
    stage: Option<Stage>,
    args: PageArgs,
    want_total: bool,
) -> Result<Page<ApplicationRow>, AppError> {
    let viewer = require_office_staff(viewer)?;
    let call = store::call_by_code(conn, call_code.trim())?
        .ok_or_else(|| AppError::user(ErrorCode::CallNotFound, &["callCode"], msg!("no such call")))?;
    let q = ApplicationQuery {
        call_id: Some(call.id),
        stage: stage.map(|s| s.as_str()),
        region_id: if viewer.role == Role::Agent { viewer.region_id } else { None },
        ..Default::default()
    };
    paginate(
        conn,
        args,
        want_total,
        |c| Ok(store::count_applications(c, &q)?),
        |c, seek| store::list_applications(c, &q, seek),
        |r| Key::id(r.id),
    )
}

// ---- saved searches ----

fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 24];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub fn create_saved_search(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: SavedSearchCreateInput,
) -> Result<SavedSearchRow, AppError> {
    let viewer = require_viewer(viewer)?;
    let mut checks = Checks::new();
    let name = input.name.trim().to_string();
    checks.check(
        (1..=MAX_NAME_LEN).contains(&name.chars().count()),
        path!["input", "name"],
        msg!("must be 1 to {max} characters", max = MAX_NAME_LEN),
    );
    checks.check_with(
        ErrorCode::TooLong,
        input.query.chars().count() <= 200,
        path!["input", "query"],
        msg!("at most {max} characters", max = 200),
    );
    checks.finish()?;
    let filter = input.filter.unwrap_or_default();
    idea_query(conn, &filter, "input")?;
    let locale = auth::service::find_account(conn, viewer.account_id)?.map(|a| a.locale).unwrap_or_else(|| "fr".into());
    write_tx(conn, |conn| {
        if store::count_saved_searches_of(conn, viewer.account_id)? >= MAX_SAVED_SEARCHES {
            return Err(AppError::user(
                ErrorCode::OutOfRange,
                &["input"],
                msg!("at most {max} saved searches per account", max = MAX_SAVED_SEARCHES),
            ));
        }
        let at = now();
        let id = store::insert_saved_search(
            conn,
            &NewSavedSearch {
                account_id: viewer.account_id,
                name,
                query: input.query.trim().to_string(),
                filter: json(&filter),
                alerts: input.alerts,
                locale,
                unsubscribe_hash: hash_token(&new_token()?),
                last_alerted_at: at,
                created_at: at,
            },
        )?;
        store::saved_search(conn, id)?.ok_or_else(|| AppError::internal("saved search vanished"))
    })
}

fn own_saved_search(conn: &mut DbConn, viewer: &Viewer, id: &ID) -> Result<SavedSearchRow, AppError> {
    let mut checks = Checks::new();
    let id = decode(&mut checks, id, "SavedSearch", path!["input", "id"]);
    checks.finish()?;
    store::saved_search(conn, id)?
        .filter(|s| s.account_id == viewer.account_id)
        .ok_or_else(|| AppError::user(ErrorCode::SavedSearchNotFound, &["input", "id"], msg!("no such saved search")))
}

pub fn update_saved_search(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: SavedSearchUpdateInput,
) -> Result<SavedSearchRow, AppError> {
    let viewer = require_viewer(viewer)?;
    let search = own_saved_search(conn, viewer, &input.id)?;
    store::set_alerts(conn, search.id, input.alerts)?;
    store::saved_search(conn, search.id)?.ok_or_else(|| AppError::internal("saved search vanished"))
}

pub fn delete_saved_search(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: SavedSearchDeleteInput,
) -> Result<ID, AppError> {
    let viewer = require_viewer(viewer)?;
    let search = own_saved_search(conn, viewer, &input.id)?;
    store::delete_saved_search(conn, search.id)?;
    Ok(input.id)
}

pub fn saved_searches(conn: &mut DbConn, viewer: &Viewer) -> Result<Vec<SavedSearchRow>, AppError> {
    Ok(store::saved_searches_of(conn, viewer.account_id)?)
}

/// The one-click unsubscribe link's target: alerts off for the search whose token this is.
pub fn unsubscribe(conn: &mut DbConn, token: &str) -> Result<bool, AppError> {
    if token.len() != 48 || !token.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(false);
    }
    Ok(store::unsubscribe(conn, &hash_token(token))? > 0)
}

/// A fresh unsubscribe token for a digest (only its hash is kept, replacing the previous one).
pub fn rotate_unsubscribe_token(conn: &mut DbConn, id: i64) -> Result<String, AppError> {
    let token = new_token()?;
    store::set_unsubscribe_hash(conn, id, &hash_token(&token))?;
    Ok(token)
}

pub fn due_alerts(
    conn: &mut DbConn,
    before: NaiveDateTime,
    after_id: i64,
    limit: i64,
) -> Result<Vec<SavedSearchRow>, AppError> {
    Ok(store::due_alerts(conn, before, after_id, limit)?)
}

pub fn calls_opened_after(conn: &mut DbConn, after: NaiveDateTime) -> Result<Vec<CallRow>, AppError> {
    Ok(store::calls_opened_after(conn, after)?)
}

pub fn mark_alerted(conn: &mut DbConn, id: i64, previous: NaiveDateTime, at: NaiveDateTime) -> Result<bool, AppError> {
    Ok(store::mark_alerted(conn, id, previous, at)? > 0)
}

pub fn account_email(conn: &mut DbConn, account_id: i64) -> Result<Option<(String, String)>, AppError> {
    Ok(auth::service::find_account(conn, account_id)?.filter(|a| !a.disabled).map(|a| (a.email, a.full_name)))
}

// ---- generated data (`seed projects`) ----

/// One generated application: where, who leads it, and where it stands.
pub struct GeneratedApplication {
    pub serial: usize,
    pub region_id: i64,
    pub sector_id: i64,
    pub stage: Stage,
    pub lead_female: bool,
    pub lead_birth_year: i32,
}

/// How many generated applications a call already has (new ones continue the numbering).
pub fn generated_count(conn: &mut DbConn, call_id: i64) -> Result<usize, AppError> {
    Ok(store::count_generated(conn, call_id)? as usize)
}

/// Writes generated applications in bulk, in the caller's transaction (no team rows: they
/// exist for the statistics and the lists).
pub fn insert_generated(
    conn: &mut DbConn,
    call: &CallRow,
    filed_by: i64,
    rows: &[GeneratedApplication],
) -> Result<usize, AppError> {
    let at = now();
    let apps: Vec<NewApplication> = rows
        .iter()
        .map(|g| NewApplication {
            reference: format!("PB-G{:07}", g.serial),
            call_id: call.id,
            applicant_account_id: None,
            filed_by,
            channel: Channel::Desk.as_str().into(),
            assisted: true,
            stage: g.stage.as_str().into(),
            created_at: at,
            fields: ApplicationFields {
                idea_id: None,
                applicant_key: format!("gen:{}", g.serial),
                kind: ApplicantKind::Group.as_str().into(),
                cooperative_id: None,
                region_id: g.region_id,
                province_id: None,
                sector_id: g.sector_id,
                legal_form: "COOPERATIVE".into(),
                title: format!("Projet {}", g.serial),
                summary: "Généré".into(),
                requested_minor: 10_000_000,
                locale: "fr".into(),
                contact_email: None,
                contact_phone: None,
                team_size: 5,
                women_count: if g.lead_female { 3 } else { 1 },
                lead_gender: if g.lead_female { "F" } else { "M" }.into(),
                lead_birth_year: g.lead_birth_year,
                updated_at: at,
            },
        })
        .collect();
    Ok(store::insert_applications(conn, &apps)?)
}
