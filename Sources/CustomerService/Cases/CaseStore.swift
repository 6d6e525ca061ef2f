public import CommerceCore
public import CustomerServiceCore
import Foundation
public import Postgres

/// SQL for cases, their messages and their status history. Writes take the caller's transaction.
public enum CaseStore {
    static let messageColumns = "m.id, m.seq, m.case_id, m.author_role, m.body, m.created_at"

    /// Case columns plus its messages as a JSON array, oldest first.
    static let caseSelect = """
        SELECT c.id, c.seq, c.channel, c.customer_id, c.subject, c.status, c.order_id, c.suborder_id, c.return_id,
               c.first_response_due, c.first_response_at, c.resolved_at, c.created_at, c.updated_at,
               (SELECT coalesce(json_agg(json_build_object(
                           'id', m.id, 'seq', m.seq, 'author_role', m.author_role, 'body', m.body,
                           'at', to_char(m.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
                           ORDER BY m.seq), '[]')
                FROM case_messages m WHERE m.case_id = c.id) AS messages
        FROM cases c
        """

    static func decode(_ row: Row) throws -> SupportCase {
        guard let status = CaseStatus(rawValue: try row.string("status")) else {
            throw RowDecodingError(column: "status", reason: "unknown case status")
        }
        let id = try row.string("id")
        let messages = try StoredJSON.objects(Array(try row.jsonData("messages")), column: "messages").map { message in
            guard let role = Caller.Role(rawValue: try message.string("author_role")),
                let at = PostgresTimestamp.parse(try message.string("at"))
            else { throw RowDecodingError(column: "messages", reason: "unreadable message") }
            return CaseMessage(
                id: try message.string("id"), seq: try message.int64("seq"), caseId: id, authorRole: role,
                body: try message.string("body"), at: at)
        }
        return SupportCase(
            id: id, seq: try row.int64("seq"), channel: try row.string("channel"), customerId: try row.string("customer_id"),
            subject: try row.string("subject"), status: status, orderId: try row.optionalString("order_id"),
            suborderId: try row.optionalString("suborder_id"), returnId: try row.optionalString("return_id"),
            firstResponseDue: try row.date("first_response_due"), firstResponseAt: try row.optionalDate("first_response_at"),
            resolvedAt: try row.optionalDate("resolved_at"), messages: messages, createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    static func decodeMessage(_ row: Row) throws -> CaseMessage {
        guard let role = Caller.Role(rawValue: try row.string("author_role")) else {
            throw RowDecodingError(column: "author_role", reason: "unknown role")
        }
        return CaseMessage(
            id: try row.string("id"), seq: try row.int64("seq"), caseId: try row.string("case_id"), authorRole: role,
            body: try row.string("body"), at: try row.date("created_at"))
    }

    // MARK: reads

    public static func find(_ db: any Queryable, id: String, forUpdate: Bool = false) async throws -> SupportCase? {
        try await db.query(caseSelect + " WHERE c.id = $1" + (forUpdate ? " FOR UPDATE OF c" : ""), [id]).first.map(decode)
    }

    /// Cases by id, in the order of `ids` (unknown ids are skipped).
    public static func cases(_ db: any Queryable, ids: [String]) async throws -> [SupportCase] {
        guard !ids.isEmpty else { return [] }
        let found = try await db.query(caseSelect + " WHERE c.id = ANY($1)", [ids]).rows.map(decode)
        let byId = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byId[$0] }
    }

    /// Messages by id, in the order of `ids`.
    public static func messages(_ db: any Queryable, ids: [String]) async throws -> [CaseMessage] {
        guard !ids.isEmpty else { return [] }
        let found = try await db.query("SELECT \(messageColumns) FROM case_messages m WHERE m.id = ANY($1)", [ids])
            .rows.map(decodeMessage)
        let byId = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byId[$0] }
    }

    /// Every channel's cases, newest first (`GET /v1/cases`).
    public static func list(_ db: any Queryable, status: CaseStatus?, orderId: String?, page: PageRequest) async throws
        -> Page<SupportCase>
    {
        let rows = try await db.query(
            caseSelect + """
                 WHERE c.seq < $1 AND ($2::text IS NULL OR c.status = $2) AND ($3::text IS NULL OR c.order_id = $3)
                ORDER BY c.seq DESC
                LIMIT $4
                """, [try page.beforeSequence(), status?.rawValue, orderId, page.limit + 1]
        ).rows.map(decode)
        return Page(fetched: rows, limit: page.limit) { [String($0.seq)] }
    }

