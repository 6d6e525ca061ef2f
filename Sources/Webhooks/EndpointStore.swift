public import CommerceCore
public import CryptoSupport
public import Foundation
public import Postgres

/// Webhook endpoints of a vendor: created, listed, deleted, their secret rotated.
public enum EndpointStore {
    static let columns = "id, vendor_id, url, events, created_at"

    static func decode(_ row: Row) throws -> WebhookEndpoint {
        WebhookEndpoint(
            id: try row.string("id"), vendorId: try row.string("vendor_id"), url: try row.string("url"),
            events: try row.isNull("events") ? nil : try row.stringArray("events"), createdAt: try row.date("created_at"))
    }

    /// Live endpoints a vendor may have: each one is a receiver the dispatcher serves, so the
    /// count bounds what one vendor can ask of it.
    public static let maxPerVendor = 16

    /// Creates an endpoint; returns it with its secret, which is shown only now and stored
    /// sealed. The count check runs under a per-vendor lock held to the end of the
    /// transaction, so concurrent creations cannot both see room for one more.
    public static func create(
        _ tx: Transaction, vendorId: String, url: String, events: [String]?, keyring: SecretKeyring
    ) async throws -> (WebhookEndpoint, secret: String) {
        try await tx.query(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 8))", ["webhook-endpoints:" + vendorId])
        let live = try await tx.query(
            "SELECT count(*) AS n FROM webhook_endpoints WHERE vendor_id = $1 AND deleted_at IS NULL", [vendorId])
        guard try live.rows[0].int("n") < maxPerVendor else {
            throw DomainError.conflict(
                "A vendor has at most \(maxPerVendor) webhook endpoints; delete one before adding another.")
        }
        let secret = StandardWebhooks.newSecret()
        let id = Identifier.make("whe")
        let result = try await tx.query(
            "INSERT INTO webhook_endpoints (id, vendor_id, url, events, secret) VALUES ($1, $2, $3, $4, $5) RETURNING \(columns)",
            [id, vendorId, url, events, EndpointSecrets.seal(secret, endpointId: id, keyring: keyring)])
        return (try decode(result.rows[0]), secret)
    }

    public static func list(_ db: any Queryable, vendorId: String, page: PageRequest) async throws -> Page<WebhookEndpoint> {
        let afterSeq = try page.afterSequence()
        let result = try await db.query(
            """
            SELECT \(columns), seq FROM webhook_endpoints
            WHERE vendor_id = $1 AND deleted_at IS NULL AND seq > $2 ORDER BY seq LIMIT $3
            """, [vendorId, afterSeq, page.limit + 1])
        let rows = try result.rows.map { (try decode($0), try $0.int64("seq")) }
        let paged = Page(fetched: rows, limit: page.limit) { [String($0.1)] }
        return Page(items: paged.items.map(\.0), nextCursor: paged.nextCursor)
    }

    /// Deletes an endpoint; its pending deliveries are failed, since nobody will receive them.
    /// The dispatcher claims only deliveries of live endpoints and checks again right before
    /// it sends, so once this commits no attempt starts; `last_error` keeps what the last
    /// attempt (if any) found.
    public static func delete(_ tx: Transaction, vendorId: String, id: String) async throws -> Bool {
        let result = try await tx.query(
            "UPDATE webhook_endpoints SET deleted_at = now() WHERE id = $1 AND vendor_id = $2 AND deleted_at IS NULL",
            [id, vendorId])
        guard result.affectedRows == 1 else { return false }
        try await tx.query(
            """
            UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL
            WHERE endpoint_id = $1 AND status = 'pending'
            """, [id])
        return true
    }

    /// A new secret; the old one keeps signing for `overlap` so receivers can switch over.
    public static func rotateSecret(
        _ db: any Queryable, vendorId: String, id: String, keyring: SecretKeyring, overlap: TimeInterval = 86_400
    ) async throws -> String? {
        let secret = StandardWebhooks.newSecret()
        let result = try await db.query(
            """
            UPDATE webhook_endpoints
            SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => $4), secret = $3
            WHERE id = $1 AND vendor_id = $2 AND deleted_at IS NULL
            """, [id, vendorId, EndpointSecrets.seal(secret, endpointId: id, keyring: keyring), Int(overlap)])
        return result.affectedRows == 1 ? secret : nil
    }
}
