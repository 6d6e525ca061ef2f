import Testing

@testable import Postgres

/// The pool as a swift-service-lifecycle `Service`: housekeeping while it runs, closed when it ends.
@Suite struct PoolServiceTests {
    @Test func housekeepingClosesIdleConnectionsPastTheirLifetimeAndTheEndOfRunClosesThePool() async throws {
        let pool = ConnectionPool(conninfo: TestDB.url, size: 1, maxLifetime: .milliseconds(300), timeout: .seconds(30))
        let service = Task { try await pool.run() }
        let first = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
        // Nobody leases it, yet within a housekeeping round or two it is closed.
        var gone = false
        for _ in 0..<40 where !gone {
            try await Task.sleep(for: .milliseconds(100))
            let seen = try await TestDB.withPool(size: 1) { other in
                try await other.query("SELECT count(*) AS c FROM pg_stat_activity WHERE pid = $1", [first]).first?.int("c")
            }
            gone = seen == 0
        }
        #expect(gone, "the idle backend past its lifetime is still there")
        service.cancel()
        try await service.value
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
    }
}
