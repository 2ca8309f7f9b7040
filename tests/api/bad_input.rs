//! Bad input for every mutation in the schema, generated from `graphql/schema.graphql` so a
//! new mutation is covered the day it is added: empty inputs, huge strings, negative and
//! enormous numbers, amounts out of range, ids of nothing and of other types. Whatever the
//! input, no answer is a server error, and a refused call changes no row anywhere.

use std::collections::BTreeMap;
use std::path::Path;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::on_both_backends;

/// Tables a refused call may still write: failed logins are counted, reads of personal data
/// are logged.
const MAY_CHANGE: [&str; 2] = ["login_throttle", "personal_data_reads"];

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Every table of the database (read from its catalogue, so a new table is counted too).
fn row_counts(app: &TestApp) -> BTreeMap<String, i64> {
    let mut conn = app.db.conn().unwrap();
    let tables = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__diesel%'",
    );
    let pg_tables = diesel::sql_query(
        "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT LIKE '__diesel%'",
    );
    let names: Vec<TableName> = match &mut *conn {
        taawun::kernel::db::DbConn::Sqlite(c) => tables.load(c),
        taawun::kernel::db::DbConn::Postgres(c) => pg_tables.load(c),
    }
    .unwrap();
    assert!(names.len() > 30, "the tables were read: {}", names.len());
    names
        .into_iter()
        .map(|t| t.name)
        .filter(|t| !MAY_CHANGE.contains(&t.as_str()))
        .map(|t| {
            let query = diesel::sql_query(format!("SELECT count(*) AS n FROM {t}"));
            let n = match &mut *conn {
                taawun::kernel::db::DbConn::Sqlite(c) => query.get_result::<Count>(c),
                taawun::kernel::db::DbConn::Postgres(c) => query.get_result::<Count>(c),
            };
            let n = n.unwrap_or_else(|e| panic!("count {t}: {e}")).n;
            (t, n)
        })
        .collect()
}

