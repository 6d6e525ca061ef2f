import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit

@Suite("Orders: reject and expiry reroute, the SLA sweep")
struct OrdersRerouteTests {
    @Test("reject reroutes to the next vendor: replaces/replaced_by, A's reservation released, B's reserved")
    func rejectReroutes() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 5, price: 900)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let aKey = try await shop.vendorKey(a)
            let order = try await shop.placeOK(lines: [K.line(x, 2)])
            let orderId = K.id(order)
            let first = try #require(K.suborders(order).first)
            #expect(first["vendor_id"]?.stringValue == a)
            let orderLine = K.id(K.lines(order).first)

            K.expectProblem(
                try await shop.act("reject", K.id(first), as: aKey, body: [:]), status: 422, code: "validation", fields: ["reason"])
            let rejected = try await shop.actOK("reject", K.id(first), as: aKey, body: ["reason": "out of stock"])
            #expect(K.status(rejected) == "rejected")
            #expect(rejected["reason"]?.stringValue == "out of stock")
            let replacementId = try #require(rejected["replaced_by"]?.stringValue, "\(rejected)")

            let after = try await shop.order(orderId)
            #expect(K.suborders(after).count == 2, "\(after)")
            let replacement = try #require(K.suborders(after).first { K.id($0) == replacementId })
            #expect(replacement["vendor_id"]?.stringValue == b)
            #expect(replacement["location"]?.stringValue == "WH1")
            #expect(K.status(replacement) == "pending_acceptance")
            #expect(replacement["replaces"]?.stringValue == K.id(first))
            #expect(replacement["replaced_by"] == .null)
            let line = try #require(K.lines(replacement).first)
            #expect(
                line["quantity"]?.intValue == 2 && line["unit_price"]?.intValue == 1000 && line["order_line_id"]?.stringValue == orderLine)
            #expect(after["status"]?.stringValue == "open")
            #expect(after["total"]?.intValue == 2000, "the rejected suborder no longer counts")
            #expect(K.lines(after).first?["cancelled_quantity"]?.intValue == 0)
            try await shop.expectStock(a, x, onHand: 5, reserved: 0, "A released")
            try await shop.expectStock(b, x, onHand: 5, reserved: 2, "B reserved")
            K.expectProblem(try await shop.act("reject", K.id(first), as: aKey), status: 409, code: "invalid-transition")
            K.expectProblem(try await shop.act("accept", K.id(first), as: aKey), status: 409, code: "invalid-transition")

            // B rejects too: only B's location is excluded, so A is a candidate again.
            let rejectedByB = try await shop.actOK("reject", replacementId, body: ["reason": "no"])
            let third = try #require(rejectedByB["replaced_by"]?.stringValue)
            let sub3 = try await shop.suborder(third)
            #expect(sub3["vendor_id"]?.stringValue == a)
            #expect(sub3["replaces"]?.stringValue == replacementId)
            try await shop.expectStock(a, x, onHand: 5, reserved: 2)
            try await shop.expectStock(b, x, onHand: 5, reserved: 0)
            #expect(try await shop.order(orderId)["total"]?.intValue == 1800)
        }
    }

    @Test("reject with no alternative cancels the line; the order is cancelled when it was its only suborder")
    func rejectWithoutAlternative() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let y = try await shop.sku()
            let c = try await shop.seller(items: [StockedItem(sku: y, onHand: 5, price: 100)])
            let order = try await shop.placeOK(lines: [K.line(y, 3)])
            let sub = K.id(K.suborders(order).first)
            let rejected = try await shop.actOK("reject", sub, body: ["reason": "closed"])
            #expect(K.status(rejected) == "rejected")
            #expect(rejected["replaced_by"] == .null, "\(rejected)")
            let after = try await shop.order(K.id(order))
            #expect(K.suborders(after).count == 1)
            #expect(K.lines(after).first?["cancelled_quantity"]?.intValue == 3)
            #expect(after["status"]?.stringValue == "cancelled")
            #expect(after["total"]?.intValue == 0)
            try await shop.expectStock(c, y, onHand: 5, reserved: 0)
        }
    }

    @Test("partial reroute: lines that can move move, the others are cancelled; the order stays open")
    func partialReroute() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let p = try await shop.sku()
            let q = try await shop.sku()
            let d = try await shop.seller(
                name: "D", items: [StockedItem(sku: p, onHand: 5, price: 100), StockedItem(sku: q, onHand: 5, price: 100)])
            let e = try await shop.seller(name: "E", items: [StockedItem(sku: p, onHand: 5, price: 150)])
            let order = try await shop.placeOK(lines: [K.line(p, 1), K.line(q, 2)])
            let original = try #require(K.suborders(order).first)
            #expect(K.suborders(order).count == 1 && original["vendor_id"]?.stringValue == d, "\(order)")

            let rejected = try await shop.actOK("reject", K.id(original), body: ["reason": "short"])
            let after = try await shop.order(K.id(order))
            let replacement = try #require(K.suborders(after).first { $0["replaces"]?.stringValue == K.id(original) }, "\(after)")
            #expect(rejected["replaced_by"]?.stringValue == K.id(replacement))
            #expect(replacement["vendor_id"]?.stringValue == e)
            #expect(K.lines(replacement).map { $0["sku"]?.stringValue } == [p])
            #expect(K.lines(after).map { $0["cancelled_quantity"]?.intValue } == [0, 2])
            #expect(after["status"]?.stringValue == "open")
            #expect(after["total"]?.intValue == 150)
            try await shop.expectStock(d, p, onHand: 5, reserved: 0)
            try await shop.expectStock(d, q, onHand: 5, reserved: 0)
            try await shop.expectStock(e, p, onHand: 5, reserved: 1)
        }
    }

    @Test("lines planned together into several suborders: each replaces the old one, replaced_by names one of them")
    func rerouteIntoSeveral() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let a = try await shop.seller(
                name: "A", items: [StockedItem(sku: x, onHand: 5, price: 100), StockedItem(sku: y, onHand: 5, price: 100)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let c = try await shop.seller(name: "C", items: [StockedItem(sku: y, onHand: 5, price: 100)])
            let order = try await shop.placeOK(lines: [K.line(x, 2), K.line(y, 1)])
            let original = try #require(K.suborders(order).first)
            #expect(K.suborders(order).count == 1 && original["vendor_id"]?.stringValue == a, "\(order)")

            let rejected = try await shop.actOK("reject", K.id(original), body: ["reason": "closed today"])
            let after = try await shop.order(K.id(order))
            let replacements = K.suborders(after).filter { $0["replaces"]?.stringValue == K.id(original) }
            #expect(Set(replacements.compactMap { $0["vendor_id"]?.stringValue }) == [b, c], "\(after)")
            #expect(replacements.count == 2)
            #expect(replacements.contains { K.id($0) == rejected["replaced_by"]?.stringValue }, "\(rejected)")
            #expect(K.lines(after).map { $0["cancelled_quantity"]?.intValue } == [0, 0])
            #expect(after["total"]?.intValue == 300)
            try await shop.expectStock(a, x, onHand: 5, reserved: 0)
            try await shop.expectStock(a, y, onHand: 5, reserved: 0)
            try await shop.expectStock(b, x, onHand: 5, reserved: 2)
            try await shop.expectStock(c, y, onHand: 5, reserved: 1)
        }
    }

    @Test("rerouting keeps the line's vendor_id and max_unit_price: with no other eligible offer the line is cancelled")
    func rerouteKeepsLineConstraints() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 5, price: 900)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: x, onHand: 5, price: 1000)])

            let pinned = try await shop.placeOK(lines: [K.line(x, 1, vendorId: a)])
            let capped = try await shop.placeOK(lines: [K.line(x, 1, maxUnitPrice: 950)])
            let free = try await shop.placeOK(lines: [K.line(x, 1)])
            for order in [pinned, capped, free] {
                #expect(K.suborders(order).first?["vendor_id"]?.stringValue == a)
                try await shop.actOK("reject", K.id(K.suborders(order).first), body: ["reason": "no"])
            }
            for order in [pinned, capped] {
                let after = try await shop.order(K.id(order))
                #expect(K.suborders(after).count == 1, "no replacement may break the line's constraint: \(after)")
                #expect(K.lines(after).first?["cancelled_quantity"]?.intValue == 1)
                #expect(after["status"]?.stringValue == "cancelled")
            }
            let freeAfter = try await shop.order(K.id(free))
            #expect(K.suborders(freeAfter).count == 2)
            #expect(K.suborders(freeAfter).last?["vendor_id"]?.stringValue == b)
            try await shop.expectStock(a, x, onHand: 5, reserved: 0)
            try await shop.expectStock(b, x, onHand: 5, reserved: 1)
        }
    }

    @Test("a rejection at one location reroutes to the same vendor's other location")
    func rejectToOtherLocation() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let r = try await shop.sku()
            let v = try await shop.seller(code: "WH1", items: [StockedItem(sku: r, onHand: 4, price: 100)])
            try await shop.stockLocation(v, code: "WH2", items: [StockedItem(sku: r, onHand: 4, price: 100)])
            let vKey = try await shop.vendorKey(v)
            let order = try await shop.placeOK(lines: [K.line(r, 2)])
            let original = try #require(K.suborders(order).first)
            #expect(original["location"]?.stringValue == "WH1")
            let rejected = try await shop.actOK("reject", K.id(original), as: vKey, body: ["reason": "WH1 flooded"])
            let replacement = try await shop.suborder(try #require(rejected["replaced_by"]?.stringValue))
            #expect(replacement["vendor_id"]?.stringValue == v)
            #expect(replacement["location"]?.stringValue == "WH2")
            #expect(replacement["replaces"]?.stringValue == K.id(original))
            try await shop.expectStock(v, r, location: "WH1", onHand: 4, reserved: 0)
            try await shop.expectStock(v, r, location: "WH2", onHand: 4, reserved: 2)
            // The vendor can work the replacement as usual.
            #expect(K.status(try await shop.actOK("accept", K.id(replacement), as: vKey)) == "accepted")
        }
    }

    @Test("expiry: accept after accept_by is 409; the sweep expires and reroutes, or cancels when nothing can take it")
    func expiry() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let slow = try await shop.seller(
                name: "Slow", acceptanceWindowSeconds: 1,
                items: [StockedItem(sku: x, onHand: 5, price: 900), StockedItem(sku: y, onHand: 5, price: 100)])
            let backup = try await shop.seller(name: "Backup", items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let slowKey = try await shop.vendorKey(slow)
            let customer = shop.newCustomer()
            let order = try await shop.placeOK(customer: customer, lines: [K.line(x, 2)])
            let lonely = try await shop.placeOK(customer: customer, lines: [K.line(y, 1)])
            let original = K.id(K.suborders(order).first)
            let lonelySub = K.id(K.suborders(lonely).first)
            #expect(K.suborders(order).first?["vendor_id"]?.stringValue == slow)
            #expect(K.suborders(lonely).first?["vendor_id"]?.stringValue == slow)

            try await Task.sleep(for: .milliseconds(1600))
            K.expectProblem(try await shop.act("accept", original, as: slowKey), status: 409, code: "invalid-transition")
            #expect(try await shop.storefront.post("/v1/jobs/sla-sweep").status == 403)
            #expect(try await slowKey.post("/v1/jobs/sla-sweep").status == 403)
            _ = try await shop.sweep()  // another test's sweep may have expired ours first; statuses tell

            let after = try await shop.order(K.id(order))
            let old = try #require(K.suborders(after).first { K.id($0) == original })
            #expect(K.status(old) == "expired", "\(after)")
            let replacementId = try #require(old["replaced_by"]?.stringValue, "\(old)")
            let replacement = try #require(K.suborders(after).first { K.id($0) == replacementId })
            #expect(replacement["vendor_id"]?.stringValue == backup)
            #expect(replacement["replaces"]?.stringValue == original)
            #expect(K.status(replacement) == "pending_acceptance")
            #expect(after["status"]?.stringValue == "open")
            #expect(after["total"]?.intValue == 2000)
            try await shop.expectStock(slow, x, onHand: 5, reserved: 0)
            try await shop.expectStock(backup, x, onHand: 5, reserved: 2)

            let lonelyAfter = try await shop.order(K.id(lonely))
            #expect(K.status(K.suborders(lonelyAfter).first) == "expired")
            #expect(K.suborders(lonelyAfter).count == 1)
            #expect(K.lines(lonelyAfter).first?["cancelled_quantity"]?.intValue == 1)
            #expect(lonelyAfter["status"]?.stringValue == "cancelled")
            try await shop.expectStock(slow, y, onHand: 5, reserved: 0)

            // A second sweep changes nothing of ours.
            _ = try await shop.sweep()
            let again = try await shop.order(K.id(order))
            #expect(K.suborders(again).count == 2)
            #expect(K.suborders(again).map(K.status).sorted() == ["expired", "pending_acceptance"])
            let expiredEntries = try await shop.timeline(customer).filter {
                $0["kind"]?.stringValue == "suborder_status" && $0["data"]?["status"]?.stringValue == "expired"
            }
            #expect(expiredEntries.map { K.id($0) }.sorted() == [original, lonelySub].sorted(), "\(expiredEntries)")
            // Oldest first: the expiry comes before its replacement's creation.
            let timeline = try await shop.timeline(customer)
            let expiredAt = timeline.firstIndex { K.id($0) == original && $0["data"]?["status"]?.stringValue == "expired" }
            let replacedAt = timeline.firstIndex { K.id($0) == replacementId && $0["data"]?["status"]?.stringValue == "pending_acceptance" }
            #expect(expiredAt != nil && replacedAt != nil && expiredAt! < replacedAt!, "\(timeline)")
        }
    }

    @Test("5 concurrent sweeps expire each overdue suborder exactly once and reroute it exactly once")
    func concurrentSweeps() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let slow = try await shop.seller(name: "Slow", acceptanceWindowSeconds: 1, items: [StockedItem(sku: x, onHand: 20, price: 100)])
            let backup = try await shop.seller(name: "Backup", items: [StockedItem(sku: x, onHand: 20, price: 200)])
            let customer = shop.newCustomer()
            var orders: [String] = []
            var originals: [String] = []
            for _ in 0..<6 {
                let order = try await shop.placeOK(customer: customer, lines: [K.line(x, 1)])
                #expect(K.suborders(order).first?["vendor_id"]?.stringValue == slow)
                orders.append(K.id(order))
                originals.append(K.id(K.suborders(order).first))
            }
            try await shop.expectStock(slow, x, onHand: 20, reserved: 6)
            try await Task.sleep(for: .milliseconds(1600))

            let counts = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<5 { group.addTask { try await shop.sweep() } }
                var all: [Int64] = []
                for try await n in group { all.append(n) }
                return all
            }
            #expect(counts.count == 5)
            #expect(counts.allSatisfy { $0 >= 0 })

            for (orderId, original) in zip(orders, originals) {
                let order = try await shop.order(orderId)
                let subs = K.suborders(order)
                #expect(subs.count == 2, "exactly one replacement: \(order)")
                let old = subs.first { K.id($0) == original }
                #expect(K.status(old) == "expired")
                let replacements = subs.filter { $0["replaces"]?.stringValue == original }
                #expect(replacements.count == 1, "\(order)")
                #expect(replacements.first?["vendor_id"]?.stringValue == backup)
                #expect(old?["replaced_by"]?.stringValue == replacements.first.map { K.id($0) })
                #expect(order["total"]?.intValue == 200)
            }
            try await shop.expectStock(slow, x, onHand: 20, reserved: 0, "every expired reservation released once")
            try await shop.expectStock(backup, x, onHand: 20, reserved: 6, "every reroute reserved once")

            let timeline = try await shop.timeline(customer)
            for original in originals {
                let expired = timeline.filter {
                    $0["kind"]?.stringValue == "suborder_status" && K.id($0) == original
                        && $0["data"]?["status"]?.stringValue == "expired"
                }
                #expect(expired.count == 1, "\(original): \(expired.count) expired entries")
            }
            let created = timeline.filter {
                $0["kind"]?.stringValue == "suborder_status" && $0["data"]?["status"]?.stringValue == "pending_acceptance"
            }
            #expect(created.count == 12, "6 originals + 6 replacements")
        }
    }
}
