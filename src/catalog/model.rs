use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::kernel::db::cached::Stamp;
use crate::kernel::db::schema::{categories, product_labels, product_media, product_reviews, products, variants};
use crate::kernel::graphql::Date;
use crate::kernel::i18n::{Locale, Localized, LocalizedTextInput};
use crate::kernel::money::Decimal;

/// Whether a product is on sale (ACTIVE), being prepared (DRAFT) or withdrawn (ARCHIVED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}
crate::text_enum!(ProductStatus { Draft = "DRAFT", Active = "ACTIVE", Archived = "ARCHIVED" });

/// Quality signs of law 25-06 (IGP, AOP, Label Agricole) and organic production (law 39-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum LabelType {
    Igp,
    Aop,
    LabelAgricole,
    Organic,
}
crate::text_enum!(LabelType { Igp = "IGP", Aop = "AOP", LabelAgricole = "LABEL_AGRICOLE", Organic = "ORGANIC" });

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories)]
pub struct CategoryRow {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub slug: String,
    /// Materialised path of ids, `/3/17/`, so "this category and its descendants" is one prefix match.
    pub path: String,
    pub position: i32,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
}

impl CategoryRow {
    pub fn name(&self) -> Localized {
        Localized::new(self.name_ar.clone(), self.name_fr.clone(), self.name_en.clone(), self.name_zgh.clone())
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = categories)]
pub struct NewCategory {
    pub parent_id: Option<i64>,
    pub slug: String,
    pub path: String,
    pub position: i32,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
pub struct ProductRow {
    pub id: i64,
    pub cooperative_id: i64,
    pub category_id: Option<i64>,
    pub origin_region_id: Option<i64>,
    pub slug: String,
    pub status: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
    pub description_ar: Option<String>,
    pub description_fr: Option<String>,
    pub description_en: Option<String>,
    pub description_zgh: Option<String>,
    /// Lowest variant price, kept with the variants in the same transaction (listing sort and filter).
    pub min_price_minor: Option<i64>,
    /// Sum of the variants' stock, kept the same way (the in-stock filter).
    pub total_stock: i64,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
    /// Published reviews' count and sum of ratings, kept with the reviews in one transaction.
    pub rating_count: i64,
    pub rating_sum: i64,
    /// Their average in hundredths, null without any (the listing's rating sort).
    pub rating_average_centi: Option<i32>,
    /// Search-engine title and description per locale (`ProductSeo`), as JSON.
    pub seo_json: Option<String>,
}

/// What a product page tells search engines, per locale.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ProductSeo {
    #[serde(default)]
    pub title: Localized,
    #[serde(default)]
    pub description: Localized,
}

impl ProductRow {
    pub fn seo(&self) -> ProductSeo {
        self.seo_json.as_deref().and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
    }
    pub fn name(&self) -> Localized {
        Localized::new(self.name_ar.clone(), self.name_fr.clone(), self.name_en.clone(), self.name_zgh.clone())
    }
    pub fn description(&self) -> Localized {
        Localized::new(
            self.description_ar.clone(),
            self.description_fr.clone(),
            self.description_en.clone(),
            self.description_zgh.clone(),
        )
    }
    pub fn status(&self) -> ProductStatus {
        ProductStatus::parse(&self.status).unwrap_or(ProductStatus::Draft)
    }
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = products, treat_none_as_null = true)]
pub struct ProductFields {
    pub cooperative_id: i64,
    pub category_id: Option<i64>,
    pub origin_region_id: Option<i64>,
    pub slug: String,
    pub status: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
    pub description_ar: Option<String>,
    pub description_fr: Option<String>,
    pub description_en: Option<String>,
    pub description_zgh: Option<String>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = products)]
pub struct NewProduct {
    #[diesel(embed)]
    pub fields: ProductFields,
    pub total_stock: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = variants)]
pub struct VariantRow {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub options_json: String,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub currency: String,
    pub stock: i64,
    pub weight_grams: Option<i32>,
    pub position: i32,
    #[diesel(deserialize_as = Stamp)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = Stamp)]
    pub updated_at: NaiveDateTime,
}

impl VariantRow {
    pub fn options(&self) -> Vec<SelectedOption> {
        serde_json::from_str(&self.options_json).unwrap_or_default()
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, async_graphql::SimpleObject)]
pub struct SelectedOption {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = variants, treat_none_as_null = true)]
pub struct VariantFields {
    pub sku: String,
    pub options_json: String,
    pub price_minor: i64,
    pub compare_at_minor: Option<i64>,
    pub weight_grams: Option<i32>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = variants)]
pub struct NewVariant {
    pub product_id: i64,
    #[diesel(embed)]
    pub fields: VariantFields,
    pub currency: String,
    pub stock: i64,
    pub position: i32,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_media)]
