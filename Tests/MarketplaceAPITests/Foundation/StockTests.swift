import CommerceCore
import Foundation
import Postgres
import Testing

private typealias H = FoundationHelpers

@Suite("Foundation: stock and paging")
struct StockTests {
    /// A vendor with locations WH1 and WH2 and `skuCount` products sharing one prefix.
    private func setUp(_ server: TestServer, skuCount: Int) async throws -> (vendorId: String, skus: [String]) {
        let fx = Fixtures(server: server)
        let vendorId = try await fx.vendor()
        try await fx.location(vendorId: vendorId, code: "WH1")
        try await fx.location(vendorId: vendorId, code: "WH2")
        let prefix = Fixtures.unique("sku")
        var skus: [String] = []
        for i in 0..<skuCount { skus.append(try await fx.product(sku: "\(prefix)-\(i)")) }
        return (vendorId, skus)
    }

    private func item(_ location: String, _ sku: String, _ onHand: Int64) -> JSONValue {
        ["location": .string(location), "sku": .string(sku), "on_hand": .int(onHand)]
    }

    private func levels(_ response: APIResponse) -> [String: (onHand: Int64?, reserved: Int64?, available: Int64?)] {
        var out: [String: (Int64?, Int64?, Int64?)] = [:]
        for row in response.data {
            let key = "\(row["location"]?.stringValue ?? "?")/\(row["sku"]?.stringValue ?? "?")"
            out[key] = (row["on_hand"]?.intValue, row["reserved"]?.intValue, row["available"]?.intValue)
        }
        return out
    }

    @Test("a valid POST sets every item: 200 {updated: 3}; GET shows on_hand, reserved and available")
    func setAndRead() async throws {
        try await TestServer.run { server in
            let (vendorId, skus) = try await setUp(server, skuCount: 3)
            let response = try await server.admin.post(
                "/v1/vendors/\(vendorId)/stock", ["items": [item("WH1", skus[0], 5), item("WH1", skus[1], 0), item("WH2", skus[0], 7)]])
            #expect(response.status == 200, "\(response)")
            #expect(response.json == ["updated": 3])

            let list = try await server.admin.get("/v1/vendors/\(vendorId)/stock")
            #expect(list.status == 200, "\(list)")
            #expect(list.data.count == 3)
            #expect(list["next_cursor"] == .null)
            let byKey = levels(list)
            #expect(byKey["WH1/\(skus[0])"]?.onHand == 5)
            #expect(byKey["WH1/\(skus[0])"]?.reserved == 0)
            #expect(byKey["WH1/\(skus[0])"]?.available == 5)
            #expect(byKey["WH1/\(skus[1])"]?.onHand == 0)
            #expect(byKey["WH2/\(skus[0])"]?.onHand == 7)

            // Setting again replaces the absolute count; a reservation shows in reserved/available.
            try await server.pool.query(
                "UPDATE stock SET reserved = 2 WHERE vendor_id = $1 AND location = 'WH2' AND sku = $2", [vendorId, skus[0]])
            let again = try await server.admin.post("/v1/vendors/\(vendorId)/stock", ["items": [item("WH2", skus[0], 10)]])
            #expect(again.json == ["updated": 1])
            let after = levels(try await server.admin.get("/v1/vendors/\(vendorId)/stock"))
            #expect(after["WH2/\(skus[0])"]?.onHand == 10)
            #expect(after["WH2/\(skus[0])"]?.reserved == 2)
            #expect(after["WH2/\(skus[0])"]?.available == 8)
            #expect(after["WH1/\(skus[0])"]?.onHand == 5, "items not in the request are left alone")

            // The vendor itself may set and read its stock.
            let vendorKey = try await Fixtures(server: server).key(role: "vendor", vendorId: vendorId)
            let own = try await vendorKey.post("/v1/vendors/\(vendorId)/stock", ["items": [item("WH1", skus[2], 3)]])
            #expect(own.status == 200, "\(own)")
            #expect(try await vendorKey.get("/v1/vendors/\(vendorId)/stock").data.count == 4)
        }
    }

