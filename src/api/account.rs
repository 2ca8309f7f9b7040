//! The account as the API shows it: it joins the accounts (auth) with the cooperative a
//! manager runs (registry) and a customer's orders and cart (orders), so it lives above
//! those domains. Sign-up and sign-in keep a guest's cart, which is the orders domain's.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::auth::model::{
    AccountCreateGqlInput, AccountCreateInput, AccountLinks, AccountRow, AccountVerifyEmailInput,
    CooperativeManagerAssignInput, CustomerRegisterInput, CustomerUpdateInput, LoginInput, PasswordChangeInput,
    PasswordResetInput, PasswordResetRequestInput, RegisterInput, Role,
};
use crate::auth::service::{self, IssuedToken};
use crate::catalog::graphql::Cooperative;
use crate::kernel::error::{AppError, ErrorCode, UserError};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::Conn;
use crate::kernel::graphql::{DateTime, ids, loader_error, payload, run_mutation};
use crate::kernel::i18n::Locale;
use crate::kernel::viewer::require_admin;
use crate::msg;
use crate::orders;
use crate::orders::address_book;
use crate::orders::graphql::{Cart, Order, SavedAddress};
use crate::orders::model::{OrderStatus, SavedAddressInput, SavedAddressUpdateInput};
use crate::registry::loaders::{CooperativeKey, RegistryLoader};
use crate::registry::service::cooperative_exists;

pub struct Account(pub AccountRow);

