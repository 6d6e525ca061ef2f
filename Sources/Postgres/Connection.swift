import CPostgres
import Foundation
import NIOPosix
public import PoolCore

/// A `PGconn *`. Not Sendable by itself: libpq allows one thread at a time per connection.
/// Only `Connection` holds one, and the pool's lease serialises its use (see `Connection`).
struct PGHandle {
    let pointer: OpaquePointer
}

/// One libpq connection, in non-blocking mode: every exchange with the server is bounded by a
/// deadline (its socket watched by `SocketReactor`), so a database that stops answering cannot
/// hold a caller. Statements are sent and read with libpq's non-blocking calls by the task
/// itself; only the handshake of `open` runs on a thread pool.
///
/// `@unchecked Sendable` because `PGconn` is not thread-safe and Swift cannot see how it is
/// protected: the pool leases a connection to exactly one task at a time, and that task makes
/// each libpq call and awaits each wait before the next, so no two threads ever touch the
/// handle at once. The handle is only
/// closed in `deinit` or by its leaseholder.
public final class Connection: @unchecked Sendable, PooledConnection {
    private var handle: PGHandle?
    /// Statements prepared on this connection, by SQL text. Parsing and planning each
    /// statement once per connection instead of once per execution roughly halves the
    /// database's CPU per order (measured with pg_stat_statements in bench/).
    private var prepared: [String: String] = [:]
    private static let maxPrepared = 1000
    /// Names statements uniquely for the connection's lifetime (also across `DEALLOCATE ALL`).
    private var statementCounter = 0
    /// When this connection was opened; the pool retires old connections (see `maxLifetime`).
    public let openedAt = ContinuousClock.now
    public let generation: Int
    /// The server closed the connection (or it broke): other connections of its age may be broken too.
    private var lostByServer = false
    /// Counts the round trips of every connection of one pool.
    private let roundTrips: RoundTripCounter?

    private init(handle: PGHandle, generation: Int, roundTrips: RoundTripCounter?) {
        self.handle = handle
        self.generation = generation
        self.roundTrips = roundTrips
    }

    deinit {
        if let handle { PQfinish(handle.pointer) }
    }

    /// Opens a connection without its session settings (blocking, bounded by `deadline`: call
    /// it on the thread pool; `open` does both).
    /// Throws `DatabaseUnavailable` at the deadline, `PostgresError` when the server refuses.
    private static func connect(
        conninfo: String, settings: SessionSettings, generation: Int, deadline: ContinuousClock.Instant,
        roundTrips: RoundTripCounter?
    ) throws -> Connection {
        let pointer = try startConnecting(conninfo: conninfo, settings: settings)
        var status = PGRES_POLLING_WRITING
        while status != PGRES_POLLING_OK {
            guard status != PGRES_POLLING_FAILED else {
                let error = connectionError(pointer, prefix: "connection failed")
                PQfinish(pointer)
                throw error
            }
            let ready: SocketWait.Readiness?
            do {
                ready = try SocketWait.wait(
                    PQsocket(pointer), read: status == PGRES_POLLING_READING, write: status == PGRES_POLLING_WRITING,
                    until: deadline)
            } catch {
                PQfinish(pointer)
                throw error
            }
            guard ready != nil else {
                PQfinish(pointer)
                throw DatabaseUnavailable(.deadlineExceeded)
            }
            status = PQconnectPoll(pointer)
        }
        guard PQsetnonblocking(pointer, 1) == 0 else {
            let error = connectionError(pointer, prefix: "connection failed")
            PQfinish(pointer)
            throw error
        }
        return Connection(handle: PGHandle(pointer: pointer), generation: generation, roundTrips: roundTrips)
    }

    /// Opens a connection and applies the session settings: the connection handshake (which
    /// may resolve a host name, a blocking call) on `threadPool`, the settings as a statement.
    static func open(
        conninfo: String, settings: SessionSettings, generation: Int, deadline: ContinuousClock.Instant,
        roundTrips: RoundTripCounter?, threadPool: NIOThreadPool
    ) async throws -> Connection {
        let connection = try await threadPool.runIfActive {
            try connect(conninfo: conninfo, settings: settings, generation: generation, deadline: deadline, roundTrips: roundTrips)
        }
        do {
            _ = try await connection.execute(settings.sessionSQL, [], deadline: deadline)
        } catch let failure as ExchangeFailure {
            throw failure.publicError
        }
        return connection
    }

