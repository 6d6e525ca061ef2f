import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit

@Suite("Orders: customer views across channels, availability")
struct OrdersCustomerViewTests {
    @Test("a customer's orders from two channels: listed from either key, paged, timeline oldest first with the placing channel")
    func ordersAcrossChannels() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let channel2 = try await shop.fixtures.channel(type: "app")
            let app = try await shop.fixtures.key(role: "channel", channel: channel2)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 20, price: 100)])
            let customer = shop.newCustomer()
            let o1 = try await shop.placeOK(customer: customer, lines: [K.line(x, 1)])
            let placed2 = try await app.post("/v1/orders", K.orderBody(customer: customer, lines: [K.line(x, 2)]))
            #expect(placed2.status == 201, "\(placed2)")
            let o2 = placed2.json
            let placed3 = try await shop.admin.post(
                "/v1/orders", K.orderBody(customer: customer, lines: [K.line(x, 3)], channel: channel2))
            #expect(placed3.status == 201, "\(placed3)")
            let o3 = placed3.json
            _ = try await shop.placeOK(customer: shop.newCustomer(), lines: [K.line(x, 1)])  // someone else
            let channelOf = [K.id(o1): shop.channel, K.id(o2): channel2, K.id(o3): channel2]
            #expect(o1["channel"]?.stringValue == shop.channel)
            #expect(o2["channel"]?.stringValue == channel2)
            #expect(o3["channel"]?.stringValue == channel2)

            let sub1 = K.id(K.suborders(o1).first)
            let vKey = try await shop.vendorKey(v)
            try await shop.actOK("accept", sub1, as: vKey)

            for client in [shop.storefront, app, shop.admin] {
                let list = try await client.get("/v1/customers/\(customer)/orders")
                #expect(list.status == 200, "\(list)")
                #expect(list.data.map { K.id($0) } == [K.id(o1), K.id(o2), K.id(o3)], "\(list)")
                #expect(list["next_cursor"] == .null)
                for order in list.data {
                    #expect(order["channel"]?.stringValue == channelOf[K.id(order)])
                    #expect(order["customer_id"]?.stringValue == customer)
                    #expect(!K.suborders(order).isEmpty)
                }
                let first = list.data.first { K.id($0) == K.id(o1) }
                #expect(K.status(K.suborders(first ?? .null).first) == "accepted", "current suborder status")
            }

            // Paging one at a time walks every order exactly once.
            var paged: [String] = []
            var after: String?
            for _ in 0..<10 {
                let page = try await app.get("/v1/customers/\(customer)/orders?limit=1" + (after.map { "&after=\($0)" } ?? ""))
                #expect(page.status == 200, "\(page)")
                #expect(page.data.count <= 1)
                paged.append(contentsOf: page.data.map { K.id($0) })
                guard let next = page["next_cursor"]?.stringValue else { break }
                after = next
            }
            #expect(paged == [K.id(o1), K.id(o2), K.id(o3)])
            K.expectProblem(
                try await app.get("/v1/customers/\(customer)/orders?limit=0"), status: 422, code: "validation", fields: ["limit"])
            K.expectProblem(
                try await app.get("/v1/customers/\(customer)/orders?after=garbage"), status: 422, code: "validation", fields: ["after"])
            #expect(try await vKey.get("/v1/customers/\(customer)/orders").status == 403)
            let nobody = try await app.get("/v1/customers/\(shop.newCustomer())/orders")
            #expect(nobody.status == 200 && nobody.data.isEmpty && nobody["next_cursor"] == .null, "\(nobody)")

            // Any channel reads any order.
            let read = try await app.get("/v1/orders/\(K.id(o1))")
            #expect(read.status == 200, "\(read)")
            #expect(read["channel"]?.stringValue == shop.channel)
            #expect(K.status(K.suborders(read.json).first) == "accepted")
            K.expectProblem(try await app.get("/v1/orders/ord_\(Fixtures.unique("ghost"))"), status: 404, code: "not-found")
            #expect(try await vKey.get("/v1/orders/\(K.id(o1))").status == 403)

            // Timeline: order and suborder_status entries, oldest first, each with its order's channel.
            let timeline = try await shop.timeline(customer, as: app)
            let kinds = timeline.map { $0["kind"]?.stringValue ?? "" }
            #expect(kinds.filter { $0 == "order" }.count == 3)
            #expect(kinds.filter { $0 == "suborder_status" }.count == 4, "3 × pending_acceptance + accepted: \(timeline)")
            #expect(Set(kinds) == ["order", "suborder_status"])
            let times = timeline.compactMap { K.date($0["at"]) }
            #expect(times.count == timeline.count)
            #expect(zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "oldest first")
            #expect(timeline.filter { $0["kind"]?.stringValue == "order" }.map { K.id($0) } == [K.id(o1), K.id(o2), K.id(o3)])
            var position: [String: Int] = [:]
            for (i, entry) in timeline.enumerated() {
                let kind = entry["kind"]?.stringValue
                let orderId = kind == "order" ? K.id(entry) : entry["data"]?["order_id"]?.stringValue ?? ""
                #expect(entry["channel"]?.stringValue == channelOf[orderId], "\(entry)")
                if kind == "order" {
                    #expect(entry["data"]?["id"]?.stringValue == K.id(entry))
                    position[K.id(entry)] = i
                } else {
                    #expect(entry["data"]?["status"]?.stringValue != nil)
                    #expect((position[orderId] ?? Int.max) < i, "an order's status entries follow its order entry")
                }
            }
            #expect(timeline.last?["kind"]?.stringValue == "suborder_status")
            #expect(timeline.last.map { K.id($0) } == sub1)
            #expect(timeline.last?["data"]?["status"]?.stringValue == "accepted")

            // Paging the timeline two at a time gives the same entries.
            let small = try await shop.timeline(customer, as: shop.storefront, limit: 2)
            #expect(
                small.map { "\($0["kind"]!)/\($0["id"]!)/\($0["data"]?["status"] ?? .null)" }
                    == timeline.map { "\($0["kind"]!)/\($0["id"]!)/\($0["data"]?["status"] ?? .null)" })
            #expect(try await vKey.get("/v1/customers/\(customer)/timeline").status == 403)
        }
    }

    @Test("availability: offers with stock only, earliest delivers_by first, prices and estimates, pickup ready time")
    func availability() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let nothing = try await shop.sku()
            let berlin = try await shop.seller(name: "Berlin", items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let madrid = try await shop.seller(
                name: "Madrid", latitude: K.madrid.latitude, longitude: K.madrid.longitude, handlingSeconds: 7200,
                items: [StockedItem(sku: x, onHand: 3, price: 800)])
            _ = try await shop.seller(name: "Empty", items: [StockedItem(sku: x, onHand: 0, price: 500)])
            _ = try await shop.seller(name: "Inactive", items: [StockedItem(sku: x, onHand: 9, price: 500, active: false)])
            let dollars = try await shop.seller(name: "Dollars", items: [StockedItem(sku: x, onHand: 9, price: 500, currency: "USD")])
            let store = try await shop.seller(
                name: "Store", code: "STORE", handlingSeconds: 1800, pickup: true, items: [StockedItem(sku: y, onHand: 4, price: 300)])
            try await shop.stockLocation(store, code: "WH1", items: [StockedItem(sku: y, onHand: 2, price: 300)])

            let before = Date()
            let response = try await shop.storefront.get(
                "/v1/availability?sku=\(x)&sku=\(y)&sku=\(nothing)&latitude=52.53&longitude=13.38&currency=EUR")
            #expect(response.status == 200, "\(response)")
            #expect(response.data.map { $0["sku"]?.stringValue } == [x, y, nothing])
            let xOffers = response.data.first?["offers"]?.arrayValue ?? []
            #expect(xOffers.map { $0["vendor_id"]?.stringValue } == [berlin, madrid], "\(xOffers)")
            if xOffers.count == 2 {
                #expect(xOffers[0]["location"]?.stringValue == "WH1")
                #expect(xOffers[0]["available"]?.intValue == 5)
                #expect(xOffers[0]["unit_price"]?.intValue == 1000)
                #expect(xOffers[0]["currency"]?.stringValue == "EUR")
                K.expectTime(xOffers[0]["ships_by"], near: before.addingTimeInterval(3600), "Berlin ships_by")
                K.expectTime(xOffers[0]["delivers_by"], near: before.addingTimeInterval(3600 + K.day), "Berlin delivers_by")
                #expect(xOffers[1]["available"]?.intValue == 3)
                #expect(xOffers[1]["unit_price"]?.intValue == 800)
                K.expectTime(xOffers[1]["ships_by"], near: before.addingTimeInterval(7200), "Madrid ships_by")
                K.expectTime(xOffers[1]["delivers_by"], near: before.addingTimeInterval(7200 + 3 * K.day), "Madrid delivers_by")
            }
            let yOffers = response.data.dropFirst().first?["offers"]?.arrayValue ?? []
            #expect(yOffers.map { $0["location"]?.stringValue } == ["STORE", "WH1"], "\(yOffers)")
            #expect(response.data.last?["offers"]?.arrayValue?.isEmpty == true)

            // No coordinates: the pickup store shows its ready time, shipments assume ships_by + 1 day.
            let anywhere = try await shop.storefront.get("/v1/availability?sku=\(y)&sku=\(x)&currency=EUR")
            #expect(anywhere.status == 200, "\(anywhere)")
            #expect(anywhere.data.map { $0["sku"]?.stringValue } == [y, x])
            let yAnywhere = anywhere.data.first?["offers"]?.arrayValue ?? []
            #expect(yAnywhere.map { $0["location"]?.stringValue } == ["STORE", "WH1"], "\(yAnywhere)")
            if yAnywhere.count == 2 {
                K.expectTime(yAnywhere[0]["ships_by"], near: before.addingTimeInterval(1800), "store ready")
                K.expectTime(yAnywhere[0]["delivers_by"], near: before.addingTimeInterval(1800), "pickup ready time is its delivery")
                K.expectTime(yAnywhere[1]["delivers_by"], near: before.addingTimeInterval(3600 + K.day), "shipment without address")
                #expect(yAnywhere[0]["available"]?.intValue == 4 && yAnywhere[1]["available"]?.intValue == 2)
            }
            let xAnywhere = anywhere.data.last?["offers"]?.arrayValue ?? []
            #expect(xAnywhere.map { $0["vendor_id"]?.stringValue } == [berlin, madrid])
            K.expectTime(xAnywhere.last?["delivers_by"], near: before.addingTimeInterval(7200 + K.day), "shortest distance assumed")

            // Without a currency every currency's offers show; with USD only the dollar one.
            let allCurrencies = try await shop.admin.get("/v1/availability?sku=\(x)")
            #expect(allCurrencies.status == 200)
            #expect(
                Set(allCurrencies.data.first?["offers"]?.arrayValue?.compactMap { $0["vendor_id"]?.stringValue } ?? [])
                    == [berlin, madrid, dollars])
            let usd = try await shop.storefront.get("/v1/availability?sku=\(x)&currency=USD")
            #expect(usd.data.first?["offers"]?.arrayValue?.map { $0["vendor_id"]?.stringValue } == [dollars])
            #expect(usd.data.first?["offers"]?.arrayValue?.first?["currency"]?.stringValue == "USD")

            // Reservations reduce what is available; a sold-out location disappears.
            _ = try await shop.placeOK(lines: [K.line(x, 2)])
            _ = try await shop.placeOK(lines: [K.line(x, 3, vendorId: madrid)])
            let afterOrders = try await shop.storefront.get("/v1/availability?sku=\(x)&latitude=52.53&longitude=13.38&currency=EUR")
            let remaining = afterOrders.data.first?["offers"]?.arrayValue ?? []
            #expect(remaining.map { $0["vendor_id"]?.stringValue } == [berlin], "\(remaining)")
            #expect(remaining.first?["available"]?.intValue == 3)

            // Bad parameters.
            for (query, field) in [
                ("sku=\(x)&latitude=abc&longitude=13", "latitude"), ("sku=\(x)&latitude=91&longitude=13", "latitude"),
                ("sku=\(x)&latitude=52&longitude=181", "longitude"), ("sku=\(x)&latitude=52", "longitude"),
                ("latitude=52&longitude=13", "sku"), ("sku=\(x)&currency=eur", "currency"),
            ] {
                K.expectProblem(
                    try await shop.storefront.get("/v1/availability?\(query)"), status: 422, code: "validation", fields: [field])
            }
            let vKey = try await shop.vendorKey(berlin)
            #expect(try await vKey.get("/v1/availability?sku=\(x)").status == 403)
            #expect(try await server.client(token: nil).get("/v1/availability?sku=\(x)").status == 401)
        }
    }
}
