import CommerceCore
import Foundation
import Testing

private typealias H = FoundationHelpers

@Suite("Foundation: idempotency keys")
struct IdempotencyTests {
    @Test("same key and body: the original status and body again, replay header, nothing new created")
    func replay() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Idem")
            let key = Fixtures.unique("key")
            let body: JSONValue = ["name": .string(name), "commission_rate_bps": 250]
            let first = try await server.admin.post("/v1/vendors", body, headers: [("Idempotency-Key", key)])
            #expect(first.status == 201, "\(first)")
            #expect(H.header(first, "Idempotent-Replayed") == nil)
            let second = try await server.admin.post("/v1/vendors", body, headers: [("Idempotency-Key", key)])
            #expect(second.status == 201, "\(second)")
            #expect(H.header(second, "Idempotent-Replayed") == "true")
            #expect(second.json == first.json)
            #expect(second.contentType?.hasPrefix("application/json") == true)
            let third = try await server.admin.post("/v1/vendors", body, headers: [("Idempotency-Key", key)])
            #expect(third.json == first.json)
            #expect(try await H.vendorCount(server, name: name) == 1)

            // Without a key the same body creates another vendor.
            let unkeyed = try await server.admin.post("/v1/vendors", body)
            #expect(unkeyed.status == 201)
            #expect(unkeyed["id"] != first["id"])
            #expect(try await H.vendorCount(server, name: name) == 2)
        }
    }

    @Test("a replay keeps a non-201 status: stock updates replay as 200")
    func replayOtherStatus() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let vendorId = try await fx.vendor()
            let sku = try await fx.product()
            try await fx.location(vendorId: vendorId)
            let key = Fixtures.unique("key")
            let body: JSONValue = ["items": [["location": "WH1", "sku": .string(sku), "on_hand": 4]]]
            let first = try await server.admin.post("/v1/vendors/\(vendorId)/stock", body, headers: [("Idempotency-Key", key)])
            #expect(first.status == 200, "\(first)")
            // The stock changes in between; the replay must not apply the old count again.
            try await fx.stock(vendorId: vendorId, sku: sku, onHand: 9)
            let again = try await server.admin.post("/v1/vendors/\(vendorId)/stock", body, headers: [("Idempotency-Key", key)])
            #expect(again.status == 200)
            #expect(H.header(again, "Idempotent-Replayed") == "true")
            #expect(again.json == ["updated": 1])
            let level = try await server.admin.get("/v1/vendors/\(vendorId)/stock?sku=\(sku)")
            #expect(level.data.first?["on_hand"]?.intValue == 9)
        }
    }

    @Test("same key, different body or path: 422 idempotency-key-reused, nothing created")
    func reusedKey() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Reuse")
            let other = Fixtures.unique("Reuse other")
            let key = Fixtures.unique("key")
            let first = try await server.admin.post("/v1/vendors", ["name": .string(name)], headers: [("Idempotency-Key", key)])
            #expect(first.status == 201)

            let differentBody = try await server.admin.post("/v1/vendors", ["name": .string(other)], headers: [("Idempotency-Key", key)])
            H.expectProblem(differentBody, status: 422, code: "idempotency-key-reused")
            #expect(H.header(differentBody, "Idempotent-Replayed") == nil)
            #expect(try await H.vendorCount(server, name: other) == 0)

            let differentPath = try await server.admin.post(
                "/v1/channels", ["code": .string(Fixtures.unique("ch")), "name": .string(name), "type": "web"],
                headers: [("Idempotency-Key", key)])
            H.expectProblem(differentPath, status: 422, code: "idempotency-key-reused")

            // The original is still replayable.
            let replay = try await server.admin.post("/v1/vendors", ["name": .string(name)], headers: [("Idempotency-Key", key)])
            #expect(replay.status == 201)
            #expect(replay.json == first.json)
            #expect(try await H.vendorCount(server, name: name) == 1)
        }
    }

    @Test("keys are scoped per token: another token with the same key creates a new vendor")
    func scopedPerToken() async throws {
        try await TestServer.run { server in
            let otherOperator = try await Fixtures(server: server).key(role: "operator")
            let name = Fixtures.unique("Scoped")
            let key = Fixtures.unique("key")
            let body: JSONValue = ["name": .string(name)]
            let mine = try await server.admin.post("/v1/vendors", body, headers: [("Idempotency-Key", key)])
            let theirs = try await otherOperator.post("/v1/vendors", body, headers: [("Idempotency-Key", key)])
            #expect(mine.status == 201)
            #expect(theirs.status == 201)
            #expect(H.header(theirs, "Idempotent-Replayed") == nil)
            #expect(mine["id"] != theirs["id"])
            #expect(try await H.vendorCount(server, name: name) == 2)
            // Each token still replays its own.
            let theirsAgain = try await otherOperator.post("/v1/vendors", body, headers: [("Idempotency-Key", key)])
            #expect(theirsAgain["id"] == theirs["id"])
            #expect(H.header(theirsAgain, "Idempotent-Replayed") == "true")
        }
    }

    @Test("10 concurrent requests with one key create exactly one vendor")
    func concurrentSameKey() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Concurrent")
            let key = Fixtures.unique("key")
            let body: JSONValue = ["name": .string(name)]
            let responses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for _ in 0..<10 {
                    group.addTask { try await server.admin.post("/v1/vendors", body, headers: [("Idempotency-Key", key)]) }
                }
                var all: [APIResponse] = []
                for try await response in group { all.append(response) }
                return all
            }
            let created = responses.filter { $0.status == 201 }
            let conflicts = responses.filter { $0.status == 409 }
            #expect(created.count + conflicts.count == 10, "\(responses.map(\.status))")
            #expect(created.count >= 1)
            #expect(Set(created.compactMap { $0["id"]?.stringValue }).count == 1, "every 201 must name the same vendor")
            #expect(created.filter { H.header($0, "Idempotent-Replayed") == nil }.count == 1, "exactly one fresh 201")
            for conflict in conflicts { H.expectProblem(conflict, status: 409, code: "conflict") }
            #expect(try await H.vendorCount(server, name: name) == 1)
        }
    }

    @Test("a request that failed validation stores nothing: the key works afterwards with a fixed body")
    func failedRequestStoresNothing() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Retry")
            let key = Fixtures.unique("key")
            let bad = try await server.admin.post("/v1/vendors", ["name": ""], headers: [("Idempotency-Key", key)])
            H.expectProblem(bad, status: 422, code: "validation", fields: ["name"])
            let badAgain = try await server.admin.post("/v1/vendors", ["name": ""], headers: [("Idempotency-Key", key)])
            H.expectProblem(badAgain, status: 422, code: "validation", fields: ["name"])
            #expect(H.header(badAgain, "Idempotent-Replayed") == nil)

            let fixed = try await server.admin.post("/v1/vendors", ["name": .string(name)], headers: [("Idempotency-Key", key)])
            #expect(fixed.status == 201, "\(fixed)")
            #expect(H.header(fixed, "Idempotent-Replayed") == nil)
            #expect(try await H.vendorCount(server, name: name) == 1)
        }
    }

    @Test("a request that failed inside its transaction stores nothing either")
    func failedInTransactionStoresNothing() async throws {
        try await TestServer.run { server in
            let fx = Fixtures(server: server)
            let key = Fixtures.unique("key")
            let ghost = "ven_" + Fixtures.unique("ghost")
            let failed = try await server.admin.post(
                "/v1/api-keys", ["role": "vendor", "vendor_id": .string(ghost)], headers: [("Idempotency-Key", key)])
            H.expectProblem(failed, status: 422, code: "validation", fields: ["vendor_id"])
            let vendorId = try await fx.vendor()
            let fixed = try await server.admin.post(
                "/v1/api-keys", ["role": "vendor", "vendor_id": .string(vendorId)], headers: [("Idempotency-Key", key)])
            // A different body under the same key: fresh, because the failure stored no record.
            #expect(fixed.status == 201, "\(fixed)")
            #expect(H.header(fixed, "Idempotent-Replayed") == nil)
            #expect(fixed["vendor_id"]?.stringValue == vendorId)

            // A conflict inside the transaction (duplicate channel) does not burn the key either.
            let code = try await fx.channel()
            let channelKey = Fixtures.unique("key")
            let duplicate = try await server.admin.post(
                "/v1/channels", ["code": .string(code), "name": "Dup", "type": "web"], headers: [("Idempotency-Key", channelKey)])
            H.expectProblem(duplicate, status: 409, code: "conflict")
            let newCode = Fixtures.unique("ch")
            let fresh = try await server.admin.post(
                "/v1/channels", ["code": .string(newCode), "name": "New", "type": "web"], headers: [("Idempotency-Key", channelKey)])
            #expect(fresh.status == 201, "\(fresh)")
            #expect(H.header(fresh, "Idempotent-Replayed") == nil)
        }
    }

    @Test("an Idempotency-Key longer than 255 characters is 422 naming it")
    func keyTooLong() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Long key")
            let response = try await server.admin.post(
                "/v1/vendors", ["name": .string(name)], headers: [("Idempotency-Key", String(repeating: "k", count: 256))])
            H.expectProblem(response, status: 422, code: "validation", fields: ["Idempotency-Key"])
            #expect(try await H.vendorCount(server, name: name) == 0)
        }
    }
}