    /// `PQconnectStartParams` with the keepalive settings first, so that anything the
    /// connection string says about them wins (later entries override earlier ones).
    private static func startConnecting(conninfo: String, settings: SessionSettings) throws -> OpaquePointer {
        let pairs = settings.connectKeywords + [("dbname", conninfo)]
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            for pointer in keywords { free(pointer) }
            for pointer in values { free(pointer) }
        }
        var keywordArray: [UnsafePointer<CChar>?] = keywords.map { UnsafePointer($0) } + [nil]
        var valueArray: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        let started = keywordArray.withUnsafeMutableBufferPointer { k in
            valueArray.withUnsafeMutableBufferPointer { v in PQconnectStartParams(k.baseAddress, v.baseAddress, 1) }
        }
        guard let pointer = started else {
            throw PostgresError(sqlState: nil, message: "connection failed: out of memory")
        }
        if PQstatus(pointer) == CONNECTION_BAD {
            let error = connectionError(pointer, prefix: "connection failed")
            PQfinish(pointer)
            throw error
        }
        return pointer
    }

    /// Closes the connection. Non-blocking (a Terminate message is queued, the socket closed),
    /// so the leaseholder may call it anywhere.
    func close() {
        if let handle { PQfinish(handle.pointer) }
        handle = nil
        prepared.removeAll()
    }

    /// Whether libpq still considers the connection usable.
    var isHealthy: Bool {
        guard let handle else { return false }
        return PQstatus(handle.pointer) == CONNECTION_OK
    }

    /// Reads whatever the server sent while the connection was idle, without waiting: a server
    /// that closed the connection (restart, terminate) leaves an end-of-file there. One
    /// non-blocking recv(), no round trip: cheap enough for every lease.
    func isAliveAtLease() -> Bool {
        guard let handle else { return false }
        if PQconsumeInput(handle.pointer) == 0 || PQstatus(handle.pointer) != CONNECTION_OK {
            lostByServer = true
            close()
            return false
        }
        return true
    }

    /// How the connection comes back to the pool.
    var returned: ReturnedConnection {
        guard let handle else { return lostByServer ? .broken : .discarded }
        if PQstatus(handle.pointer) != CONNECTION_OK { return .broken }
        // A connection left inside a transaction (a deadline passed before ROLLBACK could be
        // sent) must never be handed to someone else.
        return PQtransactionStatus(handle.pointer) == PQTRANS_IDLE ? .reusable : .discarded
    }

    /// Runs one statement (blocking, bounded by `deadline`: call it on the thread pool). With
    /// parameters, exactly one statement; without, the text may hold several (migrations).
    ///
    /// Throws `PostgresError` for an error the server answered (the connection stays usable),
    /// and `ExchangeFailure` when no answer came: the deadline passed or the connection broke.
    /// The connection is then closed; it is never reused.
    func execute(_ sql: String, _ parameters: [String?], deadline: ContinuousClock.Instant) async throws -> QueryResult {
        guard let handle else {
            throw ExchangeFailure(.connectionLost(PostgresError(sqlState: nil, message: "connection is closed")), requestSent: false)
        }
        let pointer = handle.pointer
        if parameters.isEmpty {
            return try await exchange(deadline) { PQsendQuery(pointer, sql) }
        }
        let name = try await statementName(for: sql, parameterCount: parameters.count, deadline: deadline)
        var cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { for pointer in cStrings { free(pointer) } }
        return try await exchange(deadline) {
            cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { values in
                    PQsendQueryPrepared(pointer, name, Int32(parameters.count), values, nil, nil, 0)
                }
            }
        }
    }

    /// The name of `sql` prepared on this connection, preparing it on first use.
    private func statementName(for sql: String, parameterCount: Int, deadline: ContinuousClock.Instant) async throws -> String {
        if let name = prepared[sql] { return name }
        guard let pointer = handle?.pointer else {
            throw ExchangeFailure(.connectionLost(PostgresError(sqlState: nil, message: "connection is closed")), requestSent: false)
        }
        if prepared.count >= Self.maxPrepared {
            // A bounded cache: statements are a fixed set in practice, so this is a safety net.
            _ = try await exchange(deadline) { PQsendQuery(pointer, "DEALLOCATE ALL") }
            prepared.removeAll()
        }
        let name = nextStatementName()
        _ = try await exchange(deadline) { PQsendPrepare(pointer, name, sql, Int32(parameterCount), nil) }
        prepared[sql] = name
        return name
    }

    private func nextStatementName() -> String {
        statementCounter += 1
        return "mk\(statementCounter)"
    }

    /// Runs `statements` in libpq's pipeline mode: all of them (with the preparation of any not
    /// yet prepared) leave in one flush, followed by one Sync, so they cost one round trip
    /// instead of one each. Bounded by `deadline`, like `execute`.
    ///
    /// They run as the extended protocol runs statements before a Sync: outside an explicit
    /// transaction, in one implicit transaction. After the first error, PostgreSQL skips the rest
    /// up to the Sync: their outcome is `PipelineAborted`. An error does not end the
    /// connection's usefulness (the Sync brings it back); a lost answer or the deadline does,
    /// exactly as for `execute` (`ExchangeFailure`, the connection closed).
    func pipeline(_ statements: [PipelineStatement], deadline: ContinuousClock.Instant) async throws -> [Result<QueryResult, PostgresError>]
    {
        try await collectPipeline(sendPipeline(statements, deadline: deadline), deadline: deadline)
    }

    /// The sending half of `pipeline`: queues `statements` and their Sync and starts the flush,
    /// without waiting. The pool uses it to send a waiting transaction's first statements the
    /// moment a connection is given back (`ConnectionPool.Waiter`), so that PostgreSQL starts
    /// on them while the waiting task is still being woken; the task then reads the answers
    /// with `collectPipeline`, which also finishes a flush the socket did not take at once.
    /// Throws `ExchangeFailure` (nothing sent, the connection closed) when libpq refuses.
    func sendPipeline(_ statements: [PipelineStatement], deadline: ContinuousClock.Instant) throws -> SentPipeline {
        try sendPipelines([statements], deadline: deadline)[0]
    }

    /// Several pipelines in one flush, each ended by its own Sync, so that an error in one
    /// skips only the rest of that one; their answers are read in order, one `collectPipeline`
    /// each, all but the last with `leavingPipelineMode: false`. A transaction that commits
    /// sends the next waiting transaction's first statements behind its own this way
    /// (`Session.commitHandingOver`).
    func sendPipelines(_ segments: [[PipelineStatement]], deadline: ContinuousClock.Instant) throws -> [SentPipeline] {
        guard let pointer = handle?.pointer else {
            throw ExchangeFailure(.connectionLost(PostgresError(sqlState: nil, message: "connection is closed")), requestSent: false)
        }
        if ContinuousClock.now >= deadline { throw ExchangeFailure(.deadline, requestSent: false) }
        guard PQenterPipelineMode(pointer) == 1 else {
            lostByServer = true
            let error = Self.connectionError(pointer, prefix: nil)
            close()
            throw ExchangeFailure(.connectionLost(error), requestSent: false)
        }
        var sent: [SentPipeline] = []
        var queued = true
        var preparingCount = 0
        for statements in segments where queued {
            // A statement prepared in one segment is prepared again in the next: an error
            // earlier in the first one would skip its preparation, and the next would fail.
            var preparing: [String: String] = [:]
            var expected: [SentPipeline.Expected] = []
            for statement in statements {
                var cStrings: [UnsafeMutablePointer<CChar>?] = statement.parameters.map { $0.flatMap { strdup($0) } }
                defer { for pointer in cStrings { free(pointer) } }
                let count = Int32(statement.parameters.count)
                var name = statement.parameters.isEmpty ? nil : (prepared[statement.sql] ?? preparing[statement.sql])
                if name == nil, !statement.parameters.isEmpty, prepared.count + preparingCount < Self.maxPrepared {
                    let newName = nextStatementName()
                    guard PQsendPrepare(pointer, newName, statement.sql, count, nil) == 1 else {
                        queued = false
                        break
                    }
                    preparing[statement.sql] = newName
                    preparingCount += 1
                    expected.append(.prepare(sql: statement.sql, name: newName))
                    name = newName
                }
                let sentOne = cStrings.withUnsafeMutableBufferPointer { buffer in
                    buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { values in
                        if let name {
                            PQsendQueryPrepared(pointer, name, count, values.baseAddress, nil, nil, 0)
                        } else {
                            PQsendQueryParams(pointer, statement.sql, count, nil, values.baseAddress, nil, nil, 0)
                        }
                    }
                }
                guard sentOne == 1 else {
                    queued = false
                    break
                }
                expected.append(.statement)
            }
            guard queued, PQpipelineSync(pointer) == 1 else {
                queued = false
                break
            }
            sent.append(SentPipeline(expected: expected))
        }
        guard queued else {
            // Queued in libpq's buffer only; nothing of it was flushed to the server.
            lostByServer = true
            let error = Self.connectionError(pointer, prefix: nil)
            close()
            throw ExchangeFailure(.connectionLost(error), requestSent: false)
        }
        roundTrips?.add()
        // As much as the socket takes now. A failure is not reported here: libpq then drops
        // what it could not send, and `collectPipeline` finds the connection broken when it reads.
        _ = PQflush(pointer)
        return sent
    }

    /// The receiving half of `pipeline`: the outcome of each statement `sent` holds, in order.
    /// `leavingPipelineMode: false` when the answers of another pipeline sent behind this one
    /// are still to come (`sendPipelines`). `sentByAnother`: another task sent it a while ago
    /// (a hand-over), so its answers have likely arrived: one non-blocking read for them before
    /// waiting saves the trip through the reactor (an `epoll_ctl`, its thread's wake-up, a hop
    /// back to this task's event loop).
    func collectPipeline(
        _ sent: SentPipeline, deadline: ContinuousClock.Instant, leavingPipelineMode: Bool = true, sentByAnother: Bool = false
    ) async throws -> [Result<QueryResult, PostgresError>] {
        guard let pointer = handle?.pointer else {
            throw ExchangeFailure(.connectionLost(PostgresError(sqlState: nil, message: "connection is closed")), requestSent: true)
        }
        do {
            try await flush(pointer, deadline)
            if sentByAnother, PQisBusy(pointer) == 1, PQconsumeInput(pointer) == 0 { throw lost(pointer) }
            var outcomes: [Result<QueryResult, PostgresError>] = []
            var prepareFailure: PostgresError?
            for item in sent.expected {
                let outcome = try await collectOne(pointer, deadline)
                switch item {
                case .prepare(let sql, let name):
                    switch outcome {
                    case .success: prepared[sql] = name
                    case .failure(let error): prepareFailure = error
                    }
                case .statement:
                    // A statement whose preparation failed fails with that error, not "skipped".
                    if let failure = prepareFailure {
                        outcomes.append(.failure(failure))
                        prepareFailure = nil
                    } else {
                        outcomes.append(outcome)
                    }
                }
            }
            try await awaitSync(pointer, deadline)
            guard PQstatus(pointer) == CONNECTION_OK else { throw lost(pointer) }
            if leavingPipelineMode, PQexitPipelineMode(pointer) != 1 { throw lost(pointer) }
            return outcomes
        } catch let failure as ExchangeFailure {
            if case .connectionLost = failure.kind { lostByServer = true }
            close()
            throw failure
        }
    }

    /// The results of one pipelined request, up to the NULL that ends them.
    private func collectOne(
        _ pointer: OpaquePointer, _ deadline: ContinuousClock.Instant
    ) async throws -> Result<QueryResult, PostgresError> {
        var outcome: Result<QueryResult, PostgresError>?
        while true {
            try await waitWhileBusy(pointer, deadline)
            guard let result = PQgetResult(pointer) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                if outcome == nil { outcome = .success(Self.copy(result)) }
            case PGRES_PIPELINE_ABORTED:
                if outcome == nil { outcome = .failure(Self.pipelineAborted) }
            case PGRES_PIPELINE_SYNC:
                // Never before every request's results: the protocol is out of step.
                throw ExchangeFailure(.connectionLost(PostgresError(sqlState: nil, message: "pipeline out of step")), requestSent: true)
            default:
                if outcome == nil { outcome = .failure(Self.error(from: result, pointer: pointer)) }
            }
        }
        if PQstatus(pointer) != CONNECTION_OK { throw lost(pointer) }
        return outcome ?? .success(QueryResult(columns: [], values: [], affectedRows: 0))
    }

    private func awaitSync(_ pointer: OpaquePointer, _ deadline: ContinuousClock.Instant) async throws {
        // A NULL may come between the last request's results and the Sync's; more than a few
        // mean the Sync is not coming.
        for _ in 0..<4 {
            try await waitWhileBusy(pointer, deadline)
            guard let result = PQgetResult(pointer) else { continue }
            defer { PQclear(result) }
            if PQresultStatus(result) == PGRES_PIPELINE_SYNC { return }
        }
        throw ExchangeFailure(.connectionLost(PostgresError(sqlState: nil, message: "pipeline out of step")), requestSent: true)
    }

    private func waitWhileBusy(_ pointer: OpaquePointer, _ deadline: ContinuousClock.Instant) async throws {
        while PQisBusy(pointer) == 1 {
            _ = try await waitForSocket(pointer, read: true, write: false, deadline)
            if PQconsumeInput(pointer) == 0 { throw lost(pointer) }
        }
    }

    static let pipelineAborted = PostgresError(
        sqlState: nil, message: "not run: an earlier statement of the same pipeline failed")

    /// Sends one request and collects its results: flush until sent, then wait for the socket
    /// to be readable, consume, and take results until libpq has none left.
    private func exchange(_ deadline: ContinuousClock.Instant, send: () -> Int32) async throws -> QueryResult {
        guard let pointer = handle?.pointer else {
            throw ExchangeFailure(.connectionLost(PostgresError(sqlState: nil, message: "connection is closed")), requestSent: false)
        }
        if ContinuousClock.now >= deadline { throw ExchangeFailure(.deadline, requestSent: false) }
        guard send() == 1 else {
            // Nothing reached the server: a send that fails leaves libpq's buffer unsent.
            lostByServer = true
            let error = Self.connectionError(pointer, prefix: nil)
            close()
            throw ExchangeFailure(.connectionLost(error), requestSent: false)
        }
        roundTrips?.add()
        do {
            try await flush(pointer, deadline)
            return try await collect(pointer, deadline)
        } catch let failure as ExchangeFailure {
            if case .connectionLost = failure.kind { lostByServer = true }
            close()
            throw failure
        }
    }

    private func flush(_ pointer: OpaquePointer, _ deadline: ContinuousClock.Instant) async throws {
        while true {
            let flushed = PQflush(pointer)
            if flushed == 0 { return }
            if flushed < 0 { throw lost(pointer) }
            let ready = try await waitForSocket(pointer, read: true, write: true, deadline)
            // libpq asks to read while flushing: the server may be blocked sending to us.
            if ready.readable, PQconsumeInput(pointer) == 0 { throw lost(pointer) }
        }
    }

    private func collect(_ pointer: OpaquePointer, _ deadline: ContinuousClock.Instant) async throws -> QueryResult {
        var firstError: PostgresError?
        var last: QueryResult?
        while true {
            while PQisBusy(pointer) == 1 {
                _ = try await waitForSocket(pointer, read: true, write: false, deadline)
                if PQconsumeInput(pointer) == 0 { throw lost(pointer) }
            }
            guard let result = PQgetResult(pointer) else { break }
            defer { PQclear(result) }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                if firstError == nil { last = Self.copy(result) }
            default:
                if firstError == nil { firstError = Self.error(from: result, pointer: pointer) }
            }
        }
        if PQstatus(pointer) != CONNECTION_OK {
            throw ExchangeFailure(.connectionLost(firstError ?? Self.connectionError(pointer, prefix: nil)), requestSent: true)
        }
        if let firstError { throw firstError }
        return last ?? QueryResult(columns: [], values: [], affectedRows: 0)
    }

    private func waitForSocket(
        _ pointer: OpaquePointer, read: Bool, write: Bool, _ deadline: ContinuousClock.Instant
    ) async throws -> SocketWait.Readiness {
        do {
            let fd = PQsocket(pointer)
            let readiness: SocketWait.Readiness?
            if let reactor = SocketReactor.shared {
                readiness = try await reactor.wait(fd, read: read, write: write, until: deadline)
            } else {
                readiness = try await NIOThreadPool.singleton.runIfActive {
                    try SocketWait.wait(fd, read: read, write: write, until: deadline)
                }
            }
            guard let ready = readiness else {
                throw ExchangeFailure(.deadline, requestSent: true)
            }
            return ready
        } catch let error as PostgresError {
            throw ExchangeFailure(.connectionLost(error), requestSent: true)
        }
    }

    private func lost(_ pointer: OpaquePointer) -> ExchangeFailure {
        ExchangeFailure(.connectionLost(Self.connectionError(pointer, prefix: nil)), requestSent: true)
    }

    private static func connectionError(_ pointer: OpaquePointer, prefix: String?) -> PostgresError {
        let message = String(cString: PQerrorMessage(pointer)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(sqlState: nil, message: prefix.map { "\($0): \(message)" } ?? message)
    }

    private static func copy(_ result: OpaquePointer) -> QueryResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for c in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(c)))) }
        var size = 0
        for r in 0..<Int32(rowCount) {
            for c in 0..<Int32(columnCount) { size += Int(PQgetlength(result, r, c)) }
        }
        var cells = ResultCells.Builder(columns: columns, rowCount: rowCount, byteCapacity: size)
        for r in 0..<Int32(rowCount) {
            for c in 0..<Int32(columnCount) {
                if PQgetisnull(result, r, c) == 1 {
                    cells.appendNull()
                } else {
                    let length = Int(PQgetlength(result, r, c))
                    PQgetvalue(result, r, c).withMemoryRebound(to: UInt8.self, capacity: length) {
                        cells.append(UnsafeBufferPointer(start: $0, count: length))
                    }
                }
            }
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, cells: cells.build(), affectedRows: affected)
    }

    private static func error(from result: OpaquePointer, pointer: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let message = field("M") ?? String(cString: PQerrorMessage(pointer)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(sqlState: field("C"), message: message, detail: field("D"), constraint: field("n"))
    }
}

