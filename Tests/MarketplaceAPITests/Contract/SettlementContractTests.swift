import CommerceCore
import Foundation
import Postgres
import Settlement
import SettlementCore
import Testing

@testable import MarketplaceAPI

extension SettlementEndToEndTests {
    /// The settlement routes' real responses validate against `/openapi.json` (nested in the
    /// serialized settlement suite: it creates runs, which settle every unsettled line).
    @Suite struct SettlementContractTests {
        @Test func settlementResponsesValidateAgainstTheDocumentedSchemas() async throws {
            try await TestServer.run { server in
                var samples: [OpenAPIContractTests.Sample] = []
                func record(_ method: String, _ path: String, _ response: APIResponse) -> APIResponse {
                    samples.append(OpenAPIContractTests.Sample(method: method, path: path, response: response))
                    return response
                }
                let w = try await SettlementWorld.open(server)
                let v = try await w.vendor(commissionRateBps: 1000)
                let other = try await w.vendor()
                let vendorKey = try await w.fixtures.key(role: "vendor", vendorId: v)
                let sku = try await w.item(v, category: Fixtures.unique("cat"), price: 1999)
                let delivered = try await w.deliver([(sku, 3)])
                let lineId = SettlementWorld.lineIds(delivered)[0]
                _ = try await w.refund(
                    orderId: delivered[0]["order_id"]!.stringValue!, lines: [(lineId, 1)], received: [(lineId, 1)])

                let runs = "/v1/settlement-runs"
                _ = record("post", runs, try await w.finance.post(runs, ["period_end": "yesterday"]))
                _ = record("post", runs, try await w.storefront.post(runs, ["period_end": "2026-01-01T00:00:00Z"]))
                _ = record("post", runs, try await server.client(token: nil).post(runs, ["period_end": "2026-01-01T00:00:00Z"]))
                // While another run is being built (its lock held here), a new run answers 409.
                let busy = try await server.pool.transaction { tx in
                    try await tx.query("SELECT pg_advisory_xact_lock($1)", [SettlementStore.runLockKey])
                    return try await w.finance.post(runs, ["period_end": .string(RFC3339.format(Date()))])
                }
                #expect(busy.status == 409 && busy.problemCode == "conflict", "\(busy)")
                _ = record("post", runs, busy)
                let created = try await w.run()
                let runId = SettlementWorld.id(created)
                // Other suites build runs at the same time; a 409 here only means "wait a moment".
                var empty = try await w.finance.post(runs, ["period_end": "2000-01-01T00:00:00Z"])
                for _ in 0..<50 where empty.status == 409 {
                    try await Task.sleep(for: .milliseconds(100))
                    empty = try await w.finance.post(runs, ["period_end": "2000-01-01T00:00:00Z"])
                }
                samples.append(OpenAPIContractTests.Sample(method: "post", path: runs, response: empty))
                _ = record("get", "\(runs)/{id}", try await w.finance.get("\(runs)/\(runId)"))
                _ = record("get", "\(runs)/{id}", try await w.finance.get("\(runs)/setl_nope"))
                _ = record("get", "\(runs)/{id}", try await vendorKey.get("\(runs)/\(runId)"))
                let lines = record(
                    "get", "\(runs)/{id}/statements/{vendor_id}/lines",
                    try await w.finance.get("\(runs)/\(runId)/statements/\(v)/lines?limit=1"))
                #expect(lines.data.count == 1 && lines["next_cursor"]?.stringValue != nil, "\(lines)")
                _ = record(
                    "get", "\(runs)/{id}/statements/{vendor_id}/lines",
                    try await w.finance.get("\(runs)/\(runId)/statements/\(v)/lines?after=\(lines["next_cursor"]!.stringValue!)"))
                _ = record(
                    "get", "\(runs)/{id}/statements/{vendor_id}/lines",
                    try await w.finance.get("\(runs)/\(runId)/statements/\(other)/lines"))
                _ = record(
                    "get", "\(runs)/{id}/statements/{vendor_id}/lines",
                    try await w.finance.get("\(runs)/\(runId)/statements/\(v)/lines?limit=0"))
                _ = record("get", "\(runs)/{id}/postings", try await w.finance.get("\(runs)/\(runId)/postings?limit=2"))
                _ = record("get", "\(runs)/{id}/postings", try await w.finance.get("\(runs)/setl_nope/postings"))
                _ = record("get", "\(runs)/{id}/export.csv", try await w.finance.get("\(runs)/setl_nope/export.csv"))
                _ = record("get", "\(runs)/{id}/export.csv", try await w.storefront.get("\(runs)/\(runId)/export.csv"))
                _ = record("post", "\(runs)/{id}/pay", try await w.finance.post("\(runs)/\(runId)/pay"))
                _ = record("post", "\(runs)/{id}/approve", try await w.finance.post("\(runs)/\(runId)/approve"))
                _ = record("post", "\(runs)/{id}/approve", try await w.finance.post("\(runs)/\(runId)/approve"))
                _ = record("post", "\(runs)/{id}/approve", try await w.finance.post("\(runs)/setl_nope/approve"))
                _ = record(
                    "post", "\(runs)/{id}/pay",
                    try await w.finance.post("\(runs)/\(runId)/pay", headers: [("Idempotency-Key", "pay-\(runId)")]))
                _ = record(
                    "post", "\(runs)/{id}/pay",
                    try await w.finance.post("\(runs)/\(runId)/pay", headers: [("Idempotency-Key", "pay-\(runId)")]))
                _ = record("get", "\(runs)/{id}/postings", try await w.finance.get("\(runs)/\(runId)/postings"))
                _ = record("get", "/v1/vendors/{vendor_id}/statements", try await vendorKey.get("/v1/vendors/\(v)/statements?limit=1"))
                _ = record("get", "/v1/vendors/{vendor_id}/statements", try await vendorKey.get("/v1/vendors/\(other)/statements"))
                _ = record("get", "/v1/vendors/{vendor_id}/statements", try await w.finance.get("/v1/vendors/\(v)/statements?limit=900"))

                // The CSV is not JSON: its media type is checked against the document here.
                let csv = try await w.finance.get("\(runs)/\(runId)/export.csv")
                #expect(csv.status == 200 && csv.contentType?.hasPrefix("text/csv") == true)
                let document = try await server.client(token: nil).get("/openapi.json")
                let csvContent = document.json["paths"]?["\(runs)/{id}/export.csv"]?["get"]?["responses"]?["200"]?["content"]
                #expect(csvContent?["text/csv"] != nil)

                let verdicts = try await SchemaValidator.validate(document: document.bytes, samples: samples)
                #expect(verdicts.count == samples.count)
                for (sample, verdict) in zip(samples, verdicts) {
                    #expect(verdict == "ok", "\(sample.method.uppercased()) \(sample.path) → \(sample.response.status): \(verdict)")
                }
                #expect(Set(samples.map(\.response.status)).isSuperset(of: [200, 201, 401, 403, 404, 409, 422]))
            }
        }
    }
}