/// The input types of the schema, by name: (field, type) pairs.
struct Inputs {
    objects: BTreeMap<String, Vec<(String, Type)>>,
    enums: BTreeMap<String, Vec<String>>,
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(n) => n.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

/// One of several bad values for a type: `variant` picks which.
fn bad_value(inputs: &Inputs, ty: &Type, variant: usize, depth: usize) -> Value {
    let scalar = |name: &str| -> Value {
        match (name, variant % 4) {
            ("String", 0) => json!(""),
            ("String", 1) => json!("x".repeat(100_000)),
            ("String", 2) => json!("\u{0}\u{202e}<script>"),
            ("String", _) => json!("   "),
            ("Int", 0) => json!(-1),
            ("Int", 1) => json!(i32::MAX),
            ("Int", 2) => json!(i32::MIN),
            ("Int", _) => json!(0),
            ("Decimal", 0) => json!("-1.00"),
            ("Decimal", 1) => json!("99999999999999999999999.99"),
            ("Decimal", 2) => json!("1.001"),
            ("Decimal", _) => json!("0"),
            // An id of nothing, an id of another type, not an id at all.
            ("ID", 0) => json!("UHJvZHVjdDo5OTk5OTk5"),
            ("ID", 1) => json!("UmVnaW9uOjE"),
            ("ID", 2) => json!("not an id"),
            ("ID", _) => json!(""),
            ("Boolean", v) => json!(v % 2 == 0),
            ("Date", 0) => json!("1000-01-01"),
            ("Date", 1) => json!("9999-12-31"),
            ("Date", _) => json!("2026-02-30"),
            ("DateTime", _) => json!("1970-01-01T00:00:00Z"),
            _ => Value::Null,
        }
    };
    let one = |name: &str| -> Value {
        if let Some(values) = inputs.enums.get(name) {
            return json!(values[variant % values.len()]);
        }
        match inputs.objects.get(name) {
            Some(fields) if depth < 4 => {
                let mut object = serde_json::Map::new();
                for (field, field_ty) in fields {
                    // Required fields always; optional ones every other variant.
                    if !field_ty.nullable || variant % 2 == 1 {
                        object.insert(field.clone(), bad_value(inputs, field_ty, variant, depth + 1));
                    }
                }
                Value::Object(object)
            }
            Some(_) => json!({}),
            None => scalar(name),
        }
    };
    match &ty.base {
        BaseType::Named(n) => one(n.as_str()),
        BaseType::List(inner) => match variant % 3 {
            0 => json!([]),
            1 => json!([bad_value(inputs, inner, variant, depth + 1)]),
            _ => Value::Array(vec![bad_value(inputs, inner, variant, depth + 1); 3]),
        },
    }
}

async fn no_mutation_fails_or_half_writes_on_bad_input(app: TestApp) {
    let sdl = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("graphql/schema.graphql")).unwrap();
    let document = async_graphql::parser::parse_schema(&sdl).unwrap();
    let mut inputs = Inputs { objects: BTreeMap::new(), enums: BTreeMap::new() };
    let mut mutations = Vec::new();
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(t) = definition else { continue };
        let t = &t.node;
        match &t.kind {
            TypeKind::InputObject(o) => {
                let fields = o.fields.iter().map(|f| (f.node.name.node.to_string(), f.node.ty.node.clone())).collect();
                inputs.objects.insert(t.name.node.to_string(), fields);
            }
            TypeKind::Enum(e) => {
                let values = e.values.iter().map(|v| v.node.value.node.to_string()).collect();
                inputs.enums.insert(t.name.node.to_string(), values);
            }
            TypeKind::Object(o) if t.name.node == "Mutation" => {
                for f in &o.fields {
                    let args: Vec<(String, Type)> = f
                        .node
                        .arguments
                        .iter()
                        .map(|a| (a.node.name.node.to_string(), a.node.ty.node.clone()))
                        .collect();
                    mutations.push((f.node.name.node.to_string(), args, named(&f.node.ty.node).to_string()));
                }
            }
            _ => {}
        }
    }
    assert!(mutations.len() >= 30, "the schema's mutations were read: {}", mutations.len());
    let admin = app.login_as("admin").await;
    let manager = app.login_as("manager").await;
    let mut problems = Vec::new();
    let mut calls = 0;
    for (name, args, _payload) in &mutations {
        // Credential mutations are throttled per address; one variant of them is enough.
        let credential = ["login", "customerRegister", "passwordChange", "passwordReset", "passwordResetRequest"];
        let variants = if credential.contains(&name.as_str()) { 1 } else { 6 };
        for variant in 0..variants {
            for token in [&admin, &manager] {
                let declared: Vec<String> = args.iter().map(|(a, ty)| format!("${a}: {ty}")).collect();
                let passed: Vec<String> = args.iter().map(|(a, _)| format!("{a}: ${a}")).collect();
                let variables: serde_json::Map<String, Value> =
                    args.iter().map(|(a, ty)| (a.clone(), bad_value(&inputs, ty, variant, 0))).collect();
                let (declared, passed) = if args.is_empty() {
                    (String::new(), String::new())
                } else {
                    (format!("({})", declared.join(", ")), format!("({})", passed.join(", ")))
                };
                let query = format!("mutation{declared} {{ {name}{passed} {{ __typename userErrors {{ code }} }} }}");
                let before = row_counts(&app);
                let body = app.gql_as(token, &query, Value::Object(variables.clone())).await;
                calls += 1;
                let codes: Vec<&str> = body["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|e| e["extensions"]["code"].as_str())
                    .collect();
                if codes.contains(&"INTERNAL") || body.get("data").is_none() && body.get("errors").is_none() {
                    problems.push(format!("{name} #{variant}: {body}"));
                    continue;
                }
                let refused = body.get("errors").is_some()
                    || body["data"][name.as_str()]["userErrors"].as_array().is_some_and(|e| !e.is_empty());
                if refused {
                    let after = row_counts(&app);
                    if after != before {
                        let changed: Vec<_> =
                            before.iter().filter(|(t, n)| after.get(*t) != Some(n)).map(|(t, _)| t.clone()).collect();
                        problems.push(format!("{name} #{variant} was refused but changed {changed:?}: {body}"));
                    }
                }
            }
        }
    }
    assert!(calls > 300, "{calls} calls");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
on_both_backends!(no_mutation_fails_or_half_writes_on_bad_input);
