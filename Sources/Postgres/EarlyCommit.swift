import Synchronization

/// A transaction whose body may end it with its last statement: `COMMIT` then leaves in the
/// same flush as that statement (libpq pipeline mode), one round trip fewer. Only the caller
/// of `ConnectionPool.transaction` knows that nothing of its own follows the body, so it grants
/// this (`bodyMayCommit`), and only the body knows which statement is its last
/// (`Transaction.executeCommitting`).
final class EarlyCommit: Sendable {
    private let state = Mutex(false)

    /// The transaction is over: the pool sends neither `COMMIT` nor `ROLLBACK` for it.
    var isDone: Bool { state.withLock { $0 } }

    func markDone() { state.withLock { $0 = true } }
}

/// Thrown by a body that committed early (`Transaction.executeCommitting`) and then found its
/// work must be done again, in a new transaction: an order whose stock another order took
/// between the read and the lock committed nothing but must plan again. The pool runs the body
/// again, up to its `maxAttempts`, and then throws `exhausted`.
public struct RetryTransaction: Error {
    public let exhausted: any Error

    public init(exhausted: any Error) {
        self.exhausted = exhausted
    }
}

extension Transaction {
    /// Whether `executeCommitting` will commit with its statement: the transaction's owner
    /// runs nothing after the body (`ConnectionPool.transaction(bodyMayCommit:)`).
    public var mayCommitEarly: Bool {
        guard let early = session.earlyCommit else { return false }
        return !early.isDone
    }

    /// The transaction committed with `executeCommitting`; no statement may follow.
    public var hasCommitted: Bool { session.earlyCommit?.isDone ?? false }

    /// Runs `query` as the body's last statement. When the owner allows it (`mayCommitEarly`),
    /// `COMMIT` leaves in the same flush, and the transaction is over once this returns: the
    /// body must return (or throw `RetryTransaction`) without another statement. Otherwise as
    /// `execute`. A statement that fails leaves the transaction to be rolled back as usual;
    /// an answer that never came throws `DatabaseOutcomeUnknown`, as a lost `COMMIT` does.
    public func executeCommitting(_ query: SQLQuery) async throws -> QueryResult {
        try await session.runCommitting(query.sql, query.binds.map { $0.postgresText })
    }
}

extension Session {
    func runCommitting(_ sql: String, _ texts: [String?]) async throws -> QueryResult {
        // A BEGIN still pending would leave in this flush too; were the connection lost, the
        // pool would take that for "nothing was sent" and run the body again, which a COMMIT
        // in the same flush makes untrue. Such a body commits the usual way.
        guard let early = earlyCommit, !early.isDone, pendingBegin?.wasSent ?? true else {
            do {
                return try await run(sql, texts)
            } catch let failure as ExchangeFailure {
                throw failure.publicError
            }
        }
        let statement = PipelineStatement(sql, texts)
        if let (connection, waiter) = waiterForCommit() {
            // Over from here on whatever happens: nothing to roll back.
            early.markDone()
            return try await commitHandingOver(statement, connection: connection, to: waiter)
        }
        do {
            let results = try await runBatch([statement, Self.commit])
            early.markDone()
            slot.giveBackEarly()
            return results[0]
        } catch let failure as ExchangeFailure {
            // Closed or lost: nothing to roll back on this connection any more.
            early.markDone()
            throw failure.committingError
        }
    }
}
