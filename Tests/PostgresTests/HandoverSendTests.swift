import Foundation
import Testing

@testable import Postgres

/// A lazily begun transaction that waits for a connection has its first statements sent by the
/// task that gives one back (`ConnectionPool.Waiter`), and everything else about it stays as if
/// it had sent them itself: its results, its errors, its deferred check, its transaction.
@Suite struct HandoverSendTests {
    /// Holds the pool's only connection, having inserted `holderId`, until
    /// `release` is called, while `waiting` runs and joins the line; then lets go.
    private static func whileHeld<T: Sendable>(
        _ pool: ConnectionPool, _ table: String, holderId: Int,
        waiting: @escaping @Sendable () async throws -> T
    ) async throws -> (Result<T, any Error>, handovers: Int) {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let holding = AsyncStream<Void>.makeStream()
        // Not a transaction: one that commits hands its connection over behind its COMMIT
        // (`CommitHandoverTests`), not when it gives it back.
        async let holder: Void = pool.withConnection { session in
            try await session.query("INSERT INTO \(table) (id) VALUES ($1)", [holderId])
            holding.continuation.yield()
            for await _ in gate { break }
        }
        for await _ in holding.stream { break }
        let before = pool.sentOnHandover.value
        let waiter = try await TestDB.startWaiter(pool, opening: open, waiting)
        try await holder
        let outcome = await waiter.result
        return (outcome, pool.sentOnHandover.value - before)
    }

    @Test("the first statements of a waiting transaction leave when the connection is given back")
    func sentOnHandover() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                _ = try await pool.query("SELECT 1")  // opens the connection
                let (outcome, handovers) = try await Self.whileHeld(pool, table, holderId: 1) {
                    try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                        let first = try await tx.query("INSERT INTO \(table) (id) VALUES ($1) RETURNING id", [2])
                        let last = SQLQuery(stringLiteral: "INSERT INTO \(table) (id) VALUES (3) RETURNING id")
                        let second = try await tx.executeCommitting(last)
                        return try [first.first?.int("id"), second.first?.int("id")]
                    }
                }
                #expect(try outcome.get() == [2, 3])
                #expect(handovers == 1, "sent by the task that gave the connection back")
                let ids = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try ids.first?.string("ids") == "{1,2,3}")
                let open = try await pool.query("SELECT pg_current_xact_id_if_assigned() IS NULL AS idle")
                #expect(try open.first?.bool("idle") == true, "no transaction left open on the connection")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a waiting transaction whose first statement fails, after it was sent for it, rolls back")
    func failingFirstStatement() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY, note text") { table in
                _ = try await pool.query("SELECT 1")
                let (outcome, handovers) = try await Self.whileHeld(pool, table, holderId: 1) {
                    try await pool.transaction(lazyBegin: true) { tx in
                        // The holder's row, committed by the time this runs: a unique violation.
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [1])
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [9])
                    }
                }
                #expect(handovers == 1)
                guard case .failure(let error as PostgresError) = outcome else {
                    Issue.record("expected a unique violation, got \(outcome)")
                    return
                }
                #expect(error.isUniqueViolation)
                let ids = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try ids.first?.string("ids") == "{1}")
                #expect(try await pool.query("SELECT $1::int AS v", [7]).first?.int("v") == 7, "the connection is usable")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a deferred check sent on handover still stops the statements after it, and says so")
    func deferredCheckOnHandover() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                _ = try await pool.query("SELECT 1")
                let check = DeferredCheck("SELECT 1 / $1::int AS v", ["0"])
                let (outcome, handovers) = try await Self.whileHeld(pool, table, holderId: 1) {
                    try await DeferredCheck.$current.withValue(check) {
                        try await pool.transaction(lazyBegin: true) { tx in
                            try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [2])
                        }
                    }
                }
                #expect(handovers == 1)
                #expect(throws: PostgresError.self) { try outcome.get() }
                guard case .failed(let error) = check.state else {
                    Issue.record("check state \(check.state)")
                    return
                }
                #expect(error.sqlState == "22012")
                let ids = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try ids.first?.string("ids") == "{1}", "the waiting transaction wrote nothing")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a transaction that finds a connection free sends its statements itself")
    func noWaitNoHandover() async throws {
        try await TestDB.withPool(size: 2) { pool in
            let before = pool.sentOnHandover.value
            let value = try await pool.transaction(lazyBegin: true) { tx in
                try await tx.query("SELECT $1::int AS v", [5]).first?.int("v")
            }
            #expect(value == 5)
            #expect(pool.sentOnHandover.value == before)
            #expect(await pool.inUse() == 0)
        }
    }
}
