//! GraphQL types, queries and mutations of the catalogue.

use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::loaders::*;
use super::model::*;
use super::service;
use crate::kernel::error::{AppError, ErrorCode};
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::relay::{Conn, Key, PageArgs, connection_from_vec};
use crate::kernel::graphql::{Date, DateTime, ids, loader_error, or_unchanged, page_cost, run_mutation};
use crate::kernel::i18n::{Locale, LocalizedText, Translation};
use crate::kernel::money::{CurrencyCode, Money};
use crate::msg;
use crate::registry::graphql::{Region, Sector};
use crate::registry::loaders::{CooperativeKey, RegionKey, RegistryLoader, SectorKey};
use crate::registry::model::{
    CooperativeCreateInput, CooperativeFilterInput, CooperativeRow, CooperativeStatus, CooperativeUpdateInput,
};
use crate::registry::service as registry;

pub struct Cooperative(pub CooperativeRow);

#[Object]
impl Cooperative {
    pub async fn id(&self) -> ID {
        ids::encode("Cooperative", self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// Number in the central register of cooperatives.
    async fn registration_number(&self) -> &str {
        &self.0.registration_number
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.name().resolve(ctx.locale(locale))
    }
    async fn name_translations(&self) -> Vec<Translation> {
        self.0.name().translations()
    }
    async fn description(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.description().resolve(ctx.locale(locale))
    }
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(RegionKey(self.0.region_id))
            .await
            .map_err(loader_error)?
            .map(Region))
    }
    async fn sector(&self, ctx: &Context<'_>) -> Result<Option<Sector>> {
        Ok(ctx
            .loader::<RegistryLoader>()
            .load_one(SectorKey(self.0.sector_id))
            .await
            .map_err(loader_error)?
            .map(Sector))
    }
    async fn logo_url(&self) -> Option<&str> {
        self.0.logo_url.as_deref()
    }
    async fn contact_email(&self) -> Option<&str> {
        self.0.contact_email.as_deref()
    }
    async fn contact_phone(&self) -> Option<&str> {
        self.0.contact_phone.as_deref()
    }
    async fn is_women_cooperative(&self) -> bool {
        self.0.is_women_cooperative
    }
    async fn is_youth_cooperative(&self) -> bool {
        self.0.is_youth_cooperative
    }
    async fn status(&self) -> CooperativeStatus {
        self.0.status()
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    /// The cooperative's products: what the public sees, or everything for its managers and staff.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(default_with = "Some(ProductSortKey::Relevance)")] sort_key: Option<ProductSortKey>,
        #[graphql(default_with = "Some(false)")] reverse: Option<bool>,
    ) -> Result<Conn<Product>> {
        let args = ctx.page_args(after, before, first, last)?;
        let filter =
            ProductFilterInput { cooperative: Some(ids::encode("Cooperative", self.0.id)), ..Default::default() };
        let insider = ctx.viewer().is_some_and(|v| v.can_manage(self.0.id));
        product_listing(ctx, filter, sort_key, reverse, insider, args).await
    }
}

/// A product listing as every `products` field answers it: the filter resolved, one page in
/// the sort asked for, and the count when the query selects it. `insider` also shows drafts
/// (a cooperative's own page for its managers and staff).
async fn product_listing(
    ctx: &Context<'_>,
    filter: ProductFilterInput,
    sort_key: Option<ProductSortKey>,
    reverse: Option<bool>,
    insider: bool,
    args: PageArgs,
) -> Result<Conn<Product>> {
    let locale = ctx.locale(None);
    let want_total = ctx.wants_total();
    let counts = ctx.data_unchecked::<std::sync::Arc<super::counts::ProductCounts>>().clone();
    let page = ctx
        .db()
        .run(move |conn| {
            let sort = sort_key.unwrap_or(ProductSortKey::Relevance);
            let mut query = service::product_query(conn, &filter, sort, reverse.unwrap_or(false), locale)?;
            query.public_only = !insider;
            service::list_products(conn, &counts, &query, args, want_total)
        })
        .await?;
    Ok(page.into_connection(Product))
}

/// The key of an item of a list ordered by position, then id (variants, media, categories).
fn position_key(position: i32, id: i64) -> Key {
    Key(vec![position.into(), id.into()])
}

pub struct Category(pub CategoryRow);

