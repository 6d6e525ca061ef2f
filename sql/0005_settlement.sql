-- Settlement: commission rates fixed at delivery, runs, per-vendor statements, statement lines
-- (each sold or refunded line settled exactly once) and the ledger.

-- The rate (basis points) of the most specific commission rule when the line was delivered
-- (or, for a line refunded before it was delivered, when settlement first needed it). NULL until
-- then. Refunds reverse commission at this same rate.
ALTER TABLE suborder_lines ADD COLUMN commission_rate_bps integer NULL
    CHECK (commission_rate_bps BETWEEN 0 AND 10000);

-- Settlement runs look for delivered lines by their delivery time.
CREATE INDEX suborders_delivered ON suborders (delivered_at) WHERE status = 'delivered';

CREATE TABLE settlement_runs (
    id           text PRIMARY KEY,
    seq          bigserial UNIQUE,
    status       text NOT NULL CHECK (status IN ('draft', 'approved', 'paid')),
    period_end   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    approved_at  timestamptz,
    paid_at      timestamptz,
    CHECK ((status = 'draft') = (approved_at IS NULL)),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);

-- One statement per (run, vendor, currency).
CREATE TABLE settlement_statements (
    id                   text PRIMARY KEY,
    seq                  bigserial UNIQUE,
    run_id               text NOT NULL REFERENCES settlement_runs (id),
    vendor_id            text NOT NULL REFERENCES vendors (id),
    currency             text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    gross_sales          bigint NOT NULL,
    commission           bigint NOT NULL,
    refunds              bigint NOT NULL,
    commission_refunded  bigint NOT NULL,
    net_payable          bigint NOT NULL,
    line_count           integer NOT NULL CHECK (line_count >= 0),
    created_at           timestamptz NOT NULL DEFAULT now(),
    UNIQUE (run_id, vendor_id, currency),
    CHECK (net_payable = gross_sales - commission - refunds + commission_refunded)
);
CREATE INDEX settlement_statements_vendor ON settlement_statements (vendor_id, seq);

-- One row per settled source line. `source` names the line that was settled ('sale:' + the
-- suborder line id, 'refund:' + the return line id) and is unique: a line can be settled once,
-- whatever runs start concurrently. Amounts are positive; `kind` says which way they count.
CREATE TABLE settlement_lines (
    id                bigserial PRIMARY KEY,
    run_id            text NOT NULL REFERENCES settlement_runs (id),
    statement_id      text NOT NULL REFERENCES settlement_statements (id),
    vendor_id         text NOT NULL,
    currency          text NOT NULL,
    kind              text NOT NULL CHECK (kind IN ('sale', 'refund')),
    suborder_line_id  text NOT NULL,
    return_id         text,
    return_line_id    text,
    sku               text NOT NULL,
    quantity          integer NOT NULL CHECK (quantity > 0),
    amount            bigint NOT NULL,
    rate_bps          integer NOT NULL CHECK (rate_bps BETWEEN 0 AND 10000),
    commission        bigint NOT NULL,
    at                timestamptz NOT NULL,
    source            text NOT NULL GENERATED ALWAYS AS (
                          kind || ':' || CASE WHEN kind = 'sale' THEN suborder_line_id ELSE return_line_id END
                      ) STORED,
    CONSTRAINT settlement_lines_settled_once UNIQUE (source),
    CHECK ((kind = 'sale') = (return_line_id IS NULL)),
    CHECK ((kind = 'sale') = (return_id IS NULL))
);
CREATE INDEX settlement_lines_statement ON settlement_lines (run_id, vendor_id, id);
CREATE INDEX settlement_lines_run ON settlement_lines (run_id, id);

-- Double-entry postings in signed minor units; each run's postings sum to zero per currency.
-- kind 'run': written when the run is created; 'pay': written when it is paid.
CREATE TABLE ledger_postings (
    id            bigserial PRIMARY KEY,
    run_id        text NOT NULL REFERENCES settlement_runs (id),
    statement_id  text NOT NULL REFERENCES settlement_statements (id),
    vendor_id     text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('run', 'pay')),
    account       text NOT NULL,
    currency      text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    amount        bigint NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_postings_run ON ledger_postings (run_id, id);
