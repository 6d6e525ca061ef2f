import CommerceCore
import Foundation
import Testing

/// Organizations for the B2B suites.
enum B2BKit {
    static func organization(_ shop: Shop, currency: String = "EUR", sourceLocation: SourceLocation = #_sourceLocation) async throws
        -> String
    {
        let response = try await shop.admin.post("/v1/organizations", ["name": "Acme GmbH", "currency": .string(currency)])
        try #require(response.status == 201, "\(response)", sourceLocation: sourceLocation)
        return try #require(response["id"]?.stringValue)
    }

    static func member(
        _ shop: Shop, _ organization: String, _ customer: String, role: String = "buyer", orderLimit: Int64? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        var body = JSONObject([("role", .string(role))])
        if let orderLimit { body["order_limit"] = .int(orderLimit) }
        let response = try await shop.admin.put("/v1/organizations/\(organization)/members/\(customer)", .object(body))
        try #require([200, 201].contains(response.status), "\(response)", sourceLocation: sourceLocation)
    }

    static func price(
        _ shop: Shop, _ organization: String, sku: String, vendor: String, _ unitPrice: Int64,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let response = try await shop.admin.put(
            "/v1/organizations/\(organization)/prices/\(sku)", ["vendor_id": .string(vendor), "unit_price": .int(unitPrice)])
        try #require([200, 201].contains(response.status), "\(response)", sourceLocation: sourceLocation)
    }

    static func approve(_ client: APIClient, _ orderId: String, approver: String) async throws -> APIResponse {
        try await client.post("/v1/orders/\(orderId)/approve", ["approver_id": .string(approver)])
    }

    /// `order_status` entries of the customer's timeline, as `status` strings.
    static func orderStatusEntries(_ shop: Shop, _ customer: String, orderId: String) async throws -> [String] {
        try await shop.timeline(customer).filter { $0["kind"]?.stringValue == "order_status" && OrderKit.id($0) == orderId }
            .map { $0["data"]?["status"]?.stringValue ?? "?" }
    }
}
