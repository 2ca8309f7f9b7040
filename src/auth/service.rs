//! Rules for accounts: registration, login, tokens, staff accounts.

use std::net::IpAddr;
use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, NaiveDateTime};
use sha2::{Digest, Sha256};

use super::model::{
    AccountCreateInput, AccountLinks, AccountRow, LoginThrottleRow, NewAccessToken, NewAccount, NewAccountToken,
    PasswordResetRequested, RegisterInput, TokenPurpose,
};
use super::store;
use crate::kernel::cpu::CpuBound;
use crate::kernel::db::{Db, DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::i18n::Locale;
use crate::kernel::validate::{is_valid_email, normalize_email};
use crate::kernel::viewer::{Role, Viewer, require_admin};
use crate::msg;
use crate::notify::{self, EmailJob, EmailTemplate};
use crate::path;

pub const MIN_PASSWORD_LEN: usize = 10;
pub const MAX_PASSWORD_LEN: usize = 256;

pub fn hash_password(password: &str) -> Result<String, AppError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(|e| AppError::internal(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AppError::internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
        .unwrap_or(false)
}

/// Verified against when the email is unknown, so both failures take the same time.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_password("not-a-real-password").unwrap_or_default());

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_password(checks: &mut Checks, field: &str, password: &str) {
    let len = password.chars().count();
    checks.check(
        (MIN_PASSWORD_LEN..=MAX_PASSWORD_LEN).contains(&len),
        path!["input", field],
        msg!(
            "must be {min_password_len} to {max_password_len} characters",
            min_password_len = MIN_PASSWORD_LEN,
            max_password_len = MAX_PASSWORD_LEN
        ),
    );
}

fn check_full_name(checks: &mut Checks, name: &str) {
    let len = name.trim().chars().count();
    checks.check((1..=200).contains(&len), path!["input", "fullName"], msg!("must be 1 to 200 characters"));
}

/// A new bearer token for `account_id`; only its hash is stored.
pub fn issue_token(conn: &mut DbConn, account_id: i64, ttl_hours: i64) -> Result<IssuedToken, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    let token = format!("tw_{}", URL_SAFE_NO_PAD.encode(bytes));
    let created_at = now();
    let expires_at = created_at + Duration::hours(ttl_hours.max(1));
    store::insert_token(conn, &NewAccessToken { account_id, token_hash: &hash_token(&token), created_at, expires_at })?;
    Ok(IssuedToken { token, expires_at })
}

pub struct IssuedToken {
    pub token: String,
    pub expires_at: NaiveDateTime,
}

/// Password hashing is CPU work: it runs on the blocking pool without a database
/// connection, a few at a time, so a flood of logins neither starves the connection pool
/// nor takes every core.
static HASHING: CpuBound = CpuBound::per_core();

async fn off_the_pool<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
    HASHING.run(work).await.map_err(AppError::internal)
}

/// Registers a customer and signs them in. Registration signs in at once (a buyer goes on
/// to check out), so it must say when an email already has an account; each such answer
/// counts as a failed attempt of the client's address, like a wrong password, so probing
/// emails here is no cheaper than guessing passwords (past 20, the address waits).
pub async fn register_customer(
    db: &Db,
    input: RegisterInput,
    client: Option<IpAddr>,
    default_locale: Locale,
    ttl_hours: i64,
    links: AccountLinks,
) -> Result<(AccountRow, IssuedToken), AppError> {
    let email = normalize_email(&input.email);
    let mut checks = Checks::new();
    checks.check(is_valid_email(&email), path!["input", "email"], msg!("is not a valid email address"));
    check_password(&mut checks, "password", &input.password);
    check_full_name(&mut checks, &input.full_name);
    let locale = input.locale.unwrap_or(default_locale);
    checks.finish()?;
    let address: Vec<(String, i32)> =
        client.map(|ip| (format!("address:{ip}"), ADDRESS_FREE_FAILURES)).into_iter().collect();
    let names: Vec<String> = address.iter().map(|(k, _)| k.clone()).collect();
    let waiting = db
        .run(move |conn| {
            let at = now();
            Ok(store::throttles(conn, &names)?.iter().any(|r| r.locked_until.is_some_and(|until| until > at)))
        })
        .await?;
    if waiting {
        return Err(AppError::user(
            ErrorCode::TryLater,
            &["input"],
            msg!("too many attempts from this address; try again in a few minutes"),
        ));
    }
    let password = input.password;
    let password_hash = off_the_pool(move || hash_password(&password)).await??;
    let full_name = input.full_name.trim().to_string();
    let outcome = db
        .run(move |conn| {
            write_tx(conn, |conn| {
                if store::find_by_email(conn, &email)?.is_some() {
                    return Ok(None);
                }
                let id = store::insert(
                    conn,
                    &NewAccount {
                        email: &email,
                        password_hash: &password_hash,
                        full_name: &full_name,
                        role: Role::Customer.as_str(),
                        cooperative_id: None,
                        locale: locale.code(),
                        disabled: false,
                        created_at: now(),
                        region_id: None,
                        email_verified_at: None,
                    },
                )?;
                let token = issue_token(conn, id, ttl_hours)?;
                let account = store::find(conn, id)?.ok_or_else(|| AppError::internal("account vanished"))?;
                send_verification(conn, &account, &links)?;
                Ok(Some((account, token)))
            })
        })
        .await?;
    match outcome {
        Some(registered) => Ok(registered),
        None => {
            db.run(move |conn| record_failures(conn, &address)).await?;
            Err(AppError::user(
                ErrorCode::Taken,
                &["input", "email"],
                msg!("an account with this email already exists"),
            ))
        }
    }
}

