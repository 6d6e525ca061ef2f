-- Foundation: channels, vendors, API keys, catalog, stock, idempotency, commission rules.

CREATE TABLE channels (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    type        text NOT NULL CHECK (type IN ('web', 'app', 'pos', 'marketplace', 'social', 'call_center')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE vendors (
    id                         text PRIMARY KEY,
    seq                        bigserial UNIQUE,
    name                       text NOT NULL,
    commission_rate_bps        integer CHECK (commission_rate_bps BETWEEN 0 AND 10000),
    acceptance_window_seconds  integer NOT NULL CHECK (acceptance_window_seconds > 0),
    ship_window_seconds        integer NOT NULL CHECK (ship_window_seconds > 0),
    created_at                 timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id          text PRIMARY KEY,
    token_hash  text NOT NULL UNIQUE,        -- hex SHA-256 of the token; the token itself is never stored
    role        text NOT NULL CHECK (role IN ('operator', 'finance', 'vendor', 'channel')),
    vendor_id   text REFERENCES vendors (id),
    channel     text REFERENCES channels (code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK ((role = 'vendor') = (vendor_id IS NOT NULL)),
    CHECK ((role = 'channel') = (channel IS NOT NULL))
);

CREATE TABLE products (
    sku         text PRIMARY KEY,
    title       text NOT NULL,
    category    text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE locations (
    vendor_id         text NOT NULL REFERENCES vendors (id),
    code              text NOT NULL,
    name              text NOT NULL,
    type              text NOT NULL CHECK (type IN ('warehouse', 'store')),
    country           text NOT NULL,
    postal_code       text,
    latitude          double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    longitude         double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    handling_seconds  integer NOT NULL CHECK (handling_seconds >= 0),
    pickup            boolean NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vendor_id, code)
);

CREATE TABLE offers (
    vendor_id   text NOT NULL REFERENCES vendors (id),
    sku         text NOT NULL REFERENCES products (sku),
    unit_price  bigint NOT NULL CHECK (unit_price >= 0),
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    active      boolean NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vendor_id, sku)
);
CREATE INDEX offers_sku ON offers (sku) WHERE active;

-- The database itself refuses oversell: reserved can never exceed on_hand.
CREATE TABLE stock (
    vendor_id   text NOT NULL,
    location    text NOT NULL,
    sku         text NOT NULL REFERENCES products (sku),
    on_hand     integer NOT NULL CHECK (on_hand >= 0),
    reserved    integer NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (vendor_id, location, sku),
    FOREIGN KEY (vendor_id, location) REFERENCES locations (vendor_id, code),
    CONSTRAINT stock_not_oversold CHECK (reserved <= on_hand)
);
CREATE INDEX stock_sku ON stock (sku);

-- Idempotency records live in the transaction of the effect they describe.
CREATE TABLE idempotency_keys (
    scope          text NOT NULL,             -- hash of the caller's token
    key            text NOT NULL,
    request_hash   text NOT NULL,
    status_code    integer NOT NULL,
    response_body  text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE commission_rules (
    id          bigserial PRIMARY KEY,
    vendor_id   text REFERENCES vendors (id),
    category    text,
    rate_bps    integer NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (vendor_id IS NOT NULL OR category IS NOT NULL),
    UNIQUE NULLS NOT DISTINCT (vendor_id, category)
);
