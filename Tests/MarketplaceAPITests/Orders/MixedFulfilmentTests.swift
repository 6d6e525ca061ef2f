import CommerceCore
import Foundation
import Testing

@testable import MarketplaceAPI

/// v1.2 "Mixed cart": lines with their own fulfilment, suborders per (vendor, location,
/// fulfilment), pickup lines only at their pickup location.
@Suite("Mixed fulfilment", .serialized)
struct MixedFulfilmentTests {
    static func fulfillmentType(_ value: JSONValue?) -> String { value?["fulfillment"]?["type"]?.stringValue ?? "?" }

    static func line(_ sku: String, _ quantity: Int64, fulfillment: JSONValue? = nil) -> JSONValue {
        var object = JSONObject([("sku", .string(sku)), ("quantity", .int(quantity))])
        if let fulfillment { object["fulfillment"] = fulfillment }
        return .object(object)
    }

    @Test("one order: a line collected in a store, the others delivered; suborders never mix fulfilments")
    func mixedSplit() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let (a, b) = (try await shop.sku(), try await shop.sku())
            let vendor = try await shop.seller(
                code: "STORE", pickup: true,
                items: [StockedItem(sku: a, onHand: 5, price: 1000), StockedItem(sku: b, onHand: 5, price: 500)])
            let pickup = OrderKit.pickup(vendorId: vendor, location: "STORE")
            let order = try await shop.placeOK(lines: [Self.line(a, 1, fulfillment: pickup), Self.line(b, 2)])
            let suborders = OrderKit.suborders(order)
            // Same vendor and location, two fulfilments: two suborders.
            #expect(suborders.count == 2, "\(order)")
            let byType = Dictionary(suborders.map { (Self.fulfillmentType($0), $0) }, uniquingKeysWith: { a, _ in a })
            let picked = try #require(byType["pickup"])
            let delivered = try #require(byType["delivery"])
            #expect(OrderKit.lines(picked).map { $0["sku"]?.stringValue } == [a])
            #expect(picked["fulfillment"]?["location"]?.stringValue == "STORE")
            #expect(OrderKit.lines(delivered).map { $0["sku"]?.stringValue } == [b])
            #expect(delivered["fulfillment"]?["address"]?["country"]?.stringValue == "DE")
            // Order lines show the fulfilment that serves them.
            #expect(OrderKit.lines(order).map(Self.fulfillmentType) == ["pickup", "delivery"])
            // Both share the location's stock.
            try await shop.expectStock(vendor, a, location: "STORE", onHand: 5, reserved: 1)
            try await shop.expectStock(vendor, b, location: "STORE", onHand: 5, reserved: 2)
            // The vendor's feed and the customer's timeline render the same suborders.
            let key = try await shop.vendorKey(vendor)
            let feed = try await shop.feed(vendor, as: key, count: 2)
            #expect(Set(feed.data.map(Self.fulfillmentType)) == ["pickup", "delivery"], "\(feed)")
            let customer = try #require(order["customer_id"]?.stringValue)
            let placedEntry = try #require(try await shop.timeline(customer).first { $0["kind"]?.stringValue == "order" })
            #expect(Set(OrderKit.suborders(placedEntry["data"] ?? .null).map(Self.fulfillmentType)) == ["pickup", "delivery"])
            // Read back, the suborders keep their fulfilment; the pickup hands over without a carrier.
            let read = try await shop.order(OrderKit.id(order))
            #expect(Set(OrderKit.suborders(read).map(Self.fulfillmentType)) == ["pickup", "delivery"])
            try await shop.actOK("accept", OrderKit.id(picked))
            try await shop.actOK("ship", OrderKit.id(picked), body: .object(JSONObject()))
            try await shop.actOK("accept", OrderKit.id(delivered))
            let noCarrier = try await shop.act("ship", OrderKit.id(delivered), body: .object(JSONObject()))
            OrderKit.expectProblem(noCarrier, status: 422, code: "validation", fields: ["carrier", "tracking_number"])
        }
    }

    @Test("a pickup line is planned only at its pickup location, even when stock elsewhere could deliver it")
    func pickupOnlyAtItsLocation() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let a = try await shop.sku()
            let store = try await shop.seller(code: "STORE", pickup: true, items: [StockedItem(sku: a, onHand: 1, price: 1000)])
            let warehouse = try await shop.seller(items: [StockedItem(sku: a, onHand: 50, price: 100)])
            let pickup = OrderKit.pickup(vendorId: store, location: "STORE")
            // 2 to collect, the store has 1: the cheap warehouse does not make up the difference.
            let short = try await shop.place(lines: [Self.line(a, 2, fulfillment: pickup)])
            OrderKit.expectProblem(short, status: 409, code: "insufficient-stock", fields: ["lines[0]"])
            try await shop.expectStock(warehouse, a, onHand: 50, reserved: 0)
            // 1 to collect and 3 delivered: the pickup at the store, the delivery from the warehouse.
            let order = try await shop.placeOK(lines: [Self.line(a, 1, fulfillment: pickup), Self.line(a, 3)])
            let shipments = OrderKit.suborders(order).map {
                "\(Self.fulfillmentType($0))@\($0["vendor_id"]?.stringValue == store ? "store" : "warehouse")"
            }
            #expect(shipments.sorted() == ["delivery@warehouse", "pickup@store"], "\(order)")
            try await shop.expectStock(store, a, location: "STORE", onHand: 1, reserved: 1)
            try await shop.expectStock(warehouse, a, onHand: 50, reserved: 3)
        }
    }

    @Test("pickup and delivery lines of one sku share the store's stock: never more than it holds")
    func sharedStoreStock() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let a = try await shop.sku()
            let vendor = try await shop.vendor()
            try await shop.stockLocation(vendor, code: "STORE", pickup: true, items: [StockedItem(sku: a, onHand: 3, price: 100)])
            try await shop.stockLocation(vendor, code: "WH1", items: [StockedItem(sku: a, onHand: 10, price: 100)])
            let pickup = OrderKit.pickup(vendorId: vendor, location: "STORE")
            let order = try await shop.placeOK(lines: [Self.line(a, 2, fulfillment: pickup), Self.line(a, 2)])
            let store = try await shop.stock(vendor, a, location: "STORE")
            let warehouse = try await shop.stock(vendor, a, location: "WH1")
            #expect(store.reserved <= 3 && store.reserved + warehouse.reserved == 4, "store \(store), warehouse \(warehouse)")
            #expect(OrderKit.suborders(order).count == 2)
        }
    }

    @Test("an unknown or non-pickup location on a line is a 422 naming that line's fulfilment")
    func lineReferences() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let a = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: a, onHand: 5, price: 100)])
            let unknown = try await shop.place(lines: [
                Self.line(a, 1), Self.line(a, 1, fulfillment: OrderKit.pickup(vendorId: vendor, location: "NOPE")),
            ])
            OrderKit.expectProblem(unknown, status: 422, code: "validation", fields: ["lines[1].fulfillment.location"])
            let notPickup = try await shop.place(lines: [Self.line(a, 1, fulfillment: OrderKit.pickup(vendorId: vendor, location: "WH1"))])
            OrderKit.expectProblem(notPickup, status: 422, code: "validation", fields: ["lines[0].fulfillment.location"])
            let badShape = try await shop.place(lines: [Self.line(a, 1, fulfillment: ["type": "teleport"])])
            OrderKit.expectProblem(badShape, status: 422, code: "validation", fields: ["lines[0].fulfillment.type"])
            let extra = try await shop.place(lines: [Self.line(a, 1, fulfillment: ["type": "delivery", "address": ["planet": "Mars"]])])
            OrderKit.expectProblem(extra, status: 422, code: "validation", fields: ["lines[0].fulfillment.address.planet"])
            try await shop.expectStock(vendor, a, onHand: 5, reserved: 0)
        }
    }

    @Test("rerouting keeps a suborder's fulfilment: a rejected pickup is not delivered instead, a rejected delivery stays a delivery")
    func rerouteKeepsFulfilment() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let (a, b) = (try await shop.sku(), try await shop.sku())
            let vendor = try await shop.vendor()
            try await shop.stockLocation(vendor, code: "STORE", pickup: true, items: [StockedItem(sku: a, onHand: 5, price: 100)])
            let other = try await shop.seller(items: [
                StockedItem(sku: a, onHand: 5, price: 100), StockedItem(sku: b, onHand: 5, price: 100),
            ])
            let first = try await shop.seller(items: [StockedItem(sku: b, onHand: 5, price: 50)])
            let pickup = OrderKit.pickup(vendorId: vendor, location: "STORE")
            let order = try await shop.placeOK(lines: [Self.line(a, 1, fulfillment: pickup), Self.line(b, 1)])
            let subs = OrderKit.suborders(order)
            let picked = try #require(subs.first { Self.fulfillmentType($0) == "pickup" })
            let delivered = try #require(subs.first { Self.fulfillmentType($0) == "delivery" })
            #expect(delivered["vendor_id"]?.stringValue == first)
            try await shop.actOK("reject", OrderKit.id(picked))
            try await shop.actOK("reject", OrderKit.id(delivered))
            let after = try await shop.order(OrderKit.id(order))
            // The pickup line found no other store to collect from: cancelled, not shipped by `other`.
            #expect(OrderKit.lines(after)[0]["cancelled_quantity"]?.intValue == 1, "\(after)")
            try await shop.expectStock(other, a, onHand: 5, reserved: 0)
            // The delivered line went to the other vendor, still a delivery.
            let replacement = try #require(OrderKit.suborders(after).first { $0["replaces"]?.stringValue == OrderKit.id(delivered) })
            #expect(replacement["vendor_id"]?.stringValue == other)
            #expect(Self.fulfillmentType(replacement) == "delivery")
        }
    }
}

extension MixedFulfilmentTests {
    /// The fulfilment suites need no parallel requests: two connections each keep the whole
    /// test run further from the cluster's max_connections.
    static let smallPool: @Sendable (inout AppConfiguration) -> Void = { $0.poolSize = 2 }
}

extension RoutingQuoteTests {
    static var smallPool: @Sendable (inout AppConfiguration) -> Void { MixedFulfilmentTests.smallPool }
}

extension CartQuoteTests {
    static var smallPool: @Sendable (inout AppConfiguration) -> Void { MixedFulfilmentTests.smallPool }
}

extension ScorecardTests {
    static var smallPool: @Sendable (inout AppConfiguration) -> Void { MixedFulfilmentTests.smallPool }
}
