-- Issue 9: the API-key check that travels with a request's first statement.
--
-- A server caches which key a token hash belongs to, so a request need not look the key up in
-- a round trip of its own. It sends this check in the same flush as its first statement
-- instead (pipeline mode). Raising an error, not returning false, is the point: PostgreSQL then
-- skips every statement queued after it up to the Sync, so a revoked key's request has no
-- effect, and a key revoked through any server process stops working on the next request.
CREATE FUNCTION api_key_in_force(key_id text, key_hash text) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
    PERFORM 1 FROM api_keys WHERE id = key_id AND token_hash = key_hash AND revoked_at IS NULL;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'API key is revoked or unknown' USING ERRCODE = 'MK401';
    END IF;
    RETURN true;
END
$$;
