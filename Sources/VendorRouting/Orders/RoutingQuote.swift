public import CommerceCore
public import Foundation
public import OrderCore
public import RoutePlanning

/// The answer of `POST /v1/routing/quotes` (API.md v1.2 "Routing quote"): how an order would
/// be split and when it would arrive, or, when it cannot be routed as a whole, the errors the
/// 409 would name.
public struct RoutingQuote: Sendable, JSONRepresentable {
    public struct Shipment: Sendable {
        public let vendorId: String
        public let location: String
        public let fulfillment: Fulfillment
        public let lines: [PlannedLine]
        public let promisedDelivery: Date
        public let reason: String
        public let candidatesConsidered: Int

        public var subtotal: Int64 { lines.reduce(0) { $0 + $1.unitPrice * Int64($1.quantity) } }
    }

    public let feasible: Bool
    public let currency: String
    public let suborders: [Shipment]
    public let errors: [FieldError]

    public var total: Int64 { suborders.reduce(0) { $0 + $1.subtotal } }

    init(currency: String, planned: PlannedOrder) {
        feasible = true
        self.currency = currency
        suborders = planned.plan.shipments.map {
            Shipment(
                vendorId: $0.vendorId, location: $0.location, fulfillment: planned.fulfillments[$0.fulfillment], lines: $0.lines,
                promisedDelivery: $0.promisedDelivery, reason: planned.plan.reason,
                candidatesConsidered: planned.plan.candidatesConsidered)
        }
        errors = []
    }

    init(currency: String, errors: [FieldError]) {
        feasible = false
        self.currency = currency
        suborders = []
        self.errors = errors
    }

    public var json: JSONValue {
        [
            "feasible": .bool(feasible), "currency": .string(currency), "total": .int(total),
            "suborders": .array(
                suborders.map { shipment in
                    [
                        "vendor_id": .string(shipment.vendorId), "location": .string(shipment.location),
                        "fulfillment": shipment.fulfillment.json,
                        "lines": .array(
                            shipment.lines.map {
                                ["sku": .string($0.sku), "quantity": .int(Int64($0.quantity)), "unit_price": .int($0.unitPrice)]
                            }),
                        "subtotal": .int(shipment.subtotal),
                        "promised_delivery": .string(RFC3339.format(shipment.promisedDelivery)),
                        "routing": [
                            "reason": .string(shipment.reason),
                            "candidates_considered": .int(Int64(shipment.candidatesConsidered)),
                        ],
                    ]
                }),
            "errors": .array(errors.map { ["field": .string($0.field), "message": .string($0.message)] }),
        ]
    }
}
