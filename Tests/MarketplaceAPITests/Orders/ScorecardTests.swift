import CommerceCore
import Foundation
import Postgres
import Testing
import VendorRouting

@testable import MarketplaceAPI

/// v1.2 "Vendor scorecard" and "Routing by performance".
@Suite("Vendor scorecards and routing by performance", .serialized)
struct ScorecardTests {
    /// A JSON number as a Double (the writer writes whole numbers without a fraction).
    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .int(let i)?: Double(i)
        case .double(let d)?: d
        default: nil
        }
    }

    static func scorecard(_ client: APIClient, _ vendor: String, days: Int? = nil) async throws -> JSONValue {
        let response = try await client.get("/v1/vendors/\(vendor)/scorecard" + (days.map { "?days=\($0)" } ?? ""))
        try #require(response.status == 200, "\(response)")
        return response.json
    }

    /// Places an order of one unit of `sku` (which only `vendor` stocks); answers its suborder id.
    static func suborder(_ shop: Shop, _ sku: String) async throws -> String {
        let order = try await shop.placeOK(lines: [OrderKit.line(sku, 1)])
        return OrderKit.id(OrderKit.suborders(order).first)
    }

    @Test("a vendor with no history: zero counts, null rates and median, 30 days by default")
    func empty() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let vendor = try await shop.vendor()
            let card = try await Self.scorecard(shop.admin, vendor)
            #expect(card["vendor_id"]?.stringValue == vendor)
            #expect(card["days"]?.intValue == 30)
            for key in ["decided", "accepted", "rejected", "expired", "shipped", "shipped_on_time"] {
                #expect(card[key]?.intValue == 0, "\(key): \(card)")
            }
            for key in ["acceptance_rate", "on_time_ship_rate", "median_accept_seconds"] {
                #expect(card[key] == .null, "\(key): \(card)")
            }
        }
    }

    @Test("days is 1–365 and nothing else; only the operator and that vendor read it")
    func validationAndAccess() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let vendor = try await shop.vendor()
            for bad in ["0", "366", "abc", "1.5", "-3", ""] {
                let response = try await shop.admin.get("/v1/vendors/\(vendor)/scorecard?days=\(bad)")
                OrderKit.expectProblem(response, status: 422, code: "validation", fields: ["days"])
            }
            let unknown = try await shop.admin.get("/v1/vendors/\(vendor)/scorecard?window=7")
            OrderKit.expectProblem(unknown, status: 422, code: "validation", fields: ["window"])
            #expect(try await Self.scorecard(shop.admin, vendor, days: 365)["days"]?.intValue == 365)
            #expect(try await Self.scorecard(shop.admin, vendor, days: 1)["days"]?.intValue == 1)
            let own = try await shop.vendorKey(vendor)
            #expect(try await own.get("/v1/vendors/\(vendor)/scorecard").status == 200)
            let other = try await shop.vendorKey(try await shop.vendor())
            #expect(try await other.get("/v1/vendors/\(vendor)/scorecard").status == 404)
            #expect(try await shop.storefront.get("/v1/vendors/\(vendor)/scorecard").status == 403)
            #expect(try await shop.admin.get("/v1/vendors/ven_missing/scorecard").status == 404)
        }
    }

    @Test("figures from the suborder history: decided, rates, on-time shipping, median, the days window")
    func figures() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let sku = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: sku, onHand: 100, price: 100)])
            // accepted + shipped on time; accepted + shipped late; accepted then cancelled;
            // rejected; expired; still pending (not decided); one accepted 10 days ago.
            let onTime = try await Self.suborder(shop, sku)
            try await shop.actOK("accept", onTime)
            try await shop.actOK("ship", onTime)
            let late = try await Self.suborder(shop, sku)
            try await shop.actOK("accept", late)
            try await server.pool.query("UPDATE suborders SET ship_by = now() - interval '1 hour' WHERE id = $1", [late])
            try await shop.actOK("ship", late)
            let cancelled = try await Self.suborder(shop, sku)
            try await shop.actOK("accept", cancelled)
            try await shop.actOK("cancel", cancelled)
            try await shop.actOK("reject", try await Self.suborder(shop, sku))
            let expired = try await Self.suborder(shop, sku)
            try await server.pool.query("UPDATE suborders SET accept_by = now() - interval '1 second' WHERE id = $1", [expired])
            // Another suite's sweep may expire it first; either way it ends expired.
            _ = try await shop.sweep()
            #expect(OrderKit.status(try await shop.suborder(expired)) == "expired")
            _ = try await Self.suborder(shop, sku)
            let old = try await Self.suborder(shop, sku)
            try await shop.actOK("accept", old)
            try await server.pool.query("UPDATE suborders SET created_at = now() - interval '10 days' WHERE id = $1", [old])

            let card = try await Self.scorecard(shop.admin, vendor)
            #expect(card["accepted"]?.intValue == 4, "\(card)")
            #expect(card["rejected"]?.intValue == 1)
            #expect(card["expired"]?.intValue == 1)
            #expect(card["decided"]?.intValue == 6)
            #expect(Self.number(card["acceptance_rate"]).map { abs($0 - 4.0 / 6.0) < 1e-9 } == true, "\(card)")
            #expect(card["shipped"]?.intValue == 2)
            #expect(card["shipped_on_time"]?.intValue == 1)
            #expect(Self.number(card["on_time_ship_rate"]) == 0.5)
            let median = try #require(Self.number(card["median_accept_seconds"]), "\(card)")
            #expect(median >= 0 && median < 3600, "\(card)")

            // A 5-day window leaves out the suborder created 10 days ago.
            let recent = try await Self.scorecard(shop.admin, vendor, days: 5)
            #expect(recent["accepted"]?.intValue == 3, "\(recent)")
            #expect(recent["decided"]?.intValue == 5)
            let key = try await shop.vendorKey(vendor)
            #expect(try await Self.scorecard(key, vendor)["decided"]?.intValue == 6)
        }
    }

    @Test("the scorecard query reads the scorecard index once a vendor has a history")
    func usesIndex() async throws {
        // A database of its own: 4,000 suborders of two vendors over 60 days, vacuumed and
        // analysed, so the planner decides on real statistics (bench/scorecard does 100,000).
        let url = try await TestDatabase.fresh("marketplace_scorecard_plan")
        let pool = ConnectionPool(conninfo: url, size: 1)
        do {
            for statement in [
                "INSERT INTO channels (code, name, type) VALUES ('plan-web', 'Plan', 'web')",
                """
                INSERT INTO vendors (id, name, acceptance_window_seconds, ship_window_seconds)
                VALUES ('ven_a', 'A', 86400, 172800), ('ven_b', 'B', 86400, 172800)
                """,
                """
                INSERT INTO locations (vendor_id, code, name, type, country, latitude, longitude, handling_seconds, pickup)
                VALUES ('ven_a', 'WH1', 'WH1', 'warehouse', 'DE', 52.5, 13.4, 3600, false),
                       ('ven_b', 'WH1', 'WH1', 'warehouse', 'DE', 52.5, 13.4, 3600, false)
                """,
                """
                INSERT INTO orders (id, channel, customer_id, currency, fulfillment, status, created_at)
                SELECT 'ord_' || n, 'plan-web', 'c', 'EUR', '{"type": "delivery", "address": {}}', 'open',
                       now() - (n % 60) * interval '1 day'
                FROM generate_series(1, 4000) AS n
                """,
                """
                INSERT INTO suborders (id, order_id, vendor_id, location, status, currency, subtotal, accept_by, ship_by,
                                       promised_delivery, routing_reason, vendor_routing_reason, candidates_considered,
                                       created_at, updated_at, accepted_at)
                SELECT 'sub_' || n, 'ord_' || n, CASE WHEN n % 2 = 0 THEN 'ven_a' ELSE 'ven_b' END, 'WH1',
                       'accepted', 'EUR', 100, now(), now(), now(), 'r', 'r', 1,
                       now() - (n % 60) * interval '1 day', now(), now() - (n % 60) * interval '1 day' + interval '1 hour'
                FROM generate_series(1, 4000) AS n
                """,
                "VACUUM ANALYZE suborders",
            ] {
                try await pool.query(statement)
            }
            let plan = try await pool.query("EXPLAIN " + ScorecardStore.sql, ["ven_a", 30]).rows.map { try $0.string("QUERY PLAN") }
            #expect(plan.joined(separator: "\n").contains("suborders_scorecard"), "\(plan.joined(separator: "\n"))")
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }

    @Test("a vendor on probation is used only as a last resort, and routing.reason says so")
    func probationRouting() async throws {
        try await TestServer.run(configure: Self.smallPool) { server in
            let shop = try await Shop.open(server)
            let (history, wanted) = (try await shop.sku(), try await shop.sku())
            // "flaky" is cheapest and would win every tie; it rejects 20 of 20 suborders.
            let flaky = try await shop.seller(
                items: [StockedItem(sku: history, onHand: 100, price: 100), StockedItem(sku: wanted, onHand: 10, price: 100)])
            let steady = try await shop.seller(items: [StockedItem(sku: wanted, onHand: 2, price: 500)])
            let before = try await shop.placeOK(lines: [OrderKit.line(wanted, 1)])
            #expect(OrderKit.suborders(before).first?["vendor_id"]?.stringValue == flaky)
            try await shop.actOK("cancel", OrderKit.id(OrderKit.suborders(before).first))
            for _ in 0..<20 {
                try await shop.actOK("reject", try await Self.suborder(shop, history))
            }
            let card = try await Self.scorecard(shop.admin, flaky)
            #expect(card["decided"]?.intValue == 20 && Self.number(card["acceptance_rate"]) == 0, "\(card)")

            // Steady covers the order: flaky is set aside despite its price.
            let covered = try await shop.placeOK(lines: [OrderKit.line(wanted, 1)])
            let sub = try #require(OrderKit.suborders(covered).first)
            #expect(sub["vendor_id"]?.stringValue == steady, "\(covered)")
            #expect(sub["routing"]?["reason"]?.stringValue?.contains("probation") == true, "\(sub)")
            // Only flaky can cover 5 units: it is used, and the reason says why.
            let lastResort = try await shop.storefront.post(
                "/v1/routing/quotes", OrderKit.orderBody(customer: shop.newCustomer(), lines: [OrderKit.line(wanted, 5)]))
            let quoted = try #require(OrderKit.suborders(lastResort.json).first, "\(lastResort)")
            #expect(quoted["vendor_id"]?.stringValue == flaky)
            #expect(quoted["routing"]?["reason"]?.stringValue?.contains("last resort") == true, "\(quoted)")
            let placed = try await shop.placeOK(lines: [OrderKit.line(wanted, 5)])
            let placedSub = try #require(OrderKit.suborders(placed).first)
            #expect(placedSub["vendor_id"]?.stringValue == flaky)
            #expect(placedSub["routing"]?["reason"]?.stringValue?.contains("last resort") == true, "\(placedSub)")
        }
    }
}
