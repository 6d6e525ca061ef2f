import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit

/// The contract's routing objective, observed through `POST /v1/orders`.
@Suite("Orders: routing objectives through the API")
struct OrdersRoutingTests {
    private func placement(_ order: JSONValue) -> Set<String> {
        Set(K.suborders(order).map { "\($0["vendor_id"]?.stringValue ?? "?")/\($0["location"]?.stringValue ?? "?")" })
    }

    @Test("fewest shipments beats a cheaper split")
    func fewestShipments() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let both = try await shop.seller(
                name: "Both", items: [StockedItem(sku: x, onHand: 5, price: 1000), StockedItem(sku: y, onHand: 5, price: 1000)])
            _ = try await shop.seller(name: "Cheap x", items: [StockedItem(sku: x, onHand: 5, price: 100)])
            _ = try await shop.seller(name: "Cheap y", items: [StockedItem(sku: y, onHand: 5, price: 100)])
            let order = try await shop.placeOK(lines: [K.line(x, 1), K.line(y, 1)])
            #expect(placement(order) == ["\(both)/WH1"], "\(order)")
            #expect(order["total"]?.intValue == 2000)
            #expect(K.lines(K.suborders(order)[0]).count == 2)
        }
    }

    @Test("a single line is split over two locations of one vendor when neither has it all")
    func splitOneLineOverLocations() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let v = try await shop.seller(code: "WH1", items: [StockedItem(sku: x, onHand: 3, price: 400)])
            try await shop.stockLocation(v, code: "WH2", items: [StockedItem(sku: x, onHand: 2, price: 400)])
            let order = try await shop.placeOK(lines: [K.line(x, 5)])
            #expect(placement(order) == ["\(v)/WH1", "\(v)/WH2"], "\(order)")
            let quantities = Dictionary(
                uniqueKeysWithValues: K.suborders(order).map { ($0["location"]!.stringValue!, K.lines($0).first?["quantity"]?.intValue) })
            #expect(quantities == ["WH1": 3, "WH2": 2])
            #expect(order["total"]?.intValue == 2000)
            try await shop.expectStock(v, x, location: "WH1", onHand: 3, reserved: 3)
            try await shop.expectStock(v, x, location: "WH2", onHand: 2, reserved: 2)
        }
    }

    @Test("earliest last delivery beats price; among equal deliveries the lowest price wins")
    func deliveryThenPrice() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let near = try await shop.seller(name: "Near", items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            _ = try await shop.seller(
                name: "Far", latitude: K.madrid.latitude, longitude: K.madrid.longitude,
                items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let order = try await shop.placeOK(lines: [K.line(x, 1)])
            #expect(placement(order) == ["\(near)/WH1"], "\(order)")

            _ = try await shop.seller(name: "Dear", items: [StockedItem(sku: y, onHand: 5, price: 1000)])
            let cheap = try await shop.seller(name: "Cheap", items: [StockedItem(sku: y, onHand: 5, price: 999)])
            let second = try await shop.placeOK(lines: [K.line(y, 2)])
            #expect(placement(second) == ["\(cheap)/WH1"], "\(second)")
            #expect(second["total"]?.intValue == 1998)
        }
    }

    @Test("ties break by vendor id, then by location code")
    func tieBreaks() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let first = try await shop.seller(name: "Twin", items: [StockedItem(sku: x, onHand: 5, price: 500)])
            let second = try await shop.seller(name: "Twin", items: [StockedItem(sku: x, onHand: 5, price: 500)])
            let lower = min(first, second)
            for _ in 0..<2 {
                let order = try await shop.placeOK(lines: [K.line(x, 1)])
                #expect(placement(order) == ["\(lower)/WH1"], "vendors \(first), \(second): \(order)")
            }

            let y = try await shop.sku()
            let v = try await shop.seller(code: "LOC-B", items: [StockedItem(sku: y, onHand: 5, price: 500)])
            try await shop.stockLocation(v, code: "LOC-A", items: [StockedItem(sku: y, onHand: 5, price: 500)])
            try await shop.stockLocation(v, code: "LOC-C", items: [StockedItem(sku: y, onHand: 5, price: 500)])
            let order = try await shop.placeOK(lines: [K.line(y, 2)])
            #expect(placement(order) == ["\(v)/LOC-A"], "\(order)")
        }
    }

    @Test("deliver_by excludes a far location even when it would save a shipment")
    func deliverByExcludesFar() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let far = try await shop.seller(
                name: "Far", latitude: K.madrid.latitude, longitude: K.madrid.longitude,
                items: [StockedItem(sku: x, onHand: 5, price: 100), StockedItem(sku: y, onHand: 5, price: 100)])
            let nearX = try await shop.seller(name: "Near x", items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let nearY = try await shop.seller(name: "Near y", items: [StockedItem(sku: y, onHand: 5, price: 1000)])

            // No deadline: one shipment from Madrid beats two from Berlin.
            let relaxed = try await shop.placeOK(lines: [K.line(x, 1), K.line(y, 1)])
            #expect(placement(relaxed) == ["\(far)/WH1"], "\(relaxed)")

            // Madrid delivers in 3 days + 1 h; a 2-day deadline leaves only Berlin.
            let deadline = Date().addingTimeInterval(2 * K.day)
            let urgent = try await shop.placeOK(lines: [K.line(x, 1), K.line(y, 1)], deliverBy: deadline)
            #expect(placement(urgent) == ["\(nearX)/WH1", "\(nearY)/WH1"], "\(urgent)")
            for sub in K.suborders(urgent) {
                #expect(K.date(sub["promised_delivery"])! <= deadline)
            }
            #expect(K.date(urgent["deliver_by"]).map { abs($0.timeIntervalSince(deadline)) < 1 } == true, "\(urgent)")

            // Nothing arrives within 12 h: every line is unservable.
            let impossible = try await shop.place(
                lines: [K.line(x, 1), K.line(y, 1)], deliverBy: Date().addingTimeInterval(12 * 3600))
            K.expectProblem(impossible, status: 409, code: "insufficient-stock")
            #expect(Set(impossible.errorFields) == ["lines[0]", "lines[1]"], "\(impossible)")
        }
    }

    @Test("line vendor_id and max_unit_price constrain routing")
    func lineConstraints() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let dear = try await shop.seller(name: "Dear near", items: [StockedItem(sku: x, onHand: 5, price: 3000)])
            let cheapFar = try await shop.seller(
                name: "Cheap far", latitude: K.madrid.latitude, longitude: K.madrid.longitude,
                items: [StockedItem(sku: x, onHand: 1, price: 1000)])

            // Unconstrained: the earlier delivery (Berlin) wins.
            let plain = try await shop.placeOK(lines: [K.line(x, 1)])
            #expect(placement(plain) == ["\(dear)/WH1"])

            // vendor_id pins the line to the slower vendor.
            let pinned = try await shop.placeOK(lines: [K.line(x, 1, vendorId: cheapFar)])
            #expect(placement(pinned) == ["\(cheapFar)/WH1"], "\(pinned)")
            #expect(K.lines(pinned).first?["vendor_id"]?.stringValue == cheapFar)
            // cheapFar is now sold out: pinning to it again is unservable.
            let soldOut = try await shop.place(lines: [K.line(x, 1, vendorId: cheapFar)])
            K.expectProblem(soldOut, status: 409, code: "insufficient-stock", fields: ["lines[0]"])

            // max_unit_price excludes the dear offer.
            try await shop.fixtures.stock(vendorId: cheapFar, sku: x, onHand: 6)
            let capped = try await shop.placeOK(lines: [K.line(x, 2, maxUnitPrice: 2000)])
            #expect(placement(capped) == ["\(cheapFar)/WH1"], "\(capped)")
            #expect(K.lines(capped).first?["max_unit_price"]?.intValue == 2000)
            #expect(capped["total"]?.intValue == 2000)
            // Exactly at the price is allowed.
            let exact = try await shop.placeOK(lines: [K.line(x, 1, maxUnitPrice: 3000)])
            #expect(placement(exact) == ["\(dear)/WH1"], "\(exact)")
            // Constraints per line: one line pinned, one capped, in the same order.
            let mixed = try await shop.placeOK(lines: [K.line(x, 1, vendorId: dear), K.line(x, 1, maxUnitPrice: 1500)])
            #expect(placement(mixed) == ["\(dear)/WH1", "\(cheapFar)/WH1"], "\(mixed)")
        }
    }

    @Test("pickup at a store: only that location, promised_delivery = now + handling; a non-pickup location is 422")
    func pickup() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let store = try await shop.seller(
                name: "Store", code: "STORE", handlingSeconds: 1800, pickup: true, items: [StockedItem(sku: x, onHand: 2, price: 1500)])
            try await shop.stockLocation(store, code: "WH1", items: [StockedItem(sku: x, onHand: 50, price: 1500)])
            _ = try await shop.seller(name: "Cheaper", items: [StockedItem(sku: x, onHand: 50, price: 100)])

            let before = Date()
            let order = try await shop.placeOK(lines: [K.line(x, 2)], fulfillment: K.pickup(vendorId: store, location: "STORE"))
            #expect(placement(order) == ["\(store)/STORE"], "\(order)")
            let sub = try #require(K.suborders(order).first)
            K.expectTime(sub["promised_delivery"], near: before.addingTimeInterval(1800), "pickup ready time")
            #expect(order["fulfillment"]?["type"]?.stringValue == "pickup")
            try await shop.expectStock(store, x, location: "STORE", onHand: 2, reserved: 2)

            // The store is now empty: a pickup there cannot borrow from the warehouse or another vendor.
            let empty = try await shop.place(lines: [K.line(x, 1)], fulfillment: K.pickup(vendorId: store, location: "STORE"))
            K.expectProblem(empty, status: 409, code: "insufficient-stock", fields: ["lines[0]"])

            let notPickup = try await shop.place(lines: [K.line(x, 1)], fulfillment: K.pickup(vendorId: store, location: "WH1"))
            K.expectProblem(notPickup, status: 422, code: "validation", fields: ["fulfillment.location"])
            let unknown = try await shop.place(lines: [K.line(x, 1)], fulfillment: K.pickup(vendorId: store, location: "NOWHERE"))
            K.expectProblem(unknown, status: 422, code: "validation", fields: ["fulfillment.location"])
            let missing = try await shop.place(lines: [K.line(x, 1)], fulfillment: ["type": "pickup", "vendor_id": .string(store)])
            K.expectProblem(missing, status: 422, code: "validation", fields: ["fulfillment.location"])
            try await shop.expectStock(store, x, location: "WH1", onHand: 50, reserved: 0)
        }
    }
}