/// Failed logins an account may have before each further one makes it wait; and a client
/// address (shared by many people behind one network, so more).
pub const ACCOUNT_FREE_FAILURES: i32 = 5;
pub const ADDRESS_FREE_FAILURES: i32 = 20;
/// The longest wait, and how long failures are remembered after the last one.
const MAX_WAIT_SECS: i64 = 15 * 60;
const FORGET_AFTER_SECS: i64 = 60 * 60;

/// What a login reads before the password is checked: the account, and whether its email
/// or the client's address must wait.
pub struct LoginAttempt {
    email: String,
    account: Option<AccountRow>,
    waiting: bool,
    keys: Vec<(String, i32)>,
}

fn throttle_keys(email: &str, client: Option<IpAddr>) -> Vec<(String, i32)> {
    let mut keys = vec![(format!("account:{email}"), ACCOUNT_FREE_FAILURES)];
    if let Some(ip) = client {
        keys.push((format!("address:{ip}"), ADDRESS_FREE_FAILURES));
    }
    keys
}

pub fn begin_login(conn: &mut DbConn, email: &str, client: Option<IpAddr>) -> Result<LoginAttempt, AppError> {
    let email = normalize_email(email);
    let keys = throttle_keys(&email, client);
    let names: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    let at = now();
    let waiting = store::throttles(conn, &names)?.iter().any(|r| r.locked_until.is_some_and(|until| until > at));
    let account = if waiting { None } else { store::find_by_email(conn, &email)? };
    Ok(LoginAttempt { email, account, waiting, keys })
}

/// Whether the password is the account's (CPU only: run it off the pool). Unknown emails are
/// checked against a dummy hash so that they take as long; a waiting login is not checked.
pub fn password_matches(attempt: &LoginAttempt, password: &str) -> bool {
    if attempt.waiting {
        return false;
    }
    match &attempt.account {
        Some(a) => verify_password(password, &a.password_hash) && !a.disabled,
        None => {
            verify_password(password, &DUMMY_HASH);
            false
        }
    }
}

/// Issues the token, or records the failure against the email and the address; either way a
/// refused login answers the same, whether the password was wrong or the login must wait.
pub fn finish_login(
    conn: &mut DbConn,
    attempt: LoginAttempt,
    matched: bool,
    ttl_hours: i64,
) -> Result<(AccountRow, IssuedToken), AppError> {
    if let (true, Some(account)) = (matched, attempt.account) {
        return write_tx(conn, |conn| {
            store::clear_throttle(conn, &format!("account:{}", attempt.email))?;
            let token = issue_token(conn, account.id, ttl_hours)?;
            Ok((account, token))
        });
    }
    let refused = || AppError::user(ErrorCode::InvalidCredentials, &["input"], msg!("invalid email or password"));
    if attempt.waiting {
        // Not checked, so not counted: the wait ends when it said it would.
        return Err(refused());
    }
    record_failures(conn, &attempt.keys)?;
    Err(refused())
}

