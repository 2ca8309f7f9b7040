DROP INDEX products_status_id_idx;
