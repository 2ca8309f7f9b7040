//! `reindex` and `search verify`.

use std::path::Path;
use std::sync::Arc;

use anyhow::bail;
use clap::Subcommand;
use taawun::kernel::config::Config;
use taawun::kernel::db::Db;
use taawun::search::config::SearchConfig;
use taawun::search::embedded::EmbeddedIndex;
use taawun::search::meili::MeiliIndex;

use super::{failed, open_db};

#[derive(Subcommand)]
pub enum SearchCommand {
    /// Compare the index with the database (ids and versions) and report drift.
    Verify,
}

fn search_config(config: &Config) -> anyhow::Result<Arc<SearchConfig>> {
    let loaded = match &config.search_config_dir {
        Some(dir) => SearchConfig::load_dir(dir),
        None => SearchConfig::builtin(),
    };
    loaded.map(Arc::new).map_err(|p| anyhow::anyhow!("search configuration:\n  {}", p.join("\n  ")))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread().enable_all().build()?)
}

pub fn reindex(config: &Config, index: &str) -> anyhow::Result<()> {
    match index {
        "products" => {}
        "courses" => return reindex_courses(config),
        "project_ideas" => return reindex_ideas(config),
        _ => bail!("unknown index `{index}` (known: products, courses, project_ideas)"),
    }
    let db = open_db(config)?;
    let search_config = search_config(config)?;
    let total = taawun::catalog::service::count_all_products(&mut *db.conn().map_err(failed)?).map_err(failed)?;
    // Products read so far (hidden ones are read but not indexed).
    let progress = |done: usize| {
        let pct = (done * 100 / (total.max(1) as usize)).min(100);
        eprint!("\r[{:<40}] {pct:>3}%  {done} indexed", "#".repeat(pct * 40 / 100));
    };
    if let Some(live) = MeiliIndex::from_config(config, &search_config, "products") {
        let live = live.map_err(|e| anyhow::anyhow!("{e}"))?;
        let n = runtime()?.block_on(taawun::search::rebuild_meili(&db, &live, progress)).map_err(failed)?;
        eprintln!();
        println!("{n} products indexed in Meilisearch and swapped in");
        return Ok(());
    }
    let built = rebuild_embedded(&db, &config.data_dir.join("search"), "products", search_config, |conn, index| {
        let n = taawun::search::rebuild(conn, index, progress);
        eprintln!();
        n
    })?;
    println!("{built} products indexed; running servers pick the new index up when they restart");
    Ok(())
}

/// The academy's published courses, into Meilisearch or a fresh embedded index swapped in.
fn reindex_courses(config: &Config) -> anyhow::Result<()> {
    use taawun::academy::search as courses;
    let db = open_db(config)?;
    let search_config = search_config(config)?;
    if let Some(live) = MeiliIndex::from_config(config, &search_config, courses::INDEX) {
        let live = live.map_err(|e| anyhow::anyhow!("{e}"))?;
        let n = runtime()?.block_on(courses::rebuild_meili(&db, &live)).map_err(failed)?;
        println!("{n} courses indexed in Meilisearch and swapped in");
        return Ok(());
    }
    let built =
        rebuild_embedded(&db, &config.data_dir.join("search"), courses::INDEX, search_config, |conn, index| {
            courses::rebuild(conn, index)
        })?;
    println!("{built} courses indexed; running servers pick the new index up when they restart");
    Ok(())
}

/// The project bank's published ideas, into Meilisearch or a fresh embedded index swapped in.
fn reindex_ideas(config: &Config) -> anyhow::Result<()> {
    use taawun::projects::search as ideas;
    let db = open_db(config)?;
    let search_config = search_config(config)?;
    if let Some(live) = MeiliIndex::from_config(config, &search_config, ideas::INDEX) {
        let live = live.map_err(|e| anyhow::anyhow!("{e}"))?;
        let n = runtime()?.block_on(ideas::rebuild_meili(&db, &live)).map_err(failed)?;
        println!("{n} project ideas indexed in Meilisearch and swapped in");
        return Ok(());
    }
    let built = rebuild_embedded(&db, &config.data_dir.join("search"), ideas::INDEX, search_config, |conn, index| {
        ideas::rebuild(conn, index)
    })?;
    println!("{built} project ideas indexed; running servers pick the new index up when they restart");
    Ok(())
}

/// Builds the index in a fresh directory, then swaps it in: the old directory moves aside
/// before the new one takes its name.
fn rebuild_embedded(
    db: &Db,
    root: &Path,
    name: &str,
    search_config: Arc<SearchConfig>,
    fill: impl FnOnce(&mut taawun::kernel::db::DbConn, &EmbeddedIndex) -> Result<usize, taawun::kernel::error::AppError>,
) -> anyhow::Result<usize> {
    let fresh = root.join(format!("{name}.new"));
    let _ = std::fs::remove_dir_all(&fresh);
    let built = {
        let target =
            EmbeddedIndex::open_for_rebuild(&fresh, name, search_config).map_err(|e| anyhow::anyhow!("{e}"))?;
        fill(&mut *db.conn().map_err(failed)?, &target).map_err(failed)?
    };
    let live = root.join(name);
    let old = root.join(format!("{name}.old-{}", std::process::id()));
    if live.exists() {
        std::fs::rename(&live, &old)?;
    }
    std::fs::rename(&fresh, &live)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(built)
}

pub fn run(config: &Config, what: SearchCommand) -> anyhow::Result<()> {
    let SearchCommand::Verify = what;
    let db = open_db(config)?;
    let search_config = search_config(config)?;
    let indexed = match MeiliIndex::from_config(config, &search_config, "products") {
        Some(live) => {
            let live = live.map_err(|e| anyhow::anyhow!("{e}"))?;
            runtime()?.block_on(live.versions()).map_err(|e| anyhow::anyhow!("{e}"))?
        }
        None => taawun::search::open_products(&config.data_dir.join("search").join("products"), search_config)
            .and_then(|index| index.versions())
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    };
    let drift = taawun::search::verify_versions(&mut *db.conn().map_err(failed)?, indexed).map_err(failed)?;
    let first = |ids: &[i64]| ids.iter().take(20).copied().collect::<Vec<_>>();
    println!("missing from the index: {} {:?}", drift.missing.len(), first(&drift.missing));
    println!("in the index but not to be found: {} {:?}", drift.unexpected.len(), first(&drift.unexpected));
    println!("stale in the index: {} {:?}", drift.stale.len(), first(&drift.stale));
    if drift != taawun::search::Drift::default() {
        bail!("the index has drifted from the database; run `taawun reindex`");
    }
    println!("the index matches the database");
    Ok(())
}
