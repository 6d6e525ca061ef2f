/// The routing explanation a vendor may read (API.md, "Limits": what a vendor sees). The
/// planner's `RoutingPlan.reason` explains the whole decision to operators and channels and so
/// names every vendor, location, SKU and quantity of the order; this one speaks of a single
/// shipment only. It never gives the order's total quantity of a line (that would reveal what
/// went to other vendors) nor how many shipments the order was split into.
public enum ShipmentReason {
    /// Lines listed individually; above this, counts are given. Lines are named by SKU, not by
    /// their index in the order, which would hint at lines shipped by others.
    static let maxListedLines = 12

    public static func forVendor(_ shipment: PlannedShipment, candidatesConsidered: Int) -> String {
        let what: String
        if shipment.lines.count <= maxListedLines {
            what = shipment.lines.map { line in
                "\(units(line.quantity)) of \(line.sku)"
            }.joined(separator: ", ")
        } else {
            let count = shipment.lines.count
            what = "\(count) lines (\(units(shipment.lines.reduce(0) { $0 + $1.quantity })))"
        }
        let pool = candidatesConsidered == 1 ? "1 candidate location" : "\(candidatesConsidered) candidate locations"
        return "This shipment from vendor \(shipment.vendorId) at \(shipment.location) takes \(what); "
            + "delivery by \(PlanningFormat.iso8601(shipment.promisedDelivery)). Chosen among \(pool) "
            + "by stock on hand, fewest shipments, earliest delivery, then price."
    }

    private static func units(_ quantity: Int) -> String {
        "\(quantity) \(quantity == 1 ? "unit" : "units")"
    }
}
