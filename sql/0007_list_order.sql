-- Every resource can be listed newest first by creation (contract v1.2, "Read and list every
-- resource"). Tables keyed by a natural key get a creation sequence for that order and for
-- cursors; an upsert keeps the row and so its place in the list.

ALTER TABLE channels ADD COLUMN seq bigserial;
CREATE UNIQUE INDEX channels_seq ON channels (seq);

ALTER TABLE api_keys ADD COLUMN seq bigserial;
CREATE UNIQUE INDEX api_keys_seq ON api_keys (seq);

ALTER TABLE products ADD COLUMN seq bigserial;
CREATE UNIQUE INDEX products_seq ON products (seq);

ALTER TABLE locations ADD COLUMN seq bigserial;
CREATE UNIQUE INDEX locations_vendor_seq ON locations (vendor_id, seq);

ALTER TABLE offers ADD COLUMN seq bigserial;
CREATE UNIQUE INDEX offers_vendor_seq ON offers (vendor_id, seq);

CREATE INDEX orders_channel ON orders (channel, seq);
