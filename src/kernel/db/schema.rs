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
        commission_rate_bps -> Nullable<Integer>,
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
    catalogue_version (shard) {
        shard -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    catalogue_count_version (shard) {
        shard -> Integer,
        version -> BigInt,
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
        rating_count -> BigInt,
        rating_sum -> BigInt,
        rating_average_centi -> Nullable<Integer>,
        seo_json -> Nullable<Text>,
        listed -> Bool,
    }
}

diesel::table! {
    product_reviews (id) {
        id -> BigInt,
        product_id -> BigInt,
        account_id -> BigInt,
        rating -> Integer,
        title -> Nullable<Text>,
        body -> Text,
        author_name -> Text,
        status -> Text,
        hidden_reason -> Nullable<Text>,
        hidden_by -> Nullable<BigInt>,
        hidden_at -> Nullable<Timestamp>,
        reply_body -> Nullable<Text>,
        reply_by -> Nullable<BigInt>,
        reply_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
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
        width -> Nullable<Integer>,
        height -> Nullable<Integer>,
        image_key -> Nullable<Text>,
        renditions -> Nullable<Text>,
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
        region_id -> Nullable<BigInt>,
        email_verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> BigInt,
        owner_account_id -> BigInt,
        cooperative_id -> Nullable<BigInt>,
        url -> Text,
        events -> Text,
        secret -> Text,
        status -> Text,
        failing_since -> Nullable<Timestamp>,
        disabled_reason -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> BigInt,
        subscription_id -> BigInt,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        last_status_code -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> BigInt,
        delivery_id -> BigInt,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    storefront_apps (id) {
        id -> BigInt,
        name -> Text,
        key_hash -> Text,
        key_prefix -> Text,
        previous_key_hash -> Nullable<Text>,
        previous_key_expires_at -> Nullable<Timestamp>,
        allowed_origins -> Text,
        scopes -> Text,
        rate_limit_per_minute -> Integer,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    account_tokens (id) {
        id -> BigInt,
        account_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    saved_addresses (id) {
        id -> BigInt,
        account_id -> BigInt,
        label -> Nullable<Text>,
        full_name -> Text,
        line1 -> Text,
        line2 -> Nullable<Text>,
        city -> Text,
        region_id -> BigInt,
        postal_code -> Nullable<Text>,
        phone -> Nullable<Text>,
        is_default -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    server_instances (data_dir) {
        data_dir -> Text,
        engine -> Text,
        started_at -> Timestamp,
        heartbeat_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (throttle_key) {
        throttle_key -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
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

diesel::table! {
    shipping_rates (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        region_id -> Nullable<BigInt>,
        rate_minor -> BigInt,
        free_above_minor -> Nullable<BigInt>,
    }
}

diesel::table! {
    carts (id) {
        id -> BigInt,
        token -> Text,
        account_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cart_lines (id) {
        id -> BigInt,
        cart_id -> BigInt,
        variant_id -> BigInt,
        quantity -> BigInt,
        unit_price_minor -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> BigInt,
        number -> Text,
        idempotency_key -> Text,
        cart_id -> BigInt,
        account_id -> Nullable<BigInt>,
        email -> Text,
        phone -> Text,
        locale -> Text,
        status -> Text,
        payment_method -> Text,
        payment_status -> Text,
        payment_reference -> Nullable<Text>,
        payment_client_secret -> Nullable<Text>,
        currency -> Text,
        subtotal_minor -> BigInt,
        shipping_minor -> BigInt,
        total_minor -> BigInt,
        refunded_minor -> BigInt,
        ship_full_name -> Text,
        ship_line1 -> Text,
        ship_line2 -> Nullable<Text>,
        ship_city -> Text,
        ship_region_id -> BigInt,
        ship_postal_code -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        lookup_key -> Text,
        discount_minor -> BigInt,
    }
}

diesel::table! {
    fulfilments (id) {
        id -> BigInt,
        order_id -> BigInt,
        cooperative_id -> BigInt,
        status -> Text,
        subtotal_minor -> BigInt,
        shipping_minor -> BigInt,
        commission_rate_bps -> Integer,
        commission_minor -> BigInt,
        net_minor -> BigInt,
        refunded_minor -> BigInt,
        cash_collected -> Bool,
        carrier -> Nullable<Text>,
        tracking_number -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        discount_minor -> BigInt,
        marketplace_discount_minor -> BigInt,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    order_lines (id) {
        id -> BigInt,
        order_id -> BigInt,
        fulfilment_id -> BigInt,
        variant_id -> BigInt,
        product_id -> BigInt,
        cooperative_id -> BigInt,
        product_name -> Text,
        sku -> Text,
        unit_price_minor -> BigInt,
        quantity -> BigInt,
        line_total_minor -> BigInt,
        discount_minor -> BigInt,
        marketplace_discount_minor -> BigInt,
    }
}

diesel::table! {
    promotions (id) {
        id -> BigInt,
        code -> Nullable<Text>,
        title -> Text,
        kind -> Text,
        value -> BigInt,
        scope -> Text,
        cooperative_id -> Nullable<BigInt>,
        category_id -> Nullable<BigInt>,
        min_subtotal_minor -> Nullable<BigInt>,
        starts_at -> Timestamp,
        ends_at -> Nullable<Timestamp>,
        usage_limit -> Nullable<BigInt>,
        per_customer_limit -> Nullable<BigInt>,
        used_count -> BigInt,
        funded_by -> Text,
        active -> Bool,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    promotion_products (promotion_id, product_id) {
        promotion_id -> BigInt,
        product_id -> BigInt,
    }
}

diesel::table! {
    cart_discount_codes (cart_id, promotion_id) {
        cart_id -> BigInt,
        promotion_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    promotion_redemptions (id) {
        id -> BigInt,
        promotion_id -> BigInt,
        order_id -> BigInt,
        customer_key -> Text,
        amount_minor -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    return_requests (id) {
        id -> BigInt,
        order_id -> BigInt,
        fulfilment_id -> BigInt,
        cooperative_id -> BigInt,
        requested_by -> BigInt,
        status -> Text,
        reason -> Text,
        comment -> Nullable<Text>,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        refund_minor -> BigInt,
        refund_reference -> Nullable<Text>,
        restocked -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        refunded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    return_lines (return_id, order_line_id) {
        return_id -> BigInt,
        order_line_id -> BigInt,
        quantity -> BigInt,
        refund_minor -> BigInt,
    }
}

diesel::table! {
    order_events (id) {
        id -> BigInt,
        order_id -> BigInt,
        fulfilment_id -> Nullable<BigInt>,
        actor_account_id -> Nullable<BigInt>,
        actor -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    ledger_entries (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        order_id -> Nullable<BigInt>,
        fulfilment_id -> Nullable<BigInt>,
        kind -> Text,
        amount_minor -> BigInt,
        reference -> Nullable<Text>,
        recorded_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refunds (id) {
        id -> BigInt,
        order_id -> BigInt,
        fulfilment_id -> Nullable<BigInt>,
        amount_minor -> BigInt,
        provider_reference -> Nullable<Text>,
        status -> Text,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    payment_events (id) {
        id -> BigInt,
        provider -> Text,
        event_id -> Text,
        event_type -> Text,
        order_id -> Nullable<BigInt>,
        received_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    register_entries (cooperative_id) {
        cooperative_id -> BigInt,
        legal_form -> Text,
        province -> Nullable<Text>,
        registration_date -> Date,
        registration_year -> Integer,
        dissolved_on -> Nullable<Date>,
        name_folded -> Text,
        name_keys -> Text,
        status_changed_at -> Timestamp,
    }
}

diesel::table! {
    registry_version (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    cooperative_status_changes (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        reason -> Text,
        actor_account_id -> Nullable<BigInt>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    registration_sequences (region_id, year) {
        region_id -> BigInt,
        year -> Integer,
        last_value -> BigInt,
    }
}

diesel::table! {
    registration_applications (id) {
        id -> BigInt,
        applicant_account_id -> BigInt,
        status -> Text,
        legal_form -> Text,
        name_ar -> Nullable<Text>,
        name_fr -> Nullable<Text>,
        name_folded -> Text,
        name_keys -> Text,
        region_id -> BigInt,
        province -> Nullable<Text>,
        sector_id -> BigInt,
        address -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        share_value_minor -> BigInt,
        registration_number -> Nullable<Text>,
        cooperative_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        project_application_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    registration_application_events (id) {
        id -> BigInt,
        application_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_account_id -> BigInt,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    registration_founders (id) {
        id -> BigInt,
        application_id -> BigInt,
        position -> Integer,
        kind -> Text,
        full_name -> Text,
        national_id -> Nullable<Text>,
        gender -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        phone -> Nullable<Text>,
        legal_registration_number -> Nullable<Text>,
        role -> Text,
        shares_subscribed -> BigInt,
        paid_minor -> BigInt,
    }
}

diesel::table! {
    members (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        kind -> Text,
        full_name -> Text,
        national_id -> Nullable<Text>,
        gender -> Nullable<Text>,
        birth_date -> Nullable<Date>,
        phone -> Nullable<Text>,
        legal_registration_number -> Nullable<Text>,
        role -> Text,
        is_employee -> Bool,
        shares -> BigInt,
        joined_on -> Date,
        left_on -> Nullable<Date>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    personal_data_reads (id) {
        id -> BigInt,
        account_id -> BigInt,
        cooperative_id -> Nullable<BigInt>,
        application_id -> Nullable<BigInt>,
        fields -> Text,
        member_count -> Integer,
        read_at -> Timestamp,
        project_application_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    annual_filings (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        fiscal_year -> Integer,
        assembly_date -> Date,
        filed_on -> Date,
        turnover_minor -> BigInt,
        result_minor -> BigInt,
        equity_minor -> BigInt,
        debts_minor -> BigInt,
        members_at_year_end -> Integer,
        employees_at_year_end -> Integer,
        submitted_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    registry_documents (id) {
        id -> BigInt,
        application_id -> Nullable<BigInt>,
        filing_id -> Nullable<BigInt>,
        document_type -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> BigInt,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    academy_courses (id) {
        id -> BigInt,
        code -> Text,
        title -> Text,
        summary -> Text,
        sector_id -> Nullable<BigInt>,
        level -> Text,
        languages -> Text,
        hours -> Integer,
        status -> Text,
        draft -> Text,
        published_version -> Nullable<Integer>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    academy_course_versions (id) {
        id -> BigInt,
        course_id -> BigInt,
        version -> Integer,
        content -> Text,
        published_by -> BigInt,
        published_at -> Timestamp,
    }
}

diesel::table! {
    academy_modules (id) {
        id -> BigInt,
        course_id -> BigInt,
    }
}

diesel::table! {
    academy_activities (id) {
        id -> BigInt,
        course_id -> BigInt,
    }
}

diesel::table! {
    academy_paths (id) {
        id -> BigInt,
        code -> Text,
        title -> Text,
        summary -> Text,
        sector_id -> Nullable<BigInt>,
        level -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    academy_path_courses (path_id, course_id) {
        path_id -> BigInt,
        course_id -> BigInt,
        position -> Integer,
    }
}

diesel::table! {
    academy_enrollments (id) {
        id -> BigInt,
        account_id -> BigInt,
        course_id -> BigInt,
        version_id -> BigInt,
        cooperative_id -> Nullable<BigInt>,
        enrolled_by -> BigInt,
        created_at -> Timestamp,
        completed_activities -> Integer,
        required_activities -> Integer,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    academy_path_enrollments (id) {
        id -> BigInt,
        account_id -> BigInt,
        path_id -> BigInt,
        cooperative_id -> Nullable<BigInt>,
        enrolled_by -> BigInt,
        created_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    academy_events (id) {
        id -> BigInt,
        event_id -> Text,
        enrollment_id -> BigInt,
        activity_id -> BigInt,
        verb -> Text,
        score_bp -> Nullable<Integer>,
        success -> Nullable<Bool>,
        completion -> Nullable<Bool>,
        duration_ms -> Nullable<BigInt>,
        occurred_at -> Timestamp,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    academy_activity_progress (enrollment_id, activity_id) {
        enrollment_id -> BigInt,
        activity_id -> BigInt,
        status -> Text,
        score_bp -> Nullable<Integer>,
        attempts -> Integer,
        completed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    academy_quiz_attempts (id) {
        id -> BigInt,
        attempt_key -> Text,
        enrollment_id -> BigInt,
        activity_id -> BigInt,
        layout -> Text,
        started_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
        answers -> Nullable<Text>,
        score_bp -> Nullable<Integer>,
        passed -> Nullable<Bool>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    academy_certificates (id) {
        id -> BigInt,
        code -> Text,
        account_id -> BigInt,
        course_id -> Nullable<BigInt>,
        path_id -> Nullable<BigInt>,
        holder_name -> Text,
        title -> Text,
        hours -> Integer,
        result_bp -> Nullable<Integer>,
        issued_at -> Timestamp,
        status -> Text,
        revoked_reason -> Nullable<Text>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<BigInt>,
        credential -> Text,
    }
}

diesel::table! {
    provinces (id) {
        id -> BigInt,
        code -> Text,
        region_id -> BigInt,
        kind -> Text,
        name_fr -> Text,
        name_ar -> Text,
    }
}

diesel::table! {
    funding_programmes (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        summary -> Text,
        instrument -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_ideas (id) {
        id -> BigInt,
        code -> Text,
        title -> Text,
        summary -> Text,
        description -> Text,
        sector_id -> BigInt,
        value_chain -> Text,
        region_id -> BigInt,
        province_id -> Nullable<BigInt>,
        rationale -> Text,
        target_groups -> Text,
        legal_forms -> Text,
        funding_instruments -> Text,
        min_members -> Integer,
        investment_min_minor -> BigInt,
        investment_max_minor -> BigInt,
        expected_jobs -> Integer,
        expected_turnover_minor -> BigInt,
        feasibility -> Text,
        requirements -> Text,
        source -> Text,
        source_detail -> Nullable<Text>,
        status -> Text,
        version -> Integer,
        submitted_by -> Nullable<BigInt>,
        published_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_idea_courses (idea_id, course_id) {
        idea_id -> BigInt,
        course_id -> BigInt,
    }
}

diesel::table! {
    project_idea_paths (idea_id, path_id) {
        idea_id -> BigInt,
        path_id -> BigInt,
    }
}

diesel::table! {
    project_calls (id) {
        id -> BigInt,
        code -> Text,
        programme_id -> BigInt,
        title -> Text,
        summary -> Text,
        opens_at -> Timestamp,
        closes_at -> Timestamp,
        status -> Text,
        rules -> Text,
        quotas -> Text,
        criteria -> Text,
        budget_minor -> BigInt,
        max_award_minor -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_call_reviewers (call_id, account_id) {
        call_id -> BigInt,
        account_id -> BigInt,
    }
}

diesel::table! {
    project_applications (id) {
        id -> BigInt,
        reference -> Text,
        call_id -> BigInt,
        idea_id -> Nullable<BigInt>,
        applicant_key -> Text,
        applicant_account_id -> Nullable<BigInt>,
        filed_by -> BigInt,
        channel -> Text,
        assisted -> Bool,
        kind -> Text,
        cooperative_id -> Nullable<BigInt>,
        region_id -> BigInt,
        province_id -> Nullable<BigInt>,
        sector_id -> BigInt,
        legal_form -> Text,
        title -> Text,
        summary -> Text,
        requested_minor -> BigInt,
        locale -> Text,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        team_size -> Integer,
        women_count -> Integer,
        lead_gender -> Text,
        lead_birth_year -> Integer,
        stage -> Text,
        eligibility -> Nullable<Text>,
        score_bp -> Nullable<Integer>,
        registration_application_id -> Nullable<BigInt>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    project_application_members (id) {
        id -> BigInt,
        application_id -> BigInt,
        position -> Integer,
        full_name -> Text,
        national_id -> Text,
        gender -> Text,
        birth_date -> Date,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        account_id -> Nullable<BigInt>,
        neet -> Bool,
        graduate -> Bool,
        rural -> Bool,
    }
}

diesel::table! {
    project_application_events (id) {
        id -> BigInt,
        application_id -> BigInt,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        actor_account_id -> Nullable<BigInt>,
        reason -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_application_reviews (id) {
        id -> BigInt,
        application_id -> BigInt,
        reviewer_account_id -> BigInt,
        scores -> Text,
        total_bp -> Integer,
        comment -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    project_saved_searches (id) {
        id -> BigInt,
        account_id -> BigInt,
        name -> Text,
        query -> Text,
        filter -> Text,
        alerts -> Bool,
        locale -> Text,
        unsubscribe_hash -> Text,
        last_alerted_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scoring_models (id) {
        id -> BigInt,
        version -> Integer,
        status -> Text,
        definition -> Text,
        note -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scoring_model_events (id) {
        id -> BigInt,
        model_id -> BigInt,
        action -> Text,
        actor_account_id -> Nullable<BigInt>,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    scoring_runs (id) {
        id -> BigInt,
        model_id -> BigInt,
        as_of -> Date,
        origin -> Text,
        actor_account_id -> Nullable<BigInt>,
        started_at -> Timestamp,
        finished_at -> Timestamp,
        cooperatives -> Integer,
        duration_ms -> BigInt,
    }
}

diesel::table! {
    cooperative_scores (run_id, cooperative_id) {
        run_id -> BigInt,
        cooperative_id -> BigInt,
        region_id -> BigInt,
        sector_id -> BigInt,
        total_cp -> Nullable<Integer>,
        grade -> Nullable<Text>,
        missing_bp -> Integer,
        likelihood_bp -> Integer,
        severity_bp -> Integer,
        risk_bp -> Integer,
        reasons -> Text,
        breakdown -> Text,
    }
}

diesel::table! {
    controls (id) {
        id -> BigInt,
        cooperative_id -> BigInt,
        kind -> Text,
        status -> Text,
        trigger_event -> Nullable<Text>,
        reason -> Text,
        planned_for -> Date,
        assigned_to -> Nullable<BigInt>,
        follows_finding_id -> Nullable<BigInt>,
        held_on -> Nullable<Date>,
        outcome -> Nullable<Text>,
        outcome_note -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    control_events (id) {
        id -> BigInt,
        control_id -> BigInt,
        action -> Text,
        actor_account_id -> Nullable<BigInt>,
        reason -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    control_findings (id) {
        id -> BigInt,
        control_id -> BigInt,
        cooperative_id -> BigInt,
        category -> Text,
        severity -> Text,
        description -> Text,
        corrective_action -> Text,
        deadline -> Date,
        status -> Text,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<BigInt>,
        resolution_note -> Nullable<Text>,
        follow_up_control_id -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(access_tokens -> accounts (account_id));
diesel::joinable!(academy_path_courses -> academy_courses (course_id));
diesel::joinable!(academy_enrollments -> academy_course_versions (version_id));
diesel::joinable!(academy_enrollments -> accounts (account_id));
diesel::joinable!(academy_enrollments -> cooperatives (cooperative_id));
diesel::joinable!(accounts -> cooperatives (cooperative_id));
diesel::joinable!(cooperatives -> regions (region_id));
diesel::joinable!(cooperatives -> sectors (sector_id));
diesel::joinable!(products -> cooperatives (cooperative_id));
diesel::joinable!(products -> categories (category_id));
diesel::joinable!(products -> regions (origin_region_id));
diesel::joinable!(variants -> products (product_id));
diesel::joinable!(product_media -> products (product_id));
diesel::joinable!(product_labels -> products (product_id));

diesel::joinable!(cart_lines -> carts (cart_id));
diesel::joinable!(cart_lines -> variants (variant_id));
diesel::joinable!(order_lines -> orders (order_id));
diesel::joinable!(fulfilments -> orders (order_id));

diesel::joinable!(register_entries -> cooperatives (cooperative_id));
diesel::joinable!(members -> cooperatives (cooperative_id));
diesel::joinable!(annual_filings -> cooperatives (cooperative_id));

diesel::allow_tables_to_appear_in_same_query!(
    storefront_apps,
    webhook_subscriptions,
    webhook_deliveries,
    webhook_attempts,
    product_reviews,
    account_tokens,
    saved_addresses,
    scoring_models,
    scoring_model_events,
    scoring_runs,
    cooperative_scores,
    controls,
    control_events,
    control_findings,
    provinces,
    funding_programmes,
    project_ideas,
    project_idea_courses,
    project_idea_paths,
    project_calls,
    project_call_reviewers,
    project_applications,
    project_application_members,
    project_application_events,
    project_application_reviews,
    project_saved_searches,
    academy_courses,
    academy_course_versions,
    academy_paths,
    academy_path_courses,
    academy_enrollments,
    academy_path_enrollments,
    academy_events,
    academy_activity_progress,
    academy_certificates,
    academy_quiz_attempts,
    regions,
    sectors,
    cooperatives,
    catalogue_count_version,
    catalogue_version,
    categories,
    products,
    variants,
    product_media,
    product_labels,
    accounts,
    access_tokens,
    shipping_rates,
    carts,
    cart_lines,
    orders,
    fulfilments,
    order_lines,
    promotions,
    promotion_products,
    cart_discount_codes,
    promotion_redemptions,
    return_requests,
    return_lines,
    order_events,
    ledger_entries,
    refunds,
    payment_events,
    outbox,
    register_entries,
    registry_version,
    cooperative_status_changes,
    registration_sequences,
    registration_applications,
    registration_application_events,
    registration_founders,
    members,
    personal_data_reads,
    annual_filings,
    registry_documents,
);
