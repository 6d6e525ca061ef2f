import CommerceCore
import Foundation
import NIOHTTP1
import Testing

private typealias K = OrderKit

@Suite("Orders: placement, splits, reservations, validation")
struct OrdersPlacementTests {
    @Test("a split order: one suborder per (vendor, location), exact lines and prices, units reserved, total, SLA windows")
    func splitAndReserve() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let a = try await shop.seller(
                name: "A", acceptanceWindowSeconds: 7200, shipWindowSeconds: 14_400, items: [StockedItem(sku: x, onHand: 3, price: 1000)])
            let b = try await shop.seller(
                name: "B", items: [StockedItem(sku: x, onHand: 4, price: 1200), StockedItem(sku: y, onHand: 2, price: 500)])
            let customer = shop.newCustomer()
            let before = Date()
            // 5 × x: A has 3, B has 4, so x must be split; y only B has.
            let order = try await shop.placeOK(customer: customer, lines: [K.line(x, 5), K.line(y, 1)])

            #expect(order["status"]?.stringValue == "open")
            #expect(order["channel"]?.stringValue == shop.channel)
            #expect(order["customer_id"]?.stringValue == customer)
            #expect(order["currency"]?.stringValue == "EUR")
            let orderLines = K.lines(order)
            try #require(orderLines.count == 2, "\(order)")
            #expect(orderLines[0]["sku"]?.stringValue == x && orderLines[0]["quantity"]?.intValue == 5)
            #expect(orderLines[1]["sku"]?.stringValue == y && orderLines[1]["quantity"]?.intValue == 1)
            #expect(orderLines.allSatisfy { $0["cancelled_quantity"]?.intValue == 0 })
            let xLine = K.id(orderLines[0])
            let yLine = K.id(orderLines[1])

            let suborders = K.suborders(order)
            try #require(suborders.count == 2, "\(order)")
            #expect(Set(suborders.map { "\($0["vendor_id"]!.stringValue!)/\($0["location"]!.stringValue!)" }) == ["\(a)/WH1", "\(b)/WH1"])
            let atA = try #require(suborders.first { $0["vendor_id"]?.stringValue == a })
            let atB = try #require(suborders.first { $0["vendor_id"]?.stringValue == b })

            // A takes the 3 cheaper units of x, B the other 2 plus y.
            let aLines = K.lines(atA)
            #expect(aLines.count == 1)
            #expect(aLines.first?["sku"]?.stringValue == x)
            #expect(aLines.first?["quantity"]?.intValue == 3)
            #expect(aLines.first?["unit_price"]?.intValue == 1000)
            #expect(aLines.first?["order_line_id"]?.stringValue == xLine)
            #expect(atA["subtotal"]?.intValue == 3000)
            let bLines = K.lines(atB)
            #expect(bLines.count == 2, "\(atB)")
            let bx = bLines.first { $0["sku"]?.stringValue == x }
            let by = bLines.first { $0["sku"]?.stringValue == y }
            #expect(bx?["quantity"]?.intValue == 2 && bx?["unit_price"]?.intValue == 1200 && bx?["order_line_id"]?.stringValue == xLine)
            #expect(by?["quantity"]?.intValue == 1 && by?["unit_price"]?.intValue == 500 && by?["order_line_id"]?.stringValue == yLine)
            #expect(atB["subtotal"]?.intValue == 2900)

            // Units per order line add up across suborders.
            var units: [String: Int64] = [:]
            for sub in suborders {
                for l in K.lines(sub) { units[l["order_line_id"]!.stringValue!, default: 0] += l["quantity"]!.intValue! }
            }
            #expect(units == [xLine: 5, yLine: 1])

            // total = Σ unit_price × quantity.
            let sum = suborders.flatMap(K.lines).reduce(Int64(0)) { $0 + $1["unit_price"]!.intValue! * $1["quantity"]!.intValue! }
            #expect(sum == 5900)
            #expect(order["total"]?.intValue == 5900)

