import Foundation
import Postgres
import Testing

@Suite("Postgres transactions")
struct TransactionTests {
    @Test("a committed transaction is visible to other connections and returns its value")
    func commit() async throws {
        try await TestDB.withPool(size: 2) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY, v text NOT NULL") { table in
                let value = try await pool.transaction { tx in
                    try await tx.query("INSERT INTO \(table) (id, v) VALUES ($1, $2)", [1, "one"])
                    try await tx.query("INSERT INTO \(table) (id, v) VALUES ($1, $2)", [2, "two"])
                    return "done"
                }
                #expect(value == "done")
                try await TestDB.withPool(size: 1) { other in
                    let count = try await other.query("SELECT count(*) AS c FROM \(table)")
                    #expect(try count.first?.int("c") == 2)
                }
            }
        }
    }

    @Test("a body that throws after inserting leaves no row, and the connection is reusable")
    func rollbackOnThrow() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY, v text NOT NULL") { table in
                await #expect(throws: Boom.self) {
                    try await pool.transaction { tx in
                        try await tx.query("INSERT INTO \(table) (id, v) VALUES ($1, $2)", [1, "one"])
                        let inside = try await tx.query("SELECT count(*) AS c FROM \(table)")
                        #expect(try inside.first?.int("c") == 1)
                        throw Boom()
                    }
                }
                // Same (only) connection: it must not be left inside the aborted transaction.
                let count = try await pool.query("SELECT count(*) AS c FROM \(table)")
                #expect(try count.first?.int("c") == 0)
                let status = try await pool.query("SELECT pg_current_xact_id_if_assigned() IS NULL AS idle")
                #expect(try status.first?.bool("idle") == true)
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("a failing statement rolls back the statements before it")
    func rollbackOnSQLError() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY, v text NOT NULL") { table in
                let attempts = Counter()
                let error = try await #require(throws: PostgresError.self) {
                    try await pool.transaction { tx in
                        await attempts.increment()
                        try await tx.query("INSERT INTO \(table) (id, v) VALUES ($1, $2)", [1, "first"])
                        try await tx.query("INSERT INTO \(table) (id, v) VALUES ($1, $2)", [2, "second"])
                        try await tx.query("INSERT INTO \(table) (id, v) VALUES ($1, $2)", [1, "duplicate"])
                    }
                }
                #expect(error.isUniqueViolation)
                #expect(await attempts.value == 1, "a unique violation is not worth retrying")
                let count = try await pool.query("SELECT count(*) AS c FROM \(table)")
                #expect(try count.first?.int("c") == 0)
            }
        }
    }

    @Test("the isolation level is applied, and only for that transaction")
    func isolationLevels() async throws {
        try await TestDB.withPool(size: 1) { pool in
            for (level, shown) in [
                (IsolationLevel.readCommitted, "read committed"), (.repeatableRead, "repeatable read"),
                (.serializable, "serializable"),
            ] {
                let inside = try await pool.transaction(level) { tx in
                    try await tx.query("SHOW transaction_isolation").first?.string("transaction_isolation")
                }
                #expect(inside == shown)
            }
            let after = try await pool.query("SHOW transaction_isolation")
            #expect(try after.first?.string("transaction_isolation") == "read committed")
        }
    }

    @Test("two SERIALIZABLE read-then-write transactions on one row both succeed after a retry")
    func serializationFailureIsRetried() async throws {
        try await TestDB.withPool(size: 2) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY, n int NOT NULL") { table in
                try await pool.query("INSERT INTO \(table) (id, n) VALUES (1, 0)")
                let barrier = Barrier(parties: 2)
                let attempts = Counter()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            var mine = 0
                            try await pool.transaction(.serializable) { tx in
                                mine += 1
                                await attempts.increment()
                                let n = try #require(try await tx.query("SELECT n FROM \(table) WHERE id = 1").first).int("n")
                                // First attempt: both have read the same value before either writes.
                                if mine == 1 { await barrier.arrive() }
                                try await tx.query("UPDATE \(table) SET n = $1 WHERE id = 1", [n + 1])
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let final = try await pool.query("SELECT n FROM \(table) WHERE id = 1")
                #expect(try final.first?.int("n") == 2, "a lost update means the conflict went unnoticed")
                #expect(await attempts.value >= 3, "at least one transaction must have run again")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("with maxAttempts 1 the serialization failure reaches the caller and only one write lands")
    func serializationFailureSurfacesWhenAttemptsRunOut() async throws {
        try await TestDB.withPool(size: 2) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY, n int NOT NULL") { table in
                try await pool.query("INSERT INTO \(table) (id, n) VALUES (1, 0)")
                let barrier = Barrier(parties: 2)
                let outcomes = try await withThrowingTaskGroup(of: PostgresError?.self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            do {
                                try await pool.transaction(.serializable, maxAttempts: 1) { tx in
                                    let n = try #require(try await tx.query("SELECT n FROM \(table) WHERE id = 1").first).int("n")
                                    await barrier.arrive()
                                    try await tx.query("UPDATE \(table) SET n = $1 WHERE id = 1", [n + 1])
                                }
                                return nil
                            } catch let error as PostgresError {
                                return error
                            }
                        }
                    }
                    var all: [PostgresError?] = []
                    for try await outcome in group { all.append(outcome) }
                    return all
                }
                let failures = outcomes.compactMap { $0 }
                #expect(failures.count == 1)
                #expect(failures.first?.isSerializationFailure == true)
                #expect(failures.first?.isRetryable == true)
                #expect(failures.first?.sqlState == "40001")
                let final = try await pool.query("SELECT n FROM \(table) WHERE id = 1")
                #expect(try final.first?.int("n") == 1)
            }
        }
    }

    @Test("a deadlock is retried: both transactions end up applied")
    func deadlockIsRetried() async throws {
        try await TestDB.withPool(size: 2) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY, n int NOT NULL") { table in
                try await pool.query("INSERT INTO \(table) (id, n) VALUES (1, 0), (2, 0)")
                let barrier = Barrier(parties: 2)
                let attempts = Counter()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (first, second) in [(1, 2), (2, 1)] {
                        group.addTask {
                            var mine = 0
                            try await pool.transaction { tx in
                                mine += 1
                                await attempts.increment()
                                try await tx.query("UPDATE \(table) SET n = n + 1 WHERE id = $1", [first])
                                if mine == 1 { await barrier.arrive() }
                                try await tx.query("UPDATE \(table) SET n = n + 1 WHERE id = $1", [second])
                            }
                        }
                    }
                    try await group.waitForAll()
                }
                let rows = try await pool.query("SELECT n FROM \(table) ORDER BY id")
                #expect(try rows.rows.map { try $0.int("n") } == [2, 2])
                #expect(await attempts.value == 3, "exactly one of the two was chosen as the deadlock victim")
            }
        }
    }

    @Test("an error that is not a serialization failure is not retried")
    func nonRetryableErrorsRunOnce() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let attempts = Counter()
            await #expect(throws: Boom.self) {
                try await pool.transaction(.serializable) { _ in
                    await attempts.increment()
                    throw Boom()
                }
            }
            #expect(await attempts.value == 1)
            let error = try await #require(throws: PostgresError.self) {
                try await pool.transaction { tx in
                    await attempts.increment()
                    try await tx.query("SELECT 1 / 0")
                }
            }
            #expect(error.sqlState == "22012")
            #expect(await attempts.value == 2)
        }
    }
}
