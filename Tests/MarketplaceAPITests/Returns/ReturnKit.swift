import CommerceCore
import Foundation
import Postgres
import Testing

/// Helpers shared by the return and case suites (one namespace, so nothing collides with
/// helpers other suites add to this test target).
enum ReturnKit {
    /// Places an order through `shop`, then accepts and ships every suborder; answers the
    /// order as it stands after shipping.
    static func shippedOrder(
        _ shop: Shop, customer: String, lines: [JSONValue], through client: APIClient? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let placed = try await (client ?? shop.storefront).post("/v1/orders", OrderKit.orderBody(customer: customer, lines: lines))
        try #require(placed.status == 201, "\(placed)", sourceLocation: sourceLocation)
        for sub in OrderKit.suborders(placed.json) {
            try await shop.actOK("accept", OrderKit.id(sub), sourceLocation: sourceLocation)
            try await shop.actOK("ship", OrderKit.id(sub), sourceLocation: sourceLocation)
        }
        return try await shop.order(OrderKit.id(placed.json))
    }

    /// The suborder line of `order` selling `sku` (the first one).
    static func line(_ order: JSONValue, sku: String) -> JSONValue? {
        for sub in OrderKit.suborders(order) {
            if let line = OrderKit.lines(sub).first(where: { $0["sku"]?.stringValue == sku }) { return line }
        }
        return nil
    }

    static func lineId(_ order: JSONValue, sku: String) -> String { line(order, sku: sku)?["id"]?.stringValue ?? "" }

    static func suborder(_ order: JSONValue, vendor: String) -> JSONValue? {
        OrderKit.suborders(order).first { $0["vendor_id"]?.stringValue == vendor }
    }

    static func returnLine(_ lineId: String, _ quantity: Int64, reason: String = "damaged") -> JSONValue {
        ["suborder_line_id": .string(lineId), "quantity": .int(quantity), "reason": .string(reason)]
    }

    static func returnBody(
        order: String, lines: [JSONValue], method: String = "courier", location: (vendor: String, code: String)? = nil,
        channel: String? = nil
    ) -> JSONValue {
        var object = JSONObject([("order_id", .string(order)), ("lines", .array(lines)), ("method", .string(method))])
        if let location { object["location"] = ["vendor_id": .string(location.vendor), "code": .string(location.code)] }
        if let channel { object["channel"] = .string(channel) }
        return .object(object)
    }

    static func received(_ lineId: String, _ quantity: Int64, restock: Bool) -> JSONValue {
        ["suborder_line_id": .string(lineId), "quantity": .int(quantity), "restock": .bool(restock)]
    }

    /// `POST /v1/returns` that must succeed.
    static func create(
        _ client: APIClient, _ body: JSONValue, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await client.post("/v1/returns", body)
        try #require(response.status == 201, "\(response)", sourceLocation: sourceLocation)
        return response.json
    }

    /// The outbox events of `type` written for `vendorId`, payloads parsed, oldest first.
    static func events(_ server: TestServer, vendor vendorId: String, type: String) async throws -> [JSONValue] {
        try await server.pool.query(
            "SELECT payload FROM outbox_events WHERE vendor_id = $1 AND type = $2 ORDER BY seq", [vendorId, type]
        ).rows.map { try JSONParser.parse(Array(try $0.string("payload").utf8)) }
    }

    static func count(_ server: TestServer, _ sql: String, _ parameters: [any PostgresEncodable]) async throws -> Int {
        try await server.pool.query(sql, parameters).first?.int("c") ?? -1
    }

    static func lineIds(_ value: JSONValue) -> [String] {
        OrderKit.lines(value).compactMap { $0["suborder_line_id"]?.stringValue }
    }
}