impl Category {
    pub fn new(row: CategoryRow) -> Self {
        Category(row)
    }
}

#[Object]
impl Category {
    pub async fn id(&self) -> ID {
        ids::encode("Category", self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn position(&self) -> i32 {
        self.0.position
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.name().resolve(ctx.locale(locale))
    }
    async fn parent(&self, ctx: &Context<'_>) -> Result<Option<Category>> {
        let Some(parent) = self.0.parent_id else { return Ok(None) };
        Ok(ctx.loader::<CatalogLoader>().load_one(CategoryKey(parent)).await.map_err(loader_error)?.map(Category::new))
    }
    /// The category's products and its descendants', as `products(filter: { category })` lists them.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        #[graphql(default_with = "Some(ProductSortKey::Relevance)")] sort_key: Option<ProductSortKey>,
        #[graphql(default_with = "Some(false)")] reverse: Option<bool>,
    ) -> Result<Conn<Product>> {
        let args = ctx.page_args(after, before, first, last)?;
        let filter = ProductFilterInput { category: Some(ids::encode("Category", self.0.id)), ..Default::default() };
        product_listing(ctx, filter, sort_key, reverse, false, args).await
    }
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Category>> {
        let rows = ctx.loader::<CatalogLoader>().load_one(ChildrenOf(self.0.id)).await.map_err(loader_error)?;
        Ok(rows.unwrap_or_default().into_iter().map(Category::new).collect())
    }
}

pub struct Product(pub ProductRow);

#[derive(SimpleObject)]
pub struct PriceRange {
    pub min_variant_price: Money,
    pub max_variant_price: Money,
}

#[Object]
impl Product {
    pub async fn id(&self) -> ID {
        ids::encode("Product", self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn status(&self) -> ProductStatus {
        self.0.status()
    }
    async fn name(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.name().resolve(ctx.locale(locale))
    }
    async fn name_translations(&self) -> Vec<Translation> {
        self.0.name().translations()
    }
    async fn description(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.description().resolve(ctx.locale(locale))
    }
    async fn description_translations(&self) -> Vec<Translation> {
        self.0.description().translations()
    }
    async fn cooperative(&self, ctx: &Context<'_>) -> Result<Cooperative> {
        ctx.loader::<RegistryLoader>()
            .load_one(CooperativeKey(self.0.cooperative_id))
            .await
            .map_err(loader_error)?
            .map(Cooperative)
            .ok_or_else(|| AppError::internal("product without cooperative").into())
    }
    async fn category(&self, ctx: &Context<'_>) -> Result<Option<Category>> {
        let Some(id) = self.0.category_id else { return Ok(None) };
        Ok(ctx.loader::<CatalogLoader>().load_one(CategoryKey(id)).await.map_err(loader_error)?.map(Category::new))
    }
    async fn origin_region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        let Some(id) = self.0.origin_region_id else { return Ok(None) };
        Ok(ctx.loader::<RegistryLoader>().load_one(RegionKey(id)).await.map_err(loader_error)?.map(Region))
    }
    /// The average of the published reviews' ratings (1–5, two decimals); null without reviews.
    async fn rating_average(&self) -> Option<f64> {
        (self.0.rating_count > 0)
            .then(|| (self.0.rating_sum as f64 / self.0.rating_count as f64 * 100.0).round() / 100.0)
    }
    /// How many published reviews the product has.
    async fn rating_count(&self) -> i64 {
        self.0.rating_count
    }
    /// Published reviews, newest first; each from a buyer who received the product.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<ProductReview>> {
        let args = ctx.page_args(after, before, first, last)?;
        let want_total = ctx.wants_total();
        let product = self.0.clone();
        let page = ctx.db().run(move |conn| super::reviews::list(conn, &product, args, want_total)).await?;
        Ok(page.into_connection(ProductReview))
    }
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn variants(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<Variant>> {
        let args = ctx.page_args(after, before, first, last)?;
        let rows = ctx.loader::<CatalogLoader>().load_one(VariantsOf(self.0.id)).await.map_err(loader_error)?;
        Ok(connection_from_vec(args, rows.unwrap_or_default().into_iter().map(Variant).collect(), |v| {
            position_key(v.0.position, v.0.id)
        })?)
    }
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn media(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> Result<Conn<Media>> {
        let args = ctx.page_args(after, before, first, last)?;
        let rows = ctx.loader::<CatalogLoader>().load_one(MediaOf(self.0.id)).await.map_err(loader_error)?;
        Ok(connection_from_vec(args, rows.unwrap_or_default().into_iter().map(Media).collect(), |m| {
            position_key(m.0.position, m.0.id)
        })?)
    }
    /// What its page tells search engines in the locale: the texts set with `productSeoUpdate`,
    /// else the name and the start of the description (cut at a word, 160 characters at most).
    async fn seo(&self, ctx: &Context<'_>, locale: Option<Locale>) -> ProductSeoText {
        let locale = ctx.locale(locale);
        let seo = self.0.seo();
        let title = if seo.title.is_empty() { self.0.name() } else { seo.title };
        let description = if seo.description.is_empty() {
            let mut text = self.0.description().resolve(locale);
            text.text = shorten(&text.text, service::MAX_SEO_DESCRIPTION_LEN);
            text
        } else {
            seo.description.resolve(locale)
        };
        ProductSeoText { title: title.resolve(locale), description }
    }
    /// The options its variants differ by, each with its values, in the variants' order (a
    /// storefront's variant picker).
    async fn options(&self, ctx: &Context<'_>) -> Result<Vec<ProductOption>> {
        let rows = ctx.loader::<CatalogLoader>().load_one(VariantsOf(self.0.id)).await.map_err(loader_error)?;
        let mut options: Vec<ProductOption> = Vec::new();
        for variant in rows.unwrap_or_default() {
            for selected in variant.options() {
                match options.iter_mut().find(|o| o.name == selected.name) {
                    Some(option) if !option.values.contains(&selected.value) => option.values.push(selected.value),
                    Some(_) => {}
                    None => options.push(ProductOption { name: selected.name, values: vec![selected.value] }),
                }
            }
        }
        Ok(options)
    }
    /// The variant with exactly these option values (names and values as in `options`); null
    /// when no variant has them all.
    async fn variant_by_selected_options(
        &self,
        ctx: &Context<'_>,
        selected_options: Vec<SelectedOptionInput>,
    ) -> Result<Option<Variant>> {
        let rows = ctx.loader::<CatalogLoader>().load_one(VariantsOf(self.0.id)).await.map_err(loader_error)?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .find(|v| {
                let options = v.options();
                selected_options.len() == options.len()
                    && selected_options.iter().all(|s| options.iter().any(|o| o.name == s.name && o.value == s.value))
            })
            .map(Variant))
    }
    /// The first image, for listings.
    async fn featured_image(&self, ctx: &Context<'_>) -> Result<Option<Media>> {
        let rows = ctx.loader::<CatalogLoader>().load_one(MediaOf(self.0.id)).await.map_err(loader_error)?;
        Ok(rows.and_then(|r| r.into_iter().next()).map(Media))
    }
    /// Quality labels (IGP, AOP, Label Agricole, organic); a product has at most a handful.
    async fn labels(&self, ctx: &Context<'_>) -> Result<Vec<QualityLabel>> {
        let rows = ctx.loader::<CatalogLoader>().load_one(LabelsOf(self.0.id)).await.map_err(loader_error)?;
        Ok(rows.unwrap_or_default().into_iter().map(QualityLabel).collect())
    }
    async fn price_range(&self, ctx: &Context<'_>) -> Result<Option<PriceRange>> {
        let rows = ctx
            .loader::<CatalogLoader>()
            .load_one(VariantsOf(self.0.id))
            .await
            .map_err(loader_error)?
            .unwrap_or_default();
        let min = rows.iter().map(|v| v.price_minor).min();
        let max = rows.iter().map(|v| v.price_minor).max();
        Ok(min
            .zip(max)
            .map(|(min, max)| PriceRange { min_variant_price: Money::mad(min), max_variant_price: Money::mad(max) }))
    }
    async fn in_stock(&self) -> bool {
        self.0.total_stock > 0
    }
    async fn total_inventory(&self) -> i64 {
        self.0.total_stock
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
    async fn updated_at(&self) -> DateTime {
        DateTime(self.0.updated_at)
    }
}

/// A product page's search-engine texts, resolved for the request's locale.
#[derive(SimpleObject)]
pub struct ProductSeoText {
    pub title: LocalizedText,
    pub description: LocalizedText,
}

/// `text` cut at a word so that it fits in `max` characters with an ellipsis.
fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max - 1).collect();
    let at_word = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end_matches([',', ';', ':', '.', '-']))
}

