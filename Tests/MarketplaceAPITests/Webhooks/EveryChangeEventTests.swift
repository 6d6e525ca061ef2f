import CommerceCore
import Foundation
import Postgres
import Testing
import Webhooks

@testable import MarketplaceAPI

private typealias K = OrderKit
private typealias R = ReturnKit

/// v1.2 "Every change is an event": each suborder, return and case change reaches the vendors
/// it concerns, and only them.
@Suite struct EveryChangeEventTests {
    /// The `data` of each outbox event of `type` written for `vendor`, oldest first.
    static func payloads(_ server: TestServer, vendor: String, type: String) async throws -> [JSONValue] {
        try await R.events(server, vendor: vendor, type: type).map { $0["data"] ?? .null }
    }

    @Test func suborderChangesReachTheirVendorOnly() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: y, onHand: 5, price: 100)])
            let c = try await shop.seller(name: "C", items: [StockedItem(sku: y, onHand: 5, price: 200)])
            let slow = try await shop.seller(
                name: "Slow", acceptanceWindowSeconds: 1, items: [StockedItem(sku: x, onHand: 5, price: 10)])
            _ = slow
            let order = try await shop.placeOK(lines: [K.line(x, 1, vendorId: a), K.line(y, 1)])
            let subA = try #require(R.suborder(order, vendor: a))
            let subB = try #require(R.suborder(order, vendor: b))
            _ = try await shop.actOK("accept", K.id(subA))
            _ = try await shop.actOK("ship", K.id(subA))
            _ = try await shop.actOK("deliver", K.id(subA))
            _ = try await shop.actOK("reject", K.id(subB), body: ["reason": "no staff"])

            func types(_ vendor: String) async throws -> [String] {
                var out: [String] = []
                for type in [
                    "suborder.created", "suborder.accepted", "suborder.shipped", "suborder.delivered", "suborder.rejected",
                    "suborder.expired",
                ] {
                    out += try await Self.payloads(server, vendor: vendor, type: type)
                        .filter { $0["order_id"]?.stringValue == K.id(order) }.map { _ in type }
                }
                return out
            }
            #expect(try await types(a) == ["suborder.created", "suborder.accepted", "suborder.shipped", "suborder.delivered"])
            #expect(try await types(b) == ["suborder.created", "suborder.rejected"])
            #expect(try await types(c) == ["suborder.created"])  // the reroute
            let shipped = try await Self.payloads(server, vendor: a, type: "suborder.shipped").filter { K.id($0) == K.id(subA) }
            #expect(shipped.count == 1 && K.status(shipped.first) == "shipped")
            let rejected = try await Self.payloads(server, vendor: b, type: "suborder.rejected").filter { K.id($0) == K.id(subB) }
            #expect(K.status(rejected.first) == "rejected" && rejected.first?["replaced_by"]?.stringValue != nil)

            // Expiry: the slow vendor hears that its suborder expired.
            let late = try await shop.placeOK(lines: [K.line(x, 1, vendorId: slow)])
            try await Task.sleep(for: .milliseconds(1500))
            _ = try await shop.sweep()
            let expired = try await Self.payloads(server, vendor: slow, type: "suborder.expired")
                .filter { $0["order_id"]?.stringValue == K.id(late) }
            #expect(expired.count == 1 && K.status(expired.first) == "expired")
        }
    }

    @Test func returnAndCaseChangesReachTheVendorsConcerned() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let y = try await shop.sku()
            let a = try await shop.seller(name: "A", items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let b = try await shop.seller(name: "B", items: [StockedItem(sku: y, onHand: 5, price: 100)])
            let order = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 1), K.line(y, 1)])
            let ret = try await R.create(
                shop.storefront,
                R.returnBody(
                    order: K.id(order), lines: [R.returnLine(R.lineId(order, sku: x), 1), R.returnLine(R.lineId(order, sku: y), 1)]))
            #expect(try await server.admin.post("/v1/returns/\(K.id(ret))/approve").status == 200)
            let forA = try await Self.payloads(server, vendor: a, type: "return.updated").filter { K.id($0) == K.id(ret) }
            let forB = try await Self.payloads(server, vendor: b, type: "return.updated").filter { K.id($0) == K.id(ret) }
            #expect(forA.count == 1 && forB.count == 1)
            #expect(K.status(forA.first) == "approved")
            // Each vendor's payload holds its own lines only.
            #expect(K.lines(forA.first ?? .null).allSatisfy { $0["vendor_id"]?.stringValue == a })
            #expect(K.lines(forB.first ?? .null).allSatisfy { $0["vendor_id"]?.stringValue == b })

            let subA = try #require(R.suborder(order, vendor: a))
            let opened = try await shop.storefront.post(
                "/v1/cases",
                [
                    "customer_id": .string(order["customer_id"]?.stringValue ?? ""), "subject": "s", "message": "m",
                    "suborder_id": .string(K.id(subA)),
                ])
            #expect(opened.status == 201)
            #expect(try await shop.storefront.post("/v1/cases/\(K.id(opened.json))/resolve").status == 200)
            let resolvedA = try await Self.payloads(server, vendor: a, type: "case.resolved").filter { K.id($0) == K.id(opened.json) }
            let resolvedB = try await Self.payloads(server, vendor: b, type: "case.resolved").filter { K.id($0) == K.id(opened.json) }
            #expect(resolvedA.count == 1 && K.status(resolvedA.first) == "resolved")
            #expect(resolvedB.isEmpty)
        }
    }

    @Test(arguments: [
        "suborder.accepted", "suborder.rejected", "suborder.expired", "suborder.shipped", "suborder.delivered", "return.updated",
        "case.resolved",
    ])
    func endpointsCanSubscribeToTheNewTypes(type: String) async throws {
        try await TestServer.run { server in
            let vendor = try await Fixtures(server: server).vendor()
            let response = try await server.admin.post(
                "/v1/vendors/\(vendor)/webhook-endpoints", ["url": "http://127.0.0.1:9/hook", "events": [.string(type)]])
            #expect(response.status == 201, "\(response)")
            #expect(response["events"]?.arrayValue == [.string(type)])
        }
    }
}

