// Written by hand from migrations/*/…/up.sql: only the column types both backends share.

diesel::table! {
    regions (id) {
        id -> BigInt,
        code -> Text,
        name_ar -> Text,
        name_fr -> Text,
        name_en -> Nullable<Text>,
        name_zgh -> Nullable<Text>,
    }
}

diesel::table! {
    sectors (id) {
        id -> BigInt,
        code -> Text,
        name_ar -> Text,
        name_fr -> Text,
        name_en -> Nullable<Text>,
        name_zgh -> Nullable<Text>,
    }
}

diesel::table! {
    cooperatives (id) {
        id -> BigInt,
        slug -> Text,
        registration_number -> Text,
        name_ar -> Nullable<Text>,
        name_fr -> Nullable<Text>,
        name_en -> Nullable<Text>,
        name_zgh -> Nullable<Text>,
        description_ar -> Nullable<Text>,
        description_fr -> Nullable<Text>,
        description_en -> Nullable<Text>,
        description_zgh -> Nullable<Text>,
        region_id -> BigInt,
        sector_id -> BigInt,
        logo_url -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        is_women_cooperative -> Bool,
        is_youth_cooperative -> Bool,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        parent_id -> Nullable<BigInt>,
        slug -> Text,
        path -> Text,
        position -> Integer,
        name_ar -> Nullable<Text>,
        name_fr -> Nullable<Text>,
        name_en -> Nullable<Text>,
        name_zgh -> Nullable<Text>,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        category_id -> Nullable<BigInt>,
        origin_region_id -> Nullable<BigInt>,
        slug -> Text,
        status -> Text,
        name_ar -> Nullable<Text>,
        name_fr -> Nullable<Text>,
        name_en -> Nullable<Text>,
        name_zgh -> Nullable<Text>,
        description_ar -> Nullable<Text>,
        description_fr -> Nullable<Text>,
        description_en -> Nullable<Text>,
        description_zgh -> Nullable<Text>,
        min_price_minor -> Nullable<BigInt>,
        total_stock -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    variants (id) {
        id -> BigInt,
        product_id -> BigInt,
        sku -> Text,
        options_json -> Text,
        price_minor -> BigInt,
        compare_at_minor -> Nullable<BigInt>,
        currency -> Text,
        stock -> BigInt,
        weight_grams -> Nullable<Integer>,
        position -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    product_media (id) {
        id -> BigInt,
        product_id -> BigInt,
        url -> Text,
        alt_ar -> Nullable<Text>,
        alt_fr -> Nullable<Text>,
        alt_en -> Nullable<Text>,
        alt_zgh -> Nullable<Text>,
        position -> Integer,
    }
}

diesel::table! {
    product_labels (id) {
        id -> BigInt,
        product_id -> BigInt,
        label_type -> Text,
        official_name -> Text,
        certifying_body -> Nullable<Text>,
        certificate_number -> Nullable<Text>,
        valid_until -> Nullable<Date>,
    }
}

diesel::table! {
    accounts (id) {
        id -> BigInt,
        email -> Text,
        password_hash -> Text,
        full_name -> Text,
        role -> Text,
        cooperative_id -> Nullable<BigInt>,
        locale -> Text,
        disabled -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    access_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(access_tokens -> accounts (account_id));
diesel::joinable!(accounts -> cooperatives (cooperative_id));
diesel::joinable!(cooperatives -> regions (region_id));
diesel::joinable!(cooperatives -> sectors (sector_id));
diesel::joinable!(products -> cooperatives (cooperative_id));
diesel::joinable!(products -> categories (category_id));
diesel::joinable!(products -> regions (origin_region_id));
diesel::joinable!(variants -> products (product_id));
diesel::joinable!(product_media -> products (product_id));
diesel::joinable!(product_labels -> products (product_id));

diesel::allow_tables_to_appear_in_same_query!(
    regions,
    sectors,
    cooperatives,
    categories,
    products,
    variants,
    product_media,
    product_labels,
    accounts,
    access_tokens,
);