/// An option a product's variants differ by (`size`: `250 ml`, `500 ml`).
#[derive(SimpleObject)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

pub struct Variant(pub VariantRow);

#[Object]
impl Variant {
    pub async fn id(&self) -> ID {
        ids::encode("Variant", self.0.id)
    }
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// Option values such as `{ name: "size", value: "250 ml" }`.
    async fn selected_options(&self) -> Vec<SelectedOption> {
        self.0.options()
    }
    async fn price(&self) -> Money {
        Money::new(self.0.price_minor, CurrencyCode::parse(&self.0.currency).unwrap_or(CurrencyCode::Mad))
    }
    async fn compare_at_price(&self) -> Option<Money> {
        self.0.compare_at_minor.map(Money::mad)
    }
    async fn quantity_available(&self) -> i64 {
        self.0.stock
    }
    async fn available_for_sale(&self) -> bool {
        self.0.stock > 0
    }
    async fn weight_grams(&self) -> Option<i32> {
        self.0.weight_grams
    }
    /// The product, when the viewer may see it (a cart line may hold a product since set back
    /// to draft: it answers null, as `product(id:)` does).
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        let row = ctx.loader::<CatalogLoader>().load_one(ProductKey(self.0.product_id)).await.map_err(loader_error)?;
        visible_product(ctx, row).await
    }
}

