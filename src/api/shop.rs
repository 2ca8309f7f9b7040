//! `shop`: what the marketplace offers and accepts, so that a storefront learns its options
//! from the API instead of by failing: payment methods (card only when Stripe is configured),
//! currencies, languages, shipping rules and the limits every request is held to.

use async_graphql::{Context, Object, SimpleObject};

use super::SchemaLimits;
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::i18n::{Locale, TextDirection};
use crate::kernel::money::{CurrencyCode, Money};
use crate::orders::service::CommerceSettings;
use crate::payments::PaymentMethod;

/// A language the API answers in.
#[derive(SimpleObject)]
pub struct ShopLanguage {
    pub locale: Locale,
    /// How text in this language runs; localised fields say it too.
    pub direction: TextDirection,
    pub is_default: bool,
}

/// Each cooperative ships its part of an order: the rate applies per cooperative.
#[derive(SimpleObject)]
pub struct ShippingPolicy {
    /// The flat rate of a cooperative's part, unless the cooperative set its own.
    pub default_rate: Money,
    /// A cooperative's part ships free from this subtotal (null: never free by default).
    pub free_shipping_above: Option<Money>,
}

/// The limits every request is held to.
#[derive(SimpleObject)]
pub struct ShopLimits {
    /// Items per page when neither `first` nor `last` is given.
    pub default_page_size: i32,
    /// The most `first` or `last` may ask for.
    pub max_page_size: i32,
    pub max_line_quantity: i32,
    pub max_cart_lines: i32,
    /// How deep an operation may nest (introspection has its own, larger bound).
    pub max_query_depth: i32,
    pub max_query_complexity: i32,
}

/// The marketplace's offer and rules, as configured.
#[derive(SimpleObject)]
pub struct Shop {
    pub payment_methods: Vec<PaymentMethod>,
    pub currencies: Vec<CurrencyCode>,
    pub languages: Vec<ShopLanguage>,
    pub shipping: ShippingPolicy,
    pub limits: ShopLimits,
}

#[derive(Default)]
pub struct ShopQuery;

#[Object]
impl ShopQuery {
    /// What the marketplace offers: payment methods, currencies, languages, shipping, limits.
    async fn shop(&self, ctx: &Context<'_>) -> Shop {
        let commerce = ctx.data_unchecked::<CommerceSettings>();
        let limits = ctx.limits();
        let query = ctx.data_unchecked::<SchemaLimits>();
        let clamp = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
        let mut payment_methods = vec![PaymentMethod::CashOnDelivery];
        if commerce.card_enabled {
            payment_methods.push(PaymentMethod::Card);
        }
        Shop {
            payment_methods,
            currencies: vec![CurrencyCode::Mad],
            languages: Locale::ALL
                .iter()
                .map(|l| ShopLanguage { locale: *l, direction: l.direction(), is_default: *l == limits.default_locale })
                .collect(),
            shipping: ShippingPolicy {
                default_rate: Money::mad(commerce.default_shipping_minor),
                free_shipping_above: commerce.free_shipping_above_minor.map(Money::mad),
            },
            limits: ShopLimits {
                default_page_size: clamp(limits.default_page_size),
                max_page_size: clamp(limits.max_page_size),
                max_line_quantity: i32::try_from(commerce.max_line_quantity).unwrap_or(i32::MAX),
                max_cart_lines: clamp(commerce.max_cart_lines),
                max_query_depth: clamp(query.max_depth),
                max_query_complexity: clamp(query.max_complexity),
            },
        }
    }
}
