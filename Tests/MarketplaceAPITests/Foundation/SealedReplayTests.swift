import CommerceCore
import Foundation
import NIOHTTP1
import Postgres
import Testing

@testable import MarketplaceAPI

/// A replayed API-key creation returns the same token, while the database holds it only sealed.
@Suite struct SealedReplayTests {
    @Test func replayReturnsTheTokenButTheRecordIsSealed() async throws {
        try await TestServer.run { server in
            let key = Fixtures.unique("idem")
            let first = try await server.admin.post("/v1/api-keys", ["role": "finance"], headers: [("Idempotency-Key", key)])
            #expect(first.status == 201)
            let again = try await server.admin.post("/v1/api-keys", ["role": "finance"], headers: [("Idempotency-Key", key)])
            #expect(again.status == 201)
            #expect(again.headers.first(name: "idempotent-replayed") == "true")
            #expect(again.text == first.text)
            let token = try #require(first["token"]?.stringValue)
            let stored = try await server.pool.query("SELECT response_body FROM idempotency_keys WHERE key = $1", [key])
            let body = try #require(try stored.first?.string("response_body"))
            #expect(!body.contains(token))
            #expect(body.hasPrefix(CommandRunner.sealedPrefix))
            // The replayed token works.
            #expect(
                try await server.client(token: token).put(
                    "/v1/commission-rules", ["category": .string(Fixtures.unique("cat")), "rate_bps": 500]
                ).status == 201)
        }
    }
}
