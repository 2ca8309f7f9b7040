use std::net::TcpListener;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use taawun::app::{self, AppState};
use taawun::config::Config;
use taawun::db::{self, Db};
use taawun::i18n::Locale;
use taawun::search::config::SearchConfig;
use taawun::search::embedded::EmbeddedIndex;
use taawun::search::meili::MeiliIndex;

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
        what: SeedCommand,
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
        what: SearchCommand,
    },
    /// Benchmarks (run them on a release build).
    Bench {
        #[command(subcommand)]
        what: BenchCommand,
    },
    /// Load data from files.
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Manage administrator accounts.
    Admin {
        #[command(subcommand)]
        what: AdminCommand,
    },
}

#[derive(Subcommand)]
enum SeedCommand {
    /// Demo cooperatives, products and accounts.
    Demo,
    /// Generated products over the register's active cooperatives (for load and scale benchmarks).
    Catalog {
        #[arg(long, default_value_t = 10_000)]
        products: usize,
    },
    /// A register the size of the country (65,315 cooperatives, 788,969 members), deterministic.
    National {
        /// The day the totals hold (default: today).
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Generate this share of the country (e.g. 0.01 for tests and quick tries).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A register export as CSV (columns: registration_number, name_ar, name_fr, legal_form,
    /// region_code, sector_code, province, registration_date, status).
    Registry { file: std::path::PathBuf },
}

#[derive(Subcommand)]
enum SearchCommand {
    /// Compare the index with the database (ids and versions) and report drift.
    Verify,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Index generated products in the embedded engine and time a fixed query mix.
    Search {
        #[arg(long, default_value_t = 200_000)]
        products: usize,
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
    /// Time `nationalFigures` on the configured database (seed the national register first).
    Figures {
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an administrator account.
    Create {
        #[arg(long)]
        email: String,
        /// Read from TAAWUN_NEW_ADMIN_PASSWORD when not given, so it stays out of shell history.
        #[arg(long, env = "TAAWUN_NEW_ADMIN_PASSWORD", hide_env_values = true)]
        password: String,
        #[arg(long, default_value = "Administrator")]
        name: String,
    },
}

fn init_tracing(filter: &str) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
}

fn open_db(config: &Config) -> anyhow::Result<Db> {
    let url = config.effective_database_url();
    Db::connect(&url, config.db_pool_size.min(4), Default::default())
        .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))
}

fn search_config(config: &Config) -> anyhow::Result<std::sync::Arc<SearchConfig>> {
    let loaded = match &config.search_config_dir {
        Some(dir) => SearchConfig::load_dir(dir),
        None => SearchConfig::builtin(),
    };
    loaded.map(std::sync::Arc::new).map_err(|p| anyhow::anyhow!("search configuration:\n  {}", p.join("\n  ")))
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::load().context("configuration")?;
    init_tracing(&config.log);
    match cli.command {
        Command::Schema => {
            print!("{}", taawun::graphql::sdl());
        }
        Command::Migrate => {
            let db = open_db(&config)?;
            let applied = db::run_migrations(&mut *db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{applied} migration(s) applied");
        }
        Command::Seed { what: SeedCommand::Demo } => {
            let db = open_db(&config)?;
            let mut conn = db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?;
            db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let loaded = taawun::catalog::demo::seed(&mut conn).map_err(|e| anyhow::anyhow!(e.detail()))?;
            println!("{}", if loaded { "demo data loaded" } else { "demo data already present" });
        }
        Command::Seed { what: SeedCommand::National { as_of, scale } } => {
            let db = open_db(&config)?;
            let mut conn = db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?;
            db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let as_of = as_of.unwrap_or_else(taawun::registry::service::today);
            let mut spec = taawun::registry::national::NationalSpec::country(as_of);
            if !(scale > 0.0 && scale <= 1.0) {
                bail!("--scale must be in (0, 1]");
            }
            if scale < 1.0 {
                let part = |n: usize| ((n as f64 * scale).round() as usize).max(1);
                spec.cooperatives = part(spec.cooperatives);
                spec.members = part(spec.members).max(spec.cooperatives * 5);
                spec.women = part(spec.women);
                spec.young = part(spec.young);
            }
            let started = std::time::Instant::now();
            taawun::registry::national::seed(&mut conn, &config.registry, &spec, |done, total| {
                let pct = done * 100 / total.max(1);
                eprint!("\r[{:<40}] {pct:>3}%  {done}/{total} cooperatives", "#".repeat(pct * 40 / 100));
            })
            .map_err(|e| anyhow::anyhow!(e.detail()))?;
            eprintln!();
            db::analyze(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "national register generated in {:.1} s: {} cooperatives, {} members ({} women, {} young on {})",
                started.elapsed().as_secs_f64(),
                spec.cooperatives,
                spec.members,
                spec.women,
                spec.young,
                spec.as_of
            );
        }
        Command::Seed { what: SeedCommand::Catalog { products } } => {
            let db = open_db(&config)?;
            let mut conn = db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?;
            db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let started = std::time::Instant::now();
            let total = taawun::catalog::bulk::seed_products(&mut conn, products, |done, total| {
                let pct = done * 100 / total.max(1);
                eprint!("\r[{:<40}] {pct:>3}%  {done}/{total} products", "#".repeat(pct * 40 / 100));
            })
            .map_err(|e| anyhow::anyhow!(e.detail()))?;
            eprintln!();
            db::analyze(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "{products} products generated in {:.1} s ({total} in the catalogue); run `taawun reindex` to index them",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Import { what: ImportCommand::Registry { file } } => {
            let db = open_db(&config)?;
            let mut conn = db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?;
            db::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            let reader = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
            let report = taawun::registry::import::import_csv(&mut conn, std::io::BufReader::new(reader), |r| {
                eprint!("\r{} loaded, {} rejected", r.loaded, r.rejected.len());
            })
            .map_err(|e| anyhow::anyhow!(e.detail()))?;
            eprintln!();
            db::analyze(&mut conn).map_err(|e| anyhow::anyhow!("{e}"))?;
            for (line, reasons) in &report.rejected {
                eprintln!("line {line}: {}", reasons.join("; "));
            }
            println!("{} rows loaded, {} rows rejected", report.loaded, report.rejected.len());
            if !report.rejected.is_empty() {
                std::process::exit(2);
            }
        }
        Command::Bench { what: BenchCommand::Figures { rounds, as_of } } => {
            let db = open_db(&config)?;
            let mut conn = db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?;
            let as_of = as_of.unwrap_or_else(taawun::registry::service::today);
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..rounds.max(1) {
                let started = std::time::Instant::now();
                let figures = taawun::stats::graphql::compute(&mut conn, as_of, config.registry.youth_age_limit)
                    .map_err(|e| anyhow::anyhow!(e.detail()))?;
                times.push(started.elapsed().as_secs_f64() * 1000.0);
                last = Some(figures.totals);
            }
            times.sort_by(|a, b| a.total_cmp(b));
            let pick = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
            println!("nationalFigures on {as_of}: {:?}", last.unwrap_or_default());
            println!(
                "{} rounds: min {:.1} ms, p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                times.len(),
                pick(0.0),
                pick(0.5),
                pick(0.99),
                pick(1.0)
            );
        }
        Command::Reindex { index } => {
            if index != "products" {
                bail!("unknown index `{index}` (known: products)");
            }
            let db = open_db(&config)?;
            let search_config = search_config(&config)?;
            let total = taawun::catalog::service::product_ids_after(
                &mut *db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?,
                0,
                i64::MAX,
            )
            .map(|ids| ids.len().max(1))
            .map_err(|e| anyhow::anyhow!(e.detail()))?;
            // A progress bar on stderr: products read so far (hidden ones are read but not indexed).
            let progress = |done: usize| {
                let pct = (done * 100 / total).min(100);
                eprint!("\r[{:<40}] {pct:>3}%  {done} indexed", "#".repeat(pct * 40 / 100));
            };
            if let Some(live) = MeiliIndex::from_config(&config, &search_config, "products") {
                let live = live.map_err(|e| anyhow::anyhow!("{e}"))?;
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                let n = runtime
                    .block_on(taawun::search::rebuild_meili(&db, &live, progress))
                    .map_err(|e| anyhow::anyhow!(e.detail()))?;
                eprintln!();
                println!("{n} products indexed in Meilisearch and swapped in");
                return Ok(());
            }
            let root = config.data_dir.join("search");
            let fresh = root.join("products.new");
            let _ = std::fs::remove_dir_all(&fresh);
            let built = {
                let target = EmbeddedIndex::open_for_rebuild(&fresh, "products", search_config)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let mut conn = db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?;
                let n =
                    taawun::search::rebuild(&mut conn, &target, progress).map_err(|e| anyhow::anyhow!(e.detail()))?;
                eprintln!();
                n
            };
            // Swap: the old directory moves aside before the new one takes its name.
            let live = root.join("products");
            let old = root.join(format!("products.old-{}", std::process::id()));
            if live.exists() {
                std::fs::rename(&live, &old)?;
            }
            std::fs::rename(&fresh, &live)?;
            let _ = std::fs::remove_dir_all(&old);
            println!("{built} products indexed; running servers pick the new index up when they restart");
        }
        Command::Search { what: SearchCommand::Verify } => {
            let db = open_db(&config)?;
            let search_config = search_config(&config)?;
            let indexed = match MeiliIndex::from_config(&config, &search_config, "products") {
                Some(live) => {
                    let live = live.map_err(|e| anyhow::anyhow!("{e}"))?;
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                    runtime.block_on(live.versions()).map_err(|e| anyhow::anyhow!("{e}"))?
                }
                None => taawun::search::open_products(&config.data_dir.join("search").join("products"), search_config)
                    .and_then(|index| index.versions())
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            };
            let drift =
                taawun::search::verify_versions(&mut *db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?, indexed)
                    .map_err(|e| anyhow::anyhow!(e.detail()))?;
            println!(
                "missing from the index: {} {:?}",
                drift.missing.len(),
                drift.missing.iter().take(20).collect::<Vec<_>>()
            );
            println!(
                "in the index but not to be found: {} {:?}",
                drift.unexpected.len(),
                drift.unexpected.iter().take(20).collect::<Vec<_>>()
            );
            println!("stale in the index: {} {:?}", drift.stale.len(), drift.stale.iter().take(20).collect::<Vec<_>>());
            if drift != taawun::search::Drift::default() {
                bail!("the index has drifted from the database; run `taawun reindex`");
            }
            println!("the index matches the database");
        }
        Command::Bench { what: BenchCommand::Search { products, rounds, threads } } => {
            let dir = std::env::temp_dir().join(format!("taawun-bench-search-{}", std::process::id()));
            let result = taawun::search::bench::run(products, &dir, rounds, threads);
            let _ = std::fs::remove_dir_all(&dir);
            result.map_err(|e| anyhow::anyhow!(e))?;
        }
        Command::Admin { what: AdminCommand::Create { email, password, name } } => {
            let db = open_db(&config)?;
            let default_locale = Locale::parse(&config.default_locale).unwrap_or(Locale::Fr);
            let account = taawun::auth::service::create_account_unchecked(
                &mut *db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?,
                taawun::auth::service::AccountCreateInput {
                    email,
                    password,
                    full_name: name,
                    role: taawun::auth::Role::Admin,
                    cooperative_id: None,
                    locale: None,
                },
                default_locale,
            );
            match account {
                Ok(a) => println!("administrator {} created", a.email),
                Err(e) => match e.user_errors() {
                    Some(errors) => {
                        bail!("{}", errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))
                    }
                    None => bail!("{}", e.detail()),
                },
            }
        }
        Command::Serve { demo } => {
            let state = AppState::build(config.clone()).map_err(|e| anyhow::anyhow!("cannot start: {e}"))?;
            if demo {
                let loaded =
                    taawun::catalog::demo::seed(&mut *state.db.conn().map_err(|e| anyhow::anyhow!(e.detail()))?)
                        .map_err(|e| anyhow::anyhow!(e.detail()))?;
                if loaded {
                    println!("Demo data loaded. Accounts (password `{}`):", taawun::catalog::demo::DEMO_PASSWORD);
                    for (email, _, role, _) in taawun::catalog::demo::DEMO_ACCOUNTS {
                        println!("  {email:<45} {role:?}");
                    }
                }
            }
            let listener =
                TcpListener::bind(&config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
            actix_web::rt::System::new().block_on(async move {
                let (server, addr) = app::serve(state, listener)?;
                println!("Taawun is listening on http://{addr}/graphql (GraphiQL in a browser)");
                server.await
            })?;
        }
    }
    Ok(())
}
