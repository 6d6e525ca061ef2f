import CommerceCore
import CryptoSupport
import Foundation
import Postgres
import Testing

private typealias H = FoundationHelpers

@Suite("Foundation: authentication and roles")
struct AuthTests {
    @Test("no token, a non-Bearer scheme and an unknown token are 401 problems with WWW-Authenticate")
    func unauthenticated() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let anonymous = server.client(token: nil)
            for response in [
                try await anonymous.get("/v1/vendors/\(vendorId)"),
                try await anonymous.get("/v1/vendors/\(vendorId)", headers: [("Authorization", "Basic YWRtaW46YWRtaW4=")]),
                try await anonymous.get("/v1/vendors/\(vendorId)", headers: [("Authorization", "Bearer ")]),
                try await server.client(token: "mk_" + Fixtures.unique("unknown")).get("/v1/vendors/\(vendorId)"),
                try await server.client(token: server.adminToken + "x").get("/v1/vendors/\(vendorId)"),
                try await anonymous.post("/v1/vendors", ["name": "Nobody"]),
            ] {
                H.expectProblem(response, status: 401, code: "unauthorized")
                #expect(H.header(response, "WWW-Authenticate")?.lowercased().hasPrefix("bearer") == true, "\(response.headers)")
            }
        }
    }

    @Test("the bootstrap admin token is an operator token")
    func bootstrapAdmin() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Admin made")
            let created = try await server.admin.post("/v1/vendors", ["name": .string(name)])
            #expect(created.status == 201, "\(created)")
            let id = try #require(created["id"]?.stringValue)
            let read = try await server.admin.get("/v1/vendors/\(id)")
            #expect(read.status == 200)
            #expect(read["name"]?.stringValue == name)
            // The scheme is case-insensitive.
            let lower = try await server.client(token: nil).get(
                "/v1/vendors/\(id)", headers: [("Authorization", "bearer \(server.adminToken)")])
            #expect(lower.status == 200, "\(lower)")
        }
    }

    @Test("a known token with the wrong role gets 403")
    func wrongRole() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let channel = try await fx.channel()
            let channelKey = try await fx.key(role: "channel", channel: channel)
            let vendorKey = try await fx.key(role: "vendor", vendorId: vendorId)
            let finance = try await fx.key(role: "finance")
            let vendorName = Fixtures.unique("Forbidden vendor")
            let sku = Fixtures.unique("SKU-403")

            H.expectProblem(try await channelKey.post("/v1/vendors", ["name": .string(vendorName)]), status: 403, code: "forbidden")
            H.expectProblem(try await vendorKey.post("/v1/vendors", ["name": .string(vendorName)]), status: 403, code: "forbidden")
            H.expectProblem(try await finance.post("/v1/vendors", ["name": .string(vendorName)]), status: 403, code: "forbidden")
            #expect(try await H.vendorCount(server, name: vendorName) == 0)

            H.expectProblem(
                try await vendorKey.put("/v1/products/\(sku)", ["title": "T", "category": "c"]), status: 403, code: "forbidden")
            H.expectProblem(
                try await channelKey.put("/v1/products/\(sku)", ["title": "T", "category": "c"]), status: 403, code: "forbidden")
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM products WHERE sku = $1", [sku]) == 0)

            H.expectProblem(
                try await vendorKey.post("/v1/channels", ["code": .string(Fixtures.unique("ch")), "name": "x", "type": "web"]),
                status: 403, code: "forbidden")
            H.expectProblem(try await vendorKey.post("/v1/api-keys", ["role": "operator"]), status: 403, code: "forbidden")
            H.expectProblem(try await channelKey.delete("/v1/api-keys/\(Fixtures.unique("key"))"), status: 403, code: "forbidden")
            // A channel key may not act on vendor resources either (403, it is not a vendor).
            H.expectProblem(try await channelKey.get("/v1/vendors/\(vendorId)"), status: 403, code: "forbidden")
            H.expectProblem(try await finance.get("/v1/vendors/\(vendorId)/stock"), status: 403, code: "forbidden")
        }
    }

    @Test("a vendor touching another vendor's resources gets 404, as if they did not exist, and changes nothing")
    func otherVendorIs404() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let mine = try await fx.vendor(name: "Mine")
            let theirs = try await fx.vendor(name: "Theirs")
            let sku = try await fx.product()
            try await fx.location(vendorId: theirs, code: "WH1")
            try await fx.stock(vendorId: theirs, location: "WH1", sku: sku, onHand: 5)
            let me = try await fx.key(role: "vendor", vendorId: mine)
            let location: JSONValue = [
                "name": "Sneaky", "type": "store", "country": "DE", "latitude": .double(52.5), "longitude": .double(13.4),
                "handling_seconds": 60, "pickup": true,
            ]

            let requests: [(String, APIResponse)] = [
                ("GET vendor", try await me.get("/v1/vendors/\(theirs)")),
                ("PUT location", try await me.put("/v1/vendors/\(theirs)/locations/SNEAKY", location)),
                (
                    "PUT offer",
                    try await me.put("/v1/vendors/\(theirs)/offers/\(sku)", ["unit_price": 1, "currency": "EUR", "active": true])
                ),
                (
                    "POST stock",
                    try await me.post("/v1/vendors/\(theirs)/stock", ["items": [["location": "WH1", "sku": .string(sku), "on_hand": 0]]])
                ),
                ("GET stock", try await me.get("/v1/vendors/\(theirs)/stock")),
            ]
            let ghost = "ven_" + Fixtures.unique("ghost")
            // What the operator sees for a vendor that really does not exist.
            let ghostResponse = try await server.admin.get("/v1/vendors/\(ghost)")
            H.expectProblem(ghostResponse, status: 404, code: "not-found")
            for (label, response) in requests {
                H.expectProblem(response, status: 404, code: "not-found")
                #expect(response["title"] == ghostResponse["title"], "\(label)")
                #expect(response.text.contains(theirs) == ghostResponse.text.contains(ghost), "\(label): \(response)")
            }
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM locations WHERE vendor_id = $1", [theirs]) == 1)
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM offers WHERE vendor_id = $1", [theirs]) == 0)
            let stock = try await server.pool.query("SELECT on_hand FROM stock WHERE vendor_id = $1", [theirs])
            #expect(try stock.rows.map { try $0.int("on_hand") } == [5])

            // Its own resources are fine.
            let own = try await me.get("/v1/vendors/\(mine)")
            #expect(own.status == 200, "\(own)")
            #expect(own["id"]?.stringValue == mine)
            let ownLocation = try await me.put("/v1/vendors/\(mine)/locations/SHOP", location)
            #expect(ownLocation.status == 201, "\(ownLocation)")
            let ownStock = try await me.get("/v1/vendors/\(mine)/stock")
            #expect(ownStock.status == 200, "\(ownStock)")
        }
    }

    @Test("operator may do everything above; finance and operator set commission rules, vendor and channel may not")
    func commissionRules() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let finance = try await fx.key(role: "finance")
            let vendorKey = try await fx.key(role: "vendor", vendorId: vendorId)
            let channelKey = try await fx.key(role: "channel", channel: try await fx.channel())
            let category = Fixtures.unique("cat")

            let byFinance = try await finance.put("/v1/commission-rules", ["category": .string(category), "rate_bps": 1200])
            #expect(byFinance.status == 201, "\(byFinance)")
            #expect(byFinance["rate_bps"]?.intValue == 1200)
            #expect(byFinance["category"]?.stringValue == category)
            #expect(byFinance["vendor_id"] == .null)
            let byOperator = try await server.admin.put("/v1/commission-rules", ["category": .string(category), "rate_bps": 900])
            #expect(byOperator.status == 200, "\(byOperator)")
            #expect(byOperator["rate_bps"]?.intValue == 900)

            H.expectProblem(
                try await vendorKey.put("/v1/commission-rules", ["vendor_id": .string(vendorId), "rate_bps": 1]), status: 403,
                code: "forbidden")
            H.expectProblem(
                try await channelKey.put("/v1/commission-rules", ["category": .string(category), "rate_bps": 1]), status: 403,
                code: "forbidden")
            let stored = try await server.pool.query(
                "SELECT rate_bps FROM commission_rules WHERE category = $1 AND vendor_id IS NULL", [category])
            #expect(try stored.rows.map { try $0.int("rate_bps") } == [900])
            #expect(
                try await H.count(server.pool, "SELECT count(*) AS c FROM commission_rules WHERE vendor_id = $1", [vendorId]) == 0)
        }
    }

    @Test("a revoked key fails with 401 on the very next request; revoking an unknown key is 404")
    func revocation() async throws {
        try await TestServer.run { server in
            let created = try await server.admin.post("/v1/api-keys", ["role": "operator"])
            #expect(created.status == 201, "\(created)")
            let id = try #require(created["id"]?.stringValue)
            let key = server.client(token: try #require(created["token"]?.stringValue))
            let vendorId = try await Fixtures(server: server).vendor()
            #expect(try await key.get("/v1/vendors/\(vendorId)").status == 200)

            let revoked = try await server.admin.delete("/v1/api-keys/\(id)")
            #expect(revoked.status == 204, "\(revoked)")
            #expect(revoked.bytes.isEmpty)
            H.expectProblem(try await key.get("/v1/vendors/\(vendorId)"), status: 401, code: "unauthorized")
            H.expectProblem(try await key.post("/v1/vendors", ["name": "after revoke"]), status: 401, code: "unauthorized")

            H.expectProblem(try await server.admin.delete("/v1/api-keys/\(Fixtures.unique("key"))"), status: 404, code: "not-found")
        }
    }

    @Test("api key responses: fields per role, and missing bindings are 422")
    func keyCreation() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let channel = try await fx.channel()
            let vendorKey = try await server.admin.post("/v1/api-keys", ["role": "vendor", "vendor_id": .string(vendorId)])
            #expect(vendorKey.status == 201, "\(vendorKey)")
            #expect(vendorKey["role"]?.stringValue == "vendor")
            #expect(vendorKey["vendor_id"]?.stringValue == vendorId)
            #expect(vendorKey["channel"] == .null)
            #expect(vendorKey["id"]?.stringValue?.isEmpty == false)
            let channelKey = try await server.admin.post("/v1/api-keys", ["role": "channel", "channel": .string(channel)])
            #expect(channelKey["channel"]?.stringValue == channel)
            #expect(channelKey["vendor_id"] == .null)
            #expect(vendorKey["token"]?.stringValue != channelKey["token"]?.stringValue)

            H.expectProblem(
                try await server.admin.post("/v1/api-keys", ["role": "vendor"]), status: 422, code: "validation", fields: ["vendor_id"])
            H.expectProblem(
                try await server.admin.post("/v1/api-keys", ["role": "channel"]), status: 422, code: "validation", fields: ["channel"])
            H.expectProblem(
                try await server.admin.post("/v1/api-keys", ["role": "root"]), status: 422, code: "validation", fields: ["role"])
            H.expectProblem(
                try await server.admin.post("/v1/api-keys", ["role": "vendor", "vendor_id": .string("ven_" + Fixtures.unique("nope"))]),
                status: 422, code: "validation", fields: ["vendor_id"])
            H.expectProblem(
                try await server.admin.post("/v1/api-keys", ["role": "channel", "channel": .string(Fixtures.unique("nope"))]),
                status: 422, code: "validation", fields: ["channel"])
        }
    }

    @Test("tokens are stored only as their hex SHA-256 hash")
    func tokenStoredAsHash() async throws {
        try await TestServer.run { server in
            let created = try await server.admin.post("/v1/api-keys", ["role": "finance"])
            #expect(created.status == 201, "\(created)")
            let id = try #require(created["id"]?.stringValue)
            let token = try #require(created["token"]?.stringValue)
            #expect(token.count >= 32)
            let row = try #require(
                try await server.pool.query("SELECT token_hash, row_to_json(k)::text AS everything FROM api_keys k WHERE id = $1", [id])
                    .first)
            let hash = try row.string("token_hash")
            #expect(hash == Crypto.sha256Hex(token))
            #expect(hash.count == 64 && hash.allSatisfy { "0123456789abcdef".contains($0) })
            #expect(!(try row.string("everything")).contains(token))
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM api_keys WHERE token_hash = $1", [token]) == 0)
        }
    }

    @Test("a key created with an Idempotency-Key does not leave its token in plain text in the database")
    func tokenNotStoredInIdempotencyRecord() async throws {
        try await TestServer.run { server in
            let created = try await server.admin.post(
                "/v1/api-keys", ["role": "finance"], headers: [("Idempotency-Key", Fixtures.unique("idem-key"))])
            #expect(created.status == 201, "\(created)")
            let token = try #require(created["token"]?.stringValue)
            let leaks = try await H.count(
                server.pool, "SELECT count(*) AS c FROM idempotency_keys WHERE strpos(response_body, $1) > 0", [token])
            #expect(leaks == 0, "the API key token is stored in plain text in idempotency_keys.response_body")
        }
    }
}

