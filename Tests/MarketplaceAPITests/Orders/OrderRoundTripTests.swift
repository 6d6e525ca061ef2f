import CommerceCore
import Foundation
import OrderCore
import Postgres
import Testing

@testable import MarketplaceAPI

/// Issue 9: an order costs 2 round trips (BEGIN + the key's check + buyer terms + candidates in
/// one flush; the placing statement with COMMIT). Counted, not timed, so a change that adds a
/// round trip to the order path shows up here.
@Suite("Order round trips")
struct OrderRoundTripTests {
    @Test("a placed order costs 2 round trips once its key is cached and its statements prepared")
    func twoRoundTrips() async throws {
        // One connection, so the second order finds every statement prepared by the first.
        try await TestServer.run(configure: { $0.poolSize = 1 }) { server in
            let shop = try await Shop.open(server)
            let sku = try await shop.sku()
            _ = try await shop.seller(items: [StockedItem(sku: sku, onHand: 10, price: 1000)])
            _ = try await shop.placeOK(lines: [OrderKit.line(sku, 1)])

            let before = server.pool.roundTrips.value
            _ = try await shop.placeOK(lines: [OrderKit.line(sku, 1)])
            #expect(server.pool.roundTrips.value - before == 2)
        }
    }

    @Test("a vendor's poll of its feed costs 1 round trip once its key is cached: its key proves the vendor exists")
    func feedPollIsOneRoundTrip() async throws {
        try await TestServer.run(configure: { $0.poolSize = 1 }) { server in
            let shop = try await Shop.open(server)
            let sku = try await shop.sku()
            let vendorId = try await shop.seller(items: [StockedItem(sku: sku, onHand: 10, price: 1000)])
            _ = try await shop.placeOK(lines: [OrderKit.line(sku, 1)])
            let vendor = try await shop.vendorKey(vendorId)
            let first = try await vendor.get("/v1/vendors/\(vendorId)/suborders")
            #expect(first.status == 200)

            let before = server.pool.roundTrips.value
            let again = try await vendor.get("/v1/vendors/\(vendorId)/suborders")
            #expect(again.status == 200)
            #expect(server.pool.roundTrips.value - before == 1)
        }
    }
}
