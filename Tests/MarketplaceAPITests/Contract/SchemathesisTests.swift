import CommerceCore
import Foundation
import Postgres
import Testing

@testable import MarketplaceAPI

/// Schemathesis (PyPI) fuzzes every operation of `/openapi.json` against a live server with an
/// operator token: no answer may be a 5xx (`not_a_server_error`) and every answer must match
/// its documented schema (`response_schema_conformance`). It runs against a database of its
/// own, so the random vendors, commission rules and settlement runs it creates cannot disturb
/// the suites running beside it; a resource of every kind is made first, so that operations
/// with an id in their path reach their handlers. The budget is bounded and the seed fixed, so
/// a run is reproducible and takes well under a minute on two cores (about 3,000 cases).
@Suite("Contract: schemathesis")
struct SchemathesisTests {
    static let databaseName = "marketplace_test_schemathesis"

    /// `DATABASE_URL` with its database name replaced: a fresh, migrated database.
    static func freshDatabase() async throws -> String {
        try await TestDatabase.fresh(databaseName)
    }

    /// Real resources of every kind, so that operations with an id in their path reach their
    /// handlers instead of answering 404: a schemathesis configuration that fixes those path
    /// parameters (the bodies and queries stay generated).
    static func configuration(_ server: TestServer) async throws -> String {
        let shop = try await Shop.open(server)
        let admin = server.admin
        let sku = try await shop.sku()
        let vendor = try await shop.seller(items: [StockedItem(sku: sku, onHand: 1000, price: 1500)])
        let endpoint = try await admin.post(
            "/v1/vendors/\(vendor)/webhook-endpoints", ["url": "http://127.0.0.1:9/schemathesis"])
        try #require(endpoint.status == 201, "\(endpoint)")
        let order = try await shop.placeOK(customer: "schemathesis-customer", lines: [OrderKit.line(sku, 3)])
        let suborder = try #require(OrderKit.suborders(order).first)
        for action in ["accept", "ship", "deliver"] { try await shop.actOK(action, OrderKit.id(suborder)) }
        let line = OrderKit.id(OrderKit.lines(suborder).first)
        let returned = try await admin.post(
            "/v1/returns",
            [
                "channel": .string(shop.channel), "order_id": .string(OrderKit.id(order)), "method": "courier",
                "lines": [["suborder_line_id": .string(line), "quantity": 1, "reason": "damaged"]],
            ])
        try #require(returned.status == 201, "\(returned)")
        let opened = try await admin.post(
            "/v1/cases",
            [
                "channel": .string(shop.channel), "customer_id": "schemathesis-customer", "subject": "Where is it?",
                "message": "Hello", "order_id": .string(OrderKit.id(order)),
            ])
        try #require(opened.status == 201, "\(opened)")
        let run = try await admin.post("/v1/settlement-runs", ["period_end": .string(RFC3339.format(Date()))])
        try #require(run.status == 201, "\(run)")
        let deliveries = try await admin.get("/v1/vendors/\(vendor)/webhook-deliveries")
        let delivery = try #require(deliveries.data.first?["id"]?.stringValue, "\(deliveries)")
        let key = try await admin.post("/v1/api-keys", ["role": "finance"])
        try #require(key.status == 201, "\(key)")

        func quoted(_ text: String) -> String { JSONWriter.string(.string(text)) }  // a TOML basic string
        var toml = """
            [parameters]
            vendor_id = \(quoted(vendor))
            customer_id = "schemathesis-customer"
            sku = \(quoted(sku))
            code = "WH1"

            """
        for (pattern, id) in [
            ("^/v1/orders/", OrderKit.id(order)), ("^/v1/suborders/", OrderKit.id(suborder)),
            ("^/v1/returns/", OrderKit.id(returned.json)), ("^/v1/cases/", OrderKit.id(opened.json)),
            ("^/v1/settlement-runs/", OrderKit.id(run.json)), ("/webhook-endpoints/", OrderKit.id(endpoint.json)),
            ("^/v1/webhook-deliveries/", delivery), ("^/v1/api-keys/", OrderKit.id(key.json)),
        ] {
            toml += """

                [[operations]]
                include-path-regex = \(quoted(pattern))
                parameters = { id = \(quoted(id)) }

                """
        }
        return toml
    }

    @Test("no 5xx and every answer as documented, over every operation")
    func fuzzEveryOperation() async throws {
        let databaseURL = try await Self.freshDatabase()
        try await TestServer.run(configure: { $0.databaseURL = databaseURL }) { server in
            let config = FileManager.default.temporaryDirectory.appendingPathComponent("schemathesis-\(UUID().uuidString).toml")
            try Data(try await Self.configuration(server).utf8).write(to: config)
            defer { try? FileManager.default.removeItem(at: config) }
            let arguments = [
                "-m", "schemathesis.cli", "--config-file", config.path, "run", "http://127.0.0.1:\(server.port)/openapi.json",
                "--checks", "not_a_server_error,response_schema_conformance",
                "--header", "Authorization: Bearer \(server.adminToken)",
                "--generation-with-security-parameters", "false",
                "--phases", "examples,coverage,fuzzing,stateful",
                "--max-examples", "10", "--seed", "1",
                // One worker: with two threads, Python 3.11's ast module sometimes fails inside
                // Hypothesis ("AST constructor recursion depth mismatch"), an error of the tool.
                "--workers", "1", "--request-timeout", "20", "--suppress-health-check", "all",
                "--generation-database", "none", "--no-color", "--output-truncate", "false",
            ]
            let (status, output) = try await Subprocess.run("/usr/bin/env", ["python3"] + arguments)
            // The summary and failures are at the end; a long run's start is noise.
            let tail = output.split(separator: "\n", omittingEmptySubsequences: false).suffix(400).joined(separator: "\n")
            #expect(status == 0, "schemathesis failed (exit \(status)):\n\(tail)")
        }
    }
}

/// Runs a program to its end without blocking a thread of the concurrency pool (this machine
/// has two), its output collected in a temporary file so no pipe can fill up.
enum Subprocess {
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("subprocess-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: log) }
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        // Anything the program leaves behind (caches, reports) goes to the temporary directory.
        process.currentDirectoryURL = FileManager.default.temporaryDirectory
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        return (status, output)
    }
}
