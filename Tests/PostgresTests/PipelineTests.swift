import Foundation
import PoolCore
import Testing

@testable import Postgres

/// libpq pipeline mode (issue 9): several statements in one flush, the lazily sent BEGIN and the
/// check that rides on a unit of work's first statement.
@Suite struct PipelineTests {
    @Test("an error mid-pipeline fails that statement, skips the rest, and the connection stays usable")
    func errorMidPipeline() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await pool.withConnection { session in
                let outcomes = try await session.pipelined([
                    PipelineStatement("SELECT $1::int AS v", ["1"]),
                    PipelineStatement("SELECT 1 / $1::int AS v", ["0"]),
                    PipelineStatement("SELECT $1::int AS v", ["3"]),
                ])
                #expect(outcomes.count == 3)
                #expect(try outcomes[0].get().first?.int("v") == 1)
                guard case .failure(let error) = outcomes[1] else {
                    Issue.record("division by zero succeeded")
                    return
                }
                #expect(error.sqlState == "22012")
                guard case .failure(let skipped) = outcomes[2] else {
                    Issue.record("a statement after the error ran")
                    return
                }
                #expect(skipped.sqlState == nil)
                // The same connection: out of pipeline mode, not inside a transaction.
                let connection = try await session.connection
                #expect(connection.returned == .reusable)
                #expect(try await session.query("SELECT $1::int AS v", [4]).first?.int("v") == 4)
                let again = try await session.pipelined([PipelineStatement("SELECT $1::int AS v", ["5"])])
                #expect(try again[0].get().first?.int("v") == 5)
            }
            #expect(await pool.inUse() == 0)
        }
    }

    @Test("a statement that fails to prepare in a pipeline is not remembered as prepared")
    func failedPrepare() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await pool.withConnection { session in
                for _ in 0..<2 {
                    let outcomes = try await session.pipelined([PipelineStatement("SELEC $1::int", ["1"])])
                    guard case .failure(let error) = outcomes[0] else {
                        Issue.record("a syntax error succeeded")
                        return
                    }
                    #expect(error.sqlState == "42601")
                }
                for value in 1...3 {
                    let outcomes = try await session.pipelined([PipelineStatement("SELECT $1::int + 1 AS v", ["\(value)"])])
                    #expect(try outcomes[0].get().first?.int("v") == value + 1)
                }
            }
        }
    }

    @Test("a deadline that passes during a pipeline fails in time, abandons the connection, and the pool carries on")
    func deadlineDuringPipeline() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let pid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            let start = ContinuousClock.now
            let error = await #expect(throws: DatabaseUnavailable.self) {
                try await DatabaseDeadline.withTimeout(.milliseconds(300)) {
                    try await pool.transaction(lazyBegin: true) { tx in try await tx.query("SELECT pg_sleep($1)", [5]) }
                }
            }
            #expect(error?.reason == .deadlineExceeded)
            #expect(ContinuousClock.now - start < .milliseconds(2000))
            #expect(await pool.inUse() == 0)
            let newPid = try #require(try await pool.query("SELECT pg_backend_pid() AS pid").first).int("pid")
            #expect(newPid != pid, "the abandoned connection was not reused")
        }
    }

    @Test("a lazily begun transaction commits, rolls back on throw, and one without statements sends nothing")
    func lazyBegin() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                let inside = try await pool.transaction(lazyBegin: true) { tx in
                    try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [1])
                    try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [2])
                    return try await tx.query("SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS open").first?.bool("open")
                }
                #expect(inside == true, "both inserts ran in one transaction")
                await #expect(throws: Boom.self) {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [3])
                        throw Boom()
                    }
                }
                let error = try await #require(throws: PostgresError.self) {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [4])
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [1])
                    }
                }
                #expect(error.isUniqueViolation)
                let nothing = try await pool.transaction(lazyBegin: true) { _ in "no statement" }
                #expect(nothing == "no statement")
                let rows = try await pool.query("SELECT array_agg(id ORDER BY id)::text AS ids FROM \(table)")
                #expect(try rows.first?.string("ids") == "{1,2}")
                #expect(await pool.inUse() == 0)
            }
        }
    }

    @Test("preferGenericPlans holds for the transaction only, leaves with a lazy BEGIN, and costs a round trip after it")
    func genericPlans() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let mode = "SELECT current_setting('plan_cache_mode') AS mode"
            #expect(try await pool.query(mode).first?.string("mode") == "auto")  // also opens the connection
            let before = pool.roundTrips.value
            let inside = try await pool.transaction(lazyBegin: true) { tx in
                try await tx.preferGenericPlans()
                try await tx.preferGenericPlans()
                return try await tx.query(mode).first?.string("mode")
            }
            #expect(inside == "force_generic_plan")
            #expect(pool.roundTrips.value - before == 2, "BEGIN, the setting and the read in one flush, then COMMIT")
            let pageCost = "SELECT current_setting('random_page_cost') AS cost"
            let costInside = try await pool.transaction(lazyBegin: true) { tx in
                try await tx.preferGenericPlans()
                return try await tx.query(pageCost).first?.string("cost")
            }
            #expect(costInside == "1.1", "index probes priced as on cached data, with the generic plans")
            #expect(try await pool.query(pageCost).first?.string("cost") == "4", "undone at commit")
            #expect(try await pool.query(mode).first?.string("mode") == "auto", "undone at commit")
            await #expect(throws: Boom.self) {
                try await pool.transaction(lazyBegin: true) { tx in
                    try await tx.preferGenericPlans()
                    try await tx.query(mode)
                    throw Boom()
                }
            }
            #expect(try await pool.query(mode).first?.string("mode") == "auto", "undone at rollback")
            let beforeEager = pool.roundTrips.value
            let eager = try await pool.transaction { tx in
                try await tx.preferGenericPlans()
                try await tx.preferGenericPlans()
                return try await tx.query(mode).first?.string("mode")
            }
            #expect(eager == "force_generic_plan")
            #expect(pool.roundTrips.value - beforeEager == 4, "BEGIN, the setting once, the read, COMMIT")
            #expect(try await pool.query(mode).first?.string("mode") == "auto")

            let beforeAutocommit = pool.roundTrips.value
            #expect(try await pool.query(mode, [], genericPlan: true).first?.string("mode") == "force_generic_plan")
            #expect(pool.roundTrips.value - beforeAutocommit == 1, "the setting leaves with the statement")
            #expect(try await pool.query(mode).first?.string("mode") == "auto", "undone with the statement's transaction")
            let prepared = try await pool.query(
                "SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE $1", ["%set_config('plan_cache_mode'%"])
            #expect(try prepared.first?.int("n") == 1, "the setting is prepared once per connection, not parsed in every flush")
        }
    }

    @Test("a deferred check that fails stops the statements of its flush, in a transaction and in autocommit")
    func failingCheck() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await TestDB.withTable(pool, columns: "id int PRIMARY KEY") { table in
                let failing = "SELECT 1 / $1::int AS v"
                let inTransaction = DeferredCheck(failing, ["0"])
                await #expect(throws: PostgresError.self) {
                    try await DeferredCheck.$current.withValue(inTransaction) {
                        try await pool.transaction(lazyBegin: true) { tx in
                            try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [1])
                        }
                    }
                }
                guard case .failed(let error) = inTransaction.state else {
                    Issue.record("check state \(inTransaction.state)")
                    return
                }
                #expect(error.sqlState == "22012")
                let autocommit = DeferredCheck(failing, ["0"])
                await #expect(throws: PostgresError.self) {
                    try await DeferredCheck.$current.withValue(autocommit) {
                        try await pool.query("INSERT INTO \(table) (id) VALUES ($1)", [2])
                    }
                }
                let eager = DeferredCheck(failing, ["0"])
                await #expect(throws: PostgresError.self) {
                    try await DeferredCheck.$current.withValue(eager) {
                        try await pool.transaction { tx in try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [3]) }
                    }
                }
                let count = try await pool.query("SELECT count(*) AS n FROM \(table)")
                #expect(try count.first?.int("n") == 0)

                let passing = DeferredCheck(failing, ["1"])
                try await DeferredCheck.$current.withValue(passing) {
                    try await pool.transaction(lazyBegin: true) { tx in
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [4])
                        try await tx.query("INSERT INTO \(table) (id) VALUES ($1)", [5])
                    }
                }
                guard case .passed = passing.state else {
                    Issue.record("check state \(passing.state)")
                    return
                }
                let after = try await pool.query("SELECT count(*) AS n FROM \(table)")
                #expect(try after.first?.int("n") == 2)
                #expect(await pool.inUse() == 0)
            }
        }
    }
}
