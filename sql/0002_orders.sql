-- Orders, vendor suborders, their lines, the vendor change feed and the event outbox.

CREATE TABLE orders (
    id              text PRIMARY KEY,
    seq             bigserial UNIQUE,
    channel         text NOT NULL REFERENCES channels (code),
    customer_id     text NOT NULL,
    customer_email  text,
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    fulfillment     jsonb NOT NULL,
    deliver_by      timestamptz,
    status          text NOT NULL CHECK (status IN ('open', 'completed', 'cancelled')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_customer ON orders (customer_id, seq);

CREATE TABLE order_lines (
    id                  text PRIMARY KEY,
    order_id            text NOT NULL REFERENCES orders (id),
    position            integer NOT NULL,
    sku                 text NOT NULL REFERENCES products (sku),
    quantity            integer NOT NULL CHECK (quantity > 0),
    cancelled_quantity  integer NOT NULL DEFAULT 0,
    vendor_id           text,             -- routing constraint given by the client
    max_unit_price      bigint,           -- routing constraint given by the client
    UNIQUE (order_id, position),
    CHECK (cancelled_quantity BETWEEN 0 AND quantity)
);

CREATE SEQUENCE suborder_feed_seq;

CREATE TABLE suborders (
    id                     text PRIMARY KEY,
    order_id               text NOT NULL REFERENCES orders (id),
    vendor_id              text NOT NULL REFERENCES vendors (id),
    location               text NOT NULL,
    status                 text NOT NULL CHECK (status IN ('pending_acceptance', 'accepted', 'rejected', 'expired',
                                                           'shipped', 'delivered', 'cancelled')),
    currency               text NOT NULL,
    subtotal               bigint NOT NULL,
    accept_by              timestamptz NOT NULL,
    ship_by                timestamptz NOT NULL,
    promised_delivery      timestamptz NOT NULL,
    routing_reason         text NOT NULL,
    candidates_considered  integer NOT NULL,
    replaces               text REFERENCES suborders (id),
    replaced_by            text REFERENCES suborders (id) DEFERRABLE INITIALLY DEFERRED,
    carrier                text,
    tracking_number        text,
    reason                 text,
    delivered_at           timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    -- Feed position: the writing transaction's id and a sequence number, set on every change.
    -- The feed serves only positions whose transaction is older than every running one.
    feed_xid               xid8 NOT NULL DEFAULT pg_current_xact_id(),
    feed_seq               bigint NOT NULL DEFAULT nextval('suborder_feed_seq'),
    FOREIGN KEY (vendor_id, location) REFERENCES locations (vendor_id, code)
);
CREATE INDEX suborders_order ON suborders (order_id);
CREATE INDEX suborders_feed ON suborders (vendor_id, feed_xid, feed_seq);
CREATE INDEX suborders_expiring ON suborders (accept_by) WHERE status = 'pending_acceptance';

CREATE TABLE suborder_lines (
    id             text PRIMARY KEY,
    suborder_id    text NOT NULL REFERENCES suborders (id),
    order_line_id  text NOT NULL REFERENCES order_lines (id),
    vendor_id      text NOT NULL,
    sku            text NOT NULL,
    quantity       integer NOT NULL CHECK (quantity > 0),
    unit_price     bigint NOT NULL CHECK (unit_price >= 0),
    position       integer NOT NULL
);
CREATE INDEX suborder_lines_suborder ON suborder_lines (suborder_id);
CREATE INDEX suborder_lines_order_line ON suborder_lines (order_line_id);

-- Status history, for the customer timeline (one row per status a suborder entered).
CREATE TABLE suborder_events (
    id           bigserial PRIMARY KEY,
    suborder_id  text NOT NULL REFERENCES suborders (id),
    order_id     text NOT NULL,
    status       text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX suborder_events_order ON suborder_events (order_id, id);

-- Transactional outbox: events are written with the change that causes them.
CREATE TABLE outbox_events (
    id          text PRIMARY KEY,               -- the webhook-id, stable across retries
    seq         bigserial UNIQUE,
    vendor_id   text NOT NULL,
    type        text NOT NULL,
    payload     jsonb NOT NULL,                 -- {"type", "timestamp", "data"} exactly as delivered
    xid         xid8 NOT NULL DEFAULT pg_current_xact_id(),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_xid ON outbox_events (xid, seq);
