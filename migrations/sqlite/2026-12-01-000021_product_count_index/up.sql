-- What makes a product visible (its status and its cooperative's) in one covering index, so
-- `totalCount` reads the index alone. Without it SQLite counted through the rating index
-- (status, rating, id), fetching every row in rating order: a third more work per listing.
CREATE INDEX products_status_cooperative_idx ON products (status, cooperative_id);
