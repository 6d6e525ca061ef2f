import Foundation
public import Logging
import NIOCore
import NIOPosix
import PoolCore
public import ServiceLifecycle
import Synchronization

/// A fixed-size pool of libpq connections. No libpq call blocks the caller's thread:
/// statements use libpq's non-blocking calls and wait on `SocketReactor`, and a connection's
/// handshake (which may resolve a host name) runs on the pool's own `NIOThreadPool`. Every wait
/// is bounded by the operation's deadline (`DatabaseDeadline`, else `timeout` from when the operation
/// starts). The decisions are `PoolStateMachine`'s; this class carries them out.
public final class ConnectionPool: Sendable {
    public let size: Int
    /// The budget of one operation when no `DatabaseDeadline` is set; also what the server-side
    /// timeouts of each session are derived from.
    public let timeout: Duration
    let threadPool: NIOThreadPool
    private let conninfo: String
    private let settings: SessionSettings
    private let logger: Logger
    /// A mutex rather than an actor: leasing and releasing stay synchronous (no hop on the hot
    /// path), and a cancelled or expired waiter is removed the moment it happens.
    private let state: Mutex<PoolStateMachine<Connection, Waiter>>
    /// Connections are retired after this long. A PostgreSQL backend keeps the plans it
    /// cached (its own foreign-key checks included) for its lifetime; on a young database
    /// those were made against empty tables and scan sequentially until replanned.
    let maxLifetime: Duration
    /// Round trips of this pool's connections so far (each statement, or each pipeline, is one).
    public let roundTrips = RoundTripCounter()
    /// Flushes sent for a waiting task by the task that gave its connection back (`Waiter`).
    public let sentOnHandover = RoundTripCounter()
    /// Flushes sent for a waiting task behind the committing flush of the task that held its
    /// connection (`Session.commitHandingOver`).
    public let sentBehindCommit = RoundTripCounter()

    /// A task in line for a connection. One that already knows its first statements (a
    /// lazily begun transaction, `Session.runPipeline`) brings them along: whoever gives a
    /// connection back sends them before it wakes the task (`grant`), so PostgreSQL works on
    /// them while the task waits for its event loop. A transaction that commits while the task
    /// waits does better: it sends them behind its `COMMIT` (`Session.commitHandingOver`);
    /// this is for the other ways a connection comes back (bench/README.md, 2026-12-06
    /// 22:09–23:50 UTC and 2026-12-07).
    struct Waiter: Sendable {
        let continuation: HomeboundContinuation<Leased, any Error>
        let firstFlush: [PipelineStatement]?
        let deadline: ContinuousClock.Instant

        func resume(throwing error: any Error) { continuation.resume(throwing: error) }

        /// Hands the waiter a connection taken from another task (`ConnectionPool.waiterToHandOver`),
        /// with its first statements' answers to read when they were `sent` on it. A connection
        /// that closed on the way it finds dead at its lease, or in reading, and replaces.
        func handOver(_ connection: Connection, sent: SentPipeline?) {
            continuation.resume(returning: Leased(grant: .use(connection), sent: sent))
        }

        /// Hands `grant` over, sending the first statements on it when there are any and the
        /// connection is alive (a dead one the task replaces as usual, see `lease`). Whether
        /// it sent them.
        func grant(_ grant: PoolGrant<Connection>) -> Bool {
            guard let firstFlush, case .use(let connection) = grant, connection.isAliveAtLease() else {
                continuation.resume(returning: Leased(grant: grant, sent: nil))
                return false
            }
            do {
                let sent = try connection.sendPipeline(firstFlush, deadline: deadline)
                continuation.resume(returning: Leased(grant: grant, sent: sent))
                return true
            } catch {
                // Refused (the connection is closed now: the task replaces it, as any found
                // dead) or past the task's deadline (the task's own send says so).
                continuation.resume(returning: Leased(grant: grant, sent: nil))
                return false
            }
        }
    }

    /// What a waiting task is handed: its grant and, when the granter sent them, its first
    /// statements, whose answers are the task's to read (the connection was then found alive
    /// at the hand-over).
    struct Leased: Sendable {
        let grant: PoolGrant<Connection>
        let sent: SentPipeline?
    }

