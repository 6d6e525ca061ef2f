public import Foundation

/// The rows of one statement, copied out of libpq's PGresult so they can cross threads freely.
public struct QueryResult: Sendable {
    public let columns: [String]
    public let rows: [Row]
    /// Rows touched by INSERT/UPDATE/DELETE (PQcmdTuples), 0 otherwise.
    public let affectedRows: Int

    public init(columns: [String], values: [[String?]], affectedRows: Int) {
        var cells = ResultCells.Builder(columns: columns, rowCount: values.count)
        for row in values {
            for value in row {
                if let value { cells.append(Array(value.utf8)) } else { cells.appendNull() }
            }
        }
        self.init(columns: columns, cells: cells.build(), affectedRows: affectedRows)
    }

    init(columns: [String], cells: ResultCells, affectedRows: Int) {
        self.columns = columns
        self.rows = (0..<cells.rowCount).map { Row(cells: cells, index: $0) }
        self.affectedRows = affectedRows
    }

    public var first: Row? { rows.first }
    public var isEmpty: Bool { rows.isEmpty }
}

/// Every value of a result in one byte buffer, with each cell's place in it, and the column
/// names' positions, shared by all its rows.
///
/// One buffer instead of a `String` per cell: a feed page of 50 suborders has some 1,500
/// cells, and making, keeping and freeing a string for each (most are longer than the 15
/// bytes a string holds inline), then parsing numbers and timestamps from those strings, was
/// several per cent of the server's CPU for the page. Numbers, booleans and timestamps are now
/// read from the bytes; a string is made only when asked for.
final class ResultCells: Sendable {
    let bytes: [UInt8]
    /// Per cell (row-major): where its bytes start, and how many there are, -1 for NULL.
    let starts: [Int32]
    let lengths: [Int32]
    let columnCount: Int
    let rowCount: Int
    let positions: [String: Int]

    private init(bytes: [UInt8], starts: [Int32], lengths: [Int32], columnCount: Int, rowCount: Int, positions: [String: Int]) {
        self.bytes = bytes
        self.starts = starts
        self.lengths = lengths
        self.columnCount = columnCount
        self.rowCount = rowCount
        self.positions = positions
    }

    struct Builder {
        private var bytes: [UInt8] = []
        private var starts: [Int32] = []
        private var lengths: [Int32] = []
        private let columns: [String]
        private let rowCount: Int

        init(columns: [String], rowCount: Int, byteCapacity: Int = 0) {
            self.columns = columns
            self.rowCount = rowCount
            bytes.reserveCapacity(byteCapacity)
            starts.reserveCapacity(rowCount * columns.count)
            lengths.reserveCapacity(rowCount * columns.count)
        }

        mutating func append(_ value: some Collection<UInt8>) {
            starts.append(Int32(bytes.count))
            lengths.append(Int32(value.count))
            bytes.append(contentsOf: value)
        }

        mutating func appendNull() {
            starts.append(Int32(bytes.count))
            lengths.append(-1)
        }

        func build() -> ResultCells {
            var positions: [String: Int] = [:]
            for (i, name) in columns.enumerated() where positions[name] == nil { positions[name] = i }
            return ResultCells(
                bytes: bytes, starts: starts, lengths: lengths, columnCount: columns.count, rowCount: rowCount,
                positions: positions)
        }
    }
}

/// A column of a result: by name (a string literal is one), or resolved once to its position
/// with `QueryResult.column(_:)` / `Row.column(_:)`, so that decoding many rows does not hash
/// the name again for every cell (that lookup was 6 % of the server's CPU for a feed page). A
/// resolved column used on a row of another result is looked up by name there.
public struct Column: Sendable, ExpressibleByStringLiteral {
    public let name: String
    /// The result it was resolved against, held so that no other result can take its place in
    /// memory and be mistaken for it while the column lives.
    private let owner: ResultCells?
    /// The owner's identity and the position there; compared without touching the owner's
    /// reference count, once per cell read.
    fileprivate let resolved: (cells: ObjectIdentifier, position: Int)?

    public init(_ name: String) {
        self.name = name
        self.owner = nil
        self.resolved = nil
    }

    public init(stringLiteral name: String) { self.init(name) }

    fileprivate init(_ name: String, cells: ResultCells) {
        self.name = name
        let position = cells.positions[name]
        self.owner = position == nil ? nil : cells
        self.resolved = position.map { (ObjectIdentifier(cells), $0) }
    }
}

extension QueryResult {
    /// `name` resolved to its position in this result's rows.
    public func column(_ name: String) -> Column { rows.first?.column(name) ?? Column(name) }
}

/// One row; values are PostgreSQL's text output. Decoding failures throw `RowDecodingError`.
public struct Row: Sendable {
    let cells: ResultCells
    let index: Int

    /// `name` resolved to its position in the rows of this row's result.
    public func column(_ name: String) -> Column { Column(name, cells: cells) }

