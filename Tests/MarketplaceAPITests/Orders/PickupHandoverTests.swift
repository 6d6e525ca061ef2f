import CommerceCore
import Foundation
import Testing

@testable import MarketplaceAPI

private typealias K = OrderKit

/// v1.2 "Pickup hand-over": a pickup suborder is handed over without carrier or tracking number.
@Suite struct PickupHandoverTests {
    @Test func aPickupIsShippedWithoutCarrierAndThenDelivered() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let store = try await shop.seller(code: "STORE1", pickup: true, items: [StockedItem(sku: x, onHand: 5, price: 700)])
            let key = try await shop.vendorKey(store)
            let order = try await shop.placeOK(lines: [K.line(x, 2)], fulfillment: K.pickup(vendorId: store, location: "STORE1"))
            let sub = K.id(K.suborders(order).first)
            _ = try await shop.actOK("accept", sub, as: key)
            let handedOver = try await shop.actOK("ship", sub, as: key, body: .object(JSONObject()))
            #expect(K.status(handedOver) == "shipped")
            #expect(handedOver["carrier"] == .null && handedOver["tracking_number"] == .null)
            try await shop.expectStock(store, x, location: "STORE1", onHand: 3, reserved: 0)
            #expect(K.status(try await shop.actOK("deliver", sub, as: key)) == "delivered")

            // A carrier may still be given for a pickup.
            let second = try await shop.placeOK(lines: [K.line(x, 1)], fulfillment: K.pickup(vendorId: store, location: "STORE1"))
            let sub2 = K.id(K.suborders(second).first)
            _ = try await shop.actOK("accept", sub2, as: key)
            let withCarrier = try await shop.actOK("ship", sub2, as: key, body: ["carrier": "counter", "tracking_number": "A1"])
            #expect(withCarrier["carrier"]?.stringValue == "counter")
        }
    }

    @Test func aDeliveryStillNeedsBoth() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let seller = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 700)])
            let key = try await shop.vendorKey(seller)
            let sub = K.id(K.suborders(try await shop.placeOK(lines: [K.line(x, 1)])).first)
            _ = try await shop.actOK("accept", sub, as: key)
            K.expectProblem(
                try await shop.act("ship", sub, as: key, body: .object(JSONObject())), status: 422, code: "validation",
                fields: ["carrier", "tracking_number"])
            #expect(K.status(try await shop.suborder(sub)) == "accepted")
        }
    }
}
