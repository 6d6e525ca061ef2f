-- Settlement bench data, loaded by bench/settlement after bench/seed.sql: :vendors vendors
-- (ven_s_0001 …, one warehouse each), :orders delivered orders of :lines_per lines each (one
-- suborder per order, at vendor 1 + n % :vendors), commission rates fixed at 10 %, and
-- :refunds refunded returns of :lines_per lines each (one unit per line received), all
-- delivered or received an hour or more ago.

\set ON_ERROR_STOP 1

BEGIN;

INSERT INTO vendors (id, name, acceptance_window_seconds, ship_window_seconds)
SELECT 'ven_s_' || lpad(v::text, 4, '0'), 'Settlement vendor ' || v, 86400, 172800
FROM generate_series(1, :vendors) AS v;

INSERT INTO locations (vendor_id, code, name, type, country, postal_code, latitude, longitude, handling_seconds, pickup)
SELECT 'ven_s_' || lpad(v::text, 4, '0'), 'wh', 'Warehouse', 'warehouse', 'DE', '10115', 52.52, 13.40, 3600, false
FROM generate_series(1, :vendors) AS v;

INSERT INTO products (sku, title, category)
SELECT 'SKU-S-' || k, 'Settlement product ' || k, 'general' FROM generate_series(1, :lines_per) AS k;

INSERT INTO orders (id, channel, customer_id, currency, fulfillment, status, created_at)
SELECT 'ord_s_' || n, 'bench-web', 'settle-customer-' || (n % 5000), 'EUR',
       '{"type": "delivery", "address": {"country": "DE", "postal_code": "10115"}}', 'completed', now() - interval '3 days'
FROM generate_series(1, :orders) AS n;

INSERT INTO order_lines (id, order_id, position, sku, quantity)
SELECT 'oln_s_' || n || '_' || k, 'ord_s_' || n, k - 1, 'SKU-S-' || k, 2
FROM generate_series(1, :orders) AS n CROSS JOIN generate_series(1, :lines_per) AS k;

INSERT INTO suborders (id, order_id, vendor_id, location, status, currency, subtotal, accept_by, ship_by, promised_delivery,
                       routing_reason, vendor_routing_reason, candidates_considered, delivered_at)
SELECT 'sub_s_' || n, 'ord_s_' || n, 'ven_s_' || lpad((1 + n % :vendors)::text, 4, '0'), 'wh', 'delivered', 'EUR', 0,
       now() - interval '3 days', now() - interval '2 days', now() - interval '1 day', 'bench', 'bench', 1,
       now() - interval '1 day'
FROM generate_series(1, :orders) AS n;

INSERT INTO suborder_lines (id, suborder_id, order_line_id, vendor_id, sku, quantity, unit_price, position, commission_rate_bps)
SELECT 'sol_s_' || n || '_' || k, 'sub_s_' || n, 'oln_s_' || n || '_' || k, 'ven_s_' || lpad((1 + n % :vendors)::text, 4, '0'),
       'SKU-S-' || k, 2, 1000 + 7 * k, k - 1, 1000
FROM generate_series(1, :orders) AS n CROSS JOIN generate_series(1, :lines_per) AS k;

INSERT INTO returns (id, order_id, channel, customer_id, status, method, currency, received_at, created_at)
SELECT 'ret_s_' || n, 'ord_s_' || n, 'bench-web', 'settle-customer-' || (n % 5000), 'refunded', 'courier', 'EUR',
       now() - interval '1 hour', now() - interval '20 hours'
FROM generate_series(1, :refunds) AS n;

INSERT INTO return_lines (id, return_id, suborder_line_id, suborder_id, vendor_id, sku, quantity, reason, unit_price,
                          received_quantity, position)
SELECT 'rtl_s_' || n || '_' || k, 'ret_s_' || n, 'sol_s_' || n || '_' || k, 'sub_s_' || n,
       'ven_s_' || lpad((1 + n % :vendors)::text, 4, '0'), 'SKU-S-' || k, 1, 'bench', 1000 + 7 * k, 1, k - 1
FROM generate_series(1, :refunds) AS n CROSS JOIN generate_series(1, :lines_per) AS k;

COMMIT;

ANALYZE;
