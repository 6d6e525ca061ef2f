import CommerceCore
import Foundation
import Logging
import NIOHTTP1
import Testing

@Suite("Foundation: request ids, request log and metrics")
struct ObservabilityTests {
    @Test("a given X-Request-Id is echoed on a 200 and on a 422, and the problem body carries it")
    func echoesGivenId() async throws {
        try await TestServer.run { server in
            let ok = try await server.client(token: nil).get("/healthz", headers: [("X-Request-Id", "probe-1234")])
            #expect(ok.status == 200)
            #expect(ok.headers.first(name: "X-Request-Id") == "probe-1234")

            let id = "client req/42 ~ ok"
            let bad = try await server.admin.post("/v1/vendors", ["name": .int(5)], headers: [("X-Request-Id", id)])
            #expect(bad.status == 422, "\(bad)")
            #expect(bad.contentType == "application/problem+json")
            #expect(bad.headers.first(name: "X-Request-Id") == id)
            #expect(bad["request_id"]?.stringValue == id, "\(bad)")

            // Hummingbird's own 404, answered by ProblemMiddleware, carries it too.
            let missing = try await server.admin.get("/v1/no-such-route", headers: [("X-Request-Id", "nf-1")])
            #expect(missing.status == 404)
            #expect(missing.headers.first(name: "X-Request-Id") == "nf-1")
            #expect(missing["request_id"]?.stringValue == "nf-1")
        }
    }

    @Test(
        "a missing or unacceptable X-Request-Id is replaced by a generated one",
        // A client library refuses to send most control characters; a tab it sends.
        arguments: [nil, String(repeating: "a", count: 300), "bad\tid", "caf\u{E9}"])
    func replacesBadId(given: String?) async throws {
        try await TestServer.run { server in
            let headers = given.map { [("X-Request-Id", $0)] } ?? []
            let response = try await server.admin.post("/v1/vendors", ["name": .int(5)], headers: headers)
            #expect(response.status == 422)
            let echoed = try #require(response.headers.first(name: "X-Request-Id"))
            #expect(echoed != given)
            #expect(echoed.count == 32 && echoed.allSatisfy(\.isHexDigit), "\(echoed)")
            #expect(response["request_id"]?.stringValue == echoed)
        }
    }

    @Test("a 128-character id is kept")
    func keepsLongestId() async throws {
        try await TestServer.run { server in
            let id = String(repeating: "x", count: 128)
            let response = try await server.client(token: nil).get("/healthz", headers: [("X-Request-Id", id)])
            #expect(response.headers.first(name: "X-Request-Id") == id)
        }
    }

    @Test("/metrics counts a request by its route pattern and status")
    func metricsByPattern() async throws {
        try await TestServer.run { server in
            let isOurs: (Substring) -> Bool = {
                $0.hasPrefix("hb_requests{") && $0.contains("http_route=\"/v1/vendors/{vendor_id}\"")
                    && $0.contains("http_request_method=\"GET\"") && $0.contains("http_response_status_code=\"404\"")
            }
            // Every app in this process shares one registry, so count the increase, not the line.
            let count: (String) -> Double = { text in
                text.split(separator: "\n").first(where: isOurs).flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
            }
            let before = count(try await server.client(token: nil).get("/metrics").text)
            let missing = "ven_" + Fixtures.unique("none")
            for _ in 0..<3 { #expect(try await server.admin.get("/v1/vendors/\(missing)").status == 404) }
            let text = try await server.metricsText { count(String($0.joined(separator: "\n"))) >= before + 3 }
            #expect(count(text) >= before + 3, "\(text)")
            #expect(!text.contains(missing))
        }
    }

    @Test("one info line per request names method, route pattern, status, duration, request id and key, never the token")
    func requestLog() async throws {
        let (logger, store) = CapturingLogHandler.logger(level: .debug)
        try await TestServer.run(logger: logger) { server in
            let created = try await server.admin.post("/v1/api-keys", ["role": "finance"])
            #expect(created.status == 201, "\(created)")
            let token = try #require(created["token"]?.stringValue)
            let keyId = try #require(created["id"]?.stringValue)
            let finance = server.client(token: token)
            let vendor = "ven_" + Fixtures.unique("none")
            let response = try await finance.get("/v1/vendors/\(vendor)", headers: [("X-Request-Id", "log-check-1")])
            #expect(response.status == 404 || response.status == 403, "\(response)")
            _ = try await server.client(token: nil).get("/healthz", headers: [("X-Request-Id", "log-check-probe")])

            let lines = store.all.filter { $0.message == "request" }
            let line = try #require(lines.first { $0.metadata["request_id"] == "log-check-1" }, "\(lines)")
            #expect(line.level == .info)
            #expect(line.metadata["method"] == "GET")
            #expect(line.metadata["route"] == "/v1/vendors/{vendor_id}")
            #expect(line.metadata["status"] == String(response.status))
            #expect(line.metadata["principal"] == keyId)
            #expect(line.metadata["duration_ms"].flatMap(Double.init) != nil, "\(line.metadata)")
            #expect(line.metadata["hb.request.id"] == "log-check-1", "Hummingbird's key carries the same id")

            let probe = try #require(lines.first { $0.metadata["request_id"] == "log-check-probe" })
            #expect(probe.level == .debug)

            for record in store.all {
                let text = record.message + record.metadata.values.joined()
                #expect(!text.contains(token), "a token was logged: \(record)")
                #expect(!text.contains(server.adminToken), "the admin token was logged: \(record)")
                #expect(!text.contains(vendor), "a raw path was logged: \(record)")
            }
        }
    }
}
