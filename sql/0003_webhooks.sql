-- Vendor webhook endpoints, one delivery per (event, endpoint), and every attempt made.

-- Bodies are signed byte for byte: keep the payload text exactly as written.
ALTER TABLE outbox_events ALTER COLUMN payload TYPE text USING payload::text;

CREATE TABLE webhook_endpoints (
    id                         text PRIMARY KEY,
    seq                        bigserial UNIQUE,
    vendor_id                  text NOT NULL REFERENCES vendors (id),
    url                        text NOT NULL,
    events                     text[],          -- NULL: every event type
    secret                     text NOT NULL,
    previous_secret            text,            -- still signs until previous_secret_expires_at
    previous_secret_expires_at timestamptz,
    created_at                 timestamptz NOT NULL DEFAULT now(),
    deleted_at                 timestamptz
);
CREATE INDEX webhook_endpoints_vendor ON webhook_endpoints (vendor_id) WHERE deleted_at IS NULL;

CREATE TABLE webhook_deliveries (
    id               text PRIMARY KEY,
    seq              bigserial UNIQUE,
    event_id         text NOT NULL REFERENCES outbox_events (id),
    endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id),
    vendor_id        text NOT NULL,
    type             text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    last_status_code integer,
    last_error       text,
    last_attempt_at  timestamptz,
    next_attempt_at  timestamptz,
    -- Event order for first attempts: the writing transaction, then the event sequence.
    event_xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_seq        bigint NOT NULL,
    -- A dispatcher's claim: nobody else sends this delivery until the lease runs out.
    locked_until     timestamptz,
    lock_token       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_first ON webhook_deliveries (endpoint_id, event_xid, event_seq)
    WHERE status = 'pending' AND attempts = 0;
CREATE INDEX webhook_deliveries_retry ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending' AND attempts > 0;
CREATE INDEX webhook_deliveries_vendor ON webhook_deliveries (vendor_id, seq);

CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  text NOT NULL REFERENCES webhook_deliveries (id),
    attempted_at timestamptz NOT NULL DEFAULT now(),
    status_code  integer,
    error        text,
    duration_ms  integer NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
