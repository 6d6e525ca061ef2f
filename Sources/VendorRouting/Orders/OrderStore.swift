public import CommerceCore
import EventOutbox
public import Foundation
public import OrderCore
public import Postgres

/// SQL for orders, suborders and their lines. Every write takes the caller's transaction.
public enum OrderStore {
    /// What `decodeSuborder(_:lines:)` reads of a suborder `s`, its lines and feed position
    /// aside: one list for every read, so the feed's own statement cannot fall behind.
    static let suborderColumns = """
        s.id, s.order_id, s.vendor_id, s.location, s.status, s.currency, s.accept_by, s.ship_by,
        s.promised_delivery, s.routing_reason, s.vendor_routing_reason, s.candidates_considered, s.replaces, s.replaced_by,
        s.carrier, s.tracking_number, s.reason, s.delivered_at, s.created_at, s.updated_at, s.feed_seq,
        coalesce(s.fulfillment, (SELECT o.fulfillment FROM orders o WHERE o.id = s.order_id)) AS fulfillment
        """

    /// The suborders that replace `s`, oldest first, as a text[]: the order of
    /// `suborders_replaces_in_order` (migration 0018), so the probe needs no sort.
    static let reroutedToColumn =
        "ARRAY(SELECT r.id FROM suborders r WHERE r.replaces = s.id ORDER BY r.created_at, r.id) AS rerouted_to"

    /// Suborder columns plus its lines as a JSON array, so one round trip loads a suborder whole.
    static let suborderSelect = """
        SELECT \(suborderColumns), s.feed_xid::text AS feed_xid,
               (SELECT coalesce(json_agg(json_build_object('id', l.id, 'order_line_id', l.order_line_id, 'sku', l.sku,
                                                           'quantity', l.quantity, 'unit_price', l.unit_price,
                                                           'refused_quantity', l.refused_quantity,
                                                           'refused_reason', l.refused_reason)
                                         ORDER BY l.position), '[]')
                FROM suborder_lines l WHERE l.suborder_id = s.id) AS lines,
               \(reroutedToColumn)
        FROM suborders s
        """

    static func decodeSuborder(_ row: Row) throws -> Suborder {
        let lines = try StoredJSON.objects(try row.jsonBytes("lines"), column: "lines").map { line in
            var decoded = SuborderLine(
                id: try line.string("id"), orderLineId: try line.string("order_line_id"), sku: try line.string("sku"),
                quantity: try line.int("quantity"), unitPrice: try line.int64("unit_price"))
            decoded.refusedQuantity = try line.int("refused_quantity")
            decoded.refusedReason = try line.optionalString("refused_reason")
            return decoded
        }
        var suborder = try decodeSuborder(row, lines: lines)
        suborder.reroutedTo = try row.stringArray("rerouted_to")
        return suborder
    }

    /// The suborder columns of one result, resolved once for all its rows.
    struct SuborderColumns {
        let id, orderId, vendorId, location, status, currency, acceptBy, shipBy, promisedDelivery: Column
        let routingReason, vendorRoutingReason, candidatesConsidered, replaces, replacedBy: Column
        let carrier, trackingNumber, reason, deliveredAt, createdAt, updatedAt, fulfillment: Column

        init(_ row: Row) {
            (id, orderId, vendorId, location) = (row.column("id"), row.column("order_id"), row.column("vendor_id"), row.column("location"))
            (status, currency) = (row.column("status"), row.column("currency"))
            (acceptBy, shipBy, promisedDelivery) = (row.column("accept_by"), row.column("ship_by"), row.column("promised_delivery"))
            (routingReason, vendorRoutingReason) = (row.column("routing_reason"), row.column("vendor_routing_reason"))
            candidatesConsidered = row.column("candidates_considered")
            (replaces, replacedBy) = (row.column("replaces"), row.column("replaced_by"))
            (carrier, trackingNumber, reason) = (row.column("carrier"), row.column("tracking_number"), row.column("reason"))
            (deliveredAt, createdAt, updatedAt) = (row.column("delivered_at"), row.column("created_at"), row.column("updated_at"))
            fulfillment = row.column("fulfillment")
        }
    }

