/// What every connection is told at connect time, derived from the pool's timeout.
struct SessionSettings: Sendable {
    let timeout: Duration

    private var milliseconds: Int64 {
        let (seconds, attoseconds) = timeout.components
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// TCP keepalives and `tcp_user_timeout` find a peer that vanished (a failover dropping
    /// packets) on connections nobody is waiting on; the deadlines cover those in use.
    /// Ignored on Unix sockets.
    var connectKeywords: [(String, String)] {
        let seconds = max(1, milliseconds / 1000)
        return [
            ("keepalives", "1"), ("keepalives_idle", "\(seconds)"), ("keepalives_interval", "\(max(1, seconds / 3))"),
            ("keepalives_count", "3"), ("tcp_user_timeout", "\(milliseconds)"),
        ]
    }

    /// Sent once per connection. Timestamps travel as ISO text in UTC; the decoder relies on
    /// it. Notices (e.g. "relation already exists, skipping") would go to stderr through
    /// libpq's default processor; warnings and errors still arrive as results. The server-side
    /// timeouts end work nobody waits for any more: a statement running past the whole
    /// budget, or a transaction left open by a client that went away.
    var sessionSQL: String {
        """
        SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; \
        SET client_min_messages = warning; SET statement_timeout = \(milliseconds); \
        SET idle_in_transaction_session_timeout = \(2 * milliseconds)
        """
    }
}
