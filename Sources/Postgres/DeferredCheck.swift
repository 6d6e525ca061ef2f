import Synchronization

/// A check that must hold before the current unit of work's first statement takes effect, sent
/// in the same flush as that statement instead of in a round trip of its own (pipeline mode).
/// The HTTP layer uses it to re-check a cached API key: `sql` raises an error when the key no
/// longer holds, so PostgreSQL skips every statement queued after it in the flush, and nothing
/// those statements would have done happens.
///
/// The first `Session` statement run while it is `current` (on whichever connection) carries it.
/// Whoever set it reads `state` afterwards: when no statement carried it (the work needed no
/// database, or a connection broke before the answer came), it must run the check itself.
public final class DeferredCheck: Sendable {
    public enum State: Sendable {
        case pending
        case inFlight
        case passed
        case failed(PostgresError)
    }

    @TaskLocal public static var current: DeferredCheck?

    public let statement: PipelineStatement
    private let box = Mutex<State>(.pending)

    public init(_ sql: String, _ parameters: [String?]) {
        self.statement = PipelineStatement(sql, parameters)
    }

    public var state: State { box.withLock { $0 } }

    /// The statement to carry, once: the first caller gets it, later ones (concurrent work of
    /// the same request) go without, until `settle` puts it back.
    func take() -> PipelineStatement? {
        box.withLock { state in
            guard case .pending = state else { return nil }
            state = .inFlight
            return statement
        }
    }

    /// The check's own outcome; nil when its answer never came or PostgreSQL skipped it (an
    /// earlier statement of the flush failed), so that it is still to be done.
    func settle(_ outcome: Result<QueryResult, PostgresError>?) {
        box.withLock { state in
            switch outcome {
            case .success?: state = .passed
            case .failure(let error)? where error.sqlState != nil: state = .failed(error)
            default: state = .pending
            }
        }
    }
}

/// A transaction's `BEGIN`: for a lazily begun transaction, not yet sent until it leaves with
/// the transaction's first statement (one flush), or never, when the transaction runs no
/// statement. Statements attached to it (transaction settings) leave right after it, in the same flush;
/// attached after it left, they are the caller's to send.
final class PendingBegin: Sendable {
    let sql: String
    private let state: Mutex<(taken: Bool, attached: [PipelineStatement])>

    /// `sent`: the BEGIN already went out on its own (a transaction begun eagerly).
    init(_ sql: String, sent: Bool = false) {
        self.sql = sql
        state = Mutex((sent, []))
    }

    /// The BEGIN and what is attached to it, to send, once.
    func take() -> [PipelineStatement]? {
        state.withLock { state in
            if state.taken { return nil }
            state.taken = true
            return [PipelineStatement(sql)] + state.attached
        }
    }

    enum Attachment {
        /// It will leave with the BEGIN.
        case attached
        /// Attached earlier in this transaction; nothing to do.
        case alreadyAttached
        /// The BEGIN has left: the caller sends it now.
        case sendNow
    }

    /// Attaches `statement` (no result needed) to the transaction, once.
    func attach(_ statement: PipelineStatement) -> Attachment {
        state.withLock { state in
            if state.attached.contains(where: { $0.sql == statement.sql }) { return .alreadyAttached }
            state.attached.append(statement)
            return state.taken ? .sendNow : .attached
        }
    }

    var wasSent: Bool { state.withLock { $0.taken } }
}

/// Round trips to the server (one flush and its answers: a statement, or a whole pipeline) of
/// every connection of a pool, so that tests can hold a path to its number of round trips.
public final class RoundTripCounter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    public var value: Int { count.load(ordering: .relaxed) }

    func add() { count.add(1, ordering: .relaxed) }
}
