import CommerceCore
import Foundation
import Testing

@testable import MarketplaceAPI

private typealias K = OrderKit
private typealias R = ReturnKit

/// Real responses of the return and case routes (successes and failures) validate against the
/// schemas `/openapi.json` documents for them.
@Suite struct ReturnsCasesContractTests {
    @Test func returnAndCaseResponsesValidateAgainstTheDocumentedSchemas() async throws {
        try await TestServer.run { server in
            var samples: [OpenAPIContractTests.Sample] = []
            func record(_ method: String, _ path: String, _ response: APIResponse) -> APIResponse {
                samples.append(OpenAPIContractTests.Sample(method: method, path: path, response: response))
                return response
            }
            let shop = try await Shop.open(server)
            let admin = shop.admin
            let x = try await shop.sku()
            let v = try await shop.seller(items: [StockedItem(sku: x, onHand: 10, price: 700)])
            try await shop.fixtures.location(vendorId: v, code: "STORE", pickup: true, type: "store")
            let w = try await shop.seller(name: "W", items: [])
            let vKey = try await shop.vendorKey(v)
            let wKey = try await shop.vendorKey(w)
            let customer = shop.newCustomer()
            let order = try await R.shippedOrder(shop, customer: customer, lines: [K.line(x, 3)])
            let lineId = R.lineId(order, sku: x)

            let courier = record(
                "post", "/v1/returns",
                try await shop.storefront.post("/v1/returns", R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)])))
            let courierId = K.id(courier.json)
            let inStore = record(
                "post", "/v1/returns",
                try await admin.post(
                    "/v1/returns",
                    R.returnBody(order: K.id(order), lines: [R.returnLine(lineId, 1)], method: "in_store", location: (v, "STORE"))))
            let inStoreId = K.id(inStore.json)
            _ = record("post", "/v1/returns", try await shop.storefront.post("/v1/returns", ["order_id": "nope", "method": "bike"]))
            _ = record("post", "/v1/returns", try await vKey.post("/v1/returns", R.returnBody(order: K.id(order), lines: [])))
            _ = record("get", "/v1/returns/{id}", try await shop.storefront.get("/v1/returns/\(courierId)"))
            _ = record("get", "/v1/returns/{id}", try await vKey.get("/v1/returns/\(courierId)"))
            _ = record("get", "/v1/returns/{id}", try await wKey.get("/v1/returns/\(courierId)"))
            _ = record(
                "post", "/v1/returns/{id}/receive",
                try await vKey.post("/v1/returns/\(courierId)/receive", ["lines": [R.received(lineId, 1, restock: true)]]))
            _ = record("post", "/v1/returns/{id}/approve", try await vKey.post("/v1/returns/\(courierId)/approve"))
            _ = record("post", "/v1/returns/{id}/approve", try await vKey.post("/v1/returns/\(courierId)/approve"))
            _ = record("post", "/v1/returns/{id}/approve", try await wKey.post("/v1/returns/\(courierId)/approve"))
            _ = record(
                "post", "/v1/returns/{id}/receive",
                try await vKey.post("/v1/returns/\(courierId)/receive", ["lines": [R.received(lineId, 5, restock: true)]]))
            _ = record(
                "post", "/v1/returns/{id}/receive",
                try await vKey.post("/v1/returns/\(courierId)/receive", ["lines": [R.received(lineId, 1, restock: true)]]))
            _ = record("post", "/v1/returns/{id}/reject", try await admin.post("/v1/returns/\(inStoreId)/reject", [:]))
            _ = record("post", "/v1/returns/{id}/reject", try await admin.post("/v1/returns/\(inStoreId)/reject", ["reason": "opened"]))
            _ = record(
                "post", "/v1/returns/{id}/reject", try await shop.storefront.post("/v1/returns/\(inStoreId)/reject", ["reason": "x"]))
            _ = record("get", "/v1/vendors/{vendor_id}/returns", try await vKey.get("/v1/vendors/\(v)/returns?limit=1"))
            _ = record("get", "/v1/vendors/{vendor_id}/returns", try await admin.get("/v1/vendors/\(v)/returns?status=refunded"))
            _ = record("get", "/v1/vendors/{vendor_id}/returns", try await wKey.get("/v1/vendors/\(v)/returns"))
            _ = record("get", "/v1/vendors/{vendor_id}/returns", try await admin.get("/v1/vendors/\(v)/returns?limit=0"))

            let opened = record(
                "post", "/v1/cases",
                try await shop.storefront.post(
                    "/v1/cases",
                    ["customer_id": .string(customer), "subject": "Late", "message": "Where is it?", "order_id": .string(K.id(order))]))
            let caseId = K.id(opened.json)
            _ = record(
                "post", "/v1/cases",
                try await admin.post("/v1/cases", ["customer_id": .string(customer), "subject": "No channel", "message": "x"]))
            _ = record(
                "post", "/v1/cases", try await vKey.post("/v1/cases", ["customer_id": .string(customer), "subject": "s", "message": "m"]))
            _ = record("get", "/v1/cases/{id}", try await vKey.get("/v1/cases/\(caseId)"))
            _ = record("get", "/v1/cases/{id}", try await wKey.get("/v1/cases/\(caseId)"))
            _ = record("post", "/v1/cases/{id}/messages", try await vKey.post("/v1/cases/\(caseId)/messages", ["body": "On its way."]))
            _ = record("post", "/v1/cases/{id}/messages", try await vKey.post("/v1/cases/\(caseId)/messages", ["body": 1]))
            _ = record("post", "/v1/cases/{id}/messages", try await wKey.post("/v1/cases/\(caseId)/messages", ["body": "hi"]))
            _ = record("get", "/v1/vendors/{vendor_id}/cases", try await vKey.get("/v1/vendors/\(v)/cases"))
            _ = record("get", "/v1/vendors/{vendor_id}/cases", try await admin.get("/v1/vendors/\(v)/cases?status=closed"))
            _ = record("post", "/v1/cases/{id}/resolve", try await vKey.post("/v1/cases/\(caseId)/resolve"))
            _ = record("post", "/v1/cases/{id}/resolve", try await shop.storefront.post("/v1/cases/\(caseId)/resolve"))
            _ = record("post", "/v1/cases/{id}/resolve", try await shop.storefront.post("/v1/cases/\(caseId)/resolve"))
            _ = record("post", "/v1/cases/{id}/messages", try await shop.storefront.post("/v1/cases/\(caseId)/messages", ["body": "late"]))
            _ = record("post", "/v1/cases/{id}/resolve", try await admin.post("/v1/cases/cas_nope/resolve"))
            _ = record("get", "/v1/customers/{customer_id}/timeline", try await shop.storefront.get("/v1/customers/\(customer)/timeline"))
            #expect(samples.count >= 35)
            let kinds = Set(samples.last?.response.data.compactMap { $0["kind"]?.stringValue } ?? [])
            #expect(kinds == ["order", "suborder_status", "return", "return_status", "case", "message", "case_status"])

            let document = try await server.client(token: nil).get("/openapi.json")
            let verdicts = try await SchemaValidator.validate(document: document.bytes, samples: samples)
            #expect(verdicts.count == samples.count)
            for (sample, verdict) in zip(samples, verdicts) {
                #expect(verdict == "ok", "\(sample.method.uppercased()) \(sample.path) → \(sample.response.status): \(verdict)")
            }
            // The statuses above are the ones the scenario means to exercise.
            #expect(
                samples.map(\.response.status) == [
                    201, 201, 422, 403, 200, 200, 404, 409, 200, 409, 404, 422, 200, 422, 200, 403, 200, 200, 404, 422,
                    201, 422, 403, 200, 404, 201, 422, 404, 200, 422, 403, 200, 409, 409, 404, 200,
                ])
        }
    }
}
