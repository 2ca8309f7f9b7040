//! The command line: one module per command group. Each command opens what it needs from
//! the configuration and calls the library; nothing here holds a rule of the domain.

mod admin;
mod bench;
mod data;
mod scoring;
mod search;
mod server;

use anyhow::Context;
use clap::{Parser, Subcommand};
use taawun::kernel::config::Config;
use taawun::kernel::db::{self, Db, DbConn, PooledConn};
use taawun::kernel::error::AppError;

#[derive(Parser)]
#[command(name = "taawun", version, about = "Taawun: GraphQL backend for Morocco's cooperatives")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the HTTP server (migrates an embedded database first).
    Serve {
        /// Load the demo data (once) before serving.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Load data sets.
    Seed {
        #[command(subcommand)]
        what: data::SeedCommand,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Rebuild a search index from the database into a fresh directory, then swap it in.
    Reindex {
        #[arg(long, default_value = "products")]
        index: String,
    },
    /// Search index maintenance.
    Search {
        #[command(subcommand)]
        what: search::SearchCommand,
    },
    /// Benchmarks (run them on a release build).
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
    /// Load data from files.
    Import {
        #[command(subcommand)]
        what: data::ImportCommand,
    },
    /// Performance scoring of every cooperative.
    Scoring {
        #[command(subcommand)]
        what: scoring::ScoringCommand,
    },
    /// Manage administrator accounts.
    Admin {
        #[command(subcommand)]
        what: admin::AdminCommand,
    },
}

pub fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load().context("configuration")?;
    init_tracing(&config.log);
    match cli.command {
        Command::Serve { demo } => server::serve(config, demo),
        Command::Migrate => server::migrate(&config),
        Command::Schema => {
            print!("{}", taawun::api::sdl());
            Ok(())
        }
        Command::Seed { what } => data::seed(&config, what),
        Command::Import { what } => data::import(&config, what),
        Command::Reindex { index } => search::reindex(&config, &index),
        Command::Search { what } => search::run(&config, what),
        Command::Bench { what } => bench::run(&config, what),
        Command::Admin { what } => admin::run(&config, what),
        Command::Scoring { what } => scoring::run(&config, what),
    }
}

fn init_tracing(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
}

/// A library error as the command line reports it.
fn failed(e: AppError) -> anyhow::Error {
    anyhow::anyhow!(e.detail())
}

fn open_db(config: &Config) -> anyhow::Result<Db> {
    let url = config.effective_database_url();
    Db::connect(&url, config.db_pool_size.min(4), Default::default())
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}

/// A connection to a migrated database.
fn migrated(db: &Db) -> anyhow::Result<PooledConn> {
    let mut conn = db.conn().map_err(failed)?;
    db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(conn)
}

/// Refreshes the planner's statistics after a bulk load.
fn analyze(conn: &mut DbConn) -> anyhow::Result<()> {
    db::analyze(conn).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A progress bar on stderr.
fn progress_bar(done: usize, total: usize, what: &str) {
    let pct = (done * 100 / total.max(1)).min(100);
    eprint!("\r[{:<40}] {pct:>3}%  {done}/{total} {what}", "#".repeat(pct * 40 / 100));
}