pub struct Media(pub MediaRow);

#[Object]
impl Media {
    pub async fn id(&self) -> ID {
        ids::encode("Media", self.0.id)
    }
    /// The image's address. For an uploaded image, `maxWidth` picks the smallest WebP
    /// rendition at least that wide (else the largest): a phone asks for 320 or 640.
    async fn url(&self, max_width: Option<i32>) -> String {
        // Listings ask for `url` on every card: the renditions are only looked at when a
        // width is asked for and the image was uploaded.
        let Some(w) = max_width.filter(|_| self.0.renditions.is_some()) else { return self.0.url.clone() };
        let renditions = self.renditions();
        let pick = renditions.iter().find(|r| r.width >= w).or(renditions.last());
        pick.map(|r| r.url.clone()).unwrap_or_else(|| self.0.url.clone())
    }
    /// Pixels, for uploaded images (null for media given by URL).
    async fn width(&self) -> Option<i32> {
        self.0.width
    }
    async fn height(&self) -> Option<i32> {
        self.0.height
    }
    /// An uploaded image's WebP files, smallest first, served with a one-year cache lifetime
    /// (their URLs never change content); for `srcset`.
    #[graphql(name = "renditions")]
    async fn renditions_field(&self) -> Vec<ImageRendition> {
        self.renditions()
    }
    async fn alt(&self, ctx: &Context<'_>, locale: Option<Locale>) -> LocalizedText {
        self.0.alt().resolve(ctx.locale(locale))
    }
    async fn position(&self) -> i32 {
        self.0.position
    }
}

impl Media {
    fn renditions(&self) -> Vec<ImageRendition> {
        // The stored URL names the largest: `<base>/images/<key>/<width>.webp`.
        let Some(base) = self.0.url.rsplit_once('/').map(|(b, _)| b) else { return Vec::new() };
        self.0
            .rendition_sizes()
            .into_iter()
            .map(|(w, h)| ImageRendition { width: w as i32, height: h as i32, url: format!("{base}/{w}.webp") })
            .collect()
    }
}

/// One size of an uploaded image.
#[derive(SimpleObject, Clone)]
pub struct ImageRendition {
    pub width: i32,
    pub height: i32,
    pub url: String,
}

crate::mutation_payload!(MediaPayload, media: Media);

pub struct QualityLabel(pub LabelRow);

