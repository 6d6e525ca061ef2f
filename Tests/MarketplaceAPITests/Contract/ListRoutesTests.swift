import CommerceCore
import Foundation
import Testing

@testable import MarketplaceAPI

private typealias K = OrderKit

/// v1.2 "Read and list every resource": every list pages newest first, filters, refuses
/// unknown parameters and filter values, and keeps roles and vendors apart.
@Suite struct ListRoutesTests {
    /// Reads `path` page by page (`limit` per page) until `wanted` ids were all seen or the
    /// list ended; answers the ids in list order and checks that no item repeats.
    static func walk(
        _ client: APIClient, _ path: String, id: String = "id", limit: Int = 2, wanted: Set<String>, maxPages: Int = 500,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> [String] {
        var seen: [String] = []
        var after: String?
        let separator = path.contains("?") ? "&" : "?"
        for _ in 0..<maxPages {
            let url = path + separator + "limit=\(limit)" + (after.map { "&after=\($0)" } ?? "")
            let response = try await client.get(url)
            try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
            #expect(response.data.count <= limit, sourceLocation: sourceLocation)
            seen += response.data.compactMap { $0[id]?.stringValue }
            if wanted.isSubset(of: Set(seen)) { break }
            guard let next = response["next_cursor"]?.stringValue else { break }
            after = next
        }
        #expect(Set(seen).count == seen.count, "an item repeated across pages", sourceLocation: sourceLocation)
        return seen
    }

    @Test func apiKeysAreListedWithoutTokensAndByRole() async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            let vendor = try await fixtures.vendor()
            let created = try await server.admin.post("/v1/api-keys", ["role": "vendor", "vendor_id": .string(vendor)])
            let keyId = try #require(created["id"]?.stringValue)
            let token = try #require(created["token"]?.stringValue)
            let channelKey = try await fixtures.key(role: "channel", channel: try await fixtures.channel())

            let vendorKeys = try await server.admin.get("/v1/api-keys?role=vendor&limit=500")
            #expect(vendorKeys.status == 200)
            #expect(vendorKeys.data.contains { $0["id"]?.stringValue == keyId && $0["vendor_id"]?.stringValue == vendor })
            #expect(vendorKeys.data.allSatisfy { $0["role"]?.stringValue == "vendor" && $0["token"] == nil })
            #expect(!vendorKeys.text.contains(token))
            let channelKeys = try await server.admin.get("/v1/api-keys?role=channel&limit=500")
            #expect(!channelKeys.data.contains { $0["id"]?.stringValue == keyId })

            #expect(try await server.admin.delete("/v1/api-keys/\(keyId)").status == 204)
            let afterRevoke = try await server.admin.get("/v1/api-keys?role=vendor&limit=500")
            #expect(!afterRevoke.data.contains { $0["id"]?.stringValue == keyId })

            #expect(try await channelKey.get("/v1/api-keys").status == 403)
            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/api-keys?role=root"), status: 422, code: "validation", fields: ["role"])
        }
    }

    @Test func channelsFilterByTypeAndAChannelKeySeesOnlyItsOwn() async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            let web = try await fixtures.channel(type: "web")
            let pos = try await fixtures.channel(type: "pos")
            let posList = try await Self.walk(server.admin, "/v1/channels?type=pos", id: "code", limit: 500, wanted: [pos])
            #expect(posList.contains(pos))
            #expect(!posList.contains(web))
            let one = try await server.admin.get("/v1/channels/\(web)")
            #expect(one.status == 200)
            #expect(one["type"]?.stringValue == "web" && one["code"]?.stringValue == web)

            let webKey = try await fixtures.key(role: "channel", channel: web)
            let own = try await webKey.get("/v1/channels")
            #expect(own.data.compactMap { $0["code"]?.stringValue } == [web], "\(own)")
            #expect(try await webKey.get("/v1/channels/\(web)").status == 200)
            FoundationHelpers.expectProblem(try await webKey.get("/v1/channels/\(pos)"), status: 404, code: "not-found")
            let vendorKey = try await fixtures.key(role: "vendor", vendorId: try await fixtures.vendor())
            #expect(try await vendorKey.get("/v1/channels").status == 403)
            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/channels?type=fax"), status: 422, code: "validation", fields: ["type"])
        }
    }

    @Test func vendorsPageNewestFirstWithoutRepeats() async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            var made: [String] = []
            for n in 0..<3 { made.append(try await fixtures.vendor(name: "Listed \(n)")) }
            let seen = try await Self.walk(server.admin, "/v1/vendors", limit: 2, wanted: Set(made))
            let positions = made.map { seen.firstIndex(of: $0) }
            #expect(positions.allSatisfy { $0 != nil }, "\(made) not all in \(seen.prefix(20))")
            let p = positions.compactMap { $0 }
            #expect(p.count == 3 && p[0] > p[1] && p[1] > p[2], "newest first: \(p)")
            let vendorKey = try await fixtures.key(role: "vendor", vendorId: made[0])
            #expect(try await vendorKey.get("/v1/vendors").status == 403)
        }
    }

    @Test func productsFilterByCategoryAndPageToTheEnd() async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            let category = Fixtures.unique("cat")
            var skus: [String] = []
            for _ in 0..<3 { skus.append(try await fixtures.product(category: category)) }
            // Replacing a product keeps its place in the list.
            #expect(
                try await server.admin.put("/v1/products/\(skus[0])", ["title": "Renamed", "category": .string(category)]).status == 200)
            let first = try await server.admin.get("/v1/products?category=\(category)&limit=2")
            #expect(first.data.compactMap { $0["sku"]?.stringValue } == [skus[2], skus[1]], "\(first)")
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await server.admin.get("/v1/products?category=\(category)&limit=2&after=\(cursor)")
            #expect(second.data.compactMap { $0["sku"]?.stringValue } == [skus[0]])
            #expect(second.data.first?["title"]?.stringValue == "Renamed")
            #expect(second["next_cursor"] == .null)

            let vendor = try await fixtures.vendor()
            for client in [
                try await fixtures.key(role: "vendor", vendorId: vendor), try await fixtures.key(role: "finance"),
                try await fixtures.key(role: "channel", channel: try await fixtures.channel()),
            ] {
                let product = try await client.get("/v1/products/\(skus[1])")
                #expect(product.status == 200)
                #expect(product.json == ["sku": .string(skus[1]), "title": "Thing", "category": .string(category)])
                #expect(try await client.get("/v1/products?category=\(category)").data.count == 3)
            }
            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/products/\(Fixtures.unique("none"))"), status: 404, code: "not-found")
            #expect(try await server.client(token: nil).get("/v1/products").status == 401)
        }
    }

    @Test func locationsAndOffersAreTheVendorsOwn() async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            let a = try await fixtures.vendor(name: "A")
            let b = try await fixtures.vendor(name: "B")
            try await fixtures.location(vendorId: a, code: "WH1")
            try await fixtures.location(vendorId: a, code: "STORE1", pickup: true, type: "store")
            let eur = try await fixtures.product()
            let usd = try await fixtures.product()
            try await fixtures.offer(vendorId: a, sku: eur, price: 1000)
            try await fixtures.offer(vendorId: a, sku: usd, price: 1200, currency: "USD", active: false)
            let aKey = try await fixtures.key(role: "vendor", vendorId: a)
            let bKey = try await fixtures.key(role: "vendor", vendorId: b)

            let all = try await aKey.get("/v1/vendors/\(a)/locations")
            #expect(all.data.compactMap { $0["code"]?.stringValue } == ["STORE1", "WH1"], "\(all)")
            let pickup = try await aKey.get("/v1/vendors/\(a)/locations?pickup=true")
            #expect(pickup.data.compactMap { $0["code"]?.stringValue } == ["STORE1"])
            let store = try await aKey.get("/v1/vendors/\(a)/locations/STORE1")
            #expect(store.status == 200)
            #expect(store["pickup"] == .bool(true) && store["type"]?.stringValue == "store" && store["country"]?.stringValue == "DE")
            #expect(store["handling_seconds"]?.intValue == 3600 && store["code"]?.stringValue == "STORE1")
            FoundationHelpers.expectProblem(
                try await aKey.get("/v1/vendors/\(a)/locations?pickup=yes"), status: 422, code: "validation", fields: ["pickup"])
            FoundationHelpers.expectProblem(try await bKey.get("/v1/vendors/\(a)/locations"), status: 404, code: "not-found")
            FoundationHelpers.expectProblem(try await bKey.get("/v1/vendors/\(a)/locations/WH1"), status: 404, code: "not-found")
            FoundationHelpers.expectProblem(try await aKey.get("/v1/vendors/\(a)/locations/NOPE"), status: 404, code: "not-found")

            let offers = try await aKey.get("/v1/vendors/\(a)/offers")
            #expect(offers.data.compactMap { $0["sku"]?.stringValue } == [usd, eur])
            let inactive = try await aKey.get("/v1/vendors/\(a)/offers?active=false")
            #expect(inactive.data.compactMap { $0["sku"]?.stringValue } == [usd])
            let inEUR = try await server.admin.get("/v1/vendors/\(a)/offers?currency=EUR&active=true")
            #expect(inEUR.data.compactMap { $0["sku"]?.stringValue } == [eur])
            let offer = try await aKey.get("/v1/vendors/\(a)/offers/\(usd)")
            #expect(offer["unit_price"]?.intValue == 1200 && offer["currency"]?.stringValue == "USD" && offer["active"] == .bool(false))
            FoundationHelpers.expectProblem(
                try await aKey.get("/v1/vendors/\(a)/offers?currency=usd"), status: 422, code: "validation", fields: ["currency"])
            FoundationHelpers.expectProblem(try await bKey.get("/v1/vendors/\(a)/offers/\(eur)"), status: 404, code: "not-found")
            #expect(try await bKey.get("/v1/vendors/\(b)/offers").data.isEmpty)
            let channelKey = try await fixtures.key(role: "channel", channel: try await fixtures.channel())
            #expect(try await channelKey.get("/v1/vendors/\(a)/offers").status == 403)
        }
    }

    @Test func ordersOfEveryChannelWithFilters() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let other = try await Shop.open(server)
            let x = try await shop.sku()
            let seller = try await shop.seller(items: [StockedItem(sku: x, onHand: 20, price: 300)])
            let customer = shop.newCustomer()
            let mine = K.id(try await shop.placeOK(customer: customer, lines: [K.line(x, 1)]))
            let theirs = K.id(try await other.placeOK(customer: customer, lines: [K.line(x, 2)]))
            let cancelled = K.id(try await shop.placeOK(customer: customer, lines: [K.line(x, 1)]))
            #expect(try await shop.storefront.post("/v1/orders/\(cancelled)/cancel").status == 200)

            // A channel key sees every channel's orders, newest first.
            let byCustomer = try await shop.storefront.get("/v1/orders?customer_id=\(customer)")
            #expect(byCustomer.data.compactMap { $0["id"]?.stringValue } == [cancelled, theirs, mine], "\(byCustomer)")
            #expect(byCustomer.data.first?["suborders"]?.arrayValue?.isEmpty == false)
            let onlyOther = try await shop.storefront.get("/v1/orders?customer_id=\(customer)&channel=\(other.channel)")
            #expect(onlyOther.data.compactMap { $0["id"]?.stringValue } == [theirs])
            let open = try await server.admin.get("/v1/orders?customer_id=\(customer)&status=open")
            #expect(open.data.compactMap { $0["id"]?.stringValue } == [theirs, mine])
            let gone = try await server.admin.get("/v1/orders?customer_id=\(customer)&status=cancelled")
            #expect(gone.data.compactMap { $0["id"]?.stringValue } == [cancelled])
            let future = RFC3339.format(Date().addingTimeInterval(3600))
            #expect(try await server.admin.get("/v1/orders?customer_id=\(customer)&created_after=\(future)").data.isEmpty)
            #expect(try await server.admin.get("/v1/orders?customer_id=\(customer)&created_before=\(future)").data.count == 3)

            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/orders?status=shipd"), status: 422, code: "validation", fields: ["status"])
            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/orders?created_after=yesterday"), status: 422, code: "validation",
                fields: ["created_after"])
            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/orders?created_after=0001-01-01T00:00:00Z"), status: 422, code: "validation",
                fields: ["created_after"])
            let vendorKey = try await shop.vendorKey(seller)
            #expect(try await vendorKey.get("/v1/orders").status == 403)
        }
    }

    @Test func returnsCasesRunsAndRulesAreListed() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let seller = try await shop.seller(items: [StockedItem(sku: x, onHand: 20, price: 300)])
            let customer = shop.newCustomer()
            let order = try await ReturnKit.shippedOrder(shop, customer: customer, lines: [K.line(x, 2)])
            let orderId = K.id(order)
            let ret = try await ReturnKit.create(
                shop.storefront,
                ReturnKit.returnBody(order: orderId, lines: [ReturnKit.returnLine(ReturnKit.lineId(order, sku: x), 1)]))
            let returnId = K.id(ret)
            let returns = try await shop.storefront.get("/v1/returns?order_id=\(orderId)")
            #expect(returns.data.compactMap { $0["id"]?.stringValue } == [returnId])
            #expect(try await server.admin.get("/v1/returns?order_id=\(orderId)&status=refunded").data.isEmpty)
            #expect(try await server.admin.get("/v1/returns?order_id=\(orderId)&status=requested").data.count == 1)
            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/returns?status=lost"), status: 422, code: "validation", fields: ["status"])

            let opened = try await shop.storefront.post(
                "/v1/cases", ["customer_id": .string(customer), "subject": "Where is it", "message": "Hello", "order_id": .string(orderId)])
            #expect(opened.status == 201)
            let caseId = K.id(opened.json)
            #expect(try await shop.storefront.get("/v1/cases?order_id=\(orderId)").data.compactMap { $0["id"]?.stringValue } == [caseId])
            #expect(try await server.admin.get("/v1/cases?order_id=\(orderId)&status=resolved").data.isEmpty)
            FoundationHelpers.expectProblem(
                try await server.admin.get("/v1/cases?status=closed"), status: 422, code: "validation", fields: ["status"])
            let vendorKey = try await shop.vendorKey(seller)
            #expect(try await vendorKey.get("/v1/returns").status == 403)
            #expect(try await vendorKey.get("/v1/cases").status == 403)

            let finance = try await shop.fixtures.key(role: "finance")
            let category = Fixtures.unique("cat")
            #expect(try await finance.put("/v1/commission-rules", ["category": .string(category), "rate_bps": 800]).status == 201)
            #expect(
                try await finance.put(
                    "/v1/commission-rules", ["vendor_id": .string(seller), "category": .string(category), "rate_bps": 700]
                ).status == 201)
            let rules = try await finance.get("/v1/commission-rules?category=\(category)")
            #expect(rules.data.compactMap { $0["rate_bps"]?.intValue } == [700, 800], "\(rules)")
            let vendorRules = try await finance.get("/v1/commission-rules?category=\(category)&vendor_id=\(seller)")
            #expect(vendorRules.data.compactMap { $0["rate_bps"]?.intValue } == [700])
            #expect(try await shop.storefront.get("/v1/commission-rules").status == 403)

            // A run up to 2000 settles nothing, so it takes no line from the settlement suites
            // running beside this one. Another test's run may be being built: then a 409.
            let run = try await finance.post("/v1/settlement-runs", ["period_end": "2000-01-01T00:00:00Z"])
            if run.status == 201 {
                let runId = K.id(run.json)
                let drafts = try await Self.walk(finance, "/v1/settlement-runs?status=draft", limit: 50, wanted: [runId])
                #expect(drafts.contains(runId))
                #expect(
                    try await finance.get("/v1/settlement-runs?status=paid&limit=500").data.allSatisfy {
                        $0["status"]?.stringValue == "paid"
                    })
            }
            FoundationHelpers.expectProblem(
                try await finance.get("/v1/settlement-runs?status=open"), status: 422, code: "validation", fields: ["status"])
            #expect(try await vendorKey.get("/v1/settlement-runs").status == 403)
        }
    }

    @Test func availabilityPagesOverTheSkusAsked() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let skus = try await shop.skus(3)
            _ = try await shop.seller(items: skus.map { StockedItem(sku: $0, onHand: 2, price: 100) })
            let query = skus.map { "sku=\($0)" }.joined(separator: "&")
            let first = try await shop.storefront.get("/v1/availability?\(query)&limit=2")
            #expect(first.data.compactMap { $0["sku"]?.stringValue } == Array(skus.prefix(2)), "\(first)")
            let cursor = try #require(first["next_cursor"]?.stringValue)
            let second = try await shop.storefront.get("/v1/availability?\(query)&limit=2&after=\(cursor)")
            #expect(second.data.compactMap { $0["sku"]?.stringValue } == [skus[2]])
            #expect(second["next_cursor"] == .null)
            let whole = try await shop.storefront.get("/v1/availability?\(query)")
            #expect(whole.data.count == 3 && whole["next_cursor"] == .null)
        }
    }

    /// Every new list and read refuses a parameter it does not define, and a malformed page.
    @Test(arguments: [
        "/v1/api-keys", "/v1/channels", "/v1/vendors", "/v1/products", "/v1/orders", "/v1/returns", "/v1/cases",
        "/v1/settlement-runs", "/v1/commission-rules",
    ])
    func unknownQueryParametersAre422(path: String) async throws {
        try await TestServer.run { server in
            FoundationHelpers.expectProblem(
                try await server.admin.get(path + "?statsu=open"), status: 422, code: "validation", fields: ["statsu"])
            FoundationHelpers.expectProblem(
                try await server.admin.get(path + "?limit=0"), status: 422, code: "validation", fields: ["limit"])
            FoundationHelpers.expectProblem(
                try await server.admin.get(path + "?after=garbage!"), status: 422, code: "validation", fields: ["after"])
            #expect(try await server.admin.get(path + "?limit=1").status == 200)
        }
    }
}
