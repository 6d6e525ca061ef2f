import CommerceCore
import Foundation
import Postgres
import Testing

@testable import MarketplaceAPI

/// Connections the database closed while idle (a restart, an administrator's terminate) must
/// not turn the next request into an error, whatever the pool's size.
@Suite struct DatabaseRestartTests {
    @Test(arguments: [1, 8])
    func requestsAfterTheServerLosesItsConnectionsSucceed(poolSize: Int) async throws {
        try await TestServer.run(configure: { $0.poolSize = poolSize }) { server in
            let vendorId = try await Fixtures(server: server).vendor()
            let pids = try await Self.openAll(server.pool, poolSize)
            try await Self.terminate(pids)
            // A read (auth and the vendor lookup), a readiness probe and a write all succeed.
            #expect(try await server.admin.get("/v1/vendors/\(vendorId)").status == 200)
            #expect(try await server.client(token: nil).get("/readyz").status == 200)
            try await Self.terminate(try await Self.openAll(server.pool, poolSize))
            #expect(try await server.admin.post("/v1/vendors", ["name": "after a lost connection"]).status == 201)
        }
    }

    /// Makes the pool hold `count` connections at once; returns their backends' pids.
    static func openAll(_ pool: ConnectionPool, _ count: Int) async throws -> [Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await pool.query("SELECT pg_backend_pid() AS pid FROM pg_sleep(0.3)").first!.int("pid")
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    static func terminate(_ pids: [Int]) async throws {
        let killer = ConnectionPool(conninfo: TestDatabase.url, size: 1)
        for pid in Set(pids) {
            let killed = try await killer.query("SELECT pg_terminate_backend($1, 5000) AS ok", [pid]).first!.bool("ok")
            #expect(killed)
        }
        await killer.shutdown()
    }
}