            for sub in suborders {
                #expect(K.status(sub) == "pending_acceptance")
                #expect(sub["order_id"]?.stringValue == K.id(order))
                #expect(sub["currency"]?.stringValue == "EUR")
                #expect(sub["replaces"] == .null)
                #expect(sub["replaced_by"] == .null)
                #expect(sub["routing"]?["reason"]?.stringValue?.isEmpty == false, "\(sub)")
                #expect((sub["routing"]?["candidates_considered"]?.intValue ?? 0) >= 2, "\(sub)")
                // Berlin warehouse, customer 2 km away: ships in 1 h, delivered a day later.
                K.expectTime(sub["promised_delivery"], near: before.addingTimeInterval(3600 + K.day), "promised_delivery")
            }
            K.expectTime(atA["accept_by"], near: before.addingTimeInterval(7200), "A accept_by")
            K.expectTime(atA["ship_by"], near: before.addingTimeInterval(14_400), "A ship_by")
            K.expectTime(atB["accept_by"], near: before.addingTimeInterval(86_400), "B accept_by (default)")
            K.expectTime(atB["ship_by"], near: before.addingTimeInterval(172_800), "B ship_by (default)")

            try await shop.expectStock(a, x, onHand: 3, reserved: 3)
            try await shop.expectStock(b, x, onHand: 4, reserved: 2)
            try await shop.expectStock(b, y, onHand: 2, reserved: 1)