#[Object]
impl QualityLabel {
    pub async fn id(&self) -> ID {
        ids::encode("QualityLabel", self.0.id)
    }
    #[graphql(name = "type")]
    async fn label_type(&self) -> Option<LabelType> {
        LabelType::parse(&self.0.label_type)
    }
    /// e.g. "Argane", "Safran de Taliouine".
    async fn official_name(&self) -> &str {
        &self.0.official_name
    }
    async fn certifying_body(&self) -> Option<&str> {
        self.0.certifying_body.as_deref()
    }
    async fn certificate_number(&self) -> Option<&str> {
        self.0.certificate_number.as_deref()
    }
    /// `YYYY-MM-DD`.
    async fn valid_until(&self) -> Option<Date> {
        self.0.valid_until.map(Date)
    }
    /// False once the certificate's validity date has passed.
    async fn is_valid(&self) -> bool {
        self.0.valid_until.is_none_or(|d| d >= chrono::Utc::now().date_naive())
    }
}

// ---- queries ----

#[derive(Default)]
pub struct CatalogQuery;

#[Object]
impl CatalogQuery {
    /// Published products of active cooperatives.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn products(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        filter: Option<ProductFilterInput>,
        #[graphql(default_with = "Some(ProductSortKey::Relevance)")] sort_key: Option<ProductSortKey>,
        #[graphql(default_with = "Some(false)")] reverse: Option<bool>,
    ) -> Result<Conn<Product>> {
        let args = ctx.page_args(after, before, first, last)?;
        product_listing(ctx, filter.unwrap_or_default(), sort_key, reverse, false, args).await
    }

    /// One product by id or slug; drafts only for their cooperative's managers and staff.
    async fn product(&self, ctx: &Context<'_>, id: Option<ID>, slug: Option<String>) -> Result<Option<Product>> {
        let row = match (id, slug) {
            (Some(id), None) => {
                let Some(raw) = ids::decode(&id, "Product") else { return Ok(None) };
                ctx.loader::<CatalogLoader>().load_one(ProductKey(raw)).await.map_err(loader_error)?
            }
            (None, Some(slug)) => ctx.db().run(move |conn| service::product_by_slug(conn, &slug)).await?,
            _ => return Err(AppError::bad_input(&["id"], msg!("give exactly one of `id` and `slug`")).into()),
        };
        visible_product(ctx, row).await
    }

    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    async fn cooperatives(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        filter: Option<CooperativeFilterInput>,
    ) -> Result<Conn<Cooperative>> {
        let args = ctx.page_args(after, before, first, last)?;
        let filter = filter.unwrap_or_default();
        let viewer = ctx.viewer().cloned();
        let want_total = ctx.wants_total();
        let page = ctx
            .db()
            .run(move |conn| {
                let query = registry::cooperative_query(conn, viewer.as_ref(), &filter)?;
                registry::list_cooperatives(conn, &query, args, want_total)
            })
            .await?;
        Ok(page.into_connection(Cooperative))
    }

    async fn cooperative(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> Result<Option<Cooperative>> {
        let row = match (id, slug) {
            (Some(id), None) => {
                let Some(raw) = ids::decode(&id, "Cooperative") else { return Ok(None) };
                ctx.loader::<RegistryLoader>().load_one(CooperativeKey(raw)).await.map_err(loader_error)?
            }
            (None, Some(slug)) => ctx.db().run(move |conn| registry::cooperative_by_slug(conn, &slug)).await?,
            _ => return Err(AppError::bad_input(&["id"], msg!("give exactly one of `id` and `slug`")).into()),
        };
        Ok(row.map(Cooperative))
    }

    /// Categories: the roots by default, or the children of `parentId`, or all with `rootsOnly: false`.
    #[graphql(complexity = "page_cost(first, last, child_complexity)")]
    #[allow(clippy::too_many_arguments)]
    async fn categories(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
        parent_id: Option<ID>,
        #[graphql(default_with = "Some(true)")] roots_only: Option<bool>,
    ) -> Result<Conn<Category>> {
        let args = ctx.page_args(after, before, first, last)?;
        let parent =
            match parent_id {
                Some(id) => Some(Some(ids::decode(&id, "Category").ok_or_else(|| {
                    AppError::user(ErrorCode::InvalidId, &["parentId"], msg!("is not a Category id"))
                })?)),
                None if roots_only.unwrap_or(true) => Some(None),
                None => None,
            };
        let rows = ctx.db().run(move |conn| service::list_categories(conn, parent)).await?;
        Ok(connection_from_vec(args, rows.into_iter().map(Category::new).collect(), |c| {
            position_key(c.0.position, c.0.id)
        })?)
    }

    async fn category(&self, ctx: &Context<'_>, id: Option<ID>, slug: Option<String>) -> Result<Option<Category>> {
        let row = match (id, slug) {
            (Some(id), None) => {
                let Some(raw) = ids::decode(&id, "Category") else { return Ok(None) };
                ctx.loader::<CatalogLoader>().load_one(CategoryKey(raw)).await.map_err(loader_error)?
            }
            (None, Some(slug)) => ctx.db().run(move |conn| service::category_by_slug(conn, &slug)).await?,
            _ => return Err(AppError::bad_input(&["id"], msg!("give exactly one of `id` and `slug`")).into()),
        };
        Ok(row.map(Category::new))
    }
}

