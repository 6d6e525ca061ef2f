public import Foundation
public import Postgres

/// The TTL clean-up of open carts (`CART_TTL_DAYS`), run by the background jobs.
public enum CartCleanup {
    public static let batchSize = 500

    /// Deletes open carts untouched for `ttlDays`, a bounded batch per statement, until none
    /// is left or `shouldContinue` says stop; answers how many it deleted.
    public static func run(
        _ db: any Queryable, ttlDays: Int, now: Date = Date(), shouldContinue: @Sendable () -> Bool = { true }
    ) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(ttlDays) * 86_400)
        var total = 0
        while shouldContinue() {
            let deleted = try await CartStore.deleteStale(db, cutoff: cutoff, batchSize: batchSize)
            total += deleted
            if deleted < batchSize { break }
        }
        return total
    }
}
