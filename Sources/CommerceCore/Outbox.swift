public import Foundation

/// Webhook events as the transactional outbox stores them. The writing (inside the caller's
/// transaction, so an event exists exactly when the change that caused it committed) is in
/// `EventOutbox`, which keeps this module free of the database; the Webhooks module reads and
/// delivers them.
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

    /// Events as the column arrays the insert takes.
    public struct Rows: Sendable {
        public var ids: [String] = []
        public var vendors: [String] = []
        public var types: [String] = []
        public var payloads: [String] = []
    }

    public static func rows(_ events: [Event], now: Date) -> Rows {
        var rows = Rows()
        let timestamp = RFC3339.format(now)
        for event in events {
            rows.ids.append(Identifier.make("msg"))
            rows.vendors.append(event.vendorId)
            rows.types.append(event.type)
            rows.payloads.append(
                JSONWriter.string(["type": .string(event.type), "timestamp": .string(timestamp), "data": event.data]))
        }
        return rows
    }
}
