import CommerceCore
import Foundation
import NIOHTTP1
import Testing

@testable import MarketplaceAPI

private typealias K = OrderKit
private typealias R = ReturnKit

@Suite("Cases: links and vendor visibility, messages, resolving")
struct CaseTests {
    static func caseBody(
        customer: String, subject: String = "Where is my parcel?", message: String = "It has not arrived.",
        order: String? = nil, suborder: String? = nil, ret: String? = nil, channel: String? = nil
    ) -> JSONValue {
        var object = JSONObject([("customer_id", .string(customer)), ("subject", .string(subject)), ("message", .string(message))])
        if let order { object["order_id"] = .string(order) }
        if let suborder { object["suborder_id"] = .string(suborder) }
        if let ret { object["return_id"] = .string(ret) }
        if let channel { object["channel"] = .string(channel) }
        return .object(object)
    }

    static func open(_ client: APIClient, _ body: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> JSONValue
    {
        let response = try await client.post("/v1/cases", body)
        try #require(response.status == 201, "\(response)", sourceLocation: sourceLocation)
        return response.json
    }

    @Test("each link type: a vendor sees exactly the cases whose links concern it; links stay as opened; events per vendor")
    func linksAndVisibility() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let appChannel = try await shop.fixtures.channel(type: "call_center")
            let app = try await shop.fixtures.key(role: "channel", channel: appChannel)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let v = try await shop.seller(name: "V", items: [StockedItem(sku: x, onHand: 10, price: 100)])
            let w = try await shop.seller(name: "W", items: [StockedItem(sku: y, onHand: 10, price: 100)])
            let u = try await shop.seller(name: "U", items: [])
            let (vKey, wKey, uKey) = (try await shop.vendorKey(v), try await shop.vendorKey(w), try await shop.vendorKey(u))
            let customer = shop.newCustomer()
            let order = try await R.shippedOrder(shop, customer: customer, lines: [K.line(x, 1), K.line(y, 1)])
            let vSub = K.id(R.suborder(order, vendor: v))
            let ret = try await R.create(
                shop.storefront, R.returnBody(order: K.id(order), lines: [R.returnLine(R.lineId(order, sku: y), 1)]))

            let byOrder = try await Self.open(shop.storefront, Self.caseBody(customer: customer, order: K.id(order)))
            let bySuborder = try await Self.open(app, Self.caseBody(customer: customer, suborder: vSub))
            let byReturn = try await Self.open(shop.admin, Self.caseBody(customer: customer, ret: K.id(ret)))
            let unlinked = try await Self.open(shop.storefront, Self.caseBody(customer: customer, subject: "A question"))
            let ids = [byOrder, bySuborder, byReturn, unlinked].map { K.id($0) }
            #expect(ids.allSatisfy { $0.hasPrefix("cas_") })

            #expect(K.status(byOrder) == "open")
            #expect(byOrder["channel"]?.stringValue == shop.channel)
            #expect(byOrder["customer_id"]?.stringValue == customer)
            #expect(byOrder["subject"]?.stringValue == "Where is my parcel?")
            #expect(byOrder["order_id"]?.stringValue == K.id(order))
            #expect(byOrder["suborder_id"] == .null && byOrder["return_id"] == .null)
            // A case keeps exactly its links: nothing is filled in from the suborder or return.
            #expect(bySuborder["suborder_id"]?.stringValue == vSub)
            #expect(bySuborder["order_id"] == .null && bySuborder["return_id"] == .null)
            #expect(bySuborder["channel"]?.stringValue == appChannel)
            #expect(byReturn["return_id"]?.stringValue == K.id(ret))
            #expect(byReturn["order_id"] == .null && byReturn["suborder_id"] == .null)
            #expect(byReturn["channel"]?.stringValue == shop.channel, "an operator's case takes the linked return's channel")
            #expect(unlinked["order_id"] == .null && unlinked["suborder_id"] == .null && unlinked["return_id"] == .null)

            // Who sees what: v through the order and its suborder, w through the order and its return.
            let visible: [String: Set<String>] = [v: [ids[0], ids[1]], w: [ids[0], ids[2]], u: []]
            for (vendor, key) in [(v, vKey), (w, wKey), (u, uKey)] {
                for id in ids {
                    let read = try await key.get("/v1/cases/\(id)")
                    if visible[vendor]!.contains(id) {
                        #expect(read.status == 200, "\(read)")
                        #expect(K.id(read.json) == id)
                    } else {
                        K.expectProblem(read, status: 404, code: "not-found")
                        K.expectProblem(try await key.post("/v1/cases/\(id)/messages", ["body": "hello"]), status: 404, code: "not-found")
                    }
                }
                let list = try await key.get("/v1/vendors/\(vendor)/cases")
                #expect(list.status == 200, "\(list)")
                #expect(list.data.map { K.id($0) } == ids.filter { visible[vendor]!.contains($0) }, "\(vendor)")
                #expect(list["next_cursor"] == .null)
            }
            K.expectProblem(try await uKey.get("/v1/vendors/\(v)/cases"), status: 404, code: "not-found")
            #expect(try await shop.storefront.get("/v1/vendors/\(v)/cases").status == 403)
            let paged = try await shop.admin.get("/v1/vendors/\(v)/cases?limit=1")
            #expect(paged.data.map { K.id($0) } == [ids[0]])
            let next = try #require(paged["next_cursor"]?.stringValue)
            #expect(try await shop.admin.get("/v1/vendors/\(v)/cases?limit=1&after=\(next)").data.map { K.id($0) } == [ids[1]])
            #expect(try await shop.admin.get("/v1/vendors/\(v)/cases?status=resolved").data.isEmpty)

            // Channels (any channel) and the operator see every case.
            for client in [shop.storefront, app, shop.admin] {
                for id in ids { #expect(try await client.get("/v1/cases/\(id)").status == 200) }
            }
            K.expectProblem(try await shop.admin.get("/v1/cases/cas_\(Fixtures.unique("ghost"))"), status: 404, code: "not-found")

            // case.created went to every vendor concerned, with the case as data.
            let vEvents = try await R.events(server, vendor: v, type: "case.created")
            let wEvents = try await R.events(server, vendor: w, type: "case.created")
            #expect(vEvents.map { $0["data"]?["id"]?.stringValue ?? "" } == [ids[0], ids[1]])
            #expect(wEvents.map { $0["data"]?["id"]?.stringValue ?? "" } == [ids[0], ids[2]])
            #expect(try await R.events(server, vendor: u, type: "case.created").isEmpty)
            #expect(vEvents.first?["data"]?["messages"]?.arrayValue?.count == 1)
        }
    }

