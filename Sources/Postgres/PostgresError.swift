/// An error reported by PostgreSQL or by libpq.
///
/// The description never includes statement parameters: they may hold tokens or customer data.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The five-character SQLSTATE, or nil when the error did not come from the server
    /// (connection failures, protocol errors).
    public let sqlState: String?
    public let message: String
    public let detail: String?
    public let constraint: String?

    public init(sqlState: String?, message: String, detail: String? = nil, constraint: String? = nil) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
    }

    /// The message with every double-quoted part elided: PostgreSQL quotes offending input
    /// there ("invalid input syntax for type integer: \"…\""), and that input may be a secret.
    public var description: String {
        var redacted = ""
        var quoted = false
        for ch in message {
            if ch == "\"" {
                redacted.append(quoted ? "…\"" : "\"")
                quoted.toggle()
            } else if !quoted {
                redacted.append(ch)
            }
        }
        return "PostgresError(\(sqlState ?? "-----")): \(redacted)"
    }

    public var isSerializationFailure: Bool { sqlState == SQLState.serializationFailure }
    public var isDeadlock: Bool { sqlState == SQLState.deadlockDetected }
    /// Worth running the whole transaction again.
    public var isRetryable: Bool { isSerializationFailure || isDeadlock }
    public var isUniqueViolation: Bool { sqlState == SQLState.uniqueViolation }
    public var isForeignKeyViolation: Bool { sqlState == SQLState.foreignKeyViolation }
    public var isCheckViolation: Bool { sqlState == SQLState.checkViolation }
    /// The connection broke (server restart, network, a session timeout that ended it): no
    /// SQLSTATE, class 08, 57P0x, or the FATAL idle-session timeouts 25P03 and 57P05.
    public var isConnectionFailure: Bool {
        guard let state = sqlState else { return true }
        return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
            || state == SQLState.idleInTransactionSessionTimeout || state == "57P05"
    }
    /// The server cancelled the statement (its `statement_timeout`, or an administrator's
    /// cancel): the transaction is aborted, so nothing of it was written.
    public var isQueryCanceled: Bool { sqlState == SQLState.queryCanceled }
}

/// SQLSTATE codes this project reacts to.
public enum SQLState {
    public static let uniqueViolation = "23505"
    public static let foreignKeyViolation = "23503"
    public static let checkViolation = "23514"
    public static let notNullViolation = "23502"
    public static let serializationFailure = "40001"
    public static let deadlockDetected = "40P01"
    public static let lockNotAvailable = "55P03"
    public static let invalidTextRepresentation = "22P02"
    public static let queryCanceled = "57014"
    public static let idleInTransactionSessionTimeout = "25P03"
}