    /// The suborder's own columns; its lines come from the caller (a JSON column or joined rows).
    static func decodeSuborder(_ row: Row, lines: [SuborderLine]) throws -> Suborder {
        try decodeSuborder(row, lines: lines, columns: SuborderColumns(row))
    }

    /// `decodeSuborder` with the columns resolved once for all the rows of a result.
    static func decodeSuborder(_ row: Row, lines: [SuborderLine], columns c: borrowing SuborderColumns) throws -> Suborder {
        guard let status = SuborderStatus(rawValue: try row.string(c.status)) else {
            throw RowDecodingError(column: "status", reason: "unknown suborder status")
        }
        guard let fulfillment = Fulfillment(json: try JSONParser.parse(try row.jsonBytes(c.fulfillment))) else {
            throw RowDecodingError(column: "fulfillment", reason: "unreadable suborder fulfillment")
        }
        return Suborder(
            id: try row.string(c.id), orderId: try row.string(c.orderId), vendorId: try row.string(c.vendorId),
            location: try row.string(c.location), fulfillment: fulfillment, status: status, currency: try row.string(c.currency),
            lines: lines,
            acceptBy: try row.date(c.acceptBy), shipBy: try row.date(c.shipBy),
            promisedDelivery: try row.date(c.promisedDelivery), routingReason: try row.string(c.routingReason),
            vendorRoutingReason: try row.string(c.vendorRoutingReason),
            candidatesConsidered: try row.int(c.candidatesConsidered), replaces: try row.optionalString(c.replaces),
            replacedBy: try row.optionalString(c.replacedBy), carrier: try row.optionalString(c.carrier),
            trackingNumber: try row.optionalString(c.trackingNumber), reason: try row.optionalString(c.reason),
            deliveredAt: try row.optionalDate(c.deliveredAt), createdAt: try row.date(c.createdAt),
            updatedAt: try row.date(c.updatedAt))
    }

    // MARK: reads

    public static func suborder(_ db: any Queryable, id: String, forUpdate: Bool = false) async throws -> Suborder? {
        let result = try await db.query(suborderSelect + " WHERE s.id = $1" + (forUpdate ? " FOR UPDATE OF s" : ""), [id])
        return try result.first.map(decodeSuborder)
    }

    public static func suborders(_ db: any Queryable, orderId: String) async throws -> [Suborder] {
        try await db.query(suborderSelect + " WHERE s.order_id = $1 ORDER BY s.created_at, s.id", [orderId])
            .rows.map(decodeSuborder)
    }

    /// Suborders by id, in no particular order (the customer timeline's status entries).
    public static func suborders(_ db: any Queryable, ids: [String]) async throws -> [Suborder] {
        guard !ids.isEmpty else { return [] }
        return try await db.query(suborderSelect + " WHERE s.id = ANY($1)", [Array(Set(ids))]).rows.map(decodeSuborder)
    }

    static let orderSelect = """
        SELECT o.id, o.channel, o.customer_id, o.customer_email, o.status, o.currency, o.fulfillment, o.deliver_by,
               o.created_at, o.seq, o.cart_id, o.organization_id,
               (SELECT json_agg(json_build_object('id', l.id, 'position', l.position, 'sku', l.sku,
                                                  'quantity', l.quantity, 'cancelled_quantity', l.cancelled_quantity,
                                                  'vendor_id', l.vendor_id, 'max_unit_price', l.max_unit_price,
                                                  'fulfillment', l.fulfillment)
                                ORDER BY l.position)
                FROM order_lines l WHERE l.order_id = o.id) AS lines
        FROM orders o
        """

