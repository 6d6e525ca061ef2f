import Foundation
import Logging
import NIOPosix

/// A fixed-size pool of libpq connections. Every blocking libpq call runs on the pool's own
/// `NIOThreadPool`, never on an event loop or the cooperative executor.
public final class ConnectionPool: Sendable {
    public let size: Int
    let threadPool: NIOThreadPool
    private let state: PoolState
    private let logger: Logger
    /// Connections are retired after this long. A PostgreSQL backend keeps the plans it
    /// cached (its own foreign-key checks included) for its lifetime; on a young database
    /// those were made against empty tables and scan sequentially until replanned.
    let maxLifetime: Duration

    public init(conninfo: String, size: Int, maxLifetime: Duration = .seconds(300), logger: Logger = Logger(label: "postgres")) {
        self.maxLifetime = maxLifetime
        self.size = max(1, size)
        self.threadPool = NIOThreadPool(numberOfThreads: self.size)
        self.threadPool.start()
        self.state = PoolState(conninfo: conninfo, size: self.size)
        self.logger = logger
    }

    /// Closes idle connections and stops the thread pool. Call once, after all work is done.
    public func shutdown() async {
        await state.close()
        try? await threadPool.shutdownGracefully()
    }

    /// Connections currently leased, for `/metrics`.
    public func inUse() async -> Int { await state.leased }

    /// Leases a connection for `body`. The connection is opened or re-opened here when the old
    /// one broke (database restart), so one failure does not poison the pool.
    public func withConnection<T>(_ body: (Session) async throws -> T) async throws -> T {
        let slot = try await state.acquire()
        var connection = slot
        do {
            if connection == nil || !(connection!.isHealthy) {
                let conninfo = state.conninfo
                connection = try await threadPool.runIfActive { try Connection(conninfo: conninfo) }
            }
        } catch {
            await state.release(nil)
            throw error
        }
        let session = Session(connection: connection!, threadPool: threadPool)
        do {
            let value = try await body(session)
            await giveBack(connection!)
            return value
        } catch {
            await giveBack(connection!)
            throw error
        }
    }

    /// Returns a connection to the pool, or retires it (closed on the thread pool) when it broke
    /// or outlived `maxLifetime`; its slot then goes back for a fresh connection.
    private func giveBack(_ connection: Connection) async {
        if connection.isHealthy && ContinuousClock.now - connection.openedAt < maxLifetime {
            await state.release(connection)
        } else {
            await state.release(nil)
            _ = try? await threadPool.runIfActive { connection.close() }
        }
    }

    /// Runs one statement outside an explicit transaction (autocommit). When the connection
    /// turns out to have died while idle (a database restart), it runs once more on a new
    /// one: callers use this for reads and for writes that are safe to repeat.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> QueryResult {
        do {
            return try await withConnection { try await $0.query(sql, parameters) }
        } catch let error as PostgresError where error.isConnectionFailure {
            logger.debug("retrying a statement on a new connection", metadata: ["sqlstate": "\(error.sqlState ?? "")"])
            return try await withConnection { try await $0.query(sql, parameters) }
        }
    }

    /// Runs `body` in a transaction, committing when it returns and rolling back when it throws.
    /// The whole body runs again on serialization failure or deadlock (up to `maxAttempts`), and
    /// when the connection turned out to be broken before anything was sent. `body` must
    /// therefore have no effects outside the transaction.
    public func transaction<T>(
        _ isolation: IsolationLevel = .readCommitted,
        maxAttempts: Int = 6,
        _ body: (Transaction) async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await withConnection { session in
                    do {
                        try await session.beginTransaction(isolation)
                    } catch let error as PostgresError where error.isConnectionFailure {
                        throw RetryableBegin(underlying: error)
                    }
                    let transaction = Transaction(session: session)
                    do {
                        let value = try await body(transaction)
                        _ = try await session.query("COMMIT", [])
                        return value
                    } catch {
                        if session.connection.isHealthy { _ = try? await session.query("ROLLBACK", []) }
                        throw error
                    }
                }
            } catch let error as PostgresError where error.isRetryable && attempt < maxAttempts {
                logger.debug("retrying transaction", metadata: ["sqlstate": "\(error.sqlState ?? "")", "attempt": "\(attempt)"])
                try await Task.sleep(nanoseconds: UInt64.random(in: 1_000_000...5_000_000) * UInt64(attempt))
            } catch let error as RetryableBegin {
                if attempt >= maxAttempts { throw error.underlying }
            }
        }
    }
}

private struct RetryableBegin: Error {
    let underlying: PostgresError
}

public enum IsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

/// A leased connection. Valid only inside the `withConnection` body that produced it.
public struct Session: Sendable {
    let connection: Connection
    let threadPool: NIOThreadPool

    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> QueryResult {
        let texts = parameters.map(\.postgresText)
        let connection = self.connection
        return try await threadPool.runIfActive { try connection.execute(sql, texts) }
    }

    /// Runs SQL text that may contain several statements and no parameters (migrations).
    public func execute(script: String) async throws {
        let connection = self.connection
        _ = try await threadPool.runIfActive { try connection.execute(script, []) }
    }

    func beginTransaction(_ isolation: IsolationLevel) async throws {
        if isolation == .readCommitted {
            _ = try await query("BEGIN", [])
        } else {
            _ = try await query("BEGIN ISOLATION LEVEL \(isolation.rawValue)", [])
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
}

/// Bookkeeping of idle connections and waiters; the connections themselves are opened lazily.
private actor PoolState {
    nonisolated let conninfo: String
    private var idle: [Connection] = []
    private var slotsFree: Int
    private var waiters: [CheckedContinuation<Connection?, Never>] = []
    private(set) var leased = 0
    private var closed = false

    init(conninfo: String, size: Int) {
        self.conninfo = conninfo
        self.slotsFree = size
    }

    /// Returns an idle connection, or nil meaning "you own a slot: open one".
    func acquire() async throws -> Connection? {
        if closed { throw PostgresError(sqlState: nil, message: "pool is shut down") }
        if let connection = idle.popLast() {
            leased += 1
            return connection
        }
        if slotsFree > 0 {
            slotsFree -= 1
            leased += 1
            return nil
        }
        // The releasing task hands its slot over directly, so `leased` stays as it is.
        return await withCheckedContinuation { waiters.append($0) }
    }

    /// Gives the slot back, with its connection when it is still healthy.
    func release(_ connection: Connection?) {
        if !waiters.isEmpty {
            waiters.removeFirst().resume(returning: connection)
            return
        }
        leased -= 1
        if let connection, !closed {
            idle.append(connection)
        } else {
            slotsFree += 1
        }
    }

    func close() {
        closed = true
        idle.removeAll()
    }
}

/// Anything that runs a statement: the pool (autocommit), a session, or a transaction.
/// Read paths take it so they work both inside a command's transaction and on their own.
public protocol Queryable: Sendable {
    @discardableResult
    func query(_ sql: String, _ parameters: [any PostgresEncodable]) async throws -> QueryResult
}

extension ConnectionPool: Queryable {}
extension Session: Queryable {}
extension Transaction: Queryable {}
