public import CommerceCore
public import Foundation
public import Postgres

/// Writes `Outbox` events in the caller's transaction: as CTEs of a larger statement (one round
/// trip with the change that caused them) or on their own.
extension Outbox {
    /// Two CTEs (`outbox_e`, `outbox_d`) that write these events and fan each out to the
    /// vendor's endpoints subscribed to its type, so deliveries exist exactly when the change
    /// committed. `guardedByVerdict`: written only when `verdict.ok` holds (a CTE of the
    /// enclosing statement).
    public static func insertCTEs(_ rows: Rows, guardedByVerdict: Bool = false) -> SQLQuery {
        let from: SQLQuery = guardedByVerdict ? ", verdict" : ""
        let condition: SQLQuery = guardedByVerdict ? "ok" : "true"
        return """
            outbox_e AS (
                INSERT INTO outbox_events (id, vendor_id, type, payload)
                SELECT i, v, t, p FROM unnest(\(rows.ids)::text[], \(rows.vendors)::text[], \(rows.types)::text[], \(rows.payloads)::text[])
                     AS e(i, v, t, p)\(from)
                WHERE \(condition)
                RETURNING id, vendor_id, type, seq
            ), outbox_d AS (
                INSERT INTO webhook_deliveries (id, event_id, endpoint_id, vendor_id, type, event_seq)
                SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), e.id, ep.id, e.vendor_id, e.type, e.seq
                FROM outbox_e e JOIN webhook_endpoints ep
                     ON ep.vendor_id = e.vendor_id AND ep.deleted_at IS NULL AND (ep.events IS NULL OR e.type = ANY (ep.events))
            )
            """
    }

    public static func enqueue(_ tx: Transaction, _ events: [Event], now: Date = Date()) async throws {
        guard !events.isEmpty else { return }
        try await tx.execute("WITH \(insertCTEs(rows(events, now: now))) SELECT 1")
    }
}
