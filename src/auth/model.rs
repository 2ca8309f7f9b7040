use async_graphql::{ID, InputObject};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::kernel::db::schema::{access_tokens, accounts, login_throttle};
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
