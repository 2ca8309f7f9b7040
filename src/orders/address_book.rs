//! The buyer's address book: saved delivery addresses, one of them the default, that a
//! checkout can use instead of typing the address again.

use async_graphql::ID;

use super::model::{AddressInput, SavedAddressFields, SavedAddressInput, SavedAddressRow};
use super::service::check_address;
use super::store;
use crate::kernel::db::{DbConn, now, write_tx};
use crate::kernel::error::{AppError, Checks, ErrorCode};
use crate::kernel::graphql::ids;
use crate::kernel::validate::{is_valid_phone, normalize_phone};
use crate::kernel::viewer::Viewer;
use crate::msg;
use crate::path;

/// Addresses one account may keep: a household's, a shop's and a few relatives'.
pub const MAX_SAVED_ADDRESSES: i64 = 20;

fn not_found(field: &[&str]) -> AppError {
    AppError::user(ErrorCode::AddressNotFound, field, msg!("no saved address with this id"))
}

/// The caller's own address with this global id (another account's is not found either).
fn own_address(conn: &mut DbConn, viewer: &Viewer, id: &ID, field: &[&str]) -> Result<SavedAddressRow, AppError> {
    let raw = ids::decode(id, "SavedAddress")
        .ok_or_else(|| AppError::user(ErrorCode::InvalidId, field, msg!("is not a valid SavedAddress id")))?;
    store::saved_address(conn, raw)?.filter(|a| a.account_id == viewer.account_id).ok_or_else(|| not_found(field))
}

fn checked_fields(
    conn: &mut DbConn,
    label: Option<String>,
    address: &AddressInput,
    phone: Option<String>,
) -> Result<SavedAddressFields, AppError> {
    let mut checks = Checks::new();
    let label = label.map(|l| l.trim().to_string()).filter(|l| !l.is_empty());
    checks.check(
        label.as_ref().is_none_or(|l| l.chars().count() <= 60),
        path!["input", "label"],
        msg!("must be 1 to 60 characters"),
    );
    checks.check(
        label.as_ref().is_none_or(|l| !l.chars().any(char::is_control)),
        path!["input", "label"],
        msg!("must not contain control characters"),
    );
    let phone = phone.map(|p| normalize_phone(&p)).filter(|p| !p.is_empty());
    checks.check(
        phone.as_deref().is_none_or(is_valid_phone),
        path!["input", "phone"],
        msg!("must be a phone number such as +212612345678 or 0612345678"),
    );
    let region_id = check_address(conn, &mut checks, "address", address)?;
    checks.finish()?;
    let optional = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    Ok(SavedAddressFields {
        label,
        full_name: address.full_name.trim().to_string(),
        line1: address.line1.trim().to_string(),
        line2: optional(&address.line2),
        city: address.city.trim().to_string(),
        region_id: region_id.unwrap_or_default(),
        postal_code: optional(&address.postal_code),
        phone,
    })
}

/// Saves an address for the signed-in account; the first one becomes the default.
pub fn create(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    input: SavedAddressInput,
) -> Result<SavedAddressRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let make_default = input.is_default.unwrap_or(false);
    let fields = checked_fields(conn, input.label, &input.address, input.phone)?;
    write_tx(conn, |conn| add(conn, viewer.account_id, &fields, make_default))
}

/// Saves an address for an account inside the caller's transaction (demo data).
pub fn create_for(conn: &mut DbConn, account_id: i64, input: SavedAddressInput) -> Result<SavedAddressRow, AppError> {
    let make_default = input.is_default.unwrap_or(true);
    let fields = checked_fields(conn, input.label, &input.address, input.phone)?;
    add(conn, account_id, &fields, make_default)
}

fn add(
    conn: &mut DbConn,
    account_id: i64,
    fields: &SavedAddressFields,
    make_default: bool,
) -> Result<SavedAddressRow, AppError> {
    let count = store::count_saved_addresses(conn, account_id)?;
    if count >= MAX_SAVED_ADDRESSES {
        return Err(AppError::user(
            ErrorCode::AddressBookFull,
            &[],
            msg!("an address book holds at most {max} addresses", max = MAX_SAVED_ADDRESSES),
        ));
    }
    let id = store::insert_saved_address(conn, account_id, fields, now())?;
    if make_default || count == 0 {
        store::set_default_address(conn, account_id, id)?;
    }
    store::saved_address(conn, id)?.ok_or_else(|| AppError::internal("address vanished"))
}

/// Replaces a saved address's fields (and makes it the default when asked).
pub fn update(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: &ID,
    input: SavedAddressInput,
) -> Result<SavedAddressRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    let existing = own_address(conn, viewer, id, &["input", "id"])?;
    let make_default = input.is_default.unwrap_or(false);
    let fields = checked_fields(conn, input.label, &input.address, input.phone)?;
    write_tx(conn, |conn| {
        store::update_saved_address(conn, existing.id, &fields, now())?;
        if make_default {
            store::set_default_address(conn, viewer.account_id, existing.id)?;
        }
        store::saved_address(conn, existing.id)?.ok_or_else(|| not_found(&["input", "id"]))
    })
}

/// Deletes a saved address; when it was the default, the newest remaining one becomes it.
pub fn delete(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<ID, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    write_tx(conn, |conn| {
        let existing = own_address(conn, viewer, id, &["id"])?;
        store::delete_saved_address(conn, existing.id)?;
        if existing.is_default
            && let Some(next) = store::saved_addresses_of(conn, viewer.account_id)?.first()
        {
            store::set_default_address(conn, viewer.account_id, next.id)?;
        }
        Ok(id.clone())
    })
}

/// Makes one of the caller's addresses the default.
pub fn set_default(conn: &mut DbConn, viewer: Option<&Viewer>, id: &ID) -> Result<SavedAddressRow, AppError> {
    let viewer = viewer.ok_or(AppError::Unauthenticated)?;
    write_tx(conn, |conn| {
        let existing = own_address(conn, viewer, id, &["id"])?;
        store::set_default_address(conn, viewer.account_id, existing.id)?;
        store::saved_address(conn, existing.id)?.ok_or_else(|| not_found(&["id"]))
    })
}

/// A saved address by id, for its owner only (the `node` lookup).
pub fn visible(conn: &mut DbConn, viewer: Option<&Viewer>, id: i64) -> Result<Option<SavedAddressRow>, AppError> {
    let Some(viewer) = viewer else { return Ok(None) };
    Ok(store::saved_address(conn, id)?.filter(|a| a.account_id == viewer.account_id))
}

/// The address a checkout delivers to when it names a saved address: the buyer's own, with
/// its region's code, as if typed in.
pub fn for_checkout(
    conn: &mut DbConn,
    viewer: Option<&Viewer>,
    id: &ID,
) -> Result<(AddressInput, Option<String>), AppError> {
    let field: &[&str] = &["input", "savedAddressId"];
    let viewer = viewer.ok_or_else(|| not_found(field))?;
    let saved = own_address(conn, viewer, id, field)?;
    let region = crate::registry::service::find_region(conn, saved.region_id)?
        .ok_or_else(|| AppError::internal("saved address in an unknown region"))?;
    Ok((
        AddressInput {
            full_name: saved.full_name,
            line1: saved.line1,
            line2: saved.line2,
            city: saved.city,
            region_code: region.code,
            postal_code: saved.postal_code,
        },
        saved.phone,
    ))
}
