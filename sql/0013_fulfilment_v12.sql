-- Fulfilment beyond v1 (v1.2): mixed carts, vendor scorecards, routing by performance.

-- Mixed cart: a line may carry its own fulfilment (NULL: the order's); a suborder serves one.
ALTER TABLE order_lines ADD COLUMN fulfillment jsonb;
ALTER TABLE suborders ADD COLUMN fulfillment jsonb;
UPDATE suborders s SET fulfillment = o.fulfillment FROM orders o WHERE o.id = s.order_id;

-- Scorecards read the history of decisions from the suborders themselves: when each was first
-- accepted and shipped. A partly refused suborder is accepted; one accepted and later cancelled
-- keeps its accepted_at.
ALTER TABLE suborders ADD COLUMN accepted_at timestamptz, ADD COLUMN shipped_at timestamptz;
UPDATE suborders s SET accepted_at = e.at
FROM (SELECT suborder_id, min(at) AS at FROM suborder_events WHERE status = 'accepted' GROUP BY suborder_id) e
WHERE e.suborder_id = s.id;
UPDATE suborders s SET shipped_at = e.at
FROM (SELECT suborder_id, min(at) AS at FROM suborder_events WHERE status = 'shipped' GROUP BY suborder_id) e
WHERE e.suborder_id = s.id;

-- GET /v1/vendors/{id}/scorecard: one vendor, a window of creation times; the included columns
-- make it an index-only scan (100,000 suborders of one vendor: see bench/scorecard).
CREATE INDEX suborders_scorecard ON suborders (vendor_id, created_at)
    INCLUDE (status, accepted_at, shipped_at, ship_by);

-- Routing by performance reads each candidate vendor's 30-day acceptance rate in the same
-- statement as the candidate offers. Hourly buckets (by the suborder's creation hour, as the
-- scorecard windows by creation) keep that read at most 720 rows per vendor.
CREATE TABLE vendor_decisions (
    vendor_id  text NOT NULL REFERENCES vendors (id),
    hour       timestamptz NOT NULL,
    decided    integer NOT NULL DEFAULT 0,
    accepted   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (vendor_id, hour)
);
INSERT INTO vendor_decisions (vendor_id, hour, decided, accepted)
SELECT vendor_id, date_trunc('hour', created_at),
       count(*) FILTER (WHERE accepted_at IS NOT NULL OR status IN ('rejected', 'expired')),
       count(*) FILTER (WHERE accepted_at IS NOT NULL)
FROM suborders GROUP BY 1, 2;

-- Stamps accepted_at / shipped_at and counts a decision (pending_acceptance → accepted,
-- rejected or expired) once, whichever path makes the change.
CREATE FUNCTION suborders_decision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'accepted' AND NEW.accepted_at IS NULL THEN
        NEW.accepted_at := now();
    END IF;
    IF NEW.status = 'shipped' AND NEW.shipped_at IS NULL THEN
        NEW.shipped_at := now();
    END IF;
    IF OLD.status = 'pending_acceptance' AND NEW.status IN ('accepted', 'rejected', 'expired') THEN
        INSERT INTO vendor_decisions AS d (vendor_id, hour, decided, accepted)
        VALUES (NEW.vendor_id, date_trunc('hour', NEW.created_at), 1, CASE WHEN NEW.status = 'accepted' THEN 1 ELSE 0 END)
        ON CONFLICT (vendor_id, hour) DO UPDATE
            SET decided = d.decided + 1, accepted = d.accepted + EXCLUDED.accepted;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER suborders_decision BEFORE UPDATE OF status ON suborders
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION suborders_decision();
