import CommerceCore
import Foundation
import NIOHTTP1
import Testing

@testable import MarketplaceAPI

/// Findings of a contract audit, kept fixed.
@Suite struct AuditFixTests {
    /// An offer at Int64.max used to crash the process when an order multiplied it out.
    @Test func unitPricesAreBoundedSoTotalsCannotOverflow() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let sku = try await fx.product()
            let huge = try await server.admin.put(
                "/v1/vendors/\(vendorId)/offers/\(sku)", ["unit_price": .int(Int64.max), "currency": "EUR", "active": true])
            #expect(huge.status == 422)
            #expect(huge.errorFields == ["unit_price"])
            try await fx.location(vendorId: vendorId)
            try await fx.offer(vendorId: vendorId, sku: sku, price: 100_000_000_000)
            try await fx.stock(vendorId: vendorId, sku: sku, onHand: 200_000)
            let channel = try await fx.channel()
            let order = try await server.admin.post(
                "/v1/orders",
                [
                    "channel": .string(channel), "customer": ["id": "c-big"], "currency": "EUR",
                    "fulfillment": ["type": "delivery", "address": ["country": "DE"]],
                    "lines": [["sku": .string(sku), "quantity": 100_000], ["sku": .string(sku), "quantity": 100_000]],
                ])
            #expect(order.status == 201, "\(order)")
            #expect(order["total"] == .int(20_000_000_000_000_000))
            #expect(try await server.client(token: nil).get("/healthz").status == 200, "the server is still up")
        }
    }

    @Test func sameJSONWithOtherWhitespaceOrKeyOrderReplays() async throws {
        try await TestServer.run { server in
            let key = Fixtures.unique("idem")
            let name = Fixtures.unique("vendor")
            let first = try await server.admin.request(
                .POST, "/v1/vendors", raw: Array(#"{"name":"\#(name)","commission_rate_bps":100}"#.utf8),
                headers: [("Idempotency-Key", key)])
            #expect(first.status == 201)
            let second = try await server.admin.request(
                .POST, "/v1/vendors", raw: Array(#"{ "commission_rate_bps" : 100, "name" : "\#(name)" }"#.utf8),
                headers: [("Idempotency-Key", key)])
            #expect(second.status == 201)
            #expect(second.headers.first(name: "idempotent-replayed") == "true")
            #expect(second["id"] == first["id"])
            let different = try await server.admin.request(
                .POST, "/v1/vendors", raw: Array(#"{"name":"\#(name)","commission_rate_bps":101}"#.utf8),
                headers: [("Idempotency-Key", key)])
            #expect(different.status == 422)
            #expect(different.problemCode == "idempotency-key-reused")
        }
    }
}
