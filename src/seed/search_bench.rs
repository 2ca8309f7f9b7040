//! `taawun bench search`: indexes N generated products (names and descriptions in three
//! languages) and measures indexing throughput, index size and query latency for a fixed
//! mix, single-threaded and concurrently. A benchmark, not a test: run it on a release build.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Rng;
use super::words::{GOODS, QUALIFIERS};
use crate::search::config::SearchConfig;
use crate::search::embedded::{EmbeddedIndex, Filter, SearchDocument, SearchQuery, Sort};

const REGIONS: [&str; 12] = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"];
const LABELS: [&str; 4] = ["IGP", "AOP", "LABEL_AGRICOLE", "ORGANIC"];

pub fn generate(n: usize) -> impl Iterator<Item = SearchDocument> {
    let mut rng = Rng(42);
    (0..n).map(move |i| {
        let (fr, ar, en, _, _) = GOODS[rng.below(GOODS.len() as u64) as usize];
        let (qfr, qar, qen) = QUALIFIERS[rng.below(QUALIFIERS.len() as u64) as usize];
        let coop = rng.below(65_315);
        let region = REGIONS[(coop % 12) as usize];
        let labels: Vec<String> = (rng.below(4) == 0).then(|| LABELS[rng.below(4) as usize].to_string()).into_iter().collect();
        let name = format!("{fr} {qfr}\n{ar} {qar}\n{en} {qen}");
        SearchDocument {
            id: i as i64 + 1,
            version: 1,
            text: BTreeMap::from([
                ("name".into(), name),
                (
                    "description".into(),
                    format!("{fr} {qfr}, produit par la coopérative n° {coop}.\n{ar} {qar} من إنتاج تعاونية محلية.\n{en} {qen}, made by a cooperative."),
                ),
                ("cooperative_name".into(), format!("Coopérative {coop}\nتعاونية {coop}")),
            ]),
            keywords: BTreeMap::from([
                ("region".into(), vec![region.to_string()]),
                ("sector".into(), vec![["agriculture", "argan", "handicrafts", "food-products"][(coop % 4) as usize].to_string()]),
                ("category".into(), vec![(1 + rng.below(20)).to_string()]),
                ("cooperative".into(), vec![coop.to_string()]),
                ("labels".into(), labels),
            ]),
            numbers: BTreeMap::from([("price".into(), 1_000 + rng.below(300_000) as i64), ("created_at".into(), i as i64)]),
            flags: BTreeMap::from([("in_stock".into(), rng.below(10) != 0)]),
        }
    })
}

fn mix() -> Vec<(&'static str, SearchQuery)> {
    let q = |text: &str| SearchQuery {
        text: text.into(),
        filters: vec![],
        facets: vec![],
        sort: Sort::Relevance,
        offset: 0,
        limit: 20,
        range_of: None,
    };
    vec![
        ("short", q("miel")),
        ("two words", q("huile argan")),
        ("typo", q("argam")),
        ("arabic", q("زيت الأركان")),
        ("arabic typo", q("زعفرن")),
        ("prefix", q("tapi")),
        (
            "facet-heavy",
            SearchQuery {
                facets: vec!["region".into(), "sector".into(), "category".into(), "labels".into()],
                filters: vec![Filter::Flag("in_stock".into(), true)],
                range_of: Some("price".into()),
                ..q("")
            },
        ),
        (
            "filtered by price",
            SearchQuery {
                filters: vec![
                    Filter::Equals("region".into(), "09".into()),
                    Filter::Range { field: "price".into(), min: Some(5_000), max: Some(50_000) },
                ],
                sort: Sort::Field { field: "price".into(), descending: false },
                ..q("huile")
            },
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn dir_size(path: &Path) -> u64 {
    std::fs::read_dir(path)
        .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

/// Runs the benchmark and prints one report.
pub fn run(products: usize, dir: &Path, rounds: usize, threads: usize) -> Result<(), String> {
    let config = Arc::new(SearchConfig::builtin().map_err(|e| e.join("; "))?);
    let _ = std::fs::remove_dir_all(dir);
    let index = EmbeddedIndex::open_for_rebuild(dir, "products", config).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut batch = Vec::with_capacity(20_000);
    for doc in generate(products) {
        batch.push(doc);
        if batch.len() == 20_000 {
            index.add_batch(&batch).map_err(|e| e.to_string())?;
            batch.clear();
        }
    }
    index.add_batch(&batch).map_err(|e| e.to_string())?;
    let elapsed = started.elapsed();
    println!(
        "indexed {products} products in {:.1} s: {:.0} products/s; index size {:.1} MB",
        elapsed.as_secs_f64(),
        products as f64 / elapsed.as_secs_f64(),
        dir_size(dir) as f64 / 1e6
    );
    let queries = mix();
    for (name, q) in &queries {
        let _ = index.search_uncached(q).map_err(|e| e.to_string())?;
        let hits = index.search_uncached(q).map_err(|e| e.to_string())?.total;
        let mut times = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let t = Instant::now();
            index.search_uncached(q).map_err(|e| e.to_string())?;
            times.push(t.elapsed());
        }
        times.sort();
        println!(
            "  {name:<18} {hits:>8} hits  p50 {:>7.2} ms  p99 {:>7.2} ms",
            percentile(&times, 0.5).as_secs_f64() * 1000.0,
            percentile(&times, 0.99).as_secs_f64() * 1000.0
        );
    }
    let index = Arc::new(index);
    let all = Instant::now();
    let mut workers = Vec::new();
    for t in 0..threads {
        let index = index.clone();
        workers.push(std::thread::spawn(move || {
            let queries = mix();
            let mut times = Vec::new();
            for i in 0..rounds * queries.len() / threads.max(1) {
                let (_, q) = &queries[(i + t) % queries.len()];
                let start = Instant::now();
                let _ = index.search_uncached(q);
                times.push(start.elapsed());
            }
            times
        }));
    }
    let mut times: Vec<Duration> = workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect();
    let wall = all.elapsed();
    times.sort();
    println!(
        "mixed queries on {threads} threads: {:.0} queries/s, p50 {:.2} ms, p99 {:.2} ms",
        times.len() as f64 / wall.as_secs_f64(),
        percentile(&times, 0.5).as_secs_f64() * 1000.0,
        percentile(&times, 0.99).as_secs_f64() * 1000.0
    );
    Ok(())
}
