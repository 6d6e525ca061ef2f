import Foundation
import Testing

@testable import Postgres

/// Deadlines and bounded waiting against the shared test database (nothing here stops it).
@Suite struct DeadlineTests {
    @Test("a statement past its deadline fails in time, its connection is abandoned and the pool carries on")
    func statementDeadline() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let pid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            let start = ContinuousClock.now
            // Inside a transaction: nothing can have been committed, so "unavailable".
            let error = await #expect(throws: DatabaseUnavailable.self) {
                try await DatabaseDeadline.withTimeout(.milliseconds(300)) {
                    try await pool.transaction { tx in try await tx.query("SELECT pg_sleep(5)") }
                }
            }
            #expect(error?.reason == .deadlineExceeded)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed < .milliseconds(2000), "took \(elapsed)")
            #expect(await pool.inUse() == 0)
            let newPid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            #expect(newPid != pid, "the abandoned connection was not reused")
        }
    }

    @Test("a lone auto-committing statement whose answer never came: outcome unknown, not unavailable")
    func autocommitDeadlineIsOutcomeUnknown() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await pool.query("SELECT 1")  // connected beforehand: the budget is all the statement's
            let start = ContinuousClock.now
            await #expect(throws: DatabaseOutcomeUnknown.self) {
                try await DatabaseDeadline.withTimeout(.milliseconds(300)) { try await pool.query("SELECT pg_sleep(5)") }
            }
            #expect(ContinuousClock.now - start < .milliseconds(2000))
            let value = try await pool.query("SELECT 1 AS v").first?.int("v")
            #expect(value == 1)
        }
    }

    @Test("the server's statement_timeout follows the pool's timeout")
    func serverSideStatementTimeout() async throws {
        try await TestDB.withPool(size: 1, timeout: .milliseconds(700)) { pool in
            // Connecting on a loaded machine may take longer than the pool's 700 ms.
            let setting = try await DatabaseDeadline.$current.withValue(ContinuousClock.now + .seconds(20)) {
                try await pool.query(
                    "SELECT current_setting('statement_timeout') AS s, current_setting('idle_in_transaction_session_timeout') AS i")
            }
            #expect(try setting.first?.string("s") == "700ms")
            #expect(try setting.first?.string("i") == "1400ms")
            // With a longer budget of the caller's own, the server still stops the statement.
            let error = try await #require(throws: PostgresError.self) {
                try await DatabaseDeadline.$current.withValue(ContinuousClock.now + .seconds(10)) {
                    try await pool.transaction { tx in try await tx.query("SELECT pg_sleep(3)") }
                }
            }
            #expect(error.isQueryCanceled, "\(error)")
        }
    }

    @Test("waiting for a connection ends at the deadline")
    func waitingForAConnectionEndsAtTheDeadline() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let holder = Task { try await pool.withConnection { session in try await session.query("SELECT pg_sleep(1.5)") } }
            while await pool.inUse() == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let start = ContinuousClock.now
            let error = await #expect(throws: DatabaseUnavailable.self) {
                try await DatabaseDeadline.withTimeout(.milliseconds(250)) { try await pool.query("SELECT 1") }
            }
            #expect(error?.reason == .deadlineExceeded)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(240) && elapsed < .milliseconds(1200), "took \(elapsed)")
            #expect(pool.waiting == 0)
            _ = try await holder.value
        }
    }

    @Test("waiters with different deadlines each end at their own, whatever the order they queued in")
    func waitersEndAtTheirOwnDeadlines() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let holder = Task { try await pool.withConnection { session in try await session.query("SELECT pg_sleep(6)") } }
            while await pool.inUse() == 0 { try await Task.sleep(for: .milliseconds(5)) }
            // One timer serves the line (this pool runs no housekeeping, so nothing else expires
            // waiters): a later waiter with a nearer deadline must arm an earlier timer, and a
            // waiter queued behind a nearer deadline must be re-armed for when that one fires.
            // Missing either, a waiter ends at the first one's timer (4 s), or only when the
            // connection comes free (6 s) and its statement succeeds. The first deadline is far
            // from the others because the timer runs on an event loop, and in the whole debug
            // suite another test's task may hold that loop for a second. With the first deadline
            // at 1.5 s, the waiter behind once ended at 1.5 s: most likely its re-armed timer
            // fired late on the loop that re-armed it, and the first one's, on time on the other
            // loop, expired it. The upper bounds allow for such late timers and stay short of 4 s.
            func waiter(_ timeout: Duration) -> Task<(Duration, Bool), Never> {
                Task {
                    let start = ContinuousClock.now
                    do {
                        _ = try await DatabaseDeadline.withTimeout(timeout) { try await pool.query("SELECT 1") }
                        return (ContinuousClock.now - start, false)
                    } catch {
                        return (ContinuousClock.now - start, (error as? DatabaseUnavailable)?.reason == .deadlineExceeded)
                    }
                }
            }
            let first = waiter(.milliseconds(4000))
            while pool.waiting < 1 { try await Task.sleep(for: .milliseconds(2)) }
            let nearer = waiter(.milliseconds(250))
            while pool.waiting < 2 { try await Task.sleep(for: .milliseconds(2)) }
            let behind = waiter(.milliseconds(600))
            let (a, b, c) = (await first.value, await nearer.value, await behind.value)
            #expect(b.1 && b.0 >= .milliseconds(240) && b.0 < .milliseconds(3000), "the nearer deadline: \(b)")
            #expect(c.1 && c.0 >= .milliseconds(590) && c.0 < .milliseconds(3300), "the deadline behind it: \(c)")
            #expect(a.1 && a.0 >= .milliseconds(3990) && a.0 < .milliseconds(5900), "the first waiter: \(a)")
            #expect(pool.waiting == 0)
            _ = try await holder.value
        }
    }

    @Test("a cancelled waiter leaves the line at once")
    func cancelledWaiterLeaves() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let holder = Task { try await pool.withConnection { session in try await session.query("SELECT pg_sleep(1.5)") } }
            while await pool.inUse() == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let waiter = Task { try await pool.query("SELECT 1") }
            while pool.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let start = ContinuousClock.now
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            #expect(ContinuousClock.now - start < .milliseconds(500))
            #expect(pool.waiting == 0)
            _ = try await holder.value
            #expect(await pool.inUse() == 0)
        }
    }

    @Test("a full waiting line fails fast")
    func fullLineFailsFast() async throws {
        let pool = ConnectionPool(conninfo: TestDB.url, size: 1, timeout: .seconds(30), maxWaiters: 1)
        let holder = Task { try await pool.withConnection { session in try await session.query("SELECT pg_sleep(1)") } }
        while await pool.inUse() == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let queued = Task { try await pool.query("SELECT 2 AS v") }
        while pool.waiting == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let start = ContinuousClock.now
        let error = await #expect(throws: DatabaseUnavailable.self) { try await pool.query("SELECT 3") }
        #expect(error?.reason == .waitQueueFull)
        #expect(ContinuousClock.now - start < .milliseconds(300))
        _ = try await holder.value
        #expect(try await queued.value.first?.int("v") == 2, "the one in line is served")
        await pool.shutdown()
    }

    @Test("an idle connection the server closed is found at lease time: every connection of a pool of 8")
    func deadIdleConnectionsOfABigPool() async throws {
        try await TestDB.withPool(size: 8) { pool in
            let barrier = Barrier(parties: 8)
            let pids = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await pool.withConnection { session in
                            await barrier.arrive()
                            return try #require(try await session.query("SELECT pg_backend_pid() AS pid").first).int("pid")
                        }
                    }
                }
                return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
            }
            #expect(pids.count == 8)
            try await TestDB.withPool(size: 1) { killer in
                for pid in pids {
                    _ = try await killer.query("SELECT pg_terminate_backend($1::int, 5000)", [pid])
                }
            }
            // Every one of the next requests succeeds, one after another.
            for _ in 0..<10 {
                let pid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
                #expect(!pids.contains(pid))
                let inTransaction = try await pool.transaction { tx in
                    try #require(try await tx.query("SELECT pg_backend_pid() AS pid").first).int("pid")
                }
                #expect(!pids.contains(inTransaction))
            }
        }
    }
}
