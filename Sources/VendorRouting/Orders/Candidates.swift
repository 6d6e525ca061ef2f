import CommerceCore
public import Foundation
public import OrderCore
public import Postgres
public import RoutePlanning
import Synchronization

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
    /// The vendor is on probation (`ProbationPolicy`), read with the offer.
    public let onProbation: Bool
}

public enum CandidateStore {
    /// Active offers with available stock for `skus`, in `currency` when given, each with its
    /// vendor's probation, in one statement: routing by performance adds no round trip to the
    /// order path. Probation comes from the hourly decision rollup (`vendor_decisions`, kept by
    /// a trigger on suborders), at most 720 rows per vendor, never from scanning suborders.
    public static func stockOffers(
        _ db: any Queryable, skus: [String], currency: String?, onlyLocation: (vendorId: String, code: String)? = nil,
        probation: ProbationPolicy = .current
    ) async throws -> [StockOffer] {
        let statement = stockOffersStatement(skus: skus, currency: currency, onlyLocation: onlyLocation, probation: probation)
        // Planned once per connection: a fresh plan costs PostgreSQL about 0.9 ms with a
        // catalogue of realistic size, ten times what executing it does.
        return try decodeStockOffers(try await db.query(statement.sql, statement.parameters, genericPlan: true))
    }

    /// The statement of `stockOffers`, for a caller that sends it together with other reads in
    /// one round trip (`Transaction.queries`); decode its result with `decodeStockOffers`.
    public static func stockOffersStatement(
        skus: [String], currency: String?, onlyLocation: (vendorId: String, code: String)? = nil,
        probation: ProbationPolicy = .current
    ) -> (sql: String, parameters: [any PostgresEncodable]) {
        (
            """
            WITH c AS (
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
            ), p AS (
                SELECT h.vendor_id, sum(h.decided) AS decided, sum(h.accepted) AS accepted
                FROM vendor_decisions h
                WHERE h.vendor_id IN (SELECT DISTINCT vendor_id FROM c)
                  AND h.hour >= date_trunc('hour', now() - interval '30 days')
                GROUP BY h.vendor_id
            )
            SELECT c.*, coalesce(p.decided >= $5 AND p.accepted::float8 / p.decided < $6::float8, false) AS on_probation
            FROM c LEFT JOIN p ON p.vendor_id = c.vendor_id
            ORDER BY c.vendor_id, c.location, c.sku
            """,
            [skus, currency, onlyLocation?.vendorId, onlyLocation?.code, probation.minDecided, String(probation.minAcceptanceRate)]
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
                shipWindowSeconds: try $0.int("ship_window_seconds"), onProbation: try $0.bool("on_probation"))
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

    /// Candidates for every fulfilment of a (possibly mixed) order: the candidates of
    /// `fulfillments[i]` carry fulfilment index `i`, the index its lines carry.
    public static func candidates(
        _ offers: [StockOffer], fulfillments: [Fulfillment], now: Date, excluding: Set<LocationKey> = []
    ) -> [CandidateLocation] {
        fulfillments.enumerated().flatMap { i, fulfillment in
            candidates(offers, fulfillment: fulfillment, now: now, excluding: excluding).map {
                var candidate = $0
                candidate.fulfillment = i
                return candidate
            }
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
                    vendorId: offer.vendorId, location: offer.location, promisedDelivery: estimate.deliversBy, offers: [:],
                    onProbation: offer.onProbation)
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

/// Routing by performance (API.md v1.2): a vendor whose acceptance rate over the suborders
/// created in the last 30 days is below `minAcceptanceRate`, with at least `minDecided` of
/// them decided, is on probation and used only as a last resort.
public struct ProbationPolicy: Sendable, Equatable {
    public var minAcceptanceRate: Double
    public var minDecided: Int

    public init(minAcceptanceRate: Double = 0.8, minDecided: Int = 20) {
        self.minAcceptanceRate = minAcceptanceRate
        self.minDecided = minDecided
    }

    /// The process's policy (`ROUTING_MIN_ACCEPTANCE_RATE`, `ROUTING_MIN_DECIDED`), set once at
    /// start-up. Process-wide because every routing path (placement, approval, rerouting from
    /// the API and the sweep) reads it, and threading it through each would change them all.
    public static var current: ProbationPolicy { shared.withLock { $0 } }

    public static func configure(_ policy: ProbationPolicy) { shared.withLock { $0 = policy } }

    private static let shared = Mutex(ProbationPolicy())
}
