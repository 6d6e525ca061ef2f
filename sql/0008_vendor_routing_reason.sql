-- The routing explanation a vendor may read: its own shipment only (API.md, "Limits": what a
-- vendor sees). routing_reason keeps the whole decision for operators and channels.
ALTER TABLE suborders ADD COLUMN vendor_routing_reason text;

-- Suborders routed before this column existed get an explanation built from their own row:
-- it names nothing but the suborder's own vendor and location.
UPDATE suborders
SET vendor_routing_reason = 'This shipment from vendor ' || vendor_id || ' at ' || location
    || ' was chosen by stock on hand, fewest shipments, earliest delivery, then price.';

ALTER TABLE suborders ALTER COLUMN vendor_routing_reason SET NOT NULL;
