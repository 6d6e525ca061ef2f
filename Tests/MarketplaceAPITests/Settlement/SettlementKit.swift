import CommerceCore
import Foundation
import Postgres
import Testing

/// One settlement test's world: a channel, a finance key and builders for vendors whose lines
/// get delivered (and returned). Every name is fresh, so assertions can be made on this test's
/// own vendors while settlement runs settle every unsettled line in the shared database.
struct SettlementWorld: Sendable {
    let server: TestServer
    let fixtures: Fixtures
    let channel: String
    let storefront: APIClient
    let finance: APIClient

    var admin: APIClient { server.admin }

    static func open(_ server: TestServer) async throws -> SettlementWorld {
        let fixtures = Fixtures(server: server)
        let channel = try await fixtures.channel()
        let storefront = try await fixtures.key(role: "channel", channel: channel)
        let finance = try await fixtures.key(role: "finance")
        return SettlementWorld(server: server, fixtures: fixtures, channel: channel, storefront: storefront, finance: finance)
    }

    /// A vendor with one Berlin warehouse `WH1`.
    func vendor(commissionRateBps: Int64? = nil) async throws -> String {
        let id = try await fixtures.vendor(name: "Settled seller", commissionRateBps: commissionRateBps)
        try await fixtures.location(vendorId: id)
        return id
    }

    /// A fresh product in `category`, offered by `vendorId` at `price` with plenty of stock.
    func item(_ vendorId: String, category: String, price: Int64, currency: String = "EUR") async throws -> String {
        let sku = try await fixtures.product(category: category)
        try await fixtures.offer(vendorId: vendorId, sku: sku, price: price, currency: currency)
        try await fixtures.stock(vendorId: vendorId, sku: sku, onHand: 1000)
        return sku
    }

    /// Places an order for `lines` (sku, quantity) and takes every suborder through accept,
    /// ship and deliver. Returns the delivered suborders.
    @discardableResult
    func deliver(_ lines: [(sku: String, quantity: Int64)], currency: String = "EUR") async throws -> [JSONValue] {
        let order = try await place(lines, currency: currency)
        var delivered: [JSONValue] = []
        for suborder in order["suborders"]?.arrayValue ?? [] {
            let id = try #require(suborder["id"]?.stringValue)
            for action in ["accept", "ship", "deliver"] {
                let body: JSONValue? = action == "ship" ? ["carrier": "DHL", "tracking_number": "T-1"] : nil
                let response = try await admin.post("/v1/suborders/\(id)/\(action)", body)
                try #require(response.status == 200, "\(action) \(id): \(response)")
                if action == "deliver" { delivered.append(response.json) }
            }
        }
        return delivered
    }

    func place(_ lines: [(sku: String, quantity: Int64)], currency: String = "EUR") async throws -> JSONValue {
        let body: JSONValue = [
            "customer": ["id": .string(Fixtures.unique("cust")), "email": "buyer@example.com"], "currency": .string(currency),
            "fulfillment": [
                "type": "delivery", "address": ["country": "DE", "postal_code": "10115", "latitude": 52.53, "longitude": 13.38],
            ],
            "lines": .array(lines.map { ["sku": .string($0.sku), "quantity": .int($0.quantity)] }),
        ]
        let response = try await storefront.post("/v1/orders", body)
        try #require(response.status == 201, "\(response)")
        return response.json
    }

    func rule(vendorId: String? = nil, category: String? = nil, rateBps: Int64) async throws {
        var body = JSONObject([("rate_bps", .int(rateBps))])
        if let vendorId { body["vendor_id"] = .string(vendorId) }
        if let category { body["category"] = .string(category) }
        let response = try await finance.put("/v1/commission-rules", .object(body))
        try #require(response.status == 201 || response.status == 200, "\(response)")
    }

    /// `POST /v1/settlement-runs`, retried while another run is being built (409 conflict).
    func run(periodEnd: Date = Date(), headers: [(String, String)] = []) async throws -> JSONValue {
        for _ in 0..<50 {
            let response = try await finance.post(
                "/v1/settlement-runs", ["period_end": .string(RFC3339.format(periodEnd))], headers: headers)
            if response.status == 409, response.problemCode == "conflict" {
                try await Task.sleep(for: .milliseconds(100))
                continue
            }
            try #require(response.status == 201, "\(response)")
            return response.json
        }
        Issue.record("settlement run kept answering 409")
        return .null
    }

