import CommerceCore
import Foundation
import Postgres
import Testing

@testable import MarketplaceAPI

/// v1.2 "Routing quote": the same validation and planner as placement, reading only.
@Suite("Routing quotes", .serialized)
struct RoutingQuoteTests {
    /// A suborder as the split compares it: vendor, location, fulfilment type, lines.
    static func split(_ suborder: JSONValue) -> String {
        let lines = OrderKit.lines(suborder).map {
            "\($0["sku"]?.stringValue ?? "?")×\($0["quantity"]?.intValue ?? -1)@\($0["unit_price"]?.intValue ?? -1)"
        }.sorted()
        return "\(suborder["vendor_id"]?.stringValue ?? "?")/\(suborder["location"]?.stringValue ?? "?")/"
            + "\(suborder["fulfillment"]?["type"]?.stringValue ?? "?"): \(lines.joined(separator: ","))"
    }

    static func promised(_ suborders: [JSONValue]) -> [String: Date] {
        Dictionary(
            suborders.map { (split($0), OrderKit.date($0["promised_delivery"]) ?? .distantPast) }, uniquingKeysWith: { a, _ in a })
    }

    @Test("placing the quoted body on unchanged stock gives the same vendors, locations, line split and promises")
    func quoteMatchesPlacement() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let (a, b, c) = (try await shop.sku(), try await shop.sku(), try await shop.sku())
            let near = try await shop.seller(items: [
                StockedItem(sku: a, onHand: 3, price: 1000), StockedItem(sku: b, onHand: 5, price: 700),
            ])
            _ = try await shop.seller(
                latitude: OrderKit.madrid.latitude, longitude: OrderKit.madrid.longitude,
                items: [StockedItem(sku: a, onHand: 9, price: 900), StockedItem(sku: c, onHand: 9, price: 300)])
            let store = try await shop.vendor()
            try await shop.stockLocation(store, code: "STORE", pickup: true, items: [StockedItem(sku: b, onHand: 2, price: 650)])
            let customer = shop.newCustomer()
            let body = OrderKit.orderBody(
                customer: customer,
                lines: [
                    OrderKit.line(a, 5), OrderKit.line(b, 1), OrderKit.line(c, 2),
                    ["sku": .string(b), "quantity": 2, "fulfillment": OrderKit.pickup(vendorId: store, location: "STORE")],
                ])
            let quoted = try await shop.storefront.post("/v1/routing/quotes", body)
            try #require(quoted.status == 200, "\(quoted)")
            #expect(quoted["feasible"] == .bool(true))
            #expect(quoted["errors"]?.arrayValue?.isEmpty == true)
            #expect(quoted["currency"]?.stringValue == "EUR")
            let quotedSubs = OrderKit.suborders(quoted.json)
            #expect(quotedSubs.allSatisfy { !($0["routing"]?["reason"]?.stringValue ?? "").isEmpty })
            let placed = try await shop.storefront.post("/v1/orders", body)
            try #require(placed.status == 201, "\(placed)")
            let placedSubs = OrderKit.suborders(placed.json)
            #expect(quotedSubs.map(Self.split).sorted() == placedSubs.map(Self.split).sorted())
            #expect(quoted["total"] == placed["total"])
            #expect(quotedSubs.contains { $0["vendor_id"]?.stringValue == near })
            let quotedPromises = Self.promised(quotedSubs)
            for (key, date) in Self.promised(placedSubs) {
                let promise = try #require(quotedPromises[key], "\(key) not quoted")
                #expect(abs(promise.timeIntervalSince(date)) <= 60, "\(key): quoted \(promise), placed \(date)")
            }
            for (quotedSub, subtotal) in quotedSubs.map({ ($0, $0["subtotal"]?.intValue ?? -1) }) {
                let sum = OrderKit.lines(quotedSub).reduce(Int64(0)) {
                    $0 + ($1["unit_price"]?.intValue ?? 0) * ($1["quantity"]?.intValue ?? 0)
                }
                #expect(sum == subtotal)
            }
        }
    }

    @Test("an order that cannot be routed is a 200 quote with feasible false naming the lines as the 409 does")
    func infeasible() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let (a, b) = (try await shop.sku(), try await shop.sku())
            _ = try await shop.seller(items: [StockedItem(sku: a, onHand: 2, price: 100), StockedItem(sku: b, onHand: 2, price: 100)])
            let body = OrderKit.orderBody(customer: shop.newCustomer(), lines: [OrderKit.line(a, 1), OrderKit.line(b, 3)])
            let quoted = try await shop.storefront.post("/v1/routing/quotes", body)
            try #require(quoted.status == 200, "\(quoted)")
            #expect(quoted["feasible"] == .bool(false))
            #expect(quoted["suborders"]?.arrayValue?.isEmpty == true)
            #expect(quoted["total"]?.intValue == 0)
            let placed = try await shop.storefront.post("/v1/orders", body)
            OrderKit.expectProblem(placed, status: 409, code: "insufficient-stock", fields: ["lines[1]"])
            let quotedFields = (quoted["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }
            #expect(quotedFields == placed.errorFields)
            #expect(quotedFields == ["lines[1]"])
        }
    }

    @Test("a quote reserves and writes nothing; it validates as placement does (422, strict body, roles)")
    func writesNothing() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let a = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: a, onHand: 4, price: 100)])
            let customer = shop.newCustomer()
            let body = OrderKit.orderBody(customer: customer, lines: [OrderKit.line(a, 4)])
            func count(_ sql: String) async throws -> Int {
                try await server.pool.query(sql, [customer]).first?.int("c") ?? -1
            }
            for _ in 0..<2 {
                let quoted = try await shop.storefront.post("/v1/routing/quotes", body)
                #expect(quoted.status == 200 && quoted["feasible"] == .bool(true), "\(quoted)")
            }
            try await shop.expectStock(vendor, a, onHand: 4, reserved: 0)
            #expect(try await count("SELECT count(*) AS c FROM orders WHERE customer_id = $1") == 0)
            let orders = try await shop.storefront.get("/v1/customers/\(customer)/orders")
            #expect(orders.data.isEmpty)
            // The whole quantity is still there to order.
            _ = try await shop.placeOK(customer: customer, lines: [OrderKit.line(a, 4)])

            let unknownSku = try await shop.storefront.post(
                "/v1/routing/quotes", OrderKit.orderBody(customer: customer, lines: [OrderKit.line("NO-SUCH-SKU", 1)]))
            OrderKit.expectProblem(unknownSku, status: 422, code: "validation", fields: ["lines[0].sku"])
            var strict = try #require(body.objectValue)
            strict["coupon"] = "FREE"
            let unknownField = try await shop.storefront.post("/v1/routing/quotes", .object(strict))
            OrderKit.expectProblem(unknownField, status: 422, code: "validation", fields: ["coupon"])
            let noChannel = try await shop.admin.post("/v1/routing/quotes", body)
            OrderKit.expectProblem(noChannel, status: 422, code: "validation", fields: ["channel"])
            var withChannel = try #require(body.objectValue)
            withChannel["channel"] = .string(shop.channel)
            let operatorQuote = try await shop.admin.post("/v1/routing/quotes", .object(withChannel))
            #expect(operatorQuote.status == 200, "\(operatorQuote)")
            let vendorKey = try await shop.vendorKey(vendor)
            #expect(try await vendorKey.post("/v1/routing/quotes", body).status == 403)
        }
    }

    @Test("a B2B member's quote is priced with the organization's negotiated prices, as its order is")
    func negotiatedPrices() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let a = try await shop.sku()
            let cheap = try await shop.seller(items: [StockedItem(sku: a, onHand: 5, price: 900)])
            let negotiated = try await shop.seller(items: [StockedItem(sku: a, onHand: 5, price: 1000)])
            let org = try await B2BKit.organization(shop)
            let member = shop.newCustomer()
            try await B2BKit.member(shop, org, member)
            try await B2BKit.price(shop, org, sku: a, vendor: negotiated, 700)
            let body = OrderKit.orderBody(customer: member, lines: [OrderKit.line(a, 2)])
            let quoted = try await shop.storefront.post("/v1/routing/quotes", body)
            try #require(quoted.status == 200, "\(quoted)")
            let sub = try #require(OrderKit.suborders(quoted.json).first)
            #expect(sub["vendor_id"]?.stringValue == negotiated)
            #expect(OrderKit.lines(sub).first?["unit_price"]?.intValue == 700)
            #expect(quoted["total"]?.intValue == 1400)
            // Anyone else is quoted the list price.
            let stranger = try await shop.storefront.post(
                "/v1/routing/quotes", OrderKit.orderBody(customer: shop.newCustomer(), lines: [OrderKit.line(a, 2)]))
            #expect(OrderKit.suborders(stranger.json).first?["vendor_id"]?.stringValue == cheap)
            let placed = try await shop.placeOK(customer: member, lines: [OrderKit.line(a, 2)])
            #expect(placed["total"]?.intValue == 1400)
        }
    }
}