#[Object]
impl Account {
    pub async fn id(&self) -> ID {
        ids::encode("Account", self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }
    async fn role(&self) -> Role {
        self.0.role()
    }
    async fn locale(&self) -> Option<Locale> {
        Locale::parse(&self.0.locale)
    }
    /// For cooperative managers: the cooperative they manage.
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Option<Cooperative>> {
        let Some(id) = self.0.cooperative_id else { return Ok(None) };
        Ok(ctx.loader::<RegistryLoader>().load_one(CooperativeKey(id)).await.map_err(loader_error)?.map(Cooperative))
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// Whether the owner opened the link of the verification email (`accountVerifyEmail`).
    async fn email_verified(&self) -> bool {
        self.0.email_verified_at.is_some()
    }
    /// The saved delivery addresses, the default first (only on `me`; empty otherwise).
    async fn addresses(&self, ctx: &Context<'_>) -> Result<Vec<SavedAddress>> {
        orders::graphql::own_addresses(ctx, self.0.id).await
    }
    /// The address checkout starts from (only on `me`).
    async fn default_address(&self, ctx: &Context<'_>) -> Result<Option<SavedAddress>> {
        Ok(orders::graphql::own_addresses(ctx, self.0.id).await?.into_iter().find(|a| a.0.is_default))
    }
    /// The account's orders, newest first (only on `me`).
    async fn orders(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        status: Option<OrderStatus>,
    ) -> Result<Conn<Order>> {
        if ctx.viewer().map(|v| v.account_id) != Some(self.0.id) {
            return Err(AppError::forbidden(msg!("only your own orders")).into());
        }
        let args = ctx.page_args(after, before, first, last)?;
        orders::graphql::account_orders(ctx, self.0.id, status, args).await
    }
    /// The account's open cart, which follows it across devices.
    async fn cart(&self, ctx: &Context<'_>) -> Result<Option<Cart>> {
        if ctx.viewer().map(|v| v.account_id) != Some(self.0.id) {
            return Ok(None);
        }
        orders::graphql::account_cart(ctx, self.0.id).await
    }
}

/// A bearer token: send it as `Authorization: Bearer <token>`.
#[derive(SimpleObject)]
pub struct AccessToken {
    pub token: String,
    pub expires_at: DateTime,
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub account: Option<Account>,
    pub access_token: Option<AccessToken>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct LogoutPayload {
    /// Whether a live token was revoked.
    pub revoked: bool,
    pub user_errors: Vec<UserError>,
}

crate::mutation_payload!(AccountPayload, account: Account);
crate::mutation_payload!(SavedAddressPayload, saved_address: SavedAddress);

#[derive(SimpleObject)]
pub struct SavedAddressDeletePayload {
    pub deleted_id: Option<ID>,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct AccountVerifyEmailPayload {
    /// The address now verified.
    pub email: Option<String>,
    pub user_errors: Vec<UserError>,
}

/// The answer to a reset request: the same for every address, known or not.
#[derive(SimpleObject)]
pub struct PasswordResetRequestPayload {
    /// Always true once the address is well-formed: an email is on its way if the address has
    /// an account.
    pub accepted: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(SimpleObject)]
pub struct PasswordUpdatePayload {
    /// Whether the password was changed.
    pub changed: bool,
    pub user_errors: Vec<UserError>,
}

fn links(ctx: &Context<'_>) -> AccountLinks {
    ctx.data_unchecked::<AccountLinks>().clone()
}

#[derive(Default)]
pub struct AccountQuery;

#[Object]
impl AccountQuery {
    /// The signed-in account, or null.
    async fn me(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        let Some(viewer) = ctx.viewer() else { return Ok(None) };
        let id = viewer.account_id;
        let row = ctx.db().run(move |conn| service::find_account(conn, id)).await?;
        Ok(row.map(Account))
    }
}

/// A refused login that must wait tells how long, as HTTP's `Retry-After` (seconds). The
/// answer itself stays that of a wrong password.
async fn retry_after_hint(ctx: &Context<'_>, email: String) -> Result<()> {
    let client = ctx.request().client;
    if let Some(secs) = ctx.db().run(move |conn| service::login_retry_after(conn, &email, client)).await? {
        ctx.insert_http_header("retry-after", secs.to_string());
    }
    Ok(())
}

fn auth_payload(result: Option<(AccountRow, service::IssuedToken)>, user_errors: Vec<UserError>) -> AuthPayload {
    match result {
        Some((account, token)) => AuthPayload {
            account: Some(Account(account)),
            access_token: Some(AccessToken { token: token.token, expires_at: DateTime(token.expires_at) }),
            user_errors,
        },
        None => AuthPayload { account: None, access_token: None, user_errors },
    }
}

/// The payload of a sign-in: the guest cart the client had, if any, now belongs to the account.
async fn signed_in_with_cart(
    ctx: &Context<'_>,
    signed_in: Result<(AccountRow, IssuedToken), AppError>,
    cart: Option<ID>,
) -> Result<AuthPayload> {
    let outcome = match (signed_in, cart) {
        (Ok(signed_in), Some(cart)) => {
            let account_id = signed_in.0.id;
            ctx.db().run(move |conn| orders::service::attach_cart(conn, account_id, &cart)).await.map(|_| signed_in)
        }
        (outcome, _) => outcome,
    };
    let (result, errors) = payload(outcome)?;
    Ok(auth_payload(result, errors))
}

#[derive(Default)]
pub struct AccountMutation;

#[Object]
impl AccountMutation {
    /// Creates a customer account and signs it in.
    async fn customer_register(&self, ctx: &Context<'_>, input: CustomerRegisterInput) -> Result<AuthPayload> {
        let limits = ctx.limits().clone();
        let register = RegisterInput {
            email: input.email,
            password: input.password,
            full_name: input.full_name,
            locale: input.locale,
        };
        let client = ctx.request().client;
        let registered = service::register_customer(
            ctx.db(),
            register,
            client,
            limits.default_locale,
            limits.token_ttl_hours,
            links(ctx),
        )
        .await;
        signed_in_with_cart(ctx, registered, input.cart_id).await
    }

    /// Signs in. Failed attempts are counted per email and per client address: past a few,
    /// each further attempt waits longer (up to 15 minutes) and answers like a wrong password.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let ttl = ctx.limits().token_ttl_hours;
        let client = ctx.request().client;
        let email = input.email.clone();
        let signed_in = service::login(ctx.db(), input.email, input.password, client, ttl).await;
        if signed_in.is_err() {
            retry_after_hint(ctx, email).await?;
        }
        signed_in_with_cart(ctx, signed_in, input.cart_id).await
    }

    /// Opens an email verification link: the token from the link verifies the address it was
    /// sent to. Links work once, for 48 hours.
    async fn account_verify_email(
        &self,
        ctx: &Context<'_>,
        input: AccountVerifyEmailInput,
    ) -> Result<AccountVerifyEmailPayload> {
        let (row, user_errors) = run_mutation(ctx, move |conn, _| service::verify_email(conn, &input.token)).await?;
        Ok(AccountVerifyEmailPayload { email: row.map(|a| a.email), user_errors })
    }

    /// Sends the signed-in account a new verification email (three an hour at most).
    async fn account_verification_resend(&self, ctx: &Context<'_>) -> Result<AccountPayload> {
        let links = links(ctx);
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::resend_verification(conn, viewer, &links)).await?;
        Ok(AccountPayload { account: row.map(Account), user_errors })
    }

    /// Asks for a password reset link. The answer is the same whether the address has an
    /// account or not; the link (valid one hour, once) goes only to an address that has one,
    /// three an hour at most.
    async fn password_reset_request(
        &self,
        ctx: &Context<'_>,
        input: PasswordResetRequestInput,
    ) -> Result<PasswordResetRequestPayload> {
        let (done, user_errors) =
            run_mutation(ctx, move |conn, _| service::request_password_reset(conn, &input.email)).await?;
        Ok(PasswordResetRequestPayload { accepted: done.is_some(), user_errors })
    }

    /// Sets a new password with the token of a reset link. Every session of the account is
    /// revoked (sign in again with the new password), and the owner gets an email saying so.
    async fn password_reset(&self, ctx: &Context<'_>, input: PasswordResetInput) -> Result<PasswordUpdatePayload> {
        let done = service::reset_password(ctx.db(), input.token, input.new_password).await;
        let (done, user_errors) = payload(done)?;
        Ok(PasswordUpdatePayload { changed: done.is_some(), user_errors })
    }

    /// The signed-in account changes its password. A wrong current password counts like a
    /// failed login; on success the other sessions are revoked and this one stays.
    async fn password_change(&self, ctx: &Context<'_>, input: PasswordChangeInput) -> Result<PasswordUpdatePayload> {
        let client = ctx.request().client;
        let changed = service::change_password(
            ctx.db(),
            ctx.viewer().cloned(),
            input.current_password,
            input.new_password,
            client,
        )
        .await;
        let (done, user_errors) = payload(changed)?;
        Ok(PasswordUpdatePayload { changed: done.is_some(), user_errors })
    }

    /// The signed-in account changes its name or the language of its emails.
    async fn customer_update(&self, ctx: &Context<'_>, input: CustomerUpdateInput) -> Result<AccountPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::update_profile(conn, viewer, input.full_name, input.locale))
                .await?;
        Ok(AccountPayload { account: row.map(Account), user_errors })
    }

    /// Saves a delivery address in the signed-in account's address book (20 at most); the
    /// first one becomes the default.
    async fn customer_address_create(
        &self,
        ctx: &Context<'_>,
        input: SavedAddressInput,
    ) -> Result<SavedAddressPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| address_book::create(conn, viewer, input)).await?;
        Ok(SavedAddressPayload { saved_address: row.map(SavedAddress), user_errors })
    }

