public import CommerceCore
public import Foundation

public enum SuborderStatus: String, Sendable, CaseIterable {
    case pendingAcceptance = "pending_acceptance"
    case accepted, rejected, expired, shipped, delivered, cancelled

    /// Still holding stock or on its way: the order stays open while any suborder is here.
    public var isActive: Bool { self == .pendingAcceptance || self == .accepted || self == .shipped }
    /// Reserved units are held in stock for these.
    public var holdsReservation: Bool { self == .pendingAcceptance || self == .accepted }
}

public enum OrderStatus: String, Sendable {
    case open, completed, cancelled
    /// A member's order over its `order_limit`: no suborders, nothing reserved (v1.2).
    case pendingApproval = "pending_approval"
    case declined
}

public struct SuborderLine: Sendable, JSONRepresentable {
    public let id: String
    public let orderLineId: String
    public let sku: String
    /// The units this suborder holds: after a partial acceptance, the accepted ones only.
    public let quantity: Int
    public let unitPrice: Int64
    /// Units the vendor refused when it accepted (v1.2 partial acceptance); they were rerouted
    /// or cancelled on the order line.
    public var refusedQuantity: Int = 0
    public var refusedReason: String?

    public init(id: String, orderLineId: String, sku: String, quantity: Int, unitPrice: Int64) {
        self.id = id
        self.orderLineId = orderLineId
        self.sku = sku
        self.quantity = quantity
        self.unitPrice = unitPrice
    }

    public var json: JSONValue {
        [
            "id": .string(id), "order_line_id": .string(orderLineId), "sku": .string(sku),
            "quantity": .int(Int64(quantity)), "unit_price": .int(unitPrice),
            "refused_quantity": .int(Int64(refusedQuantity)), "refused_reason": .from(refusedReason),
        ]
    }
}

public struct Suborder: Sendable, JSONRepresentable {
    public let id: String
    public let orderId: String
    public let vendorId: String
    public let location: String
    /// How this shipment reaches the customer (v1.2 mixed cart: suborders never mix fulfilments).
    public let fulfillment: Fulfillment
    public var status: SuborderStatus
    public let currency: String
    public let lines: [SuborderLine]
    public let acceptBy: Date
    public let shipBy: Date
    public let promisedDelivery: Date
    /// The whole routing decision, for operators and channels.
    public let routingReason: String
    /// The same decision told from this shipment alone, for its vendor (`ShipmentReason`).
    public let vendorRoutingReason: String
    public let candidatesConsidered: Int
    public let replaces: String?
    public var replacedBy: String?
    /// Every suborder whose `replaces` is this one (v1.2): computed from `replaces` when read,
    /// so it never drifts from the replacements that exist.
    public var reroutedTo: [String] = []
    public var carrier: String?
    public var trackingNumber: String?
    public var reason: String?
    public var deliveredAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, orderId: String, vendorId: String, location: String, fulfillment: Fulfillment, status: SuborderStatus,
        currency: String,
        lines: [SuborderLine], acceptBy: Date, shipBy: Date, promisedDelivery: Date, routingReason: String,
        vendorRoutingReason: String, candidatesConsidered: Int, replaces: String?, replacedBy: String?, carrier: String?,
        trackingNumber: String?,
        reason: String?, deliveredAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.orderId = orderId
        self.vendorId = vendorId
        self.location = location
        self.fulfillment = fulfillment
        self.status = status
        self.currency = currency
        self.lines = lines
        self.acceptBy = acceptBy
        self.shipBy = shipBy
        self.promisedDelivery = promisedDelivery
        self.routingReason = routingReason
        self.vendorRoutingReason = vendorRoutingReason
        self.candidatesConsidered = candidatesConsidered
        self.replaces = replaces
        self.replacedBy = replacedBy
        self.carrier = carrier
        self.trackingNumber = trackingNumber
        self.reason = reason
        self.deliveredAt = deliveredAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var subtotal: Int64 { lines.reduce(0) { $0 + $1.unitPrice * Int64($1.quantity) } }

    /// The suborder as operators and channels see it: `routing.reason` tells the whole decision.
    public var json: JSONValue { render(reason: routingReason) }

    /// The suborder as its vendor sees it (feed, `GET /v1/suborders/{id}`, action answers,
    /// webhook payloads): `routing.reason` speaks of this shipment only, so no other vendor's
    /// id, location, SKUs or quantities reach it.
    public var vendorJSON: JSONValue { render(reason: vendorRoutingReason) }

    /// The view for a caller: the vendor's own view for a vendor key, the whole one otherwise.
    public func json(forVendor isVendor: Bool) -> JSONValue { isVendor ? vendorJSON : json }

    private func render(reason routingReason: String) -> JSONValue {
        [
            "id": .string(id), "order_id": .string(orderId), "vendor_id": .string(vendorId),
            "location": .string(location), "fulfillment": fulfillment.json, "status": .string(status.rawValue),
            "currency": .string(currency),
            "lines": .from(lines), "subtotal": .int(subtotal), "accept_by": .string(RFC3339.format(acceptBy)),
            "ship_by": .string(RFC3339.format(shipBy)), "promised_delivery": .string(RFC3339.format(promisedDelivery)),
            "routing": ["reason": .string(routingReason), "candidates_considered": .int(Int64(candidatesConsidered))],
            "replaces": .from(replaces), "replaced_by": .from(replacedBy),
            "rerouted_to": .array(reroutedTo.map { .string($0) }), "carrier": .from(carrier),
            "tracking_number": .from(trackingNumber), "reason": .from(reason),
            "delivered_at": deliveredAt.map { .string(RFC3339.format($0)) } ?? .null,
            "created_at": .string(RFC3339.format(createdAt)), "updated_at": .string(RFC3339.format(updatedAt)),
        ]
    }
}

