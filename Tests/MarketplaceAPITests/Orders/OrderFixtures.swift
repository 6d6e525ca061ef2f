import CommerceCore
import Foundation
import Testing

/// Checks and constants shared by the order suites (one namespace, so nothing collides with
/// helpers other suites add to this test target).
enum OrderKit {
    /// The customer of most tests (Berlin Mitte) and where warehouses stand.
    static let customerLatitude = 52.53
    static let customerLongitude = 13.38
    static let berlin = (latitude: 52.52, longitude: 13.405)
    /// About 1 870 km from the customer: 1 + floor(1870 / 800) = 3 transit days.
    static let madrid = (latitude: 40.4, longitude: -3.7)
    static let day: TimeInterval = 86_400

    /// Order of suborder statuses along the happy path (the feed must never go backwards).
    static let statusRank: [String: Int] = [
        "pending_acceptance": 0, "accepted": 1, "shipped": 2, "delivered": 3, "rejected": 1, "expired": 1, "cancelled": 2,
    ]

    /// The response is an RFC 9457 problem with this status and code, naming at least `fields`.
    static func expectProblem(
        _ response: APIResponse, status: Int, code: String, fields: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(response)", sourceLocation: sourceLocation)
        #expect(
            response.contentType?.hasPrefix("application/problem+json") == true, "content-type \(response.contentType ?? "none")",
            sourceLocation: sourceLocation)
        #expect(response.problemCode == code, "\(response)", sourceLocation: sourceLocation)
        #expect(response["status"]?.intValue == Int64(status), "\(response)", sourceLocation: sourceLocation)
        for field in fields {
            #expect(response.errorFields.contains(field), "no error for \(field): \(response)", sourceLocation: sourceLocation)
        }
    }

    static func date(_ value: JSONValue?) -> Date? { value?.stringValue.flatMap(RFC3339.parse) }

    /// `value` is a timestamp within `tolerance` seconds of `expected`.
    static func expectTime(
        _ value: JSONValue?, near expected: Date, tolerance: TimeInterval = 5, _ what: String = "",
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let date = date(value) else {
            Issue.record("\(what): not a timestamp: \(String(describing: value))", sourceLocation: sourceLocation)
            return
        }
        #expect(
            abs(date.timeIntervalSince(expected)) <= tolerance,
            "\(what): \(RFC3339.format(date)) is not within \(tolerance) s of \(RFC3339.format(expected))",
            sourceLocation: sourceLocation)
    }

    static func suborders(_ order: JSONValue) -> [JSONValue] { order["suborders"]?.arrayValue ?? [] }
    static func lines(_ value: JSONValue) -> [JSONValue] { value["lines"]?.arrayValue ?? [] }
    static func id(_ value: JSONValue?) -> String { value?["id"]?.stringValue ?? "" }
    static func status(_ value: JSONValue?) -> String { value?["status"]?.stringValue ?? "" }
    static func int(_ value: JSONValue?, _ key: String) -> Int64? { value?[key]?.intValue }

    static func line(_ sku: String, _ quantity: Int64, vendorId: String? = nil, maxUnitPrice: Int64? = nil) -> JSONValue {
        var object = JSONObject([("sku", .string(sku)), ("quantity", .int(quantity))])
        if let vendorId { object["vendor_id"] = .string(vendorId) }
        if let maxUnitPrice { object["max_unit_price"] = .int(maxUnitPrice) }
        return .object(object)
    }

    static func delivery(latitude: Double = customerLatitude, longitude: Double = customerLongitude) -> JSONValue {
        [
            "type": "delivery",
            "address": ["country": "DE", "postal_code": "10115", "latitude": .double(latitude), "longitude": .double(longitude)],
        ]
    }

    static func pickup(vendorId: String, location: String) -> JSONValue {
        ["type": "pickup", "vendor_id": .string(vendorId), "location": .string(location)]
    }

    static func orderBody(
        customer: String, lines: [JSONValue], currency: String = "EUR", fulfillment: JSONValue? = nil,
        deliverBy: Date? = nil, channel: String? = nil
    ) -> JSONValue {
        var object = JSONObject([
            ("customer", ["id": .string(customer), "email": "someone@example.com"]), ("currency", .string(currency)),
            ("fulfillment", fulfillment ?? delivery()), ("lines", .array(lines)),
        ])
        if let deliverBy { object["deliver_by"] = .string(RFC3339.format(deliverBy)) }
        if let channel { object["channel"] = .string(channel) }
        return .object(object)
    }
}

