-- Vendor-feed bench data, loaded by bench/feed after bench/seed.sql: 14 more vendors
-- (ven_feed_01 … 14, one warehouse each), and :per_vendor suborders (one line each) for each
-- of the 16 vendors, spread over :per_vendor orders of channel bench-web (order i has one
-- suborder at every vendor). All of it in one transaction, so the feed positions share one xid.

\set ON_ERROR_STOP 1

BEGIN;

INSERT INTO vendors (id, name, acceptance_window_seconds, ship_window_seconds)
SELECT 'ven_feed_' || lpad(n::text, 2, '0'), 'Feed vendor ' || n, 86400, 172800
FROM generate_series(1, 14) AS n;

INSERT INTO locations (vendor_id, code, name, type, country, postal_code, latitude, longitude, handling_seconds, pickup)
SELECT 'ven_feed_' || lpad(n::text, 2, '0'), 'f-wh', 'Feed warehouse', 'warehouse', 'DE', '10115', 52.52, 13.40, 3600, false
FROM generate_series(1, 14) AS n;

CREATE TEMP TABLE feed_vendors AS
SELECT v AS vendor_id, CASE v WHEN 'ven_bench_a' THEN 'a-berlin' WHEN 'ven_bench_b' THEN 'b-hamburg' ELSE 'f-wh' END AS location
FROM unnest(ARRAY['ven_bench_a', 'ven_bench_b'] || ARRAY(SELECT 'ven_feed_' || lpad(n::text, 2, '0') FROM generate_series(1, 14) AS n)) AS v;

INSERT INTO orders (id, channel, customer_id, currency, fulfillment, status)
SELECT 'ord_feed_' || n, 'bench-web', 'feed-customer-' || (n % 1000), 'EUR',
       '{"type": "delivery", "address": {"country": "DE", "postal_code": "10115"}}', 'open'
FROM generate_series(1, :per_vendor) AS n;

INSERT INTO order_lines (id, order_id, position, sku, quantity)
SELECT 'oli_feed_' || n || '_' || f.vendor_id, 'ord_feed_' || n, row_number() OVER (PARTITION BY n ORDER BY f.vendor_id), 'SKU-0001', 1
FROM generate_series(1, :per_vendor) AS n CROSS JOIN feed_vendors f;

-- The API writes each suborder's own fulfilment (sql/0013), so the feed never falls back to
-- the order's; the seed does the same.
INSERT INTO suborders (id, order_id, vendor_id, location, status, currency, subtotal, accept_by, ship_by, promised_delivery,
                       routing_reason, vendor_routing_reason, candidates_considered, fulfillment)
SELECT 'sub_feed_' || n || '_' || f.vendor_id, 'ord_feed_' || n, f.vendor_id, f.location,
       (ARRAY['pending_acceptance', 'accepted', 'shipped', 'delivered'])[1 + n % 4], 'EUR', 1000,
       now() + interval '1 day', now() + interval '2 days', now() + interval '3 days',
       'bench', 'bench', 1, '{"type": "delivery", "address": {"country": "DE", "postal_code": "10115"}}'
FROM generate_series(1, :per_vendor) AS n CROSS JOIN feed_vendors f
ORDER BY n, f.vendor_id;

INSERT INTO suborder_lines (id, suborder_id, order_line_id, vendor_id, sku, quantity, unit_price, position)
SELECT 'sli_feed_' || n || '_' || f.vendor_id, 'sub_feed_' || n || '_' || f.vendor_id, 'oli_feed_' || n || '_' || f.vendor_id,
       f.vendor_id, 'SKU-0001', 1, 1000, 1
FROM generate_series(1, :per_vendor) AS n CROSS JOIN feed_vendors f;

COMMIT;

ANALYZE;
