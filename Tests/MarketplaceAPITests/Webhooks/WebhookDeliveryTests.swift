import CommerceCore
import Foundation
import Testing

@testable import MarketplaceAPI
@testable import Webhooks

/// End to end: orders produce signed deliveries to a local receiver. Serialized, because the
/// dispatcher of whichever test server is running may deliver any pending delivery.
@Suite(.serialized) struct WebhookDeliveryTests {
    /// A vendor selling one sku from one location, with stock, and a channel.
    struct Shop {
        let fixtures: Fixtures
        let vendorId: String
        let sku: String
        let channel: String

        static func make(_ server: TestServer) async throws -> Shop {
            let fixtures = Fixtures(server: server)
            let vendorId = try await fixtures.vendor()
            let sku = try await fixtures.product()
            try await fixtures.location(vendorId: vendorId)
            try await fixtures.offer(vendorId: vendorId, sku: sku, price: 1000)
            try await fixtures.stock(vendorId: vendorId, sku: sku, onHand: 1000)
            return Shop(fixtures: fixtures, vendorId: vendorId, sku: sku, channel: try await fixtures.channel())
        }

        @discardableResult
        func order(quantity: Int64 = 1) async throws -> APIResponse {
            let response = try await fixtures.admin.post(
                "/v1/orders",
                [
                    "channel": .string(channel), "customer": ["id": .string(Fixtures.unique("cust"))], "currency": "EUR",
                    "fulfillment": ["type": "delivery", "address": ["country": "DE", "latitude": 52.5, "longitude": 13.4]],
                    "lines": [["sku": .string(sku), "quantity": .int(quantity)]],
                ])
            #expect(response.status == 201, "\(response)")
            return response
        }

        func endpoint(_ url: String, events: [String]? = nil) async throws -> (id: String, secret: String) {
            var body = JSONObject([("url", .string(url))])
            if let events { body["events"] = .array(events.map { .string($0) }) }
            let response = try await fixtures.admin.post("/v1/vendors/\(vendorId)/webhook-endpoints", .object(body))
            #expect(response.status == 201, "\(response)")
            return (response["id"]!.stringValue!, response["secret"]!.stringValue!)
        }
    }

    static func withDispatcher(schedule: [Int] = [1, 1], _ body: @Sendable (TestServer) async throws -> Void) async throws {
        try await TestServer.run(
            configure: {
                $0.runWebhookDispatcher = true
                $0.webhookRetrySchedule = schedule
            }, body)
    }

