-- Partial acceptance (API.md, "Fulfilment beyond v1", v1.2): a vendor accepts a suborder but
-- refuses some units of its lines. `quantity` becomes the accepted units, so every path that
-- reads it (stock on ship, subtotal, settlement, the returns limit) counts accepted units only;
-- the refused units are kept beside it, with the vendor's reason.
ALTER TABLE suborder_lines
    ADD COLUMN refused_quantity integer NOT NULL DEFAULT 0 CHECK (refused_quantity >= 0),
    ADD COLUMN refused_reason text;

-- A line refused whole keeps its row with quantity 0; a line always held at least one unit.
ALTER TABLE suborder_lines DROP CONSTRAINT suborder_lines_quantity_check;
ALTER TABLE suborder_lines ADD CONSTRAINT suborder_lines_quantity_check CHECK (quantity >= 0);
ALTER TABLE suborder_lines ADD CONSTRAINT suborder_lines_units_check CHECK (quantity + refused_quantity > 0);

-- `rerouted_to` is computed from `replaces` on every suborder read (never stored, so it cannot
-- drift from the replacements that exist).
CREATE INDEX suborders_replaces ON suborders (replaces) WHERE replaces IS NOT NULL;