/// `POST /v1/carts/{id}/quote` and the mixed cart's checkout.
@Suite("Cart quotes and mixed carts", .serialized)
struct CartQuoteTests {
    @Test("a cart's quote is its checkout's split; it writes nothing and leaves the cart open")
    func cartQuote() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let (a, b) = (try await shop.sku(), try await shop.sku())
            let one = try await shop.seller(items: [StockedItem(sku: a, onHand: 3, price: 500)])
            _ = try await shop.seller(items: [StockedItem(sku: b, onHand: 3, price: 200)])
            let cart = try await CartKit.create(shop.storefront, customer: shop.newCustomer())
            let id = try #require(cart["id"]?.stringValue)
            let empty = try await shop.storefront.post("/v1/carts/\(id)/quote")
            OrderKit.expectProblem(empty, status: 422, code: "validation", fields: ["lines"])
            try await CartKit.setLineOK(shop.storefront, id, a, quantity: 2)
            try await CartKit.setLineOK(shop.storefront, id, b, quantity: 1)
            let quoted = try await shop.storefront.post("/v1/carts/\(id)/quote")
            try #require(quoted.status == 200, "\(quoted)")
            #expect(quoted["feasible"] == .bool(true))
            #expect(quoted["total"]?.intValue == 1200)
            let withBody = try await shop.storefront.post(
                "/v1/carts/\(id)/quote", ["deliver_by": .string(RFC3339.format(Date().addingTimeInterval(30 * 86_400)))])
            #expect(withBody.status == 200, "\(withBody)")
            let tooSoon = try await shop.storefront.post("/v1/carts/\(id)/quote", ["deliver_by": .string(RFC3339.format(Date()))])
            #expect(tooSoon["feasible"] == .bool(false), "\(tooSoon)")
            let strict = try await shop.storefront.post("/v1/carts/\(id)/quote", ["channel": "web"])
            OrderKit.expectProblem(strict, status: 422, code: "validation", fields: ["channel"])
            #expect(try await shop.storefront.post("/v1/carts/cart_missing/quote").status == 404)
            try await shop.expectStock(one, a, onHand: 3, reserved: 0)
            let still = try await shop.storefront.get("/v1/carts/\(id)")
            #expect(still["status"]?.stringValue == "open")
            let checkout = try await CartKit.checkout(shop.storefront, id)
            try #require(checkout.status == 201, "\(checkout)")
            #expect(
                OrderKit.suborders(quoted.json).map(RoutingQuoteTests.split).sorted()
                    == OrderKit.suborders(checkout.json).map(RoutingQuoteTests.split).sorted())
        }
    }

    @Test("mixed cart: a line to collect in a store and one delivered check out into one order with both")
    func mixedCartCheckout() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let (a, b) = (try await shop.sku(), try await shop.sku())
            let store = try await shop.seller(code: "STORE", pickup: true, items: [StockedItem(sku: a, onHand: 2, price: 500)])
            _ = try await shop.seller(items: [StockedItem(sku: b, onHand: 2, price: 300)])
            let cart = try await CartKit.create(shop.storefront, customer: shop.newCustomer())
            let id = try #require(cart["id"]?.stringValue)
            let pickup = OrderKit.pickup(vendorId: store, location: "STORE")
            let set = try await CartKit.setLine(shop.storefront, id, a, ["quantity": 1, "fulfillment": pickup])
            #expect(set.status == 200, "\(set)")
            try await CartKit.setLineOK(shop.storefront, id, b, quantity: 2)
            let quoted = try await shop.storefront.post("/v1/carts/\(id)/quote")
            #expect(Set(OrderKit.suborders(quoted.json).map { $0["fulfillment"]?["type"]?.stringValue ?? "?" }) == ["pickup", "delivery"])
            let checkout = try await CartKit.checkout(shop.storefront, id)
            try #require(checkout.status == 201, "\(checkout)")
            let subs = OrderKit.suborders(checkout.json)
            let picked = try #require(subs.first { $0["fulfillment"]?["type"]?.stringValue == "pickup" })
            #expect(picked["vendor_id"]?.stringValue == store)
            #expect(OrderKit.lines(picked).map { $0["sku"]?.stringValue } == [a])
            let delivered = try #require(subs.first { $0["fulfillment"]?["type"]?.stringValue == "delivery" })
            #expect(OrderKit.lines(delivered).map { $0["sku"]?.stringValue } == [b])
            #expect(OrderKit.lines(checkout.json).map { $0["fulfillment"]?["type"]?.stringValue } == ["pickup", "delivery"])
            #expect(checkout["cart_id"]?.stringValue == id)
        }
    }
}
