//! `bench figures`, `bench counts`, `bench scoring` and `bench search` (run them on a release build).

use clap::Subcommand;
use taawun::kernel::config::Config;

use super::{failed, open_db};

#[derive(Subcommand)]
pub enum BenchCommand {
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
    /// Time `totalCount` of product listings on the configured database (seed a catalogue
    /// first): each filter counted cold, as the first read after a count-changing write counts
    /// it, warm, read back under the same count version, and after a sale (stock taken by the
    /// checkout's own code), which leaves the counts' version alone. Sells one unit per filter
    /// and round.
    Counts {
        #[arg(long, default_value_t = 30)]
        rounds: usize,
        /// Where example 02 (the storefront's filtered listing) is read from.
        #[arg(long, default_value = "graphql/examples")]
        examples: std::path::PathBuf,
    },
    /// Time a full scoring run (every cooperative, snapshots written) on the configured
    /// database (seed the national register first); each round is a real run.
    Scoring {
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
}

pub fn run(config: &Config, what: BenchCommand) -> anyhow::Result<()> {
    match what {
        BenchCommand::Figures { rounds, as_of } => figures(config, rounds, as_of),
        BenchCommand::Counts { rounds, examples } => counts(config, rounds, &examples),
        BenchCommand::Scoring { rounds } => scoring(config, rounds),
        BenchCommand::Search { products, rounds, threads } => {
            let dir = std::env::temp_dir().join(format!("taawun-bench-search-{}", std::process::id()));
            let result = taawun::seed::search_bench::run(products, &dir, rounds, threads);
            let _ = std::fs::remove_dir_all(&dir);
            result.map_err(|e| anyhow::anyhow!(e))
        }
    }
}

fn figures(config: &Config, rounds: usize, as_of: Option<chrono::NaiveDate>) -> anyhow::Result<()> {
    let db = open_db(config)?;
    let mut conn = db.conn().map_err(failed)?;
    let as_of = as_of.unwrap_or_else(taawun::registry::service::today);
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..rounds.max(1) {
        let started = std::time::Instant::now();
        let figures =
            taawun::stats::graphql::compute(&mut conn, as_of, config.registry.youth_age_limit).map_err(failed)?;
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
    Ok(())
}

fn counts(config: &Config, rounds: usize, examples: &std::path::Path) -> anyhow::Result<()> {
    use taawun::catalog::counts::ProductCounts;
    use taawun::catalog::model::{ProductFilterInput, ProductSortKey};
    use taawun::catalog::service;
    use taawun::kernel::i18n::Locale;
    use taawun::kernel::money::Decimal;
    let db = open_db(config)?;
    let mut conn = db.conn().map_err(failed)?;
    let example = example_filter(&mut conn, &examples.join("02-product-filtered.graphql"))?;
    let filters = [
        ("every listed product", ProductFilterInput::default()),
        ("region 09", ProductFilterInput { region: Some("09".into()), ..Default::default() }),
        ("sector argan", ProductFilterInput { sector: Some("argan".into()), ..Default::default() }),
        ("in stock", ProductFilterInput { in_stock: Some(true), ..Default::default() }),
        ("at most 300 MAD", ProductFilterInput { price_max: Some(Decimal("300.00".into())), ..Default::default() }),
        ("example 02 (its own variables)", example),
    ];
    let rounds = rounds.max(1);
    let sold = variant_to_sell(&mut conn, rounds * filters.len())?;
    println!(
        "| filter | count | cold p50 ms | cold max ms | warm p50 ms | warm max ms | after a sale p50 ms | after a sale max ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, filter) in filters {
        let mut query =
            service::product_query(&mut conn, &filter, ProductSortKey::Relevance, false, Locale::Fr).map_err(failed)?;
        query.public_only = true;
        let warm_counts = ProductCounts::default();
        let total = warm_counts.count(&mut conn, &query).map_err(failed)?;
        let (mut cold, mut warm, mut after_sale) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            // A fresh memo: what the first listing after a write pays.
            let started = std::time::Instant::now();
            ProductCounts::default().count(&mut conn, &query).map_err(failed)?;
            cold.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = std::time::Instant::now();
            warm_counts.count(&mut conn, &query).map_err(failed)?;
            warm.push(started.elapsed().as_secs_f64() * 1000.0);
            // A checkout's stock taken (as checkouts do all day, never down to zero here), then
            // the same count: the catalogue moved, the counts did not.
            taawun::kernel::db::write_tx(&mut conn, |c| service::reserve_stock(c, &[(sold, 1)])).map_err(failed)?;
            let started = std::time::Instant::now();
            warm_counts.count(&mut conn, &query).map_err(failed)?;
            after_sale.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        for times in [&mut cold, &mut warm, &mut after_sale] {
            times.sort_by(|a, b| a.total_cmp(b));
        }
        let p50 = |times: &[f64]| (times[times.len() / 2], times[times.len() - 1]);
        let (cold, warm, after_sale) = (p50(&cold), p50(&warm), p50(&after_sale));
        println!(
            "| {name} | {total} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            cold.0, cold.1, warm.0, warm.1, after_sale.0, after_sale.1
        );
    }
    Ok(())
}

/// A listed product's variant with more stock than the bench will sell.
fn variant_to_sell(conn: &mut taawun::kernel::db::DbConn, sales: usize) -> anyhow::Result<i64> {
    #[derive(diesel::QueryableByName)]
    struct Variant {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let query = diesel::sql_query(format!(
        "SELECT v.id AS id FROM variants v JOIN products p ON p.id = v.product_id \
         WHERE p.listed AND v.stock > {sales} ORDER BY v.id LIMIT 1"
    ));
    let found: Vec<Variant> = match conn {
        taawun::kernel::db::DbConn::Sqlite(c) => diesel::RunQueryDsl::load(query, c),
        taawun::kernel::db::DbConn::Postgres(c) => diesel::RunQueryDsl::load(query, c),
    }?;
    found.first().map(|v| v.id).ok_or_else(|| anyhow::anyhow!("no variant with more than {sales} in stock"))
}

/// The `filter` of an example's `# variables:` line, with `{{category:slug}}` made the
/// category's id, as the storefront sends it.
fn example_filter(
    conn: &mut taawun::kernel::db::DbConn,
    path: &std::path::Path,
) -> anyhow::Result<taawun::catalog::model::ProductFilterInput> {
    use async_graphql::InputType;
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut variables = text
        .lines()
        .find_map(|line| line.strip_prefix("# variables:"))
        .ok_or_else(|| anyhow::anyhow!("{}: no `# variables:` line", path.display()))?
        .trim()
        .to_string();
    while let Some(start) = variables.find("{{category:") {
        let end =
            variables[start..].find("}}").map(|e| start + e).ok_or_else(|| anyhow::anyhow!("unclosed placeholder"))?;
        let slug = &variables[start + "{{category:".len()..end];
        let category = taawun::catalog::service::category_by_slug(conn, slug)
            .map_err(failed)?
            .ok_or_else(|| anyhow::anyhow!("no category `{slug}`: seed a catalogue first"))?;
        let id = taawun::kernel::graphql::ids::encode("Category", category.id).to_string();
        variables.replace_range(start..end + 2, &id);
    }
    let variables: serde_json::Value = serde_json::from_str(&variables)?;
    let filter = async_graphql::Value::from_json(variables["filter"].clone())?;
    taawun::catalog::model::ProductFilterInput::parse(Some(filter))
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.into_server_error(Default::default()).message))
}

fn scoring(config: &Config, rounds: usize) -> anyhow::Result<()> {
    use taawun::scoring::{model::RunOrigin, service};
    let db = open_db(config)?;
    let mut conn = db.conn().map_err(failed)?;
    service::ensure_default_model(&mut conn).map_err(failed)?;
    let as_of = taawun::registry::service::today();
    let mut times = Vec::new();
    let mut scored = 0;
    for _ in 0..rounds.max(1) {
        let started = std::time::Instant::now();
        let run = service::run(&mut conn, &config.registry, &config.scoring, RunOrigin::Command, None, as_of)
            .map_err(failed)?;
        times.push(started.elapsed().as_secs_f64());
        scored = run.cooperatives;
    }
    times.sort_by(|a, b| a.total_cmp(b));
    println!(
        "scoring run of {scored} cooperatives, {} rounds: min {:.2} s, median {:.2} s, max {:.2} s",
        times.len(),
        times[0],
        times[times.len() / 2],
        times[times.len() - 1]
    );
    Ok(())
}
