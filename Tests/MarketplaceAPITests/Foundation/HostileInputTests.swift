import CommerceCore
import Foundation
import NIOHTTP1
import Testing

private typealias H = FoundationHelpers

/// Input from a hostile tenant (API.md, "Limits, failures and tenants"): bodies of any shape
/// up to 1 MiB answered in linear time, U+0000 refused everywhere, timestamps kept within
/// 1970 … 9999, lengths counted in UTF-8 bytes. Never a 5xx, and nothing written.
@Suite("Foundation: hostile input")
struct HostileInputTests {
    /// `{"k0":0,…,"k89999":9}` plus `extra` members first: just under 1 MiB. A parser with a
    /// linear key search needed about 30 s of CPU for it; a linear one a fraction of a second.
    static func wideObject(_ extra: [(String, JSONValue)] = [], members: Int = 90_000) -> [UInt8] {
        var out: [UInt8] = [123]
        for (key, value) in extra {
            out.append(contentsOf: JSONWriter.bytes(.string(key)))
            out.append(58)
            out.append(contentsOf: JSONWriter.bytes(value))
            out.append(44)
        }
        for i in 0..<members {
            if i > 0 { out.append(44) }
            out.append(contentsOf: "\"k\(i)\":\(i % 10)".utf8)
        }
        out.append(125)
        return out
    }

    @Test("a 1 MiB object of 90,000 members is answered, not choked on")
    func wideObjectBody() async throws {
        try await TestServer.run { server in
            let invalid = Self.wideObject()
            #expect(invalid.count > 900_000 && invalid.count <= 1 << 20)
            let noName = try await server.admin.request(.POST, "/v1/vendors", raw: invalid)
            H.expectProblem(noName, status: 422, code: "validation", fields: ["name"])

            // With a valid name the strays are what is wrong: a bounded answer names the first
            // of them and counts the rest, and nothing is written (nor stored under the key).
            let name = Fixtures.unique("Wide")
            let body = Self.wideObject([("name", .string(name))])
            let key = [("Idempotency-Key", Fixtures.unique("wide"))]
            let refused = try await server.admin.request(.POST, "/v1/vendors", raw: body, headers: key)
            H.expectProblem(refused, status: 422, code: "validation")  // 20 strays named, then one count
            #expect(refused.errorFields.count == 21, "\(refused.errorFields.count)")
            #expect(refused.bytes.count < 16 << 10, "\(refused.bytes.count) bytes")
            #expect(try await H.vendorCount(server, name: name) == 0)
        }
    }

    @Test("arrays nested to the depth limit are answered; past it, 422 naming body")
    func deepArrays() async throws {
        try await TestServer.run { server in
            // 63 levels inside the top-level object: exactly the parser's limit of 64.
            let deep =
                Array("{\"name\":".utf8) + Array(repeating: UInt8(91), count: 63) + Array(repeating: UInt8(93), count: 63)
                + [125]
            let atLimit = try await server.admin.request(.POST, "/v1/vendors", raw: deep)
            H.expectProblem(atLimit, status: 422, code: "validation", fields: ["name"])

            // About 1 MiB of sibling arrays, each nested to the limit.
            let one = Array(repeating: UInt8(91), count: 62) + Array(repeating: UInt8(93), count: 62)
            var many = Array("{\"name\":[".utf8)
            for i in 0..<((1 << 20) / (one.count + 1) - 2) {
                if i > 0 { many.append(44) }
                many.append(contentsOf: one)
            }
            many.append(contentsOf: [93, 125])
            #expect(many.count <= 1 << 20)
            let wide = try await server.admin.request(.POST, "/v1/vendors", raw: many)
            H.expectProblem(wide, status: 422, code: "validation", fields: ["name"])

            let tooDeep =
                Array("{\"name\":".utf8) + Array(repeating: UInt8(91), count: 64) + Array(repeating: UInt8(93), count: 64)
                + [125]
            let refused = try await server.admin.request(.POST, "/v1/vendors", raw: tooDeep)
            H.expectProblem(refused, status: 422, code: "validation", fields: ["body"])
        }
    }

    @Test("a length limit counts UTF-8 bytes: one character of 301 code points is too long")
    func lengthInBytes() async throws {
        try await TestServer.run { server in
            // "e" and 300 combining acute accents: one grapheme cluster, 601 bytes.
            let name = "e" + String(repeating: "\u{0301}", count: 300)
            #expect(name.count == 1 && name.utf8.count == 601)
            let response = try await server.admin.post("/v1/vendors", ["name": .string(name)])
            H.expectProblem(response, status: 422, code: "validation", fields: ["name"])
            #expect(try await H.vendorCount(server, name: name) == 0)

            let sku = String(repeating: "\u{00e9}", count: 60)  // 60 characters, 120 bytes
            let product = try await server.admin.put(
                "/v1/products/\(sku.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed)!)",
                ["title": "Accented", "category": "general"])
            H.expectProblem(product, status: 422, code: "validation", fields: ["sku"])
        }
    }
}