pub struct MediaRow {
    pub id: i64,
    pub product_id: i64,
    pub url: String,
    pub alt_ar: Option<String>,
    pub alt_fr: Option<String>,
    pub alt_en: Option<String>,
    pub alt_zgh: Option<String>,
    pub position: i32,
    /// Uploaded images only: the size served, the upload's SHA-256, and the renditions.
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub image_key: Option<String>,
    pub renditions: Option<String>,
}

impl MediaRow {
    /// The WebP renditions' (width, height), smallest first (empty for media given by URL).
    pub fn rendition_sizes(&self) -> Vec<(u32, u32)> {
        self.renditions.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default()
    }
    pub fn alt(&self) -> Localized {
        Localized::new(self.alt_ar.clone(), self.alt_fr.clone(), self.alt_en.clone(), self.alt_zgh.clone())
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = product_media)]
pub struct NewMedia {
    pub product_id: i64,
    pub url: String,
    pub alt_ar: Option<String>,
    pub alt_fr: Option<String>,
    pub alt_en: Option<String>,
    pub alt_zgh: Option<String>,
    pub position: i32,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_labels)]
pub struct LabelRow {
    pub id: i64,
    pub product_id: i64,
    pub label_type: String,
    pub official_name: String,
    pub certifying_body: Option<String>,
    pub certificate_number: Option<String>,
    pub valid_until: Option<NaiveDate>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = product_labels)]
pub struct NewLabel {
    pub product_id: i64,
    pub label_type: String,
    pub official_name: String,
    pub certifying_body: Option<String>,
    pub certificate_number: Option<String>,
    pub valid_until: Option<NaiveDate>,
}

// ---- Inputs (shared by the GraphQL layer and the service that validates them) ----

#[derive(Debug, Clone, InputObject)]
pub struct SelectedOptionInput {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct VariantInput {
    pub sku: String,
    #[graphql(default)]
    pub options: Vec<SelectedOptionInput>,
    pub price: Decimal,
    pub compare_at_price: Option<Decimal>,
    pub stock: i32,
    pub weight_grams: Option<i32>,
}

#[derive(Debug, Clone, InputObject)]
pub struct MediaInput {
    pub url: String,
    #[graphql(default)]
    pub alt: Vec<LocalizedTextInput>,
}

#[derive(InputObject)]
pub struct ProductImageUploadInput {
    pub product_id: ID,
    /// JPEG, PNG or WebP, at most `TAAWUN_MAX_IMAGE_BYTES` and 50 megapixels.
    pub file: async_graphql::Upload,
    #[graphql(default)]
    pub alt: Vec<LocalizedTextInput>,
}

#[derive(Debug, Clone, InputObject)]
pub struct QualityLabelInput {
    #[graphql(name = "type")]
    pub label_type: LabelType,
    pub official_name: String,
    pub certifying_body: Option<String>,
    pub certificate_number: Option<String>,
    /// `YYYY-MM-DD`.
    pub valid_until: Option<Date>,
}

#[derive(Debug, Clone, InputObject)]
pub struct ProductCreateInput {
    /// Required for administrators; a manager's products always belong to their cooperative.
    pub cooperative_id: Option<ID>,
    pub slug: String,
    pub name: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    pub category_id: Option<ID>,
    /// Region code `01`–`12`; defaults to the cooperative's region.
    pub origin_region_code: Option<String>,
    #[graphql(default_with = "ProductStatus::Draft")]
    pub status: ProductStatus,
    pub variants: Vec<VariantInput>,
    #[graphql(default)]
    pub media: Vec<MediaInput>,
    #[graphql(default)]
    pub labels: Vec<QualityLabelInput>,
}

/// Absent fields stay as they are; `media` and `labels`, when given, replace the lists.
#[derive(Debug, Clone, InputObject)]
pub struct ProductUpdateInput {
    pub id: ID,
    pub slug: Option<String>,
    pub name: Option<Vec<LocalizedTextInput>>,
    pub description: Option<Vec<LocalizedTextInput>>,
    pub category_id: MaybeUndefined<ID>,
    pub origin_region_code: Option<String>,
    pub status: Option<ProductStatus>,
    pub media: Option<Vec<MediaInput>>,
    pub labels: Option<Vec<QualityLabelInput>>,
}

/// Replaces a product's search-engine texts (an empty list clears them).
#[derive(Debug, Clone, InputObject)]
pub struct ProductSeoUpdateInput {
    pub product_id: ID,
    /// At most 70 characters per locale.
    #[graphql(default)]
    pub title: Vec<LocalizedTextInput>,
    /// At most 160 characters per locale.
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
}

#[derive(Debug, Clone, InputObject)]
pub struct ProductArchiveInput {
    pub id: ID,
}

#[derive(Debug, Clone, InputObject)]
pub struct VariantCreateInput {
    pub product_id: ID,
    pub variant: VariantInput,
}

#[derive(Debug, Clone, InputObject)]
pub struct VariantUpdateInput {
    pub id: ID,
    pub sku: Option<String>,
    pub options: Option<Vec<SelectedOptionInput>>,
    pub price: Option<Decimal>,
    pub compare_at_price: MaybeUndefined<Decimal>,
    pub weight_grams: MaybeUndefined<i32>,
}

#[derive(Debug, Clone, InputObject)]
pub struct InventoryAdjustInput {
    pub variant_id: ID,
    /// Units to add (positive) or remove (negative); stock never goes below zero.
    pub delta: i32,
}

#[derive(Debug, Clone, InputObject)]
pub struct CategoryCreateInput {
    pub parent_id: Option<ID>,
    pub slug: String,
    pub name: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub position: i32,
}

#[derive(Debug, Clone, Default, InputObject)]
pub struct ProductFilterInput {
    /// Region code `01`–`12` (the product's origin region).
    pub region: Option<String>,
    /// Sector code, e.g. `argan` (the cooperative's sector).
    pub sector: Option<String>,
    /// A category and all its descendants.
    pub category: Option<ID>,
    pub cooperative: Option<ID>,
    pub label: Option<LabelType>,
    /// Lowest variant price at least this much.
    pub price_min: Option<Decimal>,
    /// Lowest variant price at most this much.
    pub price_max: Option<Decimal>,
    pub in_stock: Option<bool>,
}

/// The order of a product listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProductSortKey {
    /// Without a search text: newest first.
    Relevance,
    Newest,
    /// By the lowest variant price.
    Price,
    /// By the name in the request's locale.
    Name,
    /// By the average rating, best first (`reverse`: worst first); unrated products last.
    Rating,
}