    /// `maxWaiters` bounds the line of tasks waiting for a connection (default 64 per
    /// connection); past it a lease fails at once with `DatabaseUnavailable(.waitQueueFull)`.
    public init(
        conninfo: String, size: Int, maxLifetime: Duration = .seconds(300), timeout: Duration = .seconds(5),
        maxWaiters: Int? = nil, logger: Logger = Logger(label: "postgres")
    ) {
        self.maxLifetime = maxLifetime
        self.size = max(1, size)
        self.timeout = timeout
        self.threadPool = NIOThreadPool(numberOfThreads: self.size)
        self.threadPool.start()
        self.conninfo = conninfo
        self.settings = SessionSettings(timeout: timeout)
        self.state = Mutex(
            PoolStateMachine(size: self.size, maxWaiters: max(0, maxWaiters ?? 64 * self.size), maxLifetime: maxLifetime))
        self.logger = logger
    }

    /// Closes idle connections, fails every waiter and stops the thread pool. Call after all
    /// work is done; calling it again does nothing more.
    public func shutdown() async {
        let (close, waiters) = state.withLock { $0.shutDown() }
        for connection in close { connection.close() }
        for waiter in waiters { waiter.resume(throwing: Self.shutDownError) }
        try? await threadPool.shutdownGracefully()
    }

    /// Connections currently leased (in use or being opened), for `/metrics`.
    public func inUse() async -> Int { state.withLock { $0.leased } }

    /// Tasks waiting for a connection right now.
    public var waiting: Int { state.withLock { $0.waiting } }

    var currentDeadline: ContinuousClock.Instant { DatabaseDeadline.current ?? ContinuousClock.now + timeout }

    /// Leases a connection for `body`. A connection that died while idle (a database restart)
    /// is noticed here and replaced, so one failure does not poison the pool.
    public func withConnection<T>(_ body: (Session) async throws -> T) async throws -> T {
        try await withConnection(deadline: currentDeadline, body)
    }

    func withConnection<T>(deadline: ContinuousClock.Instant, _ body: (Session) async throws -> T) async throws -> T {
        try await withSession(deadline: deadline, leaseWithFirstStatements: false, body)
    }

    /// `leaseWithFirstStatements`: the session leases its connection when its first statements
    /// are ready (`LeaseSlot`), for a lazily begun transaction; otherwise now.
    private func withSession<T>(
        deadline: ContinuousClock.Instant, leaseWithFirstStatements: Bool, _ body: (Session) async throws -> T
    ) async throws -> T {
        let slot = LeaseSlot(pool: self, leased: leaseWithFirstStatements ? nil : try await lease(deadline: deadline))
        let session = Session(slot: slot, deadline: deadline, pendingBegin: nil)
        do {
            let value = try await body(session)
            if let connection = slot.take() { giveBack(connection) }
            return value
        } catch {
            if let connection = slot.take() { giveBack(connection) }
            throw error
        }
    }

