-- Returns across channels (with their lines and status history) and customer-service cases
-- (with their messages and status history).

CREATE TABLE returns (
    id                  text PRIMARY KEY,
    seq                 bigserial UNIQUE,
    order_id            text NOT NULL REFERENCES orders (id),
    channel             text NOT NULL REFERENCES channels (code),   -- the channel that created the return
    customer_id         text NOT NULL,                              -- the order's customer
    status              text NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'refunded')),
    method              text NOT NULL CHECK (method IN ('in_store', 'courier')),
    location_vendor_id  text,                                       -- in_store: where it is received
    location_code       text,
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    reason              text,                                       -- the rejection reason
    received_at         timestamptz,                                -- set when refunded
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (location_vendor_id, location_code) REFERENCES locations (vendor_id, code),
    CHECK ((location_vendor_id IS NULL) = (location_code IS NULL)),
    CHECK ((method = 'in_store') = (location_code IS NOT NULL)),
    CHECK ((status = 'refunded') = (received_at IS NOT NULL))
);
CREATE INDEX returns_order ON returns (order_id);
CREATE INDEX returns_customer ON returns (customer_id, seq);

-- One row per returned suborder line. The refund of a line is unit_price × received_quantity.
CREATE TABLE return_lines (
    id                  text PRIMARY KEY,
    return_id           text NOT NULL REFERENCES returns (id),
    suborder_line_id    text NOT NULL REFERENCES suborder_lines (id),
    suborder_id         text NOT NULL REFERENCES suborders (id),
    vendor_id           text NOT NULL,
    sku                 text NOT NULL,
    quantity            integer NOT NULL CHECK (quantity > 0),
    reason              text NOT NULL,
    unit_price          bigint NOT NULL CHECK (unit_price >= 0),
    received_quantity   integer NOT NULL DEFAULT 0,
    restocked_quantity  integer NOT NULL DEFAULT 0,
    position            integer NOT NULL,
    CHECK (received_quantity BETWEEN 0 AND quantity),
    CHECK (restocked_quantity BETWEEN 0 AND received_quantity),
    UNIQUE (return_id, position),
    UNIQUE (return_id, suborder_line_id)
);
CREATE INDEX return_lines_suborder_line ON return_lines (suborder_line_id);
CREATE INDEX return_lines_vendor ON return_lines (vendor_id, return_id);

-- Status history, for the customer timeline (one row per status a return entered after it
-- was requested; the request itself is the return's own entry).
CREATE TABLE return_events (
    id         bigserial PRIMARY KEY,
    return_id  text NOT NULL REFERENCES returns (id),
    status     text NOT NULL,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX return_events_return ON return_events (return_id, id);

-- A case keeps exactly the links it was opened with; vendor visibility follows them.
CREATE TABLE cases (
    id                  text PRIMARY KEY,
    seq                 bigserial UNIQUE,
    channel             text NOT NULL REFERENCES channels (code),
    customer_id         text NOT NULL,
    subject             text NOT NULL,
    status              text NOT NULL CHECK (status IN ('open', 'resolved')),
    order_id            text REFERENCES orders (id),
    suborder_id         text REFERENCES suborders (id),
    return_id           text REFERENCES returns (id),
    first_response_due  timestamptz NOT NULL,
    first_response_at   timestamptz,                                -- first message by a vendor or operator
    resolved_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
CREATE INDEX cases_customer ON cases (customer_id, seq);
CREATE INDEX cases_order ON cases (order_id) WHERE order_id IS NOT NULL;
CREATE INDEX cases_suborder ON cases (suborder_id) WHERE suborder_id IS NOT NULL;
CREATE INDEX cases_return ON cases (return_id) WHERE return_id IS NOT NULL;

CREATE TABLE case_messages (
    id                text PRIMARY KEY,
    seq               bigserial UNIQUE,
    case_id           text NOT NULL REFERENCES cases (id),
    author_role       text NOT NULL CHECK (author_role IN ('operator', 'channel', 'vendor')),
    author_vendor_id  text,                                         -- who wrote it, for the record
    author_channel    text,
    body              text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_messages_case ON case_messages (case_id, seq);

-- Status history, for the customer timeline (statuses entered after the case was opened).
CREATE TABLE case_events (
    id       bigserial PRIMARY KEY,
    case_id  text NOT NULL REFERENCES cases (id),
    status   text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_events_case ON case_events (case_id, id);
