import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit
private typealias B = B2BKit

@Suite("B2B: organizations, negotiated prices, approvals")
struct B2BTests {
    @Test("organizations, members and prices: validation, 201 then 200, one organization per customer (409), reads")
    func organizations() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let fin = try await shop.fixtures.key(role: "finance")
            var samples: [OpenAPIContractTests.Sample] = []
            func record(_ method: String, _ path: String, _ response: APIResponse) -> APIResponse {
                samples.append(.init(method: method, path: path, response: response))
                return response
            }
            K.expectProblem(
                record(
                    "post", "/v1/organizations", try await shop.admin.post("/v1/organizations", ["name": "", "currency": "eur", "x": 1])),
                status: 422, code: "validation", fields: ["name", "currency", "x"])
            #expect(try await shop.storefront.post("/v1/organizations", ["name": "A", "currency": "EUR"]).status == 403)
            let created = record(
                "post", "/v1/organizations", try await shop.admin.post("/v1/organizations", ["name": "Acme", "currency": "EUR"]))
            #expect(created.status == 201, "\(created)")
            let org = try #require(created["id"]?.stringValue)
            #expect(created["name"]?.stringValue == "Acme" && created["currency"]?.stringValue == "EUR")
            let other = try await B.organization(shop)
            let read = record("get", "/v1/organizations/{id}", try await fin.get("/v1/organizations/\(org)"))
            #expect(read.status == 200 && read["id"]?.stringValue == org)
            K.expectProblem(try await shop.admin.get("/v1/organizations/org_nope"), status: 404, code: "not-found")