/// The OpenAPI document's `webhooks` describe every event type, and real payloads match them.
@Suite struct WebhookPayloadContractTests {
    @Test func everyEventTypeIsDocumentedAndRealPayloadsMatch() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let vendor = try await shop.seller(items: [StockedItem(sku: x, onHand: 5, price: 100)])
            let order = try await R.shippedOrder(shop, customer: shop.newCustomer(), lines: [K.line(x, 1)])
            _ = try await shop.actOK("deliver", K.id(K.suborders(order).first))
            let ret = try await R.create(
                shop.storefront, R.returnBody(order: K.id(order), lines: [R.returnLine(R.lineId(order, sku: x), 1)]))
            #expect(try await server.admin.post("/v1/returns/\(K.id(ret))/approve").status == 200)
            let opened = try await shop.storefront.post(
                "/v1/cases",
                [
                    "customer_id": .string(order["customer_id"]?.stringValue ?? ""), "subject": "s", "message": "m",
                    "order_id": .string(K.id(order)),
                ])
            #expect(try await server.admin.post("/v1/cases/\(K.id(opened.json))/messages", ["body": "hi"]).status == 201)
            #expect(try await shop.storefront.post("/v1/cases/\(K.id(opened.json))/resolve").status == 200)
            let events = try await server.pool.query(
                "SELECT type, payload FROM outbox_events WHERE vendor_id = $1 ORDER BY seq", [vendor]
            ).rows.map { (try $0.string("type"), try $0.string("payload")) }
            let types = Set(events.map(\.0))
            #expect(
                types.isSuperset(of: [
                    "suborder.created", "suborder.accepted", "suborder.shipped", "suborder.delivered", "return.created",
                    "return.updated", "case.created", "case.message_created", "case.resolved",
                ]), "\(types)")

            let document = try await server.client(token: nil).get("/openapi.json")
            let script = """
                import json, sys
                from jsonschema import Draft202012Validator
                doc = json.loads(sys.stdin.readline())
                wanted = json.loads(sys.stdin.readline())
                out = ["missing " + t for t in wanted if t not in doc.get("webhooks", {})]
                for line in sys.stdin:
                    t, payload = json.loads(line)
                    schema = doc["webhooks"][t]["post"]["requestBody"]["content"]["application/json"]["schema"]
                    root = dict(doc); root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                    root["$ref"] = "#/__target"; root["__target"] = schema
                    errors = list(Draft202012Validator(root).iter_errors(json.loads(payload)))
                    out += ["%s: %s" % (t, e.message[:200]) for e in errors[:2]]
                print(json.dumps(out))
                """
            var input = String(decoding: document.bytes, as: UTF8.self) + "\n"
            input += JSONWriter.string(.array(Webhooks.WebhookEventType.allCases.map { .string($0.rawValue) })) + "\n"
            for (type, payload) in events { input += JSONWriter.string([.string(type), .string(payload)]) + "\n" }
            let problems = try #require(try await Python.run(script, input: input))
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}
