public import Foundation

// Input and output types of the routing planner (see RoutingPlanner.swift).
// All of them are plain Sendable value types; money is Int64 minor units.

/// One order line to be routed.
public struct PlanningLine: Sendable, Hashable {
    /// Position of the line in the order's `lines` array (what `lines[i]` errors name).
    public var index: Int
    public var sku: String
    /// Units to route. Lines with a quantity of 0 or less are ignored (nothing to route).
    public var quantity: Int
    /// When set, only this vendor may serve the line.
    public var vendorId: String?
    /// When set, only offers with `unitPrice <= maxUnitPrice` may serve the line.
    public var maxUnitPrice: Int64?
    /// The line's fulfilment, as an index the caller assigns (mixed cart): only candidates of the
    /// same fulfilment may serve it. Orders with one fulfilment leave every line at 0.
    public var fulfillment: Int

    public init(
        index: Int, sku: String, quantity: Int, vendorId: String? = nil, maxUnitPrice: Int64? = nil, fulfillment: Int = 0
    ) {
        self.index = index
        self.sku = sku
        self.quantity = quantity
        self.vendorId = vendorId
        self.maxUnitPrice = maxUnitPrice
        self.fulfillment = fulfillment
    }
}

/// What one location offers for one sku.
public struct CandidateOffer: Sendable, Hashable {
    public var unitPrice: Int64
    /// Units that can still be reserved (on hand minus reserved). Values <= 0 make the offer unusable.
    public var available: Int

    public init(unitPrice: Int64, available: Int) {
        self.unitPrice = unitPrice
        self.available = available
    }
}

/// One (vendor, location) that could ship (or hand over) part of the order.
///
/// The caller has already filtered by currency, active offers, excluded (vendor, location) pairs
/// and pickup restriction, and has computed `promisedDelivery` for the customer's address (or
/// the pickup ready time), e.g. with `DeliveryEstimate`.
public struct CandidateLocation: Sendable, Hashable {
    public var vendorId: String
    public var location: String
    public var promisedDelivery: Date
    /// Offers keyed by sku.
    public var offers: [String: CandidateOffer]
    /// The fulfilment this candidate serves (see `PlanningLine.fulfillment`). One (vendor,
    /// location) may appear once per fulfilment; those candidates share the location's stock.
    public var fulfillment: Int
    /// The vendor is on probation (routing by performance): used only when no plan without
    /// such vendors covers the order.
    public var onProbation: Bool

    public init(
        vendorId: String, location: String, promisedDelivery: Date, offers: [String: CandidateOffer], fulfillment: Int = 0,
        onProbation: Bool = false
    ) {
        self.vendorId = vendorId
        self.location = location
        self.promisedDelivery = promisedDelivery
        self.offers = offers
        self.fulfillment = fulfillment
        self.onProbation = onProbation
    }
}

/// Everything the planner needs to route one order (or the lines of a rerouted suborder).
public struct PlanningRequest: Sendable, Hashable {
    public var lines: [PlanningLine]
    /// Candidate locations. Each (vendorId, location) pair should appear once; if it appears
    /// more than once, only its first occurrence is used.
    public var candidates: [CandidateLocation]
    /// The order's `deliver_by`: only candidates with `promisedDelivery <= deliverBy` may be used.
    public var deliverBy: Date?

    public init(lines: [PlanningLine], candidates: [CandidateLocation], deliverBy: Date? = nil) {
        self.lines = lines
        self.candidates = candidates
        self.deliverBy = deliverBy
    }
}

/// Units of one order line assigned to one shipment.
public struct PlannedLine: Sendable, Hashable {
    public var lineIndex: Int
    public var sku: String
    public var quantity: Int
    public var unitPrice: Int64

    public init(lineIndex: Int, sku: String, quantity: Int, unitPrice: Int64) {
        self.lineIndex = lineIndex
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    /// `unitPrice × quantity` (saturating).
    public var lineTotal: Int64 { PlanningMath.multiply(unitPrice, quantity) }
}

/// One shipment (one future suborder): everything a single (vendor, location) sends for one
/// fulfilment.
public struct PlannedShipment: Sendable, Hashable {
    public var vendorId: String
    public var location: String
    public var promisedDelivery: Date
    /// Sorted by `lineIndex`; an order line appears at most once per shipment.
    public var lines: [PlannedLine]
    /// The fulfilment index of the candidate (see `PlanningLine.fulfillment`).
    public var fulfillment: Int

    public init(vendorId: String, location: String, promisedDelivery: Date, lines: [PlannedLine], fulfillment: Int = 0) {
        self.vendorId = vendorId
        self.location = location
        self.promisedDelivery = promisedDelivery
        self.lines = lines
        self.fulfillment = fulfillment
    }

    /// Σ `unitPrice × quantity` over the shipment's lines.
    public var subtotal: Int64 {
        lines.reduce(Int64(0)) { PlanningMath.add($0, $1.lineTotal) }
    }
}

/// The chosen routing of an order.
public struct RoutingPlan: Sendable, Hashable {
    /// Sorted by (vendorId, location, fulfillment).
    public var shipments: [PlannedShipment]
    /// Number of candidate locations that were eligible for at least one line.
    public var candidatesConsidered: Int
    /// One or two sentences for support agents explaining the choice.
    public var reason: String
    /// `true` when the exact search proved the plan optimal; `false` when the search budget ran
    /// out and (part of) the plan comes from the greedy heuristic.
    public var exact: Bool

    public init(shipments: [PlannedShipment], candidatesConsidered: Int, reason: String, exact: Bool) {
        self.shipments = shipments
        self.candidatesConsidered = candidatesConsidered
        self.reason = reason
        self.exact = exact
    }

    /// Σ over all shipments of `unitPrice × quantity`.
    public var totalPrice: Int64 {
        shipments.reduce(Int64(0)) { PlanningMath.add($0, $1.subtotal) }
    }

    /// The latest `promisedDelivery` over the shipments (nil when there are none).
    public var lastDelivery: Date? {
        shipments.map(\.promisedDelivery).max()
    }

    /// Units planned for the order line with the given index, summed over shipments.
    public func plannedQuantity(lineIndex: Int) -> Int {
        shipments.reduce(0) { total, shipment in
            shipment.lines.reduce(total) { $1.lineIndex == lineIndex ? $0 + $1.quantity : $0 }
        }
    }
}

/// Outcome of planning.
public enum PlanningResult: Sendable, Hashable {
    case planned(RoutingPlan)
    /// Indexes (`PlanningLine.index`, ascending, never empty) of the lines that cannot be served.
    case infeasible(unservableLineIndexes: [Int])

    public var plan: RoutingPlan? {
        if case .planned(let plan) = self { return plan }
        return nil
    }

    public var unservableLineIndexes: [Int] {
        if case .infeasible(let indexes) = self { return indexes }
        return []
    }
}

/// Overflow-safe arithmetic for money and unit counts (saturates instead of trapping).
enum PlanningMath {
    static func add(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b > 0 ? .max : .min }
        return sum
    }

    static func multiply(_ price: Int64, _ quantity: Int) -> Int64 {
        let (product, overflow) = price.multipliedReportingOverflow(by: Int64(quantity))
        if overflow { return (price < 0) != (quantity < 0) ? .min : .max }
        return product
    }

    static func add(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if overflow { return b > 0 ? .max : .min }
        return sum
    }
}
