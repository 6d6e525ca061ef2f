import CommerceCore
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing

@testable import MarketplaceAPI

/// v1.2 "Strict bodies": a body member or query parameter that the route does not define is a
/// 422 naming it, on every route, and nothing is written.
@Suite struct StrictInputTests {
    @Test func everyRouteRefusesAnUnknownQueryParameter() async throws {
        try await TestServer.run { server in
            let routes = buildRouter(server.services).table.all
            #expect(routes.count > 50)
            for route in routes {
                let path = route.path.split(separator: "/", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("{") ? "x" : String($0) }.joined(separator: "/")
                let method = HTTPMethod(rawValue: route.method.rawValue)
                let response = try await server.admin.request(method, path + "?zz_unknown=1")
                #expect(response.status == 422, "\(route.method) \(route.path): \(response)")
                #expect(response.errorFields.contains("zz_unknown"), "\(route.method) \(route.path): \(response)")
            }
        }
    }

    @Test func aDocumentedParameterWithNulIsRefused() async throws {
        try await TestServer.run { server in
            let response = try await server.admin.get("/v1/availability?sku=a%00b")
            FoundationHelpers.expectProblem(response, status: 422, code: "validation", fields: ["sku"])
        }
    }

    @Test func aTypoInAVendorIsNotASilentDefault() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Typo GmbH")
            let response = try await server.admin.post("/v1/vendors", ["name": .string(name), "comission_rate_bps": 900])
            FoundationHelpers.expectProblem(response, status: 422, code: "validation", fields: ["comission_rate_bps"])
            #expect(try await FoundationHelpers.count(server.pool, "SELECT count(*) AS c FROM vendors WHERE name = $1", [name]) == 0)
        }
    }

    /// One body per route with one member the route does not define, at the depth given.
    @Test func everyBodyRefusesAnUnknownMember() async throws {
        try await TestServer.run { server in
            let fixtures = Fixtures(server: server)
            let vendor = try await fixtures.vendor()
            let sku = try await fixtures.product()
            let channel = try await fixtures.channel()
            let admin = server.admin
            let future = "2030-01-01T00:00:00Z"
            let orderBody: (JSONValue, JSONValue, JSONValue) -> JSONValue = { customer, fulfillment, line in
                [
                    "channel": .string(channel), "customer": customer, "currency": "EUR", "fulfillment": fulfillment,
                    "lines": [line],
                ]
            }
            let delivery: JSONValue = ["type": "delivery", "address": ["country": "DE"]]
            let line: JSONValue = ["sku": .string(sku), "quantity": 1]
            let cases: [(HTTPMethod, String, JSONValue, String)] = [
                (.POST, "/v1/api-keys", ["role": "finance", "rolee": "x"], "rolee"),
                (.POST, "/v1/channels", ["code": .string(Fixtures.unique("c")), "name": "n", "type": "web", "kind": "x"], "kind"),
                (.POST, "/v1/vendors", ["name": "Typo GmbH", "comission_rate_bps": 900], "comission_rate_bps"),
                (.PUT, "/v1/products/\(Fixtures.unique("SKU"))", ["title": "t", "category": "c", "color": "red"], "color"),
                (
                    .PUT, "/v1/vendors/\(vendor)/locations/WH9",
                    [
                        "name": "n", "type": "warehouse", "country": "DE", "latitude": 1.0, "longitude": 1.0,
                        "handling_seconds": 1, "pickup": false, "extra": 1,
                    ], "extra"
                ),
                (.PUT, "/v1/vendors/\(vendor)/offers/\(sku)", ["unit_price": 1, "currency": "EUR", "active": true, "stock": 1], "stock"),
                (
                    .POST, "/v1/vendors/\(vendor)/stock",
                    ["items": [["location": "WH9", "sku": .string(sku), "on_hand": 1, "reserved": 1]]], "items[0].reserved"
                ),
                (.PUT, "/v1/commission-rules", ["category": "c", "rate_bps": 1, "rate": 2], "rate"),
                (.POST, "/v1/settlement-runs", ["period_end": .string(future), "dry_run": true], "dry_run"),
                (.POST, "/v1/orders", orderBody(["id": "c1", "name": "x"], delivery, line), "customer.name"),
                (
                    .POST, "/v1/orders", orderBody(["id": "c1"], delivery, ["sku": .string(sku), "quantity": 1, "colour": "x"]),
                    "lines[0].colour"
                ),
                (
                    .POST, "/v1/orders", orderBody(["id": "c1"], ["type": "delivery", "address": ["country": "DE", "city": "B"]], line),
                    "fulfillment.address.city"
                ),
                (
                    .POST, "/v1/orders",
                    orderBody(["id": "c1"], ["type": "pickup", "vendor_id": .string(vendor), "location": "WH9", "address": [:]], line),
                    "fulfillment.address"
                ),
                (.POST, "/v1/orders/x/cancel", ["why": "x"], "why"),
                (.POST, "/v1/suborders/x/accept", ["note": 1], "note"),
                (.POST, "/v1/suborders/x/reject", ["reason": "r", "code": 1], "code"),
                (.POST, "/v1/suborders/x/ship", ["carrier": "c", "tracking_number": "t", "eta": 1], "eta"),
                (.POST, "/v1/suborders/x/deliver", ["at": 1], "at"),
                (.POST, "/v1/suborders/x/cancel", ["reason": "r", "notify": true], "notify"),
                (.POST, "/v1/jobs/sla-sweep", ["force": true], "force"),
                (
                    .POST, "/v1/returns",
                    [
                        "order_id": "o", "method": "courier",
                        "lines": [["suborder_line_id": "l", "quantity": 1, "reason": "r", "photo": "p"]],
                    ],
                    "lines[0].photo"
                ),
                (.POST, "/v1/returns/x/approve", ["note": 1], "note"),
                (
                    .POST, "/v1/returns/x/receive", ["lines": [["suborder_line_id": "l", "quantity": 1, "restock": true, "grade": "A"]]],
                    "lines[0].grade"
                ),
                (.POST, "/v1/returns/x/reject", ["reason": "r", "x": 1], "x"),
                (.POST, "/v1/cases", ["customer_id": "c", "subject": "s", "message": "m", "priority": "high"], "priority"),
                (.POST, "/v1/cases/x/messages", ["body": "b", "author": "y"], "author"),
                (.POST, "/v1/cases/x/resolve", ["note": 1], "note"),
                (.POST, "/v1/vendors/\(vendor)/webhook-endpoints", ["url": "http://127.0.0.1:9/h", "secret": "s"], "secret"),
                (.POST, "/v1/vendors/\(vendor)/webhook-endpoints/x/rotate-secret", ["overlap": 1], "overlap"),
                (.POST, "/v1/webhook-deliveries/x/retry", ["now": true], "now"),
                (.POST, "/v1/settlement-runs/x/approve", ["x": 1], "x"),
                (.POST, "/v1/settlement-runs/x/pay", ["x": 1], "x"),
            ]
            for (method, path, body, field) in cases {
                let response = try await admin.request(method, path, json: body, headers: [("Idempotency-Key", Fixtures.unique("k"))])
                #expect(response.status == 422, "\(method) \(path): \(response)")
                #expect(response.problemCode == "validation", "\(method) \(path): \(response)")
                #expect(response.errorFields.contains(field), "\(method) \(path): wanted \(field) in \(response.errorFields)")
            }
            #expect(try await admin.get("/v1/vendors/\(vendor)/locations/WH9").status == 404)
        }
    }
}