/// Counts one failure under each key (with how many are free before waits begin).
fn record_failures(conn: &mut DbConn, keys: &[(String, i32)]) -> Result<(), AppError> {
    write_tx(conn, |conn| {
        let at = now();
        let names: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
        let current = store::throttles(conn, &names)?;
        for (key, free) in keys {
            let previous = current
                .iter()
                .find(|r| &r.throttle_key == key)
                .filter(|r| (at - r.last_failure_at).num_seconds() < FORGET_AFTER_SECS);
            let failures = previous.map_or(0, |r| r.failures).saturating_add(1);
            store::save_throttle(
                conn,
                &LoginThrottleRow {
                    throttle_key: key.clone(),
                    failures,
                    last_failure_at: at,
                    locked_until: (failures > *free).then(|| at + Duration::seconds(wait_secs(failures - free))),
                },
            )?;
        }
        Ok(())
    })
}

/// 1 s after the first failure over the free ones, doubling up to 15 minutes.
fn wait_secs(over: i32) -> i64 {
    let doublings = u32::try_from(over.saturating_sub(1)).unwrap_or(0).min(20);
    (1i64 << doublings).min(MAX_WAIT_SECS)
}

/// Signs in: the account and the throttle are read, the password checked off the pool, and
/// the token issued or the failure recorded.
pub async fn login(
    db: &Db,
    email: String,
    password: String,
    client: Option<IpAddr>,
    ttl_hours: i64,
) -> Result<(AccountRow, IssuedToken), AppError> {
    let attempt = db.run(move |conn| begin_login(conn, &email, client)).await?;
    let (attempt, matched) = off_the_pool(move || {
        let matched = password_matches(&attempt, &password);
        (attempt, matched)
    })
    .await?;
    db.run(move |conn| finish_login(conn, attempt, matched, ttl_hours)).await
}

pub fn logout(conn: &mut DbConn, viewer: &Viewer) -> Result<bool, AppError> {
    Ok(store::revoke_token(conn, &viewer.token_hash, now())? > 0)
}

/// Resolves a bearer token to the caller; `None` for unknown, expired or revoked tokens.
pub fn resolve_viewer(conn: &mut DbConn, token: &str) -> Result<Option<Viewer>, AppError> {
    let token_hash = hash_token(token);
    Ok(store::find_by_token(conn, &token_hash, now())?.map(|a| Viewer {
        account_id: a.id,
        role: a.role(),
        cooperative_id: a.cooperative_id,
        region_id: a.region_id,
        token_hash,
    }))
}

