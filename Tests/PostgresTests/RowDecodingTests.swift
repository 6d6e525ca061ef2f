import Foundation
import Postgres
import Testing

/// Rows keep every cell's bytes in one buffer and read numbers, booleans and timestamps from the
/// bytes: each reader must accept exactly what PostgreSQL prints and refuse the rest.
@Suite("Postgres row decoding")
struct RowDecodingTests {
    private func row(_ values: [String?], columns: [String]? = nil) throws -> Row {
        let names = columns ?? values.indices.map { "c\($0)" }
        return try #require(QueryResult(columns: names, values: [values], affectedRows: 0).first)
    }

    @Test("integers: the extremes, signs and zero; anything else is refused, overflow included")
    func integers() throws {
        let good: [(String, Int64)] = [
            ("0", 0), ("-0", 0), ("7", 7), ("-42", -42), ("9223372036854775807", .max), ("-9223372036854775808", .min),
            ("000123", 123),
        ]
        for (text, value) in good {
            #expect(try row([text]).int64("c0") == value, "\(text)")
            #expect(try row([text]).optionalInt64("c0") == value, "\(text)")
        }
        for text in ["", "-", "+1", "1.5", "12a", " 1", "9223372036854775808", "-9223372036854775809", "１"] {
            #expect(throws: RowDecodingError.self, "\(text)") { try row([text]).int64("c0") }
            #expect(throws: RowDecodingError.self, "\(text)") { try row([text]).int("c0") }
        }
        #expect(try row([nil]).optionalInt("c0") == nil)
        #expect(throws: RowDecodingError.self) { try row([nil]).int("c0") }
    }

    @Test("booleans in both of PostgreSQL's spellings; others refused")
    func booleans() throws {
        #expect(try row(["t"]).bool("c0"))
        #expect(try row(["true"]).bool("c0"))
        #expect(try !row(["f"]).bool("c0"))
        #expect(try !row(["false"]).bool("c0"))
        for text in ["", "x", "T", "yes", "truth", "falsy", "1"] {
            #expect(throws: RowDecodingError.self, "\(text)") { try row([text]).bool("c0") }
        }
    }

    @Test("NULL, the empty string and missing columns stay apart; cells of one row do not bleed into each other")
    func cells() throws {
        let r = try row(["", nil, "Grüße 🍕", "abc"], columns: ["empty", "null", "text", "next"])
        #expect(try r.string("empty") == "")
        #expect(try r.isNull("empty") == false)
        #expect(try r.isNull("null"))
        #expect(try r.optionalString("null") == nil)
        #expect(throws: RowDecodingError.self) { try r.string("null") }
        #expect(try r.string("text") == "Grüße 🍕")
        #expect(try r.string("next") == "abc")
        #expect(throws: RowDecodingError.self) { try r.string("absent") }

        let result = QueryResult(columns: ["id", "n"], values: [["a", "1"], [nil, "22"], ["ccc", nil]], affectedRows: 0)
        #expect(try result.rows.map { try $0.optionalString("id") } == ["a", nil, "ccc"])
        #expect(try result.rows.map { try $0.optionalInt("n") } == [1, 22, nil])
    }

    @Test("a column resolved once reads every row of its result; on another result's row it is looked up by name")
    func resolvedColumns() throws {
        let a = QueryResult(columns: ["id", "n"], values: [["a1", "1"], ["a2", "2"]], affectedRows: 0)
        let b = QueryResult(columns: ["n", "extra", "id"], values: [["7", "x", "b1"]], affectedRows: 0)
        let id = a.column("id")
        let n = a.column("n")
        #expect(id.name == "id")
        #expect(try a.rows.map { try $0.string(id) } == ["a1", "a2"])
        #expect(try a.rows.map { try $0.int(n) } == [1, 2])
        let other = try #require(b.first)
        #expect(try other.string(id) == "b1")
        #expect(try other.int(n) == 7)
        let missing = a.column("absent")
        #expect(throws: RowDecodingError.self) { try a.rows[0].string(missing) }
        #expect(throws: RowDecodingError.self) { try other.string(b.column("absent")) }
        let empty = QueryResult(columns: ["id"], values: [], affectedRows: 0)
        #expect(empty.column("id").name == "id")
    }

    @Test("timestamps and JSON read from the bytes as from a string")
    func timestampsAndJSON() throws {
        let text = "2026-12-06 07:13:14.123456+00"
        let r = try row([text, #"{"a": [1, "ü"]}"#, nil], columns: ["at", "doc", "none"])
        #expect(try r.date("at") == PostgresTimestamp.parse(text))
        #expect(try r.optionalDate("none") == nil)
        #expect(throws: RowDecodingError.self) { try row(["yesterday"]).date("c0") }
        #expect(try r.jsonBytes("doc") == Array(#"{"a": [1, "ü"]}"#.utf8))
        #expect(try r.jsonData("doc") == Data(#"{"a": [1, "ü"]}"#.utf8))
        #expect(try r.optionalJSONData("none") == nil)
    }
}
