import Foundation
import Postgres
import Testing

/// Values travel as text parameters and come back as text; each type must survive the trip and
/// mean on the server what it means in Swift.
@Suite("Postgres parameters and rows")
struct ParameterRoundTripTests {
    @Test(
        "text survives quotes, backslashes, unicode, newlines and the empty string",
        arguments: [
            "plain", "O'Reilly said \"hi\"", #"back\slash \\ and \n literal"#, "Grüße, Zoë: 日本語 🍕👩‍👩‍👧",
            "", "line one\nline two\ttab", "'; DROP TABLE vendors; --", "{braces,\"and\",commas}", "NULL",
        ])
    func textRoundTrip(_ value: String) async throws {
        try await TestDB.withPool(size: 1) { pool in
            let result = try await pool.query(
                "SELECT $1::text AS v, length($1::text) AS n, octet_length($1::text) AS bytes", [value])
            let row = try #require(result.first)
            #expect(try row.string("v") == value)
            #expect(try row.int("n") == value.unicodeScalars.count)
            #expect(try row.int("bytes") == value.utf8.count)
            #expect(try row.isNull("v") == false)
        }
    }

    @Test("Int, Int64 and Int32 round-trip, extremes and negatives included")
    func integers() async throws {
        try await TestDB.withPool(size: 1) { pool in
            for value in [0, -1, 42, -987_654_321, Int.max, Int.min] {
                let row = try #require(try await pool.query("SELECT $1::bigint AS v, $1::bigint < 0 AS neg", [value]).first)
                #expect(try row.int("v") == value)
                #expect(try row.bool("neg") == (value < 0))
            }
            for value: Int64 in [Int64.max, Int64.min, -5, 7] {
                let row = try #require(try await pool.query("SELECT $1::bigint AS v, $1::bigint + 0 AS w", [value]).first)
                #expect(try row.int64("v") == value)
                #expect(try row.optionalInt64("w") == value)
            }
            let row = try #require(try await pool.query("SELECT $1::int AS v", [Int32.min]).first)
            #expect(try row.int("v") == Int(Int32.min))
            // Arithmetic on the server proves it received numbers, not something that merely prints alike.
            let sum = try #require(try await pool.query("SELECT $1::bigint + $2::bigint AS s", [Int64.max - 1, 1]).first)
            #expect(try sum.int64("s") == Int64.max)
        }
    }

