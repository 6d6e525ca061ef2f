import CommerceCore
import Foundation
import Testing

private typealias K = OrderKit

/// What the writers did to each suborder, in order (creation included).
private actor ChangeLog {
    private(set) var changes: [String: [String]] = [:]
    private(set) var finished = false

    func record(_ suborderId: String, _ status: String) { changes[suborderId, default: []].append(status) }
    func finish() { finished = true }
    var finalStatuses: [String: String] { changes.compactMapValues(\.last) }
}

private struct FeedEntry: Sendable {
    let id: String
    let status: String
    let vendorId: String
}

@Suite("Orders: vendor suborder feed")
struct OrdersVendorFeedTests {
    @Test("a poller keeping the cursor sees every suborder's changes in order, never twice, while 4 writers commit")
    func feedUnderConcurrentWriters() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 1000, price: 100)])
            let vKey = try await shop.vendorKey(v)
            let log = ChangeLog()
            let pageSize = 7

            // The poller: follows next_cursor until the writers are done and it has seen every
            // suborder in its final state, then one more empty poll.
            let poller = Task { () throws -> (entries: [FeedEntry], cursor: String, polls: Int) in
                var entries: [FeedEntry] = []
                var cursor: String?
                var polls = 0
                var lastSeen: [String: String] = [:]
                let deadline = Date().addingTimeInterval(90)
                while Date() < deadline {
                    let path = "/v1/vendors/\(v)/suborders?limit=\(pageSize)" + (cursor.map { "&after=\($0)" } ?? "")
                    let response = try await vKey.get(path)
                    polls += 1
                    try #require(response.status == 200, "\(response)")
                    let next = try #require(response["next_cursor"]?.stringValue, "next_cursor must always be present: \(response)")
                    #expect(!next.isEmpty)
                    #expect(response.data.count <= pageSize)
                    if response.data.isEmpty, let cursor {
                        #expect(next == cursor, "an empty page keeps the cursor")
                    }
                    for item in response.data {
                        let entry = FeedEntry(
                            id: item["id"]?.stringValue ?? "", status: item["status"]?.stringValue ?? "",
                            vendorId: item["vendor_id"]?.stringValue ?? "")
                        entries.append(entry)
                        lastSeen[entry.id] = entry.status
                    }
                    cursor = next
                    if response.data.isEmpty {
                        if await log.finished {
                            let finals = await log.finalStatuses
                            if finals.allSatisfy({ lastSeen[$0.key] == $0.value }) { return (entries, next, polls) }
                        }
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                Issue.record("the poller did not see every final state within 90 s")
                return (entries, cursor ?? "", polls)
            }

            // 4 writers, 8 orders each: every order is accepted, two in three shipped, one in three delivered.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        for i in 0..<8 {
                            let order = try await shop.placeOK(lines: [K.line(x, 1)])
                            let sub = K.id(K.suborders(order).first)
                            await log.record(sub, "pending_acceptance")
                            try await shop.actOK("accept", sub, as: vKey)
                            await log.record(sub, "accepted")
                            if i % 3 >= 1 {
                                try await shop.actOK("ship", sub, as: vKey)
                                await log.record(sub, "shipped")
                            }
                            if i % 3 == 2 {
                                try await shop.actOK("deliver", sub, as: vKey)
                                await log.record(sub, "delivered")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            await log.finish()
            let (entries, cursor, polls) = try await poller.value
            let changes = await log.changes
            let finals = await log.finalStatuses
            #expect(changes.count == 32)
            #expect(polls > 1)

            #expect(entries.allSatisfy { $0.vendorId == v }, "only this vendor's suborders")
            #expect(Set(entries.map(\.id)) == Set(changes.keys), "every suborder appears")
            let byId = Dictionary(grouping: entries, by: \.id)
            for (id, made) in changes {
                let seen = (byId[id] ?? []).map(\.status)
                #expect(seen.last == made.last, "\(id): last seen \(seen), changes \(made)")
                #expect(seen.count <= made.count, "\(id): seen \(seen) for changes \(made)")
                let ranks = seen.map { K.statusRank[$0] ?? -1 }
                #expect(zip(ranks, ranks.dropFirst()).allSatisfy { $0 < $1 }, "\(id): feed went backwards or repeated: \(seen)")
                #expect(seen.allSatisfy { made.contains($0) }, "\(id): \(seen) vs \(made)")
            }

            // Nothing new: the same cursor comes back, with no data, however often we ask.
            for _ in 0..<2 {
                let idle = try await vKey.get("/v1/vendors/\(v)/suborders?after=\(cursor)")
                #expect(idle.status == 200)
                #expect(idle.data.isEmpty, "\(idle)")
                #expect(idle["next_cursor"]?.stringValue == cursor)
            }

            // A later change shows the suborder again, after the cursor.
            let accepted = try #require(finals.first { $0.value == "accepted" }?.key)
            try await shop.actOK("ship", accepted, as: vKey)
            var later: [JSONValue] = []
            // (The feed serves a change once every older transaction in the cluster has ended, so
            // a long transaction elsewhere can delay it: wait up to ~30 s.)
            for _ in 0..<1500 where later.isEmpty {
                let page = try await vKey.get("/v1/vendors/\(v)/suborders?after=\(cursor)")
                later = page.data
                if later.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(later.map { K.id($0) } == [accepted])
            #expect(later.first.map(K.status) == "shipped")

            // status= filters to the suborders currently in that status.
            let delivered = try await vKey.get("/v1/vendors/\(v)/suborders?status=delivered&limit=500")
            #expect(delivered.status == 200)
            #expect(delivered.data.allSatisfy { K.status($0) == "delivered" })
            #expect(Set(delivered.data.map { K.id($0) }) == Set(finals.filter { $0.value == "delivered" }.keys))
            #expect(delivered["next_cursor"]?.stringValue != nil)
            let pending = try await vKey.get("/v1/vendors/\(v)/suborders?status=pending_acceptance")
            #expect(pending.status == 200 && pending.data.isEmpty, "\(pending)")
        }
    }

    @Test("feed: 422 for a garbage cursor, status or limit; another vendor gets 404, a channel 403; empty feed keeps its cursor")
    func feedValidationAndIsolation() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 100)])
            let other = try await shop.seller(name: "Other", items: [StockedItem(sku: x, onHand: 10, price: 90)])
            let vKey = try await shop.vendorKey(v)
            let otherKey = try await shop.vendorKey(other)

            // A new vendor: empty feed, and a cursor that comes back unchanged.
            let empty = try await vKey.get("/v1/vendors/\(v)/suborders")
            #expect(empty.status == 200, "\(empty)")
            #expect(empty.data.isEmpty)
            let start = try #require(empty["next_cursor"]?.stringValue)
            let emptyAgain = try await vKey.get("/v1/vendors/\(v)/suborders?after=\(start)")
            #expect(emptyAgain.data.isEmpty)
            #expect(emptyAgain["next_cursor"]?.stringValue == start)

            // Only the vendor's own suborders appear.
            let mine = try await shop.placeOK(lines: [K.line(x, 1, vendorId: v)])
            _ = try await shop.placeOK(lines: [K.line(x, 1, vendorId: other)])
            var seen: [JSONValue] = []
            for _ in 0..<1500 where seen.isEmpty {
                seen = try await vKey.get("/v1/vendors/\(v)/suborders?after=\(start)").data
                if seen.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(seen.map { K.id($0) } == [K.id(K.suborders(mine).first)])
            #expect(seen.first?["vendor_id"]?.stringValue == v)
            #expect(seen.first?["lines"]?.arrayValue?.count == 1)

            for garbage in ["garbage", "Zm9v", PageCursor.encode(["1"]), PageCursor.encode(["x", "y"])] {
                let response = try await vKey.get("/v1/vendors/\(v)/suborders?after=\(garbage)")
                K.expectProblem(response, status: 422, code: "validation", fields: ["after"])
            }
            K.expectProblem(
                try await vKey.get("/v1/vendors/\(v)/suborders?status=lost"), status: 422, code: "validation", fields: ["status"])
            K.expectProblem(try await vKey.get("/v1/vendors/\(v)/suborders?limit=0"), status: 422, code: "validation", fields: ["limit"])
            K.expectProblem(try await vKey.get("/v1/vendors/\(v)/suborders?limit=501"), status: 422, code: "validation", fields: ["limit"])

            K.expectProblem(try await otherKey.get("/v1/vendors/\(v)/suborders"), status: 404, code: "not-found")
            #expect(try await shop.storefront.get("/v1/vendors/\(v)/suborders").status == 403)
            #expect(try await server.client(token: nil).get("/v1/vendors/\(v)/suborders").status == 401)
            #expect(try await shop.admin.get("/v1/vendors/\(v)/suborders").status == 200)
            K.expectProblem(
                try await shop.admin.get("/v1/vendors/ven_\(Fixtures.unique("ghost"))/suborders"), status: 404, code: "not-found")
        }
    }
}
