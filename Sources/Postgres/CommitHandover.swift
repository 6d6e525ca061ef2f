extension Session {
    static let commit = PipelineStatement("COMMIT")

    /// Commits the session's transaction (its `BEGIN` was sent), the way `commitHandingOver`
    /// does when a task waits in line with its first statements ready.
    func commit() async throws {
        if let (connection, waiter) = waiterForCommit() {
            _ = try await commitHandingOver(nil, connection: connection, to: waiter)
            return
        }
        do {
            _ = try await run("COMMIT", [])
        } catch let failure as ExchangeFailure {
            throw failure.committingError
        }
    }

    /// The connection and the task to hand it to at this commit (`commitHandingOver`), if one
    /// waits with its first statements ready. None while the task's deferred check is still to
    /// be made: it must leave in the same segment as `COMMIT`, so that its failure stops the
    /// commit, and then the transaction is left failed, where a waiter's `BEGIN` would fail.
    func waiterForCommit() -> (Connection, ConnectionPool.Waiter)? {
        if let check = DeferredCheck.current, case .pending = check.state { return nil }
        guard let connection = slot.current, let waiter = slot.pool.waiterToHandOver(after: connection) else { return nil }
        return (connection, waiter)
    }

    /// The transaction's last statement (if any) and `COMMIT`, with the first statements of
    /// the task first in line for a connection (`waiter`) behind them in the same flush:
    /// PostgreSQL goes from this commit straight to the next transaction, instead of idling
    /// until this task has been woken, read its answers and given the connection back (16–17 %
    /// of the pool's connections' time on 2 cores at 16 clients; 2 % with this,
    /// bench/README.md 2026-12-07).
    /// The connection is the waiter's from the send on; it gets it once this task has read its
    /// own answers. The result: `statement`'s, else `COMMIT`'s.
    ///
    /// `COMMIT` leaves after a Sync of its own, so this transaction ends in any case before the
    /// waiter's `BEGIN`: after a failed statement PostgreSQL skips to the Sync, and a `COMMIT`
    /// of a failed transaction rolls it back. Should the connection break or this task's
    /// deadline pass, the waiter finds it closed and begins again (nothing of its own, a
    /// `BEGIN` and what followed it, can have committed). Errors are those of a committing
    /// statement: `DatabaseOutcomeUnknown` when the answers did not come.
    func commitHandingOver(
        _ statement: PipelineStatement?, connection: Connection, to waiter: ConnectionPool.Waiter
    ) async throws -> QueryResult {
        // No longer this session's to give back, whatever happens.
        _ = slot.take()
        let segments = (statement.map { [[$0]] } ?? []) + [[Self.commit], waiter.firstFlush ?? []]
        let sent: [SentPipeline]
        do {
            sent = try connection.sendPipelines(segments, deadline: deadline)
        } catch let failure as ExchangeFailure {
            // Nothing was sent (this task's deadline had passed, or libpq refused): the
            // connection is still inside this transaction, which only closing it ends. The
            // waiter finds it closed and opens another (the idle ones stay: the server is fine).
            connection.close()
            waiter.handOver(connection, sent: nil)
            throw failure.committingError
        }
        slot.pool.sentBehindCommit.add()
        var outcomes: [Result<QueryResult, PostgresError>] = []
        do {
            for segment in sent.dropLast() {
                outcomes += try await connection.collectPipeline(segment, deadline: deadline, leavingPipelineMode: false)
            }
        } catch let failure as ExchangeFailure {
            waiter.handOver(connection, sent: sent[sent.count - 1])
            throw failure.committingError
        }
        waiter.handOver(connection, sent: sent[sent.count - 1])
        for outcome in outcomes {
            if case .failure(let error) = outcome { throw error }
        }
        // The statement's result, else COMMIT's: the first either way.
        return try outcomes[0].get()
    }
}
