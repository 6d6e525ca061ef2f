import CPostgres
import Foundation

/// One libpq connection.
///
/// `@unchecked Sendable` because `PGconn` is not thread-safe and Swift cannot see how it is
/// protected: the pool leases a connection to exactly one task at a time, and that task runs
/// each libpq call on the thread pool and awaits it before the next, so no two threads ever
/// touch the handle at once. The handle is only closed in `deinit` or by its leaseholder.
public final class Connection: @unchecked Sendable {
    private var handle: OpaquePointer?
    let conninfo: String
    /// Statements prepared on this connection, by SQL text. Parsing and planning each
    /// statement once per connection instead of once per execution roughly halves the
    /// database's CPU per order (measured with pg_stat_statements in bench/).
    private var prepared: [String: String] = [:]
    private static let maxPrepared = 1000
    /// When this connection was opened; the pool retires old connections (see `maxLifetime`).
    let openedAt = ContinuousClock.now

    /// Opens a connection (blocking: call it on the thread pool).
    init(conninfo: String) throws {
        self.conninfo = conninfo
        try open()
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    private func open() throws {
        if let handle { PQfinish(handle) }
        prepared.removeAll()
        let conn = PQconnectdb(conninfo)
        handle = conn
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            throw PostgresError(sqlState: nil, message: "connection failed: \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        // Timestamps travel as ISO text in UTC; the decoder relies on it.
        // Notices (e.g. "relation already exists, skipping") would go to stderr through libpq's
        // default processor; warnings and errors still arrive as results.
        _ = try execute(
            "SET TIME ZONE 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET client_min_messages = warning",
            [])
    }

    /// Closes the connection (blocking: call it on the thread pool).
    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        prepared.removeAll()
    }

    /// Whether libpq still considers the connection usable.
    var isHealthy: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Runs one statement (blocking). With parameters, exactly one statement; without, the text
    /// may hold several (migrations).
    func execute(_ sql: String, _ parameters: [String?]) throws -> QueryResult {
        guard let handle else { throw PostgresError(sqlState: nil, message: "connection is closed") }
        let result: OpaquePointer?
        if parameters.isEmpty {
            result = PQexec(handle, sql)
        } else {
            let name = try statementName(for: sql, parameterCount: parameters.count, handle: handle)
            var cStrings: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
            defer { for pointer in cStrings { free(pointer) } }
            result = cStrings.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { values in
                    PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
                }
            }
        }
        guard let result else {
            throw PostgresError(sqlState: nil, message: String(cString: PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.copy(result)
        default:
            throw Self.error(from: result, handle: handle)
        }
    }

    /// The name of `sql` prepared on this connection, preparing it on first use.
    private func statementName(for sql: String, parameterCount: Int, handle: OpaquePointer) throws -> String {
        if let name = prepared[sql] { return name }
        if prepared.count >= Self.maxPrepared {
            // A bounded cache: statements are a fixed set in practice, so this is a safety net.
            if let reset = PQexec(handle, "DEALLOCATE ALL") { PQclear(reset) }
            prepared.removeAll()
        }
        let name = "mk\(prepared.count)"
        guard let result = PQprepare(handle, name, sql, Int32(parameterCount), nil) else {
            throw PostgresError(sqlState: nil, message: String(cString: PQerrorMessage(handle)))
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw Self.error(from: result, handle: handle) }
        prepared[sql] = name
        return name
    }

    private static func copy(_ result: OpaquePointer) -> QueryResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for c in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(c)))) }
        var values: [[String?]] = []
        values.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var row: [String?] = []
            row.reserveCapacity(columnCount)
            for c in 0..<columnCount {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 {
                    row.append(nil)
                } else {
                    row.append(String(cString: PQgetvalue(result, Int32(r), Int32(c))))
                }
            }
            values.append(row)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return QueryResult(columns: columns, values: values, affectedRows: affected)
    }

    private static func error(from result: OpaquePointer, handle: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let pointer = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: pointer)
        }
        let message = field("M") ?? String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
        return PostgresError(sqlState: field("C"), message: message, detail: field("D"), constraint: field("n"))
    }
}
