public import CommerceCore
import Foundation

public enum ChannelType: String, Sendable, CaseIterable {
    case web, app, pos, marketplace, social
    case callCenter = "call_center"
}

public struct Channel: Sendable, JSONRepresentable {
    public let code: String
    public let name: String
    public let type: ChannelType

    public init(code: String, name: String, type: ChannelType) {
        self.code = code
        self.name = name
        self.type = type
    }

    public var json: JSONValue { ["code": .string(code), "name": .string(name), "type": .string(type.rawValue)] }
}

public struct Vendor: Sendable, JSONRepresentable {
    public static let defaultAcceptanceWindowSeconds = 86_400
    public static let defaultShipWindowSeconds = 172_800

    public let id: String
    public let name: String
    public let commissionRateBps: Int?
    public let acceptanceWindowSeconds: Int
    public let shipWindowSeconds: Int

    public init(id: String, name: String, commissionRateBps: Int?, acceptanceWindowSeconds: Int, shipWindowSeconds: Int) {
        self.id = id
        self.name = name
        self.commissionRateBps = commissionRateBps
        self.acceptanceWindowSeconds = acceptanceWindowSeconds
        self.shipWindowSeconds = shipWindowSeconds
    }

    public var json: JSONValue {
        [
            "id": .string(id), "name": .string(name), "commission_rate_bps": .from(commissionRateBps),
            "acceptance_window_seconds": .int(Int64(acceptanceWindowSeconds)),
            "ship_window_seconds": .int(Int64(shipWindowSeconds)),
        ]
    }
}

public struct Product: Sendable, JSONRepresentable {
    public let sku: String
    public let title: String
    public let category: String

    public init(sku: String, title: String, category: String) {
        self.sku = sku
        self.title = title
        self.category = category
    }

    public var json: JSONValue { ["sku": .string(sku), "title": .string(title), "category": .string(category)] }
}

public enum LocationType: String, Sendable, CaseIterable {
    case warehouse, store
}

public struct Location: Sendable, JSONRepresentable {
    public let vendorId: String
    public let code: String
    public let name: String
    public let type: LocationType
    public let country: String
    public let postalCode: String?
    public let latitude: Double
    public let longitude: Double
    public let handlingSeconds: Int
    public let pickup: Bool

    public init(
        vendorId: String, code: String, name: String, type: LocationType, country: String, postalCode: String?,
        latitude: Double, longitude: Double, handlingSeconds: Int, pickup: Bool
    ) {
        self.vendorId = vendorId
        self.code = code
        self.name = name
        self.type = type
        self.country = country
        self.postalCode = postalCode
        self.latitude = latitude
        self.longitude = longitude
        self.handlingSeconds = handlingSeconds
        self.pickup = pickup
    }

    public var json: JSONValue {
        [
            "vendor_id": .string(vendorId), "code": .string(code), "name": .string(name), "type": .string(type.rawValue),
            "country": .string(country), "postal_code": .from(postalCode), "latitude": .double(latitude),
            "longitude": .double(longitude), "handling_seconds": .int(Int64(handlingSeconds)), "pickup": .bool(pickup),
        ]
    }
}

public struct Offer: Sendable, JSONRepresentable {
    /// A billion in major units; keeps every order total inside Int64.
    public static let maxUnitPrice: Int64 = 100_000_000_000

    public let vendorId: String
    public let sku: String
    public let unitPrice: Int64
    public let currency: String
    public let active: Bool

    public init(vendorId: String, sku: String, unitPrice: Int64, currency: String, active: Bool) {
        self.vendorId = vendorId
        self.sku = sku
        self.unitPrice = unitPrice
        self.currency = currency
        self.active = active
    }

    public var json: JSONValue {
        [
            "vendor_id": .string(vendorId), "sku": .string(sku), "unit_price": .int(unitPrice),
            "currency": .string(currency), "active": .bool(active),
        ]
    }
}

public struct StockLevel: Sendable, JSONRepresentable {
    public let location: String
    public let sku: String
    public let onHand: Int
    public let reserved: Int
    public var available: Int { onHand - reserved }

    public init(location: String, sku: String, onHand: Int, reserved: Int) {
        self.location = location
        self.sku = sku
        self.onHand = onHand
        self.reserved = reserved
    }

    public var json: JSONValue {
        [
            "location": .string(location), "sku": .string(sku), "on_hand": .int(Int64(onHand)),
            "reserved": .int(Int64(reserved)), "available": .int(Int64(available)),
        ]
    }
}

public struct StockItem: Sendable {
    public let location: String
    public let sku: String
    public let onHand: Int

    public init(location: String, sku: String, onHand: Int) {
        self.location = location
        self.sku = sku
        self.onHand = onHand
    }
}

/// Whether an upsert created the row or replaced it (201 vs 200).
public struct Upserted<Value: Sendable>: Sendable {
    public let value: Value
    public let created: Bool

    public init(value: Value, created: Bool) {
        self.value = value
        self.created = created
    }
}