    @Test("Bool round-trips and is a real boolean on the server")
    func booleans() async throws {
        try await TestDB.withPool(size: 1) { pool in
            for value in [true, false] {
                let row = try #require(
                    try await pool.query("SELECT $1::boolean AS v, NOT $1::boolean AS n, $1::boolean::text AS t", [value]).first)
                #expect(try row.bool("v") == value)
                #expect(try row.bool("n") == !value)
                #expect(try row.string("t") == (value ? "true" : "false"))
            }
        }
    }

    @Test(
        "Date keeps microseconds, before 1970 too, and the server reads the same instant",
        arguments: [
            (1_700_000_000.123456, "1700000000.123456"),
            (-1_234_567_890.654321, "-1234567890.654321"),
            (-0.000001, "-0.000001"),
            (0, "0.000000"),
            (951_825_600.5, "951825600.500000"),  // 2000-02-29T12:00:00.5Z
            (-2_208_988_800, "-2208988800.000000"),  // 1900-01-01
        ])
    func dates(_ seconds: Double, _ epochText: String) async throws {
        let date = Date(timeIntervalSince1970: seconds)
        try await TestDB.withPool(size: 1) { pool in
            let row = try #require(
                try await pool.query(
                    "SELECT $1::timestamptz AS t, to_char(extract(epoch FROM $1::timestamptz), 'FM9999999999990.000000') AS e",
                    [date]
                ).first)
            #expect(try row.string("e") == epochText)
            let back = try row.date("t")
            #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_001, "\(back.timeIntervalSince1970) vs \(seconds)")
            #expect(PostgresTimestamp.format(back) == PostgresTimestamp.format(date))
            #expect(try row.optionalDate("t") == back)
        }
    }

    @Test("a timestamptz without fraction and one from now() decode")
    func serverTimestamps() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let row = try #require(
                try await pool.query("SELECT '2020-01-01 00:00:00+00'::timestamptz AS t, now() AS n, NULL::timestamptz AS z").first)
            #expect(try row.date("t") == Date(timeIntervalSince1970: 1_577_836_800))
            #expect(abs(try row.date("n").timeIntervalSinceNow) < 60)
            #expect(try row.optionalDate("z") == nil)
            #expect(throws: RowDecodingError.self) { try row.date("z") }
        }
    }

    @Test("UUID round-trips and compares as uuid on the server")
    func uuids() async throws {
        let id = UUID()
        try await TestDB.withPool(size: 1) { pool in
            let row = try #require(
                try await pool.query("SELECT $1::uuid AS u, $1::uuid = $2::uuid AS same", [id, id.uuidString.uppercased()]).first)
            #expect(try row.uuid("u") == id)
            #expect(try row.bool("same"))
        }
    }

    @Test("jsonb travels as JSONText and comes back as JSON data")
    func jsonb() async throws {
        let text = #"{"name": "Zoë \"quoted\" O'Hara", "n": [1, 2, 3], "nested": {"ok": true}, "none": null}"#
        try await TestDB.withPool(size: 1) { pool in
            let row = try #require(
                try await pool.query(
                    "SELECT $1::jsonb AS j, $1::jsonb ->> 'name' AS name, jsonb_array_length($1::jsonb -> 'n') AS len",
                    [JSONText(text)]
                ).first)
            #expect(try row.string("name") == #"Zoë "quoted" O'Hara"#)
            #expect(try row.int("len") == 3)
            let object = try #require(try JSONSerialization.jsonObject(with: try row.jsonData("j")) as? [String: Any])
            #expect(object["name"] as? String == #"Zoë "quoted" O'Hara"#)
            #expect((object["nested"] as? [String: Any])?["ok"] as? Bool == true)
            #expect(object["none"] is NSNull)
            #expect(try row.optionalJSONData("j") != nil)
        }
    }

    @Test("invalid JSON text is refused by the server, not silently stored")
    func invalidJSON() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let error = try await #require(throws: PostgresError.self) {
                try await pool.query("SELECT $1::jsonb AS j", [JSONText("{not json")])
            }
            #expect(error.sqlState == SQLState.invalidTextRepresentation)
        }
    }

    @Test("nil Optionals are SQL NULL, and every required accessor refuses NULL")
    func nulls() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let none: String? = nil
            let noInt: Int? = nil
            let row = try #require(
                try await pool.query(
                    "SELECT $1::text AS s, $1::text IS NULL AS s_null, $2::int AS i, $2::int IS NULL AS i_null, $3::text AS some",
                    [none, noInt, Optional("x")]
                ).first)
            #expect(try row.bool("s_null"))
            #expect(try row.bool("i_null"))
            #expect(try row.isNull("s"))
            #expect(try row.optionalString("s") == nil)
            #expect(try row.optionalInt("i") == nil)
            #expect(try row.optionalInt64("i") == nil)
            #expect(try row.optionalJSONData("s") == nil)
            #expect(try row.string("some") == "x")
            for accessor: (Row) throws -> Any in [
                { try $0.string("s") }, { try $0.int("i") }, { try $0.int64("i") }, { try $0.bool("s") },
                { try $0.date("s") }, { try $0.uuid("s") }, { try $0.double("i") }, { try $0.jsonData("s") },
            ] {
                #expect(throws: RowDecodingError.self) { _ = try accessor(row) }
            }
            let error = try #require(throws: RowDecodingError.self) { try row.int("i") }
            #expect(error.column == "i")
        }
    }

    @Test("accessors throw RowDecodingError on the wrong type or an unknown column")
    func wrongTypes() async throws {
        try await TestDB.withPool(size: 1) { pool in
            let row = try #require(
                try await pool.query(
                    """
                    SELECT 'abc'::text AS s, 1.5::float8 AS f, '9223372036854775808'::numeric AS big,
                           'yes'::text AS y, '2020-13-45'::text AS d, 'not-a-uuid'::text AS u, 7 AS seven
                    """
                ).first)
            #expect(throws: RowDecodingError.self) { try row.int("s") }
            #expect(throws: RowDecodingError.self) { try row.int("f") }
            #expect(throws: RowDecodingError.self) { try row.int64("big") }
            #expect(throws: RowDecodingError.self) { try row.optionalInt("s") }
            #expect(throws: RowDecodingError.self) { try row.optionalInt64("s") }
            #expect(throws: RowDecodingError.self) { try row.bool("y") }
            #expect(throws: RowDecodingError.self) { try row.date("d") }
            #expect(throws: RowDecodingError.self) { try row.optionalDate("d") }
            #expect(throws: RowDecodingError.self) { try row.uuid("u") }
            #expect(throws: RowDecodingError.self) { try row.double("s") }
            #expect(throws: RowDecodingError.self) { try row.stringArray("s") }
            let missing = try #require(throws: RowDecodingError.self) { try row.string("nope") }
            #expect(missing.column == "nope")
            #expect(try row.double("f") == 1.5)
            #expect(try row.int("seven") == 7)
        }
    }

    @Test("arrays: = ANY($1) matches exactly the listed text values, awkward characters included")
    func textArrays() async throws {
        let wanted = ["plain", "with,comma", "with \"quote\"", #"back\slash"#, "{brace}", "NULL", "", "spa ce", "ünï"]
        let others = ["Plain", "with", "comma", "null", "brace", "other"]
        try await TestDB.withPool(size: 1) { pool in
            try await pool.withConnection { session in
                let table = TestDB.uniqueName("tmp_any")
                try await session.query("CREATE TEMP TABLE \(table) (name text NOT NULL)")
                for name in wanted + others {
                    try await session.query("INSERT INTO \(table) (name) VALUES ($1)", [name])
                }
                let result = try await session.query("SELECT name FROM \(table) WHERE name = ANY($1) ORDER BY name", [wanted])
                #expect(Set(try result.rows.map { try $0.string("name") }) == Set(wanted))
                #expect(result.rows.count == wanted.count)
                let none = try await session.query("SELECT count(*) AS c FROM \(table) WHERE name = ANY($1)", [[String]()])
                #expect(try none.first?.int("c") == 0)
                try await session.query("DROP TABLE \(table)")
            }
            // And back out through the array output format.
            let row = try #require(try await pool.query("SELECT $1::text[] AS a, cardinality($1::text[]) AS n", [wanted]).first)
            #expect(try row.int("n") == wanted.count)
            #expect(try row.stringArray("a") == wanted)
            let ints = try #require(
                try await pool.query("SELECT 3 = ANY($1::int[]) AS has3, 4 = ANY($1::int[]) AS has4", [[1, 2, 3]]).first)
            #expect(try ints.bool("has3"))
            #expect(try ints.bool("has4") == false)
            // Negative and extreme integers, and NULL elements of an optional array.
            let extremes = try #require(
                try await pool.query("SELECT ($1::int8[])[1] AS lo, ($1::int8[])[3] AS hi", [[Int.min, 0, Int.max]]).first)
            #expect(try extremes.int("lo") == Int.min)
            #expect(try extremes.int("hi") == Int.max)
            let optionals: [String?] = ["a", nil, "NULL"]
            let nulls = try #require(
                try await pool.query(
                    "SELECT ($1::text[])[2] IS NULL AS second, ($1::text[])[3] AS third, cardinality($1::text[]) AS n", [optionals]
                ).first)
            #expect(try nulls.bool("second"))
            #expect(try nulls.string("third") == "NULL")
            #expect(try nulls.int("n") == 3)
        }
    }

    @Test("affectedRows counts the rows an UPDATE touched")
    func affectedRows() async throws {
        try await TestDB.withPool(size: 1) { pool in
            try await pool.withConnection { session in
                let table = TestDB.uniqueName("tmp_aff")
                try await session.query("CREATE TEMP TABLE \(table) (n int)")
                let insert = try await session.query("INSERT INTO \(table) SELECT generate_series(1, 5)")
                #expect(insert.affectedRows == 5)
                let update = try await session.query("UPDATE \(table) SET n = n + 10 WHERE n > $1", [2])
                #expect(update.affectedRows == 3)
                let select = try await session.query("SELECT n FROM \(table) ORDER BY n")
                #expect(try select.rows.map { try $0.int("n") } == [1, 2, 13, 14, 15])
                #expect(select.columns == ["n"])
            }
        }
    }
}
