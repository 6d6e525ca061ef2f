import CommerceCore
import Foundation
import Postgres
import Testing

private typealias H = FoundationHelpers

@Suite("Foundation: operations endpoints")
struct OperationsTests {
    @Test("/healthz, /readyz, /metrics and /openapi.json answer without a token, and ignore a bad one")
    func openEndpoints() async throws {
        try await TestServer.run { server in
            for client in [server.client(token: nil), server.client(token: "not-a-real-token")] {
                let health = try await client.get("/healthz")
                #expect(health.status == 200, "\(health)")
                #expect(health["status"]?.stringValue == "ok")

                let ready = try await client.get("/readyz")
                #expect(ready.status == 200, "\(ready)")
                #expect(ready["status"]?.stringValue == "ready")
                let latest = try TestDatabase.migrator().latestVersion
                #expect(ready["schema_version"]?.intValue == Int64(latest))

                let metrics = try await client.get("/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.contentType?.hasPrefix("text/plain") == true)

                let openapi = try await client.get("/openapi.json")
                #expect(openapi.status == 200)
                #expect(openapi.contentType?.hasPrefix("application/json") == true)
                #expect(openapi["openapi"]?.stringValue?.hasPrefix("3.1") == true, "\(openapi["openapi"] ?? .null)")
                #expect(openapi["paths"]?.objectValue != nil)
            }
        }
    }

    @Test("/metrics exposes Hummingbird's request counters by route pattern and status, and the pool gauge")
    func metrics() async throws {
        try await TestServer.run { server in
            let vendorId = try await Fixtures(server: server).vendor()
            #expect(try await server.admin.get("/v1/vendors/\(vendorId)").status == 200)
            #expect(try await server.client(token: nil).get("/healthz").status == 200)
            // A counter is bumped once its response is written, so give it a moment.
            let text = try await server.metricsText { lines in
                lines.contains { $0.hasPrefix("hb_requests{") && $0.contains("http_route=\"/healthz\"") }
                    && lines.contains { $0.hasPrefix("hb_requests{") && $0.contains("vendor_id") }
            }
            #expect(text.contains("http_server_request_duration"))
            #expect(text.contains("db_pool_connections_in_use"))
            let lines = text.split(separator: "\n")
            #expect(
                lines.contains {
                    $0.hasPrefix("hb_requests{") && $0.contains("http_route=\"/healthz\"")
                        && $0.contains("http_response_status_code=\"200\"")
                }, "\(text)")
            // Labels use the route pattern, never the raw id.
            #expect(!text.contains(vendorId), "a vendor id leaked into metric labels")
            #expect(lines.contains { $0.hasPrefix("hb_requests{") && $0.contains("vendor_id") }, "\(text)")
            let gauge = lines.first { $0.hasPrefix("db_pool_connections_in_use") }
            let value = gauge?.split(separator: " ").last.flatMap { Double($0) }
            #expect(value != nil && value! >= 0 && value! <= Double(server.pool.size), "\(String(describing: gauge))")
        }
    }
}

extension TestServer {
    /// `/metrics` once `ready` holds for its lines, or after about two seconds, whichever is first.
    func metricsText(until ready: ([Substring]) -> Bool) async throws -> String {
        var text = ""
        for attempt in 0..<20 {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(100)) }
            text = try await client(token: nil).get("/metrics").text
            if ready(text.split(separator: "\n")) { break }
        }
        return text
    }
}
