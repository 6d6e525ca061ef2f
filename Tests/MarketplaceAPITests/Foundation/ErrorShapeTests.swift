import AsyncHTTPClient
import CommerceCore
import Foundation
import NIOCore
import NIOHTTP1
import Postgres
import Testing

private typealias H = FoundationHelpers

@Suite("Foundation: error shapes")
struct ErrorShapeTests {
    @Test("malformed JSON, an empty body and a non-object body are 422 naming `body`")
    func malformedBodies() async throws {
        try await TestServer.run { server in
            for raw in [#"{"name": "#, "not json at all", #"{"name": "x",}"#, "[1, 2]", "\"just a string\"", "null"] {
                let response = try await server.admin.request(.POST, "/v1/vendors", raw: Array(raw.utf8))
                H.expectProblem(response, status: 422, code: "validation", fields: ["body"])
            }
            let empty = try await server.admin.request(.POST, "/v1/channels", raw: [])
            H.expectProblem(empty, status: 422, code: "validation", fields: ["body"])
        }
    }

    @Test("wrong types and missing fields: one 422 naming every bad field")
    func severalFieldsAtOnce() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Typed")
            let vendor = try await server.admin.post(
                "/v1/vendors",
                [
                    "name": 42, "commission_rate_bps": "ten", "acceptance_window_seconds": 1.5, "ship_window_seconds": 0,
                ])
            H.expectProblem(
                vendor, status: 422, code: "validation",
                fields: ["name", "commission_rate_bps", "acceptance_window_seconds", "ship_window_seconds"])
            #expect(Set(vendor.errorFields).count == 4, "\(vendor.errorFields)")

            let channel = try await server.admin.post("/v1/channels", [:])
            H.expectProblem(channel, status: 422, code: "validation", fields: ["code", "name", "type"])

            let outOfRange = try await server.admin.post("/v1/vendors", ["name": .string(name), "commission_rate_bps": 10_001])
            H.expectProblem(outOfRange, status: 422, code: "validation", fields: ["commission_rate_bps"])
            let nullName = try await server.admin.post("/v1/vendors", ["name": nil])
            H.expectProblem(nullName, status: 422, code: "validation", fields: ["name"])
            let blankName = try await server.admin.post("/v1/vendors", ["name": "   "])
            H.expectProblem(blankName, status: 422, code: "validation", fields: ["name"])
            // Any Unicode white space is blank (ideographic space, line separator, NEL, tab).
            let unicodeBlank = try await server.admin.post("/v1/vendors", ["name": "\u{3000}\t\n\u{2028}\u{85}\u{A0}"])
            H.expectProblem(unicodeBlank, status: 422, code: "validation", fields: ["name"])
            #expect(try await H.vendorCount(server, name: name) == 0)