/// The products the viewer may see among `ids`, in that order: two batched loads whatever
/// the number of ids (search hits, suggestions).
pub async fn visible_products(ctx: &Context<'_>, ids: &[i64]) -> Result<Vec<Product>> {
    let rows =
        ctx.loader::<CatalogLoader>().load_many(ids.iter().map(|id| ProductKey(*id))).await.map_err(loader_error)?;
    let cooperatives = ctx
        .loader::<RegistryLoader>()
        .load_many(rows.values().map(|p| CooperativeKey(p.cooperative_id)))
        .await
        .map_err(loader_error)?;
    Ok(ids
        .iter()
        .filter_map(|id| rows.get(&ProductKey(*id)))
        .filter(|p| {
            cooperatives
                .get(&CooperativeKey(p.cooperative_id))
                .is_some_and(|c| service::can_view_product(ctx.viewer(), p, c))
        })
        .map(|p| Product(p.clone()))
        .collect())
}

/// Applies the visibility rule to a product looked up by id or slug.
pub async fn visible_product(ctx: &Context<'_>, row: Option<ProductRow>) -> Result<Option<Product>> {
    let Some(row) = row else { return Ok(None) };
    let cooperative =
        ctx.loader::<RegistryLoader>().load_one(CooperativeKey(row.cooperative_id)).await.map_err(loader_error)?;
    Ok(cooperative.filter(|c| service::can_view_product(ctx.viewer(), &row, c)).map(|_| Product(row)))
}

/// A product by global id, as `node(id:)` shows it: null when it is not one the viewer may see.
pub async fn product_by_id(ctx: &Context<'_>, id: &ID) -> Result<Option<Product>> {
    let Some(raw) = ids::decode(id, "Product") else { return Ok(None) };
    let row = ctx.loader::<CatalogLoader>().load_one(ProductKey(raw)).await.map_err(loader_error)?;
    visible_product(ctx, row).await
}

/// A variant by global id, when its product is one the viewer may see.
pub async fn variant_by_id(ctx: &Context<'_>, id: &ID) -> Result<Option<Variant>> {
    let Some(raw) = ids::decode(id, "Variant") else { return Ok(None) };
    let loader = ctx.loader::<CatalogLoader>();
    let Some(variant) = loader.load_one(VariantKey(raw)).await.map_err(loader_error)? else { return Ok(None) };
    let product = loader.load_one(ProductKey(variant.product_id)).await.map_err(loader_error)?;
    Ok(visible_product(ctx, product).await?.map(|_| Variant(variant)))
}

/// A cooperative by global id (the register is public).
pub async fn cooperative_by_id(ctx: &Context<'_>, id: &ID) -> Result<Option<Cooperative>> {
    let Some(raw) = ids::decode(id, "Cooperative") else { return Ok(None) };
    let row = ctx.loader::<RegistryLoader>().load_one(CooperativeKey(raw)).await.map_err(loader_error)?;
    Ok(row.map(Cooperative))
}

// ---- mutations ----

crate::mutation_payload!(ProductPayload, product: Product);
crate::mutation_payload!(VariantPayload, variant: Variant);
crate::mutation_payload!(CooperativePayload, cooperative: Cooperative);
crate::mutation_payload!(CategoryPayload, category: Category);

#[derive(Default)]
pub struct CatalogMutation;

#[Object]
impl CatalogMutation {
    /// Administrators register a cooperative as a seller.
    async fn cooperative_create(&self, ctx: &Context<'_>, input: CooperativeCreateInput) -> Result<CooperativePayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| registry::create_cooperative(conn, viewer, input)).await?;
        Ok(CooperativePayload { cooperative: row.map(Cooperative), user_errors })
    }

