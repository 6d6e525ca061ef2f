public import CommerceCore
public import Foundation
public import OrderCore

public enum CartStatus: String, Sendable, CaseIterable {
    case open
    case checkedOut = "checked_out"
}

/// One sku in a cart: at most one line per sku.
public struct CartLine: Sendable, Equatable, JSONRepresentable {
    public let sku: String
    public let quantity: Int
    /// The line's own fulfilment (mixed cart), or nil to use the cart's.
    public let fulfillment: Fulfillment?
    public let vendorId: String?
    public let maxUnitPrice: Int64?

    public init(sku: String, quantity: Int, fulfillment: Fulfillment?, vendorId: String?, maxUnitPrice: Int64?) {
        self.sku = sku
        self.quantity = quantity
        self.fulfillment = fulfillment
        self.vendorId = vendorId
        self.maxUnitPrice = maxUnitPrice
    }

    public var json: JSONValue {
        [
            "sku": .string(sku), "quantity": .int(Int64(quantity)), "fulfillment": fulfillment?.json ?? .null,
            "vendor_id": .from(vendorId), "max_unit_price": .from(maxUnitPrice),
        ]
    }
}

/// A customer's cart, shared by every channel.
public struct Cart: Sendable, JSONRepresentable {
    public let id: String
    public let customerId: String
    public let customerEmail: String?
    public let currency: String
    public let fulfillment: Fulfillment?
    public var status: CartStatus
    public var lines: [CartLine]
    /// Codes of the channels that changed the cart, first change first, each once.
    public var channels: [String]
    /// The order it was checked out into.
    public var orderId: String?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, customerId: String, customerEmail: String?, currency: String, fulfillment: Fulfillment?,
        status: CartStatus, lines: [CartLine], channels: [String], orderId: String?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.customerId = customerId
        self.customerEmail = customerEmail
        self.currency = currency
        self.fulfillment = fulfillment
        self.status = status
        self.lines = lines
        self.channels = channels
        self.orderId = orderId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public var json: JSONValue {
        [
            "id": .string(id), "customer_id": .string(customerId), "customer_email": .from(customerEmail),
            "currency": .string(currency), "fulfillment": fulfillment?.json ?? .null, "status": .string(status.rawValue),
            "lines": .from(lines), "channels": .array(channels.map { .string($0) }), "order_id": .from(orderId),
            "created_at": .string(RFC3339.format(createdAt)), "updated_at": .string(RFC3339.format(updatedAt)),
        ]
    }
}
