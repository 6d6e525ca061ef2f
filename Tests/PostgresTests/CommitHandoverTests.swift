import Foundation
import Testing

@testable import Postgres

/// A transaction that commits with its last statement (`executeCommitting`) while another waits
/// for its connection sends the waiter's first statements behind its own, in the same flush
/// (`Session.commitHandingOver`), and hands the connection over. Whatever becomes of the
/// committing transaction (committed, failed, failed at `COMMIT`, its connection lost), the
/// waiting one runs as if it had had a connection of its own.
@Suite struct CommitHandoverTests {
    struct Outcomes<T: Sendable>: Sendable {
        let holder: Result<Int?, any Error>
        let waiter: Result<T, any Error>
        let behindCommit: Int
        let onHandover: Int
    }

    /// The pool's only connection is held by a transaction that inserted `(1, 5)` into `table`
    /// (`id`, `k`) and ends with `last` (committing) once `waiting` has joined the line.
    /// `commitEarly`: `last` commits with it (`executeCommitting`), else the pool commits
    /// after the body. `pendingCheck`: a deferred check the holder leaves still to be made at
    /// its commit. `holderTimeout`: the holder's database deadline; its body waits for it to
    /// pass before its last statement when it is under a second.
    private static func chained<T: Sendable>(
        _ pool: ConnectionPool, _ table: String, last: String, commitEarly: Bool = true, pendingCheck: DeferredCheck? = nil,
        holderTimeout: Duration = .seconds(30), waiting: @escaping @Sendable () async throws -> T
    ) async throws -> Outcomes<T> {
        let (gate, open) = AsyncStream<Void>.makeStream()
        let holding = AsyncStream<Void>.makeStream()
        let behind = pool.sentBehindCommit.value
        let handedOver = pool.sentOnHandover.value
        let holder = Task {
            try await DatabaseDeadline.withTimeout(holderTimeout) {
                try await DeferredCheck.$current.withValue(pendingCheck) {
                    try await pool.transaction(lazyBegin: true, bodyMayCommit: commitEarly) { tx in
                        // Carried by no statement: taken out of the way, and put back for the commit.
                        let taken = pendingCheck?.take()
                        try await tx.query("INSERT INTO \(table) (id, k) VALUES ($1, $2)", [1, 5])
                        holding.continuation.yield()
                        for await _ in gate { break }
                        if taken != nil { pendingCheck?.settle(nil) }
                        if holderTimeout < .seconds(1) { try await Task.sleep(for: holderTimeout + .milliseconds(50)) }
                        guard commitEarly else { return try await tx.query(last, []).first?.int("id") }
                        #expect(tx.mayCommitEarly)
                        return try await tx.executeCommitting(SQLQuery(stringLiteral: last)).first?.int("id")
                    }
                }
            }
        }
        for await _ in holding.stream { break }
        let waiter = try await TestDB.startWaiter(pool, opening: open, waiting)
        let holderOutcome = await holder.result
        let waiterOutcome = await waiter.result
        return Outcomes(
            holder: holderOutcome, waiter: waiterOutcome, behindCommit: pool.sentBehindCommit.value - behind,
            onHandover: pool.sentOnHandover.value - handedOver)
    }

    private static func ids(_ pool: ConnectionPool, _ table: String) async throws -> String? {
        try await pool.query("SELECT coalesce(array_agg(id ORDER BY id)::text, '{}') AS ids FROM \(table)").first?.string("ids")
    }

    private static let columns = "id int PRIMARY KEY, k int UNIQUE DEFERRABLE INITIALLY DEFERRED"

