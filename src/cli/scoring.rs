//! `scoring run`: scores every cooperative with the published model.

use clap::Subcommand;
use taawun::kernel::config::Config;
use taawun::scoring::model::RunOrigin;
use taawun::scoring::service;

use super::{failed, migrated, open_db};

#[derive(Subcommand)]
pub enum ScoringCommand {
    /// Score every cooperative now (installs the default model first when there is none).
    Run {
        /// The day to score as of (default: today).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

pub fn run(config: &Config, what: ScoringCommand) -> anyhow::Result<()> {
    let ScoringCommand::Run { as_of } = what;
    let db = open_db(config)?;
    let mut conn = migrated(&db)?;
    if service::ensure_default_model(&mut conn).map_err(failed)? {
        println!("default scoring model installed as version 1");
    }
    let as_of = as_of.unwrap_or_else(taawun::registry::service::today);
    let started = std::time::Instant::now();
    let run =
        service::run(&mut conn, &config.registry, &config.scoring, RunOrigin::Command, None, as_of).map_err(failed)?;
    println!(
        "scored {} cooperatives as of {} in {:.2} s (computed in {} ms, then committed)",
        run.cooperatives,
        run.as_of,
        started.elapsed().as_secs_f64(),
        run.duration_ms
    );
    Ok(())
}