    async fn cooperative_update(&self, ctx: &Context<'_>, input: CooperativeUpdateInput) -> Result<CooperativePayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| registry::update_cooperative(conn, viewer, input)).await?;
        let (cooperative, user_errors) =
            or_unchanged((outcome.0.map(Cooperative), outcome.1), || cooperative_by_id(ctx, &id)).await?;
        Ok(CooperativePayload { cooperative, user_errors })
    }

    async fn category_create(&self, ctx: &Context<'_>, input: CategoryCreateInput) -> Result<CategoryPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::create_category(conn, viewer, input)).await?;
        Ok(CategoryPayload { category: row.map(Category::new), user_errors })
    }

    /// A product with its variants, media and labels, in one transaction.
    async fn product_create(&self, ctx: &Context<'_>, input: ProductCreateInput) -> Result<ProductPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::create_product(conn, viewer, input)).await?;
        Ok(ProductPayload { product: row.map(Product), user_errors })
    }

    async fn product_update(&self, ctx: &Context<'_>, input: ProductUpdateInput) -> Result<ProductPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::update_product(conn, viewer, input)).await?;
        let (product, user_errors) =
            or_unchanged((outcome.0.map(Product), outcome.1), || product_by_id(ctx, &id)).await?;
        Ok(ProductPayload { product, user_errors })
    }

    /// Sets a product's search-engine title and description per locale (its managers and
    /// administrators).
    async fn product_seo_update(&self, ctx: &Context<'_>, input: ProductSeoUpdateInput) -> Result<ProductPayload> {
        let id = input.product_id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::update_product_seo(conn, viewer, input)).await?;
        let (product, user_errors) =
            or_unchanged((outcome.0.map(Product), outcome.1), || product_by_id(ctx, &id)).await?;
        Ok(ProductPayload { product, user_errors })
    }

    /// Uploads an image for a product (its managers and administrators), as a GraphQL
    /// multipart request: checked like registry documents, then kept as WebP renditions
    /// (320, 640 and 1280 pixels wide, never enlarged) without the photo's metadata.
    async fn product_image_upload(&self, ctx: &Context<'_>, input: ProductImageUploadInput) -> Result<MediaPayload> {
        let settings = ctx.data_unchecked::<super::images::ImageSettings>().clone();
        let rejected = |message| AppError::user(ErrorCode::ImageRejected, &["input", "file"], message);
        let outcome: Result<_, AppError> = async {
            let viewer = ctx.viewer().cloned();
            let id = input.product_id.clone();
            ctx.db().run(move |conn| service::image_target(conn, viewer.as_ref(), &id)).await?;
            let file = input.file.value(ctx).map_err(|e| rejected(msg!("cannot read the file: {error}", error = e)))?;
            let declared = file.content_type.clone();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(
                &mut std::io::Read::take(file.into_read(), settings.max_bytes as u64 + 1),
                &mut bytes,
            )
            .map_err(|e| rejected(msg!("cannot read the file: {error}", error = e)))?;
            if bytes.len() > settings.max_bytes {
                return Err(rejected(msg!("is larger than the limit of {max} bytes", max = settings.max_bytes)));
            }
            let processed = super::images::process_off_thread(bytes, declared).await?;
            let store = settings.store.clone();
            let key = processed.key.clone();
            let sizes: Vec<(u32, u32)> = processed.renditions.iter().map(|r| (r.width, r.height)).collect();
            tokio::task::spawn_blocking(move || store.save(&processed))
                .await
                .map_err(AppError::internal)?
                .map_err(AppError::internal)?;
            let (width, height) = sizes.last().copied().unwrap_or((0, 0));
            let image = service::UploadedImage {
                url: format!("{}/images/{key}/{width}.webp", settings.public_url),
                key,
                width,
                height,
                renditions: sizes,
            };
            let viewer = ctx.viewer().cloned();
            let (id, alt) = (input.product_id.clone(), input.alt.clone());
            ctx.db().run(move |conn| service::add_uploaded_image(conn, viewer.as_ref(), &id, &alt, image)).await
        }
        .await;
        let (media, user_errors) = crate::kernel::graphql::payload(outcome)?;
        Ok(MediaPayload { media: media.map(Media), user_errors })
    }

    async fn product_archive(&self, ctx: &Context<'_>, input: ProductArchiveInput) -> Result<ProductPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::archive_product(conn, viewer, input)).await?;
        let (product, user_errors) =
            or_unchanged((outcome.0.map(Product), outcome.1), || product_by_id(ctx, &id)).await?;
        Ok(ProductPayload { product, user_errors })
    }

    async fn variant_create(&self, ctx: &Context<'_>, input: VariantCreateInput) -> Result<VariantPayload> {
        let (row, user_errors) =
            run_mutation(ctx, move |conn, viewer| service::create_variant(conn, viewer, input)).await?;
        Ok(VariantPayload { variant: row.map(Variant), user_errors })
    }

    async fn variant_update(&self, ctx: &Context<'_>, input: VariantUpdateInput) -> Result<VariantPayload> {
        let id = input.id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::update_variant(conn, viewer, input)).await?;
        let (variant, user_errors) =
            or_unchanged((outcome.0.map(Variant), outcome.1), || variant_by_id(ctx, &id)).await?;
        Ok(VariantPayload { variant, user_errors })
    }

    /// Adds or removes stock with one conditional update; never below zero.
    async fn inventory_adjust(&self, ctx: &Context<'_>, input: InventoryAdjustInput) -> Result<VariantPayload> {
        let id = input.variant_id.clone();
        let outcome = run_mutation(ctx, move |conn, viewer| service::adjust_inventory(conn, viewer, input)).await?;
        let (variant, user_errors) =
            or_unchanged((outcome.0.map(Variant), outcome.1), || variant_by_id(ctx, &id)).await?;
        Ok(VariantPayload { variant, user_errors })
    }
}

