import CommerceCore
import Foundation
import Postgres
import Testing

private typealias K = OrderKit

@Suite("Orders: concurrent placement never oversells")
struct OrdersConcurrencyTests {
    /// Fires `count` orders of one unit of `sku` at once, each for its own customer.
    private func race(_ shop: Shop, sku: String, count: Int) async throws -> [APIResponse] {
        try await withThrowingTaskGroup(of: APIResponse.self) { group in
            for _ in 0..<count {
                group.addTask { try await shop.place(customer: shop.newCustomer(), lines: [K.line(sku, 1)]) }
            }
            var all: [APIResponse] = []
            for try await response in group { all.append(response) }
            return all
        }
    }

    @Test("40 parallel orders against 25 units: exactly 25 × 201 and 15 × 409 insufficient-stock, reserved 25")
    func fortyAgainstTwentyFive() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let seller = try await shop.seller(items: [StockedItem(sku: x, onHand: 25, price: 100)])
            let responses = try await race(shop, sku: x, count: 40)
            let created = responses.filter { $0.status == 201 }
            let refused = responses.filter { $0.status == 409 }
            #expect(created.count == 25, "statuses: \(responses.map(\.status).sorted())")
            #expect(refused.count == 15, "statuses: \(responses.map(\.status).sorted())")
            for response in refused {
                K.expectProblem(response, status: 409, code: "insufficient-stock", fields: ["lines[0]"])
            }
            for response in responses where response.status != 201 && response.status != 409 {
                Issue.record("unexpected \(response)")
            }
            #expect(Set(created.map { K.id($0.json) }).count == created.count, "every order distinct")
            let units = created.flatMap { K.suborders($0.json) }.flatMap(K.lines).reduce(Int64(0)) { $0 + ($1["quantity"]?.intValue ?? 0) }
            #expect(units == Int64(created.count))
            try await shop.expectStock(seller, x, onHand: 25, reserved: 25)
            // Reserved units match the open suborders in the database, too.
            let row = try #require(
                try await server.pool.query(
                    """
                    SELECT coalesce(sum(l.quantity), 0)::int AS c FROM suborder_lines l JOIN suborders s ON s.id = l.suborder_id
                    WHERE s.vendor_id = $1 AND l.sku = $2 AND s.status IN ('pending_acceptance', 'accepted')
                    """, [seller, x]
                ).first)
            #expect(try row.int("c") == 25)
            // One more is refused too.
            let late = try await shop.place(lines: [K.line(x, 1)])
            K.expectProblem(late, status: 409, code: "insufficient-stock", fields: ["lines[0]"])
        }
    }

    @Test("30 parallel orders against 10 + 15 units at two vendors: exactly 25 succeed, neither vendor oversold")
    func thirtyAgainstTwoVendors() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 10, price: 100)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: x, onHand: 15, price: 110)])
            let responses = try await race(shop, sku: x, count: 30)
            let created = responses.filter { $0.status == 201 }
            #expect(created.count == 25, "statuses: \(responses.map(\.status).sorted())")
            #expect(
                responses.filter { $0.status == 409 && $0.problemCode == "insufficient-stock" }.count == 5,
                "statuses: \(responses.map { "\($0.status) \($0.problemCode ?? "")" }.sorted())")
            let byVendor = Dictionary(grouping: created.flatMap { K.suborders($0.json) }, by: { $0["vendor_id"]?.stringValue ?? "" })
                .mapValues(\.count)
            #expect(byVendor == [a: 10, b: 15], "\(byVendor)")
            try await shop.expectStock(a, x, onHand: 10, reserved: 10)
            try await shop.expectStock(b, x, onHand: 15, reserved: 15)
        }
    }

    @Test("concurrent rejects moving two-line orders in opposite directions between two vendors: all succeed, stock adds up")
    func crossingReroutes() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let n: Int64 = 8
            // First every order goes to A (B has nothing yet), then every order to B (A is full).
            let a = try await shop.seller(
                name: "A", items: [StockedItem(sku: x, onHand: n, price: 100), StockedItem(sku: y, onHand: n, price: 100)])
            let b = try await shop.seller(
                name: "B", items: [StockedItem(sku: x, onHand: 0, price: 100), StockedItem(sku: y, onHand: 0, price: 100)])
            var subs: [(sub: String, order: String, vendor: String)] = []
            for _ in 0..<n {
                let order = try await shop.placeOK(lines: [K.line(x, 1), K.line(y, 1)])
                let sub = try #require(K.suborders(order).first)
                #expect(K.suborders(order).count == 1 && sub["vendor_id"]?.stringValue == a)
                subs.append((K.id(sub), K.id(order), a))
            }
            try await shop.fixtures.stock(vendorId: b, sku: x, onHand: 2 * n)
            try await shop.fixtures.stock(vendorId: b, sku: y, onHand: 2 * n)
            for _ in 0..<n {
                let order = try await shop.placeOK(lines: [K.line(x, 1), K.line(y, 1)])
                let sub = try #require(K.suborders(order).first)
                #expect(K.suborders(order).count == 1 && sub["vendor_id"]?.stringValue == b)
                subs.append((K.id(sub), K.id(order), b))
            }
            try await shop.fixtures.stock(vendorId: a, sku: x, onHand: 2 * n)
            try await shop.fixtures.stock(vendorId: a, sku: y, onHand: 2 * n)

            let results = try await withThrowingTaskGroup(of: (String, APIResponse).self) { group in
                for entry in subs { group.addTask { (entry.sub, try await shop.act("reject", entry.sub, body: ["reason": "swap"])) } }
                var all: [String: APIResponse] = [:]
                for try await (sub, response) in group { all[sub] = response }
                return all
            }
            let failed = results.values.filter { $0.status != 200 }
            #expect(failed.isEmpty, "\(failed.count) of \(subs.count) rejects failed: \(failed)")
            // Whatever happened, stock must match the suborders: moved ones at the other vendor.
            var reservedAt: [String: Int64] = [a: 0, b: 0]
            for entry in subs {
                let order = try await shop.order(entry.order)
                let replacement = K.suborders(order).first { $0["replaces"]?.stringValue == entry.sub }
                if results[entry.sub]?.status == 200 {
                    #expect(replacement?["vendor_id"]?.stringValue == (entry.vendor == a ? b : a), "\(order)")
                    #expect(K.lines(replacement ?? .null).count == 2)
                    reservedAt[entry.vendor == a ? b : a, default: 0] += 1
                } else {
                    let status = K.status(try await shop.suborder(entry.sub))
                    #expect(replacement == nil && status == "pending_acceptance", "a failed reject changes nothing")
                    reservedAt[entry.vendor, default: 0] += 1
                }
            }
            try await shop.expectStock(a, x, onHand: 2 * n, reserved: reservedAt[a]!)
            try await shop.expectStock(a, y, onHand: 2 * n, reserved: reservedAt[a]!)
            try await shop.expectStock(b, x, onHand: 2 * n, reserved: reservedAt[b]!)
            try await shop.expectStock(b, y, onHand: 2 * n, reserved: reservedAt[b]!)
        }
    }

    @Test("rejects rerouting to a vendor while new orders reserve at both vendors: every request succeeds, stock adds up")
    func reroutesRacingPlacements() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let n: Int64 = 8
            let first = try await shop.seller(name: "V1", items: [StockedItem(sku: x, onHand: 0, price: 100)])
            let second = try await shop.seller(name: "V2", items: [StockedItem(sku: x, onHand: 0, price: 100)])
            // Placement locks stock rows in vendor-id order; a reroute from the higher id to the
            // lower one releases the higher row first, then reserves the lower one.
            let (low, high) = (min(first, second), max(first, second))
            try await shop.fixtures.stock(vendorId: high, sku: x, onHand: n)
            var subs: [String] = []
            for _ in 0..<n {
                let order = try await shop.placeOK(lines: [K.line(x, 1)])
                #expect(K.suborders(order).first?["vendor_id"]?.stringValue == high)
                subs.append(K.id(K.suborders(order).first))
            }
            try await shop.fixtures.stock(vendorId: high, sku: x, onHand: 3 * n)
            try await shop.fixtures.stock(vendorId: low, sku: x, onHand: 3 * n)

            let responses = try await withThrowingTaskGroup(of: (String, APIResponse).self) { group in
                for sub in subs {
                    group.addTask { ("reject", try await shop.act("reject", sub, body: ["reason": "busy"])) }
                    group.addTask {
                        ("place", try await shop.place(lines: [K.line(x, 1, vendorId: low), K.line(x, 1, vendorId: high)]))
                    }
                }
                var all: [(String, APIResponse)] = []
                for try await result in group { all.append(result) }
                return all
            }
            let failed = responses.filter { $0.0 == "reject" ? $0.1.status != 200 : $0.1.status != 201 }
            #expect(failed.isEmpty, "\(failed.map { "\($0.0): \($0.1)" })")
            let rejected = Int64(responses.filter { $0.0 == "reject" && $0.1.status == 200 }.count)
            let placed = Int64(responses.filter { $0.0 == "place" && $0.1.status == 201 }.count)
            try await shop.expectStock(low, x, onHand: 3 * n, reserved: rejected + placed)
            try await shop.expectStock(high, x, onHand: 3 * n, reserved: (n - rejected) + placed)
        }
    }
}
