import CommerceCore
import Foundation
import Testing

/// A vendor never learns another vendor's id, location, SKUs or quantities (API.md, "Limits":
/// what a vendor sees): its feed, `GET /v1/suborders/{id}` and action answers with its key,
/// and its webhook payloads tell `routing.reason` for its own shipment only. Operators and
/// channels keep the whole decision.
@Suite("Orders: routing explanations stay within a vendor")
struct RoutingPrivacyTests {
    struct Seller {
        let id: String
        let location: String
        let sku: String
        let quantity: Int64
    }

    /// Every string a vendor reads, joined: what it must not find the other seller in.
    static func leaks(_ text: String, of other: Seller) -> [String] {
        var found: [String] = []
        if text.contains(other.id) { found.append("vendor id \(other.id)") }
        if text.contains(other.location) { found.append("location \(other.location)") }
        if text.contains(other.sku) { found.append("sku \(other.sku)") }
        if text.contains("\(other.quantity) unit") || text.contains("of \(other.quantity)") {
            found.append("quantity \(other.quantity)")
        }
        return found
    }

    @Test("an order split over two vendors: each vendor sees only its own shipment")
    func splitOrder() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let skuA = try await shop.sku()
            let skuB = try await shop.sku()
            let a = Seller(id: try await shop.vendor(name: "Seller A"), location: Fixtures.unique("LOCA"), sku: skuA, quantity: 2)
            let b = Seller(id: try await shop.vendor(name: "Seller B"), location: Fixtures.unique("LOCB"), sku: skuB, quantity: 7)
            try await shop.stockLocation(a.id, code: a.location, items: [StockedItem(sku: skuA, onHand: 10, price: 500)])
            try await shop.stockLocation(b.id, code: b.location, items: [StockedItem(sku: skuB, onHand: 10, price: 700)])

            let placed = try await shop.placeOK(lines: [OrderKit.line(skuA, a.quantity), OrderKit.line(skuB, b.quantity)])
            let suborders = OrderKit.suborders(placed)
            try #require(suborders.count == 2, "\(placed)")

            // Operators and channels: the whole decision names both shipments.
            let operatorView = try #require(try await server.admin.get("/v1/orders/\(OrderKit.id(placed))").json.objectValue)
            for view in [placed, JSONValue.object(operatorView)] {
                for suborder in OrderKit.suborders(view) {
                    let reason = suborder["routing"]?["reason"]?.stringValue ?? ""
                    for seller in [a, b] {
                        #expect(reason.contains(seller.id) && reason.contains(seller.location), "\(reason)")
                    }
                }
            }

            for (own, other) in [(a, b), (b, a)] {
                let key = try await shop.vendorKey(own.id)
                let suborder = try #require(suborders.first { $0["vendor_id"]?.stringValue == own.id })
                let id = OrderKit.id(suborder)

                let feed = try await shop.feed(own.id, as: key, count: 1)
                #expect(feed.status == 200, "\(feed)")
                #expect(feed.data.count == 1)
                let single = try await key.get("/v1/suborders/\(id)")
                #expect(single.status == 200, "\(single)")
                let reason = single["routing"]?["reason"]?.stringValue ?? ""
                #expect(reason.contains(own.sku) && reason.contains("\(own.quantity) units"), "\(reason)")
                #expect(single["routing"]?["candidates_considered"]?.intValue == 2)
                let accepted = try await shop.act("accept", id, as: key)
                #expect(accepted.status == 200, "\(accepted)")
                let created = try await ReturnKit.events(server, vendor: own.id, type: "suborder.created")
                #expect(created.count == 1)

                for (what, text) in [
                    ("feed", feed.text), ("GET /v1/suborders/{id}", single.text), ("accept answer", accepted.text),
                    ("suborder.created payload", created.map(JSONWriter.string).joined()),
                ] {
                    #expect(Self.leaks(text, of: other).isEmpty, "\(what) of \(own.id) leaks \(Self.leaks(text, of: other)): \(text)")
                }
            }

            // A cancellation's payload is the vendor's view too.
            let cancelled = try await shop.act("cancel", OrderKit.id(suborders.first { $0["vendor_id"]?.stringValue == a.id }))
            #expect(cancelled.status == 200, "\(cancelled)")
            #expect(cancelled["routing"]?["reason"]?.stringValue?.contains(b.id) == true, "the operator's answer keeps the whole decision")
            let events = try await ReturnKit.events(server, vendor: a.id, type: "suborder.cancelled")
            #expect(events.count == 1)
            let text = events.map(JSONWriter.string).joined()
            #expect(Self.leaks(text, of: b).isEmpty, "suborder.cancelled payload leaks \(Self.leaks(text, of: b)): \(text)")
        }
    }
}
