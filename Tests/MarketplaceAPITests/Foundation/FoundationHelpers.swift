import CommerceCore
import Foundation
import NIOHTTP1
import Postgres
import Testing

/// Checks shared by the foundation suites (kept in one namespace so they cannot collide with
/// helpers other suites add to this test target).
enum FoundationHelpers {
    /// The response is an RFC 9457 problem with this status and code, naming at least `fields`.
    static func expectProblem(
        _ response: APIResponse, status: Int, code: String, fields: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(response)", sourceLocation: sourceLocation)
        #expect(
            response.contentType?.hasPrefix("application/problem+json") == true, "content-type \(response.contentType ?? "none")",
            sourceLocation: sourceLocation)
        guard case .object(let object) = response.json else {
            Issue.record("not a JSON object: \(response)", sourceLocation: sourceLocation)
            return
        }
        for key in ["type", "title", "status", "detail", "errors"] {
            #expect(object[key] != nil, "problem lacks \(key): \(response)", sourceLocation: sourceLocation)
        }
        #expect(object["type"]?.stringValue?.hasPrefix("http") == true, sourceLocation: sourceLocation)
        #expect(object["title"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(object["detail"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(
            object["status"]?.intValue == Int64(status), "body status \(String(describing: object["status"]))",
            sourceLocation: sourceLocation)
        #expect(object["errors"]?.arrayValue != nil, sourceLocation: sourceLocation)
        #expect(response.problemCode == code, "\(response)", sourceLocation: sourceLocation)
        for field in fields {
            #expect(response.errorFields.contains(field), "no error for \(field): \(response.errorFields)", sourceLocation: sourceLocation)
        }
        for error in object["errors"]?.arrayValue ?? [] {
            #expect(error["field"]?.stringValue != nil && error["message"]?.stringValue != nil, "\(error)", sourceLocation: sourceLocation)
        }
    }

    /// `SELECT count(*) AS c …` straight from the database.
    static func count(_ pool: ConnectionPool, _ sql: String, _ parameters: [any PostgresEncodable]) async throws -> Int {
        try await pool.query(sql, parameters).first?.int("c") ?? -1
    }

    static func vendorCount(_ server: TestServer, name: String) async throws -> Int {
        try await count(server.pool, "SELECT count(*) AS c FROM vendors WHERE name = $1", [name])
    }

    static func header(_ response: APIResponse, _ name: String) -> String? { response.headers.first(name: name) }
}