    static func decodeOrder(_ row: Row, suborders: [Suborder]) throws -> Order {
        let lines = try StoredJSON.objects(try row.jsonBytes("lines"), column: "lines").map { line in
            OrderLine(
                id: try line.string("id"), position: try line.int("position"), sku: try line.string("sku"),
                quantity: try line.int("quantity"), cancelledQuantity: try line.int("cancelled_quantity"),
                vendorId: try line.optionalString("vendor_id"), maxUnitPrice: try line.optionalInt64("max_unit_price"),
                fulfillment: try line.optional("fulfillment", "a fulfilment", Fulfillment.init(json:)))
        }
        let fulfillmentJSON = try JSONParser.parse(Array(try row.jsonData("fulfillment")))
        guard let fulfillment = Fulfillment(json: fulfillmentJSON),
            let status = OrderStatus(rawValue: try row.string("status"))
        else { throw RowDecodingError(column: "fulfillment", reason: "unreadable order") }
        var order = Order(
            id: try row.string("id"), channel: try row.string("channel"), customerId: try row.string("customer_id"),
            customerEmail: try row.optionalString("customer_email"), status: status,
            currency: try row.string("currency"), fulfillment: fulfillment, deliverBy: try row.optionalDate("deliver_by"),
            lines: lines, suborders: suborders, createdAt: try row.date("created_at"))
        order.cartId = try row.optionalString("cart_id")
        order.organizationId = try row.optionalString("organization_id")
        return order
    }

    public static func order(_ db: any Queryable, id: String) async throws -> Order? {
        guard let row = try await db.query(orderSelect + " WHERE o.id = $1", [id]).first else { return nil }
        return try decodeOrder(row, suborders: try await suborders(db, orderId: id))
    }

    /// Locks the order row: every change to an order's suborders takes it first, so status
    /// recomputation never races with a change to a sibling suborder.
    public static func lockOrder(_ tx: Transaction, id: String) async throws -> Bool {
        !(try await tx.query("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", [id]).isEmpty)
    }

    /// Orders by id, with their suborders, in the order of `ids`.
    public static func orders(_ db: any Queryable, ids: [String]) async throws -> [Order] {
        guard !ids.isEmpty else { return [] }
        let rows = try await db.query(orderSelect + " WHERE o.id = ANY($1)", [ids]).rows
        let subs = try await db.query(suborderSelect + " WHERE s.order_id = ANY($1) ORDER BY s.created_at, s.id", [ids])
            .rows.map(decodeSuborder)
        var byOrder: [String: [Suborder]] = [:]
        for sub in subs { byOrder[sub.orderId, default: []].append(sub) }
        var byId: [String: Order] = [:]
        for row in rows {
            let id = try row.string("id")
            byId[id] = try decodeOrder(row, suborders: byOrder[id] ?? [])
        }
        return ids.compactMap { byId[$0] }
    }

    /// Orders of one customer across every channel, oldest first.
    public static func customerOrders(_ db: any Queryable, customerId: String, page: PageRequest) async throws -> Page<Order> {
        let afterSeq = try page.afterSequence()
        let rows = try await db.query(
            "SELECT id, seq FROM orders WHERE customer_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            [customerId, afterSeq, page.limit + 1]
        ).rows
        let keyed = try rows.map { (try $0.string("id"), try $0.int64("seq")) }
        let paged = Page(fetched: keyed, limit: page.limit) { [String($0.1)] }
        let orders = try await orders(db, ids: paged.items.map(\.0))
        return Page(items: orders, nextCursor: paged.nextCursor)
    }

    // MARK: writes

    public struct NewSuborder: Sendable {
        public let suborder: Suborder
        public let linePositions: [Int]
    }

    // The records below are written straight to bytes (`JSONOutput`): built as `JSONValue`
    // trees, they were a few percent of the server's CPU per order.

    static func orderLineRecords(_ lines: [OrderLine]) -> JSONText {
        var out = JSONOutput(capacity: 160 * lines.count + 2)
        out.beginArray()
        for line in lines {
            out.beginObject()
            out.key("id")
            out.string(line.id)
            out.key("position")
            out.int(line.position)
            out.key("sku")
            out.string(line.sku)
            out.key("quantity")
            out.int(line.quantity)
            out.key("vendor_id")
            out.string(line.vendorId)
            out.key("max_unit_price")
            if let price = line.maxUnitPrice { out.int(price) } else { out.null() }
            out.key("fulfillment")
            if let fulfillment = line.fulfillment { fulfillment.write(to: &out) } else { out.null() }
            out.endObject()
        }
        out.endArray()
        return JSONText(out.text)
    }