            let customer = shop.newCustomer()
            let path = "/v1/organizations/{id}/members/{customer_id}"
            K.expectProblem(
                record(
                    "put", path,
                    try await shop.admin.put("/v1/organizations/\(org)/members/\(customer)", ["role": "boss", "order_limit": -1])),
                status: 422, code: "validation", fields: ["role", "order_limit"])
            K.expectProblem(
                try await shop.admin.put("/v1/organizations/org_nope/members/\(customer)", ["role": "buyer"]), status: 404,
                code: "not-found")
            #expect(try await fin.put("/v1/organizations/\(org)/members/\(customer)", ["role": "buyer"]).status == 403)
            let joined = record(
                "put", path,
                try await shop.admin.put("/v1/organizations/\(org)/members/\(customer)", ["role": "buyer", "order_limit": 5000]))
            #expect(joined.status == 201, "\(joined)")
            #expect(joined["organization_id"]?.stringValue == org && joined["customer_id"]?.stringValue == customer)
            #expect(joined["role"]?.stringValue == "buyer" && joined["order_limit"]?.intValue == 5000)
            let replaced = record(
                "put", path, try await shop.admin.put("/v1/organizations/\(org)/members/\(customer)", ["role": "approver"]))
            #expect(
                replaced.status == 200 && replaced["role"]?.stringValue == "approver" && replaced["order_limit"] == .null, "\(replaced)")
            let conflict = record(
                "put", path, try await shop.admin.put("/v1/organizations/\(other)/members/\(customer)", ["role": "buyer"]))
            K.expectProblem(conflict, status: 409, code: "conflict")
            let members = record(
                "get", "/v1/organizations/{id}/members", try await shop.admin.get("/v1/organizations/\(org)/members?limit=10"))
            #expect(members.data.map { $0["customer_id"]?.stringValue ?? "" } == [customer])
            #expect(members.data.first?["role"]?.stringValue == "approver")
            #expect(try await shop.admin.get("/v1/organizations/\(other)/members").data.isEmpty, "the 409 wrote nothing")

            let x = try await shop.sku()
            let vendor = try await shop.vendor()
            let pricePath = "/v1/organizations/{id}/prices/{sku}"
            K.expectProblem(
                record(
                    "put", pricePath,
                    try await fin.put(
                        "/v1/organizations/\(org)/prices/nope-\(UUID().uuidString.prefix(6))", ["vendor_id": "ven_nope", "unit_price": 5])),
                status: 422, code: "validation", fields: ["sku", "vendor_id"])
            K.expectProblem(
                try await fin.put("/v1/organizations/\(org)/prices/\(x)", ["vendor_id": .string(vendor), "unit_price": -1]),
                status: 422, code: "validation", fields: ["unit_price"])
            K.expectProblem(
                try await fin.put("/v1/organizations/org_nope/prices/\(x)", ["vendor_id": .string(vendor), "unit_price": 1]), status: 404,
                code: "not-found")
            let priced = record(
                "put", pricePath,
                try await fin.put("/v1/organizations/\(org)/prices/\(x)", ["vendor_id": .string(vendor), "unit_price": 800]))
            #expect(priced.status == 201, "\(priced)")
            #expect(priced["unit_price"]?.intValue == 800 && priced["currency"]?.stringValue == "EUR" && priced["sku"]?.stringValue == x)
            let repriced = record(
                "put", pricePath,
                try await shop.admin.put("/v1/organizations/\(org)/prices/\(x)", ["vendor_id": .string(vendor), "unit_price": 750]))
            #expect(repriced.status == 200 && repriced["unit_price"]?.intValue == 750, "\(repriced)")
            let prices = record("get", "/v1/organizations/{id}/prices", try await fin.get("/v1/organizations/\(org)/prices"))
            #expect(prices.data.count == 1 && prices.data.first?["unit_price"]?.intValue == 750, "\(prices)")
            try await CartKit.expectDocumented(server, samples)
        }
    }

    @Test("a negotiated price makes the otherwise pricier vendor the cheapest: routing picks it, the order carries it")
    func negotiatedPrices() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let cheap = try await shop.seller(name: "Cheap", items: [StockedItem(sku: x, onHand: 10, price: 900)])
            let pricey = try await shop.seller(name: "Pricey", items: [StockedItem(sku: x, onHand: 10, price: 1000)])
            let org = try await B.organization(shop)
            try await B.price(shop, org, sku: x, vendor: pricey, 800)
            let member = shop.newCustomer()
            try await B.member(shop, org, member)

            let outsider = try await shop.placeOK(lines: [K.line(x, 2)])
            #expect(K.suborders(outsider).first?["vendor_id"]?.stringValue == cheap)
            #expect(outsider["total"]?.intValue == 1800)
            #expect(outsider["organization_id"] == .null)

            let order = try await shop.placeOK(customer: member, lines: [K.line(x, 2)])
            #expect(K.status(order) == "open")
            #expect(order["organization_id"]?.stringValue == org)
            let sub = try #require(K.suborders(order).first)
            #expect(sub["vendor_id"]?.stringValue == pricey)
            #expect(K.lines(sub).first?["unit_price"]?.intValue == 800)
            #expect(order["total"]?.intValue == 1600)
            try await shop.expectStock(pricey, x, onHand: 10, reserved: 2)

            // max_unit_price is judged on the negotiated price too.
            let bounded = try await shop.placeOK(customer: member, lines: [K.line(x, 1, maxUnitPrice: 850)])
            #expect(K.suborders(bounded).first?["vendor_id"]?.stringValue == pricey)
        }
    }

    @Test("over the limit: pending_approval, no suborders, nothing reserved; listed and filterable; approve routes and reserves")
    func pendingThenApproved() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 1000)])
            let org = try await B.organization(shop)
            let buyer = shop.newCustomer()
            let approver = shop.newCustomer()
            let otherBuyer = shop.newCustomer()
            try await B.member(shop, org, buyer, orderLimit: 1500)
            try await B.member(shop, org, approver, role: "approver")
            try await B.member(shop, org, otherBuyer)
            let outsiderOrg = try await B.organization(shop)
            let foreignApprover = shop.newCustomer()
            try await B.member(shop, outsiderOrg, foreignApprover, role: "approver")

            let under = try await shop.placeOK(customer: buyer, lines: [K.line(x, 1)])
            #expect(K.status(under) == "open", "1000 ≤ 1500 needs no approval")
            let placed = try await shop.place(customer: buyer, lines: [K.line(x, 2)])
            #expect(placed.status == 201, "\(placed)")
            let order = placed.json
            let orderId = K.id(order)
            #expect(K.status(order) == "pending_approval")
            #expect(K.suborders(order).isEmpty)
            #expect(order["organization_id"]?.stringValue == org)
            try await shop.expectStock(vendor, x, onHand: 10, reserved: 1, "only the order under the limit reserved")

            let pending = try await shop.storefront.get("/v1/orders?status=pending_approval&customer_id=\(buyer)")
            #expect(pending.data.map { K.id($0) } == [orderId], "\(pending)")
            let history = try await shop.storefront.get("/v1/customers/\(buyer)/orders")
            #expect(history.data.map { K.status($0) } == ["open", "pending_approval"])

            let byBuyer = try await B.approve(shop.storefront, orderId, approver: otherBuyer)
            K.expectProblem(byBuyer, status: 422, code: "validation", fields: ["approver_id"])
            K.expectProblem(
                try await B.approve(shop.storefront, orderId, approver: foreignApprover), status: 422, code: "validation",
                fields: ["approver_id"])
            K.expectProblem(
                try await B.approve(shop.storefront, orderId, approver: "nobody"), status: 422, code: "validation", fields: ["approver_id"])
            K.expectProblem(
                try await shop.storefront.post("/v1/orders/\(orderId)/approve", [:]), status: 422, code: "validation",
                fields: ["approver_id"])
            K.expectProblem(try await B.approve(shop.storefront, "ord_nope", approver: approver), status: 404, code: "not-found")
            K.expectProblem(try await B.approve(shop.storefront, K.id(under), approver: approver), status: 409, code: "invalid-transition")

            let approved = try await B.approve(shop.storefront, orderId, approver: approver)
            #expect(approved.status == 200, "\(approved)")
            #expect(K.status(approved.json) == "open")
            let subs = K.suborders(approved.json)
            #expect(subs.count == 1 && subs.first?["vendor_id"]?.stringValue == vendor && K.status(subs.first) == "pending_acceptance")
            #expect(approved["total"]?.intValue == 2000)
            try await shop.expectStock(vendor, x, onHand: 10, reserved: 3)
            K.expectProblem(try await B.approve(shop.storefront, orderId, approver: approver), status: 409, code: "invalid-transition")
            #expect(try await B.orderStatusEntries(shop, buyer, orderId: orderId) == ["open"])
            let feed = try await shop.admin.get("/v1/vendors/\(vendor)/suborders")
            #expect(feed.status == 200)
            try await CartKit.expectDocumented(
                server,
                [
                    .init(method: "post", path: "/v1/orders", response: placed),
                    .init(method: "get", path: "/v1/orders", response: pending),
                    .init(method: "post", path: "/v1/orders/{id}/approve", response: approved),
                    .init(method: "post", path: "/v1/orders/{id}/approve", response: byBuyer),
                ])
        }
    }

    @Test("approve on insufficient stock: 409, still pending, nothing reserved; a member's unroutable order is 409, never pending")
    func approveShortOfStock() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 3, price: 1000)])
            let org = try await B.organization(shop)
            let buyer = shop.newCustomer()
            let approver = shop.newCustomer()
            try await B.member(shop, org, buyer, orderLimit: 100)
            try await B.member(shop, org, approver, role: "approver")

            K.expectProblem(
                try await shop.place(customer: buyer, lines: [K.line(x, 4)]), status: 409, code: "insufficient-stock", fields: ["lines[0]"])
            #expect(try await shop.storefront.get("/v1/customers/\(buyer)/orders").data.isEmpty)

            let order = try await shop.placeOK(customer: buyer, lines: [K.line(x, 3)])
            #expect(K.status(order) == "pending_approval")
            // Someone else takes the stock meanwhile.
            _ = try await shop.placeOK(lines: [K.line(x, 2)])
            let short = try await B.approve(shop.storefront, K.id(order), approver: approver)
            K.expectProblem(short, status: 409, code: "insufficient-stock", fields: ["lines[0]"])
            let still = try await shop.order(K.id(order))
            #expect(K.status(still) == "pending_approval" && K.suborders(still).isEmpty)
            try await shop.expectStock(vendor, x, onHand: 3, reserved: 2)
            #expect(try await B.orderStatusEntries(shop, buyer, orderId: K.id(order)).isEmpty)
            try await CartKit.expectDocumented(server, [.init(method: "post", path: "/v1/orders/{id}/approve", response: short)])
        }
    }

    @Test("decline: declined, nothing reserved, timeline entry, filterable; no approve or cancel afterwards")
    func decline() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let org = try await B.organization(shop)
            let buyer = shop.newCustomer()
            let approver = shop.newCustomer()
            try await B.member(shop, org, buyer, orderLimit: 0)
            try await B.member(shop, org, approver, role: "approver")
            let order = try await shop.placeOK(customer: buyer, lines: [K.line(x, 1)])
            let id = K.id(order)
            K.expectProblem(
                try await shop.storefront.post("/v1/orders/\(id)/decline", ["approver_id": .string(approver)]), status: 422,
                code: "validation",
                fields: ["reason"])
            K.expectProblem(
                try await shop.storefront.post("/v1/orders/\(id)/decline", ["approver_id": .string(buyer), "reason": "no"]), status: 422,
                code: "validation", fields: ["approver_id"])
            let declined = try await shop.storefront.post(
                "/v1/orders/\(id)/decline", ["approver_id": .string(approver), "reason": "over budget"])
            #expect(declined.status == 200, "\(declined)")
            #expect(K.status(declined.json) == "declined" && K.suborders(declined.json).isEmpty)
            try await shop.expectStock(vendor, x, onHand: 5, reserved: 0)
            K.expectProblem(try await B.approve(shop.storefront, id, approver: approver), status: 409, code: "invalid-transition")
            K.expectProblem(
                try await shop.storefront.post("/v1/orders/\(id)/decline", ["approver_id": .string(approver), "reason": "again"]),
                status: 409,
                code: "invalid-transition")
            K.expectProblem(try await shop.storefront.post("/v1/orders/\(id)/cancel"), status: 409, code: "invalid-transition")
            let filtered = try await shop.admin.get("/v1/orders?status=declined&customer_id=\(buyer)")
            #expect(filtered.data.map { K.id($0) } == [id])
            #expect(try await B.orderStatusEntries(shop, buyer, orderId: id) == ["declined"])
            try await CartKit.expectDocumented(server, [.init(method: "post", path: "/v1/orders/{id}/decline", response: declined)])
        }
    }

    @Test("cancel of a pending order: cancelled whole, timeline entry; a later approve is 409")
    func cancelPending() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 1000)])
            let org = try await B.organization(shop)
            let buyer = shop.newCustomer()
            let approver = shop.newCustomer()
            try await B.member(shop, org, buyer, orderLimit: 10)
            try await B.member(shop, org, approver, role: "approver")
            let order = try await shop.placeOK(customer: buyer, lines: [K.line(x, 2)])
            let cancelled = try await shop.storefront.post("/v1/orders/\(K.id(order))/cancel", ["reason": "changed my mind"])
            #expect(cancelled.status == 200, "\(cancelled)")
            #expect(K.status(cancelled.json) == "cancelled")
            #expect(K.lines(cancelled.json).first?["cancelled_quantity"]?.intValue == 2)
            try await shop.expectStock(vendor, x, onHand: 5, reserved: 0)
            K.expectProblem(try await shop.storefront.post("/v1/orders/\(K.id(order))/cancel"), status: 409, code: "invalid-transition")
            K.expectProblem(try await B.approve(shop.storefront, K.id(order), approver: approver), status: 409, code: "invalid-transition")
            #expect(try await B.orderStatusEntries(shop, buyer, orderId: K.id(order)) == ["cancelled"])

            // Approved, then cancelled: two entries, in order.
            let second = try await shop.placeOK(customer: buyer, lines: [K.line(x, 1)])
            #expect(try await B.approve(shop.storefront, K.id(second), approver: approver).status == 200)
            let cancelledLater = try await shop.storefront.post("/v1/orders/\(K.id(second))/cancel")
            #expect(cancelledLater.status == 200 && K.status(cancelledLater.json) == "cancelled", "\(cancelledLater)")
            try await shop.expectStock(vendor, x, onHand: 5, reserved: 0)
            #expect(try await B.orderStatusEntries(shop, buyer, orderId: K.id(second)) == ["open", "cancelled"])
            let entry = try #require(try await shop.timeline(buyer).first { $0["kind"]?.stringValue == "order_status" })
            #expect(entry["channel"]?.stringValue == shop.channel && entry["data"]?["order_id"]?.stringValue == K.id(order))
            try await CartKit.expectDocumented(
                server,
                [
                    .init(method: "post", path: "/v1/orders/{id}/cancel", response: cancelled),
                    .init(
                        method: "get", path: "/v1/customers/{customer_id}/timeline",
                        response: try await shop.storefront.get("/v1/customers/\(buyer)/timeline")),
                ])
        }
    }

    @Test("two approvers racing: exactly one 200, the other 409; reserved once (many rounds)")
    func racingApprovers() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let (_, appKey) = try await CartKit.channel(shop, type: "app")
            let x = try await shop.sku()
            let rounds = 8
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 100, price: 1000)])
            let org = try await B.organization(shop)
            let buyer = shop.newCustomer()
            let first = shop.newCustomer()
            let second = shop.newCustomer()
            try await B.member(shop, org, buyer, orderLimit: 1)
            try await B.member(shop, org, first, role: "approver")
            try await B.member(shop, org, second, role: "approver")
            for round in 0..<rounds {
                let order = try await shop.placeOK(customer: buyer, lines: [K.line(x, 1)])
                async let a = B.approve(shop.storefront, K.id(order), approver: first)
                async let b = B.approve(appKey, K.id(order), approver: second)
                let results = try await [a, b]
                #expect(results.map(\.status).sorted() == [200, 409], "round \(round): \(results)")
                let after = try await shop.order(K.id(order))
                #expect(K.suborders(after).count == 1, "round \(round): routed once")
            }
            try await shop.expectStock(vendor, x, onHand: 100, reserved: Int64(rounds))
        }
    }

    @Test("a member's cart checkout: negotiated prices and the approval limit apply; the order shows cart and organization")
    func memberCheckout() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            _ = try await shop.seller(name: "Cheap", items: [StockedItem(sku: x, onHand: 10, price: 900)])
            let pricey = try await shop.seller(name: "Pricey", items: [StockedItem(sku: x, onHand: 10, price: 1000)])
            let org = try await B.organization(shop)
            try await B.price(shop, org, sku: x, vendor: pricey, 500)
            let buyer = shop.newCustomer()
            let approver = shop.newCustomer()
            try await B.member(shop, org, buyer, orderLimit: 1000)
            try await B.member(shop, org, approver, role: "approver")
            let cart = K.id(try await CartKit.create(shop.storefront, customer: buyer))
            try await CartKit.setLineOK(shop.storefront, cart, x, quantity: 3)
            let placed = try await CartKit.checkout(shop.storefront, cart)
            #expect(placed.status == 201, "\(placed)")
            #expect(K.status(placed.json) == "pending_approval", "3 × 500 > 1000")
            #expect(placed["cart_id"]?.stringValue == cart && placed["organization_id"]?.stringValue == org)
            #expect(K.status(try await shop.storefront.get("/v1/carts/\(cart)").json) == "checked_out")
            let approved = try await B.approve(shop.storefront, K.id(placed.json), approver: approver)
            #expect(approved.status == 200, "\(approved)")
            let sub = try #require(K.suborders(approved.json).first)
            #expect(sub["vendor_id"]?.stringValue == pricey && K.lines(sub).first?["unit_price"]?.intValue == 500)
            #expect(approved["cart_id"]?.stringValue == cart)
        }
    }
}