/// An account the viewer may see: their own, or any for administrators.
pub fn visible_account(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<AccountRow>, AppError> {
    let Some(viewer) = viewer else { return Ok(None) };
    if viewer.account_id != id && !viewer.is_admin() {
        return Ok(None);
    }
    Ok(store::find(conn, id)?)
}

/// An account by id (for the domains that write to a person).
pub fn find_account(conn: &mut DbConn, id: i64) -> Result<Option<super::model::AccountRow>, AppError> {
    Ok(super::store::find(conn, id)?)
}

/// The emails of accounts, by id (to name who did what in a history).
pub fn emails_of(conn: &mut DbConn, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>, AppError> {
    Ok(super::store::emails_of(conn, ids)?.into_iter().collect())
}

/// An account by its (normalised) email.
pub fn find_account_by_email(conn: &mut DbConn, email: &str) -> Result<Option<super::model::AccountRow>, AppError> {
    Ok(super::store::find_by_email(conn, email)?)
}

/// Staff and manager accounts, created by an administrator.
pub fn create_account(
    conn: &mut DbConn,
    actor: Option<&Viewer>,
    input: AccountCreateInput,
    default_locale: Locale,
    cooperative_exists: CooperativeExists,
) -> Result<AccountRow, AppError> {
    require_admin(actor)?;
    create_account_unchecked(conn, input, default_locale, cooperative_exists)
}

/// Whether a cooperative exists: the register's answer, handed in by the layer that wires
/// domains together (the register comes after accounts in the dependency order).
pub type CooperativeExists = fn(&mut DbConn, i64) -> Result<bool, AppError>;

/// For the CLI and start-up, which act with the operator's authority.
pub fn create_account_unchecked(
    conn: &mut DbConn,
    input: AccountCreateInput,
    default_locale: Locale,
    cooperative_exists: CooperativeExists,
) -> Result<AccountRow, AppError> {
    let email = normalize_email(&input.email);
    let mut checks = Checks::new();
    checks.check(is_valid_email(&email), path!["input", "email"], msg!("is not a valid email address"));
    check_password(&mut checks, "password", &input.password);
    check_full_name(&mut checks, &input.full_name);
    let locale = input.locale.unwrap_or(default_locale);
    match (input.role, input.cooperative_id) {
        (Role::CooperativeManager, None) => {
            checks.fail(path!["input", "cooperativeId"], msg!("a cooperative manager needs a cooperative"))
        }
        (Role::CooperativeManager, Some(_)) | (_, None) => {}
        (_, Some(_)) => {
            checks.fail(path!["input", "cooperativeId"], msg!("only cooperative managers belong to a cooperative"))
        }
    }
    if input.region_id.is_some() && input.role != Role::Agent {
        checks.fail(path!["input", "regionCode"], msg!("only agents work for a region"));
    }
    checks.finish()?;
    let password_hash = hash_password(&input.password)?;
    write_tx(conn, |conn| {
        if let Some(cid) = input.cooperative_id
            && !cooperative_exists(conn, cid)?
        {
            return Err(AppError::user(
                ErrorCode::CooperativeNotFound,
                &["input", "cooperativeId"],
                msg!("no such cooperative"),
            ));
        }
        if store::find_by_email(conn, &email)?.is_some() {
            return Err(AppError::user(
                ErrorCode::Taken,
                &["input", "email"],
                msg!("an account with this email already exists"),
            ));
        }
        let id = store::insert(
            conn,
            &NewAccount {
                email: &email,
                password_hash: &password_hash,
                full_name: input.full_name.trim(),
                role: input.role.as_str(),
                cooperative_id: input.cooperative_id,
                locale: locale.code(),
                disabled: false,
                created_at: now(),
                region_id: input.region_id,
                email_verified_at: Some(now()),
            },
        )?;
        store::find(conn, id)?.ok_or_else(|| AppError::internal("account vanished"))
    })
}

/// Makes an existing account the manager of a cooperative.
pub fn assign_manager(
    conn: &mut DbConn,
    actor: Option<&Viewer>,
    email: &str,
    cooperative_id: i64,
    cooperative_exists: CooperativeExists,
) -> Result<AccountRow, AppError> {
    require_admin(actor)?;
    let email = normalize_email(email);
    write_tx(conn, |conn| {
        if !cooperative_exists(conn, cooperative_id)? {
            return Err(AppError::user(
                ErrorCode::CooperativeNotFound,
                &["input", "cooperativeId"],
                msg!("no such cooperative"),
            ));
        }
        let account = store::find_by_email(conn, &email)?.ok_or_else(|| {
            AppError::user(ErrorCode::AccountNotFound, &["input", "email"], msg!("no account with this email"))
        })?;
        if matches!(account.role(), Role::Admin | Role::Agent) {
            return Err(AppError::bad_input(&["input", "email"], msg!("staff accounts cannot manage a cooperative")));
        }
        store::set_role(conn, account.id, Role::CooperativeManager.as_str(), Some(cooperative_id))?;
        store::find(conn, account.id)?.ok_or_else(|| AppError::internal("account vanished"))
    })
}

/// Creates the first administrator from configuration when that email has no account yet.
pub fn ensure_admin(conn: &mut DbConn, email: &str, password: &str, default_locale: Locale) -> Result<bool, AppError> {
    if store::find_by_email(conn, &normalize_email(email))?.is_some() {
        return Ok(false);
    }
    create_account_unchecked(
        conn,
        AccountCreateInput {
            email: email.to_string(),
            password: password.to_string(),
            full_name: "Administrator".into(),
            role: Role::Admin,
            cooperative_id: None,
            locale: None,
            region_id: None,
        },
        default_locale,
        |_, _| Ok(false),
    )?;
    Ok(true)
}

/// How many accounts have an email `LIKE` the pattern (generators continue numbering).
pub fn count_accounts_like(conn: &mut DbConn, pattern: &str) -> Result<i64, AppError> {
    Ok(store::count_like(conn, pattern)?)
}

/// Inserts an account whose password is already hashed (demo data hashes once for all).
pub fn insert_account_with_hash(
    conn: &mut DbConn,
    email: &str,
    password_hash: &str,
    full_name: &str,
    role: Role,
    cooperative_id: Option<i64>,
) -> Result<i64, AppError> {
    Ok(store::insert(
        conn,
        &NewAccount {
            email,
            password_hash,
            full_name,
            role: role.as_str(),
            cooperative_id,
            locale: Locale::Fr.code(),
            disabled: false,
            created_at: now(),
            region_id: None,
            email_verified_at: Some(now()),
        },
    )?)
}

// ---- Email verification, password reset and change, profile ----

/// How long a verification link works, and a reset link.
pub const VERIFY_EMAIL_HOURS: i64 = 48;
pub const RESET_PASSWORD_MINUTES: i64 = 60;
/// Emails of one kind an account is sent per hour at most, however often they are asked for.
pub const TOKEN_EMAILS_PER_HOUR: i64 = 3;

fn new_secret(purpose: TokenPurpose) -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| AppError::internal(e.to_string()))?;
    Ok(format!("{}{}", purpose.prefix(), URL_SAFE_NO_PAD.encode(bytes)))
}

