//! The one error type. Expected failures carry `UserError`s (field, code, message); a mutation
//! answers them as `userErrors`, a query as GraphQL errors with `extensions.code`. Internal
//! failures reach the client as a generic message and are logged with their cause.

use async_graphql::{Context, Enum, ErrorExtensions, Object};

use crate::kernel::graphql::context::CtxExt;
use crate::kernel::messages::Message;
use crate::msg;

/// Why a `userErrors` entry (or a GraphQL error's `extensions.code`) was raised. The generic
/// codes apply in every domain; the others say exactly what a client may want to act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ErrorCode {
    /// A value breaks a rule of its field (format, allowed values); the message says which.
    BadUserInput,
    /// A value that must be given is missing or empty.
    Required,
    /// A text or a list is longer than allowed.
    TooLong,
    /// A number, an amount or a date is outside its allowed range.
    OutOfRange,
    /// An id is not a global id of the expected type.
    InvalidId,
    /// A cursor is not one of this list's (for instance from another list or sort).
    InvalidCursor,
    /// The same value is given twice in one input.
    Duplicate,
    /// A value that must be unique (email, slug, SKU, registration number, national ID) is already used.
    Taken,
    /// The request needs a signed-in account.
    Unauthenticated,
    /// The caller's role may not do this.
    Forbidden,
    /// The object does not exist, or the caller may not see it.
    NotFound,
    /// The object changed while the request ran; reload it and try again.
    Conflict,
    /// The object's current state does not allow this action (an application already decided,
    /// an order already shipped…); the message names the state.
    InvalidTransition,
    /// Something failed on the server; nothing was changed. Retrying may help.
    Internal,

    /// Accounts: the email and password do not match an account.
    InvalidCredentials,
    /// Accounts: no account has this email.
    AccountNotFound,
    /// Accounts: too many failed attempts from this client address; wait and try again.
    TryLater,
    /// Accounts: the token of an email link is not one the server issued for this purpose.
    InvalidToken,
    /// Accounts: the email link's token is past its lifetime; ask for a new email.
    TokenExpired,
    /// Accounts: the email link's token was already used (links work once).
    TokenUsed,
    /// Accounts: no saved address with this id among the caller's.
    AddressNotFound,
    /// Accounts: the address book holds as many addresses as it may; delete one first.
    AddressBookFull,

    /// Registry: no cooperative with this id or registration number.
    CooperativeNotFound,
    /// Registry: no region with this code.
    RegionNotFound,
    /// Registry: no sector with this code.
    SectorNotFound,
    /// Registry: no registration application with this id (or not the caller's).
    ApplicationNotFound,
    /// Registry: no member with this id in a register the caller may read.
    MemberNotFound,
    /// Registry: no annual filing with this id.
    FilingNotFound,
    /// Registry: the proposed name is already registered to another cooperative.
    NameTaken,
    /// Registry: documents the law requires are missing from the application.
    DocumentsMissing,
    /// Registry: an uploaded document was refused (type, size or content).
    DocumentRejected,
    /// Registry: this fiscal year's filing was already submitted.
    AlreadyFiled,

    /// Catalogue: no product with this id or slug (or not visible to the caller).
    ProductNotFound,
    /// Catalogue: no variant with this id.
    VariantNotFound,
    /// Catalogue: no category with this id or slug.
    CategoryNotFound,
    /// Reviews: only buyers who received the product (a delivered order) may review it.
    ReviewNotAllowed,
    /// Reviews: this buyer already reviewed this product (one review per buyer and product).
    ReviewExists,
    /// Reviews: no review with this id that the caller may see.
    ReviewNotFound,
    /// Reviews: the cooperative already answered this review (one answer per review).
    ReplyExists,

    /// Cart: no cart with this id (or it belongs to another account).
    CartNotFound,
    /// Cart: no line with this id in this cart.
    CartLineNotFound,
    /// Cart: the cart was already checked out; start a new one.
    CartCompleted,
    /// Cart: the cart has no lines to check out.
    CartEmpty,
    /// Cart: a quantity is below 1 or above the most one line may hold.
    QuantityOutOfRange,
    /// Cart: the product is no longer on sale.
    ProductUnavailable,
    /// Cart and inventory: not enough stock for the quantity asked.
    OutOfStock,
    /// Checkout: the idempotency key was already used for another cart.
    IdempotencyKeyReused,
    /// Checkout: this payment method is not offered (see `shop.paymentMethods`).
    PaymentMethodUnavailable,
    /// Payments: the provider refused the payment or could not be reached; nothing was charged.
    PaymentFailed,

    /// Orders: no order with this id among those the caller may see.
    OrderNotFound,
    /// Orders: no fulfilment with this id among those the caller may handle.
    FulfilmentNotFound,
    /// Orders: the order is not paid, so it cannot move on or be refunded.
    OrderNotPaid,

    /// Catalogue: an uploaded image was refused (not JPEG, PNG or WebP, cut short, too
    /// large, too many pixels), or the product holds as many media as it may.
    ImageRejected,

    /// Returns: the goods cannot be returned (not delivered, or not paid).
    ReturnNotAllowed,
    /// Returns: the return window after delivery has closed.
    ReturnWindowClosed,
    /// Returns: more units than were delivered and not already returned.
    ReturnQuantityExceeded,
    /// Returns: no return request with this id among those the caller may see.
    ReturnNotFound,

    /// Promotions: no promotion has this discount code.
    DiscountCodeNotFound,
    /// Promotions: the code has not started, has ended, or was turned off.
    DiscountExpired,
    /// Promotions: nothing in the cart is covered by the code, or too little of it.
    DiscountNotApplicable,
    /// Promotions: the code was used as often as it may be, in all or by this buyer.
    DiscountLimitReached,

    /// Academy: no course with this id or code that the caller may see.
    CourseNotFound,
    /// Academy: no learning path with this id that the caller may see.
    PathNotFound,
    /// Academy: no activity with this id, or not one of the course version the learner is on.
    ActivityNotFound,
    /// Academy: the course (or a path's course) is not published, so no one enrols in it.
    CourseNotPublished,
    /// Academy: learning events or a quiz for a course the learner is not enrolled in.
    NotEnrolled,
    /// Academy: a learning event's id was already used for a different statement.
    EventIdReused,
    /// Academy: no quiz attempt with this id among the learner's.
    QuizAttemptNotFound,
    /// Academy: the quiz allows no more attempts.
    AttemptsExhausted,
    /// Academy: the attempt was already submitted and graded.
    AttemptAlreadySubmitted,
    /// Academy: the answers came after the quiz's time limit.
    TimeLimitExceeded,
    /// Academy: no certificate has this code.
    CertificateNotFound,

    /// Project bank: no project idea with this id or code that the caller may see.
    ProjectIdeaNotFound,
    /// Project bank: no province or prefecture with this code (in this region).
    ProvinceNotFound,
    /// Project bank: no funding programme with this code.
    ProgrammeNotFound,
    /// Project bank: no call with this id or code that the caller may see.
    CallNotFound,
    /// Project bank: the call does not take applications now (not open, or past its closing date).
    CallNotOpen,
    /// Project bank: this applicant (lead's national ID, cooperative or account) already applied to the call.
    AlreadyApplied,
    /// Project bank: no project application with this id among those the caller may see.
    ProjectApplicationNotFound,
    /// Project bank: the team is smaller than the kind of applicant requires.
    TeamTooSmall,
    /// Project bank: the reviewer may not score this application (own cooperative, own region, own team).
    ConflictOfInterest,
    /// Project bank: this reviewer already scored this application.
    AlreadyReviewed,
    /// Project bank: selecting this application would exceed the call's budget.
    BudgetExceeded,
    /// Project bank: no saved search with this id among the caller's.
    SavedSearchNotFound,

    /// Scoring: no scoring model with this id or version.
    ScoringModelNotFound,
    /// Scoring: no model is published, so nothing can be scored.
    NoPublishedModel,
    /// Scoring: no control with this id that the caller may see.
    ControlNotFound,
    /// Scoring: no finding with this id that the caller may see.
    FindingNotFound,

    /// Webhooks: no subscription with this id that the caller may see.
    WebhookNotFound,
    /// Webhooks: no delivery with this id that the caller may see.
    DeliveryNotFound,
}

