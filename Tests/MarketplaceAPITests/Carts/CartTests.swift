import CommerceCore
import Foundation
import NIOHTTP1
import Postgres
import Testing

@testable import Buying
@testable import MarketplaceAPI

private typealias K = OrderKit
private typealias C = CartKit

@Suite("Carts: across channels, checkout, reorder, TTL")
struct CartTests {
    @Test("created on web, changed on app, checked out on pos: channels in order, once each; the order shows cart_id")
    func crossChannel() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let (web, webKey) = try await C.channel(shop, type: "web")
            let (app, appKey) = try await C.channel(shop, type: "app")
            let (pos, posKey) = try await C.channel(shop, type: "pos")
            let x = try await shop.sku()
            let y = try await shop.sku()
            let vendor = try await shop.seller(items: [
                StockedItem(sku: x, onHand: 10, price: 500), StockedItem(sku: y, onHand: 10, price: 300),
            ])
            let customer = shop.newCustomer()
            let cart = try await C.create(webKey, customer: customer)
            let id = K.id(cart)
            #expect(K.status(cart) == "open")
            #expect(C.channels(cart) == [web])
            #expect(cart["customer_id"]?.stringValue == customer && cart["currency"]?.stringValue == "EUR")
            #expect(cart["fulfillment"]?["type"]?.stringValue == "delivery")
            #expect(K.lines(cart).isEmpty)

            let afterApp = try await C.setLineOK(appKey, id, x, quantity: 2)
            #expect(C.channels(afterApp) == [web, app])
            let afterWeb = try await C.setLineOK(webKey, id, y, quantity: 1)
            #expect(C.channels(afterWeb) == [web, app], "web changed it before: listed once")
            // Changing a line keeps its place; the newest change is what the line holds.
            let changed = try await C.setLineOK(appKey, id, x, quantity: 3)
            #expect(C.lineSummary(changed) == ["\(x)×3", "\(y)×1"])
            let line = try #require(K.lines(changed).first)
            #expect(line["fulfillment"] == .null && line["vendor_id"] == .null && line["max_unit_price"] == .null)
            // Any channel reads any cart.
            let read = try await posKey.get("/v1/carts/\(id)")
            #expect(read.status == 200 && C.lineSummary(read.json) == ["\(x)×3", "\(y)×1"], "\(read)")

            let placed = try await C.checkout(posKey, id)
            try #require(placed.status == 201, "\(placed)")
            let order = placed.json
            #expect(order["channel"]?.stringValue == pos)
            #expect(order["cart_id"]?.stringValue == id)
            #expect(order["customer_id"]?.stringValue == customer)
            #expect(order["total"]?.intValue == 1800, "3 × 500 + 300")
            #expect(K.lines(order).map { $0["sku"]?.stringValue ?? "" } == [x, y])
            try await shop.expectStock(vendor, x, onHand: 10, reserved: 3)
            #expect(try await shop.order(K.id(order))["cart_id"]?.stringValue == id)

            let closed = try await webKey.get("/v1/carts/\(id)")
            #expect(K.status(closed.json) == "checked_out")
            #expect(C.channels(closed.json) == [web, app, pos])
            #expect(closed["order_id"]?.stringValue == K.id(order))

            // An order not from a cart says so.
            let plain = try await shop.placeOK(lines: [K.line(x, 1)])
            #expect(plain["cart_id"] == .null && plain["organization_id"] == .null, "\(plain)")