/// Creates a single-use token for the account's current email; only its hash is stored.
fn issue_account_token(
    conn: &mut DbConn,
    account: &AccountRow,
    purpose: TokenPurpose,
    valid_for: Duration,
) -> Result<String, AppError> {
    let token = new_secret(purpose)?;
    let created_at = now();
    store::insert_account_token(
        conn,
        &NewAccountToken {
            account_id: account.id,
            purpose: purpose.as_str(),
            token_hash: &hash_token(&token),
            email: &account.email,
            created_at,
            expires_at: created_at + valid_for,
        },
    )?;
    Ok(token)
}

/// Queues the verification email (in the caller's transaction), in the account's language.
fn send_verification(conn: &mut DbConn, account: &AccountRow, links: &AccountLinks) -> Result<(), AppError> {
    let token = issue_account_token(conn, account, TokenPurpose::VerifyEmail, Duration::hours(VERIFY_EMAIL_HOURS))?;
    let data = serde_json::json!({ "url": links.verify_email(&token), "hours": VERIFY_EMAIL_HOURS });
    email_account(conn, account, EmailTemplate::AccountVerification, data)
}

/// Sends a new verification email to a signed-in account whose email is not verified yet.
pub fn resend_verification(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    links: &AccountLinks,
) -> Result<AccountRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    write_tx(conn, |conn| {
        let account = store::find(conn, viewer.account_id)?.ok_or(AppError::Unauthenticated)?;
        if account.email_verified_at.is_some() {
            return Err(AppError::user(
                ErrorCode::InvalidTransition,
                &[],
                msg!("this email address is already verified"),
            ));
        }
        let purpose = TokenPurpose::VerifyEmail.as_str();
        if store::count_account_tokens_since(conn, account.id, purpose, now() - Duration::hours(1))?
            >= TOKEN_EMAILS_PER_HOUR
        {
            return Err(AppError::user(
                ErrorCode::TryLater,
                &[],
                msg!("too many emails were sent to this address; try again in an hour"),
            ));
        }
        send_verification(conn, &account, links)?;
        Ok(account)
    })
}

/// A token from an email link, checked: known, of this purpose, unused and unexpired.
fn live_token(
    conn: &mut DbConn,
    purpose: TokenPurpose,
    token: &str,
) -> Result<super::model::AccountTokenRow, AppError> {
    let field: &[&str] = &["input", "token"];
    let row = store::find_account_token(conn, purpose.as_str(), &hash_token(token.trim()))?
        .ok_or_else(|| AppError::user(ErrorCode::InvalidToken, field, msg!("this link is not valid")))?;
    if row.used_at.is_some() {
        return Err(AppError::user(ErrorCode::TokenUsed, field, msg!("this link was already used")));
    }
    if row.expires_at <= now() {
        return Err(AppError::user(ErrorCode::TokenExpired, field, msg!("this link has expired; ask for a new one")));
    }
    Ok(row)
}

/// Marks the token used, or says another request used it first.
fn spend_token(conn: &mut DbConn, id: i64) -> Result<(), AppError> {
    if store::use_account_token(conn, id, now())? == 0 {
        return Err(AppError::user(ErrorCode::TokenUsed, &["input", "token"], msg!("this link was already used")));
    }
    Ok(())
}