    /// Runs one statement outside an explicit transaction (autocommit). When the connection
    /// turns out to have broken (a database restart), it runs once more on a new one: callers
    /// use this for reads and for writes that are safe to repeat. When its answer never came,
    /// it may have been committed: `DatabaseOutcomeUnknown`.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> QueryResult {
        try await query(sql, parameters, genericPlan: false)
    }

    /// `genericPlan`: run the statement with its cached generic plan
    /// (`Transaction.preferGenericPlans` says when); the setting leaves in the same flush and
    /// ends with the statement's implicit transaction.
    public func query(_ sql: String, _ parameters: [any PostgresEncodable], genericPlan: Bool) async throws -> QueryResult {
        let deadline = currentDeadline
        let texts = parameters.map { $0.postgresText }
        do {
            return try await withConnection(deadline: deadline) { try await $0.run(sql, texts, genericPlan: genericPlan) }
        } catch let failure as ExchangeFailure {
            guard case .connectionLost(let error) = failure.kind else { throw failure.committingError }
            logger.debug("retrying a statement on a new connection", metadata: ["error": "\(error)"])
            do {
                return try await withConnection(deadline: deadline) { try await $0.run(sql, texts, genericPlan: genericPlan) }
            } catch let failure as ExchangeFailure {
                throw failure.committingError
            }
        }
    }

    /// Runs `body` in a transaction, committing when it returns and rolling back when it throws.
    /// The whole body runs again on serialization failure or deadlock (up to `maxAttempts`), and
    /// when the connection turned out to be broken before anything was sent. `body` must
    /// therefore have no effects outside the transaction. When the answer to `COMMIT` never
    /// came, it throws `DatabaseOutcomeUnknown`; every other failure means nothing was committed.
    ///
    /// `bodyMayCommit`: the caller runs nothing in the transaction after `body`, so `body` may
    /// end it with its last statement (`Transaction.executeCommitting`, one round trip fewer)
    /// and throw `RetryTransaction` after that to have the whole body run again.
    public func transaction<T>(
        _ isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 6,
        lazyBegin: Bool = false,
        bodyMayCommit: Bool = false,
        _ body: (Transaction) async throws -> T
    ) async throws -> T {
        let deadline = currentDeadline
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withSession(deadline: deadline, leaseWithFirstStatements: lazyBegin) { plainSession in
                    var session = plainSession
                    if lazyBegin {
                        // `BEGIN` leaves with the first statement of `body`: one round trip fewer.
                        session.pendingBegin = PendingBegin(Session.beginSQL(isolation))
                    } else {
                        session.pendingBegin = PendingBegin(Session.beginSQL(isolation), sent: true)
                        do {
                            try await session.beginTransaction(isolation)
                        } catch let failure as ExchangeFailure {
                            if case .connectionLost(let error) = failure.kind { throw RetryableBegin(underlying: error) }
                            throw failure.publicError
                        }
                    }
                    let early = bodyMayCommit ? EarlyCommit() : nil
                    session.earlyCommit = early
                    let pending = session.pendingBegin
                    func open() -> Bool { (pending?.wasSent ?? true) && !(early?.isDone ?? false) }
                    let value: T
                    do {
                        value = try await body(Transaction(session: session))
                    } catch {
                        if open(), session.slot.current?.isHealthy ?? false { _ = try? await session.run("ROLLBACK", []) }
                        throw error
                    }
                    // A transaction that ran no statement, or that committed with its last
                    // one, has nothing to commit.
                    guard open() else { return value }
                    try await session.commit()
                    return value
                }
            } catch let error as PostgresError where error.isRetryable && attempt < maxAttempts {
                logger.debug("retrying transaction", metadata: ["sqlstate": "\(error.sqlState ?? "")", "attempt": "\(attempt)"])
                try await Task.sleep(nanoseconds: UInt64.random(in: 1_000_000...5_000_000) * UInt64(attempt))
            } catch let error as RetryableBegin {
                if attempt >= maxAttempts { throw error.underlying }
            } catch let retry as RetryTransaction {
                if attempt >= maxAttempts { throw retry.exhausted }
                logger.debug("running a committed-early transaction's body again", metadata: ["attempt": "\(attempt)"])
            }
        }
    }

    // MARK: - Service

    /// Housekeeping until graceful shutdown (idle connections past their lifetime are closed,
    /// waiters past their deadline failed, should a timer have been missed), then `shutdown()`.
    /// Listed before the HTTP server and the jobs in a ServiceGroup, it is shut down after them,
    /// so requests still draining keep their connections.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            housekeeping(now: .now)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: Self.housekeepingInterval) }
            } catch {
                break
            }
        }
        await shutdown()
    }

    static let housekeepingInterval: Duration = .seconds(1)

    func housekeeping(now: ContinuousClock.Instant) {
        let (retired, expired) = state.withLock { ($0.retireIdle(now: now), $0.expireWaiters(now: now)) }
        for connection in retired { connection.close() }
        for waiter in expired { waiter.resume(throwing: DatabaseUnavailable(.deadlineExceeded)) }
    }

    // MARK: - Carrying out the state machine's decisions

    private func lease(deadline: ContinuousClock.Instant) async throws -> Connection {
        try await lease(deadline: deadline, firstFlush: nil).connection
    }

    /// A connection, and `firstFlush` sent on it when the task had to wait for it and the
    /// connection's giver sent it (`Waiter.grant`); otherwise sending it is the caller's.
    func lease(
        deadline: ContinuousClock.Instant, firstFlush: [PipelineStatement]?
    ) async throws -> (connection: Connection, sent: SentPipeline?) {
        let lease = state.withLock { $0.lease(now: .now, deadline: deadline) }
        for connection in lease.close { connection.close() }
        var grant: PoolGrant<Connection>
        switch lease.action {
        case .granted(let granted): grant = granted
        case .failed(let failure): throw Self.error(for: failure)
        case .mustWait(let id):
            let leased = try await waitForGrant(id: id, deadline: deadline, firstFlush: firstFlush)
            if let sent = leased.sent, case .use(let connection) = leased.grant { return (connection, sent) }
            grant = leased.grant
        }
        while true {
            switch grant {
            case .use(let connection):
                if connection.isAliveAtLease() { return (connection, nil) }
                logger.debug("an idle connection was found closed; replacing it and the idle ones opened before it")
                let broken = connection.returned == .broken
                let found = state.withLock { $0.foundDead(connection, broken: broken, now: .now) }
                carryOut(found.0)
                grant = .open(generation: found.generation)
            case .open(let generation):
                do {
                    let conninfo = self.conninfo
                    let settings = self.settings
                    let roundTrips = self.roundTrips
                    let connection = try await Connection.open(
                        conninfo: conninfo, settings: settings, generation: generation, deadline: deadline,
                        roundTrips: roundTrips, threadPool: threadPool)
                    return (connection, nil)
                } catch {
                    carryOut(state.withLock { $0.openFailed(now: .now) })
                    throw error
                }
            }
        }
    }

    private func waitForGrant(
        id: Int, deadline: ContinuousClock.Instant, firstFlush: [PipelineStatement]?
    ) async throws -> Leased {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (checked: CheckedContinuation<Leased, any Error>) in
                let waiter = Waiter(continuation: HomeboundContinuation(checked), firstFlush: firstFlush, deadline: deadline)
                // Checked under the lock: a cancellation handler that ran before this found no
                // waiter to remove, and one that runs after finds it queued.
                let entered: (close: [Connection], action: PoolStateMachine<Connection, Waiter>.EnqueueAction)? =
                    state.withLock { machine in
                        if Task.isCancelled { return nil }
                        return machine.enqueue(id: id, waiter: waiter, deadline: deadline, now: .now)
                    }
                guard let entered else {
                    waiter.resume(throwing: CancellationError())
                    return
                }
                for connection in entered.close { connection.close() }
                switch entered.action {
                // The task sends its statements itself: it is running.
                case .granted(let grant): waiter.continuation.resume(returning: Leased(grant: grant, sent: nil))
                case .failed(let failure): waiter.resume(throwing: Self.error(for: failure))
                case .queued: scheduleExpiry(at: deadline)
                }
            }
        } onCancel: {
            if let waiter = state.withLock({ $0.cancel(waiter: id) }) { waiter.resume(throwing: CancellationError()) }
        }
    }

    /// Wakes the line when `deadline` passes, in case nothing is released before then. The
    /// slack keeps a timer that fires a hair early (another clock) from finding nobody expired.
    ///
    /// One timer serves the whole line: it is armed for the nearest deadline and, when it fires,
    /// re-armed for the nearest one left. A timer per waiter (armed at every queued lease and
    /// never cancelled) kept thousands alive at a few thousand leases a second, each firing
    /// for nothing five seconds later, and every other timer of that event loop paid for the
    /// size of its heap: 8 % of the server's CPU on a one-statement route.
    private func scheduleExpiry(at deadline: ContinuousClock.Instant) {
        guard state.withLock({ $0.armExpiry(for: deadline) }) else { return }
        armExpiryTimer(at: deadline)
    }

    private func armExpiryTimer(at deadline: ContinuousClock.Instant) {
        let delay = deadline - .now + .milliseconds(1)
        MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(delay.nanosecondsClamped)) {
            let (expired, next) = self.state.withLock { $0.expiryTimerFired(armedFor: deadline, now: .now) }
            for waiter in expired { waiter.resume(throwing: DatabaseUnavailable(.deadlineExceeded)) }
            if let next { self.armExpiryTimer(at: next) }
        }
    }

    /// Returns a connection to the pool, or retires it (closed) when it broke, was abandoned at
    /// a deadline, was left inside a transaction or outlived `maxLifetime`.
    func giveBack(_ connection: Connection) {
        let returned = connection.returned
        carryOut(state.withLock { $0.release(connection, returned, now: .now) })
    }

    /// The first waiting task, out of line, when it brought its first statements, so that the
    /// holder of `connection`, about to send its last flush, sends them behind it and then
    /// hands it the connection (`Session.commitHandingOver`). The caller must resume it.
    func waiterToHandOver(after connection: Connection) -> Waiter? {
        state.withLock { $0.handOver(connection, now: .now, accepting: { $0.firstFlush != nil }) }
    }

    private func carryOut(_ handover: PoolStateMachine<Connection, Waiter>.Handover) {
        for connection in handover.close { connection.close() }
        for (waiter, grant) in handover.grants where waiter.grant(grant) { sentOnHandover.add() }
        for waiter in handover.expired { waiter.resume(throwing: DatabaseUnavailable(.deadlineExceeded)) }
    }

    private static let shutDownError = PostgresError(sqlState: nil, message: "pool is shut down")

    private static func error(for failure: PoolStateMachine<Connection, Waiter>.Failure) -> any Error {
        switch failure {
        case .shutDown: shutDownError
        case .deadlineExceeded: DatabaseUnavailable(.deadlineExceeded)
        case .queueFull: DatabaseUnavailable(.waitQueueFull)
        }
    }
}

