import CommerceCore
import Foundation
public import OrderCore
public import Postgres

/// SQL for orders held for approval (v1.2).
extension OrderStore {
    /// Writes an order and its lines as `pending_approval`: no suborders, nothing reserved.
    static func insertHeld(_ tx: Transaction, _ order: Order) async throws {
        try await tx.query(
            """
            WITH o AS (
                INSERT INTO orders (id, channel, customer_id, customer_email, currency, fulfillment, deliver_by, status, created_at)
                VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, 'pending_approval', $8)
            )
            INSERT INTO order_lines (id, order_id, position, sku, quantity, vendor_id, max_unit_price, fulfillment)
            SELECT x.id, $1, x.position, x.sku, x.quantity, x.vendor_id, x.max_unit_price, x.fulfillment
            FROM jsonb_to_recordset($9::jsonb)
                 AS x(id text, position int, sku text, quantity int, vendor_id text, max_unit_price bigint, fulfillment jsonb)
            """,
            [
                order.id, order.channel, order.customerId, order.customerEmail, order.currency,
                JSONText(JSONWriter.string(order.fulfillment.json)), order.deliverBy, order.createdAt,
                orderLineRecords(order.lines),
            ])
    }

    /// Sets the order's status outright (approval decisions; the order row is locked).
    public static func setStatus(_ tx: Transaction, orderId: String, _ status: OrderStatus) async throws {
        try await tx.query("UPDATE orders SET status = $2, updated_at = now() WHERE id = $1", [orderId, status.rawValue])
    }

    /// Cancels a held order: every unit of every line is cancelled (nothing was reserved).
    public static func cancelHeld(_ tx: Transaction, orderId: String) async throws {
        try await tx.query(
            """
            WITH l AS (UPDATE order_lines SET cancelled_quantity = quantity WHERE order_id = $1)
            UPDATE orders SET status = 'cancelled', updated_at = now() WHERE id = $1
            """, [orderId])
    }

    /// Records which cart and organization an order came from.
    public static func tag(_ tx: Transaction, orderId: String, cartId: String?, organizationId: String?) async throws {
        try await tx.query(
            "UPDATE orders SET cart_id = $2, organization_id = $3 WHERE id = $1", [orderId, cartId, organizationId])
    }
}
