import CommerceCore
import Foundation
import Postgres

/// One (vendor, location, sku) with stock available and an active offer, plus what the
/// delivery estimate and SLA need.
public struct StockOffer: Sendable {
    public let vendorId: String
    public let location: String
    public let sku: String
    public let unitPrice: Int64
    public let currency: String
    public let available: Int
    public let latitude: Double
    public let longitude: Double
    public let handlingSeconds: Int
    public let pickup: Bool
    public let acceptanceWindowSeconds: Int
    public let shipWindowSeconds: Int
}

public enum CandidateStore {
    /// Active offers with available stock for `skus`, in `currency` when given.
    public static func stockOffers(
        _ db: any Queryable, skus: [String], currency: String?, onlyLocation: (vendorId: String, code: String)? = nil
    ) async throws -> [StockOffer] {
        let statement = stockOffersStatement(skus: skus, currency: currency, onlyLocation: onlyLocation)
        return try decodeStockOffers(try await db.query(statement.sql, statement.parameters))
    }

    /// The statement of `stockOffers`, for a caller that sends it together with other reads in
    /// one round trip (`Transaction.queries`); decode its result with `decodeStockOffers`.
    public static func stockOffersStatement(
        skus: [String], currency: String?, onlyLocation: (vendorId: String, code: String)? = nil
    ) -> (sql: String, parameters: [any PostgresEncodable]) {
        (
            """
            SELECT o.vendor_id, st.location, o.sku, o.unit_price, o.currency, st.on_hand - st.reserved AS available,
                   l.latitude, l.longitude, l.handling_seconds, l.pickup,
                   v.acceptance_window_seconds, v.ship_window_seconds
            FROM offers o
            JOIN stock st ON st.vendor_id = o.vendor_id AND st.sku = o.sku AND st.on_hand > st.reserved
            JOIN locations l ON l.vendor_id = st.vendor_id AND l.code = st.location
            JOIN vendors v ON v.id = o.vendor_id
            WHERE o.sku = ANY($1) AND o.active
              AND ($2::text IS NULL OR o.currency = $2)
              AND ($3::text IS NULL OR (st.vendor_id = $3 AND st.location = $4))
            ORDER BY o.vendor_id, st.location, o.sku
            """, [skus, currency, onlyLocation?.vendorId, onlyLocation?.code]
        )
    }

    public static func decodeStockOffers(_ result: QueryResult) throws -> [StockOffer] {
        try result.rows.map {
            StockOffer(
                vendorId: try $0.string("vendor_id"), location: try $0.string("location"), sku: try $0.string("sku"),
                unitPrice: try $0.int64("unit_price"), currency: try $0.string("currency"),
                available: try $0.int("available"), latitude: try $0.double("latitude"),
                longitude: try $0.double("longitude"), handlingSeconds: try $0.int("handling_seconds"),
                pickup: try $0.bool("pickup"), acceptanceWindowSeconds: try $0.int("acceptance_window_seconds"),
                shipWindowSeconds: try $0.int("ship_window_seconds"))
        }
    }
}

/// Turns stock offers into planner candidates for one fulfilment (pure).
public enum CandidateBuilder {
    public static func estimate(_ offer: StockOffer, fulfillment: Fulfillment, now: Date) -> DeliveryEstimate {
        switch fulfillment {
        case .pickup:
            return DeliveryEstimate.pickup(now: now, handlingSeconds: offer.handlingSeconds)
        case .delivery(let address):
            if let lat = address.latitude, let lon = address.longitude {
                return DeliveryEstimate.shipment(
                    now: now, handlingSeconds: offer.handlingSeconds, fromLatitude: offer.latitude,
                    fromLongitude: offer.longitude, toLatitude: lat, toLongitude: lon)
            }
            return DeliveryEstimate.shipmentWithoutDestination(now: now, handlingSeconds: offer.handlingSeconds)
        }
    }

    public static func candidates(
        _ offers: [StockOffer], fulfillment: Fulfillment, now: Date, excluding: Set<LocationKey> = []
    ) -> [CandidateLocation] {
        var byLocation: [LocationKey: CandidateLocation] = [:]
        var order: [LocationKey] = []
        for offer in offers {
            let key = LocationKey(vendorId: offer.vendorId, location: offer.location)
            if excluding.contains(key) { continue }
            if case .pickup(let vendorId, let location) = fulfillment,
                vendorId != offer.vendorId || location != offer.location || !offer.pickup
            {
                continue
            }
            if byLocation[key] == nil {
                let estimate = estimate(offer, fulfillment: fulfillment, now: now)
                byLocation[key] = CandidateLocation(
                    vendorId: offer.vendorId, location: offer.location, promisedDelivery: estimate.deliversBy, offers: [:])
                order.append(key)
            }
            byLocation[key]!.offers[offer.sku] = CandidateOffer(unitPrice: offer.unitPrice, available: offer.available)
        }
        return order.map { byLocation[$0]! }
    }
}

public struct LocationKey: Hashable, Sendable {
    public let vendorId: String
    public let location: String

    public init(vendorId: String, location: String) {
        self.vendorId = vendorId
        self.location = location
    }
}