            // The stored order reads back the same.
            let read = try await shop.order(K.id(order))
            #expect(read["total"]?.intValue == 5900)
            #expect(read["status"]?.stringValue == "open")
            #expect(Set(K.suborders(read).map(K.id)) == Set(suborders.map(K.id)))
            for sub in K.suborders(read) {
                let placed = try #require(suborders.first { K.id($0) == K.id(sub) })
                #expect(sub["lines"] == placed["lines"])
                #expect(sub["subtotal"] == placed["subtotal"])
                #expect(K.date(sub["accept_by"]).map { abs($0.timeIntervalSince(K.date(placed["accept_by"])!)) < 0.001 } == true)
            }
        }
    }

    @Test("promised delivery: handling + 1 day nearby, handling + 3 days from Madrid (≥ 1 600 km away)")
    func promisedDeliveryByDistance() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let near = try await shop.sku()
            let far = try await shop.sku()
            _ = try await shop.seller(name: "Berlin", handlingSeconds: 5400, items: [StockedItem(sku: near, onHand: 5, price: 100)])
            let madrid = try await shop.seller(
                name: "Madrid", latitude: K.madrid.latitude, longitude: K.madrid.longitude, handlingSeconds: 7200,
                items: [StockedItem(sku: far, onHand: 5, price: 100)])

            let before = Date()
            let nearOrder = try await shop.placeOK(lines: [K.line(near, 1)])
            let nearSub = try #require(K.suborders(nearOrder).first)
            K.expectTime(nearSub["promised_delivery"], near: before.addingTimeInterval(5400 + K.day), "Berlin → Berlin")

            let farOrder = try await shop.placeOK(lines: [K.line(far, 1)])
            let farSub = try #require(K.suborders(farOrder).first)
            #expect(farSub["vendor_id"]?.stringValue == madrid)
            // 1 870 km: 1 + floor(1870 / 800) = 3 days of transit.
            K.expectTime(farSub["promised_delivery"], near: before.addingTimeInterval(7200 + 3 * K.day), "Madrid → Berlin")
            let promised = try #require(K.date(farSub["promised_delivery"]))
            #expect(promised.timeIntervalSince(before) >= 7200 + 2 * K.day)
        }
    }

    @Test("409 insufficient-stock names exactly the unservable lines and reserves nothing")
    func insufficientStock() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let skus = try await shop.skus(5)
            let (x, y, z, w, v) = (skus[0], skus[1], skus[2], skus[3], skus[4])
            let a = try await shop.seller(
                name: "A", items: [StockedItem(sku: x, onHand: 5, price: 100), StockedItem(sku: y, onHand: 3, price: 100)])
            let b = try await shop.seller(
                name: "B",
                items: [
                    StockedItem(sku: z, onHand: 2, price: 100),
                    StockedItem(sku: w, onHand: 10, price: 100, active: false),  // inactive offer
                    StockedItem(sku: v, onHand: 10, price: 100, currency: "USD"),  // wrong currency
                ])
            let customer = shop.newCustomer()
            let response = try await shop.place(
                customer: customer, lines: [K.line(x, 2), K.line(y, 10), K.line(z, 1), K.line(w, 1), K.line(v, 1)])
            K.expectProblem(response, status: 409, code: "insufficient-stock")
            #expect(Set(response.errorFields) == ["lines[1]", "lines[3]", "lines[4]"], "\(response)")
            #expect(response.errorFields.count == 3, "each unservable line once: \(response)")

            // Line constraints nothing meets: vendor that does not sell it, price cap below every offer.
            let wrongVendor = try await shop.place(customer: customer, lines: [K.line(x, 1), K.line(z, 1, vendorId: a)])
            K.expectProblem(wrongVendor, status: 409, code: "insufficient-stock")
            #expect(Set(wrongVendor.errorFields) == ["lines[1]"], "\(wrongVendor)")
            let tooCheap = try await shop.place(customer: customer, lines: [K.line(x, 1, maxUnitPrice: 99)])
            K.expectProblem(tooCheap, status: 409, code: "insufficient-stock")
            #expect(Set(tooCheap.errorFields) == ["lines[0]"], "\(tooCheap)")

            // Two lines of one sku that fit alone but not together: 409, and only those lines named.
            let together = try await shop.place(customer: customer, lines: [K.line(x, 3), K.line(x, 3), K.line(z, 1)])
            K.expectProblem(together, status: 409, code: "insufficient-stock")
            #expect(!together.errorFields.isEmpty)
            #expect(Set(together.errorFields).isSubset(of: ["lines[0]", "lines[1]"]), "\(together)")

            // Nothing was reserved and no order was written.
            try await shop.expectStock(a, x, onHand: 5, reserved: 0)
            try await shop.expectStock(a, y, onHand: 3, reserved: 0)
            try await shop.expectStock(b, z, onHand: 2, reserved: 0)
            let orders = try await shop.storefront.get("/v1/customers/\(customer)/orders")
            #expect(orders.status == 200)
            #expect(orders.data.isEmpty, "\(orders)")

            // The servable part alone goes through.
            _ = try await shop.placeOK(customer: customer, lines: [K.line(x, 2), K.line(z, 1)])
            try await shop.expectStock(a, x, onHand: 5, reserved: 2)
            try await shop.expectStock(b, z, onHand: 2, reserved: 1)
        }
    }

    @Test("validation: 422 naming customer, currency, lines[0].quantity, lines[0].sku, lines[0].vendor_id, channel; nothing written")
    func validation() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let seller = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 100)])
            let customer = shop.newCustomer()
            let good = K.orderBody(customer: customer, lines: [K.line(x, 1)])

            func without(_ key: String, in body: JSONValue) -> JSONValue {
                var object = body.objectValue!
                object[key] = nil
                return .object(object)
            }
            func with(_ key: String, _ value: JSONValue, in body: JSONValue) -> JSONValue {
                var object = body.objectValue!
                object[key] = value
                return .object(object)
            }

            let noCustomer = try await shop.storefront.post("/v1/orders", without("customer", in: good))
            K.expectProblem(noCustomer, status: 422, code: "validation", fields: ["customer"])
            let noCustomerId = try await shop.storefront.post("/v1/orders", with("customer", ["email": "a@b.c"], in: good))
            K.expectProblem(noCustomerId, status: 422, code: "validation", fields: ["customer.id"])
            let badCurrency = try await shop.storefront.post("/v1/orders", with("currency", "euro", in: good))
            K.expectProblem(badCurrency, status: 422, code: "validation", fields: ["currency"])
            let lowerCurrency = try await shop.storefront.post("/v1/orders", with("currency", "eur", in: good))
            K.expectProblem(lowerCurrency, status: 422, code: "validation", fields: ["currency"])
            let zero = try await shop.storefront.post("/v1/orders", with("lines", [K.line(x, 0)], in: good))
            K.expectProblem(zero, status: 422, code: "validation", fields: ["lines[0].quantity"])
            let negative = try await shop.storefront.post("/v1/orders", with("lines", [K.line(x, 1), K.line(x, -2)], in: good))
            K.expectProblem(negative, status: 422, code: "validation", fields: ["lines[1].quantity"])
            #expect(!negative.errorFields.contains("lines[0].quantity"))
            let noLines = try await shop.storefront.post("/v1/orders", with("lines", [], in: good))
            K.expectProblem(noLines, status: 422, code: "validation", fields: ["lines"])
            let unknownSku = try await shop.storefront.post(
                "/v1/orders", with("lines", [K.line(Fixtures.unique("NOPE"), 1), K.line(x, 1)], in: good))
            K.expectProblem(unknownSku, status: 422, code: "validation", fields: ["lines[0].sku"])
            #expect(unknownSku.errorFields == ["lines[0].sku"], "\(unknownSku)")
            let unknownVendor = try await shop.storefront.post(
                "/v1/orders", with("lines", [K.line(x, 1, vendorId: "ven_" + Fixtures.unique("ghost"))], in: good))
            K.expectProblem(unknownVendor, status: 422, code: "validation", fields: ["lines[0].vendor_id"])
            let badType = try await shop.storefront.post(
                "/v1/orders", with("fulfillment", ["type": "teleport"], in: good))
            K.expectProblem(badType, status: 422, code: "validation", fields: ["fulfillment.type"])
            let noFulfillment = try await shop.storefront.post("/v1/orders", without("fulfillment", in: good))
            K.expectProblem(noFulfillment, status: 422, code: "validation", fields: ["fulfillment"])
            let badDeadline = try await shop.storefront.post("/v1/orders", with("deliver_by", "tomorrow", in: good))
            K.expectProblem(badDeadline, status: 422, code: "validation", fields: ["deliver_by"])
            let several = try await shop.storefront.post(
                "/v1/orders", with("currency", "x", in: with("lines", [K.line(x, 0)], in: without("customer", in: good))))
            K.expectProblem(several, status: 422, code: "validation", fields: ["customer", "currency", "lines[0].quantity"])

            // A channel key places for its own channel only.
            let otherChannel = try await shop.fixtures.channel()
            let foreign = try await shop.storefront.post("/v1/orders", with("channel", .string(otherChannel), in: good))
            K.expectProblem(foreign, status: 422, code: "validation", fields: ["channel"])

            // An operator must name an existing channel.
            let operatorNoChannel = try await shop.admin.post("/v1/orders", good)
            K.expectProblem(operatorNoChannel, status: 422, code: "validation", fields: ["channel"])
            let operatorUnknown = try await shop.admin.post("/v1/orders", with("channel", .string(Fixtures.unique("nochan")), in: good))
            K.expectProblem(operatorUnknown, status: 422, code: "validation", fields: ["channel"])

            // Wrong roles.
            let vendorKey = try await shop.vendorKey(seller)
            #expect(try await vendorKey.post("/v1/orders", good).status == 403)
            #expect(try await server.client(token: nil).post("/v1/orders", good).status == 401)

            // Nothing was written by any of the failures.
            try await shop.expectStock(seller, x, onHand: 10, reserved: 0)
            let none = try await shop.storefront.get("/v1/customers/\(customer)/orders")
            #expect(none.data.isEmpty, "\(none)")

            // The channel key, and an operator naming the channel, both succeed.
            let byChannel = try await shop.storefront.post("/v1/orders", good)
            #expect(byChannel.status == 201, "\(byChannel)")
            #expect(byChannel["channel"]?.stringValue == shop.channel)
            let byChannelExplicit = try await shop.storefront.post("/v1/orders", with("channel", .string(shop.channel), in: good))
            #expect(byChannelExplicit.status == 201, "\(byChannelExplicit)")
            let byOperator = try await shop.admin.post("/v1/orders", with("channel", .string(otherChannel), in: good))
            #expect(byOperator.status == 201, "\(byOperator)")
            #expect(byOperator["channel"]?.stringValue == otherChannel)
            try await shop.expectStock(seller, x, onHand: 10, reserved: 3)
        }
    }

    @Test("Idempotency-Key: a repeat replays the same order and reserves once; another body under the key is 422")
    func idempotentPlacement() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let seller = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 700)])
            let customer = shop.newCustomer()
            let key = Fixtures.unique("idem")
            let body = K.orderBody(customer: customer, lines: [K.line(x, 3)])
            let first = try await shop.storefront.post("/v1/orders", body, headers: [("Idempotency-Key", key)])
            #expect(first.status == 201, "\(first)")
            #expect(first.headers.first(name: "Idempotent-Replayed") == nil)
            let second = try await shop.storefront.post("/v1/orders", body, headers: [("Idempotency-Key", key)])
            #expect(second.status == 201, "\(second)")
            #expect(second.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(second["id"] == first["id"])
            #expect(second.json == first.json)
            try await shop.expectStock(seller, x, onHand: 10, reserved: 3)

            let reused = try await shop.storefront.post(
                "/v1/orders", K.orderBody(customer: customer, lines: [K.line(x, 4)]), headers: [("Idempotency-Key", key)])
            K.expectProblem(reused, status: 422, code: "idempotency-key-reused")
            try await shop.expectStock(seller, x, onHand: 10, reserved: 3)

            // Keys are per token: another channel key with the same key places a new order.
            let otherKey = try await shop.fixtures.key(role: "channel", channel: shop.channel)
            let third = try await otherKey.post("/v1/orders", body, headers: [("Idempotency-Key", key)])
            #expect(third.status == 201, "\(third)")
            #expect(third.headers.first(name: "Idempotent-Replayed") == nil)
            #expect(third["id"] != first["id"])
            try await shop.expectStock(seller, x, onHand: 10, reserved: 6)

            let orders = try await shop.storefront.get("/v1/customers/\(customer)/orders")
            #expect(Set(orders.data.map(K.id)) == [K.id(first.json), K.id(third.json)], "\(orders)")
        }
    }
}

