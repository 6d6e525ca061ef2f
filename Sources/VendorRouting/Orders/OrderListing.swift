public import CommerceCore
public import Foundation
public import OrderCore
public import Postgres

/// `GET /v1/orders`: every channel's orders, newest first, with the contract's filters. A
/// filter left `nil` matches everything.
public struct OrderFilter: Sendable {
    public var channel: String?
    public var status: String?
    public var customerId: String?
    public var createdAfter: Date?
    public var createdBefore: Date?

    public init(
        channel: String? = nil, status: String? = nil, customerId: String? = nil, createdAfter: Date? = nil,
        createdBefore: Date? = nil
    ) {
        self.channel = channel
        self.status = status
        self.customerId = customerId
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
    }
}

extension OrderStore {
    /// Statuses an order can be filtered by: v1's and those of orders awaiting approval (v1.2).
    public static let filterableStatuses = ["open", "completed", "cancelled", "pending_approval", "declined"]

    public static func list(_ db: any Queryable, filter: OrderFilter, page: PageRequest) async throws -> Page<Order> {
        let rows = try await db.query(
            """
            SELECT id, seq FROM orders
            WHERE seq < $1 AND ($2::text IS NULL OR channel = $2) AND ($3::text IS NULL OR status = $3)
              AND ($4::text IS NULL OR customer_id = $4)
              AND ($5::timestamptz IS NULL OR created_at > $5) AND ($6::timestamptz IS NULL OR created_at < $6)
            ORDER BY seq DESC LIMIT $7
            """,
            [
                try page.beforeSequence(), filter.channel, filter.status, filter.customerId, filter.createdAfter,
                filter.createdBefore, page.limit + 1,
            ]
        ).rows
        let paged = Page.bySequence(try rows.map { (try $0.string("id"), try $0.int64("seq")) }, limit: page.limit)
        return Page(items: try await orders(db, ids: paged.items), nextCursor: paged.nextCursor)
    }
}