    static func suborderRecords(_ suborders: [Suborder]) -> (suborders: JSONText, lines: JSONText) {
        var subs = JSONOutput(capacity: 800 * suborders.count + 2)
        var lines = JSONOutput(capacity: 1024)
        subs.beginArray()
        lines.beginArray()
        for sub in suborders {
            subs.beginObject()
            subs.key("id")
            subs.string(sub.id)
            subs.key("order_id")
            subs.string(sub.orderId)
            subs.key("vendor_id")
            subs.string(sub.vendorId)
            subs.key("location")
            subs.string(sub.location)
            subs.key("currency")
            subs.string(sub.currency)
            subs.key("subtotal")
            subs.int(sub.subtotal)
            subs.key("fulfillment")
            sub.fulfillment.write(to: &subs)
            subs.key("accept_by")
            subs.string(PostgresTimestamp.format(sub.acceptBy))
            subs.key("ship_by")
            subs.string(PostgresTimestamp.format(sub.shipBy))
            subs.key("promised_delivery")
            subs.string(PostgresTimestamp.format(sub.promisedDelivery))
            subs.key("routing_reason")
            subs.string(sub.routingReason)
            subs.key("vendor_routing_reason")
            subs.string(sub.vendorRoutingReason)
            subs.key("candidates_considered")
            subs.int(sub.candidatesConsidered)
            subs.key("replaces")
            subs.string(sub.replaces)
            subs.key("created_at")
            subs.string(PostgresTimestamp.format(sub.createdAt))
            subs.endObject()
            for (position, line) in sub.lines.enumerated() {
                lines.beginObject()
                lines.key("id")
                lines.string(line.id)
                lines.key("suborder_id")
                lines.string(sub.id)
                lines.key("order_line_id")
                lines.string(line.orderLineId)
                lines.key("vendor_id")
                lines.string(sub.vendorId)
                lines.key("sku")
                lines.string(line.sku)
                lines.key("quantity")
                lines.int(line.quantity)
                lines.key("unit_price")
                lines.int(line.unitPrice)
                lines.key("position")
                lines.int(position)
                lines.endObject()
            }
        }
        subs.endArray()
        lines.endArray()
        return (JSONText(subs.text), JSONText(lines.text))
    }

    /// The order and its lines, written only when `verdict.ok`.
    static func orderInsertCTE(_ order: Order) -> SQLQuery {
        """
        o AS (
            INSERT INTO orders (id, channel, customer_id, customer_email, currency, fulfillment, deliver_by, status, created_at)
            SELECT \(order.id), \(order.channel), \(order.customerId), \(order.customerEmail), \(order.currency),
                   \(JSONText(JSONWriter.string(order.fulfillment.json)))::jsonb, \(order.deliverBy), 'open', \(order.createdAt)
            FROM verdict WHERE ok
        ), ol AS (
            INSERT INTO order_lines (id, order_id, position, sku, quantity, vendor_id, max_unit_price, fulfillment)
            SELECT x.id, \(order.id), x.position, x.sku, x.quantity, x.vendor_id, x.max_unit_price, x.fulfillment
            FROM jsonb_to_recordset(\(orderLineRecords(order.lines))::jsonb)
                 AS x(id text, position int, sku text, quantity int, vendor_id text, max_unit_price bigint, fulfillment jsonb),
                 verdict
            WHERE ok
        )
        """
    }