    /// Every page of a list, following `next_cursor`.
    func all(_ path: String, as client: APIClient? = nil, limit: Int = 500) async throws -> [JSONValue] {
        var out: [JSONValue] = []
        var after: String?
        for _ in 0..<1000 {
            let separator = path.contains("?") ? "&" : "?"
            let response = try await (client ?? finance).get(
                path + separator + "limit=\(limit)" + (after.map { "&after=\($0)" } ?? ""))
            try #require(response.status == 200, "\(path): \(response)")
            out += response.data
            guard let next = response["next_cursor"]?.stringValue else { break }
            after = next
        }
        return out
    }

    func lines(run: String, vendor: String) async throws -> [JSONValue] {
        try await all("/v1/settlement-runs/\(run)/statements/\(vendor)/lines")
    }

    func postings(run: String) async throws -> [JSONValue] {
        try await all("/v1/settlement-runs/\(run)/postings")
    }

    /// The vendor's statements in this run response (one per currency).
    static func statements(_ run: JSONValue, vendor: String) -> [JSONValue] {
        (run["statements"]?.arrayValue ?? []).filter { $0["vendor_id"]?.stringValue == vendor }
    }

    static func statement(_ run: JSONValue, vendor: String, currency: String = "EUR") -> JSONValue? {
        statements(run, vendor: vendor).first { $0["currency"]?.stringValue == currency }
    }

    static func id(_ value: JSONValue?) -> String { value?["id"]?.stringValue ?? "" }

    /// Suborder line ids of delivered suborders.
    static func lineIds(_ suborders: [JSONValue]) -> [String] {
        suborders.flatMap { ($0["lines"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } }
    }

    // MARK: invariants that hold for the whole database

    /// No source line was settled twice, in any run.
    func expectNoLineSettledTwice(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let twice = try await server.pool.query(
            "SELECT source FROM settlement_lines GROUP BY source HAVING count(*) > 1")
        let sources = try twice.rows.map { try $0.string("source") }
        #expect(sources.isEmpty, "settled more than once: \(sources)", sourceLocation: sourceLocation)
    }

    /// Every run's postings sum to zero per currency, read through the API for `run` and from
    /// the database for every run.
    func expectBalanced(run: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        var sums: [String: Int64] = [:]
        for posting in try await postings(run: run) {
            sums[posting["currency"]?.stringValue ?? "?", default: 0] += posting["amount"]?.intValue ?? 0
        }
        #expect(sums.values.allSatisfy { $0 == 0 }, "run \(run) postings do not balance: \(sums)", sourceLocation: sourceLocation)
        let off = try await server.pool.query(
            "SELECT run_id, currency FROM ledger_postings GROUP BY run_id, currency HAVING sum(amount) <> 0")
        #expect(off.isEmpty, "unbalanced runs in the database", sourceLocation: sourceLocation)
    }

    /// How many settlement lines exist for these source lines, by source.
    func settledCounts(suborderLineIds: [String], kind: String = "sale") async throws -> [String: Int] {
        let rows = try await server.pool.query(
            "SELECT suborder_line_id, count(*) AS c FROM settlement_lines WHERE kind = $1 AND suborder_line_id = ANY ($2::text[]) GROUP BY suborder_line_id",
            [kind, suborderLineIds])
        var out: [String: Int] = [:]
        for row in rows.rows { out[try row.string("suborder_line_id")] = try row.int("c") }
        return out
    }

    /// Reference commission: round_half_even(amount × rate / 10 000) in plain integers.
    static func commission(_ amount: Int64, _ rate: Int64) -> Int64 {
        let product = amount * rate
        let q = product / 10_000
        let r = product % 10_000
        if abs(r) * 2 < 10_000 { return q }
        if abs(r) * 2 > 10_000 { return product < 0 ? q - 1 : q + 1 }
        return q % 2 == 0 ? q : (product < 0 ? q - 1 : q + 1)
    }
}
