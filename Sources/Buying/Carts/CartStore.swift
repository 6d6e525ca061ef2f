public import BuyingCore
public import CommerceCore
public import Foundation
import OrderCore
public import Postgres
import VendorRouting

/// SQL for carts and their lines. Writes take the caller's transaction.
public enum CartStore {
    static let select = """
        SELECT c.id, c.seq, c.customer_id, c.customer_email, c.currency, c.fulfillment, c.status, c.channels, c.order_id,
               c.created_at, c.updated_at,
               (SELECT coalesce(json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'fulfillment', l.fulfillment,
                                                           'vendor_id', l.vendor_id, 'max_unit_price', l.max_unit_price)
                                         ORDER BY l.seq), '[]')
                FROM cart_lines l WHERE l.cart_id = c.id) AS lines
        FROM carts c
        """

    static func decode(_ row: Row) throws -> Cart {
        let lines = try StoredJSON.objects(Array(try row.jsonData("lines")), column: "lines").map { line in
            CartLine(
                sku: try line.string("sku"), quantity: try line.int("quantity"),
                fulfillment: try line.optional("fulfillment", "a fulfilment", Fulfillment.init(json:)),
                vendorId: try line.optionalString("vendor_id"), maxUnitPrice: try line.optionalInt64("max_unit_price"))
        }
        var fulfillment: Fulfillment?
        if let data = try row.optionalJSONData("fulfillment") {
            fulfillment = Fulfillment(json: try JSONParser.parse(Array(data)))
        }
        guard let status = CartStatus(rawValue: try row.string("status")) else {
            throw RowDecodingError(column: "status", reason: "unknown cart status")
        }
        return Cart(
            id: try row.string("id"), customerId: try row.string("customer_id"),
            customerEmail: try row.optionalString("customer_email"), currency: try row.string("currency"),
            fulfillment: fulfillment, status: status, lines: lines, channels: try row.stringArray("channels"),
            orderId: try row.optionalString("order_id"), createdAt: try row.date("created_at"),
            updatedAt: try row.date("updated_at"))
    }

    static func fulfillmentText(_ fulfillment: Fulfillment?) -> JSONText? {
        fulfillment.map { JSONText(JSONWriter.string($0.json)) }
    }

    // MARK: reads

    /// The cart; with `forUpdate` its row is locked, which serialises every change to it and
    /// makes a checkout happen at most once.
    public static func cart(_ db: any Queryable, id: String, forUpdate: Bool = false) async throws -> Cart? {
        try await db.query(select + " WHERE c.id = $1" + (forUpdate ? " FOR UPDATE OF c" : ""), [id]).first.map(decode)
    }

    /// A customer's carts, newest first.
    public static func customerCarts(_ db: any Queryable, customerId: String, page: PageRequest) async throws -> Page<Cart> {
        let rows = try await db.query(
            select + " WHERE c.customer_id = $1 AND c.seq < $2 ORDER BY c.seq DESC LIMIT $3",
            [customerId, try page.beforeSequence(), page.limit + 1]
        ).rows
        return Page.bySequence(try rows.map { (try decode($0), try $0.int64("seq")) }, limit: page.limit)
    }

    // MARK: writes

    public static func insert(_ tx: Transaction, _ cart: Cart) async throws {
        try await tx.query(
            """
            WITH c AS (
                INSERT INTO carts (id, customer_id, customer_email, currency, fulfillment, status, channels, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5::jsonb, 'open', $6, $7, $7)
            )
            INSERT INTO cart_lines (cart_id, sku, quantity, fulfillment, vendor_id, max_unit_price)
            SELECT $1, x.sku, x.quantity, x.fulfillment, x.vendor_id, x.max_unit_price
            FROM ROWS FROM (jsonb_to_recordset($8::jsonb)
                 AS (sku text, quantity int, fulfillment jsonb, vendor_id text, max_unit_price bigint)) WITH ORDINALITY
                 AS x(sku, quantity, fulfillment, vendor_id, max_unit_price, n)
            ORDER BY x.n
            """,
            [
                cart.id, cart.customerId, cart.customerEmail, cart.currency, fulfillmentText(cart.fulfillment),
                cart.channels, cart.createdAt, JSONText(JSONWriter.string(.from(cart.lines))),
            ])
    }

