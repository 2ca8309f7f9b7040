//! The Relay `Node` interface and `node(id:)` / `nodes(ids:)`: any object by its global id,
//! with the same visibility rules as the field that would show it.

use async_graphql::{Context, ID, Interface, Object, Result};

use crate::catalog::graphql::{Category, Cooperative, Product, Variant, visible_product};
use crate::catalog::loaders::{CatalogLoader, CategoryKey, ProductKey, VariantKey};
use crate::kernel::error::AppError;
use crate::kernel::graphql::context::CtxExt;
use crate::kernel::graphql::{ids, loader_error};
use crate::registry::graphql::{Region, Sector};
use crate::registry::loaders::{CooperativeKey, RegionKey, RegistryLoader, SectorKey};

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Product(Product),
    Variant(Variant),
    Cooperative(Cooperative),
    Category(Category),
    Region(Region),
    Sector(Sector),
}

#[derive(Default)]
pub struct NodeQuery;

async fn load_node(ctx: &Context<'_>, id: &ID) -> Result<Option<Node>> {
    let Some((type_name, raw)) = ids::decode_any(id) else { return Ok(None) };
    let loader = ctx.loader::<CatalogLoader>();
    let registry = ctx.loader::<RegistryLoader>();
    Ok(match type_name.as_str() {
        "Product" => {
            let row = loader.load_one(ProductKey(raw)).await.map_err(loader_error)?;
            visible_product(ctx, row).await?.map(Node::Product)
        }
        "Variant" => {
            let Some(variant) = loader.load_one(VariantKey(raw)).await.map_err(loader_error)? else {
                return Ok(None);
            };
            let product = loader.load_one(ProductKey(variant.product_id)).await.map_err(loader_error)?;
            visible_product(ctx, product).await?.map(|_| Node::Variant(Variant(variant)))
        }
        "Cooperative" => registry
            .load_one(CooperativeKey(raw))
            .await
            .map_err(loader_error)?
            .map(|r| Node::Cooperative(Cooperative(r))),
        "Category" => {
            loader.load_one(CategoryKey(raw)).await.map_err(loader_error)?.map(|r| Node::Category(Category(r)))
        }
        "Region" => registry.load_one(RegionKey(raw)).await.map_err(loader_error)?.map(|r| Node::Region(Region(r))),
        "Sector" => registry.load_one(SectorKey(raw)).await.map_err(loader_error)?.map(|r| Node::Sector(Sector(r))),
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
            return Err(AppError::bad_input(&["ids"], format!("at most {} ids", ctx.limits().max_page_size)).into());
        }
        let lookups = ids.iter().map(|id| load_node(ctx, id));
        futures_util::future::try_join_all(lookups).await
    }
}
