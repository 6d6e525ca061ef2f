import CivilTime
public import Foundation

/// RFC 3339 timestamps as the API shows and reads them: UTC, `Z`, microseconds when non-zero.
public enum RFC3339 {
    /// The instants the API accepts (API.md, "Limits"): 1970-01-01T00:00:00Z up to the last
    /// microsecond of 9999-12-31 UTC. Beyond them PostgreSQL's text form needs a fifth year
    /// digit or `BC`, and stored dates must always be writable and readable again.
    public static let earliest = Date(timeIntervalSince1970: 0)
    public static let latest = Date(timeIntervalSince1970: 253_402_300_799.999_999)

    public enum Failure: Error, Sendable, Equatable {
        /// Not `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, or not a real date or time.
        case malformed
        /// Well formed, but outside `earliest … latest` once its offset is applied.
        case outOfRange
    }

    public static func format(_ date: Date) -> String {
        MicrosecondTimestamp.format(date, omittingZeroFraction: true)
    }

    /// Accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` within `earliest … latest`; nil for
    /// anything else.
    public static func parse(_ text: String) -> Date? {
        try? read(text).get()
    }

    /// Like `parse`, telling a malformed text from a well-formed one out of range.
    public static func read(_ text: String) -> Result<Date, Failure> {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 40 else { return .failure(.malformed) }
        var i = 0
        func number(_ width: Int) -> Int64? {
            guard i + width <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<width {
                guard (48...57).contains(bytes[i]) else { return nil }
                value = value * 10 + Int64(bytes[i] - 48)
                i += 1
            }
            return value
        }
        func expect(_ choices: UInt8...) -> Bool {
            guard i < bytes.count, choices.contains(bytes[i]) else { return false }
            i += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
            expect(84, 116), let hour = number(2), expect(58), let minute = number(2), expect(58),
            let second = number(2)
        else { return .failure(.malformed) }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24, minute < 60,
            second <= 60  // a leap second counts as the first second of the next minute
        else { return .failure(.malformed) }
        var micros: Int64 = 0
        if i < bytes.count, bytes[i] == 46 {
            i += 1
            var digits = 0
            while i < bytes.count, (48...57).contains(bytes[i]) {
                if digits < 6 { micros = micros * 10 + Int64(bytes[i] - 48) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return .failure(.malformed) }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        var offset: Int64 = 0
        if expect(90, 122) {
            offset = 0
        } else if i < bytes.count, bytes[i] == 43 || bytes[i] == 45 {
            let sign: Int64 = bytes[i] == 43 ? 1 : -1
            i += 1
            guard let oh = number(2), expect(58), let om = number(2), oh < 24, om < 60 else { return .failure(.malformed) }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return .failure(.malformed)
        }
        guard i == bytes.count else { return .failure(.malformed) }
        let days = CivilCalendar.daysFromCivil(year, month, day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        guard seconds >= 0, seconds <= 253_402_300_799 else { return .failure(.outOfRange) }
        return .success(Date(timeIntervalSince1970: Double(seconds) + Double(micros) / 1_000_000))
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