            try await C.expectDocumented(
                server,
                [
                    .init(method: "get", path: "/v1/carts/{id}", response: read),
                    .init(method: "post", path: "/v1/carts/{id}/checkout", response: placed),
                    .init(method: "get", path: "/v1/carts/{id}", response: closed),
                ])
        }
    }

    @Test("lines: one per sku, quantity 0 removes, bounds and unknown sku or vendor are 422, nothing written")
    func lineRules() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let cart = try await C.create(shop.storefront, customer: shop.newCustomer())
            let id = K.id(cart)
            var samples: [OpenAPIContractTests.Sample] = []
            func check(_ body: JSONValue, sku: String? = nil, fields: [String]) async throws {
                let response = try await C.setLine(shop.storefront, id, sku ?? x, body)
                K.expectProblem(response, status: 422, code: "validation", fields: fields)
                samples.append(.init(method: "put", path: "/v1/carts/{id}/lines/{sku}", response: response))
            }
            try await check(["quantity": 100_001], fields: ["quantity"])
            try await check(["quantity": -1], fields: ["quantity"])
            try await check([:], fields: ["quantity"])
            try await check(["quantity": 1, "colour": "red"], fields: ["colour"])
            try await check(["quantity": 1], sku: "no-such-\(UUID().uuidString.prefix(6))", fields: ["sku"])
            try await check(["quantity": 1, "vendor_id": "ven_nope"], fields: ["vendor_id"])
            try await check(["quantity": 1, "max_unit_price": -5], fields: ["max_unit_price"])
            try await check(["quantity": 1, "fulfillment": ["type": "teleport"]], fields: ["fulfillment.type"])
            try await check(
                ["quantity": 1, "fulfillment": K.pickup(vendorId: "ven_nope", location: "X")], fields: ["fulfillment.location"])
            #expect(K.lines(try await shop.storefront.get("/v1/carts/\(id)").json).isEmpty, "nothing was written")

            let vendor = try await shop.vendor()
            let set = try await C.setLine(
                shop.storefront, id, x, ["quantity": 100_000, "vendor_id": .string(vendor), "max_unit_price": 1200])
            #expect(set.status == 200, "\(set)")
            samples.append(.init(method: "put", path: "/v1/carts/{id}/lines/{sku}", response: set))
            let line = try #require(K.lines(set.json).first)
            #expect(line["vendor_id"]?.stringValue == vendor && line["max_unit_price"]?.intValue == 1200)
            #expect(C.lineSummary(try await C.setLineOK(shop.storefront, id, x, quantity: 4)) == ["\(x)×4"])
            #expect(K.lines(try await C.setLineOK(shop.storefront, id, x, quantity: 0)).isEmpty)
            #expect(K.lines(try await C.setLineOK(shop.storefront, id, x, quantity: 0)).isEmpty, "removing nothing is fine")

            K.expectProblem(try await C.setLine(shop.storefront, "cart_nope", x, ["quantity": 1]), status: 404, code: "not-found")
            let badCreate = try await shop.storefront.post("/v1/carts", ["customer": ["id": ""], "currency": "euro", "extra": 1])
            K.expectProblem(badCreate, status: 422, code: "validation", fields: ["customer.id", "currency", "extra"])
            samples.append(.init(method: "post", path: "/v1/carts", response: badCreate))
            try await C.expectDocumented(server, samples)
        }
    }

    @Test("checkout: empty cart 422, insufficient stock leaves the cart open, any change afterwards 409")
    func checkoutRules() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 1, price: 700)])
            let cart = try await C.create(shop.storefront, customer: shop.newCustomer())
            let id = K.id(cart)
            K.expectProblem(try await C.checkout(shop.storefront, id), status: 422, code: "validation", fields: ["lines"])

            try await C.setLineOK(shop.storefront, id, x, quantity: 2)
            let short = try await C.checkout(shop.storefront, id)
            K.expectProblem(short, status: 409, code: "insufficient-stock", fields: ["lines[0]"])
            #expect(K.status(try await shop.storefront.get("/v1/carts/\(id)").json) == "open")
            try await shop.expectStock(vendor, x, onHand: 1, reserved: 0)

            // Still open: it can change and be checked out.
            try await C.setLineOK(shop.storefront, id, x, quantity: 1)
            let placed = try await C.checkout(
                shop.storefront, id, ["deliver_by": .string(RFC3339.format(Date().addingTimeInterval(10 * K.day)))])
            #expect(placed.status == 201, "\(placed)")
            #expect(K.date(placed["deliver_by"]) != nil)
            K.expectProblem(try await C.checkout(shop.storefront, id), status: 409, code: "invalid-transition")
            K.expectProblem(try await C.setLine(shop.storefront, id, x, ["quantity": 3]), status: 409, code: "invalid-transition")
            K.expectProblem(try await C.setLine(shop.storefront, id, x, ["quantity": 0]), status: 409, code: "invalid-transition")
            K.expectProblem(try await C.checkout(shop.storefront, "cart_nope"), status: 404, code: "not-found")
            let cartNow = try await shop.storefront.get("/v1/carts/\(id)")
            #expect(C.lineSummary(cartNow.json) == ["\(x)×1"])
            try await shop.expectStock(vendor, x, onHand: 1, reserved: 1)
        }
    }

    @Test("operator: its changes add no channel, checkout must name one, which then counts")
    func operatorCart() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            _ = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let cart = try await C.create(shop.admin, customer: shop.newCustomer(), fulfillment: nil)
            #expect(C.channels(cart) == [] && cart["fulfillment"] == .null)
            let id = K.id(cart)
            #expect(C.channels(try await C.setLineOK(shop.admin, id, x, quantity: 1)) == [])
            K.expectProblem(try await C.checkout(shop.admin, id), status: 422, code: "validation", fields: ["channel"])
            K.expectProblem(
                try await C.checkout(shop.admin, id, ["channel": "ch-nope", "fulfillment": K.delivery()]), status: 422, code: "validation",
                fields: ["channel"])
            K.expectProblem(
                try await C.checkout(shop.admin, id, ["channel": .string(shop.channel)]), status: 422, code: "validation",
                fields: ["fulfillment"])
            K.expectProblem(
                try await C.checkout(shop.storefront, id, ["channel": "someone-else"]), status: 422, code: "validation", fields: ["channel"]
            )
            let placed = try await C.checkout(shop.admin, id, ["channel": .string(shop.channel), "fulfillment": K.delivery()])
            #expect(placed.status == 201, "\(placed)")
            #expect(placed["channel"]?.stringValue == shop.channel)
            #expect(C.channels(try await shop.admin.get("/v1/carts/\(id)").json) == [shop.channel])
        }
    }

    @Test("concurrent checkouts from two channels: exactly one 201, the other 409, stock reserved once (many rounds)")
    func concurrentCheckouts() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let (_, appKey) = try await C.channel(shop, type: "app")
            let x = try await shop.sku()
            let rounds = 10
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: Int64(rounds * 2), price: 100)])
            for round in 0..<rounds {
                let customer = shop.newCustomer()
                let id = K.id(try await C.create(shop.storefront, customer: customer))
                try await C.setLineOK(appKey, id, x, quantity: 1)
                async let a = C.checkout(shop.storefront, id)
                async let b = C.checkout(appKey, id)
                let results = try await [a, b]
                let statuses = results.map(\.status).sorted()
                #expect(statuses == [201, 409], "round \(round): \(results)")
                if let loser = results.first(where: { $0.status == 409 }) {
                    K.expectProblem(loser, status: 409, code: "invalid-transition")
                }
                let orders = try await shop.storefront.get("/v1/customers/\(customer)/orders")
                #expect(orders.data.count == 1, "round \(round): one order only")
            }
            try await shop.expectStock(vendor, x, onHand: Int64(rounds * 2), reserved: Int64(rounds))
        }
    }

    @Test("checkout honours Idempotency-Key: the same key and body replay the stored 201, nothing new")
    func checkoutIdempotency() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let customer = shop.newCustomer()
            let id = K.id(try await C.create(shop.storefront, customer: customer))
            try await C.setLineOK(shop.storefront, id, x, quantity: 2)
            let key = [("Idempotency-Key", Fixtures.unique("idem"))]
            let first = try await C.checkout(shop.storefront, id, nil, headers: key)
            #expect(first.status == 201, "\(first)")
            let again = try await C.checkout(shop.storefront, id, nil, headers: key)
            #expect(again.status == 201, "\(again)")
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(K.id(again.json) == K.id(first.json) && again.text == first.text)
            let other = try await C.checkout(shop.storefront, id, ["deliver_by": "2030-01-01T00:00:00Z"], headers: key)
            K.expectProblem(other, status: 422, code: "idempotency-key-reused")
            #expect(try await shop.storefront.get("/v1/customers/\(customer)/orders").data.count == 1)
            try await shop.expectStock(vendor, x, onHand: 5, reserved: 2)
        }
    }

    @Test("reorder: a new open cart with the order's lines less cancelled units, the caller's channel")
    func reorder() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let (app, appKey) = try await C.channel(shop, type: "app")
            let a = try await shop.sku()
            let b = try await shop.sku()
            // No location holds 4 × a, so it splits over two vendors; b comes from a third.
            let v1 = try await shop.seller(name: "V1", items: [StockedItem(sku: a, onHand: 2, price: 100)])
            _ = try await shop.seller(name: "V2", items: [StockedItem(sku: a, onHand: 2, price: 100)])
            let v3 = try await shop.seller(name: "V3", items: [StockedItem(sku: b, onHand: 5, price: 50)])
            let customer = shop.newCustomer()
            let order = try await shop.placeOK(customer: customer, lines: [K.line(a, 4, maxUnitPrice: 150), K.line(b, 1)])
            for sub in K.suborders(order) where [v1, v3].contains(sub["vendor_id"]?.stringValue ?? "") {
                try await shop.actOK("cancel", K.id(sub))
            }
            let after = try await shop.order(K.id(order))
            #expect(K.lines(after).map { $0["cancelled_quantity"]?.intValue ?? -1 } == [2, 1], "\(after)")

            let response = try await appKey.post("/v1/orders/\(K.id(order))/reorder")
            #expect(response.status == 201, "\(response)")
            let cart = response.json
            #expect(K.status(cart) == "open")
            #expect(cart["customer_id"]?.stringValue == customer && cart["currency"]?.stringValue == "EUR")
            #expect(C.lineSummary(cart) == ["\(a)×2"], "b was cancelled whole")
            #expect(K.lines(cart).first?["max_unit_price"]?.intValue == 150)
            #expect(C.channels(cart) == [app])
            #expect(cart["fulfillment"] == after["fulfillment"])
            #expect(cart["order_id"] == .null)
            K.expectProblem(try await appKey.post("/v1/orders/ord_nope/reorder"), status: 404, code: "not-found")
            K.expectProblem(
                try await appKey.post("/v1/orders/\(K.id(order))/reorder", ["x": 1]), status: 422, code: "validation", fields: ["x"])
            try await C.expectDocumented(server, [.init(method: "post", path: "/v1/orders/{id}/reorder", response: response)])
        }
    }

    @Test("a customer's carts: newest first, paged with limit, after and next_cursor")
    func customerCarts() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let customer = shop.newCustomer()
            var ids: [String] = []
            for _ in 0..<3 { ids.append(K.id(try await C.create(shop.storefront, customer: customer))) }
            _ = try await C.create(shop.storefront, customer: shop.newCustomer())
            let first = try await shop.storefront.get("/v1/customers/\(customer)/carts?limit=2")
            #expect(first.status == 200)
            #expect(first.data.map { K.id($0) } == [ids[2], ids[1]])
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await shop.storefront.get("/v1/customers/\(customer)/carts?limit=2&after=\(cursor)")
            #expect(second.data.map { K.id($0) } == [ids[0]])
            #expect(second["next_cursor"] == .null)
            K.expectProblem(
                try await shop.storefront.get("/v1/customers/\(customer)/carts?limit=0"), status: 422, code: "validation", fields: ["limit"]
            )
            K.expectProblem(try await shop.storefront.get("/v1/customers/\(customer)/carts?colour=red"), status: 422, code: "validation")
            try await C.expectDocumented(
                server,
                [
                    .init(method: "get", path: "/v1/customers/{customer_id}/carts", response: first),
                    .init(method: "get", path: "/v1/customers/{customer_id}/carts", response: second),
                ])
        }
    }

    @Test("TTL clean-up: an open cart untouched past CART_TTL_DAYS is deleted, a checked-out one kept, a fresh one kept")
    func ttlCleanup() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            _ = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let stale = K.id(try await C.create(shop.storefront, customer: shop.newCustomer()))
            try await C.setLineOK(shop.storefront, stale, x, quantity: 1)
            let done = K.id(try await C.create(shop.storefront, customer: shop.newCustomer()))
            try await C.setLineOK(shop.storefront, done, x, quantity: 1)
            #expect(try await C.checkout(shop.storefront, done).status == 201)
            let fresh = K.id(try await C.create(shop.storefront, customer: shop.newCustomer()))
            try await server.pool.query(
                "UPDATE carts SET updated_at = now() - interval '31 days' WHERE id = ANY($1)", [[stale, done]])
            let deleted = try await CartCleanup.run(server.pool, ttlDays: 30)
            #expect(deleted >= 1)
            K.expectProblem(try await shop.storefront.get("/v1/carts/\(stale)"), status: 404, code: "not-found")
            #expect(try await shop.storefront.get("/v1/carts/\(done)").status == 200)
            #expect(try await shop.storefront.get("/v1/carts/\(fresh)").status == 200)
            #expect(server.services.config.cartTTLDays == 30)
            let env = try AppConfiguration.fromEnvironment(["CART_TTL_DAYS": "7"])
            #expect(env.cartTTLDays == 7)
            #expect(throws: (any Error).self) { try AppConfiguration.fromEnvironment(["CART_TTL_DAYS": "0"]) }
        }
    }
}
