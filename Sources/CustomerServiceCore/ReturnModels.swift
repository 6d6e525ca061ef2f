public import CommerceCore
public import Foundation

public enum ReturnStatus: String, Sendable, CaseIterable {
    case requested, approved, rejected, refunded
}

public enum ReturnMethod: String, Sendable, CaseIterable {
    case inStore = "in_store"
    case courier
}

/// A vendor location, as an in-store return names it.
public struct ReturnLocation: Sendable, Equatable, Hashable {
    public let vendorId: String
    public let code: String

    public init(vendorId: String, code: String) {
        self.vendorId = vendorId
        self.code = code
    }

    public var json: JSONValue { ["vendor_id": .string(vendorId), "code": .string(code)] }
}

/// One returned suborder line. Its refund is `unit_price × received_quantity`.
public struct ReturnLine: Sendable, JSONRepresentable, Equatable {
    public let id: String
    public let suborderLineId: String
    public let suborderId: String
    public let vendorId: String
    public let sku: String
    public let quantity: Int
    public let reason: String
    public let unitPrice: Int64
    public var receivedQuantity: Int
    public var restockedQuantity: Int

    public init(
        id: String, suborderLineId: String, suborderId: String, vendorId: String, sku: String, quantity: Int,
        reason: String, unitPrice: Int64, receivedQuantity: Int = 0, restockedQuantity: Int = 0
    ) {
        self.id = id
        self.suborderLineId = suborderLineId
        self.suborderId = suborderId
        self.vendorId = vendorId
        self.sku = sku
        self.quantity = quantity
        self.reason = reason
        self.unitPrice = unitPrice
        self.receivedQuantity = receivedQuantity
        self.restockedQuantity = restockedQuantity
    }

    public var json: JSONValue {
        [
            "suborder_line_id": .string(suborderLineId), "vendor_id": .string(vendorId), "sku": .string(sku),
            "quantity": .int(Int64(quantity)), "reason": .string(reason), "unit_price": .int(unitPrice),
            "id": .string(id), "suborder_id": .string(suborderId), "received_quantity": .int(Int64(receivedQuantity)),
            "restocked_quantity": .int(Int64(restockedQuantity)),
        ]
    }
}

/// A return of units from one order, requested through any channel.
public struct Return: Sendable, JSONRepresentable {
    public let id: String
    public let seq: Int64
    public let orderId: String
    public let channel: String
    public let customerId: String
    public var status: ReturnStatus
    public let method: ReturnMethod
    public let location: ReturnLocation?
    public let currency: String
    public var lines: [ReturnLine]
    /// The rejection reason.
    public var reason: String?
    public var receivedAt: Date?
    public let createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, seq: Int64, orderId: String, channel: String, customerId: String, status: ReturnStatus,
        method: ReturnMethod, location: ReturnLocation?, currency: String, lines: [ReturnLine], reason: String?,
        receivedAt: Date?, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.seq = seq
        self.orderId = orderId
        self.channel = channel
        self.customerId = customerId
        self.status = status
        self.method = method
        self.location = location
        self.currency = currency
        self.lines = lines
        self.reason = reason
        self.receivedAt = receivedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Σ unit_price × quantity: what the request asks back.
    public var refundAmount: Int64 { ReturnRules.refundAmount(lines) }
    /// Σ unit_price × received_quantity: what was refunded (0 until received).
    public var refundedAmount: Int64 { ReturnRules.refundedAmount(lines) }

    /// The vendors with lines in this return, sorted.
    public var vendorIds: [String] { Array(Set(lines.map(\.vendorId))).sorted() }

    /// The return as one vendor sees it: only its own lines, amounts over those lines.
    public func visible(to vendorId: String?) -> Return {
        guard let vendorId else { return self }
        var copy = self
        copy.lines = lines.filter { $0.vendorId == vendorId }
        return copy
    }

    public var json: JSONValue {
        [
            "id": .string(id), "order_id": .string(orderId), "channel": .string(channel), "status": .string(status.rawValue),
            "method": .string(method.rawValue), "location": location?.json ?? .null, "lines": .from(lines),
            "refund_amount": .int(refundAmount), "currency": .string(currency), "customer_id": .string(customerId),
            "refunded_amount": .int(refundedAmount), "reason": .from(reason),
            "received_at": receivedAt.map { .string(RFC3339.format($0)) } ?? .null,
            "created_at": .string(RFC3339.format(createdAt)), "updated_at": .string(RFC3339.format(updatedAt)),
        ]
    }
}
