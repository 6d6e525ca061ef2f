-- Unit prices are bounded so that order totals (at most 100,000 units a line, 200 lines an
-- order) can never overflow a 64-bit integer; the API refuses larger prices with 422.
ALTER TABLE offers ADD CONSTRAINT offers_unit_price_bound CHECK (unit_price <= 100000000000);
