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
        if let connection = slot.current, let waiter = slot.pool.waiterToHandOver(after: connection) {
            return try await commitHandingOver(statement, early: early, connection: connection, to: waiter)
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

    static let commit = PipelineStatement("COMMIT")

    /// The transaction's last statement and `COMMIT`, with the first statements of the task
    /// first in line for a connection (`waiter`) behind them in the same flush: PostgreSQL goes
    /// from this commit straight to the next transaction, instead of idling until this task
    /// has been woken, read its answers and given the connection back (a third of the pool's
    /// connections' time on 2 cores at 16 clients, bench/README.md 2026-12-06). The connection
    /// is the waiter's from the send on; it gets it once this task has read its own answers.
    ///
    /// `COMMIT` leaves after a Sync of its own, so this transaction ends in any case before the
    /// waiter's `BEGIN`: after a failed statement PostgreSQL skips to the Sync, and a `COMMIT`
    /// of a failed transaction rolls it back. Should the connection break or this task's
    /// deadline pass, the waiter finds it closed and begins again (nothing of its own, a
    /// `BEGIN` and what followed it, can have committed).
    private func commitHandingOver(
        _ statement: PipelineStatement, early: EarlyCommit, connection: Connection, to waiter: ConnectionPool.Waiter
    ) async throws -> QueryResult {
        let check = DeferredCheck.current?.take()
        let deferredCheck = check != nil ? DeferredCheck.current : nil
        // Over from here on whatever happens, and no longer this session's to give back.
        early.markDone()
        _ = slot.take()
        let sent: [SentPipeline]
        do {
            sent = try connection.sendPipelines(
                [(check.map { [$0] } ?? []) + [statement], [Self.commit], waiter.firstFlush ?? []], deadline: deadline)
        } catch let failure as ExchangeFailure {
            deferredCheck?.settle(nil)
            waiter.handOver(connection, sent: nil)
            throw failure.committingError
        }
        slot.pool.sentBehindCommit.add()
        let own: [Result<QueryResult, PostgresError>]
        let commit: [Result<QueryResult, PostgresError>]
        do {
            own = try await connection.collectPipeline(sent[0], deadline: deadline, leavingPipelineMode: false)
            commit = try await connection.collectPipeline(sent[1], deadline: deadline, leavingPipelineMode: false)
        } catch let failure as ExchangeFailure {
            deferredCheck?.settle(nil)
            waiter.handOver(connection, sent: sent[2])
            throw failure.committingError
        }
        waiter.handOver(connection, sent: sent[2])
        if check != nil { deferredCheck?.settle(own[0]) }
        for outcome in own + commit {
            if case .failure(let error) = outcome { throw error }
        }
        return try own[own.count - 1].get()
    }
}
