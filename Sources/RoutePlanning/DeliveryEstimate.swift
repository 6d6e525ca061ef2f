public import Foundation

/// Delivery estimates shared by availability and routing (API.md, "Storefront"):
///
/// - a shipment ships by `now + handling_seconds` and is delivered by that plus
///   `86400 × (1 + floor(distance_km / 800))`, distance being the great-circle distance from the
///   location to the address;
/// - a pickup is ready at `now + handling_seconds`, and that ready time is its promised delivery;
/// - without an address (availability without coordinates) a shipment assumes the shortest
///   distance: delivered by `ships_by + 1 day`.
public struct DeliveryEstimate: Sendable, Hashable {
    /// When the location hands the parcel over (or, for a pickup, when it is ready).
    public var shipsBy: Date
    /// The promised delivery (for a pickup: the ready time, equal to `shipsBy`).
    public var deliversBy: Date

    public init(shipsBy: Date, deliversBy: Date) {
        self.shipsBy = shipsBy
        self.deliversBy = deliversBy
    }

    /// Mean earth radius used for the great-circle distance.
    public static let earthRadiusKm = 6371.0
    /// Each started block of this many kilometres adds one transit day (beyond the first).
    public static let kilometresPerTransitDay = 800.0
    public static let secondsPerDay = 86_400

    /// Great-circle (haversine) distance in kilometres between two points given in degrees.
    public static func distanceKm(lat1: Double, lon1: Double, lat2: Double, lon2: Double) -> Double {
        let radians = Double.pi / 180
        let phi1 = lat1 * radians
        let phi2 = lat2 * radians
        let deltaPhi = (lat2 - lat1) * radians
        let deltaLambda = (lon2 - lon1) * radians
        let sinHalfPhi = sin(deltaPhi / 2)
        let sinHalfLambda = sin(deltaLambda / 2)
        var a = sinHalfPhi * sinHalfPhi + cos(phi1) * cos(phi2) * sinHalfLambda * sinHalfLambda
        a = min(1, max(0, a))
        let c = 2 * atan2(a.squareRoot(), (1 - a).squareRoot())
        return earthRadiusKm * c
    }

    /// Transit days for a distance: `1 + floor(distance_km / 800)`. Negative or non-finite
    /// distances count as 0 km.
    public static func transitDays(distanceKm: Double) -> Int {
        guard distanceKm.isFinite, distanceKm > 0 else { return 1 }
        // The longest great-circle distance is ~20,015 km; the cap only guards the Int conversion.
        let blocks = (min(distanceKm, 1_000_000) / kilometresPerTransitDay).rounded(.down)
        return 1 + Int(blocks)
    }

    /// A shipment from a location `distanceKm` away from the address.
    public static func shipment(now: Date, handlingSeconds: Int, distanceKm: Double) -> DeliveryEstimate {
        let shipsBy = now.addingTimeInterval(TimeInterval(handlingSeconds))
        let transit = TimeInterval(transitDays(distanceKm: distanceKm) * secondsPerDay)
        return DeliveryEstimate(shipsBy: shipsBy, deliversBy: shipsBy.addingTimeInterval(transit))
    }

    /// A shipment between two coordinates (location → address), in degrees.
    public static func shipment(
        now: Date,
        handlingSeconds: Int,
        fromLatitude: Double,
        fromLongitude: Double,
        toLatitude: Double,
        toLongitude: Double
    ) -> DeliveryEstimate {
        let distance = distanceKm(lat1: fromLatitude, lon1: fromLongitude, lat2: toLatitude, lon2: toLongitude)
        return shipment(now: now, handlingSeconds: handlingSeconds, distanceKm: distance)
    }

    /// A shipment when the customer's coordinates are unknown: the shortest distance is assumed,
    /// so it is delivered one day after it ships.
    public static func shipmentWithoutDestination(now: Date, handlingSeconds: Int) -> DeliveryEstimate {
        shipment(now: now, handlingSeconds: handlingSeconds, distanceKm: 0)
    }

    /// A pickup (click & collect): ready at `now + handlingSeconds`, which is also its promised delivery.
    public static func pickup(now: Date, handlingSeconds: Int) -> DeliveryEstimate {
        let ready = now.addingTimeInterval(TimeInterval(handlingSeconds))
        return DeliveryEstimate(shipsBy: ready, deliversBy: ready)
    }
}
