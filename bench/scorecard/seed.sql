-- 100,000 suborders of one vendor over the last 60 days (plus 100,000 of another vendor, so
-- the index has to pick one vendor out), in every decided and undecided state. The counts
-- per state are fixed by `n`, so every run seeds the same history.
INSERT INTO channels (code, name, type) VALUES ('bench-web', 'Bench', 'web');
INSERT INTO vendors (id, name, acceptance_window_seconds, ship_window_seconds)
VALUES ('ven_score', 'Scored vendor', 86400, 172800), ('ven_other', 'Other vendor', 86400, 172800);
INSERT INTO locations (vendor_id, code, name, type, country, latitude, longitude, handling_seconds, pickup)
VALUES ('ven_score', 'WH1', 'WH1', 'warehouse', 'DE', 52.5, 13.4, 3600, false),
       ('ven_other', 'WH1', 'WH1', 'warehouse', 'DE', 52.5, 13.4, 3600, false);
INSERT INTO orders (id, channel, customer_id, currency, fulfillment, status, created_at)
SELECT 'ord_b' || n, 'bench-web', 'c' || (n % 5000), 'EUR', '{"type": "delivery", "address": {}}', 'open',
       now() - (n % 60) * interval '1 day' - (n % 86400) * interval '1 second'
FROM generate_series(1, 200000) AS n;
-- Inserted as they would be after their transitions: the trigger only counts status updates,
-- so seeded rows carry their timestamps directly.
INSERT INTO suborders (id, order_id, vendor_id, location, status, currency, subtotal, accept_by, ship_by,
                       promised_delivery, routing_reason, vendor_routing_reason, candidates_considered,
                       created_at, updated_at, accepted_at, shipped_at, fulfillment)
SELECT 'sub_b' || n, 'ord_b' || n, CASE WHEN n % 2 = 0 THEN 'ven_score' ELSE 'ven_other' END, 'WH1',
       s.status, 'EUR', 1000, o.created_at + interval '1 day', o.created_at + interval '2 days',
       o.created_at + interval '3 days', 'bench', 'bench', 1, o.created_at, o.created_at,
       CASE WHEN s.status IN ('accepted', 'shipped', 'delivered', 'cancelled')
            THEN o.created_at + (n % 7200) * interval '1 second' END,
       CASE WHEN s.status IN ('shipped', 'delivered')
            THEN o.created_at + CASE WHEN n % 10 = 0 THEN interval '3 days' ELSE interval '1 day' END END,
       o.fulfillment
FROM generate_series(1, 200000) AS n
JOIN orders o ON o.id = 'ord_b' || n
CROSS JOIN LATERAL (SELECT (ARRAY['delivered', 'delivered', 'shipped', 'accepted', 'rejected', 'expired',
                                  'pending_acceptance', 'cancelled', 'delivered', 'delivered'])[1 + (n / 2) % 10] AS status) s;
-- The hourly decision rollup, as the migration backfills it (the trigger keeps it from then on).
INSERT INTO vendor_decisions (vendor_id, hour, decided, accepted)
SELECT vendor_id, date_trunc('hour', created_at),
       count(*) FILTER (WHERE accepted_at IS NOT NULL OR status IN ('rejected', 'expired')),
       count(*) FILTER (WHERE accepted_at IS NOT NULL)
FROM suborders GROUP BY 1, 2;
VACUUM ANALYZE orders;
VACUUM ANALYZE suborders;