    /// Replaces a saved address.
    async fn customer_address_update(
        &self,
        ctx: &Context<'_>,
        input: SavedAddressUpdateInput,
    ) -> Result<SavedAddressPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| address_book::update(conn, viewer, &input.id, input.fields)).await?;
        Ok(SavedAddressPayload { saved_address: row.map(SavedAddress), user_errors })
    }

    /// Deletes a saved address; if it was the default, the newest remaining one becomes it.
    async fn customer_address_delete(&self, ctx: &Context<'_>, id: ID) -> Result<SavedAddressDeletePayload> {
        let (deleted_id, user_errors) =
            run_mutation(ctx, move |conn, viewer| address_book::delete(conn, viewer, &id)).await?;
        Ok(SavedAddressDeletePayload { deleted_id, user_errors })
    }

    /// Makes a saved address the default.
    async fn customer_default_address_update(&self, ctx: &Context<'_>, id: ID) -> Result<SavedAddressPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| address_book::set_default(conn, viewer, &id)).await?;
        Ok(SavedAddressPayload { saved_address: row.map(SavedAddress), user_errors })
    }

    /// Revokes the token this request was made with.
    async fn logout(&self, ctx: &Context<'_>) -> Result<LogoutPayload> {
        let (revoked, user_errors) = run_mutation(ctx, move |conn, viewer| {
            let viewer = viewer.ok_or(AppError::Unauthenticated)?;
            service::logout(conn, viewer)
        })
        .await?;
        Ok(LogoutPayload { revoked: revoked.unwrap_or(false), user_errors })
    }

    /// Administrators create staff and manager accounts.
    async fn account_create(&self, ctx: &Context<'_>, input: AccountCreateGqlInput) -> Result<AccountPayload> {
        let default_locale = ctx.limits().default_locale;
        let (row, user_errors) = run_mutation(ctx, move |conn, viewer| {
            let cooperative_id = match &input.cooperative_id {
                Some(id) => Some(ids::decode(id, "Cooperative").ok_or_else(|| {
                    AppError::user(
                        ErrorCode::InvalidId,
                        &["input", "cooperativeId"],
                        msg!("is not a valid Cooperative id"),
                    )
                })?),
                None => None,
            };
            let region_id = match input.region_code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
                Some(code) => Some(
                    crate::registry::service::region_by_code(conn, code)?
                        .ok_or_else(|| {
                            AppError::user(ErrorCode::RegionNotFound, &["input", "regionCode"], msg!("no such region"))
                        })?
                        .id,
                ),
                None => None,
            };
            service::create_account(
                conn,
                viewer,
                AccountCreateInput {
                    email: input.email,
                    password: input.password,
                    full_name: input.full_name,
                    role: input.role,
                    cooperative_id,
                    locale: input.locale,
                    region_id,
                },
                default_locale,
                cooperative_exists,
            )
        })
        .await?;
        Ok(AccountPayload { account: row.map(Account), user_errors })
    }

    /// Administrators make an existing account the manager of a cooperative.
    async fn cooperative_manager_assign(
        &self,
        ctx: &Context<'_>,
        input: CooperativeManagerAssignInput,
    ) -> Result<AccountPayload> {
        let (row, user_errors) = run_mutation(ctx, move |conn, viewer| {
            require_admin(viewer)?;
            let cooperative_id = ids::decode(&input.cooperative_id, "Cooperative").ok_or_else(|| {
                AppError::user(ErrorCode::InvalidId, &["input", "cooperativeId"], msg!("is not a valid Cooperative id"))
            })?;
            service::assign_manager(conn, viewer, &input.email, cooperative_id, cooperative_exists)
        })
        .await?;
        Ok(AccountPayload { account: row.map(Account), user_errors })
    }
}