    /// Suborders, their lines and first status events, written only when `verdict.ok` (or
    /// always, without a guard).
    static func suborderInsertCTEs(_ suborders: [Suborder], guarded: Bool) -> SQLQuery {
        let (subs, lines) = suborderRecords(suborders)
        let from: SQLQuery = guarded ? ", verdict" : ""
        let condition: SQLQuery = guarded ? "WHERE ok" : ""
        return """
            s AS (
                INSERT INTO suborders (id, order_id, vendor_id, location, status, currency, subtotal, accept_by, ship_by,
                                       promised_delivery, routing_reason, vendor_routing_reason, candidates_considered, replaces,
                                       created_at, updated_at, fulfillment)
                SELECT x.id, x.order_id, x.vendor_id, x.location, 'pending_acceptance', x.currency, x.subtotal,
                       x.accept_by, x.ship_by, x.promised_delivery, x.routing_reason, x.vendor_routing_reason, x.candidates_considered,
                       x.replaces, x.created_at, x.created_at, x.fulfillment
                FROM jsonb_to_recordset(\(subs)::jsonb) AS x(id text, order_id text, vendor_id text, location text,
                     currency text, subtotal bigint, accept_by timestamptz, ship_by timestamptz,
                     promised_delivery timestamptz, routing_reason text, vendor_routing_reason text, candidates_considered int, replaces text,
                     created_at timestamptz, fulfillment jsonb)\(from)
                \(condition)
                RETURNING id, order_id, created_at
            ), e AS (
                INSERT INTO suborder_events (suborder_id, order_id, status, at)
                SELECT id, order_id, 'pending_acceptance', created_at FROM s
            ), sl AS (
                INSERT INTO suborder_lines (id, suborder_id, order_line_id, vendor_id, sku, quantity, unit_price, position)
                SELECT x.id, x.suborder_id, x.order_line_id, x.vendor_id, x.sku, x.quantity, x.unit_price, x.position
                FROM jsonb_to_recordset(\(lines)::jsonb) AS x(id text, suborder_id text, order_line_id text, vendor_id text,
                     sku text, quantity int, unit_price bigint, position int)\(from)
                \(condition)
            )
            """
    }

    /// Places an order in one statement: locks the planned stock rows in the global order,
    /// checks every one still has the units, and only then reserves them and writes the order,
    /// its lines, suborders, status events, outbox events and webhook deliveries. One round
    /// trip, and the row locks are held only until the commit that follows. Returns false,
    /// having written nothing, when some row no longer has the units.
    /// `commits`: it is the transaction's last statement, and `COMMIT` may leave with it
    /// (`Transaction.executeCommitting`).
    public static func placeAtomically(
        _ tx: Transaction, units: [StockUnits], order: Order, suborders: [Suborder], events: [Outbox.Event], now: Date,
        commits: Bool = false
    ) async throws -> Bool {
        let statement: SQLQuery = """
            WITH \(StockReservations.guardedReserveCTEs(units)), \(orderInsertCTE(order)), \(suborderInsertCTEs(suborders, guarded: true)),
               \(Outbox.insertCTEs(Outbox.rows(events, now: now), guardedByVerdict: true))
            SELECT ok FROM verdict
            """
        let result = commits ? try await tx.executeCommitting(statement) : try await tx.execute(statement)
        return try result.first?.bool("ok") ?? false
    }

    /// Inserts suborders with their lines and their first status event (rerouting).
    public static func insertSuborders(_ tx: Transaction, _ suborders: [Suborder]) async throws {
        guard !suborders.isEmpty else { return }
        try await tx.execute("WITH \(suborderInsertCTEs(suborders, guarded: false)) SELECT 1")
    }

    /// Moves a suborder to a new status, gives it a new feed position and records the event.
    public static func updateStatus(
        _ tx: Transaction, _ suborder: Suborder, to status: SuborderStatus, carrier: String? = nil,
        trackingNumber: String? = nil, reason: String? = nil, delivered: Bool = false
    ) async throws {
        try await tx.query(
            """
            WITH u AS (
                UPDATE suborders SET status = $2, updated_at = now(),
                    carrier = coalesce($3, carrier), tracking_number = coalesce($4, tracking_number),
                    reason = coalesce($5, reason), delivered_at = CASE WHEN $6 THEN now() ELSE delivered_at END,
                    feed_xid = pg_current_xact_id(), feed_seq = nextval('suborder_feed_seq')
                WHERE id = $1
                RETURNING id, order_id
            )
            INSERT INTO suborder_events (suborder_id, order_id, status) SELECT id, order_id, $2 FROM u
            """, [suborder.id, status.rawValue, carrier, trackingNumber, reason, delivered])
    }

