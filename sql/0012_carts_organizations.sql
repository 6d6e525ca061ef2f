-- Carts across channels and B2B buyers (API.md v1.2).

-- A cart belongs to a customer, not to a channel. `channels` records the codes of the channels
-- that changed it, first change first, each once. Carts reserve nothing.
CREATE TABLE carts (
    id              text PRIMARY KEY,
    seq             bigserial UNIQUE,
    customer_id     text NOT NULL,
    customer_email  text,
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    fulfillment     jsonb,
    status          text NOT NULL CHECK (status IN ('open', 'checked_out')),
    channels        text[] NOT NULL DEFAULT '{}',
    order_id        text REFERENCES orders (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'checked_out') = (order_id IS NOT NULL))
);
CREATE INDEX carts_customer ON carts (customer_id, seq);
-- The TTL clean-up reads open carts by age.
CREATE INDEX carts_open_by_age ON carts (updated_at) WHERE status = 'open';

CREATE TABLE cart_lines (
    cart_id         text NOT NULL REFERENCES carts (id) ON DELETE CASCADE,
    sku             text NOT NULL REFERENCES products (sku),
    quantity        integer NOT NULL CHECK (quantity > 0),
    fulfillment     jsonb,                  -- the line's own fulfilment (mixed cart), or NULL
    vendor_id       text,
    max_unit_price  bigint,
    -- Lines keep the place where they were first added; changing one keeps its place.
    seq             bigserial,
    PRIMARY KEY (cart_id, sku)
);

-- Orders remember the cart they came from and the organization of the member who placed them.
ALTER TABLE orders ADD COLUMN cart_id text REFERENCES carts (id);
ALTER TABLE orders ADD COLUMN organization_id text;
ALTER TABLE orders DROP CONSTRAINT orders_status_check;
ALTER TABLE orders ADD CONSTRAINT orders_status_check
    CHECK (status IN ('open', 'completed', 'cancelled', 'pending_approval', 'declined'));

CREATE TABLE organizations (
    id          text PRIMARY KEY,
    seq         bigserial UNIQUE,
    name        text NOT NULL,
    currency    text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The primary key makes "a customer belongs to at most one organization" the database's rule.
CREATE TABLE organization_members (
    customer_id      text PRIMARY KEY,
    organization_id  text NOT NULL REFERENCES organizations (id),
    seq              bigserial UNIQUE,
    role             text NOT NULL CHECK (role IN ('buyer', 'approver')),
    order_limit      bigint CHECK (order_limit >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_members_org ON organization_members (organization_id, seq);

CREATE TABLE organization_prices (
    organization_id  text NOT NULL REFERENCES organizations (id),
    sku              text NOT NULL REFERENCES products (sku),
    vendor_id        text NOT NULL REFERENCES vendors (id),
    seq              bigserial UNIQUE,
    unit_price       bigint NOT NULL CHECK (unit_price >= 0 AND unit_price <= 100000000000),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (organization_id, sku, vendor_id)
);

-- Status changes of orders that waited for approval (approved → open, declined, cancelled),
-- for the customer timeline and as the record of who decided.
CREATE TABLE order_status_events (
    id           bigserial PRIMARY KEY,
    order_id     text NOT NULL REFERENCES orders (id),
    status       text NOT NULL,
    approver_id  text,
    reason       text,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_status_events_order ON order_status_events (order_id, id);