extension Duration {
    fileprivate var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? Int64.max : product + attoseconds / 1_000_000_000
    }
}

/// The connection broke before the transaction's first answer: nothing can have been committed,
/// so the whole transaction may run again on another connection.
struct RetryableBegin: Error {
    let underlying: PostgresError
}

public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

/// A leased connection. Valid only inside the `withConnection` body that produced it.
public struct Session: Sendable {
    let slot: LeaseSlot
    /// The leased connection; leased now if the session has none (a lazily begun transaction
    /// before its first statement).
    var connection: Connection {
        get async throws { try await slot.connection(deadline: deadline) }
    }
    /// Every statement of the lease shares it.
    let deadline: ContinuousClock.Instant
    /// Set for a transaction begun lazily (`ConnectionPool.transaction(lazyBegin:)`).
    var pendingBegin: PendingBegin?
    /// Set for a transaction whose body may commit it (`ConnectionPool.transaction(bodyMayCommit:)`).
    var earlyCommit: EarlyCommit?

    /// Throws `DatabaseUnavailable` when the deadline passes (the connection is then closed,
    /// which rolls back any open transaction), `PostgresError` otherwise.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> QueryResult {
        try await query(sql, parameters, genericPlan: false)
    }

    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable], genericPlan: Bool) async throws -> QueryResult {
        do {
            return try await run(sql, parameters.map { $0.postgresText }, genericPlan: genericPlan)
        } catch let failure as ExchangeFailure {
            throw failure.publicError
        }
    }

    /// Runs SQL text that may contain several statements and no parameters (migrations).
    public func execute(script: String) async throws {
        do {
            _ = try await run(script, [])
        } catch let failure as ExchangeFailure {
            throw failure.publicError
        }
    }

    /// The statement on the thread pool; throws `ExchangeFailure` as it is, for callers that
    /// must tell a lost commit from a failure before anything was sent. A pending `BEGIN` and
    /// the task's `DeferredCheck` leave in the same flush, ahead of it (pipeline mode).
    func run(_ sql: String, _ texts: [String?], genericPlan: Bool = false) async throws -> QueryResult {
        let begin = pendingBegin?.take()
        let check = DeferredCheck.current?.take()
        if begin == nil && check == nil && !genericPlan {
            return try await connection.execute(sql, texts, deadline: deadline)
        }
        var statements = [PipelineStatement(sql, texts)]
        if genericPlan { statements.insert(Self.genericPlanSetting, at: 0) }
        return try await runPipeline(statements, begin: begin, check: check).last!
    }

    /// Generic plans until the end of the transaction (`is_local`): an explicit one, or the
    /// implicit one of a flush outside a transaction block, where `SET LOCAL` would warn.
    ///
    /// With them, `random_page_cost` 1.1 (the value usually given for data in memory or on
    /// SSD) instead of the default 4, for the same span. A generic plan cannot see the
    /// parameters, and on small, hot tables (200 vendors in 3 pages) the default prices a
    /// primary-key probe above a sequential scan within a few percent: the candidate read's
    /// cached plan then flipped, from one connection or run to the next, between probing
    /// `vendors_pkey` for the 4–6 candidate rows and hash-joining all 200 vendors
    /// (bench/README.md, 2026-12-06). The plan is cached once per connection and reused,
    /// so which one a connection got decided its cost for its whole life.
    ///
    /// The values are parameters so that the statement is prepared once per connection like
    /// any other: as plain text it was parsed and planned again in every flush it rode in.
    static let genericPlanSetting = PipelineStatement(
        "SELECT set_config('plan_cache_mode', $1, true), set_config('random_page_cost', $2, true)", ["force_generic_plan", "1.1"])

    /// Several statements in one flush (with a pending `BEGIN` and check ahead of them), each
    /// result in order; the first error is thrown.
    func runBatch(_ statements: [PipelineStatement]) async throws -> [QueryResult] {
        precondition(!statements.isEmpty)
        return try await runPipeline(statements, begin: pendingBegin?.take(), check: DeferredCheck.current?.take())
    }

    /// `BEGIN` itself: when a check is pending it goes in the same flush, after the `BEGIN`.
    func beginTransaction(_ isolation: IsolationLevel) async throws {
        let sql = Self.beginSQL(isolation)
        guard let check = DeferredCheck.current?.take() else {
            _ = try await run(sql, [])
            return
        }
        _ = try await runPipeline([], begin: [PipelineStatement(sql)], check: check)
    }

    /// `begin`, then `check`, then `statements`, in one flush; the results of `statements`.
    private func runPipeline(_ statements: [PipelineStatement], begin: [PipelineStatement]?, check: PipelineStatement?) async throws
        -> [QueryResult]
    {
        var batch: [PipelineStatement] = []
        batch.append(contentsOf: begin ?? [])
        let checkIndex = batch.count
        if let check { batch.append(check) }
        let leading = batch.count
        batch.append(contentsOf: statements)
        let sent = batch
        let deferredCheck = check != nil ? DeferredCheck.current : nil
        let deadline = self.deadline
        let outcomes: [Result<QueryResult, PostgresError>]
        do {
            // A session without a connection yet leases one with these statements, which its
            // giver may send (`ConnectionPool.Waiter`).
            let (connection, sentByGiver) = try await slot.connection(deadline: deadline, firstFlush: sent)
            if let sentByGiver {
                outcomes = try await connection.collectPipeline(sentByGiver, deadline: deadline, sentByAnother: true)
            } else {
                outcomes = try await connection.pipeline(sent, deadline: deadline)
            }
        } catch let failure as ExchangeFailure {
            deferredCheck?.settle(nil)
            // A lazily sent BEGIN: nothing of this transaction can have committed.
            if begin != nil, case .connectionLost(let error) = failure.kind, pendingBegin != nil {
                throw RetryableBegin(underlying: error)
            }
            throw failure
        } catch {
            // No connection came (the deadline, a full line): the check was not made.
            deferredCheck?.settle(nil)
            throw error
        }
        deferredCheck?.settle(outcomes[checkIndex])
        var results: [QueryResult] = []
        for outcome in outcomes {
            switch outcome {
            case .failure(let error): throw error
            case .success(let result): results.append(result)
            }
        }
        return Array(results.dropFirst(leading))
    }

    /// Several statements in one flush (`Connection.pipeline`), each with its own outcome.
    func pipelined(_ statements: [PipelineStatement]) async throws -> [Result<QueryResult, PostgresError>] {
        try await connection.pipeline(statements, deadline: deadline)
    }

    static func beginSQL(_ isolation: IsolationLevel) -> String {
        isolation == .readCommitted ? "BEGIN" : "BEGIN ISOLATION LEVEL \(isolation.rawValue)"
    }
}

