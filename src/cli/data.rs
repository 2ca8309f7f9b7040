//! `seed` (demo, national register, generated catalogue) and `import`.

use anyhow::{Context, bail};
use clap::Subcommand;
use taawun::kernel::config::Config;
use taawun::registry::import::import_csv;
use taawun::seed::national::{self, NationalSpec};
use taawun::seed::{catalog, demo};

use super::{analyze, failed, migrated, open_db, progress_bar};

#[derive(Subcommand)]
pub enum SeedCommand {
    /// Demo cooperatives, products and accounts.
    Demo,
    /// Generated products over the register's active cooperatives (for load and scale benchmarks).
    Catalog {
        #[arg(long, default_value_t = 10_000)]
        products: usize,
    },
    /// Generated academy learners, each enrolled in one of the demo's courses (after `seed demo`),
    /// and a file of signed-in sessions for `benches/academy.py`.
    Academy {
        #[arg(long, default_value_t = 100_000)]
        learners: usize,
        /// Learners to sign in (their tokens go to `<data dir>/academy-sessions.tsv`).
        #[arg(long, default_value_t = 256)]
        sessions: usize,
    },
    /// Generated project-bank applications to the demo's open call (after `seed demo`), and
    /// signed-in applicants for `benches/projects.py` (tokens in `<data dir>/project-sessions.tsv`).
    Projects {
        #[arg(long, default_value_t = 150_000)]
        applications: usize,
        #[arg(long, default_value_t = 0)]
        applicants: usize,
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
pub enum ImportCommand {
    /// A register export as CSV (columns: registration_number, name_ar, name_fr, legal_form,
    /// region_code, sector_code, province, registration_date, status).
    Registry { file: std::path::PathBuf },
}

pub fn seed(config: &Config, what: SeedCommand) -> anyhow::Result<()> {
    let db = open_db(config)?;
    let mut conn = migrated(&db)?;
    match what {
        SeedCommand::Demo => {
            let issuer = taawun::academy::credentials::Issuer::load(
                config.academy_issuer_key.as_ref().map(|k| k.expose()),
                &config.data_dir,
                &config.academy_issuer_name,
                &config.public_url(),
            )
            .map_err(|e| anyhow::anyhow!("academy issuer key: {e}"))?;
            let loaded = demo::seed(&mut conn, &issuer).map_err(failed)?;
            println!("{}", if loaded { "demo data loaded" } else { "demo data already present" });
        }
        SeedCommand::National { as_of, scale } => {
            let spec = national_spec(as_of, scale)?;
            let started = std::time::Instant::now();
            national::seed(&mut conn, &config.registry, &spec, |done, total| progress_bar(done, total, "cooperatives"))
                .map_err(failed)?;
            eprintln!();
            analyze(&mut conn)?;
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
        SeedCommand::Academy { learners, sessions } => {
            let started = std::time::Instant::now();
            let made = taawun::seed::academy::generate_learners(&mut conn, learners, sessions, |done, total| {
                progress_bar(done, total, "learners")
            })
            .map_err(failed)?;
            eprintln!();
            analyze(&mut conn)?;
            let path = config.data_dir.join("academy-sessions.tsv");
            let lines: Vec<String> = made
                .sessions
                .iter()
                .map(|(token, enrollment, activities)| format!("{token}\t{enrollment}\t{}", activities.join(",")))
                .collect();
            std::fs::write(&path, lines.join("\n") + "\n")?;
            println!(
                "{} learners enrolled in {:.1} s; {} sessions in {}",
                made.learners,
                started.elapsed().as_secs_f64(),
                made.sessions.len(),
                path.display()
            );
        }
        SeedCommand::Projects { applications, applicants } => {
            let started = std::time::Instant::now();
            let made = taawun::seed::projects::generate_applications(&mut conn, applications, |done, total| {
                progress_bar(done, total, "applications")
            })
            .map_err(failed)?;
            eprintln!();
            let tokens = taawun::seed::projects::generate_applicants(&mut conn, applicants).map_err(failed)?;
            analyze(&mut conn)?;
            if !tokens.is_empty() {
                let path = config.data_dir.join("project-sessions.tsv");
                std::fs::write(&path, tokens.join("\n") + "\n")?;
                println!("{} applicants signed in; tokens in {}", tokens.len(), path.display());
            }
            println!("{made} applications generated in {:.1} s", started.elapsed().as_secs_f64());
        }
        SeedCommand::Catalog { products } => {
            let started = std::time::Instant::now();
            let total =
                catalog::seed_products(&mut conn, products, |done, total| progress_bar(done, total, "products"))
                    .map_err(failed)?;
            eprintln!();
            analyze(&mut conn)?;
            println!(
                "{products} products generated in {:.1} s ({total} in the catalogue); run `taawun reindex` to index them",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// The country's register on `as_of` (default today), or a share of it.
fn national_spec(as_of: Option<chrono::NaiveDate>, scale: f64) -> anyhow::Result<NationalSpec> {
    if !(scale > 0.0 && scale <= 1.0) {
        bail!("--scale must be in (0, 1]");
    }
    let mut spec = NationalSpec::country(as_of.unwrap_or_else(taawun::registry::service::today));
    if scale < 1.0 {
        let part = |n: usize| ((n as f64 * scale).round() as usize).max(1);
        spec.cooperatives = part(spec.cooperatives);
        spec.members = part(spec.members).max(spec.cooperatives * 5);
        spec.women = part(spec.women);
        spec.young = part(spec.young);
    }
    Ok(spec)
}

pub fn import(config: &Config, what: ImportCommand) -> anyhow::Result<()> {
    let ImportCommand::Registry { file } = what;
    let db = open_db(config)?;
    let mut conn = migrated(&db)?;
    let reader = std::fs::File::open(&file).with_context(|| format!("cannot open {}", file.display()))?;
    let report = import_csv(&mut conn, std::io::BufReader::new(reader), |r| {
        eprint!("\r{} loaded, {} rejected", r.loaded, r.rejected.len());
    })
    .map_err(failed)?;
    eprintln!();
    analyze(&mut conn)?;
    for (line, reasons) in &report.rejected {
        eprintln!("line {line}: {}", reasons.join("; "));
    }
    println!("{} rows loaded, {} rows rejected", report.loaded, report.rejected.len());
    if !report.rejected.is_empty() {
        std::process::exit(2);
    }
    Ok(())
}
