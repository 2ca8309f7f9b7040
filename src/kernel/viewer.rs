//! Who is calling and what their role lets them do. Resolved once per request from the
//! bearer token (by `auth`); every domain checks access with these helpers.

use async_graphql::Enum;

use crate::kernel::error::AppError;
use crate::msg;

/// What an account may do: buy, run one cooperative, work for the office, administer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum Role {
    Customer,
    /// Manages one cooperative's shop.
    CooperativeManager,
    /// Office agent: registry review and control.
    Agent,
    Admin,
    /// Writes and publishes academy courses and learning paths.
    Trainer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "CUSTOMER",
            Role::CooperativeManager => "COOPERATIVE_MANAGER",
            Role::Agent => "AGENT",
            Role::Admin => "ADMIN",
            Role::Trainer => "TRAINER",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "CUSTOMER" => Role::Customer,
            "COOPERATIVE_MANAGER" => Role::CooperativeManager,
            "AGENT" => Role::Agent,
            "ADMIN" => Role::Admin,
            "TRAINER" => Role::Trainer,
            _ => return None,
        })
    }
}

/// Who is calling, resolved once per request from the bearer token.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub account_id: i64,
    pub role: Role,
    /// Set for cooperative managers: the one cooperative they act for.
    pub cooperative_id: Option<i64>,
    /// Set for agents who work for one region (their academy view is that region's learners).
    pub region_id: Option<i64>,
    pub token_hash: String,
}

impl Viewer {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    /// The office's people (agents and administrators): register work. The marketplace's
    /// staff (orders, refunds, fulfilments, ledgers, other cooperatives' drafts) are the
    /// administrators alone (`is_admin`, `can_manage`).
    pub fn is_office_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Agent)
    }
    /// Admins manage every cooperative's shop; a manager only their own.
    pub fn can_manage(&self, cooperative_id: i64) -> bool {
        self.is_admin() || (self.role == Role::CooperativeManager && self.cooperative_id == Some(cooperative_id))
    }
}

pub fn require_viewer(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    viewer.ok_or(AppError::Unauthenticated)
}

/// Office agents and administrators.
pub fn require_office_staff(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    let viewer = require_viewer(viewer)?;
    if viewer.is_office_staff() { Ok(viewer) } else { Err(AppError::forbidden(msg!("only office agents may do this"))) }
}

pub fn require_admin(viewer: Option<&Viewer>) -> Result<&Viewer, AppError> {
    match viewer {
        None => Err(AppError::Unauthenticated),
        Some(v) if v.is_admin() => Ok(v),
        Some(_) => Err(AppError::forbidden(msg!("only administrators may do this"))),
    }
}

/// Administrators, or the managers of this cooperative.
pub fn require_manage(viewer: Option<&Viewer>, cooperative_id: i64) -> Result<&Viewer, AppError> {
    let viewer = require_viewer(viewer)?;
    if viewer.can_manage(cooperative_id) {
        Ok(viewer)
    } else {
        Err(AppError::forbidden(msg!("you may only manage your own cooperative")))
    }
}
