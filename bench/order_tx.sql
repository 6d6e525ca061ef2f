-- Raw-SQL baseline for bench/run: the minimum SQL one bench order needs, in one transaction,
-- on the real tables of marketplace_bench (seeded by bench/seed.sql):
--   3 guarded reservations, the order, its 3 lines, 2 suborders, 3 suborder lines and
--   2 outbox rows (suborder.created; payload is text since sql/0003, as the API writes it).
-- No webhook endpoints exist in the bench database, so the API fans out to no deliveries and
-- the baseline writes none either.
-- Same shape as the API's orders: two distinct SKUs of vendor A (reserved at a-berlin) and one
-- of vendor B (at b-hamburg), drawn uniformly from the same pools as bench/orders.lua.
-- Rows are updated in (vendor, location, sku) order, as the API locks them, so there are no
-- deadlocks. Run with: pgbench -n -M prepared -f bench/order_tx.sql -D per_vendor=100 …
-- (bench/run does this). Ids are 32 hex characters like the API's, from a 63-bit random number.

\set a1 random(1, :per_vendor)
\set step random(1, :per_vendor - 1)
\set a2 ((:a1 - 1 + :step) % :per_vendor) + 1
\set lo least(:a1, :a2)
\set hi greatest(:a1, :a2)
\set b :per_vendor + random(1, :per_vendor)
\set r random(1, 9223372036854775806)
\set customer random(1, 10000)

BEGIN;

UPDATE stock SET reserved = reserved + 1, updated_at = now()
WHERE vendor_id = 'ven_bench_a' AND location = 'a-berlin' AND sku = 'SKU-' || lpad(:lo::text, 4, '0')
  AND on_hand - reserved >= 1;
UPDATE stock SET reserved = reserved + 1, updated_at = now()
WHERE vendor_id = 'ven_bench_a' AND location = 'a-berlin' AND sku = 'SKU-' || lpad(:hi::text, 4, '0')
  AND on_hand - reserved >= 1;
UPDATE stock SET reserved = reserved + 1, updated_at = now()
WHERE vendor_id = 'ven_bench_b' AND location = 'b-hamburg' AND sku = 'SKU-' || lpad(:b::text, 4, '0')
  AND on_hand - reserved >= 1;

INSERT INTO orders (id, channel, customer_id, customer_email, currency, fulfillment, deliver_by, status)
VALUES ('ord_' || md5(:r::text || 'o'), 'bench-web', 'bench-c-' || :customer::text,
        'c' || :customer::text || '@example.com', 'EUR',
        '{"type": "delivery", "address": {"country": "DE", "postal_code": "10115", "latitude": 52.53, "longitude": 13.38}}',
        NULL, 'open');

INSERT INTO order_lines (id, order_id, position, sku, quantity, vendor_id, max_unit_price) VALUES
    ('oln_' || md5(:r::text || 'l0'), 'ord_' || md5(:r::text || 'o'), 0, 'SKU-' || lpad(:a1::text, 4, '0'), 1, NULL, NULL),
    ('oln_' || md5(:r::text || 'l1'), 'ord_' || md5(:r::text || 'o'), 1, 'SKU-' || lpad(:a2::text, 4, '0'), 1, NULL, NULL),
    ('oln_' || md5(:r::text || 'l2'), 'ord_' || md5(:r::text || 'o'), 2, 'SKU-' || lpad(:b::text, 4, '0'), 1, NULL, NULL);

INSERT INTO suborders (id, order_id, vendor_id, location, status, currency, subtotal, accept_by, ship_by,
                       promised_delivery, routing_reason, vendor_routing_reason, candidates_considered)