            let location = try await server.admin.put(
                "/v1/vendors/\(try await Fixtures(server: server).vendor())/locations/BAD",
                [
                    "name": "x", "type": "garage", "country": "Germany", "latitude": 91, "longitude": "east", "handling_seconds": -1,
                    "pickup": "yes",
                ])
            H.expectProblem(
                location, status: 422, code: "validation",
                fields: ["type", "country", "latitude", "longitude", "handling_seconds", "pickup"])
        }
    }

    @Test("an unknown enum value is 422 naming the field")
    func unknownEnum() async throws {
        try await TestServer.run { server in
            let code = Fixtures.unique("ch")
            let response = try await server.admin.post("/v1/channels", ["code": .string(code), "name": "Fax", "type": "fax"])
            H.expectProblem(response, status: 422, code: "validation", fields: ["type"])
            #expect(response.errorFields == ["type"])
            // `call_center` is the wire form; the Swift case name is not accepted.
            let camel = try await server.admin.post("/v1/channels", ["code": .string(code), "name": "CC", "type": "callCenter"])
            H.expectProblem(camel, status: 422, code: "validation", fields: ["type"])
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM channels WHERE code = $1", [code]) == 0)
        }
    }

    @Test("a body over 1 MiB is 413 payload-too-large, with and without Content-Length")
    func payloadTooLarge() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Huge")
            let filler = String(repeating: "a", count: (1 << 20) + 16)
            let raw = Array(#"{"name": "\#(name)", "padding": "\#(filler)"}"#.utf8)
            let sized = try await server.admin.request(.POST, "/v1/vendors", raw: raw)
            H.expectProblem(sized, status: 413, code: "payload-too-large")

            // Chunked: no Content-Length, so the limit must hold while reading.
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/v1/vendors")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(server.adminToken)")
            request.headers.add(name: "Content-Type", value: "application/json")
            let chunks = stride(from: 0, to: raw.count, by: 64 << 10).map { ByteBuffer(bytes: raw[$0..<min($0 + (64 << 10), raw.count)]) }
            let stream = AsyncStream<ByteBuffer> { continuation in
                for chunk in chunks { continuation.yield(chunk) }
                continuation.finish()
            }
            request.body = .stream(stream, length: .unknown)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 1 << 20)
            let chunked = APIResponse(status: Int(response.status.code), headers: response.headers, bytes: Array(body.readableBytesView))
            H.expectProblem(chunked, status: 413, code: "payload-too-large")

            #expect(try await H.vendorCount(server, name: name) == 0)
            // Just under the limit is read in full: the answer is about its fields, not its size
            // (`padding` is no field of a vendor, and bodies are strict).
            let fits = String(repeating: "b", count: (1 << 20) - 200)
            let read = try await server.admin.request(
                .POST, "/v1/vendors", raw: Array(#"{"name": "\#(name)", "padding": "\#(fits)"}"#.utf8))
            H.expectProblem(read, status: 422, code: "validation", fields: ["padding"])
        }
    }

    @Test("an unknown route is a 404 problem; a known path with the wrong method is 405 with Allow")
    func routing() async throws {
        try await TestServer.run { server in
            let unknown = try await server.admin.get("/v1/no-such-thing")
            H.expectProblem(unknown, status: 404, code: "not-found")
            let deep = try await server.admin.get("/v1/vendors/x/y/z/w")
            H.expectProblem(deep, status: 404, code: "not-found")

            let cases: [(HTTPMethod, String, Set<String>)] = [
                (.DELETE, "/v1/channels", ["GET", "POST"]),
                (.PUT, "/v1/channels/web", ["GET"]),
                (.PATCH, "/v1/vendors/ven_x", ["GET"]),
                (.POST, "/v1/products/SKU-1", ["GET", "PUT"]),
                (.DELETE, "/v1/vendors/ven_x/stock", ["GET", "POST"]),
                (.POST, "/v1/commission-rules", ["GET", "PUT"]),
            ]
            for (method, path, allowed) in cases {
                let response = try await server.admin.request(method, path)
                H.expectProblem(response, status: 405, code: "method-not-allowed")
                let allow = H.header(response, "Allow") ?? ""
                let methods = Set(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                #expect(methods == allowed, "\(method) \(path): Allow: \(allow)")
            }
        }
    }

    @Test("a duplicate channel code is 409 conflict and leaves the first channel as it was")
    func duplicateChannel() async throws {
        try await TestServer.run { server in
            let code = Fixtures.unique("ch")
            let first = try await server.admin.post("/v1/channels", ["code": .string(code), "name": "First", "type": "web"])
            #expect(first.status == 201, "\(first)")
            let second = try await server.admin.post("/v1/channels", ["code": .string(code), "name": "Second", "type": "app"])
            H.expectProblem(second, status: 409, code: "conflict")
            let row = try #require(try await server.pool.query("SELECT name, type FROM channels WHERE code = $1", [code]).first)
            #expect(try row.string("name") == "First")
            #expect(try row.string("type") == "web")
        }
    }

    @Test("limit must be 1–500 and after a cursor this list returned: 422 naming the parameter")
    func pagingParameters() async throws {
        try await TestServer.run { server in
            let vendorId = try await Fixtures(server: server).vendor()
            let base = "/v1/vendors/\(vendorId)/stock"
            for bad in ["0", "501", "abc", "-1", "1.5", ""] {
                let response = try await server.admin.get("\(base)?limit=\(bad)")
                H.expectProblem(response, status: 422, code: "validation", fields: ["limit"])
            }
            for bad in ["garbage!", "e30", "W10", "WzFd", String(repeating: "A", count: 2000)] {
                // e30 = "{}", W10 = "[]", WzFd = "[1]": valid base64, but not a cursor.
                let response = try await server.admin.get("\(base)?after=\(bad)")
                H.expectProblem(response, status: 422, code: "validation", fields: ["after"])
            }
            let both = try await server.admin.get("\(base)?limit=0&after=zzz")
            H.expectProblem(both, status: 422, code: "validation", fields: ["limit", "after"])
            for good in ["1", "500"] {
                let response = try await server.admin.get("\(base)?limit=\(good)")
                #expect(response.status == 200, "\(response)")
            }
        }
    }

    @Test("a failed request writes nothing")
    func failuresWriteNothing() async throws {
        try await TestServer.run { server in
            let name = Fixtures.unique("Atomic")
            #expect(try await H.vendorCount(server, name: name) == 0)
            let invalid = try await server.admin.post("/v1/vendors", ["name": .string(name), "ship_window_seconds": -5])
            H.expectProblem(invalid, status: 422, code: "validation", fields: ["ship_window_seconds"])
            let invalidWithKey = try await server.admin.post(
                "/v1/vendors", ["name": .string(name), "acceptance_window_seconds": 0],
                headers: [("Idempotency-Key", Fixtures.unique("k"))])
            H.expectProblem(invalidWithKey, status: 422, code: "validation", fields: ["acceptance_window_seconds"])
            #expect(try await H.vendorCount(server, name: name) == 0)

            // Failures found inside the transaction roll back too.
            let badKey = try await server.admin.post(
                "/v1/api-keys", ["role": "vendor", "vendor_id": .string("ven_" + Fixtures.unique("x"))])
            H.expectProblem(badKey, status: 422, code: "validation", fields: ["vendor_id"])
            let vendorId = try await Fixtures(server: server).vendor()
            let offer = try await server.admin.put(
                "/v1/vendors/\(vendorId)/offers/\(Fixtures.unique("SKU-none"))", ["unit_price": 100, "currency": "EUR", "active": true])
            H.expectProblem(offer, status: 422, code: "validation", fields: ["sku"])
            #expect(try await H.count(server.pool, "SELECT count(*) AS c FROM offers WHERE vendor_id = $1", [vendorId]) == 0)
        }
    }
}
