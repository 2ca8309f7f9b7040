//! `serve` and `migrate`.

use std::net::TcpListener;

use anyhow::Context;
use taawun::app::{self, AppState};
use taawun::kernel::config::Config;
use taawun::kernel::db;
use taawun::seed::demo;

use super::{failed, open_db};

pub fn serve(mut config: Config, with_demo: bool) -> anyhow::Result<()> {
    // Introspection helps whoever explores the demo; in production it is a choice.
    config.introspection = config.introspection.or(Some(with_demo));
    let state = AppState::build(config.clone()).map_err(|e| anyhow::anyhow!("cannot start: {e}"))?;
    if with_demo {
        let loaded = demo::seed(&mut *state.db().conn().map_err(failed)?, state.issuer()).map_err(failed)?;
        if loaded {
            println!("Demo data loaded. Accounts (password `{}`):", demo::DEMO_PASSWORD);
            for (email, _, role, _) in demo::DEMO_ACCOUNTS {
                println!("  {email:<45} {role:?}");
            }
        }
    }
    let listener = TcpListener::bind(&config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
    actix_web::rt::System::new().block_on(async move {
        let serving = app::serve(state, listener)?;
        println!("Taawun is listening on http://{}/graphql (GraphiQL in a browser)", serving.addr);
        serving.wait().await
    })?;
    Ok(())
}

pub fn migrate(config: &Config) -> anyhow::Result<()> {
    let db = open_db(config)?;
    let applied = db::run_migrations(&mut *db.conn().map_err(failed)?).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("{applied} migration(s) applied");
    Ok(())
}
