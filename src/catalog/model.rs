use async_graphql::{Enum, ID, InputObject, MaybeUndefined};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    categories, cooperatives, product_labels, product_media, products, regions, sectors, variants,
};
use crate::i18n::Localized;
use crate::money::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProductStatus {
    Draft,
    Active,
    Archived,
}
crate::text_enum!(ProductStatus { Draft = "DRAFT", Active = "ACTIVE", Archived = "ARCHIVED" });

/// The legal lifecycle of a cooperative in the register; only ACTIVE ones sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum CooperativeStatus {
    Active,
    NonCompliant,
    UnderControl,
    Dissolved,
    InLiquidation,
    StruckOff,
}
crate::text_enum!(CooperativeStatus {
    Active = "ACTIVE",
    NonCompliant = "NON_COMPLIANT",
    UnderControl = "UNDER_CONTROL",
    Dissolved = "DISSOLVED",
    InLiquidation = "IN_LIQUIDATION",
    StruckOff = "STRUCK_OFF",
});

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
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub id: i64,
    pub code: String,
    pub name_ar: String,
    pub name_fr: String,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
}

impl RegionRow {
    pub fn name(&self) -> Localized {
        Localized::new(
            Some(self.name_ar.clone()),
            Some(self.name_fr.clone()),
            self.name_en.clone(),
            self.name_zgh.clone(),
        )
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = regions)]
pub struct NewRegion<'a> {
    pub code: &'a str,
    pub name_ar: &'a str,
    pub name_fr: &'a str,
    pub name_en: Option<&'a str>,
    pub name_zgh: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sectors)]
pub struct SectorRow {
    pub id: i64,
    pub code: String,
    pub name_ar: String,
    pub name_fr: String,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
}

impl SectorRow {
    pub fn name(&self) -> Localized {
        Localized::new(
            Some(self.name_ar.clone()),
            Some(self.name_fr.clone()),
            self.name_en.clone(),
            self.name_zgh.clone(),
        )
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = sectors)]
pub struct NewSector<'a> {
    pub code: &'a str,
    pub name_ar: &'a str,
    pub name_fr: &'a str,
    pub name_en: Option<&'a str>,
    pub name_zgh: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cooperatives)]
pub struct CooperativeRow {
    pub id: i64,
    pub slug: String,
    pub registration_number: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
    pub description_ar: Option<String>,
    pub description_fr: Option<String>,
    pub description_en: Option<String>,
    pub description_zgh: Option<String>,
    pub region_id: i64,
    pub sector_id: i64,
    pub logo_url: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub is_women_cooperative: bool,
    pub is_youth_cooperative: bool,
    pub status: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The marketplace's commission in basis points; the configured default when absent.
    pub commission_rate_bps: Option<i32>,
}

impl CooperativeRow {
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
    pub fn status(&self) -> CooperativeStatus {
        CooperativeStatus::parse(&self.status).unwrap_or(CooperativeStatus::NonCompliant)
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = cooperatives, treat_none_as_null = true)]
pub struct CooperativeFields {
    pub slug: String,
    pub registration_number: String,
    pub name_ar: Option<String>,
    pub name_fr: Option<String>,
    pub name_en: Option<String>,
    pub name_zgh: Option<String>,
    pub description_ar: Option<String>,
    pub description_fr: Option<String>,
    pub description_en: Option<String>,
    pub description_zgh: Option<String>,
    pub region_id: i64,
    pub sector_id: i64,
    pub logo_url: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub is_women_cooperative: bool,
    pub is_youth_cooperative: bool,
    pub status: String,
    pub updated_at: NaiveDateTime,
    pub commission_rate_bps: Option<i32>,
}

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
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ProductRow {
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
    pub created_at: NaiveDateTime,
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
}

impl MediaRow {
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
pub struct LocalizedTextInput {
    /// `ar`, `fr`, `en` or `zgh`.
    pub locale: String,
    pub text: String,
}

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

#[derive(Debug, Clone, InputObject)]
pub struct QualityLabelInput {
    #[graphql(name = "type")]
    pub label_type: LabelType,
    pub official_name: String,
    pub certifying_body: Option<String>,
    pub certificate_number: Option<String>,
    /// `YYYY-MM-DD`.
    pub valid_until: Option<String>,
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
pub struct CooperativeCreateInput {
    pub slug: String,
    pub registration_number: String,
    pub name: Vec<LocalizedTextInput>,
    #[graphql(default)]
    pub description: Vec<LocalizedTextInput>,
    pub region_code: String,
    pub sector_code: String,
    pub logo_url: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    #[graphql(default)]
    pub is_women_cooperative: bool,
    #[graphql(default)]
    pub is_youth_cooperative: bool,
}

/// Managers may change the shop-facing fields; the status and identity are the administrators'.
#[derive(Debug, Clone, InputObject)]
pub struct CooperativeUpdateInput {
    pub id: ID,
    pub name: Option<Vec<LocalizedTextInput>>,
    pub description: Option<Vec<LocalizedTextInput>>,
    pub logo_url: MaybeUndefined<String>,
    pub contact_email: MaybeUndefined<String>,
    pub contact_phone: MaybeUndefined<String>,
    pub is_women_cooperative: Option<bool>,
    pub is_youth_cooperative: Option<bool>,
    /// Administrators only.
    pub status: Option<CooperativeStatus>,
    /// Administrators only: the marketplace's commission in basis points (1000 = 10%); null for the default.
    pub commission_rate_bps: MaybeUndefined<i32>,
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

#[derive(Debug, Clone, Default, InputObject)]
pub struct CooperativeFilterInput {
    pub region: Option<String>,
    pub sector: Option<String>,
    pub is_women_cooperative: Option<bool>,
    pub is_youth_cooperative: Option<bool>,
    /// Staff only; everyone else sees ACTIVE cooperatives.
    pub status: Option<CooperativeStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
pub enum ProductSortKey {
    /// Without a search text: newest first.
    Relevance,
    Newest,
    /// By the lowest variant price.
    Price,
    /// By the name in the request's locale.
    Name,
}