    @Test("the waiter's first statements run right after the commit, and see it")
    func committed() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let outcomes = try await Self.chained(pool, table, last: "INSERT INTO \(table) (id) VALUES (2) RETURNING id") {
                    try await pool.transaction(lazyBegin: true, bodyMayCommit: true) { tx in
                        let seen = try await tx.query("SELECT count(*)::int AS n FROM \(table)", []).first?.int("n")
                        let last = SQLQuery(stringLiteral: "INSERT INTO \(table) (id) VALUES (3) RETURNING id")
                        let inserted = try await tx.executeCommitting(last).first?.int("id")
                        return [seen, inserted]
                    }
                }
                #expect(try outcomes.holder.get() == 2)
                #expect(try outcomes.waiter.get() == [2, 3], "the waiter's snapshot holds both committed rows")
                #expect(outcomes.behindCommit == 1 && outcomes.onHandover == 0)
                #expect(try await Self.ids(pool, table) == "{1,2,3}")
                let idle = try await pool.query("SELECT pg_current_xact_id_if_assigned() IS NULL AS idle")
                #expect(try idle.first?.bool("idle") == true, "no transaction left open on the connection")
                #expect(try await pool.query("SELECT $1::int AS v", [7]).first?.int("v") == 7, "the connection is usable")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a last statement that fails rolls its transaction back; the waiter's runs")
    func lastStatementFails() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let outcomes = try await Self.chained(pool, table, last: "INSERT INTO \(table) (id) VALUES (1) RETURNING id") {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1) RETURNING id", [2]).first?.int("id")
                    }
                }
                #expect(outcomes.behindCommit == 1)
                guard case .failure(let error as PostgresError) = outcomes.holder else {
                    Issue.record("expected a unique violation, got \(outcomes.holder)")
                    return
                }
                #expect(error.isUniqueViolation)
                #expect(try outcomes.waiter.get() == 2)
                #expect(try await Self.ids(pool, table) == "{2}", "the failed transaction's first row is gone too")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a COMMIT that fails (a deferred constraint) ends the transaction before the waiter's BEGIN")
    func commitFails() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let outcomes = try await Self.chained(pool, table, last: "INSERT INTO \(table) (id, k) VALUES (2, 5) RETURNING id") {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id, k) VALUES ($1, $2) RETURNING id", [3, 5]).first?.int("id")
                    }
                }
                #expect(outcomes.behindCommit == 1)
                guard case .failure(let error as PostgresError) = outcomes.holder else {
                    Issue.record("expected the deferred unique violation, got \(outcomes.holder)")
                    return
                }
                #expect(error.isUniqueViolation)
                #expect(try outcomes.waiter.get() == 3, "the waiter may take k = 5: the holder's rows are gone")
                #expect(try await Self.ids(pool, table) == "{3}")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a connection lost in the committing flush: its outcome is unknown, the waiter begins again on a new one")
    func connectionLost() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let outcomes = try await Self.chained(pool, table, last: "SELECT pg_terminate_backend(pg_backend_pid())::int AS id") {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1) RETURNING id", [2]).first?.int("id")
                    }
                }
                #expect(outcomes.behindCommit == 1)
                guard case .failure(let error) = outcomes.holder, error is DatabaseOutcomeUnknown else {
                    Issue.record("expected an unknown outcome, got \(outcomes.holder)")
                    return
                }
                #expect(try outcomes.waiter.get() == 2)
                #expect(try await Self.ids(pool, table) == "{2}", "the terminated backend's transaction rolled back")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a waiter that brings no statements is given the connection back the usual way")
    func eagerWaiterNotChained() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let outcomes = try await Self.chained(pool, table, last: "INSERT INTO \(table) (id) VALUES (2) RETURNING id") {
                    try await pool.transaction { tx in
                        try await tx.query("SELECT count(*)::int AS n FROM \(table)", []).first?.int("n")
                    }
                }
                #expect(outcomes.behindCommit == 0)
                #expect(try outcomes.waiter.get() == 2)
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a transaction the pool commits after its body hands its connection over the same way")
    func plainCommit() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let outcomes = try await Self.chained(
                    pool, table, last: "INSERT INTO \(table) (id) VALUES (2) RETURNING id", commitEarly: false
                ) {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("SELECT count(*)::int AS n FROM \(table)", []).first?.int("n")
                    }
                }
                #expect(try outcomes.holder.get() == 2)
                #expect(try outcomes.waiter.get() == 2, "the waiter sees the holder's two committed rows")
                #expect(outcomes.behindCommit == 1)
                #expect(try await Self.ids(pool, table) == "{1,2}")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a deferred check still to be made at COMMIT leaves with it, unchained, and its failure stops the commit")
    func pendingCheckStopsTheCommit() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let check = DeferredCheck("SELECT 1 / $1::int AS v", ["0"])
                let outcomes = try await Self.chained(
                    pool, table, last: "INSERT INTO \(table) (id) VALUES (2) RETURNING id", commitEarly: false, pendingCheck: check
                ) {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1) RETURNING id", [3]).first?.int("id")
                    }
                }
                #expect(outcomes.behindCommit == 0)
                guard case .failure(let error as PostgresError) = outcomes.holder, case .failed = check.state else {
                    Issue.record("expected the check's division by zero, got \(outcomes.holder), check \(check.state)")
                    return
                }
                #expect(error.sqlState == "22012")
                #expect(try outcomes.waiter.get() == 3)
                #expect(try await Self.ids(pool, table) == "{3}", "nothing of the checked transaction committed")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a holder whose deadline passed before its commit sends nothing; the waiter gets a new connection")
    func holderPastItsDeadline() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: Self.columns) { table in
                _ = try await pool.query("SELECT 1")
                let outcomes = try await Self.chained(
                    pool, table, last: "INSERT INTO \(table) (id) VALUES (2) RETURNING id", holderTimeout: .milliseconds(300)
                ) {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1) RETURNING id", [3]).first?.int("id")
                    }
                }
                guard case .failure(let error as DatabaseUnavailable) = outcomes.holder else {
                    Issue.record("expected the deadline, got \(outcomes.holder)")
                    return
                }
                #expect(error.reason == .deadlineExceeded)
                #expect(try outcomes.waiter.get() == 3)
                #expect(try await Self.ids(pool, table) == "{3}", "the waiter's row alone: it never ran in the holder's transaction")
                #expect(await pool.inUse() == 0)
            }
        }
    }
}