/// Verifies the email a token was sent to. A token sent to an address the account no longer
/// has verifies nothing.
pub fn verify_email(conn: &mut DbConn, token: &str) -> Result<AccountRow, AppError> {
    write_tx(conn, |conn| {
        let row = live_token(conn, TokenPurpose::VerifyEmail, token)?;
        let account = store::find(conn, row.account_id)?.ok_or_else(|| AppError::internal("account vanished"))?;
        if account.email != row.email {
            return Err(AppError::user(ErrorCode::InvalidToken, &["input", "token"], msg!("this link is not valid")));
        }
        spend_token(conn, row.id)?;
        store::set_email_verified(conn, account.id, now())?;
        store::find(conn, account.id)?.ok_or_else(|| AppError::internal("account vanished"))
    })
}

/// Whether each account's email is verified, by id (for the orders a cooperative ships).
pub fn verified_of(conn: &mut DbConn, ids: &[i64]) -> Result<std::collections::HashMap<i64, bool>, AppError> {
    Ok(store::verified_of(conn, ids)?.into_iter().collect())
}

/// Takes a reset request. It only checks the address's form and queues the request: whether
/// the email has an account is looked at when the outbox delivers it, so the answer and its
/// time are the same for every address.
pub fn request_password_reset(conn: &mut DbConn, email: &str) -> Result<(), AppError> {
    let email = normalize_email(email);
    let mut checks = Checks::new();
    checks.check(is_valid_email(&email), path!["input", "email"], msg!("is not a valid email address"));
    checks.finish()?;
    crate::outbox::enqueue(conn, PASSWORD_RESET_KIND, &PasswordResetRequested { email, requested_at: now() })
}

pub const PASSWORD_RESET_KIND: &str = "password_reset_request";

/// Delivers a reset request from the outbox: an enabled account with this email gets a link,
/// unless it was sent three in the last hour; an unknown email gets nothing. A request that
/// waited in the outbox longer than a link lives is dropped.
pub fn deliver_password_reset(
    conn: &mut DbConn,
    request: &PasswordResetRequested,
    links: &AccountLinks,
) -> Result<(), AppError> {
    let at = now();
    if at - request.requested_at > Duration::minutes(RESET_PASSWORD_MINUTES) {
        return Ok(());
    }
    write_tx(conn, |conn| {
        let Some(account) = store::find_by_email(conn, &request.email)?.filter(|a| !a.disabled) else {
            return Ok(());
        };
        let purpose = TokenPurpose::ResetPassword;
        if store::count_account_tokens_since(conn, account.id, purpose.as_str(), at - Duration::hours(1))?
            >= TOKEN_EMAILS_PER_HOUR
        {
            return Ok(());
        }
        let token = issue_account_token(conn, &account, purpose, Duration::minutes(RESET_PASSWORD_MINUTES))?;
        let data = serde_json::json!({ "url": links.reset_password(&token), "minutes": RESET_PASSWORD_MINUTES });
        email_account(conn, &account, EmailTemplate::PasswordReset, data)
    })
}

/// Queues an email to the account's address, in its language, greeting it by name.
fn email_account(
    conn: &mut DbConn,
    account: &AccountRow,
    template: EmailTemplate,
    mut data: serde_json::Value,
) -> Result<(), AppError> {
    data["name"] = serde_json::Value::from(account.full_name.clone());
    notify::enqueue(conn, &EmailJob { template, to: account.email.clone(), locale: account.locale.clone(), data })
}

fn password_changed_email(conn: &mut DbConn, account: &AccountRow) -> Result<(), AppError> {
    email_account(conn, account, EmailTemplate::PasswordChanged, serde_json::json!({}))
}

/// Sets a new password with a reset link: the link and every other reset link end, every
/// session of the account is revoked, and the owner is told by email. The link proves the
/// address, so it also verifies it.
pub async fn reset_password(db: &Db, token: String, new_password: String) -> Result<(), AppError> {
    let mut checks = Checks::new();
    check_password(&mut checks, "newPassword", &new_password);
    checks.finish()?;
    let checked = token.clone();
    db.run(move |conn| live_token(conn, TokenPurpose::ResetPassword, &checked).map(|_| ())).await?;
    let hash = off_the_pool(move || hash_password(&new_password)).await??;
    db.run(move |conn| {
        write_tx(conn, |conn| {
            let row = live_token(conn, TokenPurpose::ResetPassword, &token)?;
            spend_token(conn, row.id)?;
            let account = store::find(conn, row.account_id)?.ok_or_else(|| AppError::internal("account vanished"))?;
            let at = now();
            store::set_password_hash(conn, account.id, &hash)?;
            store::revoke_sessions(conn, account.id, None, at)?;
            store::use_all_account_tokens(conn, account.id, TokenPurpose::ResetPassword.as_str(), at)?;
            if account.email == row.email {
                store::set_email_verified(conn, account.id, at)?;
            }
            store::clear_throttle(conn, &format!("account:{}", account.email))?;
            password_changed_email(conn, &account)
        })
    })
    .await
}