    /// The cell's bytes in `cells.bytes`, nil for NULL.
    private func cell(_ column: Column) throws -> Range<Int>? {
        let position: Int
        if let resolved = column.resolved, resolved.cells == ObjectIdentifier(cells) {
            position = resolved.position
        } else if let found = cells.positions[column.name] {
            position = found
        } else {
            throw RowDecodingError(column: column.name, reason: "no such column")
        }
        let k = index * cells.columnCount + position
        let length = Int(cells.lengths[k])
        guard length >= 0 else { return nil }
        let start = Int(cells.starts[k])
        return start..<(start + length)
    }

    private func requiredCell(_ column: Column) throws -> Range<Int> {
        guard let range = try cell(column) else { throw RowDecodingError(column: column.name, reason: "unexpected NULL") }
        return range
    }

    private func text(_ range: Range<Int>) -> String {
        cells.bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Applies `body` to the cell's bytes without copying them.
    private func withBytes<T>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> T) -> T {
        cells.bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
    }

    func raw(_ column: Column) throws -> String? { try cell(column).map(text) }

    func required(_ column: Column) throws -> String { text(try requiredCell(column)) }

    public func isNull(_ column: Column) throws -> Bool { try cell(column) == nil }

    public func string(_ column: Column) throws -> String { try required(column) }
    public func optionalString(_ column: Column) throws -> String? { try raw(column) }

    public func int(_ column: Column) throws -> Int {
        Int(try int64(column))
    }

    public func optionalInt(_ column: Column) throws -> Int? {
        try optionalInt64(column).map { Int($0) }
    }

    public func int64(_ column: Column) throws -> Int64 {
        guard let value = withBytes(try requiredCell(column), Self.parseInteger) else {
            throw RowDecodingError(column: column.name, reason: "not an integer")
        }
        return value
    }

    public func optionalInt64(_ column: Column) throws -> Int64? {
        guard let range = try cell(column) else { return nil }
        guard let value = withBytes(range, Self.parseInteger) else {
            throw RowDecodingError(column: column.name, reason: "not an integer")
        }
        return value
    }

    /// An optional minus sign and decimal digits, as PostgreSQL prints integers; nil for
    /// anything else or a value beyond 64 bits.
    static func parseInteger(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { i = 1 }
        guard i < bytes.count else { return nil }
        var value: Int64 = 0
        while i < bytes.count {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            // Accumulated as a negative number: Int64.min has no positive counterpart.
            let (next, o2) = shifted.subtractingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { return nil }
            value = next
            i += 1
        }
        if negative { return value }
        let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
        return overflow ? nil : positive
    }

    public func bool(_ column: Column) throws -> Bool {
        let value = withBytes(try requiredCell(column)) { bytes -> Bool? in
            switch bytes.count {
            case 1: bytes[0] == UInt8(ascii: "t") ? true : bytes[0] == UInt8(ascii: "f") ? false : nil
            case 4: bytes.elementsEqual("true".utf8) ? true : nil
            case 5: bytes.elementsEqual("false".utf8) ? false : nil
            default: nil
            }
        }
        guard let value else { throw RowDecodingError(column: column.name, reason: "not a boolean") }
        return value
    }

    public func date(_ column: Column) throws -> Date {
        guard let value = withBytes(try requiredCell(column), PostgresTimestamp.parse) else {
            throw RowDecodingError(column: column.name, reason: "not a timestamp")
        }
        return value
    }

    public func optionalDate(_ column: Column) throws -> Date? {
        guard let range = try cell(column) else { return nil }
        guard let value = withBytes(range, PostgresTimestamp.parse) else {
            throw RowDecodingError(column: column.name, reason: "not a timestamp")
        }
        return value
    }

    public func uuid(_ column: Column) throws -> UUID {
        guard let value = UUID(uuidString: try required(column)) else {
            throw RowDecodingError(column: column.name, reason: "not a uuid")
        }
        return value
    }

    /// A `json`/`jsonb` column as its UTF-8 text, ready for a JSON decoder.
    public func jsonData(_ column: Column) throws -> Data { Data(cells.bytes[try requiredCell(column)]) }

    /// A `json`/`jsonb` column as UTF-8 bytes, copied once.
    public func jsonBytes(_ column: Column) throws -> [UInt8] { Array(cells.bytes[try requiredCell(column)]) }

    public func optionalJSONData(_ column: Column) throws -> Data? {
        guard let range = try cell(column) else { return nil }
        return Data(cells.bytes[range])
    }

    public func double(_ column: Column) throws -> Double {
        guard let value = Double(try required(column)) else { throw RowDecodingError(column: column.name, reason: "not a number") }
        return value
    }

    /// A one-dimensional text[] in PostgreSQL's array output format.
    public func stringArray(_ column: Column) throws -> [String] {
        guard let text = try raw(column) else { return [] }
        guard let parsed = PostgresArray.parse(text) else {
            throw RowDecodingError(column: column.name, reason: "not an array")
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
