ALTER TABLE product_media DROP COLUMN renditions;
ALTER TABLE product_media DROP COLUMN image_key;
ALTER TABLE product_media DROP COLUMN height;
ALTER TABLE product_media DROP COLUMN width;
