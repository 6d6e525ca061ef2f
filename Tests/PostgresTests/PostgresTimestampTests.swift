import Foundation
import Postgres
import Testing

@Suite("PostgresTimestamp")
struct PostgresTimestampTests {
    @Test(
        "format writes UTC with six fraction digits",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000000Z"),
            (-0.5, "1969-12-31T23:59:59.500000Z"),
            (1_700_000_000.123456, "2023-11-14T22:13:20.123456Z"),
            (-1_234_567_890.654321, "1930-11-18T00:28:29.345679Z"),
            (951_825_600.5, "2000-02-29T12:00:00.500000Z"),
            (-2_208_988_800, "1900-01-01T00:00:00.000000Z"),
            (4_102_444_799.999999, "2099-12-31T23:59:59.999999Z"),
            (253_402_300_799, "9999-12-31T23:59:59.000000Z"),
            (253_402_300_800, "10000-01-01T00:00:00.000000Z"),  // a fifth year digit, never a cut one
        ])
    func format(_ seconds: Double, _ expected: String) {
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: seconds)) == expected)
    }

    @Test(
        "parse reads PostgreSQL's ISO output, offsets and RFC 3339",
        arguments: [
            ("2023-11-14 22:13:20.123456+00", 1_700_000_000.123456),
            ("2023-11-14 22:13:20+00", 1_700_000_000),
            ("2023-11-14T22:13:20Z", 1_700_000_000),
            ("2023-11-14 22:13:20.5+00", 1_700_000_000.5),
            ("2023-11-14 23:13:20.123456+01", 1_700_000_000.123456),
            ("2023-11-15 03:43:20+05:30", 1_700_000_000),
            ("2023-11-14 14:13:20-08", 1_700_000_000),
            ("1969-12-31 23:59:59.999999+00", -0.000001),
            ("1930-11-18 00:28:29.345679+00", -1_234_567_890.654321),
            ("2023-11-14 22:13:20.1234567+00", 1_700_000_000.123456),  // extra digits are cut, not rounded
        ])
    func parse(_ text: String, _ expected: Double) throws {
        let date = try #require(PostgresTimestamp.parse(text))
        #expect(abs(date.timeIntervalSince1970 - expected) < 0.000_001, "\(text) → \(date.timeIntervalSince1970)")
        #expect(PostgresTimestamp.format(date) == PostgresTimestamp.format(Date(timeIntervalSince1970: expected)))
    }

    @Test(
        "parse refuses what is not a timestamp",
        arguments: [
            "", "infinity", "-infinity", "2023-11-14", "2023/11/14 22:13:20", "2023-11-14 22:13", "2023-11-14 22:13:20 UTC", "yesterday",
        ])
    func parseRefuses(_ text: String) {
        #expect(PostgresTimestamp.parse(text) == nil)
    }

    @Test("format then parse returns the same microsecond, for dates across four centuries")
    func roundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let micros = Int64.random(in: -2_208_988_800_000_000...4_102_444_800_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            let text = PostgresTimestamp.format(date)
            let back = try #require(PostgresTimestamp.parse(text), "\(text)")
            #expect(PostgresTimestamp.format(back) == text)
            #expect(abs(back.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        }
    }

    @Test("the server reads formatted text as the same instant it prints")
    func serverAgrees() async throws {
        let dates = [-2_208_988_800.25, -1.000001, 0, 1_700_000_000.999999, 4_102_444_799.000001, 253_402_300_799, 253_402_387_200.5].map {
            Date(timeIntervalSince1970: $0)
        }
        try await TestDB.withPool(size: 1) { pool in
            for date in dates {
                let text = PostgresTimestamp.format(date)
                let row = try #require(
                    try await pool.query("SELECT $1::timestamptz AS t, $1::timestamptz = $2::timestamptz AS same", [text, date]).first)
                #expect(try row.bool("same"))
                #expect(PostgresTimestamp.format(try row.date("t")) == text)
            }
        }
    }
}
