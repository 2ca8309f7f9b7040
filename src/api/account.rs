//! The account as the API shows it: it joins the accounts (auth) with the cooperative a
//! manager runs (registry) and a customer's orders and cart (orders), so it lives above
//! those domains. Sign-up and sign-in keep a guest's cart, which is the orders domain's.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use crate::auth::model::{
    AccountCreateGqlInput, AccountCreateInput, AccountRow, CooperativeManagerAssignInput, CustomerRegisterInput,
    LoginInput, RegisterInput, Role,
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
use crate::orders::graphql::{Cart, Order};
use crate::orders::model::OrderStatus;
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
        let registered =
            service::register_customer(ctx.db(), register, client, limits.default_locale, limits.token_ttl_hours).await;
        signed_in_with_cart(ctx, registered, input.cart_id).await
    }

    /// Signs in. Failed attempts are counted per email and per client address: past a few,
    /// each further attempt waits longer (up to 15 minutes) and answers like a wrong password.
    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let ttl = ctx.limits().token_ttl_hours;
        let client = ctx.request().client;
        let signed_in = service::login(ctx.db(), input.email, input.password, client, ttl).await;
        signed_in_with_cart(ctx, signed_in, input.cart_id).await
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
