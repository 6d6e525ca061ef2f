import Foundation
import Postgres
import Synchronization
import Testing
import VendorRouting

@testable import MarketplaceAPI

private typealias K = OrderKit

/// The sweep keeps going past a suborder it cannot expire, and stops between suborders when
/// the server shuts down.
@Suite struct SLASweepResilienceTests {
    @Test func aSuborderWhoseExpiryFailsIsSkippedAndTheRestExpire() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            let seller = try await shop.seller(
                name: "Slow", acceptanceWindowSeconds: 1, items: [StockedItem(sku: x, onHand: 5, price: 500)])
            _ = seller
            let poisoned = K.id(K.suborders(try await shop.placeOK(lines: [K.line(x, 1)])).first)
            let healthy = K.id(K.suborders(try await shop.placeOK(lines: [K.line(x, 1)])).first)
            // A trigger makes expiring `poisoned` fail, as a corrupt row or a bug would.
            let name = "poison_" + poisoned.filter { $0.isLetter || $0.isNumber }.lowercased()
            try await server.pool.query(
                """
                CREATE FUNCTION \(name)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'poisoned suborder'; END $$
                """)
            try await server.pool.query(
                """
                CREATE TRIGGER \(name) BEFORE UPDATE ON suborders FOR EACH ROW
                WHEN (OLD.id = '\(poisoned)' AND NEW.status = 'expired') EXECUTE FUNCTION \(name)()
                """)
            defer {
                Task {
                    try? await server.pool.query("DROP TRIGGER IF EXISTS \(name) ON suborders")
                    try? await server.pool.query("DROP FUNCTION IF EXISTS \(name)()")
                }
            }
            try await Task.sleep(for: .milliseconds(1500))

            let failures = Mutex<[String]>([])
            let outcome = try await SLASweep.run(server.pool, onFailure: { id, _ in failures.withLock { $0.append(id) } })
            #expect(outcome.failed.contains(poisoned), "\(outcome)")
            #expect(failures.withLock { $0 }.contains(poisoned))
            #expect(!outcome.interrupted)
            #expect(K.status(try await shop.suborder(healthy)) == "expired")
            #expect(K.status(try await shop.suborder(poisoned)) == "pending_acceptance")
            // The API's sweep answers too, rather than failing for everyone.
            #expect(try await server.admin.post("/v1/jobs/sla-sweep").status == 200)

            try await server.pool.query("DROP TRIGGER \(name) ON suborders")
            try await server.pool.query("DROP FUNCTION \(name)()")
            _ = try await shop.sweep()
            #expect(K.status(try await shop.suborder(poisoned)) == "expired")
        }
    }

    @Test func aShuttingDownSweepStopsBeforeTheNextSuborder() async throws {
        try await TestServer.run { server in
            let shop = try await Shop.open(server)
            let x = try await shop.sku()
            _ = try await shop.seller(
                name: "Slow", acceptanceWindowSeconds: 1, items: [StockedItem(sku: x, onHand: 5, price: 500)])
            let suborder = K.id(K.suborders(try await shop.placeOK(lines: [K.line(x, 1)])).first)
            try await Task.sleep(for: .milliseconds(1500))
            let outcome = try await SLASweep.run(server.pool, shouldContinue: { false })
            #expect(outcome.interrupted)
            #expect(outcome.expired == 0)
            _ = suborder
        }
    }
}
