import Foundation
import Synchronization
import Testing

@testable import Postgres

/// A body's last statement taking `COMMIT` with it (issue 9): one round trip fewer, and every
/// way it can end leaves the data and the connection as an ordinary commit would.
@Suite struct EarlyCommitTests {
    @Test("the last statement commits in its own flush when the owner allows it, and only then")
    func commitsWithTheLastStatement() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                _ = try await pool.query("SELECT 1")  // opens the connection
                let before = pool.roundTrips.value
                let committed = try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                    try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [1])
                    #expect(tx.mayCommitEarly)
                    _ = try await tx.executeCommitting(insert(table, 2))
                    #expect(!tx.mayCommitEarly)
                    return tx.hasCommitted
                }
                #expect(committed)
                #expect(pool.roundTrips.value - before == 2, "BEGIN with the first insert; the last with COMMIT")
                let beforeOrdinary = pool.roundTrips.value
                let ordinary = try await pool.transaction(lazyBegin: true) { tx in
                    try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [3])
                    #expect(!tx.mayCommitEarly)
                    _ = try await tx.executeCommitting(insert(table, 4))
                    return tx.hasCommitted
                }
                #expect(!ordinary, "not allowed by the owner: committed the usual way")
                #expect(pool.roundTrips.value - beforeOrdinary == 3)
                let ids = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try ids.first?.string("ids") == "{1,2,3,4}")
                let open = try await pool.query("SELECT pg_current_xact_id_if_assigned() IS NULL AS idle")
                #expect(try open.first?.bool("idle") == true, "no transaction left open on the connection")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a transaction that committed with its last statement gives its connection back before its body ends")
    func givesBackAtCommit() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                let (held, heldAfterCommit) = try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                    try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [1])
                    let held = await pool.inUse()
                    _ = try await tx.executeCommitting(insert(table, 2))
                    return (held, await pool.inUse())
                }
                #expect(held == 1)
                #expect(heldAfterCommit == 0, "free for the next transaction while the body finishes")
                // Without the owner's leave the body commits the usual way, after it returns.
                let heldToTheEnd = try await pool.transaction(lazyBegin: true) { tx in
                    _ = try await tx.executeCommitting(insert(table, 3))
                    return await pool.inUse()
                }
                #expect(heldToTheEnd == 1)
                let ids = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try ids.first?.string("ids") == "{1,2,3}")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a last statement that fails rolls everything back and leaves the connection usable")
    func failingLastStatement() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                _ = try await pool.query("INSERT INTO \(table) (id) VALUES ($1)", [1])
                let error = try await #require(throws: PostgresError.self) {
                    try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [2])
                        _ = try await tx.executeCommitting(insert(table, 1))
                    }
                }
                #expect(error.isUniqueViolation)
                let ids = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try ids.first?.string("ids") == "{1}", "the first insert was rolled back with the failed one")
                #expect(try await pool.query("SELECT $1::int AS v", [7]).first?.int("v") == 7)
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("RetryTransaction after an early commit runs the whole body again, and gives up with its error")
    func retryAfterEarlyCommit() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                let attempts = AttemptCounter()
                let value = try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                    let attempt = attempts.next()
                    try await tx.query("SELECT 1")
                    _ = try await tx.executeCommitting(insert(table, attempt))
                    if attempt < 3 { throw RetryTransaction(exhausted: Boom()) }
                    return attempt
                }
                #expect(value == 3)
                let ids = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try ids.first?.string("ids") == "{1,2,3}", "each attempt had committed on its own")

                let tries = AttemptCounter()
                await #expect(throws: Boom.self) {
                    try await pool.transaction(maxAttempts: 4, lazyBegin: true, bodyMayCommit: true) { tx in
                        _ = tries.next()
                        _ = try await tx.executeCommitting(SQLQuery(stringLiteral: "SELECT 1"))
                        throw RetryTransaction(exhausted: Boom())
                    }
                }
                #expect(tries.value == 4)
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a connection lost under the committing flush is never retried: the body ran once, and the pool carries on")
    func lostConnectionIsNotRetried() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                let runs = AttemptCounter()
                let killer = ConnectionPool(conninfo: TestDB.url, size: 1)
                await #expect(throws: (any Error).self) {
                    try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                        _ = runs.next()
                        let pid = try #require(try await tx.query("SELECT pg_backend_pid() AS pid").first).int("pid")
                        let killed = try await killer.query("SELECT pg_terminate_backend($1, 5000) AS ok", [pid])
                        #expect(try killed.first?.bool("ok") == true)
                        _ = try await tx.executeCommitting(insert(table, 1))
                    }
                }
                await killer.shutdown()
                #expect(runs.value == 1, "a flush that carried COMMIT is never sent again")
                #expect(await pool.inUse() == 0)
                #expect(try await pool.query("SELECT $1::int AS v", [9]).first?.int("v") == 9, "a new connection serves")
                let count = try await pool.query("SELECT count(*) AS n FROM \(table)")
                #expect(try count.first?.int("n") == 0, "the terminated backend committed nothing")
            }
        }
    }

    @Test("a pending BEGIN keeps COMMIT apart, so a lost connection can still be retried safely")
    func pendingBeginCommitsApart() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                _ = try await pool.query("SELECT 1")
                let before = pool.roundTrips.value
                let committedEarly = try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                    _ = try await tx.executeCommitting(insert(table, 1))
                    return tx.hasCommitted
                }
                #expect(!committedEarly)
                #expect(pool.roundTrips.value - before == 2, "BEGIN with the insert, then COMMIT")
                let count = try await pool.query("SELECT count(*) AS n FROM \(table)")
                #expect(try count.first?.int("n") == 1)
            }
        }
    }
}

/// A statement with no parameters, the table's name spelled into it.
private func insert(_ table: String, _ id: Int) -> SQLQuery {
    SQLQuery(stringLiteral: "INSERT INTO \(table) (id) VALUES (\(id))")
}

/// Attempts counted across the runs of one transaction's body.
private final class AttemptCounter: Sendable {
    private let state = Mutex(0)
    var value: Int { state.withLock { $0 } }
    func next() -> Int {
        state.withLock {
            $0 += 1
            return $0
        }
    }
}
