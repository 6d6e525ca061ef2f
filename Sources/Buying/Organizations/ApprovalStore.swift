public import Foundation
public import Postgres

/// SQL for the status history of orders that waited for approval.
public enum ApprovalStore {
    public static func record(
        _ tx: Transaction, orderId: String, status: String, approverId: String?, reason: String?, now: Date
    ) async throws {
        try await tx.query(
            "INSERT INTO order_status_events (order_id, status, approver_id, reason, at) VALUES ($1, $2, $3, $4, $5)",
            [orderId, status, approverId, reason, now])
    }

    /// Whether the order ever waited for approval (it has a decision on record).
    public static func waitedForApproval(_ db: any Queryable, orderId: String) async throws -> Bool {
        !(try await db.query("SELECT 1 FROM order_status_events WHERE order_id = $1 LIMIT 1", [orderId]).isEmpty)
    }
}
