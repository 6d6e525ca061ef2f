import Foundation
import Postgres
import Testing

@Suite("Postgres connection pool")
struct ConnectionPoolTests {
    @Test("50 concurrent tasks on a pool of 4: all complete correctly and never more than 4 leases")
    func fiftyTasksOnFourConnections() async throws {
        try await TestDB.withPool(size: 4) { pool in
            let samples = Counter()
            let sampler = Task {
                while !Task.isCancelled {
                    await samples.record(await pool.inUse())
                    try? await Task.sleep(for: .milliseconds(1))
                }
            }
            let results = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
                for i in 0..<50 {
                    group.addTask {
                        let row = try #require(
                            try await pool.query(
                                "SELECT $1::int * 2 AS v, pg_backend_pid() AS pid FROM pg_sleep(0.01)", [i]
                            ).first)
                        return (i, try row.int("v"), try row.int("pid"))
                    }
                }
                var all: [(Int, Int, Int)] = []
                for try await result in group { all.append(result) }
                return all
            }
            sampler.cancel()
            await sampler.value

            #expect(results.count == 50)
            #expect(Set(results.map(\.0)) == Set(0..<50))
            for (i, doubled, _) in results { #expect(doubled == 2 * i) }
            let backends = Set(results.map(\.2))
            #expect(backends.count <= 4, "the pool opened \(backends.count) connections")
            let peak = await samples.maximum
            #expect(peak <= 4, "inUse() reached \(peak)")
            #expect(peak >= 2, "the tasks did not run concurrently (peak \(peak))")
            #expect(await pool.inUse() == 0)
        }
    }

    @Test("a body that throws still gives its connection back")
    func failingBodiesRelease() async throws {
        try await TestDB.withPool(size: 2) { pool in
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        _ = try? await pool.withConnection { session -> Int in
                            if i.isMultiple(of: 2) { try await session.query("SELECT 1 / 0") }
                            throw Boom()
                        }
                    }
                }
            }
            #expect(await pool.inUse() == 0)
            let row = try await pool.query("SELECT 41 + 1 AS v")
            #expect(try row.first?.int("v") == 42)
        }
    }

    @Test("a terminated connection is replaced; the next query works")
    func brokenConnectionIsReplacedForQueries() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let pid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            try await terminate(pid)

            // The first use may discover the break; if so it must say it is a connection failure.
            do {
                _ = try await pool.query("SELECT 1")
            } catch let error as PostgresError {
                #expect(error.isConnectionFailure, "\(error)")
            }
            let newPid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            #expect(newPid != pid)
            #expect(await pool.inUse() == 0)
        }
    }

    @Test("a terminated connection is recovered at BEGIN: the transaction itself succeeds")
    func brokenConnectionIsRecoveredByTransaction() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let pid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            try await terminate(pid)
            let newPid = try await pool.transaction { tx in
                try #require(try await tx.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            }
            #expect(newPid != pid)
            // The fresh connection got the session settings the decoder relies on.
            let zone = try await pool.query("SHOW TIME ZONE")
            #expect(try zone.first?.string("TimeZone") == "UTC")
            #expect(await pool.inUse() == 0)
        }
    }

    @Test("new connections run in UTC with ISO dates")
    func sessionSettings() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let row = try #require(
                try await pool.query("SELECT current_setting('TimeZone') AS tz, current_setting('DateStyle') AS ds").first)
            #expect(try row.string("tz") == "UTC")
            #expect(try row.string("ds").hasPrefix("ISO"))
        }
    }

    @Test("a pool that is shut down refuses work")
    func shutdownRefuses() async throws {
        let pool = TestDB.makePool(size: 1)
        try await pool.query("SELECT 1")
        await pool.shutdown()
        await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
    }

    @Test("an unreachable database fails with a connection error and frees the slot")
    func unreachableDatabase() async throws {
        try await TestDB.withPool(size: 1, url: TestDB.url(database: TestDB.uniqueName("missing"))) { pool in
            let error = try await #require(throws: PostgresError.self) { try await pool.query("SELECT 1") }
            #expect(error.sqlState == nil)
            #expect(error.isConnectionFailure)
            #expect(await pool.inUse() == 0)
            // The slot was given back: a second attempt fails the same way instead of hanging.
            await #expect(throws: PostgresError.self) { try await pool.query("SELECT 1") }
        }
    }

    /// Terminates backend `pid` from a separate connection and waits until it is gone.
    private func terminate(_ pid: Int) async throws {
        try await TestDB.withPool(size: 1) { killer in
            let result = try await killer.query("SELECT pg_terminate_backend($1::int, 5000) AS ok", [pid])
            #expect(try result.first?.bool("ok") == true)
        }
    }
}