/// One stock level as `GET /v1/vendors/{id}/stock` shows it.
struct StockLevelView: Equatable, CustomStringConvertible {
    let onHand: Int64
    let reserved: Int64
    let available: Int64
    var description: String { "on_hand \(onHand) reserved \(reserved) available \(available)" }
}

/// What a seller stocks at one location: sku, units on hand, unit price.
struct StockedItem: Sendable {
    let sku: String
    let onHand: Int64
    let price: Int64
    var currency: String = "EUR"
    var active: Bool = true
}

/// One test's storefront: a channel with its key, plus builders for sellers and orders.
struct Shop: Sendable {
    let server: TestServer
    let fixtures: Fixtures
    let channel: String
    /// A `channel` key bound to `channel`.
    let storefront: APIClient

    var admin: APIClient { server.admin }

    static func open(_ server: TestServer) async throws -> Shop {
        let fixtures = Fixtures(server: server)
        let channel = try await fixtures.channel()
        let storefront = try await fixtures.key(role: "channel", channel: channel)
        return Shop(server: server, fixtures: fixtures, channel: channel, storefront: storefront)
    }

    func sku() async throws -> String { try await fixtures.product() }

    func skus(_ count: Int) async throws -> [String] {
        var out: [String] = []
        for _ in 0..<count { out.append(try await fixtures.product()) }
        return out
    }

    /// A vendor with explicit windows.
    func vendor(name: String = "Seller", acceptanceWindowSeconds: Int64? = nil, shipWindowSeconds: Int64? = nil) async throws
        -> String
    {
        var body = JSONObject([("name", .string(name))])
        if let acceptanceWindowSeconds { body["acceptance_window_seconds"] = .int(acceptanceWindowSeconds) }
        if let shipWindowSeconds { body["ship_window_seconds"] = .int(shipWindowSeconds) }
        let response = try await admin.post("/v1/vendors", .object(body))
        #expect(response.status == 201, "\(response)")
        return try #require(response["id"]?.stringValue)
    }

    /// A location of `vendorId` stocked with `items` (offers are per vendor, so the price of an
    /// sku is the same at every location of one vendor).
    func stockLocation(
        _ vendorId: String, code: String = "WH1", latitude: Double = OrderKit.berlin.latitude,
        longitude: Double = OrderKit.berlin.longitude, handlingSeconds: Int64 = 3600, pickup: Bool = false,
        items: [StockedItem]
    ) async throws {
        try await fixtures.location(
            vendorId: vendorId, code: code, latitude: latitude, longitude: longitude, handlingSeconds: handlingSeconds,
            pickup: pickup, type: pickup ? "store" : "warehouse")
        for item in items {
            try await fixtures.offer(vendorId: vendorId, sku: item.sku, price: item.price, currency: item.currency, active: item.active)
            try await fixtures.stock(vendorId: vendorId, location: code, sku: item.sku, onHand: item.onHand)
        }
    }

    /// A vendor with one stocked location.
    func seller(
        name: String = "Seller", acceptanceWindowSeconds: Int64? = nil, shipWindowSeconds: Int64? = nil, code: String = "WH1",
        latitude: Double = OrderKit.berlin.latitude, longitude: Double = OrderKit.berlin.longitude,
        handlingSeconds: Int64 = 3600, pickup: Bool = false, items: [StockedItem]
    ) async throws -> String {
        let id = try await vendor(
            name: name, acceptanceWindowSeconds: acceptanceWindowSeconds, shipWindowSeconds: shipWindowSeconds)
        try await stockLocation(
            id, code: code, latitude: latitude, longitude: longitude, handlingSeconds: handlingSeconds, pickup: pickup,
            items: items)
        return id
    }

    func vendorKey(_ vendorId: String) async throws -> APIClient { try await fixtures.key(role: "vendor", vendorId: vendorId) }

    func newCustomer() -> String { Fixtures.unique("cust") }

    /// `POST /v1/orders` through this shop's channel key.
    func place(
        customer: String? = nil, lines: [JSONValue], fulfillment: JSONValue? = nil, deliverBy: Date? = nil,
        headers: [(String, String)] = []
    ) async throws -> APIResponse {
        try await storefront.post(
            "/v1/orders",
            OrderKit.orderBody(
                customer: customer ?? newCustomer(), lines: lines, fulfillment: fulfillment, deliverBy: deliverBy),
            headers: headers)
    }

