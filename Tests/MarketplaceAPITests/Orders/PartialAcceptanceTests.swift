import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit

/// Helpers of the partial-acceptance suite.
enum PartialKit {
    static func refuse(_ items: [(lineId: String, quantity: Int64, reason: String?)]) -> JSONValue {
        [
            "refuse": .array(
                items.map { item in
                    var object = JSONObject([("line_id", .string(item.lineId)), ("quantity", .int(item.quantity))])
                    if let reason = item.reason { object["reason"] = .string(reason) }
                    return .object(object)
                })
        ]
    }

    /// The suborder line selling `sku`.
    static func line(_ suborder: JSONValue?, sku: String) -> JSONValue? {
        K.lines(suborder ?? .null).first { $0["sku"]?.stringValue == sku }
    }

    static func lineId(_ suborder: JSONValue?, sku: String) -> String { K.id(line(suborder, sku: sku)) }

    static func reroutedTo(_ suborder: JSONValue?) -> [String] {
        suborder?["rerouted_to"]?.arrayValue?.compactMap(\.stringValue) ?? ["<missing rerouted_to>"]
    }

    /// Polls the vendor's feed (from the start) until `suborderId` shows in `status`: the feed
    /// serves a change only once every older transaction in the cluster has ended.
    static func feedEntry(_ client: APIClient, vendor: String, suborderId: String, status: String) async throws -> JSONValue? {
        for _ in 0..<1500 {
            var after: String?
            var last: JSONValue?
            for _ in 0..<100 {
                let page = try await client.get(
                    "/v1/vendors/\(vendor)/suborders?limit=500" + (after.map { "&after=\($0)" } ?? ""))
                try #require(page.status == 200, "\(page)")
                if let hit = page.data.last(where: { K.id($0) == suborderId }) { last = hit }
                if page.data.isEmpty { break }
                after = page["next_cursor"]?.stringValue
            }
            if let last, K.status(last) == status { return last }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

private typealias P = PartialKit

/// Serialized: each test runs a server of its own, and the parallel suites already come close
/// to the test cluster's connection limit.
@Suite("Orders: partial acceptance (v1.2)", .serialized)
struct PartialAcceptanceE2ETests {
    @Test("accept refusing some units: quantities, subtotal, stock released at A and reserved at B, replaces/rerouted_to, events")
    func happyPath() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let a = try await shop.seller(
                name: "A", items: [StockedItem(sku: x, onHand: 5, price: 900), StockedItem(sku: y, onHand: 5, price: 100)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let aKey = try await shop.vendorKey(a)
            let bKey = try await shop.vendorKey(b)
            let customer = shop.newCustomer()
            let order = try await shop.placeOK(customer: customer, lines: [K.line(x, 3), K.line(y, 1)])
            let original = try #require(K.suborders(order).first)
            #expect(K.suborders(order).count == 1 && original["vendor_id"]?.stringValue == a, "\(order)")
            #expect(P.reroutedTo(original) == [], "every suborder carries rerouted_to")
            #expect(P.line(original, sku: x)?["refused_quantity"]?.intValue == 0)
            let subId = K.id(original)

            let accepted = try await shop.actOK(
                "accept", subId, as: aKey, body: P.refuse([(P.lineId(original, sku: x), 2, "two are damaged")]))
            #expect(K.status(accepted) == "accepted")
            let lx = P.line(accepted, sku: x)
            let ly = P.line(accepted, sku: y)
            #expect(lx?["quantity"]?.intValue == 1 && lx?["refused_quantity"]?.intValue == 2, "\(accepted)")
            #expect(lx?["refused_reason"]?.stringValue == "two are damaged")
            #expect(ly?["quantity"]?.intValue == 1 && ly?["refused_quantity"]?.intValue == 0 && ly?["refused_reason"] == .null)
            #expect(accepted["subtotal"]?.intValue == 1000)
            #expect(accepted["replaced_by"] == .null, "a partly accepted suborder is not replaced: \(accepted)")
            let rerouted = P.reroutedTo(accepted)
            #expect(rerouted.count == 1, "\(accepted)")

            let after = try await shop.order(K.id(order))
            let replacement = try #require(K.suborders(after).first { K.id($0) == rerouted.first }, "\(after)")
            #expect(replacement["vendor_id"]?.stringValue == b)
            #expect(replacement["replaces"]?.stringValue == subId)
            #expect(K.status(replacement) == "pending_acceptance")
            #expect(K.lines(replacement).map { $0["sku"]?.stringValue } == [x])
            #expect(K.lines(replacement).first?["quantity"]?.intValue == 2)
            #expect(K.lines(replacement).first?["order_line_id"] == lx?["order_line_id"])
            #expect(P.reroutedTo(replacement) == [])
            #expect(K.lines(after).map { $0["cancelled_quantity"]?.intValue } == [0, 0])
            #expect(after["status"]?.stringValue == "open")
            #expect(after["total"]?.intValue == 3000)
            #expect(P.reroutedTo(K.suborders(after).first { K.id($0) == subId }) == rerouted)

            try await shop.expectStock(a, x, onHand: 5, reserved: 1, "A keeps the accepted unit")
            try await shop.expectStock(a, y, onHand: 5, reserved: 1)
            try await shop.expectStock(b, x, onHand: 5, reserved: 2, "B holds the refused units")

            // The same view through GET, the vendor feeds, the webhooks and the timeline.
            let fetched = try await aKey.get("/v1/suborders/\(subId)")
            #expect(fetched.status == 200 && P.line(fetched.json, sku: x)?["refused_quantity"]?.intValue == 2, "\(fetched)")
            let fed = try await P.feedEntry(aKey, vendor: a, suborderId: subId, status: "accepted")
            #expect(P.line(fed, sku: x)?["refused_quantity"]?.intValue == 2, "\(String(describing: fed))")
            #expect(P.reroutedTo(fed) == rerouted)
            let bFed = try await P.feedEntry(bKey, vendor: b, suborderId: K.id(replacement), status: "pending_acceptance")
            #expect(bFed?["replaces"]?.stringValue == subId)

            let acceptedEvents = try await ReturnKit.events(server, vendor: a, type: "suborder.accepted")
            #expect(acceptedEvents.count == 1)
            let payload = acceptedEvents.first?["data"]
            #expect(K.id(payload) == subId)
            #expect(P.line(payload, sku: x)?["quantity"]?.intValue == 1)
            #expect(P.line(payload, sku: x)?["refused_quantity"]?.intValue == 2)
            #expect(P.line(payload, sku: x)?["refused_reason"]?.stringValue == "two are damaged")
            #expect(payload?["subtotal"]?.intValue == 1000)
            #expect(P.reroutedTo(payload) == rerouted)
            let created = try await ReturnKit.events(server, vendor: b, type: "suborder.created")
            #expect(created.map { K.id($0["data"]) } == rerouted)
            #expect(created.first?["data"]?["replaces"]?.stringValue == subId)

            let timeline = try await shop.timeline(customer)
            let acceptedEntry = try #require(
                timeline.first { K.id($0) == subId && $0["data"]?["status"]?.stringValue == "accepted" }, "\(timeline)")
            #expect(P.line(acceptedEntry["data"], sku: x)?["refused_quantity"]?.intValue == 2, "\(acceptedEntry)")
            #expect(P.reroutedTo(acceptedEntry["data"]) == rerouted)
            let createdEntry = timeline.first {
                K.id($0) == rerouted.first && $0["data"]?["status"]?.stringValue == "pending_acceptance"
            }
            #expect(createdEntry?["data"]?["replaces"]?.stringValue == subId, "\(String(describing: createdEntry))")

            // Shipping takes the accepted units only.
            try await shop.actOK("ship", subId, as: aKey)
            try await shop.expectStock(a, x, onHand: 4, reserved: 0)
            try await shop.expectStock(a, y, onHand: 4, reserved: 0)
        }
    }

    @Test("refused units nothing can take are cancelled on the order line; a line refused whole shows quantity 0")
    func nowhereToGo() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let y = try await shop.sku()
            let z = try await shop.sku()
            let c = try await shop.seller(
                name: "C", items: [StockedItem(sku: y, onHand: 5, price: 300), StockedItem(sku: z, onHand: 5, price: 700)])
            let order = try await shop.placeOK(lines: [K.line(y, 2), K.line(z, 2)])
            let original = try #require(K.suborders(order).first)
            let accepted = try await shop.actOK(
                "accept", K.id(original),
                body: P.refuse([(P.lineId(original, sku: y), 2, nil), (P.lineId(original, sku: z), 1, "only one left")]))
            #expect(K.status(accepted) == "accepted")
            #expect(P.line(accepted, sku: y)?["quantity"]?.intValue == 0)
            #expect(P.line(accepted, sku: y)?["refused_quantity"]?.intValue == 2)
            #expect(P.line(accepted, sku: y)?["refused_reason"] == .null)
            #expect(P.line(accepted, sku: z)?["quantity"]?.intValue == 1)
            #expect(accepted["subtotal"]?.intValue == 700)
            #expect(P.reroutedTo(accepted) == [])

            let after = try await shop.order(K.id(order))
            #expect(K.suborders(after).count == 1, "\(after)")
            #expect(K.lines(after).map { $0["cancelled_quantity"]?.intValue } == [2, 1])
            #expect(after["status"]?.stringValue == "open")
            #expect(after["total"]?.intValue == 700)
            try await shop.expectStock(c, y, onHand: 5, reserved: 0)
            try await shop.expectStock(c, z, onHand: 5, reserved: 1)

            // The order follows: cancelling it now cancels the one accepted unit.
            let cancelled = try await shop.storefront.post("/v1/orders/\(K.id(after))/cancel", ["reason": "changed mind"])
            #expect(cancelled.status == 200, "\(cancelled)")
            #expect(cancelled["status"]?.stringValue == "cancelled")
            #expect(K.lines(cancelled.json).map { $0["cancelled_quantity"]?.intValue } == [2, 2])
            try await shop.expectStock(c, z, onHand: 5, reserved: 0)
        }
    }