    /// Cases that concern `vendorId` through their links (its suborder, a return with its
    /// lines, an order with a suborder of it), oldest first.
    public static func vendorCases(
        _ db: any Queryable, vendorId: String, status: CaseStatus?, page: PageRequest
    ) async throws -> Page<SupportCase> {
        let afterSeq = try page.afterSequence()
        let rows = try await db.query(
            caseSelect + """
                 WHERE c.id IN (
                    SELECT k.id FROM cases k JOIN suborders s ON s.id = k.suborder_id WHERE s.vendor_id = $1
                    UNION
                    SELECT k.id FROM cases k JOIN return_lines l ON l.return_id = k.return_id WHERE l.vendor_id = $1
                    UNION
                    SELECT k.id FROM cases k JOIN suborders s ON s.order_id = k.order_id WHERE s.vendor_id = $1
                  )
                  AND c.seq > $2 AND ($3::text IS NULL OR c.status = $3)
                ORDER BY c.seq
                LIMIT $4
                """, [vendorId, afterSeq, status?.rawValue, page.limit + 1]
        ).rows.map(decode)
        return Page(fetched: rows, limit: page.limit) { [String($0.seq)] }
    }

    /// Every vendor the case's links concern, sorted.
    public static func concernedVendors(_ db: any Queryable, _ supportCase: SupportCase) async throws -> [String] {
        try await db.query(
            """
            SELECT vendor_id FROM suborders WHERE id = $1::text
            UNION
            SELECT vendor_id FROM return_lines WHERE return_id = $2::text
            UNION
            SELECT vendor_id FROM suborders WHERE order_id = $3::text
            ORDER BY vendor_id
            """, [supportCase.suborderId, supportCase.returnId, supportCase.orderId]
        ).rows.map { try $0.string("vendor_id") }
    }

    // MARK: link lookups

    static func orderFacts(_ db: any Queryable, id: String) async throws -> CaseRules.LinkFacts? {
        try await db.query("SELECT customer_id, id AS order_id, channel FROM orders WHERE id = $1", [id]).first.map(facts)
    }

    static func suborderFacts(_ db: any Queryable, id: String) async throws -> CaseRules.LinkFacts? {
        try await db.query(
            """
            SELECT o.customer_id, o.id AS order_id, o.channel
            FROM suborders s JOIN orders o ON o.id = s.order_id WHERE s.id = $1
            """, [id]
        ).first.map(facts)
    }

    static func returnFacts(_ db: any Queryable, id: String) async throws -> CaseRules.LinkFacts? {
        try await db.query("SELECT customer_id, order_id, channel FROM returns WHERE id = $1", [id]).first.map(facts)
    }

    private static func facts(_ row: Row) throws -> CaseRules.LinkFacts {
        CaseRules.LinkFacts(
            customerId: try row.string("customer_id"), orderId: try row.string("order_id"), channel: try row.string("channel"))
    }

    // MARK: writes

    static func insert(_ tx: Transaction, _ supportCase: SupportCase, opening: CaseMessage, author: Caller) async throws {
        try await tx.query(
            """
            WITH c AS (
                INSERT INTO cases (id, channel, customer_id, subject, status, order_id, suborder_id, return_id,
                                   first_response_due, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 'open', $5, $6, $7, $8, $9, $9)
                RETURNING id
            )
            INSERT INTO case_messages (id, case_id, author_role, author_vendor_id, author_channel, body, created_at)
            SELECT $10, id, $11, $12, $13, $14, $9 FROM c
            """,
            [
                supportCase.id, supportCase.channel, supportCase.customerId, supportCase.subject, supportCase.orderId,
                supportCase.suborderId, supportCase.returnId, supportCase.firstResponseDue, supportCase.createdAt,
                opening.id, author.role.rawValue, author.vendorId, author.channel, opening.body,
            ])
    }

    /// Adds a message and notes the case's first response when this is it.
    static func insertMessage(
        _ tx: Transaction, caseId: String, id: String, author: Caller, body: String, firstResponse: Bool
    ) async throws -> CaseMessage {
        let result = try await tx.query(
            """
            WITH u AS (
                UPDATE cases SET updated_at = now(),
                    first_response_at = CASE WHEN $6 THEN coalesce(first_response_at, now()) ELSE first_response_at END
                WHERE id = $2
                RETURNING id
            )
            INSERT INTO case_messages (id, case_id, author_role, author_vendor_id, author_channel, body)
            SELECT $1, id, $3, $4, $5, $7 FROM u
            RETURNING \(messageColumns.replacingOccurrences(of: "m.", with: ""))
            """, [id, caseId, author.role.rawValue, author.vendorId, author.channel, firstResponse, body])
        guard let row = result.first else { throw DomainError.notFound("Case \(caseId)") }
        return try decodeMessage(row)
    }

    /// Moves a case to `status` and records the status event.
    static func updateStatus(_ tx: Transaction, id: String, to status: CaseStatus) async throws {
        try await tx.query(
            """
            WITH u AS (
                UPDATE cases SET status = $2, updated_at = now(),
                    resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE NULL END
                WHERE id = $1
                RETURNING id
            )
            INSERT INTO case_events (case_id, status) SELECT id, $2 FROM u
            """, [id, status.rawValue])
    }
}
