-- The project bank: the provinces and prefectures as reference data, funding programmes and
-- their calls (eligibility rules, quotas and the scoring rubric as data), project ideas, the
-- applications with their team, append-only history and reviews, and saved searches.

-- The 75 provinces and prefectures of the 2015 division (décret n° 2-15-40 of 20 February 2015,
-- Bulletin officiel n° 6340). French names as in the decree; Arabic names in the form the
-- Interior ministry's announcement and the HCP's regional pages use (for instance
-- https://www.hcp.ma/region-fes/), checked against Arabic Wikipedia's «التقسيم الإداري في المغرب»
-- (https://ar.wikipedia.org/wiki/التقسيم_الإداري_في_المغرب). Where spellings differ (أنجاد for
-- أنكاد, فكيك for فجيج, أيت for آيت) the decree's Arabic text is the authority; the variants are
-- search synonyms, not names.
CREATE TABLE provinces (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    -- PREFECTURE (urban, عمالة) or PROVINCE (إقليم).
    kind TEXT NOT NULL,
    name_fr TEXT NOT NULL,
    name_ar TEXT NOT NULL
);
CREATE INDEX provinces_region_idx ON provinces (region_id);

INSERT INTO provinces (code, region_id, kind, name_fr, name_ar) VALUES
    ('tanger-assilah', (SELECT id FROM regions WHERE code = '01'), 'PREFECTURE', 'Tanger-Assilah', 'طنجة أصيلة'),
    ('mdiq-fnideq', (SELECT id FROM regions WHERE code = '01'), 'PREFECTURE', 'M''diq-Fnideq', 'المضيق الفنيدق'),
    ('tetouan', (SELECT id FROM regions WHERE code = '01'), 'PROVINCE', 'Tétouan', 'تطوان'),
    ('fahs-anjra', (SELECT id FROM regions WHERE code = '01'), 'PROVINCE', 'Fahs-Anjra', 'الفحص أنجرة'),
    ('larache', (SELECT id FROM regions WHERE code = '01'), 'PROVINCE', 'Larache', 'العرائش'),
    ('al-hoceima', (SELECT id FROM regions WHERE code = '01'), 'PROVINCE', 'Al Hoceïma', 'الحسيمة'),
    ('chefchaouen', (SELECT id FROM regions WHERE code = '01'), 'PROVINCE', 'Chefchaouen', 'شفشاون'),
    ('ouezzane', (SELECT id FROM regions WHERE code = '01'), 'PROVINCE', 'Ouezzane', 'وزان'),
    ('oujda-angad', (SELECT id FROM regions WHERE code = '02'), 'PREFECTURE', 'Oujda-Angad', 'وجدة أنكاد'),
    ('nador', (SELECT id FROM regions WHERE code = '02'), 'PROVINCE', 'Nador', 'الناظور'),
    ('driouch', (SELECT id FROM regions WHERE code = '02'), 'PROVINCE', 'Driouch', 'الدريوش'),
    ('jerada', (SELECT id FROM regions WHERE code = '02'), 'PROVINCE', 'Jerada', 'جرادة'),
    ('berkane', (SELECT id FROM regions WHERE code = '02'), 'PROVINCE', 'Berkane', 'بركان'),
    ('taourirt', (SELECT id FROM regions WHERE code = '02'), 'PROVINCE', 'Taourirt', 'تاوريرت'),
    ('guercif', (SELECT id FROM regions WHERE code = '02'), 'PROVINCE', 'Guercif', 'جرسيف'),
    ('figuig', (SELECT id FROM regions WHERE code = '02'), 'PROVINCE', 'Figuig', 'فجيج'),
    ('fes', (SELECT id FROM regions WHERE code = '03'), 'PREFECTURE', 'Fès', 'فاس'),
    ('meknes', (SELECT id FROM regions WHERE code = '03'), 'PREFECTURE', 'Meknès', 'مكناس'),
    ('el-hajeb', (SELECT id FROM regions WHERE code = '03'), 'PROVINCE', 'El Hajeb', 'الحاجب'),
    ('ifrane', (SELECT id FROM regions WHERE code = '03'), 'PROVINCE', 'Ifrane', 'إفران'),
    ('moulay-yacoub', (SELECT id FROM regions WHERE code = '03'), 'PROVINCE', 'Moulay Yacoub', 'مولاي يعقوب'),
    ('sefrou', (SELECT id FROM regions WHERE code = '03'), 'PROVINCE', 'Sefrou', 'صفرو'),
    ('boulemane', (SELECT id FROM regions WHERE code = '03'), 'PROVINCE', 'Boulemane', 'بولمان'),
    ('taounate', (SELECT id FROM regions WHERE code = '03'), 'PROVINCE', 'Taounate', 'تاونات'),
    ('taza', (SELECT id FROM regions WHERE code = '03'), 'PROVINCE', 'Taza', 'تازة'),
    ('rabat', (SELECT id FROM regions WHERE code = '04'), 'PREFECTURE', 'Rabat', 'الرباط'),
    ('sale', (SELECT id FROM regions WHERE code = '04'), 'PREFECTURE', 'Salé', 'سلا'),
    ('skhirate-temara', (SELECT id FROM regions WHERE code = '04'), 'PREFECTURE', 'Skhirate-Témara', 'الصخيرات تمارة'),
    ('kenitra', (SELECT id FROM regions WHERE code = '04'), 'PROVINCE', 'Kénitra', 'القنيطرة'),
    ('khemisset', (SELECT id FROM regions WHERE code = '04'), 'PROVINCE', 'Khémisset', 'الخميسات'),
    ('sidi-kacem', (SELECT id FROM regions WHERE code = '04'), 'PROVINCE', 'Sidi Kacem', 'سيدي قاسم'),
    ('sidi-slimane', (SELECT id FROM regions WHERE code = '04'), 'PROVINCE', 'Sidi Slimane', 'سيدي سليمان'),
    ('beni-mellal', (SELECT id FROM regions WHERE code = '05'), 'PROVINCE', 'Béni Mellal', 'بني ملال'),
    ('azilal', (SELECT id FROM regions WHERE code = '05'), 'PROVINCE', 'Azilal', 'أزيلال'),
    ('fquih-ben-salah', (SELECT id FROM regions WHERE code = '05'), 'PROVINCE', 'Fquih Ben Salah', 'الفقيه بن صالح'),
    ('khenifra', (SELECT id FROM regions WHERE code = '05'), 'PROVINCE', 'Khénifra', 'خنيفرة'),
    ('khouribga', (SELECT id FROM regions WHERE code = '05'), 'PROVINCE', 'Khouribga', 'خريبكة'),
    ('casablanca', (SELECT id FROM regions WHERE code = '06'), 'PREFECTURE', 'Casablanca', 'الدار البيضاء'),
    ('mohammedia', (SELECT id FROM regions WHERE code = '06'), 'PREFECTURE', 'Mohammédia', 'المحمدية'),
    ('el-jadida', (SELECT id FROM regions WHERE code = '06'), 'PROVINCE', 'El Jadida', 'الجديدة'),
    ('nouaceur', (SELECT id FROM regions WHERE code = '06'), 'PROVINCE', 'Nouaceur', 'النواصر'),
    ('mediouna', (SELECT id FROM regions WHERE code = '06'), 'PROVINCE', 'Médiouna', 'مديونة'),
    ('benslimane', (SELECT id FROM regions WHERE code = '06'), 'PROVINCE', 'Benslimane', 'بنسليمان'),
    ('berrechid', (SELECT id FROM regions WHERE code = '06'), 'PROVINCE', 'Berrechid', 'برشيد'),
    ('settat', (SELECT id FROM regions WHERE code = '06'), 'PROVINCE', 'Settat', 'سطات'),
    ('sidi-bennour', (SELECT id FROM regions WHERE code = '06'), 'PROVINCE', 'Sidi Bennour', 'سيدي بنور'),
    ('marrakech', (SELECT id FROM regions WHERE code = '07'), 'PREFECTURE', 'Marrakech', 'مراكش'),
    ('chichaoua', (SELECT id FROM regions WHERE code = '07'), 'PROVINCE', 'Chichaoua', 'شيشاوة'),
    ('al-haouz', (SELECT id FROM regions WHERE code = '07'), 'PROVINCE', 'Al Haouz', 'الحوز'),
    ('el-kelaa-des-sraghna', (SELECT id FROM regions WHERE code = '07'), 'PROVINCE', 'El Kelâa des Sraghna', 'قلعة السراغنة'),
    ('essaouira', (SELECT id FROM regions WHERE code = '07'), 'PROVINCE', 'Essaouira', 'الصويرة'),
    ('rehamna', (SELECT id FROM regions WHERE code = '07'), 'PROVINCE', 'Rehamna', 'الرحامنة'),
    ('safi', (SELECT id FROM regions WHERE code = '07'), 'PROVINCE', 'Safi', 'آسفي'),
    ('youssoufia', (SELECT id FROM regions WHERE code = '07'), 'PROVINCE', 'Youssoufia', 'اليوسفية'),
    ('errachidia', (SELECT id FROM regions WHERE code = '08'), 'PROVINCE', 'Errachidia', 'الرشيدية'),
    ('ouarzazate', (SELECT id FROM regions WHERE code = '08'), 'PROVINCE', 'Ouarzazate', 'ورزازات'),
    ('midelt', (SELECT id FROM regions WHERE code = '08'), 'PROVINCE', 'Midelt', 'ميدلت'),
    ('tinghir', (SELECT id FROM regions WHERE code = '08'), 'PROVINCE', 'Tinghir', 'تنغير'),
    ('zagora', (SELECT id FROM regions WHERE code = '08'), 'PROVINCE', 'Zagora', 'زاكورة'),
    ('agadir-ida-outanane', (SELECT id FROM regions WHERE code = '09'), 'PREFECTURE', 'Agadir Ida-Outanane', 'أكادير إداوتنان'),
    ('inezgane-ait-melloul', (SELECT id FROM regions WHERE code = '09'), 'PREFECTURE', 'Inezgane-Aït Melloul', 'إنزكان آيت ملول'),
    ('chtouka-ait-baha', (SELECT id FROM regions WHERE code = '09'), 'PROVINCE', 'Chtouka-Aït Baha', 'اشتوكة آيت باها'),
    ('taroudant', (SELECT id FROM regions WHERE code = '09'), 'PROVINCE', 'Taroudant', 'تارودانت'),
    ('tiznit', (SELECT id FROM regions WHERE code = '09'), 'PROVINCE', 'Tiznit', 'تيزنيت'),
    ('tata', (SELECT id FROM regions WHERE code = '09'), 'PROVINCE', 'Tata', 'طاطا'),
    ('guelmim', (SELECT id FROM regions WHERE code = '10'), 'PROVINCE', 'Guelmim', 'كلميم'),
    ('assa-zag', (SELECT id FROM regions WHERE code = '10'), 'PROVINCE', 'Assa-Zag', 'آسا الزاك'),
    ('tan-tan', (SELECT id FROM regions WHERE code = '10'), 'PROVINCE', 'Tan-Tan', 'طانطان'),
    ('sidi-ifni', (SELECT id FROM regions WHERE code = '10'), 'PROVINCE', 'Sidi Ifni', 'سيدي إفني'),
    ('laayoune', (SELECT id FROM regions WHERE code = '11'), 'PROVINCE', 'Laâyoune', 'العيون'),
    ('boujdour', (SELECT id FROM regions WHERE code = '11'), 'PROVINCE', 'Boujdour', 'بوجدور'),
    ('tarfaya', (SELECT id FROM regions WHERE code = '11'), 'PROVINCE', 'Tarfaya', 'طرفاية'),
    ('es-semara', (SELECT id FROM regions WHERE code = '11'), 'PROVINCE', 'Es-Semara', 'السمارة'),
    ('oued-ed-dahab', (SELECT id FROM regions WHERE code = '12'), 'PROVINCE', 'Oued Ed-Dahab', 'وادي الذهب'),
    ('aousserd', (SELECT id FROM regions WHERE code = '12'), 'PROVINCE', 'Aousserd', 'أوسرد');

CREATE TABLE funding_programmes (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    -- Localised texts as JSON objects {"ar": …, "fr": …}.
    name TEXT NOT NULL,
    summary TEXT NOT NULL,
    instrument TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE project_ideas (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    description TEXT NOT NULL,
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    value_chain TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    province_id BIGINT REFERENCES provinces (id),
    rationale TEXT NOT NULL,
    -- Comma-separated enum values.
    target_groups TEXT NOT NULL,
    legal_forms TEXT NOT NULL,
    funding_instruments TEXT NOT NULL,
    min_members INTEGER NOT NULL,
    investment_min_minor BIGINT NOT NULL,
    investment_max_minor BIGINT NOT NULL,
    expected_jobs INTEGER NOT NULL,
    expected_turnover_minor BIGINT NOT NULL,
    -- {"market": {…}, "inputs": {…}, "land": {…}, "competition": {…}}, each localised.
    feasibility TEXT NOT NULL,
    -- Labels and authorisations needed, as a JSON list of texts.
    requirements TEXT NOT NULL,
    source TEXT NOT NULL,
    source_detail TEXT,
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    -- Who last sent it to review: someone else publishes it (four eyes), unless an administrator.
    submitted_by BIGINT REFERENCES accounts (id),
    published_at TIMESTAMP,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX project_ideas_status_idx ON project_ideas (status, id);

CREATE TABLE project_idea_courses (
    idea_id BIGINT NOT NULL REFERENCES project_ideas (id),
    course_id BIGINT NOT NULL REFERENCES academy_courses (id),
    PRIMARY KEY (idea_id, course_id)
);
CREATE TABLE project_idea_paths (
    idea_id BIGINT NOT NULL REFERENCES project_ideas (id),
    path_id BIGINT NOT NULL REFERENCES academy_paths (id),
    PRIMARY KEY (idea_id, path_id)
);

CREATE TABLE project_calls (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    programme_id BIGINT NOT NULL REFERENCES funding_programmes (id),
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    opens_at TIMESTAMP NOT NULL,
    closes_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    -- Eligibility rules, quotas and the scoring rubric as JSON (see projects::model).
    rules TEXT NOT NULL,
    quotas TEXT NOT NULL,
    criteria TEXT NOT NULL,
    budget_minor BIGINT NOT NULL,
    max_award_minor BIGINT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX project_calls_status_idx ON project_calls (status, opens_at);

CREATE TABLE project_call_reviewers (
    call_id BIGINT NOT NULL REFERENCES project_calls (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (call_id, account_id)
);

CREATE TABLE project_applications (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    call_id BIGINT NOT NULL REFERENCES project_calls (id),
    idea_id BIGINT REFERENCES project_ideas (id),
    -- Who applies, once per call: the lead's national ID, or the cooperative.
    applicant_key TEXT NOT NULL,
    -- The account that follows the application; NULL when an agent filed for someone without one.
    applicant_account_id BIGINT REFERENCES accounts (id),
    filed_by BIGINT NOT NULL REFERENCES accounts (id),
    channel TEXT NOT NULL,
    assisted BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    cooperative_id BIGINT REFERENCES cooperatives (id),
    region_id BIGINT NOT NULL REFERENCES regions (id),
    province_id BIGINT REFERENCES provinces (id),
    sector_id BIGINT NOT NULL REFERENCES sectors (id),
    legal_form TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    requested_minor BIGINT NOT NULL,
    locale TEXT NOT NULL,
    contact_email TEXT,
    contact_phone TEXT,
    -- Kept with the row so the statistics are one grouped scan.
    team_size INTEGER NOT NULL,
    women_count INTEGER NOT NULL,
    lead_gender TEXT NOT NULL,
    lead_birth_year INTEGER NOT NULL,
    stage TEXT NOT NULL,
    -- The last eligibility evaluation: the failed rules, as JSON.
    eligibility TEXT,
    score_bp INTEGER,
    registration_application_id BIGINT REFERENCES registration_applications (id),
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (call_id, applicant_key)
);
CREATE INDEX project_applications_figures_idx
    ON project_applications (call_id, stage, region_id, lead_gender, lead_birth_year);
CREATE INDEX project_applications_account_idx ON project_applications (applicant_account_id);
CREATE INDEX project_applications_call_stage_idx ON project_applications (call_id, stage, id);

CREATE TABLE project_application_members (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES project_applications (id),
    position INTEGER NOT NULL,
    full_name TEXT NOT NULL,
    national_id TEXT NOT NULL,
    gender TEXT NOT NULL,
    birth_date DATE NOT NULL,
    email TEXT,
    phone TEXT,
    -- The member's account when their email has one: the academy enrols it.
    account_id BIGINT REFERENCES accounts (id),
    neet BOOLEAN NOT NULL,
    graduate BOOLEAN NOT NULL,
    rural BOOLEAN NOT NULL
);
CREATE INDEX project_application_members_app_idx ON project_application_members (application_id);
CREATE INDEX project_application_members_account_idx ON project_application_members (account_id);

-- Append-only: every stage change with who (NULL: the system), when and why.
CREATE TABLE project_application_events (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES project_applications (id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    actor_account_id BIGINT REFERENCES accounts (id),
    reason TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_application_events_app_idx ON project_application_events (application_id, id);

CREATE TABLE project_application_reviews (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    application_id BIGINT NOT NULL REFERENCES project_applications (id),
    reviewer_account_id BIGINT NOT NULL REFERENCES accounts (id),
    -- {"criterion key": points 0–100}
    scores TEXT NOT NULL,
    total_bp INTEGER NOT NULL,
    comment TEXT,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (application_id, reviewer_account_id)
);

CREATE TABLE project_saved_searches (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    query TEXT NOT NULL,
    filter TEXT NOT NULL,
    alerts BOOLEAN NOT NULL,
    locale TEXT NOT NULL,
    -- SHA-256 of the unsubscribe link's token.
    unsubscribe_hash TEXT NOT NULL UNIQUE,
    last_alerted_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_saved_searches_account_idx ON project_saved_searches (account_id);
CREATE INDEX project_saved_searches_alerts_idx ON project_saved_searches (alerts, last_alerted_at);

-- A registration application prefilled from a project application (the link seen from the register).
ALTER TABLE registration_applications ADD COLUMN project_application_id BIGINT;

-- Law 09-08: reads of a project application's team (national IDs, birth dates, contacts) are
-- logged like those of members and founders: a read names exactly one subject.
ALTER TABLE personal_data_reads ADD COLUMN project_application_id BIGINT REFERENCES project_applications (id);
ALTER TABLE personal_data_reads DROP CONSTRAINT personal_data_reads_subject;
ALTER TABLE personal_data_reads ADD CONSTRAINT personal_data_reads_subject
    CHECK ((cooperative_id IS NOT NULL)::int + (application_id IS NOT NULL)::int + (project_application_id IS NOT NULL)::int = 1);
CREATE INDEX personal_data_reads_project_application_idx ON personal_data_reads (project_application_id);
