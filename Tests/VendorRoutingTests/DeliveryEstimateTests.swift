import Foundation
import Testing

@testable import RoutePlanning
@testable import VendorRouting

@Suite("Delivery estimates")
struct DeliveryEstimateTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("Berlin to Munich is about 504 km")
    func berlinMunichDistance() {
        let distance = DeliveryEstimate.distanceKm(lat1: 52.52, lon1: 13.405, lat2: 48.137, lon2: 11.575)
        #expect(abs(distance - 504) < 1.5)
        let back = DeliveryEstimate.distanceKm(lat1: 48.137, lon1: 11.575, lat2: 52.52, lon2: 13.405)
        #expect(abs(distance - back) < 1e-9)
        #expect(DeliveryEstimate.distanceKm(lat1: 52.52, lon1: 13.405, lat2: 52.52, lon2: 13.405) == 0)
    }

    @Test("Antipodal points are half the earth's circumference apart")
    func antipodes() {
        let distance = DeliveryEstimate.distanceKm(lat1: 0, lon1: 0, lat2: 0, lon2: 180)
        #expect(abs(distance - Double.pi * 6371.0) < 1e-6)
    }

    @Test("Shipment: ships after handling, one extra day per full 800 km")
    func shipmentDays() {
        let handling = 3_600
        let near = DeliveryEstimate.shipment(now: now, handlingSeconds: handling, distanceKm: 504)
        #expect(near.shipsBy == now.addingTimeInterval(3_600))
        #expect(near.deliversBy == near.shipsBy.addingTimeInterval(86_400))

        let justBelow = DeliveryEstimate.shipment(now: now, handlingSeconds: handling, distanceKm: 799.999)
        #expect(justBelow.deliversBy == justBelow.shipsBy.addingTimeInterval(86_400))

        let atThreshold = DeliveryEstimate.shipment(now: now, handlingSeconds: handling, distanceKm: 800)
        #expect(atThreshold.deliversBy == atThreshold.shipsBy.addingTimeInterval(2 * 86_400))

        let far = DeliveryEstimate.shipment(now: now, handlingSeconds: 0, distanceKm: 2_400.5)
        #expect(far.shipsBy == now)
        #expect(far.deliversBy == now.addingTimeInterval(4 * 86_400))

        #expect(DeliveryEstimate.transitDays(distanceKm: 0) == 1)
        #expect(DeliveryEstimate.transitDays(distanceKm: 1_599.9) == 2)
        #expect(DeliveryEstimate.transitDays(distanceKm: -5) == 1)
        #expect(DeliveryEstimate.transitDays(distanceKm: .nan) == 1)
    }

    @Test("Shipment between coordinates uses the great-circle distance")
    func shipmentFromCoordinates() {
        // Berlin → Munich (~504 km): 1 day.
        let munich = DeliveryEstimate.shipment(
            now: now, handlingSeconds: 7_200,
            fromLatitude: 52.52, fromLongitude: 13.405, toLatitude: 48.137, toLongitude: 11.575
        )
        #expect(munich.deliversBy == now.addingTimeInterval(7_200 + 86_400))
        // Berlin → Madrid (~1,870 km): 1 + 2 = 3 days.
        let madrid = DeliveryEstimate.shipment(
            now: now, handlingSeconds: 7_200,
            fromLatitude: 52.52, fromLongitude: 13.405, toLatitude: 40.4168, toLongitude: -3.7038
        )
        #expect(madrid.deliversBy == now.addingTimeInterval(7_200 + 3 * 86_400))
    }

    @Test("Without coordinates a shipment assumes the shortest distance")
    func shipmentWithoutDestination() {
        let estimate = DeliveryEstimate.shipmentWithoutDestination(now: now, handlingSeconds: 600)
        #expect(estimate.shipsBy == now.addingTimeInterval(600))
        #expect(estimate.deliversBy == now.addingTimeInterval(600 + 86_400))
    }

    @Test("Pickup is ready after handling, and that is its promised delivery")
    func pickup() {
        let estimate = DeliveryEstimate.pickup(now: now, handlingSeconds: 5_400)
        #expect(estimate.shipsBy == now.addingTimeInterval(5_400))
        #expect(estimate.deliversBy == estimate.shipsBy)
    }

    @Test("ISO 8601 formatting used in routing reasons")
    func isoFormatting() {
        #expect(PlanningFormat.iso8601(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(PlanningFormat.iso8601(Date(timeIntervalSince1970: 1_796_148_000)) == "2026-12-01T18:00:00Z")
        #expect(PlanningFormat.iso8601(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29T00:00:00Z")
        #expect(PlanningFormat.iso8601(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
    }
}
