import CommerceCore
import Foundation
import Postgres
import Testing

@testable import MarketplaceAPI

/// A connection the database closed while idle (a restart, an administrator's terminate)
/// must not turn the next request into an error.
@Suite struct DatabaseRestartTests {
    @Test func requestsAfterTheServerLosesItsConnectionSucceed() async throws {
        try await TestServer.run(configure: { $0.poolSize = 1 }) { server in
            let vendorId = try await Fixtures(server: server).vendor()
            let pid = try await server.pool.query("SELECT pg_backend_pid() AS pid").first!.int("pid")
            let killer = ConnectionPool(conninfo: TestDatabase.url, size: 1)
            let killed = try await killer.query("SELECT pg_terminate_backend($1) AS ok", [pid]).first!.bool("ok")
            await killer.shutdown()
            #expect(killed)
            try await Task.sleep(for: .milliseconds(100))
            // A read (auth and the vendor lookup), a readiness probe and a write all succeed.
            #expect(try await server.admin.get("/v1/vendors/\(vendorId)").status == 200)
            #expect(try await server.client(token: nil).get("/readyz").status == 200)
            let pid2 = try await server.pool.query("SELECT pg_backend_pid() AS pid").first!.int("pid")
            let killer2 = ConnectionPool(conninfo: TestDatabase.url, size: 1)
            _ = try await killer2.query("SELECT pg_terminate_backend($1)", [pid2])
            await killer2.shutdown()
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await server.admin.post("/v1/vendors", ["name": "after a lost connection"]).status == 201)
        }
    }
}