    @Test("on_hand below what is reserved is refused, naming the item")
    func belowReserved() async throws {
        try await TestServer.run { server in
            let (vendorId, skus) = try await setUp(server, skuCount: 1)
            try await Fixtures(server: server).stock(vendorId: vendorId, sku: skus[0], onHand: 5)
            try await server.pool.query("UPDATE stock SET reserved = 3 WHERE vendor_id = $1 AND sku = $2", [vendorId, skus[0]])
            let response = try await server.admin.post(
                "/v1/vendors/\(vendorId)/stock", ["items": [item("WH2", skus[0], 1), item("WH1", skus[0], 2)]])
            H.expectProblem(response, status: 422, code: "validation", fields: ["items[1].on_hand"])
            #expect(!response.errorFields.contains("items[0].on_hand"))
            let after = levels(try await server.admin.get("/v1/vendors/\(vendorId)/stock"))
            #expect(after["WH1/\(skus[0])"]?.onHand == 5)
            #expect(after["WH2/\(skus[0])"] == nil, "the valid item was not applied either")
        }
    }

    @Test("all or nothing: unknown location at items[1] and negative on_hand at items[2] are both named; stock unchanged")
    func allOrNothingMixed() async throws {
        try await TestServer.run { server in
            let (vendorId, skus) = try await setUp(server, skuCount: 3)
            let initial = try await server.admin.post(
                "/v1/vendors/\(vendorId)/stock", ["items": [item("WH1", skus[0], 1), item("WH1", skus[1], 2), item("WH1", skus[2], 3)]])
            #expect(initial.status == 200)
            let response = try await server.admin.post(
                "/v1/vendors/\(vendorId)/stock",
                ["items": [item("WH1", skus[0], 10), item("NOWHERE", skus[1], 20), item("WH1", skus[2], -1)]])
            H.expectProblem(response, status: 422, code: "validation", fields: ["items[1].location", "items[2].on_hand"])
            #expect(!response.errorFields.contains { $0.hasPrefix("items[0]") }, "\(response.errorFields)")
            let after = levels(try await server.admin.get("/v1/vendors/\(vendorId)/stock"))
            #expect(after["WH1/\(skus[0])"]?.onHand == 1)
            #expect(after["WH1/\(skus[1])"]?.onHand == 2)
            #expect(after["WH1/\(skus[2])"]?.onHand == 3)
            #expect(after.count == 3)
        }
    }

    @Test("all or nothing: errors found in the database (unknown location, unknown sku, repeated item) are all named")
    func allOrNothingDatabaseChecks() async throws {
        try await TestServer.run { server in
            let (vendorId, skus) = try await setUp(server, skuCount: 2)
            try await Fixtures(server: server).stock(vendorId: vendorId, sku: skus[0], onHand: 4)
            let response = try await server.admin.post(
                "/v1/vendors/\(vendorId)/stock",
                [
                    "items": [
                        item("WH1", skus[0], 40), item("NOWHERE", skus[1], 20), item("WH2", Fixtures.unique("SKU-none"), 1),
                        item("WH1", skus[0], 41),
                    ]
                ])
            H.expectProblem(response, status: 422, code: "validation", fields: ["items[1].location", "items[2].sku", "items[3]"])
            #expect(!response.errorFields.contains { $0.hasPrefix("items[0]") }, "\(response.errorFields)")
            let after = levels(try await server.admin.get("/v1/vendors/\(vendorId)/stock"))
            #expect(after["WH1/\(skus[0])"]?.onHand == 4)
            #expect(after.count == 1)
        }
    }

    @Test("stock body validation: items required, non-empty, each a well-typed object")
    func stockBodyValidation() async throws {
        try await TestServer.run { server in
            let (vendorId, skus) = try await setUp(server, skuCount: 1)
            let path = "/v1/vendors/\(vendorId)/stock"
            H.expectProblem(try await server.admin.post(path, [:]), status: 422, code: "validation", fields: ["items"])
            H.expectProblem(try await server.admin.post(path, ["items": []]), status: 422, code: "validation", fields: ["items"])
            H.expectProblem(try await server.admin.post(path, ["items": "all"]), status: 422, code: "validation", fields: ["items"])
            let mixed = try await server.admin.post(
                path, ["items": [item("WH1", skus[0], 1), "oops", ["location": 1, "sku": .string(skus[0])], item("WH1", skus[0], 1)]])
            H.expectProblem(mixed, status: 422, code: "validation", fields: ["items[1]", "items[2].location", "items[2].on_hand"])
            H.expectProblem(
                try await server.admin.post("/v1/vendors/ven_\(Fixtures.unique("none"))/stock", ["items": [item("WH1", skus[0], 1)]]),
                status: 404, code: "not-found")
            #expect(try await server.admin.get(path).data.isEmpty)
        }
    }