impl ErrorCode {
    /// The code as the schema spells it (`NOT_FOUND`), for `extensions.code`.
    pub fn as_str(self) -> String {
        let name = format!("{self:?}");
        let mut out = String::with_capacity(name.len() + 4);
        for (i, c) in name.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_uppercase());
        }
        out
    }
}

/// Something the caller got wrong, pointing at the input field (`["input", "variants", "0", "sku"]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    pub field: Option<Vec<String>>,
    pub message: Message,
    pub code: ErrorCode,
}

impl UserError {
    pub fn new(code: ErrorCode, field: &[&str], message: Message) -> Self {
        UserError { field: (!field.is_empty()).then(|| field.iter().map(|s| s.to_string()).collect()), message, code }
    }
}

#[Object]
impl UserError {
    /// The path to the input field at fault, from the argument's name; null when the whole
    /// input is at fault.
    async fn field(&self) -> Option<&Vec<String>> {
        self.field.as_ref()
    }

    /// What went wrong, for people, in the request's language (ar, fr or en; zgh falls back
    /// to Arabic).
    async fn message(&self, ctx: &Context<'_>) -> String {
        ctx.translate(&self.message)
    }

    /// What went wrong, for programs.
    async fn code(&self) -> ErrorCode {
        self.code
    }
}

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Deliberately not `Display`: that keeps `?` in resolvers going through the conversion
/// below (with its code and logging) instead of async-graphql's blanket one.
#[derive(Debug)]
pub enum AppError {
    /// Expected failures, each with its field and code; nothing was changed.
    Rejected(Vec<UserError>),
    Unauthenticated,
    Forbidden(Message),
    Internal(BoxError),
}