/// A session's connection: leased when the session starts (`ConnectionPool.withConnection`),
/// or, for a lazily begun transaction, when its first statements are ready, so that a
/// transaction that must wait in line hands them to whoever gives a connection back
/// (`ConnectionPool.Waiter`). A connection is not taken before the transaction needs it.
final class LeaseSlot: Sendable {
    private let leased: Mutex<Connection?>
    let pool: ConnectionPool

    init(pool: ConnectionPool, leased: Connection?) {
        self.pool = pool
        self.leased = Mutex(leased)
    }

    /// The connection, if one was leased.
    var current: Connection? { leased.withLock { $0 } }

    func connection(deadline: ContinuousClock.Instant) async throws -> Connection {
        try await connection(deadline: deadline, firstFlush: nil).connection
    }

    /// The connection, leased now if there is none yet; `sent` when its giver sent
    /// `firstFlush` on it (the caller then reads the answers, else it sends them itself).
    func connection(
        deadline: ContinuousClock.Instant, firstFlush: [PipelineStatement]?
    ) async throws -> (connection: Connection, sent: SentPipeline?) {
        if let current { return (current, nil) }
        // One task uses a session at a time (its statements are awaited in turn), so no other
        // lease can start between the check above and this one.
        let leased = try await pool.lease(deadline: deadline, firstFlush: firstFlush)
        self.leased.withLock { $0 = leased.connection }
        return leased
    }