    @Test("refused units may go to the same vendor's other location: only the refusing (vendor, location) is excluded")
    func otherLocationOfTheSameVendor() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let r = try await shop.sku()
            let v = try await shop.seller(code: "WH1", items: [StockedItem(sku: r, onHand: 4, price: 100)])
            try await shop.stockLocation(v, code: "WH2", items: [StockedItem(sku: r, onHand: 4, price: 100)])
            let vKey = try await shop.vendorKey(v)
            let order = try await shop.placeOK(lines: [K.line(r, 3)])
            let original = try #require(K.suborders(order).first)
            #expect(original["location"]?.stringValue == "WH1", "\(order)")
            let accepted = try await shop.actOK(
                "accept", K.id(original), as: vKey, body: P.refuse([(P.lineId(original, sku: r), 1, "WH1 short")]))
            let replacement = try await shop.suborder(try #require(P.reroutedTo(accepted).first, "\(accepted)"))
            #expect(replacement["vendor_id"]?.stringValue == v && replacement["location"]?.stringValue == "WH2")
            #expect(K.lines(replacement).first?["quantity"]?.intValue == 1)
            try await shop.expectStock(v, r, location: "WH1", onHand: 4, reserved: 2)
            try await shop.expectStock(v, r, location: "WH2", onHand: 4, reserved: 1)
        }
    }

    @Test("every bad refusal is a 422 naming the field, and writes nothing")
    func validation() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let a = try await shop.seller(
                name: "A", items: [StockedItem(sku: x, onHand: 5, price: 900), StockedItem(sku: y, onHand: 5, price: 100)])
            let b = try await shop.seller(
                name: "B", items: [StockedItem(sku: x, onHand: 5, price: 1000), StockedItem(sku: y, onHand: 5, price: 200)])
            let aKey = try await shop.vendorKey(a)
            let order = try await shop.placeOK(lines: [K.line(x, 2), K.line(y, 1)])
            let other = try await shop.placeOK(lines: [K.line(x, 1)])
            let sub = try #require(K.suborders(order).first)
            let subId = K.id(sub)
            let lx = P.lineId(sub, sku: x)
            let ly = P.lineId(sub, sku: y)
            let foreign = P.lineId(K.suborders(other).first, sku: x)

            let cases: [(body: JSONValue, field: String)] = [
                (P.refuse([(lx, 2, nil), (ly, 1, nil)]), "refuse"),
                (P.refuse([(lx, 3, nil)]), "refuse[0].quantity"),
                (P.refuse([(lx, 0, nil)]), "refuse[0].quantity"),
                (P.refuse([(ly, 1, nil), (lx, -1, nil)]), "refuse[1].quantity"),
                (P.refuse([(foreign, 1, nil)]), "refuse[0].line_id"),
                (P.refuse([("sbl-nope", 1, nil)]), "refuse[0].line_id"),
                (P.refuse([(lx, 1, nil), (lx, 1, nil)]), "refuse[1].line_id"),
                (["refuse": [["quantity": 1]]], "refuse[0].line_id"),
                (["refuse": [["line_id": .string(lx)]]], "refuse[0].quantity"),
                (["refuse": [["line_id": .string(lx), "quantity": "one"]]], "refuse[0].quantity"),
                (["refuse": [["line_id": .string(lx), "quantity": 1, "reason": 5]]], "refuse[0].reason"),
                (["refuse": [["line_id": .string(lx), "quantity": 1, "note": "x"]]], "refuse[0].note"),
                (["refuse": ["l"]], "refuse[0]"),
                (["refuse": "all"], "refuse"),
                (["refuse": [], "note": 1], "note"),
            ]
            for (body, field) in cases {
                let response = try await shop.act("accept", subId, as: aKey, body: body)
                K.expectProblem(response, status: 422, code: "validation", fields: [field])
            }
            // With an Idempotency-Key the failure is not stored: the key then serves a good body.
            let key = [("Idempotency-Key", Fixtures.unique("idem"))]
            let bad = try await aKey.post("/v1/suborders/\(subId)/accept", P.refuse([(lx, 9, nil)]), headers: key)
            K.expectProblem(bad, status: 422, code: "validation", fields: ["refuse[0].quantity"])

            let unchanged = try await shop.suborder(subId)
            #expect(K.status(unchanged) == "pending_acceptance")
            #expect(K.lines(unchanged).map { $0["quantity"]?.intValue } == [2, 1])
            #expect(K.lines(unchanged).map { $0["refused_quantity"]?.intValue } == [0, 0])
            #expect(P.reroutedTo(unchanged) == [])
            #expect(K.suborders(try await shop.order(K.id(order))).count == 1)
            try await shop.expectStock(a, x, onHand: 5, reserved: 3)
            try await shop.expectStock(a, y, onHand: 5, reserved: 1)
            try await shop.expectStock(b, x, onHand: 5, reserved: 0)
            try await shop.expectStock(b, y, onHand: 5, reserved: 0)
            #expect(try await ReturnKit.events(server, vendor: a, type: "suborder.accepted").isEmpty)
            #expect(try await ReturnKit.events(server, vendor: b, type: "suborder.created").isEmpty)

            let good = try await aKey.post("/v1/suborders/\(subId)/accept", P.refuse([(lx, 1, nil)]), headers: key)
            #expect(good.status == 200, "\(good)")
        }
    }

    @Test("only from pending_acceptance: 409 invalid-transition otherwise, and after accept_by; another vendor gets 404")
    func onlyFromPending() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 50, price: 900)])
            let slow = try await shop.seller(name: "Slow", acceptanceWindowSeconds: 1, items: [StockedItem(sku: x, onHand: 5, price: 1)])
            let stranger = try await shop.vendorKey(try await shop.seller(name: "S", items: []))
            func pending(_ vendor: String) async throws -> JSONValue {
                let order = try await shop.placeOK(lines: [K.line(x, 2, vendorId: vendor)])
                return try #require(K.suborders(order).first)
            }
            func refusal(_ sub: JSONValue) -> JSONValue { P.refuse([(P.lineId(sub, sku: x), 1, "short")]) }

            let overdue = try await pending(slow)
            let forbidden = try await pending(a)
            K.expectProblem(
                try await shop.act("accept", K.id(forbidden), as: stranger, body: refusal(forbidden)), status: 404, code: "not-found")

            let accepted = try await pending(a)
            try await shop.actOK("accept", K.id(accepted))
            let rejected = try await pending(a)
            try await shop.actOK("reject", K.id(rejected))
            let cancelled = try await pending(a)
            try await shop.actOK("cancel", K.id(cancelled))
            let shipped = try await pending(a)
            try await shop.actOK("accept", K.id(shipped))
            try await shop.actOK("ship", K.id(shipped))
            let partly = try await pending(a)
            try await shop.actOK("accept", K.id(partly), body: refusal(partly))
            for sub in [accepted, rejected, cancelled, shipped, partly] {
                let before = try await shop.suborder(K.id(sub))
                K.expectProblem(try await shop.act("accept", K.id(sub), body: refusal(sub)), status: 409, code: "invalid-transition")
                let after = try await shop.suborder(K.id(sub))
                #expect(before["lines"] == after["lines"] && before["status"] == after["status"], "\(after)")
            }

            try await Task.sleep(for: .milliseconds(1600))
            K.expectProblem(try await shop.act("accept", K.id(overdue), body: refusal(overdue)), status: 409, code: "invalid-transition")
            #expect(P.line(try await shop.suborder(K.id(overdue)), sku: x)?["refused_quantity"]?.intValue == 0)
            // Held: forbidden's and accepted's 2 each, partly's accepted unit; shipped took 2 out.
            try await shop.expectStock(a, x, onHand: 48, reserved: 2 + 2 + 1)
        }
    }

    @Test("Idempotency-Key: a repeated partial acceptance replays, reroutes once; another body is 422 idempotency-key-reused")
    func idempotent() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 5, price: 900)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let aKey = try await shop.vendorKey(a)
            let order = try await shop.placeOK(lines: [K.line(x, 3)])
            let sub = try #require(K.suborders(order).first)
            let body = P.refuse([(P.lineId(sub, sku: x), 2, "dented")])
            let key = [("Idempotency-Key", Fixtures.unique("idem"))]
            let first = try await aKey.post("/v1/suborders/\(K.id(sub))/accept", body, headers: key)
            let second = try await aKey.post("/v1/suborders/\(K.id(sub))/accept", body, headers: key)
            #expect(first.status == 200 && second.status == 200, "\(first) / \(second)")
            #expect(first.json == second.json)
            #expect(FoundationHelpers.header(second, "Idempotent-Replayed") == "true")
            let reused = try await aKey.post(
                "/v1/suborders/\(K.id(sub))/accept", P.refuse([(P.lineId(sub, sku: x), 1, "dented")]), headers: key)
            K.expectProblem(reused, status: 422, code: "idempotency-key-reused")
            #expect(K.suborders(try await shop.order(K.id(order))).count == 2)
            try await shop.expectStock(a, x, onHand: 5, reserved: 1)
            try await shop.expectStock(b, x, onHand: 5, reserved: 2)
        }
    }

    @Test("returns are limited to the accepted units; a line refused whole returns nothing")
    func returnsCountAcceptedUnits() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            _ = try await shop.seller(
                name: "A", items: [StockedItem(sku: x, onHand: 5, price: 900), StockedItem(sku: y, onHand: 5, price: 100)])
            let order = try await shop.placeOK(lines: [K.line(x, 3), K.line(y, 1)])
            let sub = try #require(K.suborders(order).first)
            try await shop.actOK(
                "accept", K.id(sub), body: P.refuse([(P.lineId(sub, sku: x), 1, nil), (P.lineId(sub, sku: y), 1, nil)]))
            try await shop.actOK("ship", K.id(sub))
            let lx = P.lineId(sub, sku: x)
            let ly = P.lineId(sub, sku: y)
            let orderId = K.id(order)
            let tooMany = try await shop.storefront.post(
                "/v1/returns", ReturnKit.returnBody(order: orderId, lines: [ReturnKit.returnLine(lx, 3)]))
            K.expectProblem(tooMany, status: 422, code: "validation", fields: ["lines[0].quantity"])
            let refusedWhole = try await shop.storefront.post(
                "/v1/returns", ReturnKit.returnBody(order: orderId, lines: [ReturnKit.returnLine(ly, 1)]))
            K.expectProblem(refusedWhole, status: 422, code: "validation", fields: ["lines[0].quantity"])
            let ok = try await ReturnKit.create(
                shop.storefront, ReturnKit.returnBody(order: orderId, lines: [ReturnKit.returnLine(lx, 2)]))
            #expect(ok["refund_amount"]?.intValue == 1800)
            let more = try await shop.storefront.post(
                "/v1/returns", ReturnKit.returnBody(order: orderId, lines: [ReturnKit.returnLine(lx, 1)]))
            K.expectProblem(more, status: 422, code: "validation", fields: ["lines[0].quantity"])
        }
    }

    /// Partial acceptances race the SLA sweep and order cancels, round after round, with the
    /// acceptance deadline falling anywhere around the race. Whoever wins, every ordered unit
    /// ends held by exactly one live suborder or cancelled on its order line, and each stock
    /// row's reservation equals the units its open suborders hold.
    @Test("partial acceptance racing the SLA sweep and an order cancel: every unit reserved exactly once or released")
    func raceWithSweepAndCancel() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let slow = try await shop.seller(
                name: "Slow", acceptanceWindowSeconds: 1,
                items: [StockedItem(sku: x, onHand: 200, price: 100), StockedItem(sku: y, onHand: 200, price: 100)])
            // Backup takes x only, and not every refused unit: some are cancelled instead.
            let backup = try await shop.seller(name: "Backup", items: [StockedItem(sku: x, onHand: 15, price: 150)])
            let slowKey = try await shop.vendorKey(slow)
            let customer = shop.newCustomer()
            var orderIds: [String] = []
            var outcomes: [String: Int] = [:]
            let rounds = 8
            let perRound = 3
            for round in 0..<rounds {
                var placed: [JSONValue] = []
                for _ in 0..<perRound {
                    let order = try await shop.placeOK(customer: customer, lines: [K.line(x, 3), K.line(y, 1)])
                    #expect(K.suborders(order).count == 1 && K.suborders(order).first?["vendor_id"]?.stringValue == slow)
                    placed.append(order)
                    orderIds.append(K.id(order))
                }
                // The deadline falls before, during or after the race.
                try await Task.sleep(for: .milliseconds(700 + (round * 97) % 600))
                let statuses = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                    for (i, order) in placed.enumerated() {
                        let sub = try #require(K.suborders(order).first)
                        group.addTask {
                            let r = try await shop.act(
                                "accept", K.id(sub), as: slowKey, body: P.refuse([(P.lineId(sub, sku: x), 2, "race")]))
                            return ("accept \(r.status)", r.status)
                        }
                        group.addTask {
                            let r = try await shop.admin.post("/v1/jobs/sla-sweep")
                            return ("sweep \(r.status)", r.status)
                        }
                        if (i + round) % 2 == 0 {
                            group.addTask {
                                let r = try await shop.storefront.post("/v1/orders/\(K.id(order))/cancel", ["reason": "race"])
                                return ("cancel \(r.status)", r.status)
                            }
                        }
                    }
                    var all: [(String, Int)] = []
                    for try await result in group { all.append(result) }
                    return all
                }
                for (label, status) in statuses {
                    outcomes[label, default: 0] += 1
                    #expect([200, 409].contains(status), "\(label)")
                }
            }
            // Other tests' sweeps may still be at our orders: let every overdue one settle.
            _ = try await shop.sweep()

            var held: [String: Int64] = [:]  // "vendor/location/sku" → units open suborders hold
            for orderId in orderIds {
                let order = try await shop.order(orderId)
                var live: [String: Int64] = [:]
                for sub in K.suborders(order) {
                    let status = K.status(sub)
                    #expect(status != "pending_acceptance" || sub["replaces"] != .null, "originals are all decided: \(sub)")
                    guard ["pending_acceptance", "accepted", "shipped", "delivered"].contains(status) else { continue }
                    for line in K.lines(sub) {
                        let quantity = line["quantity"]?.intValue ?? 0
                        live[line["order_line_id"]?.stringValue ?? "", default: 0] += quantity
                        if status == "pending_acceptance" || status == "accepted" {
                            let key =
                                "\(sub["vendor_id"]?.stringValue ?? "")/\(sub["location"]?.stringValue ?? "")/\(line["sku"]?.stringValue ?? "")"
                            held[key, default: 0] += quantity
                        }
                    }
                    if !P.reroutedTo(sub).isEmpty {
                        #expect(status == "accepted" || status == "expired" || status == "cancelled", "\(sub)")
                    }
                }
                for line in K.lines(order) {
                    let units = (live[K.id(line)] ?? 0) + (line["cancelled_quantity"]?.intValue ?? 0)
                    #expect(units == line["quantity"]?.intValue, "order line \(K.id(line)) of \(orderId): \(order)")
                }
                let original = K.suborders(order).first
                let refused = P.line(original, sku: x)?["refused_quantity"]?.intValue ?? 0
                #expect(refused == 0 || K.status(original) != "expired", "an expired suborder was never partly accepted: \(order)")
            }
            for (vendor, sku) in [(slow, x), (slow, y), (backup, x)] {
                let level = try await shop.stock(vendor, sku)
                #expect(level.reserved == held["\(vendor)/WH1/\(sku)", default: 0], "\(vendor)/\(sku): \(level) vs \(held)")
                #expect(level.available >= 0)
            }
            print("partial acceptance race outcomes: \(outcomes.sorted { $0.key < $1.key })")
        }
    }
}