    /// Sets one line (quantity > 0) or removes it (0); the line keeps its place when it exists.
    public static func setLine(_ tx: Transaction, cartId: String, _ line: CartLine) async throws {
        if line.quantity == 0 {
            try await tx.query("DELETE FROM cart_lines WHERE cart_id = $1 AND sku = $2", [cartId, line.sku])
            return
        }
        try await tx.query(
            """
            INSERT INTO cart_lines (cart_id, sku, quantity, fulfillment, vendor_id, max_unit_price)
            VALUES ($1, $2, $3, $4::jsonb, $5, $6)
            ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = EXCLUDED.quantity, fulfillment = EXCLUDED.fulfillment,
                vendor_id = EXCLUDED.vendor_id, max_unit_price = EXCLUDED.max_unit_price
            """, [cartId, line.sku, line.quantity, fulfillmentText(line.fulfillment), line.vendorId, line.maxUnitPrice])
    }

    /// Records a change: `updated_at` (what the TTL clean-up reads) and the channels.
    public static func touch(_ tx: Transaction, cartId: String, channels: [String], now: Date) async throws {
        try await tx.query("UPDATE carts SET channels = $2, updated_at = $3 WHERE id = $1", [cartId, channels, now])
    }

    public static func markCheckedOut(_ tx: Transaction, cartId: String, orderId: String, channels: [String], now: Date) async throws {
        try await tx.query(
            "UPDATE carts SET status = 'checked_out', order_id = $2, channels = $3, updated_at = $4 WHERE id = $1 AND status = 'open'",
            [cartId, orderId, channels, now])
    }

    /// Errors for a line's unknown sku, vendor or pickup location (names as the route reports
    /// them), read in one round trip.
    public static func referenceErrors(_ db: any Queryable, _ line: CartLine) async throws -> [FieldError] {
        var pickupVendor: String?
        var pickupLocation: String?
        if case .pickup(let vendorId, let location) = line.fulfillment {
            pickupVendor = vendorId
            pickupLocation = location
        }
        guard
            let row = try await db.query(
                """
                SELECT EXISTS (SELECT 1 FROM products WHERE sku = $1) AS sku,
                       ($2::text IS NULL OR EXISTS (SELECT 1 FROM vendors WHERE id = $2)) AS vendor,
                       (SELECT pickup FROM locations WHERE vendor_id = $3 AND code = $4) AS pickup
                """, [line.sku, line.vendorId, pickupVendor, pickupLocation]
            ).first
        else { return [] }
        var errors: [FieldError] = []
        if !(try row.bool("sku")) { errors.append(FieldError("sku", "unknown sku '\(line.sku)'")) }
        if !(try row.bool("vendor")) { errors.append(FieldError("vendor_id", "no vendor '\(line.vendorId ?? "")'")) }
        if let pickupVendor, let pickupLocation {
            if try row.isNull("pickup") {
                errors.append(FieldError("fulfillment.location", "no location '\(pickupLocation)' for vendor '\(pickupVendor)'"))
            } else if !(try row.bool("pickup")) {
                errors.append(FieldError("fulfillment.location", "location '\(pickupLocation)' does not offer pickup"))
            }
        }
        return errors
    }

    /// Deletes at most `batchSize` open carts untouched since `cutoff`; answers how many.
    /// `SKIP LOCKED`: a cart being changed right now is left alone, and several processes
    /// running this at once each take different carts.
    public static func deleteStale(_ db: any Queryable, cutoff: Date, batchSize: Int) async throws -> Int {
        try await db.query(
            """
            DELETE FROM carts WHERE id IN (
                SELECT id FROM carts WHERE status = 'open' AND updated_at < $1
                ORDER BY updated_at LIMIT $2
                FOR UPDATE SKIP LOCKED
            )
            """, [cutoff, batchSize]
        ).affectedRows
    }
}
