use async_graphql::{ID, InputObject};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::kernel::db::schema::{access_tokens, account_tokens, accounts, login_throttle};
use crate::kernel::i18n::Locale;
pub use crate::kernel::viewer::{Role, Viewer};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = accounts)]
pub struct AccountRow {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub full_name: String,
    pub role: String,
    pub cooperative_id: Option<i64>,
    pub locale: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub region_id: Option<i64>,
    pub email_verified_at: Option<NaiveDateTime>,
}

impl AccountRow {
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Customer)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = accounts)]
pub struct NewAccount<'a> {
    pub email: &'a str,
    pub password_hash: &'a str,
    pub full_name: &'a str,
    pub role: &'a str,
    pub cooperative_id: Option<i64>,
    pub locale: &'a str,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub region_id: Option<i64>,
    pub email_verified_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = access_tokens)]
pub struct NewAccessToken<'a> {
    pub account_id: i64,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub struct RegisterInput {
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub locale: Option<Locale>,
}

pub struct AccountCreateInput {
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub role: Role,
    pub cooperative_id: Option<i64>,
    pub locale: Option<Locale>,
    /// For agents: the region they work for (none: the country).
    pub region_id: Option<i64>,
}

// ---- GraphQL inputs ----

#[derive(InputObject)]
pub struct CustomerRegisterInput {
    pub email: String,
    pub password: String,
    pub full_name: String,
    /// The language of emails.
    pub locale: Option<Locale>,
    /// A guest cart to keep: it becomes the new account's cart.
    pub cart_id: Option<ID>,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    /// A guest cart to keep: merged into the account's cart.
    pub cart_id: Option<ID>,
}

#[derive(InputObject)]
pub struct AccountCreateGqlInput {
    pub email: String,
    pub password: String,
    pub full_name: String,
    pub role: Role,
    /// Required for COOPERATIVE_MANAGER.
    pub cooperative_id: Option<ID>,
    pub locale: Option<Locale>,
    /// AGENT only: the region they work for (their academy view is its learners); unset: the country.
    pub region_code: Option<String>,
}

#[derive(InputObject)]
pub struct CooperativeManagerAssignInput {
    pub email: String,
    pub cooperative_id: ID,
}

/// Failed logins under one key (`account:<email>` or `address:<ip>`).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = login_throttle)]
pub struct LoginThrottleRow {
    pub throttle_key: String,
    pub failures: i32,
    pub last_failure_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
}

/// What a token sent by email lets its holder do, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    VerifyEmail,
    ResetPassword,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "VERIFY_EMAIL",
            TokenPurpose::ResetPassword => "RESET_PASSWORD",
        }
    }
    /// The token's prefix, so a support person sees which kind a pasted token is.
    pub fn prefix(self) -> &'static str {
        match self {
            TokenPurpose::VerifyEmail => "tv_",
            TokenPurpose::ResetPassword => "tr_",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = account_tokens)]
pub struct AccountTokenRow {
    pub id: i64,
    pub account_id: i64,
    pub purpose: String,
    pub token_hash: String,
    pub email: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = account_tokens)]
pub struct NewAccountToken<'a> {
    pub account_id: i64,
    pub purpose: &'a str,
    pub token_hash: &'a str,
    pub email: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Where the account emails' links point: pages of the storefront that call
/// `accountVerifyEmail` and `passwordReset` with the token from the link.
#[derive(Debug, Clone)]
pub struct AccountLinks {
    pub base: String,
}

impl AccountLinks {
    pub fn verify_email(&self, token: &str) -> String {
        format!("{}/verify-email?token={token}", self.base)
    }
    pub fn reset_password(&self, token: &str) -> String {
        format!("{}/reset-password?token={token}", self.base)
    }
}

/// What the outbox carries for a password reset request: the lookup of the account happens
/// when it is delivered, so the request itself does the same work whether the email has an
/// account or not.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PasswordResetRequested {
    pub email: String,
    pub requested_at: NaiveDateTime,
}

#[derive(InputObject)]
pub struct AccountVerifyEmailInput {
    /// The token from the verification email's link.
    pub token: String,
}

#[derive(InputObject)]
pub struct PasswordResetRequestInput {
    pub email: String,
}

#[derive(InputObject)]
pub struct PasswordResetInput {
    /// The token from the reset email's link.
    pub token: String,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct PasswordChangeInput {
    pub current_password: String,
    pub new_password: String,
}

#[derive(InputObject)]
pub struct CustomerUpdateInput {
    /// Unset: unchanged.
    pub full_name: Option<String>,
    /// The language of emails; unset: unchanged.
    pub locale: Option<Locale>,
}
