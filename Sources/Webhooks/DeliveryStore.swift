public import CommerceCore
public import CryptoSupport
public import Foundation
public import Postgres

/// A delivery claimed by one dispatcher, with what it needs to send it.
public struct ClaimedDelivery: Sendable {
    public let id: String
    public let eventId: String
    public let endpointId: String
    public let url: String
    /// Decrypted signing secrets (the current one, then the previous one while it still signs);
    /// nil when a stored secret could not be decrypted with the keys this process has.
    public let secrets: [String]?
    public let body: String
    public let attempts: Int
    public let lockToken: String
}

/// Deliveries: claimed under a lease, their attempts recorded, listed and retried.
public enum DeliveryStore {
    static let columns = """
        id, event_id, endpoint_id, vendor_id, type, status, attempts, last_status_code, last_error, last_attempt_at,
        next_attempt_at, created_at, seq
        """

    static func decode(_ row: Row) throws -> WebhookDelivery {
        WebhookDelivery(
            id: try row.string("id"), eventId: try row.string("event_id"), endpointId: try row.string("endpoint_id"),
            vendorId: try row.string("vendor_id"), type: try row.string("type"),
            status: DeliveryStatus(rawValue: try row.string("status")) ?? .pending, attempts: try row.int("attempts"),
            lastStatusCode: try row.optionalInt("last_status_code"), lastError: try row.optionalString("last_error"),
            lastAttemptAt: try row.optionalDate("last_attempt_at"), nextAttemptAt: try row.optionalDate("next_attempt_at"),
            createdAt: try row.date("created_at"))
    }

    /// Claims work for one dispatcher: for each endpoint, the earliest first attempt not yet
    /// made, but only while no earlier first attempt to that endpoint is in flight; plus
    /// retries that are due. Only events older than every running transaction are eligible,
    /// so an event committing late can never be overtaken by a later one. Deleted endpoints
    /// are skipped. No endpoint gets more than `perEndpoint` attempts in flight, and no vendor
    /// more than `perVendor` (counting those other dispatchers hold), so one tenant's hanging
    /// receivers cannot take every slot; first attempts come before retries.
    public static func claim(
        _ pool: ConnectionPool, limit: Int, perEndpoint: Int, perVendor: Int, lease: TimeInterval, keyring: SecretKeyring
    ) async throws -> [ClaimedDelivery] {
        let token = Identifier.make("lease")
        let claimed = try await pool.query(
            """
            WITH leased AS (
                SELECT endpoint_id, vendor_id FROM webhook_deliveries
                WHERE status = 'pending' AND locked_until >= now()
            ), busy_endpoint AS (
                SELECT endpoint_id, count(*) AS n FROM leased GROUP BY endpoint_id
            ), busy_vendor AS (
                SELECT vendor_id, count(*) AS n FROM leased GROUP BY vendor_id
            ), heads AS (
                SELECT DISTINCT ON (d.endpoint_id) d.id, d.endpoint_id, d.vendor_id, d.locked_until
                FROM webhook_deliveries d
                WHERE d.status = 'pending' AND d.attempts = 0
                  AND d.event_xid < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY d.endpoint_id, d.event_xid, d.event_seq
            ), candidates AS (
                SELECT id, endpoint_id, vendor_id, 0 AS kind, now() AS due_at FROM heads
                WHERE locked_until IS NULL OR locked_until < now()
                UNION ALL
                (SELECT id, endpoint_id, vendor_id, 1, next_attempt_at FROM webhook_deliveries
                 WHERE status = 'pending' AND attempts > 0 AND next_attempt_at <= now()
                   AND (locked_until IS NULL OR locked_until < now())
                 ORDER BY next_attempt_at LIMIT $1 * 4)
            ), per_endpoint AS (
                SELECT c.id, c.vendor_id, c.kind, c.due_at
                FROM (
                    SELECT c.*, coalesce(be.n, 0)
                               + row_number() OVER (PARTITION BY c.endpoint_id ORDER BY c.kind, c.due_at) AS slot
                    FROM candidates c
                    JOIN webhook_endpoints e ON e.id = c.endpoint_id AND e.deleted_at IS NULL
                    LEFT JOIN busy_endpoint be ON be.endpoint_id = c.endpoint_id
                ) c
                WHERE c.slot <= $4
            ), per_vendor AS (
                SELECT p.id, p.kind, p.due_at
                FROM (
                    SELECT p.*, coalesce(bv.n, 0)
                               + row_number() OVER (PARTITION BY p.vendor_id ORDER BY p.kind, p.due_at) AS slot
                    FROM per_endpoint p
                    LEFT JOIN busy_vendor bv ON bv.vendor_id = p.vendor_id
                ) p
                WHERE p.slot <= $5
            )
            UPDATE webhook_deliveries d
            SET locked_until = now() + make_interval(secs => $2), lock_token = $3
            FROM (SELECT id FROM per_vendor ORDER BY kind, due_at LIMIT $1) c
            WHERE d.id = c.id AND (d.locked_until IS NULL OR d.locked_until < now()) AND d.status = 'pending'
            RETURNING d.id
            """, [limit, Int(lease.rounded(.up)), token, perEndpoint, perVendor])
        let ids = try claimed.rows.map { try $0.string("id") }
        guard !ids.isEmpty else { return [] }
        let rows = try await pool.query(
            """
            SELECT d.id, d.event_id, d.endpoint_id, d.attempts, e.url, e.secret,
                   CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret,
                   o.payload
            FROM webhook_deliveries d
            JOIN webhook_endpoints e ON e.id = d.endpoint_id
            JOIN outbox_events o ON o.id = d.event_id
            WHERE d.id = ANY($1) AND d.lock_token = $2
            ORDER BY d.event_xid, d.event_seq
            """, [ids, token])
        return try rows.rows.map { row in
            let endpointId = try row.string("endpoint_id")
            var stored = [try row.string("secret")]
            if let previous = try row.optionalString("previous_secret") { stored.append(previous) }
            let secrets = try? stored.map { try EndpointSecrets.open($0, endpointId: endpointId, keyring: keyring) }
            return ClaimedDelivery(
                id: try row.string("id"), eventId: try row.string("event_id"), endpointId: endpointId,
                url: try row.string("url"), secrets: secrets, body: try row.string("payload"),
                attempts: try row.int("attempts"), lockToken: token)
        }
    }