/// A buyer's review of a product they received.
pub struct ProductReview(pub ReviewRow);

/// The cooperative's answer to a review.
#[derive(SimpleObject)]
pub struct ReviewReply {
    pub body: String,
    pub created_at: DateTime,
}

#[Object]
impl ProductReview {
    pub async fn id(&self) -> ID {
        ids::encode("ProductReview", self.0.id)
    }
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        let row = ctx.loader::<CatalogLoader>().load_one(ProductKey(self.0.product_id)).await.map_err(loader_error)?;
        visible_product(ctx, row).await
    }
    /// 1 to 5.
    async fn rating(&self) -> i32 {
        self.0.rating
    }
    async fn title(&self) -> Option<&str> {
        self.0.title.as_deref()
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// The reviewer's first name (never more of who they are).
    async fn author_name(&self) -> &str {
        &self.0.author_name
    }
    /// Always true: only buyers who received the product review it.
    async fn verified_purchase(&self) -> bool {
        true
    }
    async fn status(&self) -> ReviewStatus {
        self.0.status()
    }
    /// Why an administrator hid it (its author, the cooperative and staff see it).
    async fn hidden_reason(&self) -> Option<&str> {
        self.0.hidden_reason.as_deref()
    }
    async fn reply(&self) -> Option<ReviewReply> {
        match (&self.0.reply_body, self.0.reply_at) {
            (Some(body), Some(at)) => Some(ReviewReply { body: body.clone(), created_at: DateTime(at) }),
            _ => None,
        }
    }
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// A review by global id, as `node(id:)` shows it.
pub async fn review_by_id(ctx: &Context<'_>, id: i64) -> Result<Option<ProductReview>> {
    let viewer = ctx.viewer().cloned();
    let row = ctx.db().run(move |conn| super::reviews::visible(conn, viewer.as_ref(), id)).await?;
    Ok(row.map(ProductReview))
}

#[cfg(test)]
mod shorten_tests {
    use super::shorten;

    #[test]
    fn descriptions_are_cut_at_a_word() {
        assert_eq!(shorten("Huile  pure\n d'argan", 160), "Huile pure d'argan");
        let long = "زيت أركان ".repeat(40);
        let cut = shorten(&long, 160);
        assert!(cut.chars().count() <= 160 && cut.ends_with('…') && !cut.contains("  "), "{cut}");
        assert!(cut.trim_end_matches('…').ends_with("أركان") || cut.trim_end_matches('…').ends_with("زيت"));
    }
}
