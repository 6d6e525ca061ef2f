-- Bench catalogue, loaded by bench/run with psql right after `marketplace migrate`, into the
-- throw-away database marketplace_bench. Variables (psql -v): per_vendor (SKUs each vendor
-- carries; default in bench/run: 100), on_hand (units per stock row).
--
-- Layout, chosen so that every bench order becomes exactly two suborders:
--   vendor ven_bench_a carries SKU-0001 … SKU-<per_vendor>, vendor ven_bench_b the next
--   per_vendor SKUs (no SKU is offered by both, so an order with lines from both vendors
--   cannot be served by one shipment);
--   each vendor has two warehouses holding every SKU it carries; the Berlin and Hamburg ones
--   (handling 1 h) deliver to the bench address (Berlin) sooner than the Munich and Cologne
--   ones (handling 2 h), so the planner always picks a-berlin + b-hamburg, and the pgbench
--   baseline reserves from those same rows;
--   stock is large (on_hand per row) so orders never run out during a run;
--   the rest of the marketplace: other_vendors more vendors (default 198, so 200 in all, as
--   issue 9 measured), each with one warehouse and per_vendor SKUs of its own that no bench
--   order asks for. They do not change a bench order's routing, but they give PostgreSQL a
--   catalogue of realistic size: with only the 400 stock rows above, the planner reads the
--   whole stock table (and every dead version of its hot rows) three times per order
--   instead of using its indexes, a cost no real marketplace pays. -v other_vendors=0 gives
--   the small catalogue of the measurements before 2026-12-06.

\set ON_ERROR_STOP 1
\if :{?other_vendors}
\else
\set other_vendors 198
\endif

BEGIN;

INSERT INTO channels (code, name, type) VALUES ('bench-web', 'Bench web shop', 'web');

INSERT INTO vendors (id, name, commission_rate_bps, acceptance_window_seconds, ship_window_seconds) VALUES
    ('ven_bench_a', 'Bench Vendor A', 1200, 86400, 172800),
    ('ven_bench_b', 'Bench Vendor B', NULL, 86400, 172800);

INSERT INTO locations (vendor_id, code, name, type, country, postal_code, latitude, longitude, handling_seconds, pickup) VALUES
    ('ven_bench_a', 'a-berlin',  'A Berlin warehouse',  'warehouse', 'DE', '10115', 52.52, 13.40, 3600, false),
    ('ven_bench_a', 'a-munich',  'A Munich warehouse',  'warehouse', 'DE', '80331', 48.14, 11.58, 7200, false),
    ('ven_bench_b', 'b-hamburg', 'B Hamburg warehouse', 'warehouse', 'DE', '20095', 53.55,  9.99, 3600, false),
    ('ven_bench_b', 'b-cologne', 'B Cologne store',     'store',     'DE', '50667', 50.94,  6.96, 7200, true);

INSERT INTO products (sku, title, category)
SELECT 'SKU-' || lpad(n::text, 4, '0'),
       'Bench product ' || n,
       (ARRAY['books', 'garden', 'kitchen', 'toys'])[1 + n % 4]
FROM generate_series(1, 2 * :per_vendor) AS n;

INSERT INTO offers (vendor_id, sku, unit_price, currency, active)
SELECT CASE WHEN n <= :per_vendor THEN 'ven_bench_a' ELSE 'ven_bench_b' END,
       'SKU-' || lpad(n::text, 4, '0'),
       499 + (n * 37) % 5000,
       'EUR',
       true
FROM generate_series(1, 2 * :per_vendor) AS n;

INSERT INTO stock (vendor_id, location, sku, on_hand)
SELECT o.vendor_id, l.code, o.sku, :on_hand
FROM offers o JOIN locations l ON l.vendor_id = o.vendor_id;

INSERT INTO vendors (id, name, acceptance_window_seconds, ship_window_seconds)
SELECT 'ven_other_' || lpad(v::text, 3, '0'), 'Other vendor ' || v, 86400, 172800
FROM generate_series(1, :other_vendors) AS v;

-- Spread over Germany. Where they are does not matter: their SKUs are their own, so they are
-- never candidates for a bench order.
INSERT INTO locations (vendor_id, code, name, type, country, postal_code, latitude, longitude, handling_seconds, pickup)
SELECT 'ven_other_' || lpad(v::text, 3, '0'), 'wh', 'Warehouse', 'warehouse', 'DE', '60311',
       47.5 + (v * 7 % 70) / 10.0, 6.0 + (v * 13 % 90) / 10.0, 3600, false
FROM generate_series(1, :other_vendors) AS v;

INSERT INTO products (sku, title, category)
SELECT 'SKU-O' || lpad(v::text, 3, '0') || '-' || lpad(n::text, 4, '0'), 'Other product ' || v || '-' || n,
       (ARRAY['books', 'garden', 'kitchen', 'toys'])[1 + n % 4]
FROM generate_series(1, :other_vendors) AS v CROSS JOIN generate_series(1, :per_vendor) AS n;

INSERT INTO offers (vendor_id, sku, unit_price, currency, active)
SELECT 'ven_other_' || lpad(v::text, 3, '0'), 'SKU-O' || lpad(v::text, 3, '0') || '-' || lpad(n::text, 4, '0'),
       499 + (n * 37) % 5000, 'EUR', true
FROM generate_series(1, :other_vendors) AS v CROSS JOIN generate_series(1, :per_vendor) AS n;

INSERT INTO stock (vendor_id, location, sku, on_hand)
SELECT o.vendor_id, 'wh', o.sku, :on_hand
FROM offers o WHERE o.vendor_id LIKE 'ven\_other\_%';

COMMIT;

ANALYZE;