    /// Right before sending: true while this dispatcher still holds the delivery for at least
    /// `seconds` more, the delivery is still pending and its endpoint not deleted. A `DELETE`
    /// that committed before this check stops the attempt.
    public static func stillOurs(_ pool: ConnectionPool, _ delivery: ClaimedDelivery, forSeconds seconds: Int) async throws
        -> Bool
    {
        let result = try await pool.query(
            """
            SELECT 1 AS ok FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.id = $1 AND d.lock_token = $2 AND d.status = 'pending' AND e.deleted_at IS NULL
              AND d.locked_until > now() + make_interval(secs => $3)
            """, [delivery.id, delivery.lockToken, seconds])
        return !result.rows.isEmpty
    }

    /// Records one attempt and schedules the next: success ends it, otherwise the retry
    /// schedule decides when, and after `1 + schedule.count` attempts it has failed.
    public static func record(
        _ pool: ConnectionPool, _ delivery: ClaimedDelivery, statusCode: Int?, error: DeliveryError?, durationMs: Int,
        schedule: [Int]
    ) async throws {
        let succeeded = statusCode.map { (200...299).contains($0) } ?? false
        let attempts = delivery.attempts + 1
        let status: DeliveryStatus
        var delay: Int?
        if succeeded {
            status = .succeeded
        } else if attempts >= 1 + schedule.count {
            status = .failed
        } else {
            status = .pending
            delay = schedule[attempts - 1]
        }
        try await pool.transaction { tx in
            let updated = try await tx.query(
                """
                UPDATE webhook_deliveries
                SET attempts = attempts + 1, last_status_code = $3, last_error = $4, last_attempt_at = now(),
                    -- Failed meanwhile: the endpoint was deleted during the attempt; it stays failed.
                    status = CASE WHEN status = 'failed' THEN 'failed' ELSE $2 END,
                    next_attempt_at = CASE WHEN $5::int IS NULL OR status = 'failed' THEN NULL
                                           ELSE now() + make_interval(secs => $5::int) END,
                    locked_until = NULL, lock_token = NULL
                WHERE id = $1 AND lock_token = $6
                """, [delivery.id, status.rawValue, statusCode, error?.rawValue, delay, delivery.lockToken])
            guard updated.affectedRows == 1 else { return }  // the lease ran out and another dispatcher took over
            try await tx.query(
                "INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)",
                [delivery.id, statusCode, error?.rawValue, durationMs])
        }
    }

    public static func list(_ db: any Queryable, vendorId: String, endpointId: String?, page: PageRequest) async throws
        -> Page<WebhookDelivery>
    {
        let afterSeq = try page.afterSequence()
        let result = try await db.query(
            """
            SELECT \(columns) FROM webhook_deliveries
            WHERE vendor_id = $1 AND ($2::text IS NULL OR endpoint_id = $2) AND seq > $3
            ORDER BY seq LIMIT $4
            """, [vendorId, endpointId, afterSeq, page.limit + 1])
        let rows = try result.rows.map { (try decode($0), try $0.int64("seq")) }
        let paged = Page(fetched: rows, limit: page.limit) { [String($0.1)] }
        return Page(items: paged.items.map(\.0), nextCursor: paged.nextCursor)
    }

    public static func delivery(_ db: any Queryable, id: String) async throws -> WebhookDelivery? {
        try await db.query("SELECT \(columns) FROM webhook_deliveries WHERE id = $1", [id]).first.map(decode)
    }

    /// Queues one more attempt now. A delivery whose first attempt is still to come keeps its
    /// place in event order; any other becomes a due retry.
    public static func retry(_ tx: Transaction, id: String, vendorScope: String?) async throws -> WebhookDelivery {
        guard
            let current = try await tx.query(
                "SELECT vendor_id, endpoint_id FROM webhook_deliveries WHERE id = $1 FOR UPDATE", [id]
            ).first
        else { throw DomainError.notFound("Webhook delivery \(id)") }
        if let vendorScope, try current.string("vendor_id") != vendorScope {
            throw DomainError.notFound("Webhook delivery \(id)")
        }
        let endpoint = try await tx.query(
            "SELECT deleted_at IS NULL AS live FROM webhook_endpoints WHERE id = $1", [try current.string("endpoint_id")])
        guard try endpoint.first?.bool("live") == true else {
            throw DomainError.invalidTransition("The endpoint of delivery \(id) was deleted; nothing can be sent.")
        }
        let result = try await tx.query(
            """
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now()
            WHERE id = $1 RETURNING \(columns)
            """, [id])
        return try decode(result.rows[0])
    }
}
