-- The scorecard statement, as ScorecardStore.sql (Sources/VendorRouting/Orders/VendorScorecard.swift)
-- sends it; keep the two the same. ScorecardTests "the scorecard query reads the scorecard index"
-- checks the Swift text's plan.
PREPARE scorecard(text, int) AS
SELECT count(*) FILTER (WHERE accepted_at IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE accepted_at IS NULL AND status = 'rejected') AS rejected,
       count(*) FILTER (WHERE accepted_at IS NULL AND status = 'expired') AS expired,
       count(*) FILTER (WHERE shipped_at IS NOT NULL) AS shipped,
       count(*) FILTER (WHERE shipped_at <= ship_by) AS shipped_on_time,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM accepted_at - created_at))
           FILTER (WHERE accepted_at IS NOT NULL) AS median_accept_seconds
FROM suborders
WHERE vendor_id = $1 AND created_at >= now() - make_interval(days => $2);
