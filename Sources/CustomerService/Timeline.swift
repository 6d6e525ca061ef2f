public import CommerceCore
public import Foundation
public import Postgres

/// One entry of a customer's history across channels.
public struct TimelineEntry: Sendable {
    public enum Kind: String, Sendable {
        case order
        case suborderStatus = "suborder_status"
        case `return`
        case returnStatus = "return_status"
        case `case`, message
        case
            caseStatus = "case_status"
        case orderStatus = "order_status"
    }

    public let kind: Kind
    public let id: String
    public let at: Date
    public let channel: String
    /// For status entries: the status entered, plus the ids it belongs to.
    public let status: String?
    /// The order of an `order`'s suborder status, a return or a case (nil for a case without
    /// one); the return of a `return_status`; the case of a `message` or `case_status`.
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
    /// Entries oldest first. Orders come from `orders`, suborder status changes from
    /// `suborder_events`, returns from `returns` and their later statuses from `return_events`,
    /// cases from `cases`, their messages from `case_messages` and their later statuses from
    /// `case_events`, and the approval decisions of held orders from `order_status_events`.
    /// Within one instant entries sort by kind (`rank`: the order in which the kinds are
    /// listed here, so a case comes before its opening message), then by each kind's
    /// own sequence (`tie`), so the (at, rank, tie) cursor is total and stable.
    public static func entries(_ db: any Queryable, customerId: String, page: PageRequest) async throws -> Page<TimelineEntry> {
        var afterAt: Date?
        var afterRank = 0
        var afterTie: Int64 = 0
        if let key = page.after {
            // A cursor is client input: its instant is bound as a parsed, in-range Date (never
            // its raw text, which PostgreSQL could refuse) and its rank must fit `int`.
            guard key.count == 3, let at = PostgresTimestamp.parse(key[0]),
                at >= RFC3339.earliest, at <= RFC3339.latest,
                let rank = Int32(key[1]), let tie = Int64(key[2])
            else {
                throw DomainError.validation(field: "after", "is not a cursor this list returned")
            }
            afterAt = at
            afterRank = Int(rank)
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
                UNION ALL
                SELECT 'return', r.id, r.created_at, r.channel, 2, r.seq, NULL, r.order_id
                FROM returns r WHERE r.customer_id = $1
                UNION ALL
                SELECT 'return_status', e.return_id, e.at, r.channel, 3, e.id, e.status, e.return_id
                FROM return_events e JOIN returns r ON r.id = e.return_id WHERE r.customer_id = $1
                UNION ALL
                SELECT 'case', c.id, c.created_at, c.channel, 4, c.seq, NULL, c.order_id
                FROM cases c WHERE c.customer_id = $1
                UNION ALL
                SELECT 'message', m.id, m.created_at, c.channel, 5, m.seq, NULL, m.case_id
                FROM case_messages m JOIN cases c ON c.id = m.case_id WHERE c.customer_id = $1
                UNION ALL
                SELECT 'case_status', e.case_id, e.at, c.channel, 6, e.id, e.status, e.case_id
                FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.customer_id = $1
                UNION ALL
                SELECT 'order_status', e.order_id, e.at, o.channel, 7, e.id, e.status, e.order_id
                FROM order_status_events e JOIN orders o ON o.id = e.order_id WHERE o.customer_id = $1
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
