use async_graphql::Enum;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{access_tokens, accounts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Role {
    Customer,
    /// Manages one cooperative's shop.
    CooperativeManager,
    /// Office agent: registry review and control.
    Agent,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "CUSTOMER",
            Role::CooperativeManager => "COOPERATIVE_MANAGER",
            Role::Agent => "AGENT",
            Role::Admin => "ADMIN",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "CUSTOMER" => Role::Customer,
            "COOPERATIVE_MANAGER" => Role::CooperativeManager,
            "AGENT" => Role::Agent,
            "ADMIN" => Role::Admin,
            _ => return None,
        })
    }
}

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
}

#[derive(Debug, Insertable)]
#[diesel(table_name = access_tokens)]
pub struct NewAccessToken<'a> {
    pub account_id: i64,
    pub token_hash: &'a str,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// Who is calling, resolved once per request from the bearer token.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub account_id: i64,
    pub role: Role,
    /// Set for cooperative managers: the one cooperative they act for.
    pub cooperative_id: Option<i64>,
    pub token_hash: String,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Agent)
    }
    /// Admins manage every cooperative's shop; a manager only their own.
    pub fn can_manage(&self, cooperative_id: i64) -> bool {
        self.is_admin() || (self.role == Role::CooperativeManager && self.cooperative_id == Some(cooperative_id))
    }
}
