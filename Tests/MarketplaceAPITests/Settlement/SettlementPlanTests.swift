import Foundation
import Postgres
import Testing

@testable import Settlement

/// What a run's planner is told. A run reads the table its own earlier chunks wrote; these hold
/// the statistics it plans with, not a time.
@Suite struct SettlementPlanTests {
    private struct RollBack: Error {}

    @Test("statistics that say settlement_lines holds no row on pages it has are redone, counting the run's own lines")
    func zeroRowStatisticsAreRedone() async throws {
        try await TestServer.run { server in
            let marker = Fixtures.unique("stats")
            var before = -1.0
            var after = -1.0
            await #expect(throws: RollBack.self) {
                try await server.pool.transaction { tx in
                    // A run's own lines, not committed, and the statistics an analyse leaves when it
                    // sees none committed (set by hand: this database is shared with other suites,
                    // and all of it rolls back).
                    try await tx.query(
                        """
                        INSERT INTO settlement_lines (run_id, statement_id, vendor_id, currency, kind, suborder_line_id, sku,
                                                      quantity, amount, rate_bps, commission, at)
                        SELECT $1, $1, $1, 'EUR', 'sale', $1 || '-' || n, 'SKU', 1, 1, 0, 0, now()
                        FROM generate_series(1, 3000) AS n
                        """, [marker])
                    try await tx.query("UPDATE pg_class SET reltuples = 0, relpages = 500 WHERE oid = 'settlement_lines'::regclass")
                    let reltuples = "SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'settlement_lines'::regclass"
                    before = try await tx.query(reltuples).first?.double("n") ?? -1
                    try await SettlementStore.keepStatisticsTrue(tx)
                    after = try await tx.query(reltuples).first?.double("n") ?? -1
                    throw RollBack()
                }
            }
            #expect(before == 0)
            #expect(after >= 3000, "reltuples after: \(after)")
        }
    }
}
