import Foundation
import Testing

@testable import Postgres

#if canImport(Glibc)
    import Glibc
#endif

/// A database that stops answering (every process SIGSTOPped), a commit whose answer is lost,
/// a restart: on the throwaway cluster, one test at a time.
@Suite(.serialized, .enabled(if: StallCluster.isAvailable, StallCluster.skipReason))
struct StallTests {
    static let budget = Duration.milliseconds(1000)
    /// Scheduling on a loaded 2-core machine, thread hops, the timer's slack.
    static let slack = Duration.milliseconds(1500)

    /// Setting up and checking afterwards are not what is measured: a loaded machine may take
    /// longer than the 1 s budget to connect, so those steps get a generous one of their own.
    func unhurried<T>(_ body: () async throws -> T) async throws -> T {
        try await DatabaseDeadline.$current.withValue(ContinuousClock.now + .seconds(20)) { try await body() }
    }

    func makePool(size: Int) -> ConnectionPool {
        TestDB.makePool(size: size, url: StallCluster.url!, timeout: Self.budget)
    }

    /// Opens `count` connections at once, so that a pool really holds that many.
    func warm(_ pool: ConnectionPool, _ count: Int) async throws {
        let barrier = Barrier(parties: count)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask {
                    try await pool.withConnection { session in
                        await barrier.arrive()
                        try await session.query("SELECT 1")
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Retries `SELECT 1` for up to 10 s; returns the number of attempts it took.
    func recovered(_ pool: ConnectionPool) async throws -> Int {
        for attempt in 1...50 {
            if (try? await unhurried({ try await pool.query("SELECT 1 AS v").first?.int("v") })) == 1 { return attempt }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("the pool did not recover within 10 s")
        return -1
    }

    @Test("a stalled database: every caller gets its answer within the budget, then the pool recovers", arguments: [1, 8])
    func stalledDatabase(poolSize: Int) async throws {
        let lock = try await StallCluster.lock()
        defer { lock.release() }
        let pool = makePool(size: poolSize)
        defer { Task { await pool.shutdown() } }
        try await unhurried {
            try await pool.query("CREATE TABLE IF NOT EXISTS stall_probe (id serial PRIMARY KEY, note text)")
            try await warm(pool, poolSize)
        }
        let pids = try StallCluster.stopAll()
        defer { StallCluster.resume(pids) }

        let outcomes = await withTaskGroup(of: (String, Duration).self) { group in
            for i in 0..<(2 * poolSize + 2) {
                group.addTask {
                    let start = ContinuousClock.now
                    let outcome: String
                    do {
                        if i.isMultiple(of: 2) {
                            _ = try await pool.query("SELECT count(*) FROM stall_probe")
                        } else {
                            _ = try await pool.transaction { tx in
                                try await tx.query("INSERT INTO stall_probe (note) VALUES ($1)", ["stalled"])
                            }
                        }
                        outcome = "succeeded"
                    } catch is DatabaseUnavailable {
                        outcome = "unavailable"
                    } catch is DatabaseOutcomeUnknown {
                        outcome = i.isMultiple(of: 2) ? "unknown" : "unknown commit"
                    } catch {
                        outcome = "\(error)"
                    }
                    return (outcome, ContinuousClock.now - start)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for (outcome, elapsed) in outcomes {
            #expect(["unavailable", "unknown"].contains(outcome), "\(outcome)")
            #expect(elapsed < Self.budget + Self.slack, "answered after \(elapsed)")
        }
        #expect(pool.waiting == 0)

        StallCluster.resume(pids)
        let attempts = try await recovered(pool)
        #expect(attempts >= 1)
        // Writes go through again, and nothing of the stalled ones was committed.
        let stalledRows = try await unhurried {
            _ = try await pool.transaction { tx in try await tx.query("INSERT INTO stall_probe (note) VALUES ('after')") }
            return try await pool.query("SELECT count(*) AS c FROM stall_probe WHERE note = 'stalled'").first?.int("c")
        }
        #expect(stalledRows == 0)
        #expect(await pool.inUse() == 0)
    }

    @Test("connecting to a stalled database ends at the deadline, and the slot is free again")
    func connectingToAStalledDatabase() async throws {
        let lock = try await StallCluster.lock()
        defer { lock.release() }
        let pool = makePool(size: 1)
        defer { Task { await pool.shutdown() } }
        let pids = try StallCluster.stopAll()
        defer { StallCluster.resume(pids) }
        for _ in 0..<2 {
            let start = ContinuousClock.now
            let error = await #expect(throws: DatabaseUnavailable.self) { try await pool.query("SELECT 1") }
            #expect(error?.reason == .deadlineExceeded)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= Self.budget - .milliseconds(50) && elapsed < Self.budget + Self.slack, "took \(elapsed)")
            #expect(await pool.inUse() == 0)
        }
        StallCluster.resume(pids)
        #expect(try await recovered(pool) >= 1)
    }

    @Test("a COMMIT whose answer never comes: outcome unknown within the budget (and it did commit)")
    func lostCommit() async throws {
        let lock = try await StallCluster.lock()
        defer { lock.release() }
        let pool = makePool(size: 1)
        defer { Task { await pool.shutdown() } }
        try await unhurried { try await pool.query("CREATE TABLE IF NOT EXISTS lost_commit (id text PRIMARY KEY)") }
        let id = UUID().uuidString
        let stopped = PIDBox()
        defer { if let pid = stopped.pid { kill(pid, SIGCONT) } }
        let start = ContinuousClock.now
        await #expect(throws: DatabaseOutcomeUnknown.self) {
            try await pool.transaction { tx in
                try await tx.query("INSERT INTO lost_commit (id) VALUES ($1)", [id])
                let pid = pid_t(try #require(try await tx.query("SELECT pg_backend_pid() AS pid").first).int("pid"))
                stopped.pid = pid
                kill(pid, SIGSTOP)  // the backend will read COMMIT only when it is resumed
            }
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < Self.budget + Self.slack, "took \(elapsed)")
        kill(stopped.pid!, SIGCONT)
        // Resumed, the backend commits what it was sent: "nothing was changed" would have been false.
        var found = 0
        for _ in 0..<50 where found == 0 {
            found =
                try await unhurried { try await pool.query("SELECT count(*) AS c FROM lost_commit WHERE id = $1", [id]) }
                .first?.int("c") ?? 0
            if found == 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(found == 1)
    }

    @Test("a database restart with a pool of 8: the very next request succeeds")
    func restartWithAPoolOfEight() async throws {
        let lock = try await StallCluster.lock()
        defer { lock.release() }
        let pool = TestDB.makePool(size: 8, url: StallCluster.url!, timeout: .seconds(10))
        defer { Task { await pool.shutdown() } }
        try await warm(pool, 8)
        try await StallCluster.restart()
        #expect(try await pool.query("SELECT 1 AS v").first?.int("v") == 1)
        let value = try await pool.transaction { tx in try await tx.query("SELECT 2 AS v").first?.int("v") }
        #expect(value == 2)
        try await warm(pool, 8)
    }
}

/// The pid a transaction body stopped, for the test to resume it whatever happens.
final class PIDBox: @unchecked Sendable {
    // Written once by the transaction body before the test reads it after the body returned.
    var pid: pid_t?
}
