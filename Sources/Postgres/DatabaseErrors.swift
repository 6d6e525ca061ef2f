/// The database could not be used in time: the deadline passed before a connection was free or
/// before an answer came, or too many requests were already waiting. Nothing this operation
/// sent was committed (a `COMMIT` or auto-committing statement whose answer was lost throws
/// `DatabaseOutcomeUnknown` instead), so the caller may say "nothing was changed".
public struct DatabaseUnavailable: Error, CustomStringConvertible, Sendable {
    public enum Reason: String, Sendable {
        /// The operation's deadline passed (waiting for a connection, connecting or a statement).
        case deadlineExceeded = "deadline exceeded"
        /// The pool's waiting line is full: failing at once beats queueing without bound.
        case waitQueueFull = "too many requests waiting for a connection"
    }

    public let reason: Reason

    public init(_ reason: Reason) { self.reason = reason }

    public var description: String { "DatabaseUnavailable: \(reason.rawValue)" }
}

/// The answer to a `COMMIT` (or to a lone auto-committing statement) never came: the database
/// stopped answering, or the connection broke, after the request was sent. It may or may not
/// have taken effect; only reading the data again (or replaying an idempotency key) can tell.
public struct DatabaseOutcomeUnknown: Error, CustomStringConvertible, Sendable {
    /// What was lost: the deadline, or the connection (its description, without parameters).
    public let cause: String

    public init(cause: String) { self.cause = cause }

    public var description: String { "DatabaseOutcomeUnknown: no answer to a committing statement (\(cause))" }
}
