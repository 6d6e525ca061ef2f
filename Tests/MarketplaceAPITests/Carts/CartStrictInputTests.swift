import CommerceCore
import Foundation
import NIOHTTP1
import Testing

/// The v1.2 "strict bodies" rule on the cart and B2B routes: a member the route does not
/// define, at any depth, is a 422 naming it.
@Suite("Carts and B2B: strict bodies")
struct CartStrictInputTests {
    @Test func everyNewBodyRefusesAnUnknownMember() async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            let sku = try await fixtures.product()
            let customer: JSONValue = ["id": "c1"]
            let cases: [(HTTPMethod, String, JSONValue, String)] = [
                (.POST, "/v1/carts", ["customer": customer, "currency": "EUR", "channel_code": "x"], "channel_code"),
                (.POST, "/v1/carts", ["customer": ["id": "c1", "name": "n"], "currency": "EUR"], "customer.name"),
                (
                    .POST, "/v1/carts",
                    ["customer": customer, "currency": "EUR", "fulfillment": ["type": "delivery", "address": ["city": "B"]]],
                    "fulfillment.address.city"
                ),
                (.PUT, "/v1/carts/x/lines/\(sku)", ["quantity": 1, "note": "n"], "note"),
                (
                    .PUT, "/v1/carts/x/lines/\(sku)",
                    ["quantity": 1, "fulfillment": ["type": "pickup", "vendor_id": "v", "location": "l", "x": 1]], "fulfillment.x"
                ),
                (.POST, "/v1/carts/x/checkout", ["channel": "web", "coupon": "FREE"], "coupon"),
                (.POST, "/v1/orders/x/reorder", ["lines": []], "lines"),
                (.POST, "/v1/organizations", ["name": "n", "currency": "EUR", "vat_id": "x"], "vat_id"),
                (.PUT, "/v1/organizations/x/members/c1", ["role": "buyer", "budget": 1], "budget"),
                (.PUT, "/v1/organizations/x/prices/\(sku)", ["vendor_id": "v", "unit_price": 1, "currency": "EUR"], "currency"),
                (.POST, "/v1/orders/x/approve", ["approver_id": "a", "note": "n"], "note"),
                (.POST, "/v1/orders/x/decline", ["approver_id": "a", "reason": "r", "notify": true], "notify"),
            ]
            for (method, path, body, field) in cases {
                let response = try await server.admin.request(
                    method, path, json: body, headers: [("Idempotency-Key", Fixtures.unique("k"))])
                #expect(response.status == 422, "\(method) \(path): \(response)")
                #expect(response.problemCode == "validation", "\(method) \(path): \(response)")
                #expect(response.errorFields.contains(field), "\(method) \(path): wanted \(field) in \(response.errorFields)")
            }
            #expect(try await FoundationHelpers.count(server.pool, "SELECT count(*) AS c FROM carts WHERE customer_id = 'c1'", []) == 0)
        }
    }
}
