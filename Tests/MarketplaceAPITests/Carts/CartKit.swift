import CommerceCore
import Foundation
import Testing

/// Helpers of the cart and B2B suites (one namespace, so nothing collides with other suites).
enum CartKit {
    /// A channel of `type` with its own channel key.
    static func channel(_ shop: Shop, type: String) async throws -> (code: String, client: APIClient) {
        let code = try await shop.fixtures.channel(type: type)
        return (code, try await shop.fixtures.key(role: "channel", channel: code))
    }

    static func createBody(customer: String, currency: String = "EUR", fulfillment: JSONValue? = OrderKit.delivery()) -> JSONValue {
        var object = JSONObject([("customer", ["id": .string(customer), "email": "buyer@example.com"]), ("currency", .string(currency))])
        if let fulfillment { object["fulfillment"] = fulfillment }
        return .object(object)
    }

    /// Creates a cart that must succeed; answers it.
    static func create(
        _ client: APIClient, customer: String, fulfillment: JSONValue? = OrderKit.delivery(),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await client.post("/v1/carts", createBody(customer: customer, fulfillment: fulfillment))
        try #require(response.status == 201, "\(response)", sourceLocation: sourceLocation)
        return response.json
    }

    static func setLine(_ client: APIClient, _ cartId: String, _ sku: String, _ body: JSONValue) async throws -> APIResponse {
        try await client.put("/v1/carts/\(cartId)/lines/\(sku)", body)
    }

    /// Sets a line that must succeed; answers the cart.
    @discardableResult
    static func setLineOK(
        _ client: APIClient, _ cartId: String, _ sku: String, quantity: Int64, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await setLine(client, cartId, sku, ["quantity": .int(quantity)])
        try #require(response.status == 200, "\(response)", sourceLocation: sourceLocation)
        return response.json
    }

    static func checkout(_ client: APIClient, _ cartId: String, _ body: JSONValue? = nil, headers: [(String, String)] = []) async throws
        -> APIResponse
    {
        try await client.post("/v1/carts/\(cartId)/checkout", body, headers: headers)
    }

    static func channels(_ cart: JSONValue) -> [String] { (cart["channels"]?.arrayValue ?? []).compactMap(\.stringValue) }

    static func lineSummary(_ cart: JSONValue) -> [String] {
        OrderKit.lines(cart).map { "\($0["sku"]?.stringValue ?? "?")×\($0["quantity"]?.intValue ?? -1)" }
    }

    /// Every response validates against `/openapi.json` (the contract suite's validator).
    static func expectDocumented(_ server: TestServer, _ samples: [OpenAPIContractTests.Sample]) async throws {
        let document = try await server.client(token: nil).get("/openapi.json")
        let verdicts = try await SchemaValidator.validate(document: document.bytes, samples: samples)
        #expect(verdicts.count == samples.count)
        for (sample, verdict) in zip(samples, verdicts) {
            #expect(verdict == "ok", "\(sample.method.uppercased()) \(sample.path) → \(sample.response.status): \(verdict)")
        }
    }
}
