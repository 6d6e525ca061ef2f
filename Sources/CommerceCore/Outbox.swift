public import Foundation

/// Webhook events as the transactional outbox stores them. The writing (inside the caller's
/// transaction, so an event exists exactly when the change that caused it committed) is in
/// `EventOutbox`, which keeps this module free of the database; the Webhooks module reads and
/// delivers them.
public enum Outbox {
    public struct Event: Sendable {
        public let vendorId: String
        public let type: String
        /// The event's `data`, as JSON bytes.
        public let dataJSON: [UInt8]

        public init(vendorId: String, type: String, data: JSONValue) {
            self.init(vendorId: vendorId, type: type, dataJSON: JSONWriter.bytes(data))
        }

        /// `dataJSON`: one JSON value, already written (`JSONOutput`): an order's events are
        /// written without building a `JSONValue` tree first.
        public init(vendorId: String, type: String, dataJSON: [UInt8]) {
            self.vendorId = vendorId
            self.type = type
            self.dataJSON = dataJSON
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
            var payload = JSONOutput(capacity: event.dataJSON.count + 96)
            payload.beginObject()
            payload.key("type")
            payload.string(event.type)
            payload.key("timestamp")
            payload.string(timestamp)
            payload.key("data")
            payload.json(event.dataJSON)
            payload.endObject()
            rows.payloads.append(payload.text)
        }
        return rows
    }
}
