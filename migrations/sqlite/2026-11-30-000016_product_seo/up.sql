-- Search-engine title and description per locale, as JSON ({"title": {"ar": …}, "description":
-- {…}}); absent, a product page falls back to its name and the start of its description.
ALTER TABLE products ADD COLUMN seo_json TEXT;