    /// Records a partial acceptance on the (locked) suborder's lines: `quantity` drops to the
    /// accepted units, the refused ones and their reason are kept beside it, and the stored
    /// subtotal follows.
    public static func refuseUnits(_ tx: Transaction, suborderId: String, _ refusals: [Refusal]) async throws {
        guard !refusals.isEmpty else { return }
        try await tx.query(
            """
            WITH r AS (
                UPDATE suborder_lines l
                SET quantity = l.quantity - r.q, refused_quantity = l.refused_quantity + r.q, refused_reason = r.reason
                FROM unnest($2::text[], $3::int[], $4::text[]) AS r(id, q, reason)
                WHERE l.id = r.id AND l.suborder_id = $1
                RETURNING l.unit_price * r.q AS refused_amount
            )
            UPDATE suborders SET subtotal = subtotal - (SELECT coalesce(sum(refused_amount), 0) FROM r) WHERE id = $1
            """, [suborderId, refusals.map(\.lineId), refusals.map(\.quantity), refusals.map(\.reason)])
    }

    public static func setReplacedBy(_ tx: Transaction, suborderId: String, replacedBy: String) async throws {
        try await tx.query(
            """
            UPDATE suborders SET replaced_by = $2, updated_at = now(),
                feed_xid = pg_current_xact_id(), feed_seq = nextval('suborder_feed_seq')
            WHERE id = $1
            """, [suborderId, replacedBy])
    }

    /// Adds cancelled units to order lines (`quantities` by order line id).
    public static func cancelUnits(_ tx: Transaction, _ quantities: [String: Int]) async throws {
        guard !quantities.isEmpty else { return }
        let ids = Array(quantities.keys).sorted()
        try await tx.query(
            """
            UPDATE order_lines l SET cancelled_quantity = l.cancelled_quantity + c.q
            FROM unnest($1::text[], $2::int[]) AS c(id, q) WHERE l.id = c.id
            """, [ids, ids.map { quantities[$0]! }])
    }

    /// Recomputes the order's status from its suborders and lines (the order row is locked).
    public static func refreshOrderStatus(_ tx: Transaction, orderId: String) async throws {
        let result = try await tx.query(
            """
            SELECT (SELECT array_agg(status) FROM suborders WHERE order_id = $1) AS statuses,
                   (SELECT sum(quantity) FROM order_lines WHERE order_id = $1) AS quantity,
                   (SELECT sum(cancelled_quantity) FROM order_lines WHERE order_id = $1) AS cancelled
            """, [orderId])
        guard let row = result.first else { return }
        let statuses = try row.stringArray("statuses").compactMap(SuborderStatus.init(rawValue:))
        let status = SuborderTransitions.orderStatus(
            suborders: statuses, quantity: try row.int("quantity"), cancelledQuantity: try row.int("cancelled"))
        try await tx.query(
            "UPDATE orders SET status = $2, updated_at = now() WHERE id = $1 AND status <> $2", [orderId, status.rawValue])
    }

    // MARK: vendor feed

