import Foundation
import Testing

@testable import Postgres

@Suite struct PoolLifetimeTests {
    @Test func connectionsAreRetiredAfterTheirLifetime() async throws {
        // Six seconds: long enough for two queries on a loaded machine.
        let pool = ConnectionPool(conninfo: TestDB.url, size: 1, maxLifetime: .seconds(6))
        let first = try await pool.query("SELECT pg_backend_pid() AS pid").first!.int("pid")
        let again = try await pool.query("SELECT pg_backend_pid() AS pid").first!.int("pid")
        #expect(again == first, "a young connection is reused")
        try await Task.sleep(for: .milliseconds(6200))
        _ = try await pool.query("SELECT 1")  // returned after its lifetime: retired
        let later = try await pool.query("SELECT pg_backend_pid() AS pid").first!.int("pid")
        #expect(later != first, "an old connection is replaced by a new backend")
        #expect(await pool.inUse() == 0)
        await pool.shutdown()
    }
}
