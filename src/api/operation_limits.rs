//! Limits on the shape of a document that depth and complexity do not catch: how many root
//! fields an operation asks for, how many aliases the document uses, and at most one
//! credential mutation (`login`, `customerRegister`) per request. Without them one HTTP
//! request, counted once by the rate limit, carried 150 aliased `login`s (a password guess
//! each) or 10,000 root mutations.

use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};

use super::storefronts::StorefrontAccess;

/// Mutations that check or set a password, create an account or send an account email: one
/// per request.
const CREDENTIAL_MUTATIONS: [&str; 6] = [
    "login",
    "customerRegister",
    "passwordChange",
    "passwordReset",
    "passwordResetRequest",
    "accountVerificationResend",
];

/// Mutations that do seconds of work (scoring every cooperative, decoding a photo): one per
/// request.
const HEAVY_MUTATIONS: [&str; 2] = ["scoringRun", "productImageUpload"];

#[derive(Debug, Clone, Copy)]
pub struct OperationLimits {
    pub max_root_fields: usize,
    pub max_aliases: usize,
}

impl OperationLimits {
    /// Why a document may not run, if it may not: the limits first, then the root fields the
    /// storefront key allows, then `mutations_refused` (a `GET`, a rejected token) for a
    /// document with a mutation. Checked on the document itself, so a persisted query sent by
    /// its hash alone is checked too.
    pub fn refusal(
        &self,
        document: &ExecutableDocument,
        storefront: Option<&StorefrontAccess>,
        mutations_refused: Option<&'static str>,
    ) -> Option<String> {
        if let Err(message) = self.check(document) {
            return Some(message);
        }
        if let Some(access) = storefront {
            for (_, operation) in document.operations.iter() {
                let mut roots = Vec::new();
                root_fields(&operation.node.selection_set.node, document, 0, &mut roots);
                if let Some(why) = roots.iter().find_map(|field| super::storefronts::refused_field(access, field)) {
                    return Some(why);
                }
            }
        }
        let mutation = || document.operations.iter().any(|(_, op)| op.node.ty == OperationType::Mutation);
        mutations_refused.filter(|_| mutation()).map(str::to_string)
    }

    fn check(&self, document: &ExecutableDocument) -> Result<(), String> {
        let mut credential_calls = 0;
        let mut heavy_calls = 0;
        for (_, operation) in document.operations.iter() {
            let mut roots = Vec::new();
            root_fields(&operation.node.selection_set.node, document, 0, &mut roots);
            if roots.len() > self.max_root_fields {
                return Err(format!(
                    "an operation asks for {} root fields; at most {} are allowed",
                    roots.len(),
                    self.max_root_fields
                ));
            }
            credential_calls += roots.iter().filter(|name| CREDENTIAL_MUTATIONS.contains(name)).count();
            heavy_calls += roots.iter().filter(|name| HEAVY_MUTATIONS.contains(name)).count();
        }
        if credential_calls > 1 {
            return Err(
                "at most one credential mutation (`login`, `customerRegister`, `passwordChange`, `passwordReset`, \
                 `passwordResetRequest`, `accountVerificationResend`) per request"
                    .into(),
            );
        }
        if heavy_calls > 1 {
            return Err("at most one heavy mutation (`scoringRun`, `productImageUpload`) per request".into());
        }
        let mut aliases = 0;
        for (_, operation) in document.operations.iter() {
            aliases += count_aliases(&operation.node.selection_set.node);
        }
        for fragment in document.fragments.values() {
            aliases += count_aliases(&fragment.node.selection_set.node);
        }
        if aliases > self.max_aliases {
            return Err(format!("the document uses {aliases} aliases; at most {} are allowed", self.max_aliases));
        }
        Ok(())
    }
}

/// The names of the fields a selection set asks for at its own level, fragments spread in
/// place (spreads nest at most a few levels; validation rejects cycles later).
fn root_fields<'a>(set: &'a SelectionSet, document: &'a ExecutableDocument, depth: usize, out: &mut Vec<&'a str>) {
    if depth > 8 {
        return;
    }
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => out.push(field.node.name.node.as_str()),
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    root_fields(&fragment.node.selection_set.node, document, depth + 1, out);
                }
            }
            Selection::InlineFragment(inline) => root_fields(&inline.node.selection_set.node, document, depth + 1, out),
        }
    }
}

fn count_aliases(set: &SelectionSet) -> usize {
    set.items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + count_aliases(&field.node.selection_set.node)
            }
            Selection::FragmentSpread(_) => 0,
            Selection::InlineFragment(inline) => count_aliases(&inline.node.selection_set.node),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str) -> Result<(), String> {
        let document = async_graphql::parser::parse_query(query).unwrap();
        OperationLimits { max_root_fields: 3, max_aliases: 2 }.check(&document)
    }

    #[test]
    fn counts_roots_through_fragments_and_aliases_everywhere() {
        assert!(check("{ a b c }").is_ok());
        assert!(check("{ a b c d }").is_err());
        assert!(check("{ a ...F } fragment F on Query { b c d }").is_err());
        assert!(check("{ x: a { y: b } }").is_ok());
        assert!(check("{ x: a { y: b z: c } }").is_err());
        assert!(check("{ a ...F } fragment F on Query { x: b y: c { z: d } }").is_err());
    }

    #[test]
    fn one_credential_mutation_per_request() {
        assert!(check("mutation { login(input: {}) { accessToken } }").is_ok());
        assert!(check("mutation { a: login(input: {}) { accessToken } b: login(input: {}) { accessToken } }").is_err());
        assert!(check("mutation A { login { t } } mutation B { customerRegister { t } }").is_err());
        assert!(check("mutation { scoringRun { run { id } } }").is_ok());
        assert!(check("mutation { a: scoringRun { run { id } } b: scoringRun { run { id } } }").is_err());
        assert!(check("mutation { a: productImageUpload { m } b: productImageUpload { m } }").is_err());
    }
}
