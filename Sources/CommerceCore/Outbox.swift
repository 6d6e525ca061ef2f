import Foundation
import Postgres

/// Writes webhook events into the transactional outbox, inside the caller's transaction, so an
/// event exists exactly when the change that caused it committed. The Webhooks module reads
/// and delivers them.
public enum Outbox {
    public struct Event: Sendable {
        public let vendorId: String
        public let type: String
        public let data: JSONValue

        public init(vendorId: String, type: String, data: JSONValue) {
            self.vendorId = vendorId
            self.type = type
            self.data = data
        }
    }

    public static func enqueue(_ tx: Transaction, _ events: [Event], now: Date = Date()) async throws {
        guard !events.isEmpty else { return }
        var ids: [String] = []
        var vendors: [String] = []
        var types: [String] = []
        var payloads: [String] = []
        let timestamp = RFC3339.format(now)
        for event in events {
            ids.append(Identifier.make("msg"))
            vendors.append(event.vendorId)
            types.append(event.type)
            payloads.append(
                JSONWriter.string(["type": .string(event.type), "timestamp": .string(timestamp), "data": event.data]))
        }
        // One statement writes the events and fans each out to the vendor's endpoints that
        // subscribe to its type, so deliveries exist exactly when the change committed.
        try await tx.query(
            """
            WITH e AS (
                INSERT INTO outbox_events (id, vendor_id, type, payload)
                SELECT i, v, t, p FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS e(i, v, t, p)
                RETURNING id, vendor_id, type, seq
            )
            INSERT INTO webhook_deliveries (id, event_id, endpoint_id, vendor_id, type, event_seq)
            SELECT 'whd_' || replace(gen_random_uuid()::text, '-', ''), e.id, ep.id, e.vendor_id, e.type, e.seq
            FROM e JOIN webhook_endpoints ep
                 ON ep.vendor_id = e.vendor_id AND ep.deleted_at IS NULL AND (ep.events IS NULL OR e.type = ANY (ep.events))
            """, [ids, vendors, types, payloads])
    }
}