/// v1.2: a 401 says what was wrong with the credentials, a 403 which roles may.
@Suite struct AuthDetailTests {
    @Test func unauthorizedSaysWhatWasWrong() async throws {
        try await TestServer.run { server in
            func detail(_ headers: [(String, String)]) async throws -> String {
                let response = try await server.client(token: nil).get("/v1/vendors", headers: headers)
                FoundationHelpers.expectProblem(response, status: 401, code: "unauthorized")
                return response["detail"]?.stringValue ?? ""
            }
            let missing = try await detail([])
            let malformed = try await detail([("Authorization", "Token abc")])
            let empty = try await detail([("Authorization", "Bearer    ")])
            let unknown = try await detail([("Authorization", "Bearer mk_never_issued")])
            let created = try await server.admin.post("/v1/api-keys", ["role": "finance"])
            let token = try #require(created["token"]?.stringValue)
            #expect(try await server.admin.delete("/v1/api-keys/\(created["id"]!.stringValue!)").status == 204)
            let revoked = try await detail([("Authorization", "Bearer \(token)")])
            #expect(missing.contains("No Authorization header"))
            #expect(malformed.contains("Bearer <token>") && empty == malformed)
            #expect(unknown.contains("not valid") && !unknown.contains("revoked"))
            #expect(revoked.contains("revoked"))
            #expect(Set([missing, malformed, unknown, revoked]).count == 4)
        }
    }

    @Test func forbiddenNamesTheRolesThatMay() async throws {
        try await TestServer.run { server in
            let finance = try await Fixtures(server: server).key(role: "finance")
            let response = try await finance.post("/v1/vendors", ["name": "x"])
            FoundationHelpers.expectProblem(response, status: 403, code: "forbidden")
            let detail = response["detail"]?.stringValue ?? ""
            #expect(detail.contains("operator") && detail.contains("this token's role is finance"), "\(detail)")
            let vendorRoute = try await finance.get("/v1/vendors/ven_x/locations")
            #expect((vendorRoute["detail"]?.stringValue ?? "").contains("vendor, operator"), "\(vendorRoute)")
        }
    }
}
