public import CommerceCore
public import Foundation

/// A company whose customers buy for it.
public struct Organization: Sendable, JSONRepresentable {
    public let id: String
    public let name: String
    public let currency: String
    public let createdAt: Date

    public init(id: String, name: String, currency: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.currency = currency
        self.createdAt = createdAt
    }

    public var json: JSONValue {
        ["id": .string(id), "name": .string(name), "currency": .string(currency), "created_at": .string(RFC3339.format(createdAt))]
    }
}

public enum MemberRole: String, Sendable, CaseIterable {
    case buyer, approver
}

public struct Member: Sendable, JSONRepresentable {
    public let organizationId: String
    public let customerId: String
    public let role: MemberRole
    /// The largest order total (minor units of the organization's currency) the member may
    /// place without approval; nil: no limit.
    public let orderLimit: Int64?

    public init(organizationId: String, customerId: String, role: MemberRole, orderLimit: Int64?) {
        self.organizationId = organizationId
        self.customerId = customerId
        self.role = role
        self.orderLimit = orderLimit
    }

    public var json: JSONValue {
        [
            "organization_id": .string(organizationId), "customer_id": .string(customerId), "role": .string(role.rawValue),
            "order_limit": .from(orderLimit),
        ]
    }
}

/// The negotiated price of one vendor's offer of one sku, for one organization.
public struct NegotiatedPrice: Sendable, JSONRepresentable {
    public let organizationId: String
    public let sku: String
    public let vendorId: String
    public let unitPrice: Int64
    public let currency: String

    public init(organizationId: String, sku: String, vendorId: String, unitPrice: Int64, currency: String) {
        self.organizationId = organizationId
        self.sku = sku
        self.vendorId = vendorId
        self.unitPrice = unitPrice
        self.currency = currency
    }

    public var json: JSONValue {
        [
            "organization_id": .string(organizationId), "sku": .string(sku), "vendor_id": .string(vendorId),
            "unit_price": .int(unitPrice), "currency": .string(currency),
        ]
    }
}