    @Test func deliveryArrivesSignedAndVerifiesIndependently() async throws {
        try await Self.withDispatcher { server in
            try await WebhookReceiver.run { base, inbox in
                let shop = try await Shop.make(server)
                let (endpointId, secret) = try await shop.endpoint("\(base)/a")
                let order = try await shop.order(quantity: 2)
                let suborderId = order["suborders"]?.arrayValue?.first?["id"]?.stringValue
                let received = await inbox.wait("a", count: 1)
                try #require(received.count == 1)
                let request = received[0]
                #expect(request.json["type"] == "suborder.created")
                #expect(request.json["data"]?["id"]?.stringValue == suborderId)
                #expect(request.json["data"]?["vendor_id"]?.stringValue == shop.vendorId)
                #expect(request.json["timestamp"]?.stringValue != nil)
                #expect(request.id.hasPrefix("msg_"))
                #expect(abs(request.timestamp - Int64(Date().timeIntervalSince1970)) < 60)
                #expect(
                    StandardWebhooks.verify(
                        secret: secret, id: request.id, timestamp: request.timestamp, body: request.body, header: request.signature))
                #expect(try await IndependentVerifier.verify(received, secret: secret) == ["ok"])
                // A wrong secret must not verify with the independent implementation either.
                #expect(
                    try await IndependentVerifier.verify(received, secret: StandardWebhooks.newSecret()).first?.hasPrefix("failed") == true)

                // The delivery is listed with its outcome.
                var deliveries: [JSONValue] = []
                for _ in 0..<50 {
                    deliveries = try await server.admin.get("/v1/vendors/\(shop.vendorId)/webhook-deliveries?endpoint_id=\(endpointId)")
                        .data
                    if deliveries.first?["status"] == "succeeded" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(deliveries.count == 1)
                #expect(deliveries.first?["status"] == "succeeded")
                #expect(deliveries.first?["attempts"] == 1)
                #expect(deliveries.first?["last_status_code"] == 200)
                #expect(deliveries.first?["event_id"]?.stringValue == request.id)
                #expect(deliveries.first?["endpoint_id"]?.stringValue == endpointId)
            }
        }
    }

    @Test func failingReceiverGetsRetriesWithTheSameIdThenFails() async throws {
        try await Self.withDispatcher(schedule: [1, 1]) { server in
            try await WebhookReceiver.run { base, inbox in
                await inbox.script("down", statuses: [500])
                let shop = try await Shop.make(server)
                let (endpointId, secret) = try await shop.endpoint("\(base)/down")
                try await shop.order()
                let received = await inbox.wait("down", count: 3)
                #expect(received.count == 3)
                #expect(Set(received.map(\.id)).count == 1, "every retry carries the same webhook-id")
                #expect(try await IndependentVerifier.verify(received, secret: secret) == ["ok", "ok", "ok"])
                // Spaced by the schedule (1 s), not sent in a burst.
                if received.count == 3 {
                    #expect(received[1].at.timeIntervalSince(received[0].at) >= 0.9)
                    #expect(received[2].at.timeIntervalSince(received[1].at) >= 0.9)
                }
                var delivery: JSONValue?
                for _ in 0..<50 {
                    delivery = try await server.admin.get("/v1/vendors/\(shop.vendorId)/webhook-deliveries?endpoint_id=\(endpointId)").data
                        .first
                    if delivery?["status"] == "failed" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(delivery?["status"] == "failed")
                #expect(delivery?["attempts"] == 3, "1 + the schedule's length")
                #expect(delivery?["last_status_code"] == 500)
                #expect(delivery?["next_attempt_at"] == .null)

                // A manual retry is one more attempt, counted.
                await inbox.script("down", statuses: [200])
                let retried = try await server.admin.post("/v1/webhook-deliveries/\(delivery!["id"]!.stringValue!)/retry")
                #expect(retried.status == 200, "\(retried)")
                #expect(retried["status"] == "pending")
                #expect(await inbox.wait("down", count: 4).count == 4)
                for _ in 0..<50 {
                    delivery = try await server.admin.get("/v1/vendors/\(shop.vendorId)/webhook-deliveries?endpoint_id=\(endpointId)").data
                        .first
                    if delivery?["status"] == "succeeded" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(delivery?["status"] == "succeeded")
                #expect(delivery?["attempts"] == 4)
            }
        }
    }

    @Test func rotationSignsWithBothSecretsForADay() async throws {
        try await Self.withDispatcher { server in
            try await WebhookReceiver.run { base, inbox in
                let shop = try await Shop.make(server)
                let (endpointId, oldSecret) = try await shop.endpoint("\(base)/rot")
                let rotated = try await server.admin.post("/v1/vendors/\(shop.vendorId)/webhook-endpoints/\(endpointId)/rotate-secret")
                #expect(rotated.status == 200, "\(rotated)")
                let newSecret = try #require(rotated["secret"]?.stringValue)
                #expect(newSecret != oldSecret && newSecret.hasPrefix("whsec_"))
                try await shop.order()
                let received = await inbox.wait("rot", count: 1)
                try #require(received.count == 1)
                let signatures = received[0].signature.split(separator: " ")
                #expect(signatures.count == 2)
                #expect(try await IndependentVerifier.verify(received, secret: newSecret) == ["ok"])
                #expect(try await IndependentVerifier.verify(received, secret: oldSecret) == ["ok"])
            }
        }
    }

    @Test func firstAttemptsToOneEndpointGoOneAtATimeInEventOrder() async throws {
        try await Self.withDispatcher { server in
            try await WebhookReceiver.run { base, inbox in
                await inbox.script("seq", delay: .milliseconds(150))
                let shop = try await Shop.make(server)
                _ = try await shop.endpoint("\(base)/seq")
                var suborderIds: [String] = []
                for _ in 0..<5 {
                    let order = try await shop.order()
                    suborderIds.append(order["suborders"]!.arrayValue![0]["id"]!.stringValue!)
                }
                let received = await inbox.wait("seq", count: 5)
                #expect(received.map { $0.json["data"]?["id"]?.stringValue ?? "" } == suborderIds)
                #expect(await inbox.maxInFlight["seq"] == 1)
            }
        }
    }

    @Test func aSlowEndpointDelaysNobodyElse() async throws {
        try await Self.withDispatcher { server in
            try await WebhookReceiver.run { base, inbox in
                await inbox.script("slow", delay: .seconds(4))
                let slowShop = try await Shop.make(server)
                let fastShop = try await Shop.make(server)
                _ = try await slowShop.endpoint("\(base)/slow")
                _ = try await fastShop.endpoint("\(base)/fast")
                try await slowShop.order()
                try await slowShop.order()
                let started = Date()
                let placed = try await fastShop.order()
                #expect(placed.status == 201)
                let fast = await inbox.wait("fast", count: 1, timeout: .seconds(3))
                #expect(fast.count == 1)
                #expect(Date().timeIntervalSince(started) < 3)
            }
        }
    }

    @Test func eventFilterAndVendorIsolation() async throws {
        try await Self.withDispatcher { server in
            try await WebhookReceiver.run { base, inbox in
                let shop = try await Shop.make(server)
                let other = try await Shop.make(server)
                _ = try await shop.endpoint("\(base)/cancels", events: ["suborder.cancelled"])
                let (otherEndpoint, _) = try await other.endpoint("\(base)/other")
                let order = try await shop.order()
                let orderId = order["id"]!.stringValue!
                let cancelled = try await server.admin.post("/v1/orders/\(orderId)/cancel")
                #expect(cancelled.status == 200, "\(cancelled)")
                let received = await inbox.wait("cancels", count: 1)
                #expect(received.map { $0.json["type"] } == ["suborder.cancelled"])
                #expect(received.first?.json["data"]?["status"] == "cancelled")
                try await Task.sleep(for: .milliseconds(500))
                #expect(await inbox.requests("cancels").count == 1, "no suborder.created for a cancellation-only endpoint")
                #expect(await inbox.requests("other").isEmpty, "another vendor hears nothing of this order")

                let vendorKey = try await shop.fixtures.key(role: "vendor", vendorId: shop.vendorId)
                #expect(try await vendorKey.get("/v1/vendors/\(other.vendorId)/webhook-endpoints").status == 404)
                #expect(try await vendorKey.get("/v1/vendors/\(other.vendorId)/webhook-deliveries").status == 404)
                #expect(try await vendorKey.delete("/v1/vendors/\(other.vendorId)/webhook-endpoints/\(otherEndpoint)").status == 404)
                #expect(
                    try await vendorKey.post("/v1/vendors/\(other.vendorId)/webhook-endpoints", ["url": "http://127.0.0.1:1/x"]).status
                        == 404)
                let own = try await vendorKey.get("/v1/vendors/\(shop.vendorId)/webhook-endpoints")
                #expect(own.status == 200)
                #expect(own.data.count == 1)
                #expect(own.data.first?["secret"] == nil, "secrets are shown only on create and rotate")
                #expect(own.data.first?["events"] == ["suborder.cancelled"])
                let deliveries = try await vendorKey.get("/v1/vendors/\(shop.vendorId)/webhook-deliveries")
                #expect(deliveries.data.count == 1)
                if let id = deliveries.data.first?["id"]?.stringValue {
                    let otherKey = try await other.fixtures.key(role: "vendor", vendorId: other.vendorId)
                    #expect(try await otherKey.post("/v1/webhook-deliveries/\(id)/retry").status == 404)
                }
                let channelKey = try await shop.fixtures.key(role: "channel", channel: shop.channel)
                #expect(try await channelKey.get("/v1/vendors/\(shop.vendorId)/webhook-endpoints").status == 403)
            }
        }
    }

    @Test func aStoppedDispatcherResumesWithoutLosingEvents() async throws {
        try await WebhookReceiver.run { base, inbox in
            // The first server has no dispatcher: the event waits in the outbox.
            let vendorBox = Box()
            try await TestServer.run { server in
                let shop = try await Shop.make(server)
                _ = try await shop.endpoint("\(base)/later")
                try await shop.order()
                await vendorBox.set(shop.vendorId)
            }
            let vendorId = await vendorBox.value
            #expect(await inbox.requests("later").isEmpty)
            // A new process (another server) with a dispatcher picks it up.
            try await Self.withDispatcher { _ in
                let received = await inbox.wait("later", count: 1)
                #expect(received.count == 1)
                #expect(received.first?.json["data"]?["vendor_id"]?.stringValue == vendorId)
            }
        }
    }

    @Test func twoDispatchersNeverSendTheSameAttemptTwice() async throws {
        try await Self.withDispatcher { first in
            try await Self.withDispatcher { _ in
                try await WebhookReceiver.run { base, inbox in
                    let shops = [try await Shop.make(first), try await Shop.make(first), try await Shop.make(first)]
                    for shop in shops { _ = try await shop.endpoint("\(base)/pair") }
                    for _ in 0..<6 {
                        for shop in shops { try await shop.order() }
                    }
                    let received = await inbox.wait("pair", count: 18)
                    try await Task.sleep(for: .milliseconds(500))
                    let all = await inbox.requests("pair")
                    #expect(received.count >= 18)
                    #expect(all.count == 18, "each event exactly once while every receiver answers 200")
                    #expect(Set(all.map(\.id)).count == 18)
                    // Per endpoint, still in event order.
                    for shop in shops {
                        let suborders = all.filter { $0.json["data"]?["vendor_id"]?.stringValue == shop.vendorId }
                            .map { $0.json["data"]?["created_at"]?.stringValue ?? "" }
                        #expect(suborders == suborders.sorted())
                    }
                }
            }
        }
    }

    @Test func deletedEndpointStopsReceiving() async throws {
        try await Self.withDispatcher { server in
            try await WebhookReceiver.run { base, inbox in
                let shop = try await Shop.make(server)
                let (endpointId, _) = try await shop.endpoint("\(base)/gone")
                let deleted = try await server.admin.delete("/v1/vendors/\(shop.vendorId)/webhook-endpoints/\(endpointId)")
                #expect(deleted.status == 204)
                #expect(try await server.admin.delete("/v1/vendors/\(shop.vendorId)/webhook-endpoints/\(endpointId)").status == 404)
                try await shop.order()
                try await Task.sleep(for: .milliseconds(800))
                #expect(await inbox.requests("gone").isEmpty)
            }
        }
    }
}

