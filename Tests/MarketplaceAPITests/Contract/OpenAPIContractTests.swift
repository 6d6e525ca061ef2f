import CommerceCore
import Foundation
import HTTPTypes
import Testing

@testable import MarketplaceAPI

/// `/openapi.json` must match what the server does: the same routes, and real responses that
/// validate against the documented schemas (checked with Python's `jsonschema`, 2020-12).
@Suite struct OpenAPIContractTests {
    @Test func everyServedRouteIsDocumentedAndNothingElse() async throws {
        try await TestServer.run { server in
            let served = Set(buildRouter(server.services).table.all.map { "\($0.method.rawValue) \($0.path)" })
            let response = try await server.client(token: nil).get("/openapi.json")
            #expect(response.status == 200)
            let paths = try #require(response.json["paths"]?.objectValue)
            var documented = Set<String>()
            for (i, path) in paths.keys.enumerated() {
                for method in paths.values[i].objectValue?.keys ?? []
                where ["get", "post", "put", "delete", "patch"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            #expect(served.subtracting(documented).sorted() == [], "served but not documented")
            #expect(documented.subtracting(served).sorted() == [], "documented but not served")
            #expect(response.json["openapi"]?.stringValue?.hasPrefix("3.1") == true)
        }
    }

    struct Sample {
        let method: String
        let path: String
        let response: APIResponse
    }

    @Test func realResponsesValidateAgainstTheDocumentedSchemas() async throws {
        try await TestServer.run { server in
            var samples: [Sample] = []
            let admin = server.admin
            func record(_ method: String, _ path: String, _ response: APIResponse) -> APIResponse {
                samples.append(Sample(method: method, path: path, response: response))
                return response
            }
            let fx = Fixtures(server: server)
            let channel = Fixtures.unique("ch")
            _ = record(
                "post", "/v1/channels", try await admin.post("/v1/channels", ["code": .string(channel), "name": "Web", "type": "web"]))
            _ = record(
                "post", "/v1/channels", try await admin.post("/v1/channels", ["code": .string(channel), "name": "Web", "type": "web"]))
            _ = record("post", "/v1/channels", try await admin.post("/v1/channels", ["code": 1]))
            let vendor = record("post", "/v1/vendors", try await admin.post("/v1/vendors", ["name": "Shop", "commission_rate_bps": 800]))
            let vendorId = vendor["id"]!.stringValue!
            _ = record("get", "/v1/vendors/{vendor_id}", try await admin.get("/v1/vendors/\(vendorId)"))
            _ = record("get", "/v1/vendors/{vendor_id}", try await admin.get("/v1/vendors/ven_nope"))
            let key = record(
                "post", "/v1/api-keys", try await admin.post("/v1/api-keys", ["role": "vendor", "vendor_id": .string(vendorId)]))
            _ = record("get", "/v1/vendors/{vendor_id}", try await server.client(token: nil).get("/v1/vendors/\(vendorId)"))
            let sku = Fixtures.unique("SKU")
            _ = record("put", "/v1/products/{sku}", try await admin.put("/v1/products/\(sku)", ["title": "Mug", "category": "kitchen"]))
            _ = record(
                "put", "/v1/vendors/{vendor_id}/locations/{code}",
                try await admin.put(
                    "/v1/vendors/\(vendorId)/locations/BER",
                    [
                        "name": "Berlin", "type": "store", "country": "DE", "latitude": 52.5, "longitude": 13.4, "handling_seconds": 600,
                        "pickup": true,
                    ]))
            _ = record(
                "put", "/v1/vendors/{vendor_id}/offers/{sku}",
                try await admin.put("/v1/vendors/\(vendorId)/offers/\(sku)", ["unit_price": 1250, "currency": "EUR", "active": true]))
            _ = record(
                "post", "/v1/vendors/{vendor_id}/stock",
                try await admin.post("/v1/vendors/\(vendorId)/stock", ["items": [["location": "BER", "sku": .string(sku), "on_hand": 10]]]))
            _ = record("get", "/v1/vendors/{vendor_id}/stock", try await admin.get("/v1/vendors/\(vendorId)/stock?limit=1"))
            _ = record(
                "put", "/v1/commission-rules",
                try await admin.put("/v1/commission-rules", ["category": .string(Fixtures.unique("c")), "rate_bps": 700]))
            _ = record("get", "/v1/availability", try await admin.get("/v1/availability?sku=\(sku)"))
            _ = record("get", "/v1/availability", try await admin.get("/v1/availability?sku=\(sku)&latitude=48.1&longitude=11.6"))
            let endpoint = record(
                "post", "/v1/vendors/{vendor_id}/webhook-endpoints",
                try await admin.post("/v1/vendors/\(vendorId)/webhook-endpoints", ["url": "http://127.0.0.1:9/hook"]))
            let endpointId = endpoint["id"]!.stringValue!
            let customer = Fixtures.unique("cust")
            let orderBody: JSONValue = [
                "channel": .string(channel), "customer": ["id": .string(customer), "email": "a@b.c"], "currency": "EUR",
                "fulfillment": [
                    "type": "delivery", "address": ["country": "DE", "postal_code": "10115", "latitude": 52.53, "longitude": 13.38],
                ],
                "deliver_by": "2030-12-01T18:00:00Z", "lines": [["sku": .string(sku), "quantity": 2, "max_unit_price": 2000]],
            ]
            let order = record("post", "/v1/orders", try await admin.post("/v1/orders", orderBody))
            _ = record(
                "post", "/v1/orders",
                try await admin.post(
                    "/v1/orders",
                    [
                        "channel": .string(channel), "customer": ["id": .string(customer)], "currency": "EUR",
                        "fulfillment": ["type": "pickup", "vendor_id": .string(vendorId), "location": "BER"],
                        "lines": [["sku": .string(sku), "quantity": 1000]],
                    ]))
            let orderId = order["id"]!.stringValue!
            let suborderId = order["suborders"]!.arrayValue![0]["id"]!.stringValue!
            _ = record("get", "/v1/orders/{id}", try await admin.get("/v1/orders/\(orderId)"))
            _ = record("get", "/v1/vendors/{vendor_id}/suborders", try await admin.get("/v1/vendors/\(vendorId)/suborders"))
            _ = record("get", "/v1/suborders/{id}", try await admin.get("/v1/suborders/\(suborderId)"))
            _ = record("post", "/v1/suborders/{id}/accept", try await admin.post("/v1/suborders/\(suborderId)/accept"))
            _ = record("post", "/v1/suborders/{id}/accept", try await admin.post("/v1/suborders/\(suborderId)/accept"))
            _ = record(
                "post", "/v1/suborders/{id}/ship",
                try await admin.post("/v1/suborders/\(suborderId)/ship", ["carrier": "DHL", "tracking_number": "1Z"]))
            _ = record("post", "/v1/suborders/{id}/deliver", try await admin.post("/v1/suborders/\(suborderId)/deliver"))
            let second = try await admin.post("/v1/orders", orderBody)
            let secondSub = second["suborders"]!.arrayValue![0]["id"]!.stringValue!
            _ = record(
                "post", "/v1/suborders/{id}/reject", try await admin.post("/v1/suborders/\(secondSub)/reject", ["reason": "no staff"]))
            let third = try await admin.post("/v1/orders", orderBody)
            _ = record(
                "post", "/v1/suborders/{id}/cancel",
                try await admin.post(
                    "/v1/suborders/\(third["suborders"]!.arrayValue![0]["id"]!.stringValue!)/cancel", ["reason": "damaged"]))
            let fourth = try await admin.post("/v1/orders", orderBody)
            _ = record("post", "/v1/orders/{id}/cancel", try await admin.post("/v1/orders/\(fourth["id"]!.stringValue!)/cancel"))
            _ = record("get", "/v1/customers/{customer_id}/orders", try await admin.get("/v1/customers/\(customer)/orders?limit=2"))
            _ = record("get", "/v1/customers/{customer_id}/timeline", try await admin.get("/v1/customers/\(customer)/timeline"))
            _ = record("post", "/v1/jobs/sla-sweep", try await admin.post("/v1/jobs/sla-sweep"))
            _ = record("get", "/v1/vendors/{vendor_id}/webhook-endpoints", try await admin.get("/v1/vendors/\(vendorId)/webhook-endpoints"))
            _ = record(
                "post", "/v1/vendors/{vendor_id}/webhook-endpoints/{id}/rotate-secret",
                try await admin.post("/v1/vendors/\(vendorId)/webhook-endpoints/\(endpointId)/rotate-secret"))
            let deliveries = record(
                "get", "/v1/vendors/{vendor_id}/webhook-deliveries", try await admin.get("/v1/vendors/\(vendorId)/webhook-deliveries"))
            if let deliveryId = deliveries.data.first?["id"]?.stringValue {
                _ = record("post", "/v1/webhook-deliveries/{id}/retry", try await admin.post("/v1/webhook-deliveries/\(deliveryId)/retry"))
            }
            _ = record("get", "/v1/api-keys", try await admin.get("/v1/api-keys?limit=2"))
            _ = record("get", "/v1/channels", try await admin.get("/v1/channels?limit=2"))
            _ = record("get", "/v1/channels/{code}", try await admin.get("/v1/channels/\(channel)"))
            _ = record("get", "/v1/vendors", try await admin.get("/v1/vendors?limit=2"))
            _ = record("get", "/v1/products", try await admin.get("/v1/products?limit=2"))
            _ = record("get", "/v1/products/{sku}", try await admin.get("/v1/products/\(sku)"))
            _ = record("get", "/v1/vendors/{vendor_id}/locations", try await admin.get("/v1/vendors/\(vendorId)/locations"))
            _ = record("get", "/v1/vendors/{vendor_id}/locations/{code}", try await admin.get("/v1/vendors/\(vendorId)/locations/BER"))
            _ = record("get", "/v1/vendors/{vendor_id}/offers", try await admin.get("/v1/vendors/\(vendorId)/offers"))
            _ = record("get", "/v1/vendors/{vendor_id}/offers/{sku}", try await admin.get("/v1/vendors/\(vendorId)/offers/\(sku)"))
            _ = record("get", "/v1/orders", try await admin.get("/v1/orders?limit=2&customer_id=\(customer)"))
            _ = record("get", "/v1/orders", try await admin.get("/v1/orders?status=nope"))
            _ = record("get", "/v1/returns", try await admin.get("/v1/returns?limit=2"))
            _ = record("get", "/v1/cases", try await admin.get("/v1/cases?limit=2"))
            _ = record("get", "/v1/settlement-runs", try await admin.get("/v1/settlement-runs?limit=2"))
            _ = record("get", "/v1/commission-rules", try await admin.get("/v1/commission-rules?limit=2"))
            _ = record("get", "/v1/products/{sku}", try await admin.get("/v1/products/\(Fixtures.unique("none"))"))
            _ = record("get", "/healthz", try await server.client(token: nil).get("/healthz"))
            _ = record("get", "/readyz", try await server.client(token: nil).get("/readyz"))
            #expect(key.status == 201)

            let document = try await server.client(token: nil).get("/openapi.json")
            let verdicts = try await SchemaValidator.validate(document: document.bytes, samples: samples)
            #expect(verdicts.count == samples.count)
            for (sample, verdict) in zip(samples, verdicts) {
                #expect(verdict == "ok", "\(sample.method.uppercased()) \(sample.path) → \(sample.response.status): \(verdict)")
            }
        }
    }
}

/// Validates responses against the document with the `jsonschema` package (Draft 2020-12,
/// the dialect of OpenAPI 3.1): the schema of each response is reached by a `$ref` from the
/// document's root, so every `$ref` inside resolves against the document itself.
enum SchemaValidator {
    static func validate(document: [UInt8], samples: [OpenAPIContractTests.Sample]) async throws -> [String] {
        let script = """
            import json, sys
            from jsonschema import Draft202012Validator
            doc = json.loads(sys.stdin.readline())
            out = []
            for line in sys.stdin:
                s = json.loads(line)
                op = doc["paths"].get(s["path"], {}).get(s["method"])
                if op is None:
                    out.append("not documented"); continue
                resp = op["responses"].get(str(s["status"]))
                if resp is None:
                    out.append("status %s not documented" % s["status"]); continue
                if "$ref" in resp:
                    resp = doc["components"]["responses"][resp["$ref"].split("/")[-1]]
                content = resp.get("content", {})
                media = content.get(s["content_type"])
                if media is None:
                    out.append("content type %s not documented (has %s)" % (s["content_type"], list(content))); continue
                pointer = json.dumps(["paths", s["path"], s["method"], "responses", str(s["status"])])
                root = dict(doc)
                root["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                root["$ref"] = "#/__target"
                root["__target"] = media["schema"]
                errors = sorted(Draft202012Validator(root).iter_errors(s["body"]), key=lambda e: list(e.path))
                out.append("ok" if not errors else "; ".join("%s: %s" % ("/".join(map(str, e.path)), e.message[:200]) for e in errors[:3]))
            print(json.dumps(out))
            """
        var input = String(decoding: document, as: UTF8.self) + "\n"
        for sample in samples {
            let contentType = (sample.response.contentType ?? "").split(separator: ";").first.map(String.init) ?? ""
            let record: JSONValue = [
                "method": .string(sample.method), "path": .string(sample.path), "status": .int(Int64(sample.response.status)),
                "content_type": .string(contentType), "body": sample.response.json,
            ]
            input += JSONWriter.string(record) + "\n"
        }
        guard let list = try await Python.run(script, input: input) else { return [] }
        return list.compactMap(\.stringValue)
    }
}
