/// The instant by which the current unit of work (an HTTP request, one background operation)
/// must be done with the database: waiting for a connection, connecting and every statement
/// share it. The pool reads it; when none is set, each pool operation gets the pool's own
/// `timeout` from the moment it starts.
public enum DatabaseDeadline {
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// Runs `operation` with a deadline `timeout` from now (or the enclosing one, if earlier).
    public static func withTimeout<T>(
        _ timeout: Duration, isolation: isolated (any Actor)? = #isolation, _ operation: () async throws -> T
    ) async rethrows -> T {
        var deadline = ContinuousClock.now + timeout
        if let enclosing = current, enclosing < deadline { deadline = enclosing }
        return try await $current.withValue(deadline, operation: operation, isolation: isolation)
    }
}