/// v1.2: an order in a currency nobody offers the sku in says so, rather than "not enough stock".
@Suite struct CurrencyMismatchTests {
    @Test func anOrderInACurrencyWithoutOffersNamesTheCurrency() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            _ = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 100), StockedItem(sku: y, onHand: 1, price: 100)])
            var body = OrderKit.orderBody(customer: shop.newCustomer(), lines: [OrderKit.line(x, 1), OrderKit.line(y, 5)])
            if case .object(var object) = body {
                object["currency"] = "USD"
                body = .object(object)
            }
            let usd = try await shop.storefront.post("/v1/orders", body)
            OrderKit.expectProblem(usd, status: 409, code: "insufficient-stock")
            let messages = (usd.json["errors"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
            #expect(messages.count == 2)
            #expect(messages.allSatisfy { $0.contains("no offer for") && $0.contains("in USD") && $0.contains("EUR") }, "\(messages)")
            // In the right currency, a short line still reads as a stock problem.
            let eur = try await shop.place(lines: [OrderKit.line(x, 1), OrderKit.line(y, 5)])
            OrderKit.expectProblem(eur, status: 409, code: "insufficient-stock", fields: ["lines[1]"])
            let eurMessages = (eur.json["errors"]?.arrayValue ?? []).compactMap { $0["message"]?.stringValue }
            #expect(eurMessages == ["not enough stock for 5 × \(y) within the order's constraints"])
        }
    }
}