/// Changes the signed-in account's password. A wrong current password counts as a failed
/// login of the account (so this is no way around the login limits); on success every other
/// session is revoked and this one stays.
pub async fn change_password(
    db: &Db,
    viewer: Option<Viewer>,
    current: String,
    new_password: String,
    client: Option<IpAddr>,
) -> Result<(), AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    check_password(&mut checks, "newPassword", &new_password);
    checks.finish()?;
    let id = viewer.account_id;
    let email = db.run(move |conn| Ok(store::find(conn, id)?.ok_or(AppError::Unauthenticated)?.email)).await?;
    let attempt = db.run(move |conn| begin_login(conn, &email, client)).await?;
    let (attempt, matched, hash) = off_the_pool(move || {
        let matched = password_matches(&attempt, &current);
        let hash = matched.then(|| hash_password(&new_password));
        (attempt, matched, hash)
    })
    .await?;
    let wrong = || {
        AppError::user(
            ErrorCode::InvalidCredentials,
            &["input", "currentPassword"],
            msg!("the current password is wrong"),
        )
    };
    let (Some(hash), true) = (hash.transpose()?, matched) else {
        if !attempt.waiting {
            db.run(move |conn| record_failures(conn, &attempt.keys)).await?;
        }
        return Err(wrong());
    };
    db.run(move |conn| {
        write_tx(conn, |conn| {
            let account = store::find(conn, id)?.ok_or(AppError::Unauthenticated)?;
            store::set_password_hash(conn, id, &hash)?;
            store::revoke_sessions(conn, id, Some(&viewer.token_hash), now())?;
            store::use_all_account_tokens(conn, id, TokenPurpose::ResetPassword.as_str(), now())?;
            store::clear_throttle(conn, &format!("account:{}", account.email))?;
            password_changed_email(conn, &account)
        })
    })
    .await
}

/// Seconds until a login with this email from this address may be tried again; `None` when
/// it need not wait. Told to clients as `Retry-After`.
pub fn login_retry_after(conn: &mut DbConn, email: &str, client: Option<IpAddr>) -> Result<Option<i64>, AppError> {
    let names: Vec<String> = throttle_keys(&normalize_email(email), client).into_iter().map(|(k, _)| k).collect();
    let at = now();
    Ok(store::throttles(conn, &names)?
        .iter()
        .filter_map(|r| r.locked_until)
        .map(|until| (until - at).num_milliseconds())
        .filter(|ms| *ms > 0)
        .max()
        .map(|ms| (ms + 999) / 1000))
}

/// The signed-in account changes its own name or language.
pub fn update_profile(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    full_name: Option<String>,
    locale: Option<Locale>,
) -> Result<AccountRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let mut checks = Checks::new();
    if let Some(name) = &full_name {
        check_full_name(&mut checks, name);
    }
    checks.finish()?;
    write_tx(conn, |conn| {
        let account = store::find(conn, viewer.account_id)?.ok_or(AppError::Unauthenticated)?;
        let name = full_name.as_deref().map(str::trim).unwrap_or(&account.full_name).to_string();
        let locale = locale.map(|l| l.code().to_string()).unwrap_or(account.locale.clone());
        store::set_profile(conn, account.id, &name, &locale)?;
        store::find(conn, account.id)?.ok_or_else(|| AppError::internal("account vanished"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn waits_double_up_to_fifteen_minutes() {
        let waits: Vec<i64> = (1..=12).map(wait_secs).collect();
        assert_eq!(&waits[..5], &[1, 2, 4, 8, 16]);
        assert_eq!(wait_secs(11), 900);
        assert_eq!(wait_secs(i32::MAX), 900);
    }
}
