//! The Relay `Node` interface and `node(id:)` / `nodes(ids:)`: any object by its global id,
//! with the same visibility rules as the field that would show it.

use async_graphql::{Context, ID, Interface, Object, Result};

use super::account::Account;
use crate::academy::graphql::{self as academy, Activity, Course, Enrollment, LearningPath, Module, QuizAttempt};
use crate::auth::service as auth;
use crate::catalog::graphql::{
    Category, Cooperative, Media, Product, ProductReview, QualityLabel, Variant, cooperative_by_id, product_by_id,
    review_by_id, variant_by_id, visible_product,
};
use crate::catalog::loaders::{CatalogLoader, CategoryKey, ProductKey};
use crate::catalog::service as catalog;
use crate::kernel::error::AppError;
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::{ids, loader_error};
use crate::msg;
use crate::orders::graphql::{
    Cart, CartLine, Fulfilment, Order, OrderLine, SavedAddress, cart_for, fulfilment_by_id, order_by_id, settings,
};
use crate::orders::service as orders;
use crate::outbox::graphql::{OutboxMessage, message};
use crate::projects::graphql::{
    self as projects, Call, FundingProgramme, ProjectApplication, ProjectIdea, Province, SavedSearch,
};
use crate::registry::graphql::{
    AnnualFiling, Member, RegistrationApplication, RegistrationApplicationSummary, RegistryDocument, application_by_id,
    member_by_id,
};
use crate::registry::graphql::{Region, Sector};
use crate::registry::loaders::{RegionKey, RegistryLoader, SectorKey};
use crate::registry::service as registry;
use crate::scoring::graphql::{self as scoring, Control, ControlFinding, ScoringModel, ScoringRun};
use crate::webhooks::graphql::{self as webhooks, WebhookDelivery, WebhookSubscription};

// Built once per `node(id:)` answer, so the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Product(Product),
    Variant(Variant),
    Cooperative(Cooperative),
    Category(Category),
    Region(Region),
    Sector(Sector),
    Media(Media),
    QualityLabel(QualityLabel),
    Order(Order),
    Fulfilment(Fulfilment),
    Account(Account),
    OutboxMessage(OutboxMessage),
    RegistrationApplication(RegistrationApplication),
    RegistrationApplicationSummary(RegistrationApplicationSummary),
    OrderLine(OrderLine),
    Member(Member),
    AnnualFiling(AnnualFiling),
    RegistryDocument(RegistryDocument),
    Cart(Cart),
    CartLine(CartLine),
    Course(Course),
    LearningPath(LearningPath),
    Module(Module),
    Activity(Activity),
    Enrollment(Enrollment),
    QuizAttempt(QuizAttempt),
    ProjectIdea(ProjectIdea),
    Call(Call),
    ProjectApplication(ProjectApplication),
    Province(Province),
    FundingProgramme(FundingProgramme),
    SavedSearch(SavedSearch),
    ScoringModel(ScoringModel),
    ScoringRun(ScoringRun),
    Control(Control),
    ControlFinding(ControlFinding),
    SavedAddress(SavedAddress),
    Promotion(crate::orders::graphql::Promotion),
    ReturnRequest(crate::orders::graphql::ReturnRequest),
    ProductReview(ProductReview),
    WebhookSubscription(WebhookSubscription),
    WebhookDelivery(WebhookDelivery),
    StorefrontApp(super::storefronts::StorefrontApp),
}

#[derive(Default)]
pub struct NodeQuery;