/// A pipeline sent on a connection whose answers are still to be read
/// (`Connection.sendPipeline`, then `Connection.collectPipeline`).
struct SentPipeline: Sendable {
    /// What each result PQgetResult hands back belongs to, in order.
    enum Expected: Sendable {
        case prepare(sql: String, name: String)
        case statement
    }

    let expected: [Expected]
}

/// One statement of a `Connection.pipeline`: SQL and its parameters as text.
public struct PipelineStatement: Sendable {
    public let sql: String
    public let parameters: [String?]

    public init(_ sql: String, _ parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}

/// No answer came to a request: the deadline passed, or the connection broke. Internal: the
/// pool turns it into `DatabaseUnavailable`, `DatabaseOutcomeUnknown` or a `PostgresError`,
/// depending on whether the request was a commit and whether it had been sent.
struct ExchangeFailure: Error {
    enum Kind {
        case deadline
        case connectionLost(PostgresError)
    }

    let kind: Kind
    /// Whether the request may have reached the server (and so may have taken effect).
    let requestSent: Bool

    init(_ kind: Kind, requestSent: Bool) {
        self.kind = kind
        self.requestSent = requestSent
    }

    /// The error for a statement that commits nothing by itself (inside a transaction).
    var publicError: any Error {
        switch kind {
        case .deadline: DatabaseUnavailable(.deadlineExceeded)
        case .connectionLost(let error): error
        }
    }

    /// The error for a `COMMIT` or an auto-committing statement.
    var committingError: any Error {
        guard requestSent else { return publicError }
        switch kind {
        case .deadline: return DatabaseOutcomeUnknown(cause: "deadline exceeded")
        case .connectionLost(let error): return DatabaseOutcomeUnknown(cause: error.description)
        }
    }
}
