import CommerceCore
import Foundation
import NIOHTTP1
import Postgres
import Testing

private typealias K = OrderKit
private typealias R = ReturnKit

@Suite("Returns: requests across channels, shipped-quantity limits, receiving, vendor views")
struct ReturnTests {
    @Test("a return through another channel than the order: shape, amounts, per-vendor views, events, roles")
    func acrossChannels() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let appChannel = try await shop.fixtures.channel(type: "app")
            let app = try await shop.fixtures.key(role: "channel", channel: appChannel)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let v = try await shop.seller(name: "V", items: [StockedItem(sku: x, onHand: 10, price: 1000)])
            let w = try await shop.seller(name: "W", items: [StockedItem(sku: y, onHand: 10, price: 450)])
            let u = try await shop.seller(name: "U", items: [])
            let (vKey, wKey, uKey) = (try await shop.vendorKey(v), try await shop.vendorKey(w), try await shop.vendorKey(u))
            let customer = shop.newCustomer()
            let order = try await R.shippedOrder(shop, customer: customer, lines: [K.line(x, 2), K.line(y, 3)])
            #expect(K.suborders(order).count == 2)
            let (xLine, yLine) = (R.lineId(order, sku: x), R.lineId(order, sku: y))

            // The order came through the web channel; the return goes through the app.
            let created = try await app.post(
                "/v1/returns",
                R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 1, reason: "too small"), R.returnLine(yLine, 2)]))
            #expect(created.status == 201, "\(created)")
            let ret = created.json
            let returnId = K.id(ret)
            #expect(returnId.hasPrefix("ret_"))
            #expect(ret["order_id"]?.stringValue == K.id(order))
            #expect(ret["channel"]?.stringValue == appChannel)
            #expect(ret["customer_id"]?.stringValue == customer)
            #expect(K.status(ret) == "requested")
            #expect(ret["method"]?.stringValue == "courier")
            #expect(ret["location"] == .null)
            #expect(ret["currency"]?.stringValue == "EUR")
            #expect(ret["refund_amount"]?.intValue == 1900, "1 × 1000 + 2 × 450")
            #expect(ret["refunded_amount"]?.intValue == 0)
            let lines = K.lines(ret)
            #expect(lines.count == 2)
            #expect(lines.first?["suborder_line_id"]?.stringValue == xLine)
            #expect(lines.first?["vendor_id"]?.stringValue == v)
            #expect(lines.first?["sku"]?.stringValue == x)
            #expect(lines.first?["quantity"]?.intValue == 1)
            #expect(lines.first?["reason"]?.stringValue == "too small")
            #expect(lines.first?["unit_price"]?.intValue == 1000)
            #expect(lines.last?["vendor_id"]?.stringValue == w)
            #expect(lines.last?["unit_price"]?.intValue == 450)
            K.expectTime(ret["created_at"], near: Date(), "created_at")

            // Any channel and the operator read it whole.
            for client in [shop.storefront, app, shop.admin] {
                let read = try await client.get("/v1/returns/\(returnId)")
                #expect(read.status == 200, "\(read)")
                #expect(R.lineIds(read.json) == [xLine, yLine])
                #expect(read["refund_amount"]?.intValue == 1900)
            }
            // Each vendor sees only its own lines; a vendor with none sees nothing.
            let vView = try await vKey.get("/v1/returns/\(returnId)")
            #expect(vView.status == 200, "\(vView)")
            #expect(R.lineIds(vView.json) == [xLine])
            #expect(vView["refund_amount"]?.intValue == 1000)
            let wView = try await wKey.get("/v1/returns/\(returnId)")
            #expect(R.lineIds(wView.json) == [yLine])
            #expect(wView["refund_amount"]?.intValue == 900)
            K.expectProblem(try await uKey.get("/v1/returns/\(returnId)"), status: 404, code: "not-found")
            K.expectProblem(try await shop.admin.get("/v1/returns/ret_\(Fixtures.unique("ghost"))"), status: 404, code: "not-found")

            // Vendor lists: own lines only; another vendor's list is 404; operator may read any.
            let vList = try await vKey.get("/v1/vendors/\(v)/returns")
            #expect(vList.status == 200, "\(vList)")
            #expect(vList.data.map { K.id($0) } == [returnId])
            #expect(vList.data.first.map(R.lineIds) == [xLine])
            #expect(vList["next_cursor"] == .null)
            let wList = try await shop.admin.get("/v1/vendors/\(w)/returns")
            #expect(wList.data.first.map(R.lineIds) == [yLine])
            #expect(wList.data.first?["refund_amount"]?.intValue == 900)
            #expect(try await uKey.get("/v1/vendors/\(u)/returns").data.isEmpty)
            K.expectProblem(try await uKey.get("/v1/vendors/\(v)/returns"), status: 404, code: "not-found")
            #expect(try await app.get("/v1/vendors/\(v)/returns").status == 403)
            K.expectProblem(try await vKey.get("/v1/vendors/\(v)/returns?status=lost"), status: 422, code: "validation", fields: ["status"])
            #expect(try await vKey.get("/v1/vendors/\(v)/returns?status=approved").data.isEmpty)
            #expect(try await vKey.get("/v1/vendors/\(v)/returns?status=requested").data.count == 1)

            // return.created went to each vendor, with only that vendor's lines, in the same commit.
            let vEvents = try await R.events(server, vendor: v, type: "return.created")
            let wEvents = try await R.events(server, vendor: w, type: "return.created")
            #expect(vEvents.count == 1 && wEvents.count == 1)
            #expect(vEvents.first?["data"]?["id"]?.stringValue == returnId)
            #expect(vEvents.first?["data"].map(R.lineIds) == [xLine])
            #expect(wEvents.first?["data"].map(R.lineIds) == [yLine])
            #expect(wEvents.first?["data"]?["refund_amount"]?.intValue == 900)
            #expect(try await R.events(server, vendor: u, type: "return.created").isEmpty)

            // Roles on actions: channels may not act; a vendor owning some lines may not (403), one
            // owning none does not see it (404); the operator may.
            #expect(try await app.post("/v1/returns/\(returnId)/approve").status == 403)
            K.expectProblem(try await vKey.post("/v1/returns/\(returnId)/approve"), status: 403, code: "forbidden")
            K.expectProblem(try await wKey.post("/v1/returns/\(returnId)/reject", ["reason": "no"]), status: 403, code: "forbidden")
            K.expectProblem(try await uKey.post("/v1/returns/\(returnId)/approve"), status: 404, code: "not-found")
            #expect(try await vKey.post("/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 1)])).status == 403)
            #expect(K.status(try await shop.admin.get("/v1/returns/\(returnId)").json) == "requested", "refused actions change nothing")
            let approved = try await shop.admin.post("/v1/returns/\(returnId)/approve")
            #expect(approved.status == 200, "\(approved)")
            #expect(K.status(approved.json) == "approved")
            #expect(R.lineIds(approved.json) == [xLine, yLine])
        }
    }

    @Test("the quantity in returns not rejected may not exceed what shipped; rejected returns free it; bad input is one 422")
    func shippedQuantityLimit() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 300), StockedItem(sku: y, onHand: 10, price: 200)])
            let customer = shop.newCustomer()
            // Not shipped yet: nothing can be returned.
            let pending = try await shop.placeOK(customer: customer, lines: [K.line(x, 2)])
            let pendingLine = R.lineId(pending, sku: x)
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", R.returnBody(order: K.id(pending), lines: [R.returnLine(pendingLine, 1)])),
                status: 422, code: "validation", fields: ["lines[0].quantity"])
            try await shop.actOK("accept", K.id(K.suborders(pending).first))
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", R.returnBody(order: K.id(pending), lines: [R.returnLine(pendingLine, 1)])),
                status: 422, code: "validation", fields: ["lines[0].quantity"])

            let order = try await R.shippedOrder(shop, customer: customer, lines: [K.line(x, 3), K.line(y, 1)])
            let (xLine, yLine) = (R.lineId(order, sku: x), R.lineId(order, sku: y))
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 4)])),
                status: 422, code: "validation", fields: ["lines[0].quantity"])
            let first = try await R.create(shop.storefront, R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 2)]))
            let tooMany = try await shop.storefront.post(
                "/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(yLine, 1), R.returnLine(xLine, 2)]))
            K.expectProblem(tooMany, status: 422, code: "validation", fields: ["lines[1].quantity"])
            #expect(!tooMany.errorFields.contains("lines[0].quantity"), "\(tooMany)")
            let second = try await R.create(
                shop.storefront, R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 1), R.returnLine(yLine, 1)]))
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 1)])),
                status: 422, code: "validation", fields: ["lines[0].quantity"])
            // Approved returns still hold their units; a rejected one frees them.
            #expect(try await shop.admin.post("/v1/returns/\(K.id(second))/approve").status == 200)
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 1)])),
                status: 422, code: "validation", fields: ["lines[0].quantity"])
            let rejected = try await shop.admin.post("/v1/returns/\(K.id(first))/reject", ["reason": "outside the window"])
            #expect(rejected.status == 200, "\(rejected)")
            #expect(K.status(rejected.json) == "rejected")
            #expect(rejected["reason"]?.stringValue == "outside the window")
            let again = try await R.create(shop.storefront, R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 2)]))
            #expect(K.status(again) == "requested")
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 1)])),
                status: 422, code: "validation", fields: ["lines[0].quantity"])

            // Unknown order, a line of another order, a repeated line: 422 naming each.
            let before = try await R.count(server, "SELECT count(*) AS c FROM returns WHERE customer_id = $1", [customer])
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", R.returnBody(order: "ord_nope", lines: [R.returnLine(xLine, 1)])),
                status: 422, code: "validation", fields: ["order_id"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(yLine, 1), R.returnLine(pendingLine, 1)])),
                status: 422, code: "validation", fields: ["lines[1].suborder_line_id"])
            // Shape problems: every bad field in one 422.
            let bad = try await shop.storefront.post(
                "/v1/returns",
                ["order_id": 7, "method": "drone", "lines": [["suborder_line_id": .string(yLine), "quantity": 0], "x"]])
            K.expectProblem(
                bad, status: 422, code: "validation",
                fields: ["order_id", "method", "lines[0].quantity", "lines[0].reason", "lines[1]"])
            K.expectProblem(
                try await shop.storefront.post("/v1/returns", ["order_id": .string(K.id(order)), "method": "courier", "lines": []]),
                status: 422, code: "validation", fields: ["lines"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(yLine, 1)], method: "in_store")),
                status: 422, code: "validation", fields: ["location"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(yLine, 1)], location: (v, "WH1"))),
                status: 422, code: "validation", fields: ["location"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(yLine, 1)], channel: "someone-else")),
                status: 422, code: "validation", fields: ["channel"])
            K.expectProblem(
                try await shop.storefront.request(.POST, "/v1/returns", raw: Array("{\"order_id\":".utf8)),
                status: 422, code: "validation", fields: ["body"])
            #expect(try await R.count(server, "SELECT count(*) AS c FROM returns WHERE customer_id = $1", [customer]) == before)
            #expect(try await R.events(server, vendor: v, type: "return.created").count == 3, "one event per created return")
        }
    }

    @Test("ten concurrent one-unit returns against three shipped units: exactly three succeed")
    func concurrentReturns() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            _ = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 990)])
            let order = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 3)])
            let lineId = R.lineId(order, sku: x)
            let body = R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)])
            let responses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<10 { group.addTask { try await shop.storefront.post("/v1/returns", body) } }
                var all: [APIResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            let created = responses.filter { $0.status == 201 }
            #expect(created.count == 3, "\(responses.map(\.status))")
            for refused in responses where refused.status != 201 {
                K.expectProblem(refused, status: 422, code: "validation", fields: ["lines[0].quantity"])
            }
            #expect(
                try await R.count(server, "SELECT coalesce(sum(quantity), 0) AS c FROM return_lines WHERE suborder_line_id = $1", [lineId])
                    == 3)
        }
    }

    @Test("in store: received at once from requested, restocked at the store (row created), partial receipt refunds what came back")
    func inStoreReceipt() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 1250)])
            let w = try await shop.seller(name: "W", items: [])
            try await shop.fixtures.location(vendorId: v, code: "STORE", pickup: true, type: "store")
            let vKey = try await shop.vendorKey(v)
            let order = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 3)])
            let lineId = R.lineId(order, sku: x)
            try await shop.expectStock(v, x, onHand: 7, reserved: 0, "after shipping")

            // The location must exist and belong to the vendor of every line.
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns",
                    R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)], method: "in_store", location: (v, "NOPE"))),
                status: 422, code: "validation", fields: ["location"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns",
                    R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)], method: "in_store", location: (w, "WH1"))),
                status: 422, code: "validation", fields: ["location"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns",
                    [
                        "order_id": .string(K.id(order)), "method": "in_store", "lines": [R.returnLine(lineId, 1)],
                        "location": ["code": "STORE"],
                    ]),
                status: 422, code: "validation", fields: ["location.vendor_id"])

            let ret = try await R.create(
                shop.storefront,
                R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 3)], method: "in_store", location: (v, "STORE")))
            #expect(ret["method"]?.stringValue == "in_store")
            #expect(ret["location"] == ["vendor_id": .string(v), "code": "STORE"])
            #expect(ret["refund_amount"]?.intValue == 3750, "3 × 1250")
            let returnId = K.id(ret)

            // Receipt errors: a line not in the return, more than was returned, missing fields.
            K.expectProblem(
                try await vKey.post("/v1/returns/\(returnId)/receive", ["lines": [R.received("sol_nope", 1, restock: true)]]),
                status: 422, code: "validation", fields: ["lines[0].suborder_line_id"])
            K.expectProblem(
                try await vKey.post("/v1/returns/\(returnId)/receive", ["lines": [R.received(lineId, 4, restock: true)]]),
                status: 422, code: "validation", fields: ["lines[0].quantity"])
            K.expectProblem(
                try await vKey.post("/v1/returns/\(returnId)/receive", ["lines": [["suborder_line_id": .string(lineId), "quantity": -1]]]),
                status: 422, code: "validation", fields: ["lines[0].quantity", "lines[0].restock"])
            K.expectProblem(try await vKey.post("/v1/returns/\(returnId)/receive"), status: 422, code: "validation")
            #expect(K.status(try await vKey.get("/v1/returns/\(returnId)").json) == "requested")

            let before = Date()
            let received = try await vKey.post("/v1/returns/\(returnId)/receive", ["lines": [R.received(lineId, 2, restock: true)]])
            #expect(received.status == 200, "\(received)")
            #expect(K.status(received.json) == "refunded")
            #expect(received["refund_amount"]?.intValue == 3750, "still what was asked back")
            #expect(received["refunded_amount"]?.intValue == 2500, "2 received × 1250")
            #expect(K.lines(received.json).first?["received_quantity"]?.intValue == 2)
            #expect(K.lines(received.json).first?["restocked_quantity"]?.intValue == 2)
            K.expectTime(received["received_at"], near: before, "received_at")
            try await shop.expectStock(v, x, location: "STORE", onHand: 2, reserved: 0, "restocked at the store")
            try await shop.expectStock(v, x, onHand: 7, reserved: 0, "the warehouse is untouched")
            let row = try await server.pool.query(
                "SELECT status, received_at IS NOT NULL AS has_received FROM returns WHERE id = $1", [returnId]
            ).first
            #expect(try row?.string("status") == "refunded")
            #expect(try row?.bool("has_received") == true)

            for action in ["approve", "receive", "reject"] {
                let body: JSONValue? =
                    action == "receive" ? ["lines": [R.received(lineId, 1, restock: true)]] : action == "reject" ? ["reason": "x"] : nil
                K.expectProblem(try await vKey.post("/v1/returns/\(returnId)/\(action)", body), status: 409, code: "invalid-transition")
            }
            try await shop.expectStock(v, x, location: "STORE", onHand: 2, reserved: 0, "a refused receipt restocks nothing")
        }
    }

    @Test("courier: approve first, then receive; restock goes to the shipping location, restock false leaves stock")
    func courierReceipt() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let v = try await shop.seller(
                code: "MAD", latitude: K.madrid.latitude, longitude: K.madrid.longitude,
                items: [StockedItem(sku: x, onHand: 5, price: 800), StockedItem(sku: y, onHand: 5, price: 100)])
            try await shop.stockLocation(v, code: "OTHER", latitude: 10, longitude: 10, items: [StockedItem(sku: x, onHand: 0, price: 800)])
            let vKey = try await shop.vendorKey(v)
            let order = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 2), K.line(y, 2)])
            #expect(K.suborders(order).first?["location"]?.stringValue == "MAD")
            let (xLine, yLine) = (R.lineId(order, sku: x), R.lineId(order, sku: y))
            try await shop.expectStock(v, x, location: "MAD", onHand: 3, reserved: 0)
            try await shop.expectStock(v, y, location: "MAD", onHand: 3, reserved: 0)

            let ret = try await R.create(
                shop.admin, R.returnBody(order: K.id(order), lines: [R.returnLine(xLine, 2), R.returnLine(yLine, 2)]))
            #expect(ret["channel"]?.stringValue == shop.channel, "an operator's return takes the order's channel")
            let returnId = K.id(ret)
            // A courier return is received only once approved.
            K.expectProblem(
                try await vKey.post("/v1/returns/\(returnId)/receive", ["lines": [R.received(xLine, 2, restock: true)]]),
                status: 409, code: "invalid-transition")
            let approved = try await vKey.post("/v1/returns/\(returnId)/approve")
            #expect(approved.status == 200, "\(approved)")
            #expect(K.status(approved.json) == "approved")
            K.expectProblem(try await vKey.post("/v1/returns/\(returnId)/approve"), status: 409, code: "invalid-transition")

            let received = try await vKey.post(
                "/v1/returns/\(returnId)/receive",
                ["lines": [R.received(yLine, 2, restock: false), R.received(xLine, 1, restock: true)]])
            #expect(received.status == 200, "\(received)")
            #expect(K.status(received.json) == "refunded")
            #expect(received["refunded_amount"]?.intValue == 1000, "1 × 800 + 2 × 100")
            #expect(K.lines(received.json).map { $0["received_quantity"]?.intValue } == [1, 2])
            #expect(K.lines(received.json).map { $0["restocked_quantity"]?.intValue } == [1, 0])
            try await shop.expectStock(v, x, location: "MAD", onHand: 4, reserved: 0, "restocked where it shipped from")
            try await shop.expectStock(v, y, location: "MAD", onHand: 3, reserved: 0, "restock false leaves stock")
            try await shop.expectStock(v, x, location: "OTHER", onHand: 0, reserved: 0)
            K.expectProblem(
                try await vKey.post("/v1/returns/\(returnId)/reject", ["reason": "late"]), status: 409, code: "invalid-transition")

            // Reject needs a reason, works from approved, and then nothing else is allowed.
            let other = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 1)])
            let otherLine = R.lineId(other, sku: x)
            let third = try await R.create(shop.storefront, R.returnBody(order: K.id(other), lines: [R.returnLine(otherLine, 1)]))
            #expect(try await vKey.post("/v1/returns/\(K.id(third))/approve").status == 200)
            K.expectProblem(
                try await vKey.post("/v1/returns/\(K.id(third))/reject", [:]), status: 422, code: "validation", fields: ["reason"])
            let rejected = try await vKey.post("/v1/returns/\(K.id(third))/reject", ["reason": "worn"])
            #expect(rejected.status == 200, "\(rejected)")
            #expect(K.status(rejected.json) == "rejected")
            #expect(rejected["reason"]?.stringValue == "worn")
            #expect(rejected["received_at"] == .null)
            for action in ["approve", "reject"] {
                K.expectProblem(
                    try await vKey.post("/v1/returns/\(K.id(third))/\(action)", action == "reject" ? ["reason": "again"] : nil),
                    status: 409, code: "invalid-transition")
            }
            K.expectProblem(
                try await vKey.post("/v1/returns/\(K.id(third))/receive", ["lines": [R.received(otherLine, 1, restock: true)]]),
                status: 409, code: "invalid-transition")
            try await shop.expectStock(v, x, location: "MAD", onHand: 3, reserved: 0, "a rejected return restocks nothing")
        }
    }

    @Test("Idempotency-Key on return requests and actions: the replay creates and changes nothing")
    func idempotency() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 100)])
            let order = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 2)])
            let lineId = R.lineId(order, sku: x)
            let key = Fixtures.unique("key")
            let body = R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)])
            let first = try await shop.storefront.post("/v1/returns", body, headers: [("Idempotency-Key", key)])
            #expect(first.status == 201, "\(first)")
            let replay = try await shop.storefront.post("/v1/returns", body, headers: [("Idempotency-Key", key)])
            #expect(replay.status == 201)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(replay.json == first.json)
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 2)]), headers: [("Idempotency-Key", key)]),
                status: 422, code: "idempotency-key-reused")
            #expect(try await R.count(server, "SELECT count(*) AS c FROM returns WHERE order_id = $1", [K.id(order)]) == 1)
            #expect(try await R.events(server, vendor: v, type: "return.created").count == 1)

            let approveKey = Fixtures.unique("key")
            let approved = try await shop.admin.post("/v1/returns/\(K.id(first.json))/approve", headers: [("Idempotency-Key", approveKey)])
            #expect(approved.status == 200)
            let again = try await shop.admin.post("/v1/returns/\(K.id(first.json))/approve", headers: [("Idempotency-Key", approveKey)])
            #expect(again.status == 200, "a replay answers the original 200, not a 409")
            #expect(again.json == approved.json)
            #expect(try await R.count(server, "SELECT count(*) AS c FROM return_events WHERE return_id = $1", [K.id(first.json)]) == 1)

            // An operator may name another existing channel for the return; an unknown one is a 422.
            let other = try await shop.fixtures.channel(type: "pos")
            let named = try await R.create(
                shop.admin, R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)], channel: other))
            #expect(named["channel"]?.stringValue == other)
            K.expectProblem(
                try await shop.admin.post(
                    "/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)], channel: "no-such-channel")),
                status: 422, code: "validation", fields: ["channel"])
        }
    }
}
