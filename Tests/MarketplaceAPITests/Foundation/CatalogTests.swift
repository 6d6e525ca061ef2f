import CommerceCore
import Foundation
import Postgres
import Testing

private typealias H = FoundationHelpers

@Suite("Foundation: channels, vendors, products, locations, offers")
struct CatalogTests {
    @Test("channels: 201 echoes exactly {code, name, type}, for every channel type")
    func channels() async throws {
        try await TestServer.run { server in
            for type in ["web", "app", "pos", "marketplace", "social", "call_center"] {
                let code = Fixtures.unique("ch-\(type)")
                let response = try await server.admin.post(
                    "/v1/channels", ["code": .string(code), "name": "Shop \(type)", "type": .string(type)])
                #expect(response.status == 201, "\(response)")
                #expect(response.json == ["code": .string(code), "name": .string("Shop \(type)"), "type": .string(type)])
                let row = try #require(try await server.pool.query("SELECT name, type FROM channels WHERE code = $1", [code]).first)
                #expect(try row.string("type") == type)
            }
        }
    }

    @Test("vendor defaults: commission_rate_bps null, 86400 s to accept, 172800 s to ship")
    func vendorDefaults() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Defaults")
            let response = try await server.admin.post("/v1/vendors", ["name": .string(name)])
            #expect(response.status == 201, "\(response)")
            let id = try #require(response["id"]?.stringValue)
            #expect(!id.isEmpty)
            #expect(
                response.json == [
                    "id": .string(id), "name": .string(name), "commission_rate_bps": nil, "acceptance_window_seconds": 86_400,
                    "ship_window_seconds": 172_800,
                ])
            // Nulls are written, not dropped.
            #expect(response.text.contains("\"commission_rate_bps\":null"))
        }
    }

    @Test("vendor explicit values are stored and read back by the operator and by the vendor itself")
    func vendorExplicitAndRead() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Explicit")
            let created = try await server.admin.post(
                "/v1/vendors",
                ["name": .string(name), "commission_rate_bps": 0, "acceptance_window_seconds": 600, "ship_window_seconds": 7200])
            #expect(created.status == 201, "\(created)")
            #expect(created["commission_rate_bps"]?.intValue == 0)
            #expect(created["acceptance_window_seconds"]?.intValue == 600)
            #expect(created["ship_window_seconds"]?.intValue == 7200)
            let id = try #require(created["id"]?.stringValue)

            let byOperator = try await server.admin.get("/v1/vendors/\(id)")
            #expect(byOperator.status == 200)
            #expect(byOperator.json == created.json)
            let itself = try await Fixtures(server: server).key(role: "vendor", vendorId: id)
            let byVendor = try await itself.get("/v1/vendors/\(id)")
            #expect(byVendor.status == 200)
            #expect(byVendor.json == created.json)

            let max = try await server.admin.post("/v1/vendors", ["name": .string(name), "commission_rate_bps": 10_000])
            #expect(max["commission_rate_bps"]?.intValue == 10_000)
            let unknown = try await server.admin.get("/v1/vendors/ven_\(Fixtures.unique("none"))")
            H.expectProblem(unknown, status: 404, code: "not-found")
        }
    }

    @Test("PUT product: 201 when created, 200 when replaced, and the replacement is stored")
    func products() async throws {
        try await TestServer.run { server in
            let sku = Fixtures.unique("SKU-P")
            let created = try await server.admin.put("/v1/products/\(sku)", ["title": "Kettle", "category": "kitchen"])
            #expect(created.status == 201, "\(created)")
            #expect(created.json == ["sku": .string(sku), "title": "Kettle", "category": "kitchen"])
            let replaced = try await server.admin.put("/v1/products/\(sku)", ["title": "Kettle 2", "category": "appliances"])
            #expect(replaced.status == 200, "\(replaced)")
            #expect(replaced["title"]?.stringValue == "Kettle 2")
            let row = try #require(try await server.pool.query("SELECT title, category FROM products WHERE sku = $1", [sku]).first)
            #expect(try row.string("title") == "Kettle 2")
            #expect(try row.string("category") == "appliances")

            H.expectProblem(
                try await server.admin.put("/v1/products/\(sku)", ["title": "No category"]), status: 422, code: "validation",
                fields: ["category"])
        }
    }

    @Test("PUT location: 201 then 200, response fields, vendor may manage its own")
    func locations() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let body: JSONValue = [
                "name": "Berlin store", "type": "store", "country": "DE", "postal_code": "10115", "latitude": .double(52.53),
                "longitude": .double(13.38), "handling_seconds": 1800, "pickup": true,
            ]
            let created = try await server.admin.put("/v1/vendors/\(vendorId)/locations/BER", body)
            #expect(created.status == 201, "\(created)")
            #expect(created["vendor_id"]?.stringValue == vendorId)
            #expect(created["code"]?.stringValue == "BER")
            #expect(created["type"]?.stringValue == "store")
            #expect(created["postal_code"]?.stringValue == "10115")
            #expect(created["handling_seconds"]?.intValue == 1800)
            #expect(created["pickup"] == true)
            #expect(created["latitude"] == .double(52.53))

            let vendorKey = try await fx.key(role: "vendor", vendorId: vendorId)
            var changed = try #require(body.objectValue)
            changed["postal_code"] = nil
            changed["handling_seconds"] = 0
            let replaced = try await vendorKey.put("/v1/vendors/\(vendorId)/locations/BER", .object(changed))
            #expect(replaced.status == 200, "\(replaced)")
            #expect(replaced["postal_code"] == .null)
            let row = try #require(
                try await server.pool.query(
                    "SELECT handling_seconds, postal_code FROM locations WHERE vendor_id = $1 AND code = 'BER'", [vendorId]
                ).first)
            #expect(try row.int("handling_seconds") == 0)
            #expect(try row.optionalString("postal_code") == nil)

            let ghost = try await server.admin.put("/v1/vendors/ven_\(Fixtures.unique("none"))/locations/BER", body)
            H.expectProblem(ghost, status: 404, code: "not-found")
        }
    }

    @Test("PUT offer: 201 then 200; unknown sku is 422 naming sku; unknown vendor is 404")
    func offers() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let sku = try await fx.product()
            let created = try await server.admin.put(
                "/v1/vendors/\(vendorId)/offers/\(sku)", ["unit_price": 1999, "currency": "EUR", "active": true])
            #expect(created.status == 201, "\(created)")
            #expect(
                created.json == [
                    "vendor_id": .string(vendorId), "sku": .string(sku), "unit_price": 1999, "currency": "EUR", "active": true,
                ])
            let replaced = try await server.admin.put(
                "/v1/vendors/\(vendorId)/offers/\(sku)", ["unit_price": 2499, "currency": "EUR", "active": false])
            #expect(replaced.status == 200, "\(replaced)")
            let row = try #require(
                try await server.pool.query("SELECT unit_price, active FROM offers WHERE vendor_id = $1 AND sku = $2", [vendorId, sku])
                    .first)
            #expect(try row.int64("unit_price") == 2499)
            #expect(try row.bool("active") == false)

            let unknownSku = try await server.admin.put(
                "/v1/vendors/\(vendorId)/offers/\(Fixtures.unique("SKU-none"))", ["unit_price": 1, "currency": "EUR", "active": true])
            H.expectProblem(unknownSku, status: 422, code: "validation", fields: ["sku"])
            let unknownVendor = try await server.admin.put(
                "/v1/vendors/ven_\(Fixtures.unique("none"))/offers/\(sku)", ["unit_price": 1, "currency": "EUR", "active": true])
            H.expectProblem(unknownVendor, status: 404, code: "not-found")
            let badFields = try await server.admin.put(
                "/v1/vendors/\(vendorId)/offers/\(sku)", ["unit_price": -1, "currency": "eur", "active": "yes"])
            H.expectProblem(badFields, status: 422, code: "validation", fields: ["unit_price", "currency", "active"])
            let float = try await server.admin.put(
                "/v1/vendors/\(vendorId)/offers/\(sku)", ["unit_price": .double(19.99), "currency": "EUR", "active": true])
            H.expectProblem(float, status: 422, code: "validation", fields: ["unit_price"])
        }
    }
}