impl AppError {
    /// One expected failure with a specific code.
    pub fn user(code: ErrorCode, field: &[&str], message: Message) -> Self {
        AppError::Rejected(vec![UserError::new(code, field, message)])
    }
    pub fn bad_input(field: &[&str], message: Message) -> Self {
        AppError::user(ErrorCode::BadUserInput, field, message)
    }
    pub fn forbidden(message: Message) -> Self {
        AppError::Forbidden(message)
    }
    pub fn internal(e: impl Into<BoxError>) -> Self {
        AppError::Internal(e.into())
    }

    /// What the caller is told (internal failures stay generic), before translation.
    pub fn message(&self) -> Message {
        match self {
            AppError::Rejected(errors) => {
                errors.first().map(|e| e.message.clone()).unwrap_or_else(|| msg!("invalid input"))
            }
            AppError::Unauthenticated => msg!("authentication required"),
            AppError::Forbidden(m) => m.clone(),
            AppError::Internal(_) => msg!("internal error"),
        }
    }

    /// The message with the cause chain, in English, for logs and the CLI.
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
            other => other.message().english(),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Rejected(errors) => errors.first().map(|e| e.code).unwrap_or(ErrorCode::BadUserInput),
            AppError::Unauthenticated => ErrorCode::Unauthenticated,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The errors a mutation payload carries; `None` for internal failures, which are not the caller's.
    pub fn user_errors(&self) -> Option<Vec<UserError>> {
        Some(match self {
            AppError::Rejected(errors) => errors.clone(),
            AppError::Internal(_) => return None,
            other => vec![UserError::new(other.code(), &[], other.message())],
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
            Error::NotFound => AppError::user(ErrorCode::NotFound, &[], msg!("not found")),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AppError::user(ErrorCode::Taken, &[], msg!("a record with the same unique value already exists"))
            }
            Error::DatabaseError(DatabaseErrorKind::CheckViolation, _) => {
                AppError::bad_input(&[], msg!("the change would break a rule of the data (e.g. negative stock)"))
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
    /// The GraphQL error for this failure: its message (in English here; the HTTP layer
    /// translates it through the `Message` kept as the error's source) and `extensions.code`.
    pub fn to_graphql(&self) -> async_graphql::Error {
        self.log_if_internal();
        let code = self.code();
        async_graphql::Error::new_with_source(self.message()).extend_with(|_, ext| ext.set("code", code.as_str()))
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
    pub fn fail(&mut self, field: Vec<String>, message: Message) {
        self.fail_with(ErrorCode::BadUserInput, field, message);
    }
    pub fn fail_with(&mut self, code: ErrorCode, field: Vec<String>, message: Message) {
        self.errors.push(UserError { field: Some(field), message, code });
    }
    pub fn check(&mut self, ok: bool, field: Vec<String>, message: Message) {
        self.check_with(ErrorCode::BadUserInput, ok, field, message);
    }
    pub fn check_with(&mut self, code: ErrorCode, ok: bool, field: Vec<String>, message: Message) {
        if !ok {
            self.fail_with(code, field, message);
        }
    }
    pub fn push(&mut self, error: UserError) {
        self.errors.push(error);
    }
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
    pub fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() { Ok(()) } else { Err(AppError::Rejected(self.errors)) }
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
