//! The one error type. Each variant is one code; mutations turn the expected ones into
//! `userErrors`, everything else reaches the client as a generic message with its code.

use async_graphql::{Enum, ErrorExtensions, SimpleObject};

/// What kind of mistake a `userErrors` entry reports (also `extensions.code` of errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ErrorCode {
    BadUserInput,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    OutOfStock,
    PaymentFailed,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadUserInput => "BAD_USER_INPUT",
            ErrorCode::Unauthenticated => "UNAUTHENTICATED",
            ErrorCode::Forbidden => "FORBIDDEN",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::Conflict => "CONFLICT",
            ErrorCode::OutOfStock => "OUT_OF_STOCK",
            ErrorCode::PaymentFailed => "PAYMENT_FAILED",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// Something the caller got wrong, pointing at the input field (`["input", "variants", "0", "sku"]`).
#[derive(Debug, Clone, PartialEq, Eq, SimpleObject)]
pub struct UserError {
    pub field: Option<Vec<String>>,
    pub message: String,
    pub code: ErrorCode,
}

impl UserError {
    pub fn new(code: ErrorCode, field: &[&str], message: impl Into<String>) -> Self {
        UserError {
            field: (!field.is_empty()).then(|| field.iter().map(|s| s.to_string()).collect()),
            message: message.into(),
            code,
        }
    }
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Deliberately not `Display`: that keeps `?` in resolvers going through the conversion
/// below (with its code and logging) instead of async-graphql's blanket one.
#[derive(Debug)]
pub enum AppError {
    /// One or more problems with the input, each with its field.
    Invalid(Vec<UserError>),
    Unauthenticated,
    Forbidden(String),
    NotFound {
        field: Vec<String>,
        message: String,
    },
    Conflict {
        field: Vec<String>,
        message: String,
    },
    OutOfStock {
        field: Vec<String>,
        message: String,
    },
    PaymentFailed {
        message: String,
    },
    Internal(BoxError),
}

impl AppError {
    pub fn bad_input(field: &[&str], message: impl Into<String>) -> Self {
        AppError::Invalid(vec![UserError::new(ErrorCode::BadUserInput, field, message)])
    }
    pub fn not_found(field: &[&str], message: impl Into<String>) -> Self {
        AppError::NotFound { field: field.iter().map(|s| s.to_string()).collect(), message: message.into() }
    }
    pub fn conflict(field: &[&str], message: impl Into<String>) -> Self {
        AppError::Conflict { field: field.iter().map(|s| s.to_string()).collect(), message: message.into() }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        AppError::Forbidden(message.into())
    }
    pub fn internal(e: impl Into<BoxError>) -> Self {
        AppError::Internal(e.into())
    }

    /// What the caller is told (internal failures stay generic).
    pub fn message(&self) -> String {
        match self {
            AppError::Invalid(errors) => {
                errors.first().map(|e| e.message.clone()).unwrap_or_else(|| "invalid input".into())
            }
            AppError::Unauthenticated => "authentication required".into(),
            AppError::Forbidden(m) => m.clone(),
            AppError::NotFound { message, .. }
            | AppError::Conflict { message, .. }
            | AppError::OutOfStock { message, .. } => message.clone(),
            AppError::PaymentFailed { message } => message.clone(),
            AppError::Internal(_) => "internal error".into(),
        }
    }

    /// The message with the cause chain, for logs and the CLI.
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(e) => {
                let mut chain = e.to_string();
                let mut source = e.source();
                while let Some(s) = source {
                    chain.push_str(": ");
                    chain.push_str(&s.to_string());
                    source = s.source();
                }
                chain
            }
            other => other.message(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Invalid(errors) => errors.first().map(|e| e.code).unwrap_or(ErrorCode::BadUserInput),
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound { .. } => ErrorCode::NotFound,
            AppError::Conflict { .. } => ErrorCode::Conflict,
            AppError::OutOfStock { .. } => ErrorCode::OutOfStock,
            AppError::PaymentFailed { .. } => ErrorCode::PaymentFailed,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The errors a mutation payload carries; `None` for internal failures, which are not the caller's.
    pub fn user_errors(&self) -> Option<Vec<UserError>> {
        let single = |field: &Vec<String>, message: &str| UserError {
            field: (!field.is_empty()).then(|| field.clone()),
            message: message.to_string(),
            code: self.code(),
        };
        Some(match self {
            AppError::Invalid(errors) => errors.clone(),
            AppError::Unauthenticated => vec![UserError::new(ErrorCode::Unauthenticated, &[], self.message())],
            AppError::Forbidden(m) => vec![UserError::new(ErrorCode::Forbidden, &[], m.clone())],
            AppError::NotFound { field, message }
            | AppError::Conflict { field, message }
            | AppError::OutOfStock { field, message } => vec![single(field, message)],
            AppError::PaymentFailed { message } => vec![UserError::new(ErrorCode::PaymentFailed, &[], message.clone())],
            AppError::Internal(_) => return None,
        })
    }

    /// Logs internal failures with their cause chain; the client only sees the code.
    pub fn log_if_internal(&self) {
        if let AppError::Internal(_) = self {
            tracing::error!(error = %self.detail(), "internal error");
        }
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::NotFound => AppError::not_found(&[], "not found"),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::conflict(&[], "a record with the same unique value already exists")
            }
            Error::DatabaseError(DatabaseErrorKind::CheckViolation, _) => {
                AppError::bad_input(&[], "the change would break a rule of the data (e.g. negative stock)")
            }
            other => AppError::internal(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::internal(e)
    }
}

impl AppError {
    /// The GraphQL error for this failure: its message and `extensions.code`.
    pub fn to_graphql(&self) -> async_graphql::Error {
        self.log_if_internal();
        let code = self.code();
        async_graphql::Error::new(self.message()).extend_with(|_, ext| ext.set("code", code.as_str()))
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(e: AppError) -> Self {
        e.to_graphql()
    }
}

/// Collects input problems so a caller sees all of them at once.
#[derive(Default)]
pub struct Checks {
    errors: Vec<UserError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn fail(&mut self, field: Vec<String>, message: impl Into<String>) {
        self.errors.push(UserError { field: Some(field), message: message.into(), code: ErrorCode::BadUserInput });
    }
    pub fn check(&mut self, ok: bool, field: Vec<String>, message: impl Into<String>) {
        if !ok {
            self.fail(field, message);
        }
    }
    pub fn push(&mut self, error: UserError) {
        self.errors.push(error);
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Invalid(self.errors)) }
    }
}

/// Builds a field path: `path!["input", "variants", i, "sku"]`.
#[macro_export]
macro_rules! path {
    ($($part:expr),* $(,)?) => { Vec::<String>::from([$($part.to_string()),*]) };
}

/// `as_str`/`parse` between an enum and the text stored for it in the database.
#[macro_export]
macro_rules! text_enum {
    ($name:ident { $($variant:ident = $text:literal),* $(,)? }) => {
        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}