    /// Places an order that must succeed; returns the order.
    func placeOK(
        customer: String? = nil, lines: [JSONValue], fulfillment: JSONValue? = nil, deliverBy: Date? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await place(customer: customer, lines: lines, fulfillment: fulfillment, deliverBy: deliverBy)
        try #require(response.status == 201, "\(response)", sourceLocation: sourceLocation)
        return response.json
    }

    func order(_ id: String) async throws -> JSONValue {
        let response = try await storefront.get("/v1/orders/\(id)")
        try #require(response.status == 200, "\(response)")
        return response.json
    }

    func suborder(_ id: String) async throws -> JSONValue {
        let response = try await admin.get("/v1/suborders/\(id)")
        try #require(response.status == 200, "\(response)")
        return response.json
    }

    /// The stock level of one (vendor, location, sku), read through the API.
    func stock(_ vendorId: String, _ sku: String, location: String = "WH1") async throws -> StockLevelView {
        let response = try await admin.get("/v1/vendors/\(vendorId)/stock?sku=\(sku)")
        try #require(response.status == 200, "\(response)")
        let row = try #require(
            response.data.first { $0["location"]?.stringValue == location && $0["sku"]?.stringValue == sku },
            "no stock row for \(vendorId)/\(location)/\(sku): \(response)")
        return StockLevelView(
            onHand: row["on_hand"]?.intValue ?? -1, reserved: row["reserved"]?.intValue ?? -1,
            available: row["available"]?.intValue ?? -1)
    }

    func expectStock(
        _ vendorId: String, _ sku: String, location: String = "WH1", onHand: Int64, reserved: Int64,
        _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let level = try await stock(vendorId, sku, location: location)
        #expect(
            level == StockLevelView(onHand: onHand, reserved: reserved, available: onHand - reserved),
            "\(comment) \(vendorId)/\(location)/\(sku): \(level), expected on_hand \(onHand) reserved \(reserved)",
            sourceLocation: sourceLocation)
    }

    /// Runs a suborder action as `client` (operator by default).
    func act(_ action: String, _ suborderId: String, as client: APIClient? = nil, body: JSONValue? = nil) async throws
        -> APIResponse
    {
        var payload = body
        if payload == nil {
            switch action {
            case "ship": payload = ["carrier": "DHL", "tracking_number": .string(Fixtures.unique("trk"))]
            case "reject", "cancel": payload = ["reason": "test"]
            default: payload = nil
            }
        }
        return try await (client ?? admin).post("/v1/suborders/\(suborderId)/\(action)", payload)
    }

    /// Runs an action that must succeed and answers the suborder.
    @discardableResult
    func actOK(
        _ action: String, _ suborderId: String, as client: APIClient? = nil, body: JSONValue? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await act(action, suborderId, as: client, body: body)
        try #require(response.status == 200, "\(action) \(suborderId): \(response)", sourceLocation: sourceLocation)
        return response.json
    }

    /// A vendor's feed from the start, polled until it holds `count` entries (or 30 s pass): the
    /// feed serves a change only once every transaction older than it has ended, so under load
    /// a change just committed can take a moment to appear, as for any real poller.
    func feed(_ vendorId: String, as client: APIClient, count: Int) async throws -> APIResponse {
        var response = try await client.get("/v1/vendors/\(vendorId)/suborders")
        let deadline = Date().addingTimeInterval(30)
        while response.status == 200, response.data.count < count, Date() < deadline {
            try await Task.sleep(nanoseconds: 50_000_000)
            response = try await client.get("/v1/vendors/\(vendorId)/suborders")
        }
        return response
    }

    /// `POST /v1/jobs/sla-sweep` → `expired`.
    func sweep() async throws -> Int64 {
        let response = try await admin.post("/v1/jobs/sla-sweep")
        try #require(response.status == 200, "\(response)")
        return try #require(response["expired"]?.intValue)
    }

    /// Every entry of a customer's timeline, following the cursor.
    func timeline(_ customer: String, as client: APIClient? = nil, limit: Int = 500) async throws -> [JSONValue] {
        var entries: [JSONValue] = []
        var after: String?
        for _ in 0..<1000 {
            let path = "/v1/customers/\(customer)/timeline?limit=\(limit)" + (after.map { "&after=\($0)" } ?? "")
            let response = try await (client ?? storefront).get(path)
            try #require(response.status == 200, "\(response)")
            entries.append(contentsOf: response.data)
            guard let next = response["next_cursor"]?.stringValue else { break }
            after = next
        }
        return entries
    }
}