@Suite struct WebhookEndpointValidationTests {
    @Test func privateTargetsAreRefusedUnlessAllowed() async throws {
        try await TestServer.run(configure: { $0.allowPrivateWebhookTargets = false }) { server in
            let vendorId = try await Fixtures(server: server).vendor()
            for url in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.0.0.8/x", "http://169.254.169.254/latest"] {
                let response = try await server.admin.post("/v1/vendors/\(vendorId)/webhook-endpoints", ["url": .string(url)])
                #expect(response.status == 422, "\(url): \(response)")
                #expect(response.errorFields == ["url"])
            }
        }
    }

    @Test func badBodies() async throws {
        try await TestServer.run { server in
            let vendorId = try await Fixtures(server: server).vendor()
            let path = "/v1/vendors/\(vendorId)/webhook-endpoints"
            let scheme = try await server.admin.post(path, ["url": "ftp://example.com/x"])
            #expect(scheme.status == 422 && scheme.errorFields == ["url"])
            let events = try await server.admin.post(path, ["url": "http://127.0.0.1:1/x", "events": ["suborder.created", "order.eaten"]])
            #expect(events.status == 422 && events.errorFields == ["events[1]"])
            let created = try await server.admin.post(path, ["url": "http://127.0.0.1:1/x"])
            #expect(created.status == 201)
            let secret = created["secret"]?.stringValue ?? ""
            #expect(secret.hasPrefix("whsec_") && (StandardWebhooks.key(fromSecret: secret)?.count ?? 0) >= 24)
            #expect(created["events"]?.arrayValue?.count == WebhookEventType.allCases.count)
            #expect(try await server.admin.post("/v1/vendors/ven_missing/webhook-endpoints", ["url": "http://127.0.0.1:1/x"]).status == 404)
            #expect(try await server.admin.post("/v1/webhook-deliveries/whd_missing/retry").status == 404)
        }
    }
}

actor Box {
    var value: String?
    func set(_ value: String) { self.value = value }
}
