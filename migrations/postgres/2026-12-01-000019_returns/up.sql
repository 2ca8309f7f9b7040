-- Returns of delivered goods, per fulfilment: the buyer asks, the cooperative approves or
-- refuses, and on receipt the goods are refunded (and may go back into stock).
ALTER TABLE order_lines ADD COLUMN marketplace_discount_minor BIGINT NOT NULL DEFAULT 0;
ALTER TABLE fulfilments ADD COLUMN delivered_at TIMESTAMP;
UPDATE fulfilments SET delivered_at = updated_at WHERE status = 'DELIVERED';

CREATE TABLE return_requests (
    id BIGSERIAL PRIMARY KEY NOT NULL,
    order_id BIGINT NOT NULL REFERENCES orders (id),
    fulfilment_id BIGINT NOT NULL REFERENCES fulfilments (id),
    cooperative_id BIGINT NOT NULL REFERENCES cooperatives (id),
    requested_by BIGINT NOT NULL REFERENCES accounts (id),
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    comment TEXT,
    decision_note TEXT,
    decided_by BIGINT REFERENCES accounts (id),
    refund_minor BIGINT NOT NULL DEFAULT 0,
    refund_reference TEXT,
    restocked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    refunded_at TIMESTAMP
);
CREATE INDEX return_requests_fulfilment_idx ON return_requests (fulfilment_id);
CREATE INDEX return_requests_order_idx ON return_requests (order_id);
CREATE INDEX return_requests_cooperative_idx ON return_requests (cooperative_id, id);

-- refund_minor is set when the return is refunded.
CREATE TABLE return_lines (
    return_id BIGINT NOT NULL REFERENCES return_requests (id),
    order_line_id BIGINT NOT NULL REFERENCES order_lines (id),
    quantity BIGINT NOT NULL,
    refund_minor BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (return_id, order_line_id)
);
