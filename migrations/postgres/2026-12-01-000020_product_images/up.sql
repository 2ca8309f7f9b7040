-- Images uploaded by cooperatives: their size as served, the SHA-256 of the upload they came
-- from (their files are under <data dir>/images/), and their WebP renditions as a JSON list
-- of [width, height]. All null for media given by URL.
ALTER TABLE product_media ADD COLUMN width INTEGER;
ALTER TABLE product_media ADD COLUMN height INTEGER;
ALTER TABLE product_media ADD COLUMN image_key TEXT;
ALTER TABLE product_media ADD COLUMN renditions TEXT;