VALUES
    ('sub_' || md5(:r::text || 's0'), 'ord_' || md5(:r::text || 'o'), 'ven_bench_a', 'a-berlin', 'pending_acceptance',
     'EUR', 2998, now() + interval '1 day', now() + interval '2 days', now() + interval '25 hours',
     'Every unit is covered with 2 shipments, the fewest possible; the last delivery is the earliest available.',
     'This shipment: 1 × SKU from a-berlin, delivery by tomorrow; 4 candidate locations were considered.', 4),
    ('sub_' || md5(:r::text || 's1'), 'ord_' || md5(:r::text || 'o'), 'ven_bench_b', 'b-hamburg', 'pending_acceptance',
     'EUR', 1499, now() + interval '1 day', now() + interval '2 days', now() + interval '25 hours',
     'Every unit is covered with 2 shipments, the fewest possible; the last delivery is the earliest available.',
     'This shipment: 1 × SKU from b-hamburg, delivery by tomorrow; 4 candidate locations were considered.', 4);

INSERT INTO suborder_lines (id, suborder_id, order_line_id, vendor_id, sku, quantity, unit_price, position) VALUES
    ('sbl_' || md5(:r::text || 'sl0'), 'sub_' || md5(:r::text || 's0'), 'oln_' || md5(:r::text || 'l0'),
     'ven_bench_a', 'SKU-' || lpad(:a1::text, 4, '0'), 1, 1499, 0),
    ('sbl_' || md5(:r::text || 'sl1'), 'sub_' || md5(:r::text || 's0'), 'oln_' || md5(:r::text || 'l1'),
     'ven_bench_a', 'SKU-' || lpad(:a2::text, 4, '0'), 1, 1499, 1),
    ('sbl_' || md5(:r::text || 'sl2'), 'sub_' || md5(:r::text || 's1'), 'oln_' || md5(:r::text || 'l2'),
     'ven_bench_b', 'SKU-' || lpad(:b::text, 4, '0'), 1, 1499, 0);

INSERT INTO outbox_events (id, vendor_id, type, payload)
SELECT 'msg_' || md5(:r::text || 'm' || s.n), s.vendor_id, 'suborder.created',
       jsonb_build_object(
           'type', 'suborder.created', 'timestamp', now(),
           'data', jsonb_build_object(
               'id', 'sub_' || md5(:r::text || 's' || s.n), 'order_id', 'ord_' || md5(:r::text || 'o'),
               'vendor_id', s.vendor_id, 'location', s.location, 'status', 'pending_acceptance', 'currency', 'EUR',
               'lines', s.lines, 'subtotal', s.subtotal,
               'accept_by', now() + interval '1 day', 'ship_by', now() + interval '2 days',
               'promised_delivery', now() + interval '25 hours',
               'routing', jsonb_build_object(
                   'reason', 'Every unit is covered with 2 shipments, the fewest possible; the last delivery is the earliest available.',
                   'candidates_considered', 4)))::text
FROM (VALUES
    (0, 'ven_bench_a', 'a-berlin', 2998::bigint,
     jsonb_build_array(
         jsonb_build_object('id', 'sbl_' || md5(:r::text || 'sl0'), 'order_line_id', 'oln_' || md5(:r::text || 'l0'),
                            'sku', 'SKU-' || lpad(:a1::text, 4, '0'), 'quantity', 1, 'unit_price', 1499),
         jsonb_build_object('id', 'sbl_' || md5(:r::text || 'sl1'), 'order_line_id', 'oln_' || md5(:r::text || 'l1'),
                            'sku', 'SKU-' || lpad(:a2::text, 4, '0'), 'quantity', 1, 'unit_price', 1499))),
    (1, 'ven_bench_b', 'b-hamburg', 1499::bigint,
     jsonb_build_array(
         jsonb_build_object('id', 'sbl_' || md5(:r::text || 'sl2'), 'order_line_id', 'oln_' || md5(:r::text || 'l2'),
                            'sku', 'SKU-' || lpad(:b::text, 4, '0'), 'quantity', 1, 'unit_price', 1499)))
) AS s(n, vendor_id, location, subtotal, lines);

END;