/// A product with its variants, media and labels, written as given (bulk loads: the demo,
/// generated catalogues). The children's `product_id` is filled in when the product is written.
pub struct ProductBundle {
    pub product: NewProduct,
    pub variants: Vec<NewVariant>,
    pub media: Vec<NewMedia>,
    pub labels: Vec<NewLabel>,
}

// ---- listing queries (the filters of a listing, as the store runs them) ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductSort {
    Newest,
    Price,
    Name,
    Rating,
}

/// A product listing: filters already resolved to ids and minor units.
#[derive(Debug, Clone)]
pub struct ProductQuery {
    /// Only ACTIVE products of ACTIVE cooperatives.
    pub public_only: bool,
    pub statuses: Option<Vec<ProductStatus>>,
    pub cooperative_id: Option<i64>,
    pub region_id: Option<i64>,
    pub sector_id: Option<i64>,
    /// Path of a category: it and all its descendants.
    pub category_path: Option<String>,
    pub label: Option<LabelType>,
    pub price_min: Option<i64>,
    pub price_max: Option<i64>,
    pub in_stock: Option<bool>,
    pub sort: ProductSort,
    pub reverse: bool,
    pub locale: Locale,
}

// ---- reviews ----

/// Whether a review shows on its product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ReviewStatus {
    Published,
    /// Hidden by an administrator, with a reason; it no longer counts in the rating.
    Hidden,
}
crate::text_enum!(ReviewStatus { Published = "PUBLISHED", Hidden = "HIDDEN" });

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_reviews)]
pub struct ReviewRow {
    pub id: i64,
    pub product_id: i64,
    pub account_id: i64,
    pub rating: i32,
    pub title: Option<String>,
    pub body: String,
    pub author_name: String,
    pub status: String,
    pub hidden_reason: Option<String>,
    pub hidden_by: Option<i64>,
    pub hidden_at: Option<NaiveDateTime>,
    pub reply_body: Option<String>,
    pub reply_by: Option<i64>,
    pub reply_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

impl ReviewRow {
    pub fn status(&self) -> ReviewStatus {
        ReviewStatus::parse(&self.status).unwrap_or(ReviewStatus::Hidden)
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = product_reviews)]
pub struct NewReview<'a> {
    pub product_id: i64,
    pub account_id: i64,
    pub rating: i32,
    pub title: Option<&'a str>,
    pub body: &'a str,
    pub author_name: &'a str,
    pub status: &'a str,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, InputObject)]
pub struct ProductReviewCreateInput {
    pub product_id: ID,
    /// 1 to 5 stars.
    pub rating: i32,
    pub title: Option<String>,
    pub body: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct ProductReviewReplyInput {
    pub review_id: ID,
    pub body: String,
}

#[derive(Debug, Clone, InputObject)]
pub struct ProductReviewHideInput {
    pub review_id: ID,
    /// Why it is hidden (shown to its author and to staff).
    pub reason: String,
}

/// An uploaded image's media row.
#[derive(Debug, Insertable)]
#[diesel(table_name = product_media)]
pub struct NewUploadedMedia {
    pub product_id: i64,
    pub url: String,
    pub alt_ar: Option<String>,
    pub alt_fr: Option<String>,
    pub alt_en: Option<String>,
    pub alt_zgh: Option<String>,
    pub position: i32,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub image_key: Option<String>,
    pub renditions: Option<String>,
}