    @Test("bad links and fields are a 422 naming each; another customer's resources are refused; nothing is written")
    func validation() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            _ = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 100)])
            let customer = shop.newCustomer()
            let mine = try await R.shippedOrder(shop, customer: customer, lines: [K.line(x, 1)])
            let theirs = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 1)])
            let theirReturn = try await R.create(
                shop.storefront, R.returnBody(order: K.id(theirs), lines: [R.returnLine(R.lineId(theirs, sku: x), 1)]))

            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/cases", Self.caseBody(customer: customer, order: "ord_nope", suborder: "sub_nope", ret: "ret_nope")),
                status: 422, code: "validation", fields: ["order_id", "suborder_id", "return_id"])
            K.expectProblem(
                try await shop.storefront.post("/v1/cases", Self.caseBody(customer: customer, order: K.id(theirs))),
                status: 422, code: "validation", fields: ["order_id"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/cases", Self.caseBody(customer: customer, suborder: K.id(K.suborders(theirs).first))),
                status: 422, code: "validation", fields: ["suborder_id"])
            K.expectProblem(
                try await shop.storefront.post("/v1/cases", Self.caseBody(customer: customer, ret: K.id(theirReturn))),
                status: 422, code: "validation", fields: ["return_id"])
            K.expectProblem(
                try await shop.storefront.post(
                    "/v1/cases", Self.caseBody(customer: customer, order: K.id(mine), suborder: K.id(K.suborders(theirs).first))),
                status: 422, code: "validation", fields: ["suborder_id"])
            let shape = try await shop.storefront.post("/v1/cases", ["customer_id": 5, "subject": "", "order_id": true])
            K.expectProblem(shape, status: 422, code: "validation", fields: ["customer_id", "subject", "message", "order_id"])
            K.expectProblem(
                try await shop.storefront.post("/v1/cases", Self.caseBody(customer: customer, channel: "elsewhere")),
                status: 422, code: "validation", fields: ["channel"])
            // An operator names the channel, or links something that has one.
            K.expectProblem(
                try await shop.admin.post("/v1/cases", Self.caseBody(customer: customer)), status: 422, code: "validation",
                fields: ["channel"])
            K.expectProblem(
                try await shop.admin.post("/v1/cases", Self.caseBody(customer: customer, channel: "no-such-channel")),
                status: 422, code: "validation", fields: ["channel"])
            #expect(try await R.count(server, "SELECT count(*) AS c FROM cases WHERE customer_id = $1", [customer]) == 0)
            let named = try await Self.open(shop.admin, Self.caseBody(customer: customer, channel: shop.channel))
            #expect(named["channel"]?.stringValue == shop.channel)
            let vendorKey = try await shop.vendorKey(try await shop.vendor())
            #expect(try await vendorKey.post("/v1/cases", Self.caseBody(customer: customer)).status == 403)
            let finance = try await shop.fixtures.key(role: "finance")
            #expect(try await finance.get("/v1/cases/\(K.id(named))").status == 403)
        }
    }

    @Test("messages carry the writer's role; first response noted; resolve by channel or operator only; a resolved case is closed")
    func messagesAndResolve() async throws {
        try await TestServer.run(configure: { $0.caseFirstResponseSeconds = 3600 }) { server in
            let shop = try await Shop.open(server)
            let other = try await shop.fixtures.key(role: "channel", channel: try await shop.fixtures.channel(type: "pos"))
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 100)])
            let vKey = try await shop.vendorKey(v)
            let customer = shop.newCustomer()
            let order = try await R.shippedOrder(shop, customer: customer, lines: [K.line(x, 1)])
            let before = Date()
            let opened = try await Self.open(
                shop.storefront, Self.caseBody(customer: customer, message: "Box was crushed", suborder: K.id(K.suborders(order).first)))
            let caseId = K.id(opened)
            K.expectTime(opened["first_response_due"], near: before.addingTimeInterval(3600), "first_response_due")
            #expect(opened["first_response_at"] == .null)
            let first = try #require(opened["messages"]?.arrayValue?.first)
            #expect(opened["messages"]?.arrayValue?.count == 1)
            #expect(first["author_role"]?.stringValue == "channel")
            #expect(first["body"]?.stringValue == "Box was crushed")
            #expect(first["id"]?.stringValue?.isEmpty == false)
            K.expectTime(first["at"], near: before, "opening message at")

            let fromOther = try await other.post("/v1/cases/\(caseId)/messages", ["body": "Any news?"])
            #expect(fromOther.status == 201, "\(fromOther)")
            #expect(fromOther["author_role"]?.stringValue == "channel")
            #expect(fromOther["case_id"]?.stringValue == caseId)
            #expect(try await shop.admin.get("/v1/cases/\(caseId)").json["first_response_at"] == .null, "a channel does not answer")
            let fromVendor = try await vKey.post("/v1/cases/\(caseId)/messages", ["body": "Sending a new one."])
            #expect(fromVendor.status == 201, "\(fromVendor)")
            #expect(fromVendor["author_role"]?.stringValue == "vendor")
            #expect(fromVendor["body"]?.stringValue == "Sending a new one.")
            let fromOperator = try await shop.admin.post("/v1/cases/\(caseId)/messages", ["body": "Noted."])
            #expect(fromOperator["author_role"]?.stringValue == "operator")
            K.expectProblem(
                try await vKey.post("/v1/cases/\(caseId)/messages", ["body": ""]), status: 422, code: "validation", fields: ["body"])
            K.expectProblem(
                try await vKey.post("/v1/cases/\(caseId)/messages", ["text": "x"]), status: 422, code: "validation", fields: ["body"])

            let read = try await vKey.get("/v1/cases/\(caseId)")
            let messages = read["messages"]?.arrayValue ?? []
            #expect(messages.map { $0["author_role"]?.stringValue ?? "" } == ["channel", "channel", "vendor", "operator"])
            #expect(
                Array(messages.map { $0["id"]?.stringValue ?? "" }.dropFirst())
                    == [fromOther, fromVendor, fromOperator].map { K.id($0.json) })
            K.expectTime(read["first_response_at"], near: Date(), "first_response_at set by the vendor's answer")
            let events = try await R.events(server, vendor: v, type: "case.message_created")
            #expect(events.map { $0["data"]?["id"]?.stringValue ?? "" } == [fromOther, fromVendor, fromOperator].map { K.id($0.json) })
            #expect(events.first?["data"]?["case_id"]?.stringValue == caseId)

            // Resolve: vendors may not; a channel or operator may, once.
            K.expectProblem(try await vKey.post("/v1/cases/\(caseId)/resolve"), status: 403, code: "forbidden")
            let resolved = try await other.post("/v1/cases/\(caseId)/resolve")
            #expect(resolved.status == 200, "\(resolved)")
            #expect(K.status(resolved.json) == "resolved")
            K.expectTime(resolved["resolved_at"], near: Date(), "resolved_at")
            #expect(resolved["messages"]?.arrayValue?.count == 4)
            K.expectProblem(try await shop.admin.post("/v1/cases/\(caseId)/resolve"), status: 409, code: "invalid-transition")
            K.expectProblem(try await vKey.post("/v1/cases/\(caseId)/messages", ["body": "late"]), status: 409, code: "invalid-transition")
            K.expectProblem(
                try await shop.storefront.post("/v1/cases/\(caseId)/messages", ["body": "late"]), status: 409, code: "invalid-transition")
            K.expectProblem(try await shop.admin.post("/v1/cases/cas_nope/resolve"), status: 404, code: "not-found")
            #expect(try await R.count(server, "SELECT count(*) AS c FROM case_messages WHERE case_id = $1", [caseId]) == 4)
            #expect(try await vKey.get("/v1/vendors/\(v)/cases?status=resolved").data.map { K.id($0) } == [caseId])

            // Idempotent message posting.
            let second = try await Self.open(shop.storefront, Self.caseBody(customer: customer, order: K.id(order)))
            let key = Fixtures.unique("key")
            let a = try await vKey.post("/v1/cases/\(K.id(second))/messages", ["body": "once"], headers: [("Idempotency-Key", key)])
            let b = try await vKey.post("/v1/cases/\(K.id(second))/messages", ["body": "once"], headers: [("Idempotency-Key", key)])
            #expect(a.status == 201 && b.status == 201 && a.json == b.json)
            #expect(b.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(try await R.count(server, "SELECT count(*) AS c FROM case_messages WHERE case_id = $1", [K.id(second)]) == 2)
        }
    }
}
