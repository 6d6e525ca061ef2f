public import Foundation

/// The rows of one statement, copied out of libpq's PGresult so they can cross threads freely.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// Rows touched by INSERT/UPDATE/DELETE (PQcmdTuples), 0 otherwise.
    public let affectedRows: Int

    public init(columns: [String], values: [[String?]], affectedRows: Int) {
        self.columns = columns
        var index: [String: Int] = [:]
        for (i, name) in columns.enumerated() where index[name] == nil { index[name] = i }
        let lookup = ColumnIndex(positions: index)
        self.rows = values.map { Row(values: $0, columns: lookup) }
        self.affectedRows = affectedRows
    }

    public var first: Row? { rows.first }
    public var isEmpty: Bool { rows.isEmpty }
}

/// Column name → position, shared by every row of a result.
public final class ColumnIndex: Sendable {
    let positions: [String: Int]
    init(positions: [String: Int]) { self.positions = positions }
}

/// One row; values are PostgreSQL's text output. Decoding failures throw `RowDecodingError`.
public struct Row: Sendable {
    public let values: [String?]
    let columns: ColumnIndex

    func raw(_ column: String) throws -> String? {
        guard let position = columns.positions[column] else {
            throw RowDecodingError(column: column, reason: "no such column")
        }
        return values[position]
    }

    func required(_ column: String) throws -> String {
        guard let value = try raw(column) else {
            throw RowDecodingError(column: column, reason: "unexpected NULL")
        }
        return value
    }

    public func isNull(_ column: String) throws -> Bool { try raw(column) == nil }

    public func string(_ column: String) throws -> String { try required(column) }
    public func optionalString(_ column: String) throws -> String? { try raw(column) }

    public func int(_ column: String) throws -> Int {
        guard let value = Int(try required(column)) else { throw RowDecodingError(column: column, reason: "not an integer") }
        return value
    }

    public func optionalInt(_ column: String) throws -> Int? {
        guard let text = try raw(column) else { return nil }
        guard let value = Int(text) else { throw RowDecodingError(column: column, reason: "not an integer") }
        return value
    }

    public func int64(_ column: String) throws -> Int64 {
        guard let value = Int64(try required(column)) else {
            throw RowDecodingError(column: column, reason: "not an integer")
        }
        return value
    }

    public func optionalInt64(_ column: String) throws -> Int64? {
        guard let text = try raw(column) else { return nil }
        guard let value = Int64(text) else { throw RowDecodingError(column: column, reason: "not an integer") }
        return value
    }

    public func bool(_ column: String) throws -> Bool {
        switch try required(column) {
        case "t", "true": return true
        case "f", "false": return false
        default: throw RowDecodingError(column: column, reason: "not a boolean")
        }
    }

    public func date(_ column: String) throws -> Date {
        guard let value = PostgresTimestamp.parse(try required(column)) else {
            throw RowDecodingError(column: column, reason: "not a timestamp")
        }
        return value
    }

    public func optionalDate(_ column: String) throws -> Date? {
        guard let text = try raw(column) else { return nil }
        guard let value = PostgresTimestamp.parse(text) else {
            throw RowDecodingError(column: column, reason: "not a timestamp")
        }
        return value
    }

    public func uuid(_ column: String) throws -> UUID {
        guard let value = UUID(uuidString: try required(column)) else {
            throw RowDecodingError(column: column, reason: "not a uuid")
        }
        return value
    }

    /// A `json`/`jsonb` column as its UTF-8 text, ready for a JSON decoder.
    public func jsonData(_ column: String) throws -> Data { Data(try required(column).utf8) }

    /// A `json`/`jsonb` column as UTF-8 bytes, copied once (`jsonData` then `Array` copies twice).
    public func jsonBytes(_ column: String) throws -> [UInt8] { Array(try required(column).utf8) }

    public func optionalJSONData(_ column: String) throws -> Data? {
        guard let text = try raw(column) else { return nil }
        return Data(text.utf8)
    }

    public func double(_ column: String) throws -> Double {
        guard let value = Double(try required(column)) else { throw RowDecodingError(column: column, reason: "not a number") }
        return value
    }

    /// A one-dimensional text[] in PostgreSQL's array output format.
    public func stringArray(_ column: String) throws -> [String] {
        guard let text = try raw(column) else { return [] }
        guard let parsed = PostgresArray.parse(text) else {
            throw RowDecodingError(column: column, reason: "not an array")
        }
        return parsed
    }
}

public struct RowDecodingError: Error, CustomStringConvertible, Sendable {
    public let column: String
    public let reason: String

    public init(column: String, reason: String) {
        self.column = column
        self.reason = reason
    }

    public var description: String { "column \(column): \(reason)" }
}

enum PostgresArray {
    /// Parses `{a,"b c",NULL}` (NULL elements are dropped: the project never stores them).
    static func parse(_ text: String) -> [String]? {
        var chars = Array(text)
        guard chars.first == "{", chars.last == "}" else { return nil }
        chars.removeFirst()
        chars.removeLast()
        var out: [String] = []
        var i = 0
        while i < chars.count {
            var element = ""
            var quoted = false
            if chars[i] == "\"" {
                quoted = true
                i += 1
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                    element.append(chars[i])
                    i += 1
                }
                i += 1
            } else {
                while i < chars.count, chars[i] != "," {
                    element.append(chars[i])
                    i += 1
                }
            }
            if quoted || element != "NULL" { out.append(element) }
            i += 1  // skip the comma
        }
        return out
    }
}
