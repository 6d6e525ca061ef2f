import AsyncHTTPClient
import CommerceCore
import CryptoSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Postgres
import Testing

@testable import MarketplaceAPI

/// The test database: `DATABASE_URL` (scripts/test points it at a fresh `marketplace_test`),
/// migrated once per test process.
enum TestDatabase {
    static let url =
        ProcessInfo.processInfo.environment["DATABASE_URL"]
        ?? "postgresql://postgres@127.0.0.1:54329/marketplace_test"

    static let sqlDirectory: URL = {
        if let dir = ProcessInfo.processInfo.environment["MARKETPLACE_SQL_DIR"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("sql")
    }()

    static func migrator() throws -> Migrator { try Migrator(directory: sqlDirectory) }

    /// Migrations run once per process; the advisory lock inside makes parallel callers safe anyway.
    static let migrated: Task<Void, any Error> = Task {
        let pool = ConnectionPool(conninfo: url, size: 1)
        defer { Task { await pool.shutdown() } }
        try await migrator().migrate(pool)
    }

    static func ready() async throws { try await migrated.value }

    /// A database of its own beside the test database, dropped and created afresh and migrated,
    /// for suites whose work would disturb the others (a settlement run settles every line in
    /// its database; a fuzzer writes at random). Answers its URL.
    static func fresh(_ name: String) async throws -> String {
        try await ready()
        var base = url
        var query = ""
        if let mark = base.firstIndex(of: "?") {
            query = String(base[mark...])
            base = String(base[..<mark])
        }
        let slash = try #require(base.lastIndex(of: "/"), "DATABASE_URL must be a URI: \(base)")
        let freshURL = base[...slash] + name + query
        let admin = ConnectionPool(conninfo: url, size: 1)
        do {
            try await admin.query("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            try await admin.query("CREATE DATABASE \(name)")
        } catch {
            await admin.shutdown()
            throw error
        }
        await admin.shutdown()
        let pool = ConnectionPool(conninfo: freshURL, size: 1)
        do {
            try await migrator().migrate(pool)
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
        return freshURL
    }

    /// The `MARKETPLACE_SECRET_KEY` of every test server: `scripts/test` exports one; a fixed
    /// fallback keeps a bare `swift test` working.
    static let secretKey: SecretKeyring.Key = {
        let hex =
            ProcessInfo.processInfo.environment["MARKETPLACE_SECRET_KEY"]
            ?? "9f1c0e5a7b3d2c4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e"
        return SecretKeyring.Key(hex: hex)!
    }()
}

/// A live server on an ephemeral port against the test database, with its own pool.
struct TestServer: Sendable {
    let port: Int
    let adminToken: String
    let pool: ConnectionPool
    let services: AppServices

    var admin: APIClient { APIClient(port: port, token: adminToken) }
    func client(token: String?) -> APIClient { APIClient(port: port, token: token) }

    static func run(
        configure: (inout AppConfiguration) -> Void = { _ in },
        logger givenLogger: Logger? = nil,
        _ body: @Sendable (TestServer) async throws -> Void
    ) async throws {
        try await TestDatabase.ready()
        var config = AppConfiguration()
        config.databaseURL = TestDatabase.url
        config.port = 0
        config.poolSize = 6
        config.adminToken = "test-admin-" + Identifier.make("tok")
        config.runBackgroundJobs = false
        config.runWebhookDispatcher = false
        config.allowPrivateWebhookTargets = true
        // Generous: these suites share a loaded 2-core machine with many parallel requests;
        // the stall suites set a small budget of their own.
        config.dbTimeoutMs = 30_000
        config.secretKey = TestDatabase.secretKey
        configure(&config)
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        if let givenLogger { logger = givenLogger }
        let pool = ConnectionPool(conninfo: config.databaseURL, size: config.poolSize, timeout: config.dbTimeout, logger: logger)
        let services = try AppServices(config: config, pool: pool, migrator: try TestDatabase.migrator(), logger: logger)
        let app = buildApplication(services, backgroundServices: BackgroundJobs.make(services))
        let adminToken = config.adminToken!
        do {
            try await app.test(.live) { client in
                let server = TestServer(port: client.port!, adminToken: adminToken, pool: pool, services: services)
                try await body(server)
            }
        } catch {
            await pool.shutdown()
            throw error
        }
        await pool.shutdown()
    }
}

/// One HTTP response, body parsed as JSON when it is JSON.
struct APIResponse: Sendable, CustomStringConvertible {
    let status: Int
    let headers: HTTPHeaders
    let bytes: [UInt8]

    var json: JSONValue { (try? JSONParser.parse(bytes)) ?? .null }
    var text: String { String(decoding: bytes, as: UTF8.self) }
    var contentType: String? { headers.first(name: "content-type") }
    var description: String { "\(status) \(text)" }

    subscript(key: String) -> JSONValue? { json[key] }
    var data: [JSONValue] { json["data"]?.arrayValue ?? [] }

    /// The problem `type`'s last segment (`validation`, `not-found`, …).
    var problemCode: String? { json["type"]?.stringValue?.split(separator: "/").last.map(String.init) }
    var errorFields: [String] {
        (json["errors"]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue }
    }
}

/// A real HTTP client (AsyncHTTPClient's shared pool), so parallel requests run in parallel.
struct APIClient: Sendable {
    let port: Int
    let token: String?

    func request(
        _ method: HTTPMethod, _ path: String, json: JSONValue? = nil, raw: [UInt8]? = nil, headers: [(String, String)] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(json)))
        } else if let raw {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: raw))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 16 << 20)
        let answer = APIResponse(status: Int(response.status.code), headers: response.headers, bytes: Array(body.readableBytesView))
        ResponseSchemaCheck.check(method: method.rawValue, target: path, response: answer, sourceLocation: sourceLocation)
        return answer
    }

    func get(
        _ path: String, headers: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIResponse {
        try await request(.GET, path, headers: headers, sourceLocation: sourceLocation)
    }

    func post(
        _ path: String, _ json: JSONValue? = nil, headers: [(String, String)] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIResponse {
        try await request(.POST, path, json: json, headers: headers, sourceLocation: sourceLocation)
    }

    func put(
        _ path: String, _ json: JSONValue, headers: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> APIResponse {
        try await request(.PUT, path, json: json, headers: headers, sourceLocation: sourceLocation)
    }

    func delete(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> APIResponse {
        try await request(.DELETE, path, sourceLocation: sourceLocation)
    }
}

/// Builders for the fixtures most tests need; every name is unique so tests run in parallel.
struct Fixtures: Sendable {
    let server: TestServer
    var admin: APIClient { server.admin }

    static func unique(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    func channel(type: String = "web") async throws -> String {
        let code = Self.unique("ch")
        let response = try await admin.post("/v1/channels", ["code": .string(code), "name": "Test channel", "type": .string(type)])
        #expect(response.status == 201, "\(response)")
        return code
    }

    func vendor(name: String = "Vendor", acceptanceWindowSeconds: Int64? = nil, commissionRateBps: Int64? = nil) async throws -> String {
        var body: JSONObject = JSONObject([("name", .string(name))])
        if let acceptanceWindowSeconds { body["acceptance_window_seconds"] = .int(acceptanceWindowSeconds) }
        if let commissionRateBps { body["commission_rate_bps"] = .int(commissionRateBps) }
        let response = try await admin.post("/v1/vendors", .object(body))
        #expect(response.status == 201, "\(response)")
        return response["id"]!.stringValue!
    }

    func key(role: String, vendorId: String? = nil, channel: String? = nil) async throws -> APIClient {
        var body = JSONObject([("role", .string(role))])
        if let vendorId { body["vendor_id"] = .string(vendorId) }
        if let channel { body["channel"] = .string(channel) }
        let response = try await admin.post("/v1/api-keys", .object(body))
        #expect(response.status == 201, "\(response)")
        return server.client(token: response["token"]?.stringValue)
    }

    func product(sku: String? = nil, category: String = "general") async throws -> String {
        let sku = sku ?? Self.unique("SKU")
        let response = try await admin.put("/v1/products/\(sku)", ["title": "Thing", "category": .string(category)])
        #expect(response.status == 201, "\(response)")
        return sku
    }

    func location(
        vendorId: String, code: String = "WH1", latitude: Double = 52.52, longitude: Double = 13.405,
        handlingSeconds: Int64 = 3600, pickup: Bool = false, type: String = "warehouse"
    ) async throws {
        let response = try await admin.put(
            "/v1/vendors/\(vendorId)/locations/\(code)",
            [
                "name": "Location \(code)", "type": .string(type), "country": "DE", "postal_code": "10115",
                "latitude": .double(latitude), "longitude": .double(longitude), "handling_seconds": .int(handlingSeconds),
                "pickup": .bool(pickup),
            ])
        #expect(response.status == 201 || response.status == 200, "\(response)")
    }

    func offer(vendorId: String, sku: String, price: Int64, currency: String = "EUR", active: Bool = true) async throws {
        let response = try await admin.put(
            "/v1/vendors/\(vendorId)/offers/\(sku)",
            ["unit_price": .int(price), "currency": .string(currency), "active": .bool(active)])
        #expect(response.status == 201 || response.status == 200, "\(response)")
    }

    func stock(vendorId: String, location: String = "WH1", sku: String, onHand: Int64) async throws {
        let response = try await admin.post(
            "/v1/vendors/\(vendorId)/stock",
            ["items": [["location": .string(location), "sku": .string(sku), "on_hand": .int(onHand)]]])
        #expect(response.status == 200, "\(response)")
    }
}
