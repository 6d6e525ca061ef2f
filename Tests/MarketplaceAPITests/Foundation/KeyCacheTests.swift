import CommerceCore
import Foundation
import Postgres
import Testing

@testable import MarketplaceAPI

/// The per-process API-key cache (issue 9) keeps "a revoked token stops working at once" true
/// across server processes: each server here has its own pool and its own cache, as two
/// `serve` processes would, and the check of a cached key travels with the request's first
/// statement.
@Suite("API key cache")
struct KeyCacheTests {
    /// Small pools: the suites share one cluster's connections.
    static func small(_ config: inout AppConfiguration) { config.poolSize = 2 }

    @Test("a key revoked through another server fails there at once: orders, reads and commands, nothing written")
    func revocationAcrossServers() async throws {
        try await TestServer.run(configure: Self.small) { first in
            try await TestServer.run(configure: Self.small) { second in
                let shop = try await Shop.open(first)
                let sku = try await shop.sku()
                _ = try await shop.seller(items: [StockedItem(sku: sku, onHand: 100, price: 1000)])
                let token = try #require(shop.storefront.token)
                let onFirst = first.client(token: token)
                let onSecond = second.client(token: token)
                // Both servers now hold the key in their caches.
                for client in [onFirst, onSecond] {
                    for _ in 0..<2 {
                        let placed = try await client.post(
                            "/v1/orders", OrderKit.orderBody(customer: shop.newCustomer(), lines: [OrderKit.line(sku, 1)]))
                        #expect(placed.status == 201, "\(placed)")
                    }
                    #expect(try await client.get("/v1/orders?limit=1").status == 200)
                }

                let keys = try await first.pool.query(
                    "SELECT id FROM api_keys WHERE token_hash = encode(sha256($1::bytea), 'hex')", [token])
                let id = try #require(try keys.first?.string("id"))
                let revoked = try await second.admin.delete("/v1/api-keys/\(id)")
                #expect(revoked.status == 204, "\(revoked)")

                let customer = shop.newCustomer()
                let order = try await onFirst.post(
                    "/v1/orders", OrderKit.orderBody(customer: customer, lines: [OrderKit.line(sku, 1)]),
                    headers: [("Idempotency-Key", Fixtures.unique("idem"))])
                OrderKit.expectProblem(order, status: 401, code: "unauthorized")
                #expect(order.text.contains("revoked"), "\(order)")
                let written = try await first.pool.query("SELECT count(*) AS n FROM orders WHERE customer_id = $1", [customer])
                #expect(try written.first?.int("n") == 0)
                let reserved = try await first.pool.query("SELECT reserved FROM stock WHERE sku = $1", [sku])
                #expect(try reserved.first?.int("reserved") == 4)

                OrderKit.expectProblem(try await onFirst.get("/v1/orders?limit=1"), status: 401, code: "unauthorized")
                OrderKit.expectProblem(try await onSecond.get("/v1/orders?limit=1"), status: 401, code: "unauthorized")
                // A request that fails before any statement still meets the check: 401, not 422.
                OrderKit.expectProblem(try await onFirst.post("/v1/orders", ["customer_id": 1]), status: 401, code: "unauthorized")
            }
        }
    }

    @Test("a key revoked straight in the database (another process) fails on the next request")
    func revocationOutsideTheServer() async throws {
        try await TestServer.run(configure: Self.small) { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let created = try await server.admin.post("/v1/api-keys", ["role": "operator"])
            let id = try #require(created["id"]?.stringValue)
            let key = server.client(token: try #require(created["token"]?.stringValue))
            #expect(try await key.get("/v1/vendors/\(vendorId)").status == 200)
            #expect(try await key.get("/v1/vendors/\(vendorId)").status == 200)

            // A pool of its own: another process's connection, not the server's.
            let other = ConnectionPool(conninfo: TestDatabase.url, size: 1)
            do {
                try await other.query("UPDATE api_keys SET revoked_at = now() WHERE id = $1", [id])
            } catch {
                await other.shutdown()
                throw error
            }
            await other.shutdown()
            OrderKit.expectProblem(try await key.get("/v1/vendors/\(vendorId)"), status: 401, code: "unauthorized")
            let name = Fixtures.unique("after")
            OrderKit.expectProblem(try await key.post("/v1/vendors", ["name": .string(name)]), status: 401, code: "unauthorized")
            #expect(try await FoundationHelpers.vendorCount(server, name: name) == 0)
        }
    }

    @Test("a cached key keeps working under concurrent requests, and a new key works at once")
    func cachedKeyConcurrency() async throws {
        try await TestServer.run(configure: Self.small) { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let key = try await fx.key(role: "operator")
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<16 { group.addTask { try await key.get("/v1/vendors/\(vendorId)").status } }
                for try await status in group { #expect(status == 200) }
            }
            let fresh = try await fx.key(role: "operator")
            #expect(try await fresh.get("/v1/vendors/\(vendorId)").status == 200)
        }
    }
}
