public import CommerceCore
public import CustomerServiceCore
import Foundation
public import Postgres

/// SQL for returns, their lines and their status history. Writes take the caller's transaction.
public enum ReturnStore {
    /// Return columns plus its lines as a JSON array, so one round trip loads a return whole.
    static let returnSelect = """
        SELECT r.id, r.seq, r.order_id, r.channel, r.customer_id, r.status, r.method, r.location_vendor_id,
               r.location_code, r.currency, r.reason, r.received_at, r.created_at, r.updated_at,
               (SELECT coalesce(json_agg(json_build_object(
                           'id', l.id, 'suborder_line_id', l.suborder_line_id, 'suborder_id', l.suborder_id,
                           'vendor_id', l.vendor_id, 'sku', l.sku, 'quantity', l.quantity, 'reason', l.reason,
                           'unit_price', l.unit_price, 'received_quantity', l.received_quantity,
                           'restocked_quantity', l.restocked_quantity) ORDER BY l.position), '[]')
                FROM return_lines l WHERE l.return_id = r.id) AS lines
        FROM returns r
        """

    static func decode(_ row: Row) throws -> Return {
        guard let status = ReturnStatus(rawValue: try row.string("status")),
            let method = ReturnMethod(rawValue: try row.string("method"))
        else { throw RowDecodingError(column: "status", reason: "unknown return status or method") }
        let lines = try StoredJSON.objects(Array(try row.jsonData("lines")), column: "lines").map { line in
            ReturnLine(
                id: try line.string("id"), suborderLineId: try line.string("suborder_line_id"),
                suborderId: try line.string("suborder_id"), vendorId: try line.string("vendor_id"), sku: try line.string("sku"),
                quantity: try line.int("quantity"), reason: try line.string("reason"), unitPrice: try line.int64("unit_price"),
                receivedQuantity: try line.int("received_quantity"), restockedQuantity: try line.int("restocked_quantity"))
        }
        var location: ReturnLocation?
        if let vendorId = try row.optionalString("location_vendor_id"), let code = try row.optionalString("location_code") {
            location = ReturnLocation(vendorId: vendorId, code: code)
        }
        return Return(
            id: try row.string("id"), seq: try row.int64("seq"), orderId: try row.string("order_id"),
            channel: try row.string("channel"), customerId: try row.string("customer_id"), status: status, method: method,
            location: location, currency: try row.string("currency"), lines: lines, reason: try row.optionalString("reason"),
            receivedAt: try row.optionalDate("received_at"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    // MARK: reads

    /// One return; `forUpdate` locks its row (every action takes that lock first).
    public static func find(_ db: any Queryable, id: String, forUpdate: Bool = false) async throws -> Return? {
        try await db.query(returnSelect + " WHERE r.id = $1" + (forUpdate ? " FOR UPDATE OF r" : ""), [id]).first.map(decode)
    }

    /// Returns by id, in the order of `ids` (unknown ids are skipped).
    public static func returns(_ db: any Queryable, ids: [String]) async throws -> [Return] {
        guard !ids.isEmpty else { return [] }
        let found = try await db.query(returnSelect + " WHERE r.id = ANY($1)", [ids]).rows.map(decode)
        let byId = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byId[$0] }
    }

    /// Every channel's returns, newest first (`GET /v1/returns`).
    public static func list(_ db: any Queryable, status: ReturnStatus?, orderId: String?, page: PageRequest) async throws
        -> Page<Return>
    {
        let rows = try await db.query(
            returnSelect + """
                 WHERE r.seq < $1 AND ($2::text IS NULL OR r.status = $2) AND ($3::text IS NULL OR r.order_id = $3)
                ORDER BY r.seq DESC
                LIMIT $4
                """, [try page.beforeSequence(), status?.rawValue, orderId, page.limit + 1]
        ).rows.map(decode)
        return Page(fetched: rows, limit: page.limit) { [String($0.seq)] }
    }

    /// Returns holding lines of `vendorId`, oldest first, each showing only that vendor's lines.
    public static func vendorReturns(
        _ db: any Queryable, vendorId: String, status: ReturnStatus?, page: PageRequest
    ) async throws -> Page<Return> {
        let afterSeq = try page.afterSequence()
        let rows = try await db.query(
            returnSelect + """
                 WHERE r.id IN (SELECT return_id FROM return_lines WHERE vendor_id = $1)
                  AND r.seq > $2 AND ($3::text IS NULL OR r.status = $3)
                ORDER BY r.seq
                LIMIT $4
                """, [vendorId, afterSeq, status?.rawValue, page.limit + 1]
        ).rows.map(decode)
        return Page(fetched: rows.map { $0.visible(to: vendorId) }, limit: page.limit) { [String($0.seq)] }
    }

    // MARK: requesting

    /// The order's header, its row locked: a return, like every change below an order, takes
    /// the order's lock first.
    struct OrderHeader {
        let id: String
        let channel: String
        let customerId: String
        let currency: String
    }

    static func lockOrder(_ tx: Transaction, id: String) async throws -> OrderHeader? {
        guard
            let row = try await tx.query(
                "SELECT id, channel, customer_id, currency FROM orders WHERE id = $1 FOR UPDATE", [id]
            ).first
        else { return nil }
        return OrderHeader(
            id: try row.string("id"), channel: try row.string("channel"), customerId: try row.string("customer_id"),
            currency: try row.string("currency"))
    }

    /// Locks the named suborder lines of the order (in id order, so concurrent requests queue
    /// up instead of deadlocking), then sums what returns not `rejected` already hold of each.
    /// The sum is a statement of its own, after the locks: it sees every return committed by a
    /// request that held them before us.
    static func lockOrderedLines(_ tx: Transaction, orderId: String, lineIds: [String]) async throws
        -> [String: ReturnRules.OrderedLine]
    {
        let ids = Array(Set(lineIds)).sorted()
        guard !ids.isEmpty else { return [:] }
        let locked = try await tx.query(
            """
            SELECT l.id, l.suborder_id, l.vendor_id, l.sku, l.quantity, l.unit_price, s.status
            FROM suborder_lines l JOIN suborders s ON s.id = l.suborder_id
            WHERE l.id = ANY($1) AND s.order_id = $2
            ORDER BY l.id
            FOR NO KEY UPDATE OF l
            """, [ids, orderId])
        let held = try await tx.query(
            """
            SELECT rl.suborder_line_id, sum(rl.quantity) AS held
            FROM return_lines rl JOIN returns r ON r.id = rl.return_id
            WHERE rl.suborder_line_id = ANY($1) AND r.status <> 'rejected'
            GROUP BY rl.suborder_line_id
            """, [ids])
        var alreadyReturned: [String: Int] = [:]
        for row in held.rows { alreadyReturned[try row.string("suborder_line_id")] = try row.int("held") }
        var out: [String: ReturnRules.OrderedLine] = [:]
        for row in locked.rows {
            let id = try row.string("id")
            let status = try row.string("status")
            out[id] = ReturnRules.OrderedLine(
                id: id, suborderId: try row.string("suborder_id"), vendorId: try row.string("vendor_id"),
                sku: try row.string("sku"), quantity: try row.int("quantity"), unitPrice: try row.int64("unit_price"),
                shipped: status == "shipped" || status == "delivered", alreadyReturned: alreadyReturned[id] ?? 0)
        }
        return out
    }

    static func locationExists(_ db: any Queryable, _ location: ReturnLocation) async throws -> Bool {
        !(try await db.query(
            "SELECT 1 FROM locations WHERE vendor_id = $1 AND code = $2", [location.vendorId, location.code]
        ).isEmpty)
    }

    // MARK: writes

    static func insert(_ tx: Transaction, _ ret: Return) async throws {
        let lines = JSONValue.array(
            ret.lines.enumerated().map { position, line in
                [
                    "id": .string(line.id), "suborder_line_id": .string(line.suborderLineId),
                    "suborder_id": .string(line.suborderId), "vendor_id": .string(line.vendorId), "sku": .string(line.sku),
                    "quantity": .int(Int64(line.quantity)), "reason": .string(line.reason), "unit_price": .int(line.unitPrice),
                    "position": .int(Int64(position)),
                ]
            })
        try await tx.query(
            """
            WITH r AS (
                INSERT INTO returns (id, order_id, channel, customer_id, status, method, location_vendor_id,
                                     location_code, currency, created_at, updated_at)
                VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, $8, $9, $9)
            )
            INSERT INTO return_lines (id, return_id, suborder_line_id, suborder_id, vendor_id, sku, quantity, reason,
                                      unit_price, position)
            SELECT x.id, $1, x.suborder_line_id, x.suborder_id, x.vendor_id, x.sku, x.quantity, x.reason, x.unit_price,
                   x.position
            FROM jsonb_to_recordset($10::jsonb) AS x(id text, suborder_line_id text, suborder_id text, vendor_id text,
                 sku text, quantity int, reason text, unit_price bigint, position int)
            """,
            [
                ret.id, ret.orderId, ret.channel, ret.customerId, ret.method.rawValue, ret.location?.vendorId,
                ret.location?.code, ret.currency, ret.createdAt, JSONText(JSONWriter.string(lines)),
            ])
    }

    /// Moves a return to `status` and records the status event.
    static func updateStatus(_ tx: Transaction, id: String, to status: ReturnStatus, reason: String? = nil) async throws {
        try await tx.query(
            """
            WITH u AS (
                UPDATE returns SET status = $2, updated_at = now(), reason = coalesce($3, reason),
                    received_at = CASE WHEN $2 = 'refunded' THEN now() ELSE received_at END
                WHERE id = $1
                RETURNING id
            )
            INSERT INTO return_events (return_id, status) SELECT id, $2 FROM u
            """, [id, status.rawValue, reason])
    }

    /// Records what was received and restocked of each line.
    static func recordReceipt(_ tx: Transaction, returnId: String, lines: [ReturnLine]) async throws {
        guard !lines.isEmpty else { return }
        try await tx.query(
            """
            UPDATE return_lines l SET received_quantity = x.received, restocked_quantity = x.restocked
            FROM unnest($2::text[], $3::int[], $4::int[]) AS x(id, received, restocked)
            WHERE l.id = x.id AND l.return_id = $1
            """, [returnId, lines.map(\.id), lines.map(\.receivedQuantity), lines.map(\.restockedQuantity)])
    }

    /// Where each line of the return shipped from: (vendor, location) of its suborder.
    static func shippingLocations(_ db: any Queryable, returnId: String) async throws -> [String: ReturnLocation] {
        let rows = try await db.query(
            """
            SELECT rl.id, s.vendor_id, s.location
            FROM return_lines rl JOIN suborders s ON s.id = rl.suborder_id
            WHERE rl.return_id = $1
            """, [returnId]
        ).rows
        var out: [String: ReturnLocation] = [:]
        for row in rows {
            out[try row.string("id")] = ReturnLocation(vendorId: try row.string("vendor_id"), code: try row.string("location"))
        }
        return out
    }

    /// Puts units back on hand, creating the stock row when the location never held the sku.
    /// Rows are written in key order, the order every stock writer locks them in.
    static func restock(_ tx: Transaction, _ units: [(location: ReturnLocation, sku: String, quantity: Int)]) async throws {
        var totals: [String: (ReturnLocation, String, Int)] = [:]
        for unit in units where unit.quantity > 0 {
            let key = "\(unit.location.vendorId)\u{0}\(unit.location.code)\u{0}\(unit.sku)"
            totals[key] = (unit.location, unit.sku, (totals[key]?.2 ?? 0) + unit.quantity)
        }
        guard !totals.isEmpty else { return }
        let items = totals.keys.sorted().map { totals[$0]! }
        try await tx.query(
            """
            INSERT INTO stock AS s (vendor_id, location, sku, on_hand)
            SELECT r.vendor_id, r.location, r.sku, r.q
            FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS r(vendor_id, location, sku, q, ord)
            ORDER BY r.ord
            ON CONFLICT (vendor_id, location, sku) DO UPDATE SET on_hand = s.on_hand + EXCLUDED.on_hand, updated_at = now()
            """, [items.map(\.0.vendorId), items.map(\.0.code), items.map(\.1), items.map(\.2)])
    }
}
