import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit

@Suite("Orders: suborder transitions, their stock effects, order cancel")
struct OrdersLifecycleTests {
    @Test("accept → ship → deliver with stock effects; every other transition is 409 invalid-transition; roles")
    func happyPathAndInvalidTransitions() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 250)])
            let w = try await shop.seller(name: "Other", items: [])
            let vKey = try await shop.vendorKey(v)
            let wKey = try await shop.vendorKey(w)

            let order = try await shop.placeOK(lines: [K.line(x, 2)])
            let orderId = K.id(order)
            let sub = K.id(K.suborders(order).first)
            try await shop.expectStock(v, x, onHand: 10, reserved: 2, "after placing")

            // Roles: a channel key may not act, another vendor sees nothing, an unknown id is 404.
            #expect(try await shop.act("accept", sub, as: shop.storefront).status == 403)
            K.expectProblem(try await shop.act("accept", sub, as: wKey), status: 404, code: "not-found")
            K.expectProblem(try await shop.act("cancel", sub, as: wKey), status: 404, code: "not-found")
            K.expectProblem(try await wKey.get("/v1/suborders/\(sub)"), status: 404, code: "not-found")
            K.expectProblem(try await shop.act("accept", "sub_" + Fixtures.unique("ghost"), as: vKey), status: 404, code: "not-found")
            #expect(try await vKey.get("/v1/suborders/\(sub)").status == 200)

            // Not yet accepted: ship and deliver are refused.
            K.expectProblem(try await shop.act("ship", sub, as: vKey), status: 409, code: "invalid-transition")
            K.expectProblem(try await shop.act("deliver", sub, as: vKey), status: 409, code: "invalid-transition")
            #expect(K.status(try await shop.suborder(sub)) == "pending_acceptance")

            let accepted = try await shop.actOK("accept", sub, as: vKey)
            #expect(K.status(accepted) == "accepted")
            #expect(K.id(accepted) == sub)
            try await shop.expectStock(v, x, onHand: 10, reserved: 2, "after accept")
            K.expectProblem(try await shop.act("accept", sub, as: vKey), status: 409, code: "invalid-transition")
            K.expectProblem(try await shop.act("reject", sub, as: vKey), status: 409, code: "invalid-transition")
            K.expectProblem(try await shop.act("deliver", sub, as: vKey), status: 409, code: "invalid-transition")

            let noCarrier = try await shop.act("ship", sub, as: vKey, body: ["tracking_number": "T1"])
            K.expectProblem(noCarrier, status: 422, code: "validation", fields: ["carrier"])
            #expect(K.status(try await shop.suborder(sub)) == "accepted")

            let shipped = try await shop.actOK("ship", sub, as: vKey, body: ["carrier": "DHL", "tracking_number": "00340434"])
            #expect(K.status(shipped) == "shipped")
            #expect(shipped["carrier"]?.stringValue == "DHL")
            #expect(shipped["tracking_number"]?.stringValue == "00340434")
            #expect(shipped["delivered_at"] == .null)
            try await shop.expectStock(v, x, onHand: 8, reserved: 0, "after ship: on-hand and reservation both drop")
            for action in ["cancel", "reject", "accept", "ship"] {
                K.expectProblem(try await shop.act(action, sub, as: vKey), status: 409, code: "invalid-transition")
            }
            K.expectProblem(try await shop.act("cancel", sub), status: 409, code: "invalid-transition")
            #expect(try await shop.order(orderId)["status"]?.stringValue == "open")

            let before = Date()
            let delivered = try await shop.actOK("deliver", sub, as: vKey)
            #expect(K.status(delivered) == "delivered")
            K.expectTime(delivered["delivered_at"], near: before, "delivered_at")
            try await shop.expectStock(v, x, onHand: 8, reserved: 0, "after deliver")
            for action in ["deliver", "cancel", "ship", "accept", "reject"] {
                K.expectProblem(try await shop.act(action, sub, as: vKey), status: 409, code: "invalid-transition")
            }
            let done = try await shop.order(orderId)
            #expect(done["status"]?.stringValue == "completed")
            #expect(done["total"]?.intValue == 500)
            #expect(K.lines(done).first?["cancelled_quantity"]?.intValue == 0)
            #expect(K.status(K.suborders(done).first) == "delivered")
        }
    }

    @Test("cancel from pending and from accepted releases stock, cancels the order line and then the order")
    func suborderCancel() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 300)])
            let vKey = try await shop.vendorKey(v)

            let pending = try await shop.placeOK(lines: [K.line(x, 3)])
            let accepted = try await shop.placeOK(lines: [K.line(x, 1)])
            try await shop.expectStock(v, x, onHand: 10, reserved: 4)
            let acceptedSub = K.id(K.suborders(accepted).first)
            try await shop.actOK("accept", acceptedSub, as: vKey)

            let missingReason = try await shop.act("cancel", K.id(K.suborders(pending).first), as: vKey, body: [:])
            K.expectProblem(missingReason, status: 422, code: "validation", fields: ["reason"])

            let cancelled = try await shop.actOK(
                "cancel", K.id(K.suborders(pending).first), as: vKey, body: ["reason": "damaged in the warehouse"])
            #expect(K.status(cancelled) == "cancelled")
            #expect(cancelled["reason"]?.stringValue == "damaged in the warehouse")
            try await shop.expectStock(v, x, onHand: 10, reserved: 1, "pending cancel released 3")
            let pendingAfter = try await shop.order(K.id(pending))
            #expect(pendingAfter["status"]?.stringValue == "cancelled")
            #expect(K.lines(pendingAfter).first?["cancelled_quantity"]?.intValue == 3)
            #expect(pendingAfter["total"]?.intValue == 0)

            try await shop.actOK("cancel", acceptedSub, as: vKey)
            try await shop.expectStock(v, x, onHand: 10, reserved: 0, "accepted cancel released 1")
            let acceptedAfter = try await shop.order(K.id(accepted))
            #expect(acceptedAfter["status"]?.stringValue == "cancelled")
            #expect(K.lines(acceptedAfter).first?["cancelled_quantity"]?.intValue == 1)
            K.expectProblem(try await shop.act("cancel", acceptedSub, as: vKey), status: 409, code: "invalid-transition")
            K.expectProblem(try await shop.act("accept", acceptedSub, as: vKey), status: 409, code: "invalid-transition")
            try await shop.expectStock(v, x, onHand: 10, reserved: 0, "a refused cancel releases nothing more")
        }
    }

    @Test("one of two suborders cancelled, the other delivered: order completed, total counts only the delivered one")
    func partialCancelThenComplete() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: y, onHand: 5, price: 700)])
            let order = try await shop.placeOK(lines: [K.line(x, 2), K.line(y, 1)])
            #expect(order["total"]?.intValue == 900)
            let subA = K.id(K.suborders(order).first { $0["vendor_id"]?.stringValue == a })
            let subB = K.id(K.suborders(order).first { $0["vendor_id"]?.stringValue == b })

            try await shop.actOK("cancel", subA)
            var now = try await shop.order(K.id(order))
            #expect(now["status"]?.stringValue == "open")
            #expect(K.lines(now).map { $0["cancelled_quantity"]?.intValue } == [2, 0])
            #expect(now["total"]?.intValue == 700)
            try await shop.expectStock(a, x, onHand: 5, reserved: 0)

            try await shop.actOK("accept", subB)
            try await shop.actOK("ship", subB)
            #expect(try await shop.order(K.id(order))["status"]?.stringValue == "open")
            try await shop.actOK("deliver", subB)
            now = try await shop.order(K.id(order))
            #expect(now["status"]?.stringValue == "completed", "\(now)")
            #expect(now["total"]?.intValue == 700)
            try await shop.expectStock(b, y, onHand: 4, reserved: 0)
        }
    }

    @Test("order cancel cancels pending and accepted suborders, releases their stock, leaves shipped ones; then 409")
    func orderCancel() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let skus = try await shop.skus(3)
            let (x, y, z) = (skus[0], skus[1], skus[2])
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: y, onHand: 5, price: 200)])
            let c = try await shop.seller(name: "C", items: [StockedItem(sku: z, onHand: 5, price: 400)])
            let order = try await shop.placeOK(lines: [K.line(x, 1), K.line(y, 2), K.line(z, 3)])
            let orderId = K.id(order)
            #expect(K.suborders(order).count == 3)
            func sub(_ vendor: String) -> String { K.id(K.suborders(order).first { $0["vendor_id"]?.stringValue == vendor }) }
            try await shop.actOK("accept", sub(a))
            try await shop.actOK("ship", sub(a))
            try await shop.actOK("accept", sub(b))

            let vendorKey = try await shop.vendorKey(a)
            #expect(try await vendorKey.post("/v1/orders/\(orderId)/cancel", ["reason": "nope"]).status == 403)
            K.expectProblem(
                try await shop.storefront.post("/v1/orders/ord_\(Fixtures.unique("ghost"))/cancel", ["reason": "x"]),
                status: 404, code: "not-found")

            let cancel = try await shop.storefront.post("/v1/orders/\(orderId)/cancel", ["reason": "customer changed their mind"])
            #expect(cancel.status == 200, "\(cancel)")
            let statuses = Dictionary(uniqueKeysWithValues: K.suborders(cancel.json).map { ($0["vendor_id"]!.stringValue!, K.status($0)) })
            #expect(statuses == [a: "shipped", b: "cancelled", c: "cancelled"], "\(cancel)")
            #expect(K.lines(cancel.json).map { $0["cancelled_quantity"]?.intValue } == [0, 2, 3])
            #expect(cancel["status"]?.stringValue == "open", "the shipped suborder keeps the order open")
            #expect(cancel["total"]?.intValue == 100)
            try await shop.expectStock(a, x, onHand: 4, reserved: 0)
            try await shop.expectStock(b, y, onHand: 5, reserved: 0)
            try await shop.expectStock(c, z, onHand: 5, reserved: 0)

            let again = try await shop.storefront.post("/v1/orders/\(orderId)/cancel", ["reason": "again"])
            K.expectProblem(again, status: 409, code: "invalid-transition")
            let unchanged = try await shop.order(orderId)
            #expect(K.lines(unchanged).map { $0["cancelled_quantity"]?.intValue } == [0, 2, 3])

            try await shop.actOK("deliver", sub(a))
            #expect(try await shop.order(orderId)["status"]?.stringValue == "completed")

            // A fully pending order, cancelled without a body: everything cancelled and released.
            let second = try await shop.placeOK(lines: [K.line(y, 1), K.line(z, 1)])
            try await shop.expectStock(b, y, onHand: 5, reserved: 1)
            let whole = try await shop.admin.post("/v1/orders/\(K.id(second))/cancel")
            #expect(whole.status == 200, "\(whole)")
            #expect(whole["status"]?.stringValue == "cancelled")
            #expect(K.suborders(whole.json).allSatisfy { K.status($0) == "cancelled" })
            #expect(K.lines(whole.json).map { $0["cancelled_quantity"]?.intValue } == [1, 1])
            try await shop.expectStock(b, y, onHand: 5, reserved: 0)
            try await shop.expectStock(c, z, onHand: 5, reserved: 0)
            K.expectProblem(try await shop.admin.post("/v1/orders/\(K.id(second))/cancel"), status: 409, code: "invalid-transition")
        }
    }

    @Test("racing actions on one suborder: accept vs reject, ship vs order cancel, cancel vs cancel — exactly one wins, stock adds up")
    func racingTransitions() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let v = try await shop.seller(
                name: "V", items: [StockedItem(sku: x, onHand: 50, price: 100), StockedItem(sku: y, onHand: 50, price: 100)])
            let w = try await shop.seller(name: "W", items: [StockedItem(sku: x, onHand: 50, price: 200)])
            let vKey = try await shop.vendorKey(v)
            let rounds = 8

            // accept vs reject on pending suborders.
            var subs: [String] = []
            for _ in 0..<rounds {
                let order = try await shop.placeOK(lines: [K.line(x, 1)])
                #expect(K.suborders(order).first?["vendor_id"]?.stringValue == v)
                subs.append(K.id(K.suborders(order).first))
            }
            let acceptOrReject = try await withThrowingTaskGroup(of: (String, String, Int).self) { group in
                for sub in subs {
                    group.addTask { (sub, "accept", try await shop.act("accept", sub, as: vKey).status) }
                    group.addTask { (sub, "reject", try await shop.act("reject", sub, as: vKey).status) }
                }
                var all: [(String, String, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            var accepted = 0
            for sub in subs {
                let results = acceptOrReject.filter { $0.0 == sub }
                #expect(results.map(\.2).sorted() == [200, 409], "\(sub): \(results)")
                let winner = results.first { $0.2 == 200 }?.1
                let now = try await shop.suborder(sub)
                #expect(K.status(now) == (winner == "accept" ? "accepted" : "rejected"))
                if winner == "accept" { accepted += 1 }
            }
            try await shop.expectStock(v, x, onHand: 50, reserved: Int64(accepted), "accepted ones keep their units")
            try await shop.expectStock(w, x, onHand: 50, reserved: Int64(rounds - accepted), "rejected ones moved to W")

            // ship vs order cancel on accepted suborders.
            var orders: [(order: String, sub: String)] = []
            for _ in 0..<rounds {
                let order = try await shop.placeOK(lines: [K.line(y, 1)])
                let sub = K.id(K.suborders(order).first)
                try await shop.actOK("accept", sub, as: vKey)
                orders.append((K.id(order), sub))
            }
            let shipOrCancel = try await withThrowingTaskGroup(of: (String, String, Int).self) { group in
                for (order, sub) in orders {
                    group.addTask { (order, "ship", try await shop.act("ship", sub, as: vKey).status) }
                    group.addTask {
                        (order, "cancel", try await shop.storefront.post("/v1/orders/\(order)/cancel", ["reason": "race"]).status)
                    }
                    group.addTask {
                        (order, "cancel", try await shop.storefront.post("/v1/orders/\(order)/cancel", ["reason": "race"]).status)
                    }
                }
                var all: [(String, String, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            var shipped: Int64 = 0
            for (order, sub) in orders {
                let results = shipOrCancel.filter { $0.0 == order }
                #expect(results.filter { $0.2 == 200 }.count == 1, "\(order): \(results)")
                #expect(results.filter { $0.2 == 409 }.count == 2, "\(order): \(results)")
                let status = K.status(try await shop.suborder(sub))
                let after = try await shop.order(order)
                if status == "shipped" {
                    shipped += 1
                    #expect(K.lines(after).first?["cancelled_quantity"]?.intValue == 0)
                    #expect(after["status"]?.stringValue == "open")
                } else {
                    #expect(status == "cancelled")
                    #expect(K.lines(after).first?["cancelled_quantity"]?.intValue == 1)
                    #expect(after["status"]?.stringValue == "cancelled")
                }
            }
            try await shop.expectStock(v, y, onHand: 50 - shipped, reserved: 0, "shipped units consumed once, cancelled ones released once")
        }
    }
}
