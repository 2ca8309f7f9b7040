//! The shape of the code: the modules of `src/` form one dependency order (described at the
//! top of `src/lib.rs`), and no domain names another domain's `store`. This test reads the
//! source; the compiler already refuses a private store, this keeps the order itself.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The order: a module may import only itself and the modules before it.
const ORDER: &[&str] = &[
    "kernel", // configuration, database, errors, locales, money, text, viewer, GraphQL kit
    "outbox", "notify", "payments", "auth", "registry", "catalog", "search", "orders", "academy", "projects",
    "scoring", "webhooks", "stats", // domains
    "seed",  // demo and generated data, through the domains' services
    "api",   // schema, Node, the account type, HTTP handlers
    "app",   // wiring
    "cli",   // the binary's command line
];

/// Tables a domain reads although another domain owns them, and why. The goal is none.
const SHARED_READS: &[(&str, &str, &str)] = &[(
    "catalog",
    "cooperatives",
    "product listings filter on the seller's status and sector in the same SQL statement",
)];

/// Modules with a `store` of their own (private to them).
const DOMAINS: &[&str] = &[
    "outbox", "notify", "payments", "auth", "registry", "catalog", "search", "orders", "academy", "projects",
    "scoring", "webhooks", "stats",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`main.rs` is the command line's).
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" => None,
        "main.rs" => Some("cli".into()),
        f => Some(f.trim_end_matches(".rs").to_string()),
    }
}

/// The code of a file without its comments (doc comments may name any module).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| match l.find(" // ") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules a piece of code refers to, with the first line of each reference:
/// `crate::x` in the library, `taawun::x` in the binary.
fn references(code: &str) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    for prefix in ["crate::", "taawun::"] {
        let mut rest = code;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            let after = &rest[i + prefix.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let name: String = after.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                let line = after.lines().next().unwrap_or("").to_string();
                found.entry(name).or_insert(format!("{prefix}{line}"));
            }
        }
    }
    found
}

/// Every reference that points later in the order, or to another domain's store.
fn violations(files: &[(String, PathBuf, String)]) -> Vec<String> {
    let rank = |m: &str| ORDER.iter().position(|o| *o == m);
    let mut problems = Vec::new();
    for (module, path, text) in files {
        let Some(own) = rank(module) else {
            problems.push(format!("{}: module `{module}` is not in the order", path.display()));
            continue;
        };
        let code = code(text);
        for (target, example) in references(&code) {
            match rank(&target) {
                Some(r) if r > own => problems.push(format!(
                    "{}: `{module}` imports `{target}`, which comes later in the order ({example})",
                    path.display()
                )),
                _ => {}
            }
        }
        for domain in DOMAINS.iter().filter(|d| **d != module) {
            for needle in [format!("{domain}::store"), format!("{domain}::store::")] {
                if code.contains(&needle) {
                    problems.push(format!("{}: `{module}` names `{domain}`'s store", path.display()));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

fn source_files() -> Vec<(String, PathBuf, String)> {
    let root = src();
    let mut paths = Vec::new();
    rust_files(&root, &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let relative = p.strip_prefix(&root).ok()?.to_path_buf();
            let module = module_of(&relative)?;
            let text = std::fs::read_to_string(&p).ok()?;
            Some((module, relative, text))
        })
        .collect()
}

#[test]
fn modules_import_only_what_comes_before_them() {
    let files = source_files();
    assert!(files.len() > 50, "read the sources");
    let problems = violations(&files);
    assert!(problems.is_empty(), "the dependency order is broken:\n  {}", problems.join("\n  "));
}

#[test]
fn lib_declares_the_modules_in_the_order() {
    let lib = std::fs::read_to_string(src().join("lib.rs")).expect("lib.rs");
    let declared: Vec<&str> =
        lib.lines().filter_map(|l| l.trim().strip_prefix("pub mod ")).map(|m| m.trim_end_matches(';')).collect();
    let expected: Vec<&str> = ORDER.iter().copied().filter(|m| *m != "cli").collect();
    assert_eq!(declared, expected, "src/lib.rs declares the modules in the dependency order");
    for module in DOMAINS {
        let own = src().join(module).join("mod.rs");
        if let Ok(text) = std::fs::read_to_string(&own) {
            assert!(!text.contains("pub mod store"), "{module}'s store must be private (`mod store;`)");
        }
    }
}

#[test]
fn the_check_catches_an_upward_import_and_a_foreign_store() {
    let file = |module: &str, text: &str| (module.to_string(), PathBuf::from(format!("{module}/x.rs")), text.into());
    let files = vec![
        file("registry", "use crate::orders::service;\n/// crate::api in a comment is fine\nuse crate::kernel::db;"),
        file("orders", "let x = crate::catalog::store::find(conn, 1);"),
        file("kernel", "use crate::auth::model::Role;"),
        file("cli", "use taawun::app::AppState;"),
    ];
    let problems = violations(&files);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].contains("`kernel` imports `auth`"), "{problems:#?}");
    assert!(problems[1].contains("`orders` names `catalog`'s store"), "{problems:#?}");
    assert!(problems[2].contains("`registry` imports `orders`"), "{problems:#?}");
}

/// The database tables a piece of code names through `kernel::db::schema`.
fn tables(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = code;
    while let Some(i) = rest.find("db::schema::") {
        rest = &rest[i + "db::schema::".len()..];
        let names = match rest.strip_prefix('{') {
            Some(list) => &list[..list.find('}').unwrap_or(list.len())],
            None => &rest[..rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(rest.len())],
        };
        found.extend(names.split(',').map(|n| n.trim().to_string()).filter(|n| !n.is_empty()));
    }
    found
}

#[test]
fn each_table_belongs_to_one_domain() {
    let mut users: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, _, text) in source_files() {
        if DOMAINS.contains(&module.as_str()) {
            for table in tables(&code(&text)) {
                users.entry(table).or_default().insert(module.clone());
            }
        }
    }
    assert!(users.len() > 20, "read the tables: {users:?}");
    // Leaving out the reads declared above, each table has exactly one domain: its owner.
    let shared: Vec<String> = users
        .iter()
        .filter_map(|(table, domains)| {
            let owners: Vec<&String> = domains
                .iter()
                .filter(|d| !SHARED_READS.iter().any(|(reader, t, _)| reader == d && t == table))
                .collect();
            (owners.len() != 1).then(|| format!("`{table}` is named by {owners:?}"))
        })
        .collect();
    assert!(shared.is_empty(), "tables without exactly one owning domain: {shared:?}");
    for (domain, table, _) in SHARED_READS {
        assert_eq!(users[*table].len(), 2, "`{table}` has one owner and `{domain}` reads it");
    }
}
