-- The default listing (public products, newest first) walks this index in order and stops
-- after one page; without it the planner sorted every public product on each request.
CREATE INDEX products_status_id_idx ON products (status, id);