public struct OrderLine: Sendable, JSONRepresentable {
    public let id: String
    public let position: Int
    public let sku: String
    public let quantity: Int
    public var cancelledQuantity: Int
    public let vendorId: String?
    public let maxUnitPrice: Int64?
    /// The line's own fulfilment (mixed cart), or nil: the order's.
    public let fulfillment: Fulfillment?

    public init(
        id: String, position: Int, sku: String, quantity: Int, cancelledQuantity: Int, vendorId: String?, maxUnitPrice: Int64?,
        fulfillment: Fulfillment? = nil
    ) {
        self.id = id
        self.position = position
        self.sku = sku
        self.quantity = quantity
        self.cancelledQuantity = cancelledQuantity
        self.vendorId = vendorId
        self.maxUnitPrice = maxUnitPrice
        self.fulfillment = fulfillment
    }

    /// Without the order's fulfilment at hand: `fulfillment` is the line's own or null.
    public var json: JSONValue { json(orderFulfillment: nil) }

    /// `fulfillment` is the one the line is served by: its own, else the order's.
    public func json(orderFulfillment: Fulfillment?) -> JSONValue {
        [
            "id": .string(id), "sku": .string(sku), "quantity": .int(Int64(quantity)),
            "cancelled_quantity": .int(Int64(cancelledQuantity)), "vendor_id": .from(vendorId),
            "max_unit_price": .from(maxUnitPrice), "fulfillment": (fulfillment ?? orderFulfillment)?.json ?? .null,
        ]
    }
}

/// Where the customer receives the goods.
public enum Fulfillment: Sendable, Equatable, Hashable {
    case delivery(Address)
    case pickup(vendorId: String, location: String)

    public var json: JSONValue {
        switch self {
        case .delivery(let address):
            ["type": "delivery", "address": address.json]
        case .pickup(let vendorId, let location):
            ["type": "pickup", "vendor_id": .string(vendorId), "location": .string(location)]
        }
    }
}

public struct Address: Sendable, Equatable, Hashable {
    public let country: String?
    public let postalCode: String?
    public let latitude: Double?
    public let longitude: Double?

    public init(country: String?, postalCode: String?, latitude: Double?, longitude: Double?) {
        self.country = country
        self.postalCode = postalCode
        self.latitude = latitude
        self.longitude = longitude
    }

    public var json: JSONValue {
        [
            "country": .from(country), "postal_code": .from(postalCode), "latitude": .from(latitude),
            "longitude": .from(longitude),
        ]
    }

    public init(json: JSONValue) {
        self.init(
            country: json["country"]?.stringValue, postalCode: json["postal_code"]?.stringValue,
            latitude: json["latitude"].flatMap(Self.number), longitude: json["longitude"].flatMap(Self.number))
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }
}

extension Fulfillment {
    public var isPickup: Bool {
        if case .pickup = self { return true }
        return false
    }

    public init?(json: JSONValue) {
        switch json["type"]?.stringValue {
        case "delivery": self = .delivery(Address(json: json["address"] ?? .null))
        case "pickup":
            guard let vendorId = json["vendor_id"]?.stringValue, let location = json["location"]?.stringValue else { return nil }
            self = .pickup(vendorId: vendorId, location: location)
        default: return nil
        }
    }
}

public struct Order: Sendable, JSONRepresentable {
    public let id: String
    public let channel: String
    public let customerId: String
    public let customerEmail: String?
    public var status: OrderStatus
    public let currency: String
    public let fulfillment: Fulfillment
    public let deliverBy: Date?
    public var lines: [OrderLine]
    public var suborders: [Suborder]
    public let createdAt: Date
    /// The cart the order was checked out from (v1.2).
    public var cartId: String?
    /// The organization of the member who placed it (v1.2).
    public var organizationId: String?

    public init(
        id: String, channel: String, customerId: String, customerEmail: String?, status: OrderStatus, currency: String,
        fulfillment: Fulfillment, deliverBy: Date?, lines: [OrderLine], suborders: [Suborder], createdAt: Date
    ) {
        self.id = id
        self.channel = channel
        self.customerId = customerId
        self.customerEmail = customerEmail
        self.status = status
        self.currency = currency
        self.fulfillment = fulfillment
        self.deliverBy = deliverBy
        self.lines = lines
        self.suborders = suborders
        self.createdAt = createdAt
    }

    /// What the customer is charged for: suborders that were not rejected, expired or cancelled.
    public var total: Int64 {
        suborders.filter { $0.status != .rejected && $0.status != .expired && $0.status != .cancelled }
            .reduce(0) { $0 + $1.subtotal }
    }

    public var json: JSONValue {
        [
            "id": .string(id), "channel": .string(channel), "customer_id": .string(customerId),
            "customer_email": .from(customerEmail), "status": .string(status.rawValue), "currency": .string(currency),
            "total": .int(total), "lines": .array(lines.map { $0.json(orderFulfillment: fulfillment) }),
            "suborders": .from(suborders),
            "fulfillment": fulfillment.json, "deliver_by": deliverBy.map { .string(RFC3339.format($0)) } ?? .null,
            "created_at": .string(RFC3339.format(createdAt)), "cart_id": .from(cartId),
            "organization_id": .from(organizationId),
        ]
    }
}
