#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Waits for a libpq socket with `poll()`, never past a deadline. It blocks its thread: callers
/// run on the pool's own `NIOThreadPool` (one thread per connection slot), never on an event
/// loop or the cooperative pool.
enum SocketWait {
    struct Readiness {
        var readable = false
        var writable = false
    }

    /// Readiness of `fd`, or nil when `deadline` passed first. Throws only when poll() itself fails.
    static func wait(
        _ fd: Int32, read: Bool, write: Bool, until deadline: ContinuousClock.Instant
    ) throws(PostgresError) -> Readiness? {
        var events: Int16 = 0
        if read { events |= Int16(POLLIN) }
        if write { events |= Int16(POLLOUT) }
        while true {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            // Rounded up, so a wait of 0.3 ms does not spin on poll(…, 0).
            let (seconds, attoseconds) = remaining.components
            let milliseconds = min(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000, 60_000)
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(milliseconds))
            if ready < 0 {
                if errno == EINTR { continue }
                throw PostgresError(sqlState: nil, message: "poll() on the database socket failed (errno \(errno))")
            }
            if ready == 0 { continue }
            let revents = descriptor.revents
            // Errors and hang-ups count as readable: libpq reads them and reports the failure.
            let failed = revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0
            return Readiness(readable: failed || revents & Int16(POLLIN) != 0, writable: failed || revents & Int16(POLLOUT) != 0)
        }
    }
}
