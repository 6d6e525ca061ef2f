import CommerceCore
import Foundation
import Postgres

/// An API key as operators see it: never its token, which is stored only as a hash.
struct APIKeyView: Sendable, JSONRepresentable {
    let id: String
    let role: String
    let vendorId: String?
    let channel: String?
    let createdAt: Date

    var json: JSONValue {
        [
            "id": .string(id), "role": .string(role), "vendor_id": .from(vendorId), "channel": .from(channel),
            "created_at": .string(RFC3339.format(createdAt)),
        ]
    }
}

/// Reads of `api_keys` for `GET /v1/api-keys`. Revoked keys are gone from the list, as they
/// are gone for authentication.
enum APIKeyStore {
    static func list(_ db: any Queryable, role: Role?, page: PageRequest) async throws -> Page<APIKeyView> {
        let rows = try await db.query(
            """
            SELECT id, role, vendor_id, channel, created_at, seq FROM api_keys
            WHERE revoked_at IS NULL AND seq < $1 AND ($2::text IS NULL OR role = $2)
            ORDER BY seq DESC LIMIT $3
            """, [try page.beforeSequence(), role?.rawValue, page.limit + 1]
        ).rows
        let fetched = try rows.map {
            (
                APIKeyView(
                    id: try $0.string("id"), role: try $0.string("role"), vendorId: try $0.optionalString("vendor_id"),
                    channel: try $0.optionalString("channel"), createdAt: try $0.date("created_at")),
                try $0.int64("seq")
            )
        }
        return .bySequence(fetched, limit: page.limit)
    }
}
