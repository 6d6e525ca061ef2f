-- Webhook hardening (issue 8): `last_error` becomes a small closed vocabulary instead of raw
-- network error text (which told tenants what the server's network looks like), and the
-- claim can count a receiver's attempts in flight cheaply.
-- (Numbered 0009: 0006 was taken by price_bound, 0007/0008 are reserved for other branches.)

-- Free text written by earlier versions, mapped to the categories the API now promises.
-- 'endpoint deleted' was never an attempt's outcome: the last attempt's cause is unknown.
UPDATE webhook_deliveries SET last_error = CASE
        WHEN last_status_code IS NOT NULL OR last_error = 'endpoint deleted' THEN NULL
        WHEN last_error LIKE 'target refused%' THEN 'refused_target'
        WHEN last_error ~* 'timeout|timed out|deadline' THEN 'timeout'
        WHEN last_error ~* 'ssl|tls|certificate|handshake' THEN 'tls'
        ELSE 'connection_failed'
    END
WHERE last_error IS NOT NULL;

UPDATE webhook_attempts SET error = CASE
        WHEN status_code IS NOT NULL THEN NULL
        WHEN error LIKE 'target refused%' THEN 'refused_target'
        WHEN error ~* 'timeout|timed out|deadline' THEN 'timeout'
        WHEN error ~* 'ssl|tls|certificate|handshake' THEN 'tls'
        ELSE 'connection_failed'
    END
WHERE error IS NOT NULL;

ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_last_error
    CHECK (last_error IN ('timeout', 'connection_failed', 'tls', 'refused_target'));
ALTER TABLE webhook_attempts ADD CONSTRAINT webhook_attempts_error
    CHECK (error IN ('timeout', 'connection_failed', 'tls', 'refused_target'));

-- Attempts in flight per endpoint (leased pending deliveries), counted at every claim.
CREATE INDEX webhook_deliveries_leased ON webhook_deliveries (endpoint_id, locked_until)
    WHERE status = 'pending' AND locked_until IS NOT NULL;