    /// One page of a vendor's feed after `cursor` (feed_xid, feed_seq). Only positions written by
    /// transactions older than every transaction still running are served, so a position that
    /// commits later can never sort before one already served.
    ///
    /// Lines arrive joined, one row per line, not as the JSON array `suborderSelect` builds:
    /// building that array for each of 100 suborders cost PostgreSQL 0.25 ms of a page's
    /// 0.9 ms, and parsing it again was the server's costliest step of decoding a page.
    ///
    /// The rows are ordered by feed position only, which the nested loop over the feed index
    /// gives as it is; ordering by line position too made PostgreSQL sort every page again.
    /// A suborder's rows still come together (its position is its own), and `decodeFeedPage`
    /// puts its lines in position order.
    public static func feed(
        _ db: any Queryable, vendorId: String, after cursor: (xid: String, seq: Int64), status: SuborderStatus?, limit: Int
    ) async throws -> [(Suborder, xid: String, seq: Int64)] {
        let result = try await db.query(
            """
            SELECT s.*, l.id AS line_id, l.order_line_id, l.sku, l.quantity, l.unit_price, l.refused_quantity, l.refused_reason,
                   l.position AS line_position
            FROM (SELECT \(suborderColumns), s.feed_xid, \(reroutedToColumn)
                  FROM suborders s
                  WHERE s.vendor_id = $1
                    AND (s.feed_xid, s.feed_seq) > ($2::xid8, $3::bigint)
                    AND s.feed_xid < pg_snapshot_xmin(pg_current_snapshot())
                    AND ($4::text IS NULL OR s.status = $4)
                  ORDER BY s.feed_xid, s.feed_seq
                  LIMIT $5) s
            LEFT JOIN suborder_lines l ON l.suborder_id = s.id
            ORDER BY s.feed_xid, s.feed_seq
            """, [vendorId, cursor.xid, cursor.seq, status?.rawValue, limit],
            // Whatever the parameters, the plan is the range scan of suborders_feed: planning
            // it afresh for every poll cost PostgreSQL 0.15 ms of a page's 1 ms.
            genericPlan: true)
        return try decodeFeedPage(result, limit: limit)
    }

    /// The suborders of a feed page's rows: each suborder's rows adjacent, one per line (a
    /// single row with NULL line columns for a suborder without lines), in any line order.
    static func decodeFeedPage(_ result: QueryResult, limit: Int) throws -> [(Suborder, xid: String, seq: Int64)] {
        var page: [(Suborder, xid: String, seq: Int64)] = []
        page.reserveCapacity(limit)
        guard let head = result.first else { return page }
        let columns = SuborderColumns(head)
        let (lineId, orderLineId, sku, quantity) = (
            head.column("line_id"), head.column("order_line_id"), head.column("sku"), head.column("quantity")
        )
        let (unitPrice, refusedQuantity, refusedReason, linePosition) = (
            head.column("unit_price"), head.column("refused_quantity"), head.column("refused_reason"),
            head.column("line_position")
        )
        let (reroutedTo, feedXid, feedSeq) = (head.column("rerouted_to"), head.column("feed_xid"), head.column("feed_seq"))
        var start = 0
        let rows = result.rows
        while start < rows.count {
            let id = try rows[start].string(columns.id)
            var end = start + 1
            while end < rows.count, try rows[end].string(columns.id) == id { end += 1 }
            var lines: [SuborderLine] = []
            var positions: [Int64] = []
            lines.reserveCapacity(end - start)
            positions.reserveCapacity(end - start)
            for row in rows[start..<end] where !(try row.isNull(lineId)) {
                var line = SuborderLine(
                    id: try row.string(lineId), orderLineId: try row.string(orderLineId), sku: try row.string(sku),
                    quantity: try row.int(quantity), unitPrice: try row.int64(unitPrice))
                line.refusedQuantity = try row.int(refusedQuantity)
                line.refusedReason = try row.optionalString(refusedReason)
                lines.append(line)
                positions.append(try row.int64(linePosition))
            }
            if zip(positions, positions.dropFirst()).contains(where: { $0 > $1 }) {
                lines = zip(positions, lines).sorted { $0.0 < $1.0 }.map(\.1)
            }
            let first = rows[start]
            var suborder = try decodeSuborder(first, lines: lines, columns: columns)
            suborder.reroutedTo = try first.stringArray(reroutedTo)
            // xid8's text form is its decimal number, as the cursor carries it.
            page.append((suborder, try first.string(feedXid), try first.int64(feedSeq)))
            start = end
        }
        return page
    }
}
