import CommerceCore
import Foundation
import Postgres

/// One entry of a customer's history across channels.
public struct TimelineEntry: Sendable {
    public enum Kind: String, Sendable {
        case order, suborderStatus = "suborder_status", `return`, returnStatus = "return_status", `case`, message,
            caseStatus = "case_status"
    }

    public let kind: Kind
    public let id: String
    public let at: Date
    public let channel: String
    /// For status entries: the status entered, plus the ids it belongs to.
    public let status: String?
    public let parentId: String?
    /// Sort key within equal timestamps, for a stable cursor.
    let rank: Int
    let tie: Int64
    let atText: String

    /// The entry with `data` filled in by the caller (resources are rendered by their modules).
    public func json(data: JSONValue) -> JSONValue {
        ["kind": .string(kind.rawValue), "id": .string(id), "at": .string(RFC3339.format(at)), "channel": .string(channel), "data": data]
    }
}

public enum TimelineStore {
    /// Entries oldest first. Orders come from `orders`, status changes from `suborder_events`.
    public static func entries(_ db: any Queryable, customerId: String, page: PageRequest) async throws -> Page<TimelineEntry> {
        var afterAt: String?
        var afterRank = 0
        var afterTie: Int64 = 0
        if let key = page.after {
            guard key.count == 3, PostgresTimestamp.parse(key[0]) != nil, let rank = Int(key[1]), let tie = Int64(key[2]) else {
                throw DomainError.validation(field: "after", "is not a cursor this list returned")
            }
            afterAt = key[0]
            afterRank = rank
            afterTie = tie
        }
        let result = try await db.query(
            """
            SELECT kind, id, at, at::text AS at_text, channel, rank, tie, status, parent_id FROM (
                SELECT 'order' AS kind, o.id, o.created_at AS at, o.channel, 0 AS rank, o.seq AS tie,
                       NULL::text AS status, NULL::text AS parent_id
                FROM orders o WHERE o.customer_id = $1
                UNION ALL
                SELECT 'suborder_status', e.suborder_id, e.at, o.channel, 1, e.id, e.status, e.order_id
                FROM suborder_events e JOIN orders o ON o.id = e.order_id WHERE o.customer_id = $1
            ) t
            WHERE $2::timestamptz IS NULL OR (t.at, t.rank, t.tie) > ($2::timestamptz, $3::int, $4::bigint)
            ORDER BY t.at, t.rank, t.tie
            LIMIT $5
            """, [customerId, afterAt, afterRank, afterTie, page.limit + 1])
        let entries = try result.rows.map { row -> TimelineEntry in
            guard let kind = TimelineEntry.Kind(rawValue: try row.string("kind")) else {
                throw RowDecodingError(column: "kind", reason: "unknown timeline kind")
            }
            return TimelineEntry(
                kind: kind, id: try row.string("id"), at: try row.date("at"), channel: try row.string("channel"),
                status: try row.optionalString("status"), parentId: try row.optionalString("parent_id"),
                rank: try row.int("rank"), tie: try row.int64("tie"), atText: try row.string("at_text"))
        }
        return Page(fetched: entries, limit: page.limit) { [$0.atText, String($0.rank), String($0.tie)] }
    }
}
