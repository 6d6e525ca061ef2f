import CivilTime
import CommerceCore
import Foundation
import Testing

/// Timestamps the API reads (API.md, "Limits"): RFC 3339 with an offset, from
/// 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z once the offset is applied.
@Suite("CommerceCore: RFC 3339 timestamps")
struct RFC3339Tests {
    @Test(
        "well-formed timestamps in range are read",
        arguments: [
            ("1970-01-01T00:00:00Z", 0.0),
            ("1970-01-01T01:00:00+01:00", 0.0),
            ("2026-12-01T18:00:00Z", 1_796_148_000.0),
            ("2026-12-01t18:00:00.5z", 1_796_148_000.5),
            ("2024-02-29T00:00:00Z", 1_709_164_800.0),
            ("9999-12-31T23:59:59Z", 253_402_300_799.0),
            ("9999-12-31T23:59:59-00:00", 253_402_300_799.0),
            ("9999-12-31T22:59:59-01:00", 253_402_300_799.0),
        ])
    func accepted(text: String, seconds: Double) throws {
        let date = try #require(RFC3339.parse(text), "\(text)")
        #expect(date.timeIntervalSince1970 == seconds, "\(text)")
    }

    @Test(
        "timestamps outside 1970 … 9999 after their offset are out of range",
        arguments: [
            "0001-01-01T00:00:00+01:01", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z", "1970-01-01T00:59:59+01:00",
            "9999-12-31T23:59:59-00:01", "9999-12-31T23:59:60Z",
        ])
    func outOfRange(text: String) {
        #expect(RFC3339.read(text) == .failure(.outOfRange), "\(text)")
        #expect(RFC3339.parse(text) == nil)
    }

    @Test(
        "malformed timestamps are refused",
        arguments: [
            "2026-12-01", "2026-12-01T18:00:00", "2026-13-01T18:00:00Z", "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z",
            "2026-12-01T24:00:00Z", "2026-12-01T18:00:00+24:00", "2026-12-01T18:00:00+01:60", "2026-12-01T18:00:00.Z",
            "2026-12-01T18:00:00Zjunk+01:00", "2026-12-01T18:00:00+0100", "2026-12-01 18:00:00Z", "+2026-12-01T18:00:00Z",
        ])
    func malformed(text: String) {
        #expect(RFC3339.read(text) == .failure(.malformed), "\(text)")
    }

    @Test("what the API writes it reads back, at the ends of the range too")
    func roundTrip() throws {
        for seconds in [0.0, 1_796_148_000.123456, 253_402_300_799.0] {
            let date = Date(timeIntervalSince1970: seconds)
            let back = try #require(RFC3339.parse(RFC3339.format(date)))
            #expect(abs(back.timeIntervalSince1970 - seconds) < 0.000_001)
        }
    }

    @Test(
        "the text written: microseconds for the database, a zero fraction dropped for the API",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000000Z", "1970-01-01T00:00:00Z"),
            (1_796_148_000.5, "2026-12-01T18:00:00.500000Z", "2026-12-01T18:00:00.500000Z"),
            (1_709_251_199.000_001, "2024-02-29T23:59:59.000001Z", "2024-02-29T23:59:59.000001Z"),
            (253_402_300_799.0, "9999-12-31T23:59:59.000000Z", "9999-12-31T23:59:59Z"),
            // PostgreSQL reads a fifth year digit; it must not be cut.
            (253_402_300_800.0, "10000-01-01T00:00:00.000000Z", "10000-01-01T00:00:00Z"),
        ])
    func written(seconds: Double, database: String, api: String) {
        let date = Date(timeIntervalSince1970: seconds)
        #expect(MicrosecondTimestamp.format(date) == database)
        #expect(RFC3339.format(date) == api)
    }
}