    /// Gives the connection back now, when the session has ended its transaction and runs no
    /// more statements (`Session.runCommitting`): the work the body still does after its
    /// commit (reading the answer, writing the response) no longer keeps it from the next
    /// transaction.
    func giveBackEarly() {
        if let connection = take() { pool.giveBack(connection) }
    }

    /// The connection to give back, once.
    func take() -> Connection? {
        leased.withLock { connection in
            defer { connection = nil }
            return connection
        }
    }
}

/// An open transaction. Stores take it as a parameter; the caller decides when it commits.
public struct Transaction: Sendable {
    public let session: Session

    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> QueryResult {
        try await session.query(sql, parameters)
    }

    /// `genericPlan`: as `preferGenericPlans`, for the rest of the transaction.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable], genericPlan: Bool) async throws -> QueryResult {
        if genericPlan { try await preferGenericPlans() }
        return try await session.query(sql, parameters)
    }

    /// Several statements that do not depend on each other, in one round trip (libpq pipeline
    /// mode); their results in order. The first error is thrown, and the statements after it
    /// did not run (the transaction is then aborted, as after any failed statement).
    public func queries(_ statements: [(sql: String, parameters: [any PostgresEncodable])]) async throws -> [QueryResult] {
        guard !statements.isEmpty else { return [] }
        return try await batch(statements.map { PipelineStatement($0.sql, $0.parameters.map { $0.postgresText }) })
    }

    /// `statements` in one flush, a lost or late answer surfacing as the public error.
    private func batch(_ statements: [PipelineStatement]) async throws -> [QueryResult] {
        do {
            return try await session.runBatch(statements)
        } catch let failure as ExchangeFailure {
            throw failure.publicError
        }
    }

    /// Has PostgreSQL run this transaction's prepared statements with their cached generic
    /// plan instead of planning them again for each execution's parameters
    /// (`plan_cache_mode`, set for the transaction: undone at commit or rollback). For a transaction whose
    /// statements are the same few every time and read by index whatever the parameters,
    /// such as an order's: with a catalogue of realistic size PostgreSQL's plan cache keeps
    /// choosing a fresh custom plan for them, and planning the candidate read cost 0.9 ms and
    /// the placing statement 0.4 ms per order, against 0.01 ms for the cached plan, which
    /// executes within 0.1 ms of the custom one (bench/README.md, 2026-12-06). Not for
    /// statements with optional filters, whose custom plan picks the index the present
    /// filter needs. Free when the transaction began lazily and has sent nothing yet (the
    /// setting leaves with its `BEGIN`) and when it was asked for before in this transaction;
    /// one round trip otherwise.
    public func preferGenericPlans() async throws {
        switch session.pendingBegin?.attach(Session.genericPlanSetting) {
        case .attached?, .alreadyAttached?: return
        case .sendNow?, nil: _ = try await batch([Session.genericPlanSetting])
        }
    }
}

/// Anything that runs a statement: the pool (autocommit), a session, or a transaction.
/// Read paths take it so they work both inside a command's transaction and on their own.
public protocol Queryable: Sendable {
    @discardableResult
    func query(_ sql: String, _ parameters: [any PostgresEncodable]) async throws -> QueryResult

    /// `genericPlan`: with the statement's cached generic plan, for a statement that is read by
    /// index whatever its parameters (`Transaction.preferGenericPlans` says why).
    @discardableResult
    func query(_ sql: String, _ parameters: [any PostgresEncodable], genericPlan: Bool) async throws -> QueryResult
}

extension ConnectionPool: Queryable {}
extension ConnectionPool: Service {}
extension Session: Queryable {}
extension Transaction: Queryable {}