    @Test("?sku= returns only that sku, across locations")
    func skuFilter() async throws {
        try await TestServer.run { server in
            let (vendorId, skus) = try await setUp(server, skuCount: 3)
            let set = try await server.admin.post(
                "/v1/vendors/\(vendorId)/stock",
                ["items": [item("WH1", skus[0], 1), item("WH2", skus[0], 2), item("WH1", skus[1], 3), item("WH2", skus[2], 4)]])
            #expect(set.json == ["updated": 4])
            let filtered = try await server.admin.get("/v1/vendors/\(vendorId)/stock?sku=\(skus[0])")
            #expect(filtered.status == 200)
            #expect(filtered.data.map { $0["sku"]?.stringValue } == [skus[0], skus[0]])
            #expect(filtered.data.map { $0["location"]?.stringValue } == ["WH1", "WH2"])
            let none = try await server.admin.get("/v1/vendors/\(vendorId)/stock?sku=\(Fixtures.unique("SKU-none"))")
            #expect(none.status == 200)
            #expect(none.data.isEmpty)
            #expect(none["next_cursor"] == .null)
        }
    }

    @Test("paging 7 rows by 3: pages of 3, 3, 1, next_cursor null at the end, no duplicates, stable order")
    func paging() async throws {
        try await TestServer.run { server in
            let (vendorId, skus) = try await setUp(server, skuCount: 4)
            // 7 rows: 4 skus at WH1, 3 at WH2.
            let items = skus.map { item("WH1", $0, 1) } + skus.prefix(3).map { item("WH2", $0, 2) }
            let set = try await server.admin.post("/v1/vendors/\(vendorId)/stock", ["items": .array(items)])
            #expect(set.json == ["updated": 7])
            let base = "/v1/vendors/\(vendorId)/stock?limit=3"

            var pages: [APIResponse] = []
            var cursor: String?
            repeat {
                let page = try await server.admin.get(base + (cursor.map { "&after=\($0)" } ?? ""))
                #expect(page.status == 200, "\(page)")
                pages.append(page)
                cursor = page["next_cursor"]?.stringValue
                if page["next_cursor"] != .null { #expect(cursor != nil, "next_cursor must be a string or null") }
            } while cursor != nil && pages.count < 10
            #expect(pages.map(\.data.count) == [3, 3, 1])
            #expect(pages.last?["next_cursor"] == .null)
            let keys = pages.flatMap(\.data).map { "\($0["location"]?.stringValue ?? "")/\($0["sku"]?.stringValue ?? "")" }
            #expect(Set(keys).count == 7, "duplicates: \(keys)")
            let expected = skus.map { "WH1/\($0)" } + skus.prefix(3).map { "WH2/\($0)" }
            #expect(keys == expected, "order must be (location, sku)")

            // The whole list in one page equals the concatenation of the pages.
            let all = try await server.admin.get("/v1/vendors/\(vendorId)/stock")
            #expect(all.data == pages.flatMap(\.data))
            #expect(all["next_cursor"] == .null)
            let exact = try await server.admin.get("/v1/vendors/\(vendorId)/stock?limit=7")
            #expect(exact.data.count == 7)
            #expect(exact["next_cursor"] == .null, "no next page when exactly limit rows remain")

            // Cursor round trip: the same cursor gives the same page, again and again.
            let firstCursor = try #require(pages.first?["next_cursor"]?.stringValue)
            let again = try await server.admin.get(base + "&after=\(firstCursor)")
            #expect(again.data == pages[1].data)
            #expect(again["next_cursor"] == pages[1]["next_cursor"])
            let firstAgain = try await server.admin.get(base)
            #expect(firstAgain.data == pages[0].data)
            #expect(firstAgain["next_cursor"]?.stringValue == firstCursor)

            // Paging composes with the sku filter.
            let filtered = try await server.admin.get("/v1/vendors/\(vendorId)/stock?sku=\(skus[0])&limit=1")
            #expect(filtered.data.count == 1)
            let next = try #require(filtered["next_cursor"]?.stringValue)
            let filtered2 = try await server.admin.get("/v1/vendors/\(vendorId)/stock?sku=\(skus[0])&limit=1&after=\(next)")
            #expect(filtered2.data.map { $0["location"]?.stringValue } == ["WH2"])
            #expect(filtered2["next_cursor"] == .null)
        }
    }
}
