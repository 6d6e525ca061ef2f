import CommerceCore
import Foundation
import NIOHTTP1
import Testing

private typealias H = FoundationHelpers

/// U+0000 in any string a client sends, body value, member name or query parameter, is 422
/// `validation` naming the field, and nothing is written (API.md, "Limits").
@Suite("Foundation: U+0000 in input")
struct NulCharacterTests {
    struct BodyCase: Sendable, CustomTestStringConvertible {
        let method: String
        let path: String
        let body: JSONValue
        let field: String
        var testDescription: String { "\(method) \(path) naming \(field)" }
    }

    static let nul = "a\u{0}b"

    /// `{vendor}`, `{sku}` and `{channel}` are filled in with fixtures of the test.
    static let bodyCases: [BodyCase] = [
        BodyCase(method: "POST", path: "/v1/vendors", body: ["name": .string(nul)], field: "name"),
        BodyCase(method: "POST", path: "/v1/vendors", body: ["name": "ok", .init(stringLiteral: "x\u{0}y"): 1], field: "x\\u0000y"),
        BodyCase(method: "POST", path: "/v1/channels", body: ["code": .string(nul), "name": "n", "type": "web"], field: "code"),
        BodyCase(method: "PUT", path: "/v1/products/{sku}", body: ["title": .string(nul), "category": "c"], field: "title"),
        BodyCase(
            method: "POST", path: "/v1/vendors/{vendor}/stock",
            body: ["items": [["location": "WH1", "sku": .string(nul), "on_hand": 1]]], field: "items[0].sku"),
        BodyCase(
            method: "POST", path: "/v1/orders",
            body: [
                "channel": "{channel}", "customer": ["id": .string(nul)], "currency": "EUR",
                "fulfillment": ["type": "delivery", "address": ["country": "DE"]], "lines": [["sku": "{sku}", "quantity": 1]],
            ], field: "customer.id"),
        BodyCase(
            method: "POST", path: "/v1/orders",
            body: [
                "channel": "{channel}", "customer": ["id": "c-1"], "currency": "EUR",
                "fulfillment": ["type": "delivery", "address": ["country": "DE"]],
                "lines": [["sku": "{sku}", "quantity": 1], ["sku": .string(nul), "quantity": 1]],
            ], field: "lines[1].sku"),
        BodyCase(
            method: "POST", path: "/v1/cases",
            body: ["customer_id": "c-1", "subject": "s", "message": .string(nul), "channel": "{channel}"],
            field: "message"),
        BodyCase(
            method: "POST", path: "/v1/settlement-runs", body: ["period_end": .string("2026-01-01T00:00:00Z\u{0}")], field: "period_end"),
    ]

    static func fill(_ value: JSONValue, _ names: [String: String]) -> JSONValue {
        switch value {
        case .string(let s): return .string(names[s] ?? s)
        case .array(let elements): return .array(elements.map { fill($0, names) })
        case .object(let object): return .object(JSONObject(zip(object.keys, object.values).map { ($0, fill($1, names)) }))
        default: return value
        }
    }

    @Test("in a body value or member name: 422 naming the field, nothing written", arguments: bodyCases)
    func inBody(_ testCase: BodyCase) async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            let vendor = try await fixtures.vendor()
            let sku = try await fixtures.product()
            let channel = try await fixtures.channel()
            let names = ["{vendor}": vendor, "{sku}": sku, "{channel}": channel]
            var path = testCase.path
            for (placeholder, name) in names { path = path.replacingOccurrences(of: placeholder, with: name) }
            let method: HTTPMethod = testCase.method == "PUT" ? .PUT : .POST
            let response = try await server.admin.request(method, path, json: Self.fill(testCase.body, names))
            H.expectProblem(response, status: 422, code: "validation", fields: [testCase.field])
            #expect(response.errorFields == [testCase.field], "\(response)")
            // A NUL cut off by a C string would have left 'a' behind.
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM vendors WHERE name IN ('a', 'ab')", []) == 0)
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM channels WHERE code IN ('a', 'ab')", []) == 0)
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM products WHERE title IN ('a', 'ab')", []) == 0)
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM orders WHERE channel = $1", [channel]) == 0)
        }
    }

    @Test(
        "in a query parameter: 422 naming the parameter",
        arguments: [
            ("/v1/availability?sku=a%00b", "sku"),
            ("/v1/availability?sku=ok&currency=EU%00", "currency"),
            ("/v1/vendors/{vendor}/stock?sku=a%00b", "sku"),
            ("/v1/vendors/{vendor}/suborders?status=%00", "status"),
            ("/v1/vendors/{vendor}/webhook-deliveries?endpoint_id=we%00", "endpoint_id"),
            ("/v1/customers/c-1/orders?after=%00", "after"),
            ("/v1/vendors/{vendor}/returns?status=x%00", "status"),
        ])
    func inQuery(path: String, field: String) async throws {
        try await TestServer.run { server in
            let vendor = try await Fixtures(server: server).vendor()
            let response = try await server.admin.get(path.replacingOccurrences(of: "{vendor}", with: vendor))
            H.expectProblem(response, status: 422, code: "validation", fields: [field])
        }
    }
}
