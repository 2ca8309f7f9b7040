//! The demo's scoring: the default model, three controls at different stages (one whose
//! corrective action is overdue, so the first run plans its follow-up) and a first run, so
//! that scores, priorities and controls have something to show.

use chrono::Duration;

use crate::auth;
use crate::kernel::config::{RegistryRules, ScoringRules};
use crate::kernel::db::DbConn;
use crate::kernel::error::AppError;
use crate::kernel::graphql::{Date, ids};
use crate::kernel::viewer::{Role, Viewer};
use crate::registry::service as registry;
use crate::scoring::inputs::*;
use crate::scoring::model::*;
use crate::scoring::service;

fn viewer(id: i64, role: Role) -> Viewer {
    Viewer { account_id: id, role, cooperative_id: None, region_id: None, token_hash: String::new() }
}

pub fn seed_demo(conn: &mut DbConn) -> Result<bool, AppError> {
    service::ensure_default_model(conn)?;
    if service::latest_run(conn)?.is_some() {
        return Ok(false);
    }
    let (Some(agent), Some(first), Some(second)) = (
        auth::service::find_account_by_email(conn, "agent@demo.taawun.ma")?,
        registry::cooperative_by_slug(conn, "tighanimine")?,
        registry::cooperative_by_slug(conn, "tissage-taznakht")?,
    ) else {
        return Ok(false);
    };
    let agent = viewer(agent.id, Role::Agent);
    let today = registry::today();
    service::plan_control(
        conn,
        Some(&agent),
        ControlPlanInput {
            cooperative_id: ids::encode("Cooperative", first.id),
            kind: ControlKind::Routine,
            trigger_event: None,
            reason: "Yearly routine control of governance and filings".into(),
            planned_for: Date(today + Duration::days(10)),
            assignee_email: Some("agent@demo.taawun.ma".into()),
        },
    )?;
    let ad_hoc = service::plan_control(
        conn,
        Some(&agent),
        ControlPlanInput {
            cooperative_id: ids::encode("Cooperative", second.id),
            kind: ControlKind::AdHoc,
            trigger_event: Some("A buyer's complaint: a carpet sold as hand-knotted wool".into()),
            reason: "Check the labelling and the production records".into(),
            planned_for: Date(today),
            assignee_email: Some("agent@demo.taawun.ma".into()),
        },
    )?;
    let held_on = today - Duration::days(60);
    service::complete_control(
        conn,
        Some(&agent),
        ControlCompleteInput {
            id: ids::encode("Control", ad_hoc.id),
            held_on: Date(held_on),
            note: Some("Records kept; labels incomplete".into()),
            findings: vec![
                FindingInput {
                    category: FindingCategory::HygieneAndLabels,
                    severity: Severity::High,
                    description: "Labels do not state the fibre composition".into(),
                    corrective_action: "Relabel the stock with the composition and origin".into(),
                    deadline: Date(held_on + Duration::days(30)),
                },
                FindingInput {
                    category: FindingCategory::Governance,
                    severity: Severity::Low,
                    description: "Board minutes not signed".into(),
                    corrective_action: "Have the last three minutes signed".into(),
                    deadline: Date(today + Duration::days(60)),
                },
            ],
        },
    )?;
    service::run(conn, &RegistryRules::default(), &ScoringRules::default(), RunOrigin::Command, None, today)?;
    Ok(true)
}