async fn load_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    // A cart's id holds its token, not a number: whoever holds the id holds the cart.
    if let Some(token) = ids::decode_text(id, "Cart") {
        return Ok(cart_for(ctx, token).await?.map(Node::Cart));
    }
    let Some((type_name, raw)) = ids::decode_any(id) else { return Ok(None) };
    let loader = ctx.loader::<CatalogLoader>();
    let registry = ctx.loader::<RegistryLoader>();
    Ok(match type_name.as_str() {
        "Product" => product_by_id(ctx, id).await?.map(Node::Product),
        "Variant" => variant_by_id(ctx, id).await?.map(Node::Variant),
        "Cooperative" => cooperative_by_id(ctx, id).await?.map(Node::Cooperative),
        "Order" => order_by_id(ctx, id).await?.map(Node::Order),
        "RegistrationApplication" => application_by_id(ctx, id).await?.map(Node::RegistrationApplication),
        "Member" => member_by_id(ctx, id).await?.map(Node::Member),
        "Fulfilment" => fulfilment_by_id(ctx, id).await?.map(Node::Fulfilment),
        "Category" => {
            loader.load_one(CategoryKey(raw)).await.map_err(loader_error)?.map(|r| Node::Category(Category(r)))
        }
        "Region" => registry.load_one(RegionKey(raw)).await.map_err(loader_error)?.map(|r| Node::Region(Region(r))),
        "Sector" => registry.load_one(SectorKey(raw)).await.map_err(loader_error)?.map(|r| Node::Sector(Sector(r))),
        "Media" => {
            let media = ctx.db().run(move |conn| catalog::find_media(conn, raw)).await?;
            of_visible_product(ctx, media, |m| m.product_id).await?.map(|m| Node::Media(Media(m)))
        }
        "QualityLabel" => {
            let label = ctx.db().run(move |conn| catalog::find_label(conn, raw)).await?;
            of_visible_product(ctx, label, |l| l.product_id).await?.map(|l| Node::QualityLabel(QualityLabel(l)))
        }
        "Course" => academy::course_by_id(ctx, raw).await?.map(Node::Course),
        "LearningPath" => academy::path_by_id(ctx, raw).await?.map(Node::LearningPath),
        "Module" => academy::module_by_id(ctx, raw).await?.map(Node::Module),
        "Activity" => academy::activity_by_id(ctx, raw).await?.map(Node::Activity),
        "Enrollment" => academy::enrollment_by_id(ctx, raw).await?.map(Node::Enrollment),
        "QuizAttempt" => academy::attempt_by_id(ctx, raw).await?.map(Node::QuizAttempt),
        "ProjectIdea" => projects::idea_by_id(ctx, raw).await?.map(Node::ProjectIdea),
        "Call" => projects::call_by_id(ctx, raw).await?.map(Node::Call),
        "ProjectApplication" => projects::application_by_id(ctx, raw).await?.map(Node::ProjectApplication),
        "Province" => projects::province_by_id(ctx, raw).await?.map(Node::Province),
        "FundingProgramme" => projects::programme_by_id(ctx, raw).await?.map(Node::FundingProgramme),
        "SavedSearch" => projects::saved_search_by_id(ctx, raw).await?.map(Node::SavedSearch),
        "ScoringModel" => scoring::model_by_id(ctx, raw).await?.map(Node::ScoringModel),
        "ScoringRun" => scoring::run_by_id(ctx, raw).await?.map(Node::ScoringRun),
        "Control" => scoring::control_by_id(ctx, raw).await?.map(Node::Control),
        "ControlFinding" => scoring::finding_by_id(ctx, raw).await?.map(Node::ControlFinding),
        "Promotion" => crate::orders::graphql::promotion_by_id(ctx, raw).await?.map(Node::Promotion),
        "ReturnRequest" => crate::orders::graphql::return_by_id(ctx, raw).await?.map(Node::ReturnRequest),
        "ProductReview" => review_by_id(ctx, raw).await?.map(Node::ProductReview),
        "WebhookSubscription" => webhooks::subscription_by_id(ctx, raw).await?.map(Node::WebhookSubscription),
        "WebhookDelivery" => webhooks::delivery_by_id(ctx, raw).await?.map(Node::WebhookDelivery),
        "StorefrontApp" => {
            let viewer = ctx.viewer().cloned();
            let row = ctx.db().run(move |conn| crate::auth::apps::visible(conn, viewer.as_ref(), raw)).await?;
            row.map(|a| Node::StorefrontApp(super::storefronts::StorefrontApp(a)))
        }
        "SavedAddress" => {
            let viewer = ctx.viewer().cloned();
            let row =
                ctx.db().run(move |conn| crate::orders::address_book::visible(conn, viewer.as_ref(), raw)).await?;
            row.map(|r| Node::SavedAddress(SavedAddress(r)))
        }
        _ => load_private_node(ctx, &type_name, raw).await?,
    })
}

/// `item` when the product it belongs to is one the viewer may see.
async fn of_visible_product<T>(
    ctx: &Context<'_>,
    item: Option<T>,
    product_of: impl Fn(&T) -> i64,
) -> Result<Option<T>> {
    let Some(item) = item else { return Ok(None) };
    let product = ctx.loader::<CatalogLoader>().load_one(ProductKey(product_of(&item))).await.map_err(loader_error)?;
    Ok(visible_product(ctx, product).await?.map(|_| item))
}

/// The objects only some callers see: the same checks as the fields that return them, and
/// null (never an error) for everyone else, so ids cannot be probed.
async fn load_private_node(ctx: &Context<'_>, type_name: &str, raw: i64) -> Result<Option<Node>> {
    let viewer = ctx.viewer().cloned();
    let db = ctx.db();
    Ok(match type_name {
        "Account" => {
            db.run(move |c| auth::visible_account(c, viewer.as_ref(), raw)).await?.map(|a| Node::Account(Account(a)))
        }
        "OutboxMessage" => db
            .run(move |c| crate::outbox::visible_message(c, viewer.as_ref(), raw))
            .await?
            .map(|m| Node::OutboxMessage(message(m))),
        "RegistrationApplicationSummary" => db
            .run(move |c| registry::visible_application_row(c, viewer.as_ref(), raw))
            .await?
            .map(|a| Node::RegistrationApplicationSummary(RegistrationApplicationSummary(a))),
        "CartLine" => {
            let settings = settings(ctx).clone();
            db.run(move |c| orders::visible_cart_line(c, viewer.as_ref(), raw, &settings))
                .await?
                .map(|(l, discount)| Node::CartLine(CartLine(l, discount)))
        }
        "OrderLine" => db
            .run(move |c| orders::visible_order_line(c, viewer.as_ref(), raw))
            .await?
            .map(|l| Node::OrderLine(OrderLine(l))),
        "AnnualFiling" => db
            .run(move |c| registry::visible_filing(c, viewer.as_ref(), raw))
            .await?
            .map(|f| Node::AnnualFiling(AnnualFiling(f))),
        "RegistryDocument" => db
            .run(move |c| registry::visible_document(c, viewer.as_ref(), raw))
            .await?
            .map(|d| Node::RegistryDocument(RegistryDocument(d))),
        _ => None,
    })
}

#[Object]
impl NodeQuery {
    /// Any object by its global id.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        load_node(ctx, &id).await
    }

    /// Several objects by global id, in the order asked (null where not found); at most 100.
    async fn nodes(&self, ctx: &Context<'_>, ids: Vec<ID>) -> Result<Vec<Option<Node>>> {
        if ids.len() > ctx.limits().max_page_size {
            return Err(
                AppError::bad_input(&["ids"], msg!("at most {max} ids", max = ctx.limits().max_page_size)).into()
            );
        }
        let lookups = ids.iter().map(|id| load_node(ctx, id));
        futures_util::future::try_join_all(lookups).await
    }
}
