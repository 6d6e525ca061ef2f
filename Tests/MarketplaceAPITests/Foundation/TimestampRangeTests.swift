import CommerceCore
import Foundation
import Testing

private typealias H = FoundationHelpers

/// Timestamps outside 1970-01-01T00:00:00Z … 9999-12-31T23:59:59Z, after their offset, are
/// 422 naming the field; every timestamp accepted is stored and shown back (API.md, "Limits").
@Suite("Foundation: timestamp range")
struct TimestampRangeTests {
    @Test(
        "a settlement run's period_end out of range is 422 naming period_end",
        arguments: ["0001-01-01T00:00:00+01:01", "1969-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00", "2026-02-30T00:00:00Z"])
    func periodEnd(text: String) async throws {
        try await TestServer.run { server in
            let before = try await H.count(server.pool, "SELECT count(*) AS c FROM settlement_runs", [])
            let response = try await server.admin.post("/v1/settlement-runs", ["period_end": .string(text)])
            H.expectProblem(response, status: 422, code: "validation", fields: ["period_end"])
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM settlement_runs", []) <= before)
        }
    }

    @Test("an order's deliver_by out of range is 422; the last second of 9999 is kept as given")
    func deliverBy() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let sku = try await shop.sku()
            _ = try await shop.seller(items: [StockedItem(sku: sku, onHand: 5, price: 100)])
            for text in ["0001-01-01T00:00:00+01:01", "9999-12-31T23:59:60Z", "1970-01-01T00:30:00+01:00"] {
                var body = try #require(OrderKit.orderBody(customer: shop.newCustomer(), lines: [OrderKit.line(sku, 1)]).objectValue)
                body["deliver_by"] = .string(text)
                let response = try await shop.storefront.post("/v1/orders", .object(body))
                OrderKit.expectProblem(response, status: 422, code: "validation", fields: ["deliver_by"])
            }
            var body = try #require(OrderKit.orderBody(customer: shop.newCustomer(), lines: [OrderKit.line(sku, 1)]).objectValue)
            body["deliver_by"] = "9999-12-31T22:59:59-01:00"
            let placed = try await shop.storefront.post("/v1/orders", .object(body))
            #expect(placed.status == 201, "\(placed)")
            let order = try await shop.order(OrderKit.id(placed.json))
            #expect(order["deliver_by"]?.stringValue == "9999-12-31T23:59:59Z", "\(order)")
        }
    }

    @Test("a forged timeline cursor never reaches PostgreSQL as text it would refuse")
    func forgedTimelineCursor() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            // Bound as a parsed instant, an impossible calendar date is only an odd position.
            let odd = try await shop.storefront.get(
                "/v1/customers/c-1/timeline?after=\(PageCursor.encode(["2026-13-45 99:00:00+00", "1", "1"]))")
            #expect(odd.status == 200 || odd.status == 422, "\(odd)")
            for key in [["0000-01-01 00:00:00+00", "1", "1"], ["2026-01-01 00:00:00+00", "99999999999", "1"]] {
                let response = try await shop.storefront.get("/v1/customers/c-1/timeline?after=\(PageCursor.encode(key))")
                H.expectProblem(response, status: 422, code: "validation", fields: ["after"])
            }
        }
    }
}
